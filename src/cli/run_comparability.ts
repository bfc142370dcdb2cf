/**
 * What `report` and `compare` say about the runs they put side by side: the context, dataset and prompt template
 * they share, or a warning for each setting in which they differ (from the manifests beside the predictions).
 *
 * @module
 */
import { type Comparability, comparability, type ComparedRun } from "../run/comparability.ts";
import type { RunManifest } from "../swebench/manifest.ts";
import { style } from "./output.ts";

/** The settings of one run log, from the manifest beside its predictions (all undefined without one). */
export function runSettingsOf(source: string, manifest: RunManifest | undefined): ComparedRun {
  const g = manifest?.generation;
  if (!g) return { source };
  return {
    source,
    context: g.context,
    // A retrieval variant's id carries the context (`..._bm25_13K`): compared once, as the context.
    dataset: g.context && g.context !== "none" ? g.dataset?.replace(/_(bm25_\d+K|oracle)$/i, "") : g.dataset,
    split: g.split,
    promptTemplate: g.promptTemplate
      ? `v${g.promptTemplate.version} (sha256 ${(g.promptTemplate.sha256 ?? "").slice(0, 12)})`
      : undefined,
  };
}

/** The verdict and the settings it was made from, as `--json` carries it. */
export interface ComparabilityReport extends Comparability {
  /** Each run's settings. */
  runs: ComparedRun[];
}

/** Judge the runs. */
export function judgeRuns(runs: readonly ComparedRun[]): ComparabilityReport {
  return { ...comparability(runs), runs: [...runs] };
}

/**
 * Lines for a person: `Context: ...` naming what the runs share when they are comparable, else one
 * `warning: not comparable: ...` line per difference. Nothing when no run's settings are known and there is one run.
 */
export function comparabilityLines(r: ComparabilityReport): string[] {
  if (!r.comparable) return r.warnings.map((w) => `${style.yellow("warning:")} not comparable: ${w}`);
  const known = r.runs.find((x) => x.context !== undefined);
  if (!known) return [];
  const context = known.context === "none" ? "none (the issue text only, no code)" : known.context;
  return [
    `Context: ${context}; dataset ${known.dataset} (${known.split}); prompt template ${known.promptTemplate}` +
    (r.runs.length > 1 ? ` (all ${r.runs.length} runs)` : ""),
  ];
}
