/**
 * How a batch reads to a person: its state in words, its counts (done / failed / total), its times. Shared by
 * `swebench batch list|status|cancel` and the progress of `generate --batch`.
 *
 * @module
 */
import { formatCount } from "../core/format.ts";
import type { BatchInfo } from "../batch/types.ts";
import { stripControl } from "../core/mod.ts";
import { plural } from "./output.ts";
import { formatDuration } from "./progress.ts";

/**
 * The state in words: `validating`, `in progress`, `finalizing`, `canceling`, `completed`, `failed validation`,
 * `expired`, `canceled`.
 *
 * @example
 * ```ts
 * import { stateText } from "./batch_format.ts";
 * stateText({ state: "ended", ending: "failed" }); // "failed validation"
 * ```
 */
export function stateText(batch: Pick<BatchInfo, "state" | "ending">): string {
  if (batch.state === "ended") {
    return batch.ending === "failed" ? "failed validation" : batch.ending ?? "ended";
  }
  return batch.state.replace("_", " ");
}

/**
 * The counts: `120/300 done, 2 failed` (failed = errored, expired and canceled requests); `validating` while OpenAI
 * has not counted the file yet.
 *
 * @example
 * ```ts
 * import { countsText } from "./batch_format.ts";
 * countsText({ total: 300, succeeded: 120, errored: 2, expired: 0, canceled: 0, processing: 178 }); // "120/300 done, 2 failed"
 * ```
 */
export function countsText(counts: BatchInfo["counts"]): string {
  if (counts.total === 0) return "not counted yet";
  const failed = counts.errored + counts.expired + counts.canceled;
  return `${formatCount(counts.succeeded)}/${formatCount(counts.total)} done` +
    (failed > 0 ? `, ${formatCount(failed)} failed` : "");
}

/**
 * A past moment as `12m05s ago` (or `just now`).
 *
 * @example
 * ```ts
 * import { agoText } from "./batch_format.ts";
 * agoText(1_000_000, 1_065_000); // "1m05s ago"
 * ```
 */
export function agoText(at: number, now: number = Date.now()): string {
  return now - at < 1000 ? "just now" : `${formatDuration(now - at)} ago`;
}

/**
 * When the batch ended, or how long it has left: `ended 3m05s ago`, `expires in 23h48m` (batches that have not
 * ended close 24 h after they were created).
 *
 * @example
 * ```ts
 * import { timeText } from "./batch_format.ts";
 * timeText({ state: "in_progress", createdAt: 0, expiresAt: 86_400_000 }, 3_600_000); // "expires in 23h00m"
 * ```
 */
export function timeText(
  batch: Pick<BatchInfo, "state" | "createdAt" | "endedAt" | "expiresAt">,
  now: number = Date.now(),
): string {
  if (batch.state === "ended") {
    return batch.endedAt !== undefined ? `ended ${agoText(batch.endedAt, now)}` : "";
  }
  if (batch.expiresAt === undefined) return "";
  return batch.expiresAt > now
    ? `expires in ${formatDuration(batch.expiresAt - now)}`
    : "past its 24 h window";
}

/**
 * One line for a batch: `batch_abc: in progress, 120/300 done, 2 failed, created 12m05s ago, expires in 23h48m`.
 * The id and model are the server's words: shown without terminal control characters.
 *
 * @example
 * ```ts
 * import { batchLine } from "./batch_format.ts";
 * batchLine({ id: "batch_1", state: "ended", ending: "completed", status: "completed", createdAt: 0, endedAt: 60_000,
 *   lineErrors: [], counts: { total: 2, succeeded: 2, errored: 0, expired: 0, canceled: 0, processing: 0 } }, 120_000);
 * // "batch_1: completed, 2/2 done, created 2m00s ago, ended 1m00s ago"
 * ```
 */
export function batchLine(batch: BatchInfo, now: number = Date.now()): string {
  return [
    `${stripControl(batch.id)}: ${stateText(batch)}`,
    countsText(batch.counts),
    `created ${agoText(batch.createdAt, now)}`,
    timeText(batch, now),
  ].filter((s) => s !== "").join(", ");
}

/**
 * A batch as JSON for `--json` output: the unified fields with ISO times.
 *
 * @example
 * ```ts
 * import { batchJson } from "./batch_format.ts";
 * batchJson({ id: "batch_1", state: "in_progress", status: "in_progress", createdAt: 0, lineErrors: [],
 *   counts: { total: 2, succeeded: 0, errored: 0, expired: 0, canceled: 0, processing: 2 } }).createdAt;
 * // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function batchJson(batch: BatchInfo): Record<string, unknown> {
  const iso = (ms: number | undefined) => ms === undefined ? null : new Date(ms).toISOString();
  return {
    id: batch.id,
    state: batch.state,
    ending: batch.ending ?? null,
    status: batch.status,
    counts: batch.counts,
    createdAt: iso(batch.createdAt),
    expiresAt: iso(batch.expiresAt),
    endedAt: iso(batch.endedAt),
    model: batch.model ?? null,
    tag: batch.metadata?.swebench_tag ?? null,
    lineErrors: batch.lineErrors,
  };
}

/**
 * The first line errors of a batch that failed validation, as the API gave them, indented under its line.
 *
 * @example
 * ```ts
 * import { lineErrorLines } from "./batch_format.ts";
 * lineErrorLines({ lineErrors: [{ code: "too_many_tasks", message: "Too many requests." }] }); // ["    Too many requests. (too_many_tasks)"]
 * ```
 */
export function lineErrorLines(b: Pick<BatchInfo, "lineErrors">, most = 5): string[] {
  const lines = b.lineErrors.slice(0, most).map((e) =>
    `    ${e.line !== undefined ? `line ${e.line}: ` : ""}${stripControl(e.message)} (${
      stripControl(e.code)
    })`
  );
  if (b.lineErrors.length > most) lines.push(`    and ${plural(b.lineErrors.length - most, "more error")}`);
  return lines;
}
