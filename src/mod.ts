/**
 * The library API of swebench-runner: providers behind one interface, the run layer the CLI uses (a budgeted,
 * resilient run over SWE-bench instances), datasets, prompt building, patch extraction, predictions and run logs.
 * Everything else is internal (0.2.0: the API was curated; 0.3.0: it is the `/lib` export only, the package's
 * main entry is the CLI).
 *
 * @example
 * ```ts
 * import { createProvider } from "@swebench/runner/lib";
 * const p = createProvider({ kind: "ollama", baseUrl: "127.0.0.1:11434" });
 * console.log(p.kind);
 * ```
 *
 * @module
 */

// Providers.
export { createGoldProvider } from "./providers/gold/provider.ts";
export type { CostFn, ProviderOptions } from "./providers/kit/options.ts";
export { createProvider } from "./providers/create.ts";
export {
  BUILTIN_PROVIDERS,
  type BuiltinProvider,
  type CreateProviderOptions,
  providerIds,
  providerSpecs,
  specOf,
} from "./providers/registry.ts";
export type {
  AuthSpec,
  BaseUrl,
  BatchSpec,
  ModelFamily,
  ProviderSpec,
  SpecHints,
  VendorSetting,
  VendorSettings,
} from "./providers/kit/spec.ts";
export type { EstimateProfile } from "./tokens/estimate.ts";

// The unified model and errors.
export type { ModelInfo, Provider, ProviderKind, TokenCount } from "./core/provider.ts";
export type { CallOptions, ExtraOptions, UnifiedRequest } from "./core/request.ts";
export {
  emptyUsage,
  type FinishReason,
  type RateLimitSnapshot,
  type TokenUsage,
  type UnifiedResponse,
} from "./core/response.ts";
export type {
  StreamErrorEvent,
  StreamEvent,
  StreamFinishEvent,
  StreamStartEvent,
  StreamTextDeltaEvent,
  StreamUsageEvent,
} from "./core/stream.ts";
export {
  ERROR_KINDS,
  type ErrorKind,
  type ErrorKindInfo,
  isSwebenchError,
  SwebenchError,
  type SwebenchErrorOptions,
  type SwebenchErrorOverrides,
  toSwebenchError,
} from "./core/errors.ts";

// The run layer.
export type {
  BatchModeSettings,
  DataSettings,
  OutputSettings,
  ProviderSettings,
  RunSettings,
  SelectionSettings,
  TargetSettings,
  Timeouts,
} from "./run/settings.ts";
export {
  type DryRunModel,
  type DryRunPlan,
  type OpenModel,
  type OpenOptions,
  type OpenRun,
  openRun,
  planDryRun,
  type PreparedModel,
  type PreparedRun,
  type PrepareHooks,
  prepareRun,
} from "./run/prepare.ts";
export {
  type BatchOutcome,
  type ExecuteHooks,
  executeRun,
  exitCodeOf,
  type ModelOutcome,
  type RunOutcome,
} from "./run/execute.ts";
export type { Target } from "./run/target.ts";
export type { ModelBatch } from "./run/batch_open.ts";
export type { BatchCounts, BatchEnding, BatchInfo, BatchLineError, BatchState } from "./batch/types.ts";
export type { CostPlan } from "./run/cost_plan.ts";
export type { GenerationContext, Notice, OpenOutputs, RunOutput } from "./run/outputs.ts";
export type { InstanceStatus, ProgressEvent, RunSummary } from "./run/events.ts";
export type { Tally } from "./run/tally.ts";
export {
  type CallContext,
  type CallFn,
  type CallResult,
  directCall,
  runBatch,
  type RunBatchOptions,
} from "./run/batch.ts";
export {
  type AnswerMeta,
  type FailureMeta,
  failureRecord,
  type ModelOutput,
  type RecordBase,
  recordBase,
  skippedRecord,
  writeAnswer,
} from "./run/record.ts";
export { type ModelReport, summarizeRunLog } from "./run/report.ts";
export {
  Budget,
  type BudgetOptions,
  type BudgetSummary,
  Reservation,
  type ReservationState,
} from "./resilience/budget.ts";
export type { ResilienceStats } from "./resilience/resilient_call.ts";
export type { RateLimiterStats } from "./resilience/rate_limiter.ts";
export type { KeyUse } from "./resilience/key_pool.ts";
export type { BreakerChange, BreakerState } from "./resilience/breaker.ts";

// Datasets.
export {
  CONTEXT_VARIANTS,
  type ContextVariant,
  type DatasetInfo,
  datasetInfo,
  type DatasetRef,
  fetchDataset,
  type FetchedDataset,
  KNOWN_DATASETS,
  type KnownDataset,
  loadInstances,
  type LoadOptions,
  resolveDataset,
  type ResolveDatasetOptions,
} from "./swebench/datasets.ts";
export type { HfProgress } from "./swebench/hf.ts";
export type { ParseOptions, SwebenchInstance } from "./swebench/instance.ts";
export { parseShard, type SelectOptions, type Shard } from "./swebench/select.ts";
export { selectInstances } from "./swebench/filter.ts";

// Prompts and patches.
export {
  buildPrompt,
  type BuiltPrompt,
  type PromptOptions,
  type PromptResult,
  type SkippedPrompt,
  TEMPLATE_SYSTEM,
} from "./swebench/prompt.ts";
export {
  type ExtractOptions,
  extractPatch,
  type PatchResult,
  type PatchStatus,
  recomputeHunkCounts,
  validatePatch,
} from "./swebench/patch.ts";

// Predictions and run logs.
export {
  defaultPredictionsPath,
  openPredictions,
  type OpenPredictionsOptions,
  type Prediction,
  type PredictionsWriter,
  readPredictions,
} from "./swebench/predictions.ts";
export {
  readRunLog,
  type RunLogContents,
  type RunLogEntry,
  runLogPathFor,
  type RunLogRecord,
  type RunStatus,
  type Spend,
} from "./swebench/run_log.ts";
export {
  type Problem,
  type ValidateOptions,
  validatePredictions,
  type ValidationReport,
} from "./swebench/validate.ts";

// Prices and tokens.
export {
  type Catalog,
  catalogWithOverrides,
  costOf,
  defaultCatalog,
  type LongContextPricing,
  type ModelEntry,
  type PriceVerification,
  worstCaseCost,
} from "./providers/catalog.ts";
export { type CounterFacts, getTokenCounter, type TokenCounter } from "./tokens/counter.ts";
export { CounterNotLoadedError, tokenBound } from "./tokens/bound.ts";
export type { EncodingName } from "./tokens/encoding.ts";
