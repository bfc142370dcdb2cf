/**
 * The run's budget (`--max-cost`), shared by every model of a run, and per-provider budgets from the config file.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import { Budget } from "../resilience/budget.ts";
import type { Target } from "./run_setup.ts";

/** The global budget, or undefined when no `--max-cost` was given. */
export function createSharedBudget(maxUsd: number | undefined): Budget | undefined {
  return maxUsd === undefined ? undefined : new Budget({ maxUsd, name: "--max-cost" });
}

/** A provider's own budget (`maxCost` in the config file), inside the global one. */
export function providerBudget(target: Target, global: Budget | undefined): Budget | undefined {
  const max = target.resolved.maxCost;
  return max === undefined
    ? undefined
    : new Budget({ maxUsd: max, name: target.resolved.name, parent: global });
}

/**
 * A budget needs prices: fail before anything is sent when a paid target's model has none (exit 3).
 */
export function checkPriced(targets: readonly Target[], budgeted: boolean): void {
  for (const t of targets) {
    const budget = budgeted || t.resolved.maxCost !== undefined;
    if (!budget || t.free) continue;
    if (t.entry?.inputPerMTok === undefined || t.entry.outputPerMTok === undefined) {
      throw new SwebenchError(
        "config",
        `no price is known for ${t.resolved.name}:${t.model}, so a budget cannot be kept`,
        {
          hint:
            `Add it to the config file's "models" list, e.g. {"id": "${t.model}", "provider": "${t.resolved.kind}", ` +
            `"inputPerMTok": 1, "outputPerMTok": 4}, or run without --max-cost.`,
        },
      );
    }
  }
}
