/**
 * What the plan says about code context: which retrieval variant the prompts come from, and a one-line warning
 * when a model is about to be asked without any repository code (the issue text alone rarely yields a patch that
 * applies), with what to use instead.
 *
 * @module
 */
import type { DatasetRef } from "../swebench/datasets.ts";
import type { SwebenchInstance } from "../swebench/instance.ts";
import { style } from "./output.ts";

/** The code context of a run, as the plan and `--json` report it. */
export interface ContextReport {
  /** The `--context` variant (`none`, `bm25-13k`, `bm25-27k`, `bm25-40k`, `oracle`). */
  context: string;
  /** Selected instances whose row carries a ready `text` prompt with code (a retrieval variant's). */
  instancesWithCode: number;
  /** The warning line when some or all instances go without code context; null when every one has it, or for gold. */
  contextWarning: string | null;
}

const WITH_CONTEXT = "use --context bm25-13k (SWE-bench's BM25 retrieval baseline), or --context oracle " +
  "(the files the reference patch edits: an upper bound)";

/** Which SWE-bench dataset a ref names, when it names one we know. */
function knownDataset(ref: DatasetRef): "lite" | "full" | "verified" | "sample" | undefined {
  if (ref.kind === "sample") return "sample";
  if (ref.kind !== "hf") return undefined;
  const name = ref.name.trim().toLowerCase();
  if (name === "lite" || name === "full" || name === "verified") return name;
  const id = (ref.id ?? "").toLowerCase();
  if (/\/swe-bench_lite$/.test(id)) return "lite";
  if (/\/swe-bench_verified$/.test(id)) return "verified";
  if (/\/swe-bench$/.test(id)) return "full";
  return undefined;
}

/** What to use instead of a run without code, for the dataset named. */
function instead(ref: DatasetRef): string {
  switch (knownDataset(ref)) {
    case "lite":
    case "full":
      return WITH_CONTEXT;
    case "verified":
      return "SWE-bench Verified has no upstream retrieval variant, so --context does not apply to it; for " +
        "SWE-bench's baselines run -d lite --context bm25-13k (or --context oracle, the upper bound)";
    case "sample":
      return "the bundled sample is a smoke test without retrieval variants; for a real run use -d lite " +
        "--context bm25-13k (or --context oracle, the upper bound)";
    default:
      return "the dataset has no `text` column with retrieved code; use -d lite or -d full with --context " +
        "bm25-13k (or --context oracle, the upper bound), or give rows a `text` prompt in SWE-bench's format";
  }
}

/**
 * The code context of a selection. Gold answers with the reference patch, so it never gets a warning.
 *
 * @example
 * ```ts ignore
 * import { contextReport } from "./context_advice.ts";
 * import { resolveDataset, SAMPLE_INSTANCES } from "@swebench/runner/lib";
 * const r = contextReport(resolveDataset("sample", { cacheDir: "/tmp" }), SAMPLE_INSTANCES, { gold: false });
 * console.log(r.contextWarning?.startsWith("No code context")); // true
 * ```
 */
export function contextReport(
  ref: DatasetRef,
  instances: readonly SwebenchInstance[],
  options: { gold: boolean },
): ContextReport {
  const withCode = instances.filter((i) => i.text !== undefined && /<code>/.test(i.text)).length;
  const report = { context: ref.context, instancesWithCode: withCode, contextWarning: null };
  if (options.gold || withCode === instances.length) return report;
  const which = withCode === 0
    ? "No code context"
    : `No code context for ${instances.length - withCode} of ${instances.length} instances`;
  return {
    ...report,
    contextWarning:
      `${which}: the model sees only the issue text, not the repository's code, so few patches ` +
      `will apply; ${instead(ref)}.`,
  };
}

/** The plan's context line: the variant, and the warning when prompts carry no code. */
export function contextLine(r: ContextReport): string {
  const what = r.context === "none" && r.instancesWithCode > 0
    ? "the dataset's own `text` prompts (with code)"
    : r.context;
  return `  context: ${what}` + (r.contextWarning ? `. ${style.yellow(r.contextWarning)}` : "");
}
