/**
 * Progress events and the run summary of the batch runner.
 *
 * @module
 */
import type { ErrorKind, TokenUsage } from "../core/mod.ts";
import type { BatchInfo } from "../batch/types.ts";
import type { CostPlan } from "./cost_plan.ts";
import type { Tally } from "./tally.ts";

/** Outcome of one instance. */
export type InstanceStatus = "ok" | "failed" | "skipped";

/** A progress event the CLI renders. */
export type ProgressEvent =
  | { type: "run-start"; total: number; alreadyDone: number; concurrency: number }
  | { type: "instance-start"; instanceId: string }
  | {
    type: "instance-retry";
    instanceId: string;
    attempt: number;
    errorKind: ErrorKind;
    message: string;
    waitMs: number;
  }
  | { type: "notice"; message: string }
  | {
    type: "instance-done";
    instanceId: string;
    status: InstanceStatus;
    patchStatus?: string;
    costUsd?: number;
    usage?: TokenUsage;
    latencyMs?: number;
    errorKind?: ErrorKind;
    message?: string;
    /** `provider:model` of the fallback model that answered (absent when the run's model did). */
    answeredBy?: string;
  }
  | {
    /** A retryable failure: the instance is queued again after the others (round `round` of `rounds`). */
    type: "instance-requeued";
    instanceId: string;
    errorKind: ErrorKind;
    message: string;
    round: number;
    rounds: number;
    /** Earliest start of the next round, in ms from now. */
    waitMs: number;
  }
  | { type: "instance-cancelled"; instanceId: string; reason: "interrupted" | "budget" }
  | { type: "run-end"; summary: RunSummary }
  /** The model's plan, when it was made alongside the calls (`openRun` with `plan: "alongside"`). */
  | { type: "plan"; plan: CostPlan }
  /** Batch mode: a batch was created (`index` of `of` batches of the model's requests). */
  | { type: "batch-submitted"; batch: BatchInfo; requests: number; bytes: number; index: number; of: number }
  /** Batch mode: every open batch of the model as last polled; `elapsedMs` since the run started. */
  | { type: "batch-update"; batches: BatchInfo[]; elapsedMs: number }
  /** Batch mode: a poll failed (transient); the next one is in `waitMs`. */
  | { type: "batch-poll-error"; message: string; waitMs: number };

/**
 * What a run did, returned by the runner and printed by the CLI. The {@linkcode Tally} fields count the records the
 * run wrote, as a report of its run log would (`retries` differs: here the retry events of this run, in a report the
 * attempts beyond the first).
 */
export interface RunSummary extends Tally {
  /** Instances selected for this run (including those already done before it). */
  selected: number;
  /** Instances skipped because a previous run finished them (resume). */
  alreadyDone: number;
  /** Instances attempted in this run. */
  attempted: number;
  /** Instances left undone when the run stopped (never started, or waiting for another round): a re-run does them. */
  notStarted: number;
  /** Times an instance was queued again after a retryable failure. */
  requeued: number;
  /** Answers per `provider:model` (the run's model and each fallback model that answered). */
  answersByModel: Record<string, number>;
  /** True when some call's cost was unknown (unpriced model): `costUsd` is then a lower bound. */
  costUnknown: boolean;
  /** Retries across all instances. */
  retries: number;
  /** Wall time in ms. */
  wallMs: number;
  /** Why the run stopped early, if it did. */
  stoppedBy?: "budget" | "interrupted" | "fatal";
  /** The error that stopped the run (budget, auth, ...). */
  stopMessage?: string;
  /** Exit code the stop maps to (5 budget, 3 auth/config, 130 interrupted, ...). */
  stopExitCode?: number;
  /** Error kind of the failure that stopped the run. */
  stopKind?: ErrorKind;
  /** Budget ceiling, when set. */
  maxCostUsd?: number;
  /**
   * Parameters a model refused with a 400 and that were left out of its requests from then on (`provider:model` ->
   * names, e.g. `temperature`; `max_tokens` means it was sent as `max_completion_tokens`). Absent when none.
   */
  droppedParameters?: Record<string, string[]>;
}
