/**
 * Whether runs can be compared: runs made with different code contexts, datasets (or splits) or prompt templates
 * measure different things, so `report` and `compare` say so instead of putting them side by side silently.
 *
 * @module
 */

/** What decides what a run's model was asked, as far as comparing runs goes. */
export interface ComparedRun {
  /** Where the settings come from (a run log or predictions file), for the message. */
  source: string;
  /** Retrieval context variant (`none`, `bm25-13k`, ...); undefined when unknown (no manifest). */
  context?: string;
  /** Dataset (Hugging Face id, `sample`, or the local file's name); undefined when unknown. */
  dataset?: string;
  /** Split; undefined when unknown. */
  split?: string;
  /** Prompt template, `v<version> (sha256 <12 hex>)`; undefined when unknown. */
  promptTemplate?: string;
}

/** One setting in which the runs differ, with each run's value. */
export interface DifferingSetting {
  /** `context`, `dataset` or `prompt template`. */
  setting: "context" | "dataset" | "prompt template";
  /** Source -> value. */
  values: Record<string, string>;
}

/** The verdict on a set of runs. */
export interface Comparability {
  /** False when the runs differ in context, dataset or prompt template, or some runs' settings are unknown. */
  comparable: boolean;
  /** The settings in which the runs differ. */
  differences: DifferingSetting[];
  /** Sources whose settings are unknown (no manifest beside them). */
  unknown: string[];
  /** One warning line per problem, for a person. */
  warnings: string[];
}

const SETTINGS: { setting: DifferingSetting["setting"]; of: (r: ComparedRun) => string | undefined }[] = [
  { setting: "context", of: (r) => r.context },
  {
    setting: "dataset",
    of: (r) => (r.dataset === undefined ? undefined : `${r.dataset} (${r.split ?? "?"})`),
  },
  { setting: "prompt template", of: (r) => r.promptTemplate },
];

/**
 * Compare the settings of several runs. A single run is always comparable (with itself); runs whose settings are
 * unknown make the set not known to be comparable, and are named.
 *
 * @example
 * ```ts ignore
 * import { comparability } from "./comparability.ts";
 * const c = comparability([
 *   { source: "a.runlog.jsonl", context: "none", dataset: "princeton-nlp/SWE-bench_Lite", split: "test" },
 *   { source: "b.runlog.jsonl", context: "bm25-13k", dataset: "princeton-nlp/SWE-bench_Lite", split: "test" },
 * ]);
 * console.log(c.comparable, c.warnings[0]);
 * // false "the runs differ in context (a.runlog.jsonl: none; b.runlog.jsonl: bm25-13k): ..."
 * ```
 */
export function comparability(runs: readonly ComparedRun[]): Comparability {
  const result: Comparability = { comparable: true, differences: [], unknown: [], warnings: [] };
  if (runs.length < 2) return result;
  const known = runs.filter((r) => r.context !== undefined);
  result.unknown = runs.filter((r) => r.context === undefined).map((r) => r.source);
  for (const { setting, of } of SETTINGS) {
    const values: Record<string, string> = {};
    for (const r of known) {
      const v = of(r);
      if (v !== undefined) values[r.source] = v;
    }
    if (new Set(Object.values(values)).size > 1) {
      result.differences.push({ setting, values });
      const list = Object.entries(values).map(([s, v]) => `${s}: ${v}`).join("; ");
      result.warnings.push(
        `the runs differ in ${setting} (${list}): their figures measure different tasks and are not comparable`,
      );
    }
  }
  if (result.unknown.length > 0) {
    result.warnings.push(
      `the context, dataset and prompt template of ${result.unknown.join(", ")} are unknown (no manifest ` +
        "beside the predictions): check they match before comparing",
    );
  }
  result.comparable = result.differences.length === 0 && result.unknown.length === 0;
  return result;
}
