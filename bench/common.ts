/**
 * Helpers shared by the benchmark scripts: flags, statistics, the realistic SWE-bench workload (prompt and answer)
 * and table printing. Benchmarks only: nothing in `src/` imports this.
 *
 * @module
 */
import { parseInstance } from "../src/swebench/instance.ts";
import { buildPrompt } from "../src/swebench/prompt.ts";

const SHARED_DATA = new URL("../../shared/data/", import.meta.url);
const FIXTURES = new URL("../tests/fixtures/", import.meta.url);

/**
 * The reference data folder: `../shared/data/` beside the repository when it is there, else the copies the tests use
 * (`tests/fixtures/`, which hold every file the benchmarks read). Which one is used is said once on stderr.
 */
export const DATA_DIR: URL = pickDataDir();

function pickDataDir(): URL {
  try {
    Deno.statSync(SHARED_DATA);
    return SHARED_DATA;
  } catch {
    console.error(
      `note: ${SHARED_DATA.pathname} is absent; the benchmarks read the repository's copies in ${FIXTURES.pathname}`,
    );
    return FIXTURES;
  }
}

/**
 * True when `--name` is among the arguments.
 *
 * @example
 * ```ts
 * const tiny = flag("tiny");
 * ```
 */
export function flag(name: string, args: readonly string[] = Deno.args): boolean {
  return args.includes(`--${name}`);
}

/**
 * The value of `--name value` or `--name=value`, else `fallback`.
 *
 * @example
 * ```ts
 * const rounds = Number(option("rounds", "7"));
 * ```
 */
export function option(name: string, fallback: string, args: readonly string[] = Deno.args): string {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}` && i + 1 < args.length) return args[i + 1];
    if (args[i].startsWith(`--${name}=`)) return args[i].slice(name.length + 3);
  }
  return fallback;
}

/**
 * Median of a non-empty list (NaN when empty).
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A number rounded for a table: `digits` decimals, thousands separated by a thin space; "-" for NaN.
 *
 * @example
 * ```ts
 * fmt(12345.678, 1); // "12 345.7"
 * ```
 */
export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return "-";
  const [int, dec] = Math.abs(value).toFixed(digits).split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return `${value < 0 ? "-" : ""}${grouped}${dec === undefined ? "" : `.${dec}`}`;
}

/**
 * A Markdown table (also readable in a terminal), columns padded; numeric-looking cells right-aligned.
 *
 * @example
 * ```ts
 * console.log(markdownTable(["lib", "µs"], [["ours", "12"]]));
 * ```
 */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = headers.map((_, i) =>
    rows.length > 0 && rows.every((r) => /^[-+]?[\d .,]*[x%]?$|^-$/.test(r[i] ?? ""))
  );
  const cell = (text: string, i: number) => numeric[i] ? text.padStart(widths[i]) : text.padEnd(widths[i]);
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => cell(c ?? "", i)).join(" | ")} |`;
  const rule = `|${
    widths.map((w, i) => numeric[i] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2)).join("|")
  }|`;
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

/** The request and answer every benchmark sends and receives. */
export interface Workload {
  /** System message (the built-in SWE-bench template's). */
  system: string;
  /** User message: the median-length SWE-bench Lite prompt of `buildPrompt` (issue text, hints, patch format). */
  prompt: string;
  /** Assistant answer: a real model patch of about 2 KB (CodeR on SWE-bench Lite) in `<patch>` tags. */
  answer: string;
  /** Instance id of the prompt. */
  instanceId: string;
}

/**
 * The realistic workload: the median-length prompt of the SWE-bench Lite test split as our template builds it, and
 * as answer the first real model patch of 1.8-2.4 KB from `predictions/coder-lite.jsonl`, in `<patch>` tags.
 *
 * @example
 * ```ts
 * const w = await loadWorkload();
 * console.log(w.prompt.length, w.answer.length);
 * ```
 */
export async function loadWorkload(): Promise<Workload> {
  const lite = await Deno.readTextFile(new URL("swe-bench/lite-test.jsonl", DATA_DIR));
  const built = lite.split("\n").filter((line) => line.trim() !== "").map((line, i) => {
    const instance = parseInstance(JSON.parse(line), `lite-test.jsonl:${i + 1}`);
    const prompt = buildPrompt(instance, { maxTokens: 4096, countTokens: (t) => Math.ceil(t.length / 4) });
    if ("skipped" in prompt) throw new Error(`prompt skipped: ${prompt.skipped}`);
    return { id: instance.instance_id, system: prompt.system, user: prompt.user };
  }).sort((a, b) => a.user.length - b.user.length || a.id.localeCompare(b.id));
  const typical = built[built.length >> 1]; // the median-length prompt
  const predictions = await Deno.readTextFile(new URL("predictions/coder-lite.jsonl", DATA_DIR));
  let patch = "";
  for (const line of predictions.split("\n")) {
    if (line.trim() === "") continue;
    const p = String(JSON.parse(line).model_patch ?? "").trim();
    if (p.length >= 1800 && p.length <= 2400) {
      patch = p;
      break;
    }
  }
  if (patch === "") throw new Error("no 1.8-2.4 KB patch in predictions/coder-lite.jsonl");
  const answer = `The fix is below.\n\n<patch>\n${patch}\n</patch>\n`;
  return { system: typical.system, prompt: typical.user, answer, instanceId: typical.id };
}

/**
 * Versions and machine facts for machine-readable results.
 *
 * @example
 * ```ts
 * console.log(runtimeInfo().deno);
 * ```
 */
export function runtimeInfo(): { deno: string; v8: string; os: string; arch: string; cpus: number } {
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpus: navigator.hardwareConcurrency,
  };
}

/**
 * Print progress to stderr (stdout holds only the results, so `--json` output stays parseable).
 *
 * @example
 * ```ts
 * progress("round 1/7");
 * ```
 */
export function progress(message: string): void {
  console.error(message);
}

/**
 * The environment of a CLI child of a benchmark: PATH, a home of its own (config and cache under it), this Deno
 * cache, no colour, then `extra` (keys, base URLs).
 *
 * @example
 * ```ts
 * const env = childEnv(await Deno.makeTempDir(), { OPENAI_API_KEY: "sk-bench" });
 * ```
 */
export function childEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: home,
    XDG_CONFIG_HOME: `${home}/config`,
    SWEBENCH_CACHE_DIR: `${home}/cache`,
    DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
    NO_COLOR: "1",
    ...extra,
  };
}
