/**
 * The one summary of run-log records: the figures a run's summary (`RunSummary`) and a run-log report
 * (`ModelReport`) have in common, counted the same way from the same records.
 *
 * A run tallies each record as it writes it; `swebench report` and `compare` tally the records they read back. Both
 * count an instance's outcome from its final record ({@linkcode Tallier.outcome}) and the tokens, cost and latency of
 * every attempt's record ({@linkcode Tallier.spend}), so the summary a run prints equals the report of the records it
 * wrote.
 *
 * @module
 */
import type { RunLogEntry } from "../swebench/run_log.ts";

/** The figures a run's summary and a run-log report share. */
export interface Tally {
  /** Instances that ended with a prediction (their final record is `ok`). */
  ok: number;
  /** Instances that failed (see the run log). */
  failed: number;
  /** Instances skipped (the prompt cannot fit). */
  skipped: number;
  /** Patch statuses of ok instances (`valid`, `repaired`, `empty`, `invalid`). */
  patches: Record<string, number>;
  /** Failure counts by error kind. */
  failuresByKind: Record<string, number>;
  /** Ok instances whose answer was cut at the max tokens (finish reason `length`); absent when none. */
  truncated?: number;
  /**
   * Of {@linkcode Tally.truncated}, the answers without any text: a reasoning model spent the whole budget
   * thinking (Gemini's thoughts, OpenAI's reasoning tokens). Absent when none.
   */
  truncatedNoText?: number;
  /** Prompt tokens of every answer. */
  promptTokens: number;
  /** Completion tokens of every answer. */
  completionTokens: number;
  /** Billed USD of every priced answer (answers of an unpriced model add nothing: see the unpriced count). */
  costUsd: number;
  /** Median latency of successful calls, in ms (0 without one). */
  latencyP50Ms: number;
  /** 95th percentile latency of successful calls, in ms (0 without one). */
  latencyP95Ms: number;
}

/** A tally with every figure at zero. */
export function emptyTally(): Tally {
  return {
    ok: 0,
    failed: 0,
    skipped: 0,
    patches: {},
    failuresByKind: {},
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    latencyP50Ms: 0,
    latencyP95Ms: 0,
  };
}

/**
 * Counts run-log records into a {@linkcode Tally} (the object given, so a summary that holds more fields is counted
 * in place).
 *
 * @example
 * ```ts ignore
 * import { emptyTally, Tallier } from "./tally.ts";
 * const t = new Tallier(emptyTally());
 * const rec = { instance_id: "a", status: "ok" as const, patchStatus: "valid", costUsd: 0.01, latencyMs: 900 };
 * t.outcome(rec);
 * t.spend(rec);
 * console.log(t.finish().ok, t.unpriced); // 1 0
 * ```
 */
export class Tallier<T extends Tally = Tally> {
  /** Answers recorded without a cost (an unpriced model): their spend is unknown. */
  unpriced = 0;
  #latencies: number[] = [];

  /** Count into `into`. */
  constructor(readonly into: T) {}

  /** The final outcome of one instance: its latest record. */
  outcome(r: RunLogEntry): void {
    const t = this.into;
    if (r.status === "ok") {
      t.ok++;
      const ps = r.patchStatus ?? "unknown";
      t.patches[ps] = (t.patches[ps] ?? 0) + 1;
      if (r.finishReason === "length") {
        t.truncated = (t.truncated ?? 0) + 1;
        if ((r.output ?? "").trim() === "") t.truncatedNoText = (t.truncatedNoText ?? 0) + 1;
      }
    } else if (r.status === "failed") {
      t.failed++;
      const k = r.error?.kind ?? "unknown";
      t.failuresByKind[k] = (t.failuresByKind[k] ?? 0) + 1;
    } else if (r.status === "skipped") t.skipped++;
  }

  /** What one attempt used: tokens, cost (or that it is unknown) and, for an answer, its latency. */
  spend(r: RunLogEntry): void {
    const t = this.into;
    t.promptTokens += r.usage?.promptTokens ?? 0;
    t.completionTokens += r.usage?.completionTokens ?? 0;
    if (r.status === "ok" && r.costUsd === undefined) this.unpriced++;
    t.costUsd += r.costUsd ?? 0;
    if (r.status === "ok" && typeof r.latencyMs === "number") this.#latencies.push(r.latencyMs);
  }

  /** Set the latency percentiles; returns the tally. */
  finish(): T {
    this.into.latencyP50Ms = percentile(this.#latencies, 50);
    this.into.latencyP95Ms = percentile(this.#latencies, 95);
    return this.into;
  }
}

/** Percentile of a sorted or unsorted list (nearest rank); 0 for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
