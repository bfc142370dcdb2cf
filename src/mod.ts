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
  REQUEUE_ROUNDS,
  runBatch,
  type RunBatchOptions,
} from "./run/batch.ts";
export type { InstanceStatus, ProgressEvent, RunSummary } from "./run/events.ts";
export { type CostPlan, planCost, type PlanPrices } from "./run/cost_plan.ts";
export { type ModelReport, summarizeRunLog } from "./run/report.ts";
export type { Tally } from "./run/tally.ts";
export {
  markUniqueResolves,
  repoOf,
  type RepoScore,
  type ScoredModel,
  scoreModel,
} from "./run/scored_report.ts";
export type {
  DataSettings,
  OutputSettings,
  ProviderSettings,
  RunSettings,
  SelectionSettings,
  TargetSettings,
  Timeouts,
} from "./run/settings.ts";
export { createTarget, type Target } from "./run/target.ts";
export {
  type DryRunModel,
  type DryRunPlan,
  type OpenModel,
  type OpenRun,
  openRun,
  planDryRun,
  type PreparedModel,
  type PreparedRun,
  type PrepareHooks,
  prepareRun,
} from "./run/prepare.ts";
export {
  type ExecuteHooks,
  executeRun,
  exitCodeOf,
  type ModelOutcome,
  type RunOutcome,
} from "./run/execute.ts";
export type { GenerationContext, Notice, OpenOutputs, RunOutput } from "./run/outputs.ts";
export {
  type AnswerMeta,
  answerRecord,
  type FailureMeta,
  failureRecord,
  type ModelOutput,
  predictionOf,
  type RecordBase,
  recordBase,
  skippedRecord,
  writeAnswer,
} from "./run/record.ts";
