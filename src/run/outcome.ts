/**
 * What executing a run reports: the hooks it calls, and what each model and the whole run did (`executeRun`, in
 * either mode).
 *
 * @module
 */
import type { BatchInfo } from "../batch/types.ts";
import type { ResilienceStats } from "../resilience/resilient_call.ts";
import type { ProgressEvent, RunSummary } from "./events.ts";
import type { OpenModel } from "./prepare.ts";

/** What a model's batches did, beside its summary (batch mode). */
export interface BatchOutcome {
  /** The journal's path. */
  journal: string;
  /** Fraction of the list price paid (0.5). */
  priceFactor: number;
  /** Instances waiting in batches of an earlier run when this one started. */
  resumed: number;
  /** The model's batches (submitted now or earlier), as last seen. */
  batches: BatchInfo[];
}

/** Listeners and signals of `executeRun`. */
export interface ExecuteHooks {
  /** Abandons the calls in flight (second Ctrl-C): they are not written; the next run does them. */
  signal?: AbortSignal;
  /** Starts nothing new; calls in flight finish and are written (first Ctrl-C). */
  stopSignal?: AbortSignal;
  /** A model starts (`index` in {@linkcode OpenRun.models}). */
  onModelStart?: (model: OpenModel, index: number) => void;
  /** Progress of the running model. */
  onEvent?: (event: ProgressEvent, model: OpenModel) => void;
  /** A model ended (also when it threw). */
  onModelEnd?: (model: OpenModel, index: number) => void;
  /**
   * A model's outcome, as soon as it is known (it is also in the {@linkcode RunOutcome}). In batch mode a stopped
   * wait throws `interrupted`: the models handed here before it are those collected.
   */
  onModelOutcome?: (outcome: ModelOutcome, model: OpenModel, index: number) => void;
}

/** What one model of a run did. */
export interface ModelOutcome {
  /** `provider:model`. */
  label: string;
  /** Its predictions file. */
  output: string;
  /** Its run log. */
  runLog: string;
  /** Its manifest. */
  manifest: string;
  /** Predictions files that received answers, by `provider:model` (the model's own always). */
  predictionFiles: Record<string, string>;
  /** The summary (outcomes, tokens, cost, latency, why it stopped). */
  summary: RunSummary;
  /** What the resilience layer did (rate limits, breakers, keys, fallbacks, budget); no calls in batch mode. */
  resilience: ResilienceStats;
  /** Batch mode: the journal and the model's batches. */
  batch?: BatchOutcome;
}

/** What a run did. */
export interface RunOutcome {
  /** One per model that ran (a run stops after a model interrupted or stopped by the budget). */
  models: ModelOutcome[];
  /** The exit code: the first model's that is not 0, a later model's replacing a 4 (failed instances). */
  exitCode: number;
}
