/**
 * What one instance's result writes: the prediction line (what the harness reads) and the run-log record (the
 * sidecar: outcome, usage, cost, latency, error). The batch runner writes through these; another execution mode
 * (a provider's batch API: submit all, poll, collect) writes its results through the same functions, so its files,
 * summaries and reports are the same.
 *
 * @module
 */
import type { SwebenchError, UnifiedResponse } from "../core/mod.ts";
import type { CallResult } from "../resilience/call.ts";
import { extractPatch, type PatchResult } from "../swebench/patch.ts";
import type { Prediction, PredictionsWriter } from "../swebench/predictions.ts";
import { loggedOutput, type RunLogRecord } from "../swebench/run_log.ts";

/** Where the answers of one model go: its own predictions file (one file holds one `model_name_or_path`). */
export interface ModelOutput {
  /** Open writer of that model's predictions file and run log. */
  writer: PredictionsWriter;
  /** `model_name_or_path` written to that file. */
  modelNameOrPath: string;
}

/** The fields every record of one attempt at an instance starts with. */
export interface RecordBase {
  /** The instance. */
  instance_id: string;
  /** Provider name of the run's model. */
  provider: string;
  /** The run's model. */
  model: string;
  /** When the attempt started (ISO 8601). */
  startedAt: string;
}

/** The start of an instance's record: now. */
export function recordBase(instanceId: string, provider: string, model: string): RecordBase {
  return { instance_id: instanceId, provider, model, startedAt: new Date().toISOString() };
}

/** The prediction line of an answer, and the patch extracted from it. */
export function predictionOf(
  instanceId: string,
  modelNameOrPath: string,
  response: UnifiedResponse,
): { prediction: Prediction; patch: PatchResult } {
  const patch = extractPatch(response.content, { truncated: response.finishReason === "length" });
  return {
    prediction: { instance_id: instanceId, model_name_or_path: modelNameOrPath, model_patch: patch.patch },
    patch,
  };
}

/** How an answer came about, for its record. */
export interface AnswerMeta {
  /** Who answered, when the call layer says (a fallback model, a key). */
  answeredBy?: CallResult["answeredBy"];
  /** `provider:model` of the run's model, when a fallback model answered. */
  fallbackFrom?: string;
  /** Attempts the call took. */
  attempts: number;
  /** Requeue round (0 = first). */
  round?: number;
  /** Budget reservations booked whole because the cost was unknown. */
  keptUsd?: number;
}

/** The run-log record of an answer (status `ok`). */
export function answerRecord(
  base: RecordBase,
  response: UnifiedResponse,
  patch: PatchResult,
  meta: AnswerMeta,
): RunLogRecord {
  const r = response;
  return {
    ...base,
    ...(meta.fallbackFrom && meta.answeredBy
      ? { provider: meta.answeredBy.provider, model: meta.answeredBy.model, fallbackFrom: meta.fallbackFrom }
      : {}),
    status: "ok",
    answeredBy: meta.answeredBy,
    reportedModel: r.model,
    usage: r.usage,
    costUsd: r.costUsd,
    latencyMs: r.latencyMs,
    ...((meta.keptUsd ?? 0) > 0 ? { keptUsd: meta.keptUsd } : {}),
    attempts: meta.attempts,
    ...((meta.round ?? 0) > 0 ? { round: meta.round } : {}),
    finishReason: r.finishReason,
    rawFinishReason: r.rawFinishReason,
    requestId: r.requestId,
    patchStatus: patch.status,
    patchReasons: patch.reasons,
    ...loggedOutput(r.content),
    finishedAt: new Date().toISOString(),
  } as RunLogRecord;
}

/** How a failure came about, for its record. */
export interface FailureMeta {
  /** Attempts the call took. */
  attempts: number;
  /** Requeue round (0 = first). */
  round?: number;
  /** Budget reservations booked whole because the cost was unknown. */
  keptUsd?: number;
  /** The failure stopped the run: it says nothing about the instance (a re-run does it again). */
  runLevel?: boolean;
  /** The instance was queued again for another round. */
  requeued?: boolean;
}

/** The run-log record of a failed call (status `failed`). */
export function failureRecord(base: RecordBase, err: SwebenchError, meta: FailureMeta): RunLogRecord {
  return {
    ...base,
    status: "failed",
    error: {
      kind: err.kind,
      message: err.message,
      status: err.status,
      code: err.code,
      ...(meta.runLevel ? { runLevel: true } : {}),
    },
    ...((meta.keptUsd ?? 0) > 0 ? { keptUsd: meta.keptUsd } : {}),
    attempts: meta.attempts,
    ...((meta.round ?? 0) > 0 ? { round: meta.round } : {}),
    ...(meta.requeued ? { requeued: true } : {}),
    finishedAt: new Date().toISOString(),
  } as RunLogRecord;
}

/** The run-log record of an instance whose prompt cannot be sent (status `skipped`; no call, no prediction). */
export function skippedRecord(base: RecordBase, reason: string): RunLogRecord {
  return {
    ...base,
    status: "skipped",
    reason,
    attempts: 0,
    finishedAt: new Date().toISOString(),
  } as RunLogRecord;
}

/**
 * Write an answer: the prediction line first (what the harness reads), then its run-log record. Returns the record
 * (tally it for a summary) and the patch.
 *
 * @example
 * ```ts ignore
 * const { record } = await writeAnswer(output, recordBase(id, "openai", "gpt-4o-mini"), response, { attempts: 1 });
 * ```
 */
export async function writeAnswer(
  output: ModelOutput,
  base: RecordBase,
  response: UnifiedResponse,
  meta: AnswerMeta,
): Promise<{ record: RunLogRecord; patch: PatchResult }> {
  const { prediction, patch } = predictionOf(base.instance_id, output.modelNameOrPath, response);
  await output.writer.writePrediction(prediction);
  const record = answerRecord(base, response, patch, meta);
  await output.writer.writeRunLog(record);
  return { record, patch };
}
