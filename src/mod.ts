/**
 * The library API of swebench-runner.
 *
 * @example
 * ```ts
 * import { createProvider } from "@swebench/runner";
 * const p = createProvider({ kind: "ollama", baseUrl: "127.0.0.1:11434" });
 * console.log(p.kind);
 * ```
 *
 * @module
 */
export * from "./core/mod.ts";
export * from "./http/mod.ts";
export * from "./swebench/mod.ts";
export * from "./tokens/mod.ts";
export * from "./providers/catalog.ts";
export * from "./resilience/mod.ts";
export { createGoldProvider } from "./providers/gold.ts";
export type { CostFn, ProviderOptions } from "./providers/types.ts";
export {
  BUILTIN_PROVIDERS,
  createProvider,
  type CreateProviderOptions,
  type ProviderSpec,
  sendsTemperature,
} from "./providers/registry.ts";
export {
  type CallContext,
  type CallFn,
  type CallResult,
  directCall,
  MAX_REQUEUE_WAIT_MS,
  type ModelOutput,
  REQUEUE_ROUNDS,
  runBatch,
  type RunBatchOptions,
} from "./run/batch.ts";
export type { InstanceStatus, ProgressEvent, RunSummary } from "./run/events.ts";
export { type PlanPrices, planRun, type RunPlan } from "./run/cost_plan.ts";
export { type ModelReport, summarizeRunLog } from "./run/report.ts";
export type { Tally } from "./run/tally.ts";
export {
  markUniqueResolves,
  repoOf,
  type RepoScore,
  type ScoredModel,
  scoreModel,
} from "./run/scored_report.ts";
