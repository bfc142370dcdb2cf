/**
 * Collecting an ended batch: its results mapped back to instances through the custom_id map, with every
 * instance of the batch accounted for exactly once. A request without a result line becomes a failure by the
 * batch's ending (expired, canceled, or a `server` error "no result"); a batch that failed validation fails each
 * instance with its line's error (`invalid_request`, the API's code and message) or, for the lines without one,
 * as not run because of the others. Lines of unknown custom_ids and repeated ones are counted and dropped.
 *
 * @module
 */
import { type CallOptions, SwebenchError } from "../core/mod.ts";
import type { BatchApi } from "./api.ts";
import type { CustomIdMap } from "./custom_id.ts";
import type { BatchInfo, BatchResult } from "./types.ts";

/**
 * One instance's result.
 *
 * @example
 * ```ts
 * import type { InstanceResult } from "./collect.ts";
 * const r: InstanceResult = { instanceId: "a", result: { customId: "a", type: "canceled", message: "canceled" } };
 * ```
 */
export interface InstanceResult {
  /** The instance. */
  instanceId: string;
  /** Its result. */
  result: BatchResult;
}

/**
 * Lines of the results that could not be used.
 *
 * @example
 * ```ts
 * import type { CollectStats } from "./collect.ts";
 * const s: CollectStats = { unknown: 0, repeated: 0, missing: 0 };
 * ```
 */
export interface CollectStats {
  /** Lines whose custom_id is not in the map. */
  unknown: number;
  /** Lines for a custom_id already seen (the first one counts). */
  repeated: number;
  /** Requests without any line (given a failure by the batch's ending). */
  missing: number;
}

/**
 * The failures of a batch that failed validation: no request ran. Each instance whose input line has an error
 * gets it (`line N: message (code)`); the others fail as not run. Both are `invalid_request` (run-level: the
 * instances are not done, a re-run sends them again).
 *
 * @example
 * ```ts
 * import { validationFailures } from "./collect.ts";
 * import { assignCustomIds } from "./custom_id.ts";
 * const batch = { id: "b", state: "ended" as const, ending: "failed" as const, status: "failed", createdAt: 0,
 *   counts: { total: 0, succeeded: 0, errored: 0, expired: 0, canceled: 0, processing: 0 },
 *   lineErrors: [{ code: "invalid_json_line", message: "bad", line: 1 }] };
 * validationFailures(batch, assignCustomIds(["a", "b"]), "openai").length; // 2
 * ```
 */
export function validationFailures(batch: BatchInfo, ids: CustomIdMap, provider: string): InstanceResult[] {
  const byLine = new Map<number, string[]>();
  const general: string[] = [];
  for (const e of batch.lineErrors) {
    const text = `${e.message}${e.code && !e.message.includes(e.code) ? ` (${e.code})` : ""}`;
    if (e.line === undefined) general.push(text);
    else byLine.set(e.line, [...(byLine.get(e.line) ?? []), text]);
  }
  const summary = general.length > 0 ? general.join("; ") : `${batch.lineErrors.length} line errors`;
  return ids.pairs().map(([customId, instanceId], i) => {
    const own = byLine.get(i + 1);
    const message = own
      ? `${provider}: batch ${batch.id} refused line ${i + 1}: ${own.join("; ")}`
      : `${provider}: not run: batch ${batch.id} failed validation (${summary})`;
    return {
      instanceId,
      result: {
        customId,
        type: "errored",
        error: new SwebenchError("invalid_request", message, {
          provider,
          code: own ? batch.lineErrors.find((e) => e.line === i + 1)?.code : "batch_failed",
          hint: "The batch API refused the input; see the line errors (`swebench batch status <id>`).",
        }),
      },
    };
  });
}

/**
 * Read an ended batch's results and yield one {@linkcode InstanceResult} per instance of `ids`: first those with a
 * result line (as they arrive), then those without one. `stats` is filled in as lines are read.
 *
 * @example
 * ```ts ignore
 * import { collectBatch } from "./collect.ts";
 * const stats = { unknown: 0, repeated: 0, missing: 0 };
 * for await (const { instanceId, result } of collectBatch(api, batch, ids, stats)) console.log(instanceId, result.type);
 * ```
 */
export async function* collectBatch(
  api: BatchApi,
  batch: BatchInfo,
  ids: CustomIdMap,
  stats: CollectStats,
  call: CallOptions = {},
): AsyncGenerator<InstanceResult> {
  if (batch.ending === "failed") {
    yield* validationFailures(batch, ids, api.provider);
    return;
  }
  const seen = new Set<string>();
  for await (const result of api.results(batch, call)) {
    const instanceId = ids.instanceOf(result.customId);
    if (instanceId === undefined) {
      stats.unknown++;
      continue;
    }
    if (seen.has(result.customId)) {
      stats.repeated++;
      continue;
    }
    seen.add(result.customId);
    yield { instanceId, result };
  }
  for (const [customId, instanceId] of ids.pairs()) {
    if (seen.has(customId)) continue;
    stats.missing++;
    yield { instanceId, result: missingResult(customId, batch, api.provider) };
  }
}

/** The result of a request the results do not mention: by how the batch ended. */
function missingResult(customId: string, batch: BatchInfo, provider: string): BatchResult {
  if (batch.ending === "expired") {
    return { customId, type: "expired", message: "the batch's 24 h window closed before this request ran" };
  }
  if (batch.ending === "canceled") {
    return { customId, type: "canceled", message: "the batch was canceled before this request ran" };
  }
  return {
    customId,
    type: "errored",
    error: new SwebenchError("server", `${provider}: batch ${batch.id} has no result for this request.`, {
      provider,
      hint: "The results file did not mention it; --retry-failed sends it again.",
    }),
  };
}
