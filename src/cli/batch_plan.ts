/**
 * The plan's cost lines with the batch price beside the normal one: side by side for a `--batch` run, one line
 * saying what `--batch` would cost for a normal run of a provider that has a batch API.
 *
 * @module
 */
import { type PlanCostColumns, planCostColumns } from "../batch/plan_cost.ts";
import type { CostPlan } from "../run/cost_plan.ts";
import { style } from "./output.ts";
import { formatUsd } from "./progress.ts";
import { describePlan } from "./render/plan.ts";

/**
 * The cost as two columns, normal and batch, the batch one marked as this run's:
 *
 * ```
 *   cost:         normal    batch (this run)
 *     expected    $1.2345   $0.6172
 *     worst case  $4.5600   $2.2800
 * ```
 *
 * @example
 * ```ts
 * import { costColumnLines } from "./batch_plan.ts";
 * import { planCostColumns } from "../batch/plan_cost.ts";
 * costColumnLines(planCostColumns({ expectedUsd: 1, worstUsd: 4 })).length; // 3
 * ```
 */
export function costColumnLines(cols: PlanCostColumns): string[] {
  const rows: [string, string, string][] = [
    ["cost:", "normal", `batch (this run, ${Math.round((1 - cols.factor) * 100)}% off)`],
    ["  expected", formatUsd(cols.normal.expectedUsd), formatUsd(cols.batch.expectedUsd)],
    ["  worst case", formatUsd(cols.normal.worstUsd), formatUsd(cols.batch.worstUsd)],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length)) + 2;
  const w1 = Math.max(...rows.map((r) => r[1].length)) + 3;
  return rows.map(([a, b, c], i) => `  ${a.padEnd(w0)}${b.padEnd(w1)}${i === 0 ? c : style.bold(c)}`);
}

/**
 * The plan of a `--batch` run: the usual lines, the cost as normal and batch columns (an unpriced model keeps the
 * usual "unknown" line).
 *
 * @example
 * ```ts
 * import { describeBatchPlan } from "./batch_plan.ts";
 * const plan = { instances: 2, skipped: 0, promptTokens: 2000, expectedOutputTokens: 2048, worstOutputTokens: 8192,
 *   expectedUsd: 0.01, worstUsd: 0.04, countMethod: "exact" as const, countSource: "tokenizer" as const,
 *   errorBound: 0 };
 * describeBatchPlan("openai:gpt-4o-mini", plan, 0).at(-1); // "    worst case  $0.0400   $0.0200"
 * ```
 */
export function describeBatchPlan(label: string, plan: CostPlan, alreadyDone: number): string[] {
  const lines = describePlan(label, plan, alreadyDone);
  if (plan.worstUsd === undefined) return lines;
  return [...lines.slice(0, -1), ...costColumnLines(planCostColumns(plan))];
}

/**
 * For a normal run of a provider with a batch API: what the same run costs with `--batch`, e.g.
 * `  with --batch: expected $0.6172, worst case $2.2800 (half price, answers within 24 h)`; undefined when unpriced.
 *
 * @example
 * ```ts
 * import { batchOfferLine } from "./batch_plan.ts";
 * batchOfferLine({ expectedUsd: 1, worstUsd: 4 }); // "  with --batch: expected $0.5000, worst case $2.00 (half price, answers within 24 h)"
 * ```
 */
export function batchOfferLine(plan: Pick<CostPlan, "expectedUsd" | "worstUsd">): string | undefined {
  if (plan.expectedUsd === undefined || plan.worstUsd === undefined) return undefined;
  const { batch, factor } = planCostColumns(plan);
  const off = factor === 0.5 ? "half price" : `${Math.round((1 - factor) * 100)}% off`;
  return style.dim(
    `  with --batch: expected ${formatUsd(batch.expectedUsd)}, worst case ${
      formatUsd(batch.worstUsd)
    } (${off}, answers within 24 h)`,
  );
}
