/**
 * The call layer of one model: resilience (budget, rate limits, breaker, retries, fallback) around its target and
 * its fallback targets.
 *
 * @module
 */
import { maskKey } from "../http/auth.ts";
import type { Budget } from "../resilience/budget.ts";
import type { CallFn } from "../resilience/call.ts";
import { type ChainEntry, createResilientCall, type ResilienceStats } from "../resilience/resilient_call.ts";
import type { Spend } from "../swebench/run_log.ts";
import { providerBudget } from "./budget.ts";
import { reservationFor } from "./cost_plan.ts";
import type { Target } from "./target.ts";

function chainEntry(t: Target, budget: Budget | undefined): ChainEntry {
  const s = t.settings;
  return {
    provider: t.providers.length === 1 ? t.providers[0] : t.providers,
    model: t.model,
    contextWindow: t.entry?.contextWindow,
    maxOutputTokens: t.entry?.maxOutputTokens,
    estimateCost: reservationFor(t),
    rateLimits: {
      name: s.name,
      rpm: s.rpm,
      tpm: s.tpm,
      ...(s.maxConcurrent !== undefined ? { maxConcurrent: s.maxConcurrent } : {}),
    },
    keyLabels: s.apiKeys.length > 1 ? s.apiKeys.map(maskKey) : undefined,
    budget,
  };
}

/**
 * The resilient call function of a model and its fallbacks, and a reader of what the resilience layer did.
 *
 * @example
 * ```ts ignore
 * import { buildCall } from "./chain.ts";
 * const { call, stats } = buildCall({ primary: target, fallbacks: [] });
 * ```
 */
export function buildCall(options: {
  primary: Target;
  fallbacks: readonly Target[];
  budget?: Budget;
  /** What earlier runs of the predictions files spent (per-provider budgets count it too). */
  spentBefore?: Spend;
}): { call: CallFn; stats: () => ResilienceStats } {
  const targets = [options.primary, ...options.fallbacks];
  // One budget per provider name (a config `maxCost`), shared by every chain entry of that provider.
  const perProvider = new Map<string, Budget | undefined>();
  const budgetOf = (t: Target) => {
    if (!perProvider.has(t.settings.name)) {
      perProvider.set(t.settings.name, providerBudget(t, options.budget, options.spentBefore));
    }
    return perProvider.get(t.settings.name);
  };
  const call = createResilientCall({
    chain: targets.map((t) => chainEntry(t, budgetOf(t))),
    budget: options.budget,
  });
  return { call, stats: () => call.stats() };
}
