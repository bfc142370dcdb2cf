/**
 * The run's budget (`--max-cost`), shared by every model of a run and every run of its files, and per-provider
 * budgets (`maxCost` in the config file).
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import { Budget } from "../resilience/budget.ts";
import type { Spend } from "../swebench/run_log.ts";
import { type Target, unpriced } from "./target.ts";

/**
 * The global budget, or undefined when no `--max-cost` was given. `before` is what earlier runs of the same
 * predictions file(s) spent (from their run logs): `--max-cost` covers every run of the file, not one process.
 */
export function createSharedBudget(maxUsd: number | undefined, before?: Spend): Budget | undefined {
  return maxUsd === undefined ? undefined : new Budget({ maxUsd, name: "--max-cost", spentUsd: before?.usd });
}

/** A provider's own budget (`maxCost` in the config file), inside the global one; earlier runs count too. */
export function providerBudget(
  target: Target,
  global: Budget | undefined,
  before?: Spend,
): Budget | undefined {
  const max = target.settings.maxCost;
  return max === undefined ? undefined : new Budget({
    maxUsd: max,
    name: target.settings.name,
    parent: global,
    spentUsd: before?.byProvider[target.settings.name],
  });
}

/** Add up what several run logs spent (a `compare` writes one predictions file per model). */
export function addSpends(spends: readonly Spend[]): Spend {
  const total: Spend = { usd: 0, byProvider: {}, keptUsd: 0, unpriced: 0 };
  for (const s of spends) {
    total.usd += s.usd;
    total.keptUsd += s.keptUsd;
    total.unpriced += s.unpriced;
    for (const [k, v] of Object.entries(s.byProvider)) total.byProvider[k] = (total.byProvider[k] ?? 0) + v;
  }
  return total;
}

/**
 * A budget needs prices: fail before anything is sent when a paid target's model has none (exit 3).
 */
export function checkPriced(targets: readonly Target[], budgeted: boolean): void {
  for (const t of targets) {
    const budget = budgeted || t.settings.maxCost !== undefined;
    if (!budget || !unpriced(t)) continue;
    throw new SwebenchError(
      "config",
      `no price is known for ${t.settings.name}:${t.model}, so a budget cannot be kept`,
      {
        hint:
          `Add it to the config file's "models" list, e.g. {"id": "${t.model}", "provider": "${t.settings.kind}", ` +
          `"inputPerMTok": 1, "outputPerMTok": 4}, or run without --max-cost.`,
      },
    );
  }
}
