/**
 * Batch prices on top of the catalog: the batch APIs bill every token category at a fixed fraction of the list
 * price (OpenAI and Anthropic: 50 % of input, output, cache reads and, for Anthropic, cache writes: the discounts
 * stack). A batch request's cost is the list cost of its usage times the factor, so cache discounts apply exactly
 * where the answer reports cached tokens; the worst case is the list worst case times the factor.
 *
 * @module
 */
import type { TokenUsage } from "../core/mod.ts";
import { costOf, type ModelEntry, worstCaseCost } from "../providers/catalog.ts";
import type { CostFn } from "../providers/kit/options.ts";
import { BATCH_PRICE_FACTOR } from "./basics.ts";

/**
 * USD of one batch request: {@linkcode costOf} the usage at list prices (cache reads and writes at their rates,
 * long-context rates past the threshold), times `factor`. `undefined` when the model is unpriced.
 *
 * @example
 * ```ts
 * import { batchCost } from "./cost.ts";
 * import { defaultCatalog } from "../providers/catalog.ts";
 * const usage = { promptTokens: 1000, completionTokens: 100, totalTokens: 1100, cacheReadTokens: 0, cacheWriteTokens: 0 };
 * batchCost(defaultCatalog().lookup("gpt-4o-mini"), usage); // 0.000105 (list: 0.00021)
 * ```
 */
export function batchCost(
  entry: ModelEntry | undefined,
  usage: TokenUsage,
  factor: number = BATCH_PRICE_FACTOR,
): number | undefined {
  const list = costOf(entry, usage);
  return list === undefined ? undefined : list * factor;
}

/**
 * The most one batch request can cost: {@linkcode worstCaseCost} (every prompt token uncached, `maxTokens`
 * output) times `factor`.
 *
 * @example
 * ```ts
 * import { batchWorstCaseCost } from "./cost.ts";
 * import { defaultCatalog } from "../providers/catalog.ts";
 * batchWorstCaseCost(defaultCatalog().lookup("gpt-4o-mini"), 1000, 1000); // 0.000375
 * ```
 */
export function batchWorstCaseCost(
  entry: ModelEntry | undefined,
  promptTokens: number,
  maxTokens: number,
  factor: number = BATCH_PRICE_FACTOR,
): number | undefined {
  const list = worstCaseCost(entry, promptTokens, maxTokens);
  return list === undefined ? undefined : list * factor;
}

/**
 * A {@linkcode CostFn} at batch prices from a cost function at list prices (the run's, which already knows local
 * models and the user's catalog entries).
 *
 * @example
 * ```ts
 * import { batchCostFn } from "./cost.ts";
 * const list = (_model: string, u: { promptTokens: number }) => u.promptTokens * 1e-6;
 * const batch = batchCostFn(list);
 * batch("m", { promptTokens: 1000, completionTokens: 0, totalTokens: 1000, cacheReadTokens: 0, cacheWriteTokens: 0 }); // 0.0005
 * ```
 */
export function batchCostFn(list: CostFn, factor: number = BATCH_PRICE_FACTOR): CostFn {
  return (model, usage) => {
    const usd = list(model, usage);
    return usd === undefined ? undefined : usd * factor;
  };
}
