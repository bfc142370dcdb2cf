/**
 * The run log beside a predictions file (`<predictions>.runlog.jsonl`): one JSON record per attempt (status,
 * error, usage, cost, latency, attempts, finish reason, patch status, the model output), what counts as a final
 * failure, what the records say was spent, and the one reader every command uses.
 *
 * @module
 */
import type { FinishReason, TokenUsage } from "../core/response.ts";
import { readTextOf } from "./file_io.ts";

/**
 * Failures that say nothing about the instance (the run was stopped, the key or account or permissions were
 * wrong, a wait for a rate-limit reset was too long, the provider rejected a request the settings made, such as
 * a `--max-tokens` above the model's limit, a web page answered instead of the API): the instance is not done, and a re-run sends it again without
 * `--retry-failed`. None of them was billed.
 */
export const RUN_LEVEL_KINDS: ReadonlySet<string> = new Set([
  "interrupted",
  "invalid_request",
  "context_length",
  "authentication",
  "config",
  "permission",
  "quota",
  "budget",
  "model_not_found",
  "rate_limit",
  "html_page",
]);

/**
 * The most characters of one model output a run-log record keeps (1 MiB of characters: about 250,000 tokens,
 * more than any model's answer). A longer output is cut there; the record says its whole length (`outputChars`).
 */
export const MAX_LOGGED_OUTPUT = 1_048_576;

/**
 * The `output` fields of a run-log record for `content`: whole, or cut at {@linkcode MAX_LOGGED_OUTPUT} characters
 * with the whole length.
 *
 * @example
 * ```ts
 * import { loggedOutput } from "@swebench/runner/lib";
 * loggedOutput("diff --git ..."); // { output: "diff --git ..." }
 * ```
 */
export function loggedOutput(content: string): { output: string; outputChars?: number } {
  if (content.length <= MAX_LOGGED_OUTPUT) return { output: content };
  return { output: content.slice(0, MAX_LOGGED_OUTPUT), outputChars: content.length };
}

/**
 * Whether a run-log record is a final failure of its instance (not run-level, not requeued): such an instance is
 * done unless `--retry-failed`.
 *
 * @example
 * ```ts
 * import { isInstanceFailure } from "@swebench/runner/lib";
 * isInstanceFailure({ instance_id: "a", status: "failed", error: { kind: "server", message: "500" } }); // true
 * isInstanceFailure({ instance_id: "a", status: "failed", error: { kind: "server", message: "500" }, requeued: true }); // false
 * ```
 */
export function isInstanceFailure(
  record: Pick<RunLogRecord, "status" | "error" | "requeued"> & { instance_id?: string },
): boolean {
  return record.status === "failed" && record.requeued !== true && record.error?.runLevel !== true &&
    !RUN_LEVEL_KINDS.has(record.error?.kind ?? "");
}

/** Outcome of one attempt. */
export type RunStatus = "ok" | "failed" | "skipped";

/**
 * One run-log record (one per attempt).
 *
 * @example
 * ```ts
 * import type { RunLogRecord } from "@swebench/runner/lib";
 * const rec: RunLogRecord = {
 *   instance_id: "psf__requests-2317", status: "failed", error: { kind: "timeout", message: "no answer" },
 *   provider: "openai", model: "gpt-4o-mini", attempts: 3,
 *   startedAt: "2025-01-01T00:00:00.000Z", finishedAt: "2025-01-01T00:01:00.000Z",
 * };
 * ```
 */
export interface RunLogRecord {
  /** Instance id. */
  instance_id: string;
  /** Outcome. */
  status: RunStatus;
  /**
   * Error class and message, for `failed`. `runLevel`: the failure stopped the run and says nothing about the
   * instance (a re-run sends it again without `--retry-failed`).
   */
  error?: { kind: string; message: string; status?: number; code?: string; runLevel?: boolean };
  /**
   * A retryable failure after which the instance was queued again in the same run (not a final failure: if the
   * run ends before the next round, a re-run sends it again).
   */
  requeued?: boolean;
  /** Round of the attempt (absent for the first; 1.. after a requeue). */
  round?: number;
  /** Why, for `skipped`. */
  reason?: string;
  /** Provider name of the run. */
  provider?: string;
  /** Model requested. */
  model?: string;
  /** Provider and model that answered, when a fallback did. */
  answeredBy?: { provider: string; model: string };
  /** For a fallback's answer (in the fallback's own run log): the run's `provider:model` it stood in for. */
  fallbackFrom?: string;
  /** The model id the API reported in its answer (e.g. a dated snapshot). */
  reportedModel?: string;
  /** Token usage. */
  usage?: TokenUsage;
  /** Cost in USD (absent when the model is unpriced). */
  costUsd?: number;
  /**
   * USD a budget booked for this instance at the worst case because the cost of an attempt is unknown (a dropped
   * connection, a cut stream, an abandoned call, an answer without usage): it may have been billed. Counted
   * against `--max-cost` by later runs of the same file.
   */
  keptUsd?: number;
  /** Latency of the successful call in milliseconds. */
  latencyMs?: number;
  /** Attempts made (1 = first try). */
  attempts?: number;
  /** Normalised finish reason. */
  finishReason?: FinishReason;
  /** Provider's own finish reason. */
  rawFinishReason?: string;
  /** Provider request id. */
  requestId?: string;
  /** Patch recovery status (`valid`, `repaired`, `empty`, `invalid`). */
  patchStatus?: string;
  /** Why the patch has that status. */
  patchReasons?: string[];
  /** The model output: whole up to {@linkcode MAX_LOGGED_OUTPUT} characters, else its start (see `outputChars`). */
  output?: string;
  /** The length of the whole output in characters, when `output` holds only its start. */
  outputChars?: number;
  /** ISO time the attempt started. */
  startedAt: string;
  /** ISO time the attempt ended. */
  finishedAt: string;
}

