/**
 * `deno task bench`: runs every benchmark script as its own subprocess, one after the other (never in parallel:
 * the machine is small and shared), and prints their tables.
 *
 * Flags: `--tiny` (passed to every script: a few iterations, seconds; what the smoke test runs), `--json` (passed
 * to every script; prints one JSON object `{ name: result }`), `--only overhead,stream` (run a subset). Other
 * flags after `--` are passed to every script as they are.
 *
 * A script listed here that does not exist (yet) is skipped with a note.
 *
 * @module
 */
import { flag, option } from "./common.ts";

/** One benchmark script. */
export interface BenchScript {
  /** Short name (for `--only` and the JSON output). */
  name: string;
  /** Path relative to this file. */
  file: string;
  /** What it measures (issue 7 item). */
  title: string;
}

/** Every benchmark, in the order they run. Add later ones here. */
export const BENCHES: readonly BenchScript[] = [
  { name: "overhead", file: "overhead_bench.ts", title: "1. Per-request overhead vs raw fetch and the SDKs" },
  { name: "cli", file: "cli_bench.ts", title: "2. Whole CLI vs a raw fetch client, peak RSS, cold start" },
  { name: "tokens", file: "tokens_bench.ts", title: "3. Token counting" },
  { name: "stream", file: "stream_bench.ts", title: "4. Streaming throughput (SSE, NDJSON)" },
  { name: "rate-limit", file: "rate_limit_pace.ts", title: "5. Rate-limit pace" },
  { name: "scale", file: "scale_bench.ts", title: "6. Scale: the full test split through the simulator" },
  {
    name: "batch",
    file: "batch_bench.ts",
    title: "7. Batch mode vs a normal run (cost, requests, time to submit)",
  },
  { name: "first-request", file: "first_request_bench.ts", title: "Issue 15 §1: time to the first request" },
];

/** What one script run gave. */
export interface BenchRun {
  /** Script name. */
  name: string;
  /** Exit code (`null` when skipped). */
  code: number | null;
  /** Its standard output (the tables, or JSON with `--json`). */
  stdout: string;
  /** Why it was skipped. */
  skipped?: string;
  /** Wall time in seconds. */
  seconds: number;
}

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * Run one benchmark script with `args`; its stderr (progress) goes to ours, its stdout is captured.
 *
 * @example
 * ```ts
 * const run = await runBench(BENCHES[0], ["--tiny"]);
 * console.log(run.code, run.stdout);
 * ```
 */
export async function runBench(script: BenchScript, args: readonly string[]): Promise<BenchRun> {
  const url = new URL(script.file, import.meta.url);
  if (!(await exists(url))) {
    return {
      name: script.name,
      code: null,
      stdout: "",
      skipped: `bench/${script.file} does not exist yet`,
      seconds: 0,
    };
  }
  const started = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", url.pathname, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return {
    name: script.name,
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    seconds: (performance.now() - started) / 1000,
  };
}

async function main(): Promise<void> {
  const json = flag("json");
  const dashdash = Deno.args.indexOf("--");
  const extra = dashdash >= 0 ? Deno.args.slice(dashdash + 1) : [];
  const args = [...(flag("tiny") ? ["--tiny"] : []), ...(json ? ["--json"] : []), ...extra];
  const only = option("only", "").split(",").map((s) => s.trim()).filter(Boolean);
  const selected = BENCHES.filter((b) => only.length === 0 || only.includes(b.name));
  const results: Record<string, unknown> = {};
  let failed = 0;
  for (const script of selected) {
    if (!json) console.log(`\n# ${script.title} (bench/${script.file})\n`);
    const run = await runBench(script, args);
    if (run.skipped !== undefined) {
      if (json) results[script.name] = { skipped: run.skipped };
      else console.log(`skipped: ${run.skipped}`);
      continue;
    }
    if (run.code !== 0) failed++;
    if (json) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(run.stdout);
      } catch {
        parsed = { output: run.stdout }; // a script without --json support
      }
      results[script.name] = run.code === 0 ? parsed : { exitCode: run.code, output: run.stdout };
    } else {
      console.log(run.stdout.trimEnd());
      console.log(`\n(${script.name}: exit ${run.code}, ${run.seconds.toFixed(1)} s)`);
    }
  }
  if (json) console.log(JSON.stringify(results, null, 2));
  if (failed > 0) Deno.exit(1);
}

if (import.meta.main) await main();
