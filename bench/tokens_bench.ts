/**
 * Token counting benchmark (issue 7, item 3): throughput (MB/s) and cold init time of our counter (gpt-tokenizer
 * behind `src/tokens`) vs raw gpt-tokenizer, js-tiktoken and tiktoken (WASM build of OpenAI's Rust tiktoken), on
 * the problem statements of lite-test.jsonl (../shared/data/swe-bench/, else tests/fixtures/), o200k_base. Counts must be identical.
 *
 * Each library runs in fresh processes (so init is cold: module import + rank table + first count); the parent
 * prints medians and ratios to ours. Machines are shared and noisy: read the ratios, not the absolute times.
 *
 * Run: `deno run -A bench/tokens_bench.ts [--runs 5] [--passes 5] [--file path.jsonl] [--tiny]`
 *
 * @module
 */
import { DATA_DIR } from "./common.ts";

interface ChildResult {
  lib: string;
  initMs: number;
  mbPerSec: number;
  tokens: number;
  bytes: number;
  rssMb: number;
}

type Counter = (text: string) => number;

const LIBS: Record<string, () => Promise<Counter>> = {
  "swebench (ours)": async () => {
    const { loadEncoding } = await import("../src/tokens/mod.ts");
    const enc = await loadEncoding("o200k_base");
    return enc.count;
  },
  "gpt-tokenizer": async () => {
    const { countTokens } = await import("gpt-tokenizer/encoding/o200k_base");
    const options = { disallowedSpecial: new Set<string>() };
    return (text) => countTokens(text, options);
  },
  "js-tiktoken": async () => {
    const [{ Tiktoken }, ranks] = await Promise.all([
      import("js-tiktoken/lite"),
      import("js-tiktoken/ranks/o200k_base"),
    ]);
    const enc = new Tiktoken(ranks.default);
    return (text) => enc.encode(text, [], []).length;
  },
  "tiktoken (wasm)": async () => {
    // Not a project dependency: fetched from npm for this benchmark only. The specifier is built at run time so that
    // neither the type checker nor the lock file sees it.
    const specifier = ["npm:tiktoken", "1.0.22"].join("@");
    const { get_encoding } = await import(specifier);
    const enc = get_encoding("o200k_base");
    return (text) => enc.encode_ordinary(text).length;
  },
};

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] ? Deno.args[i + 1] : fallback;
}

async function loadTexts(file: string, tiny: boolean): Promise<string[]> {
  const lines = (await Deno.readTextFile(file)).split("\n").filter((line) => line.trim() !== "");
  const texts = lines.map((line) => String(JSON.parse(line).problem_statement ?? ""));
  return tiny ? texts.slice(0, 5) : texts;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function child(lib: string, file: string, passes: number, tiny: boolean): Promise<ChildResult> {
  const texts = await loadTexts(file, tiny);
  const bytes = texts.reduce((n, t) => n + new TextEncoder().encode(t).length, 0);
  const start = performance.now();
  const count = await LIBS[lib]();
  count("hello world");
  const initMs = performance.now() - start;
  let tokens = 0;
  for (const text of texts) tokens += count(text); // warm-up pass (also the identity check)
  const rates: number[] = [];
  for (let p = 0; p < passes; p++) {
    const t0 = performance.now();
    for (const text of texts) count(text);
    rates.push(bytes / 1e6 / ((performance.now() - t0) / 1000));
  }
  const rssMb = Deno.memoryUsage().rss / 1e6;
  return { lib, initMs, mbPerSec: median(rates), tokens, bytes, rssMb };
}

async function runChild(
  lib: string,
  file: string,
  passes: number,
  tiny: boolean,
): Promise<ChildResult | string> {
  const args = ["run", "-A", "--no-lock", import.meta.filename!, "--child", lib, "--file", file];
  args.push("--passes", String(passes), ...(tiny ? ["--tiny"] : []));
  const output = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" }).output();
  const stdout = new TextDecoder().decode(output.stdout).trim();
  if (!output.success) return new TextDecoder().decode(output.stderr).trim().split("\n").slice(-2).join(" ");
  return JSON.parse(stdout.split("\n").at(-1)!);
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

async function main(): Promise<void> {
  const defaultFile = new URL("swe-bench/lite-test.jsonl", DATA_DIR).pathname;
  const file = arg("file", defaultFile);
  const tiny = Deno.args.includes("--tiny");
  const passes = Number(arg("passes", tiny ? "1" : "5"));
  const childLib = arg("child", "");
  if (childLib) {
    console.log(JSON.stringify(await child(childLib, file, passes, tiny)));
    return;
  }
  const runs = Number(arg("runs", tiny ? "1" : "5"));
  const results = new Map<string, ChildResult[]>();
  const failures = new Map<string, string>();
  for (let r = 0; r < runs; r++) {
    for (const lib of Object.keys(LIBS)) { // interleaved, so drift on a shared machine hits every library alike
      if (failures.has(lib)) continue;
      const result = await runChild(lib, file, passes, tiny);
      if (typeof result === "string") failures.set(lib, result);
      else results.set(lib, [...(results.get(lib) ?? []), result]);
    }
  }
  const ours = results.get("swebench (ours)");
  if (!ours) throw new Error(`our counter failed: ${failures.get("swebench (ours)")}`);
  const base = { mb: median(ours.map((r) => r.mbPerSec)), init: median(ours.map((r) => r.initMs)) };
  const bytes = ours[0].bytes;
  console.log(
    `o200k_base on ${ours.length > 0 ? (bytes / 1e6).toFixed(2) : 0} MB of problem statements ` +
      `(${file.split("/").at(-1)}), medians of ${runs} fresh processes x ${passes} passes`,
  );
  console.log(
    [
      pad("library", 17),
      pad("MB/s", 7, true),
      pad("x ours", 7, true),
      pad("init ms", 8, true),
      pad("x ours", 7, true),
    ]
      .concat([pad("RSS MB", 7, true), pad("tokens", 9, true), "  same counts"]).join(" "),
  );
  for (const lib of Object.keys(LIBS)) {
    const rows = results.get(lib);
    if (!rows) {
      console.log(`${pad(lib, 17)} unavailable: ${failures.get(lib)}`);
      continue;
    }
    const mb = median(rows.map((r) => r.mbPerSec));
    const init = median(rows.map((r) => r.initMs));
    const rss = median(rows.map((r) => r.rssMb));
    const same = rows.every((r) => r.tokens === ours[0].tokens);
    console.log(
      [
        pad(lib, 17),
        pad(mb.toFixed(1), 7, true),
        pad((mb / base.mb).toFixed(2), 7, true),
        pad(init.toFixed(0), 8, true),
        pad((init / base.init).toFixed(2), 7, true),
        pad(rss.toFixed(0), 7, true),
        pad(String(rows[0].tokens), 9, true),
        `  ${same ? "yes" : "NO"}`,
      ].join(" "),
    );
  }
}

if (import.meta.main) await main();
