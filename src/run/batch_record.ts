/**
 * One batch result written the way a normal run writes an answer, through the run layer's write path
 * (`run/record.ts`): the prediction line first, then a run-log record with a call's fields (usage, cost at batch
 * prices, finish reason, request id, patch status, the output), plus the batch it came from. A request that
 * failed, expired or was canceled gets a failed record of its kind (no prediction line): {@linkcode loggedBatchResults}
 * finds those records again, so that a collection cut short by a crash does not log them twice.
 *
 * @module
 */
import { SwebenchError, type TokenUsage, type UnifiedResponse } from "../core/mod.ts";
import { failureRecord, type RecordBase, recordBase, writeAnswer } from "./record.ts";
import type { PredictionsWriter } from "../swebench/predictions.ts";
import { readRunLog, type RunLogRecord } from "../swebench/run_log.ts";
import type { BatchJournal } from "../batch/journal.ts";
import type { InstanceResult } from "../batch/collect.ts";
import { failureOf } from "../batch/results.ts";
import type { BatchInfo } from "../batch/types.ts";

/** Where and how a batch's results are written. */
export interface BatchRecordTarget {
  /** The run's provider name. */
  provider: string;
  /** The model requested. */
  model: string;
  /** `model_name_or_path` of the predictions file. */
  modelNameOrPath: string;
  /** The predictions file and run log. */
  writer: PredictionsWriter;
  /** USD of an answer at batch prices (undefined: unpriced). */
  cost: (reportedModel: string, usage: TokenUsage) => number | undefined;
}

/** A run-log record of a batch request: the record of a call plus the batch it ran in. */
export type BatchRunLogRecord = RunLogRecord & {
  /** The batch and the request's custom_id in it. */
  batch?: { id: string; customId: string };
};

/**
 * Write one instance's batch result and return the run-log record written. It starts when the batch was created;
 * `latencyMs` is the batch's turnaround (created to ended), what the answer took to come back.
 *
 * @example
 * ```ts ignore
 * import { writeBatchResult } from "./batch_record.ts";
 * const record = await writeBatchResult(target, { instanceId: "a", result }, batch);
 * ```
 */
export async function writeBatchResult(
  target: BatchRecordTarget,
  { instanceId, result }: InstanceResult,
  batch: BatchInfo,
): Promise<BatchRunLogRecord> {
  const endedAt = batch.endedAt ?? Date.now();
  const base: RecordBase = Object.assign(recordBase(instanceId, target.provider, target.model), {
    startedAt: new Date(batch.createdAt).toISOString(),
    batch: { id: batch.id, customId: result.customId },
  });
  if (result.type !== "succeeded") {
    const error = result.type === "errored" ? result.error : new SwebenchError("server", result.message);
    // expired / canceled are kinds of their own in the run log (failed; only --retry-failed sends them again).
    const record = { ...failureRecord(base, error, { attempts: 1 }), error: failureOf(result) };
    await target.writer.writeRunLog(record);
    return record;
  }
  const response: UnifiedResponse = {
    ...result.response,
    provider: target.provider,
    requestId: result.requestId ?? result.response.requestId,
    costUsd: target.cost(result.response.model, result.response.usage),
    latencyMs: Math.max(0, endedAt - batch.createdAt),
  };
  const { record } = await writeAnswer(
    { writer: target.writer, modelNameOrPath: target.modelNameOrPath },
    base,
    response,
    { attempts: 1, answeredBy: { provider: target.provider, model: target.model } },
  );
  return record;
}

/** The key of one request of one batch in {@linkcode loggedBatchResults}: the batch id and the custom_id. */
export function batchResultKey(batchId: string, customId: string): string {
  return `${batchId}\n${customId}`;
}

/**
 * The requests of the journal's open batches (not collected) whose results the run log already holds, as
 * {@linkcode batchResultKey}s: what a run killed while collecting a batch wrote before the journal said collected.
 * A failed result has no prediction line, only its record, so this is how a re-run knows it was written. Reads the
 * run log only when a batch is open; a missing run log holds none.
 *
 * @example
 * ```ts ignore
 * import { batchResultKey, loggedBatchResults } from "./batch_record.ts";
 * const logged = await loggedBatchResults(writer.runLogPath, store.journal);
 * logged.has(batchResultKey("batch_1", "django__django-11099")); // written before the crash?
 * ```
 */
export async function loggedBatchResults(runLogPath: string, journal: BatchJournal): Promise<Set<string>> {
  const open = new Set(
    journal.submissions.filter((s) => s.state !== "collected" && s.batchId).map((s) => s.batchId!),
  );
  const logged = new Set<string>();
  if (open.size === 0) return logged;
  const records = await readRunLog(runLogPath).then((c) => c.records, () => []);
  for (const r of records as BatchRunLogRecord[]) {
    const b = r.batch;
    if (typeof b?.id === "string" && typeof b.customId === "string" && open.has(b.id)) {
      logged.add(batchResultKey(b.id, b.customId));
    }
  }
  return logged;
}
