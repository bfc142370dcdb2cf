/**
 * Summaries from run logs: the numbers behind `swebench report` and `swebench compare`.
 *
 * @module
 */
import type { RunLogEntry } from "../swebench/run_log.ts";
import { Tallier, type Tally } from "./tally.ts";

/** One model's figures: the {@linkcode Tally} of its records, and what only a report has. */
export interface ModelReport extends Tally {
  /** `provider:model`. */
  label: string;
  /** Distinct instances with a record. */
  instances: number;
  /** Ok instances with a non-empty patch. */
  patchesProduced: number;
  /** Answers recorded without a cost (an unpriced model): `costUsd` is then a lower bound. */
  costUnknown: number;
  /** Attempts beyond the first, summed. */
  retries: number;
  /** Of the `ok` answers, those given as a fallback for another model (see `RunLogRecord.fallbackFrom`). */
  fallbacks: number;
  /** Per-instance cost and latency, for charts. */
  perInstance: { id: string; costUsd?: number; latencyMs?: number; status: string }[];
}

/**
 * Group run-log records by `provider:model` and summarise each group.
 *
 * @example
 * ```ts
 * import { summarizeRunLog } from "@swebench/runner/lib";
 * const r = summarizeRunLog([{ instance_id: "a", status: "ok", provider: "gold", model: "gold", patchStatus: "valid" }]);
 * console.log(r[0].ok); // 1
 * ```
 */
export function summarizeRunLog(records: readonly RunLogEntry[]): ModelReport[] {
  const groups = new Map<string, RunLogEntry[]>();
  // An instance queued again after a transient failure and then answered (maybe by a fallback model, in another
  // run log) did not fail: its requeued record does not count.
  const answered = new Set(records.filter((r) => r.status === "ok").map((r) => r.instance_id));
  for (const r of records) {
    if (r.requeued && answered.has(r.instance_id)) continue;
    const label = `${r.provider ?? "?"}:${r.model ?? "?"}`;
    let g = groups.get(label);
    if (!g) groups.set(label, g = []);
    g.push(r);
  }
  return [...groups].map(([label, recs]) => {
    const latest = new Map<string, RunLogEntry>();
    for (const r of recs) latest.set(r.instance_id, r);
    const rep: ModelReport = {
      label,
      instances: latest.size,
      ok: 0,
      failed: 0,
      skipped: 0,
      patchesProduced: 0,
      patches: {},
      failuresByKind: {},
      promptTokens: 0,
      completionTokens: 0,
      costUsd: 0,
      costUnknown: 0,
      latencyP50Ms: 0,
      latencyP95Ms: 0,
      retries: 0,
      fallbacks: 0,
      perInstance: [],
    };
    const tallier = new Tallier(rep);
    for (const r of recs) {
      tallier.spend(r);
      rep.retries += Math.max(0, (r.attempts ?? 1) - 1);
    }
    for (const r of latest.values()) {
      tallier.outcome(r);
      if (r.status === "ok") {
        // Older run logs filed a fallback's answer under the run's model, with answeredBy naming the fallback.
        if (r.fallbackFrom !== undefined || (r.answeredBy && r.answeredBy.model !== r.model)) rep.fallbacks++;
        if ((r.patchStatus ?? "unknown") !== "empty") rep.patchesProduced++;
      }
      rep.perInstance.push({
        id: r.instance_id,
        costUsd: r.costUsd,
        latencyMs: r.latencyMs,
        status: r.status,
      });
    }
    rep.costUnknown = tallier.unpriced;
    return tallier.finish();
  });
}
