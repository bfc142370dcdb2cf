/**
 * One batch result written the way a normal run writes an answer, through the run layer's write path
 * (`run/record.ts`): the prediction line first, then a run-log record with a call's fields (usage, cost at batch
 * prices, finish reason, request id, patch status, the output), plus the batch it came from. A request that
 * failed, expired or was canceled gets a failed record of its kind.
 *
 * @module
 */
import { SwebenchError, type TokenUsage, type UnifiedResponse } from "../core/mod.ts";
import { failureRecord, type RecordBase, recordBase, writeAnswer } from "./record.ts";
import type { PredictionsWriter } from "../swebench/predictions.ts";
import type { RunLogRecord } from "../swebench/run_log.ts";
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
