/**
 * The plan's cost side by side: what the run costs through normal calls and through a batch API (the same tokens
 * at the batch price factor), so the user sees the saving before choosing `--batch`.
 *
 * @module
 */
import { BATCH_PRICE_FACTOR } from "./basics.ts";

/** Expected and worst-case USD of one way of running; `undefined` when the model is unpriced. */
export interface CostPair {
  /** Expected USD (typical answers). */
  expectedUsd?: number;
  /** Worst-case USD (every call answers `maxTokens`): what a budget reserves. */
  worstUsd?: number;
}

/**
 * The normal and the batch cost of a planned run.
 *
 * @example
 * ```ts
 * import type { PlanCostColumns } from "./plan_cost.ts";
 * const c: PlanCostColumns = {
 *   factor: 0.5, normal: { expectedUsd: 2, worstUsd: 6 }, batch: { expectedUsd: 1, worstUsd: 3 }, savingUsd: 1,
 * };
 * ```
 */
export interface PlanCostColumns {
  /** The batch price factor (0.5: half of list). */
  factor: number;
  /** Through normal calls (list prices). */
  normal: CostPair;
  /** Through the batch API. */
  batch: CostPair;
  /** Expected saving of the batch (normal - batch), when priced. */
  savingUsd?: number;
}

/**
 * The cost columns of a plan whose `expectedUsd` / `worstUsd` are at list prices. Batch prices scale every token
 * category by the same factor (input, output, cache reads and writes), so the batch figures are the list figures
 * times `factor`, worst case included (the batch budget reserves exactly that).
 *
 * @example
 * ```ts
 * import { planCostColumns } from "./plan_cost.ts";
 * planCostColumns({ expectedUsd: 1.2, worstUsd: 4 }).batch; // { expectedUsd: 0.6, worstUsd: 2 }
 * planCostColumns({}).savingUsd; // undefined (unpriced)
 * ```
 */
export function planCostColumns(
  plan: CostPair,
  factor: number = BATCH_PRICE_FACTOR,
): PlanCostColumns {
  const scale = (usd: number | undefined) => (usd === undefined ? undefined : usd * factor);
  const batch: CostPair = { expectedUsd: scale(plan.expectedUsd), worstUsd: scale(plan.worstUsd) };
  return {
    factor,
    normal: { expectedUsd: plan.expectedUsd, worstUsd: plan.worstUsd },
    batch,
    savingUsd: plan.expectedUsd === undefined ? undefined : plan.expectedUsd - batch.expectedUsd!,
  };
}