/** A run-log record as read from a file: every field but the id and the status may be missing. */
export type RunLogEntry = Partial<RunLogRecord> & Pick<RunLogRecord, "instance_id" | "status">;

/**
 * What a run log says was spent: billed costs, plus budget reservations booked whole because an attempt's cost
 * is unknown (`keptUsd`).
 *
 * @example
 * ```ts
 * import type { Spend } from "@swebench/runner/lib";
 * const s: Spend = { usd: 0.0042, byProvider: { openai: 0.0042 }, keptUsd: 0.001, unpriced: 0 };
 * ```
 */
export interface Spend {
  /** Total USD: billed costs plus kept reservations. */
  usd: number;
  /** USD per provider that answered (kept reservations count for the record's provider). */
  byProvider: Record<string, number>;
  /** Of `usd`, reservations kept at their worst case (cost unknown). */
  keptUsd: number;
  /** Answers recorded without any cost (an unpriced model): their spend is unknown, not counted. */
  unpriced: number;
}

/**
 * Sum what run-log records say was spent (see {@linkcode Spend}): every attempt's record counts, so earlier runs,
 * resumes and `--retry-failed` re-runs of one predictions file add up.
 *
 * @example
 * ```ts
 * import { spendOf } from "@swebench/runner/lib";
 * spendOf([
 *   { instance_id: "a", status: "ok", provider: "openai", costUsd: 0.002, startedAt: "", finishedAt: "" },
 *   { instance_id: "b", status: "failed", provider: "openai", keptUsd: 0.003, startedAt: "", finishedAt: "" },
 * ]).usd; // 0.005
 * ```
 */
export function spendOf(records: Iterable<RunLogEntry>): Spend {
  const spend: Spend = { usd: 0, byProvider: {}, keptUsd: 0, unpriced: 0 };
  const finite = (x: unknown): number => typeof x === "number" && Number.isFinite(x) && x > 0 ? x : 0;
  for (const r of records) {
    const cost = finite(r.costUsd);
    const kept = finite(r.keptUsd);
    if (r.status === "ok" && r.costUsd === undefined && kept === 0) spend.unpriced++;
    if (cost + kept === 0) continue;
    const by = r.answeredBy?.provider ?? r.provider ?? "";
    spend.usd += cost + kept;
    spend.keptUsd += kept;
    spend.byProvider[by] = (spend.byProvider[by] ?? 0) + cost + kept;
  }
  return spend;
}

/**
 * The run log beside a predictions file: `<predictions>.runlog.jsonl`.
 *
 * @example
 * ```ts
 * import { runLogPathFor } from "@swebench/runner/lib";
 * runLogPathFor("predictions/a.jsonl"); // "predictions/a.jsonl.runlog.jsonl"
 * ```
 */
export function runLogPathFor(predictionsPath: string): string {
  return `${predictionsPath}.runlog.jsonl`;
}

/** A run-log line: an object with a string `instance_id` and a string `status`. */
export function isRunLogRecord(v: unknown): boolean {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.instance_id === "string" && typeof o.status === "string";
}

/** What {@linkcode readRunLog} found in a run log. */
export interface RunLogContents {
  /** The records, in file order. */
  records: RunLogEntry[];
  /** Complete lines (ended by a newline) that are not records: damage, or someone else's text. */
  badLines: number;
  /**
   * The file ends in a line without its newline that is not a record: the start of a record a crash cut short
   * (the writer cuts it off at its next open, and the instance is done again).
   */
  torn: boolean;
}

/**
 * Read a run log without changing it: every record (a JSON object with a string `instance_id` and a string
 * `status`), the count of complete lines that are not records, and whether the last line is torn. A last line
 * without its newline that is a whole record counts as a record. A missing file is a usage error naming it.
 *
 * @example
 * ```ts ignore
 * import { readRunLog } from "@swebench/runner/lib";
 * const { records, badLines } = await readRunLog("predictions/gold__sample.jsonl.runlog.jsonl");
 * ```
 */
export async function readRunLog(path: string): Promise<RunLogContents> {
  const lines = (await readTextOf(path)).split("\n");
  // The last element is "" when the file ends with a newline, else a line without its newline.
  const last = lines.pop()!;
  const contents: RunLogContents = { records: [], badLines: 0, torn: false };
  const parse = (line: string): RunLogEntry | undefined => {
    try {
      const v = JSON.parse(line);
      return isRunLogRecord(v) ? v as RunLogEntry : undefined;
    } catch {
      return undefined;
    }
  };
  for (const line of lines) {
    if (line.trim() === "") continue;
    const r = parse(line);
    if (r) contents.records.push(r);
    else contents.badLines++;
  }
  if (last.trim() !== "") {
    const r = parse(last);
    if (r) contents.records.push(r);
    else contents.torn = true;
  }
  return contents;
}
