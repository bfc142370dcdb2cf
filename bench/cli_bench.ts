/**
 * Whole-CLI benchmark (issue 7, item 2): 300 SWE-bench Lite instances at `-c 32` against a zero-latency OpenAI
 * simulator.
 *
 * Contenders, each a fresh process, timed from spawn to exit by this script:
 * - `gold`: `main.ts generate -p gold` (no network: dataset, selection, prompts, patch recovery, predictions);
 * - `openai`: `main.ts generate -p openai -m gpt-4o-mini` against the simulator, which answers every call with the
 *   instance's gold patch in `<patch>` tags, so patch recovery runs for real;
 * - `raw`: a minimal raw-`fetch` client (this script with `--raw-client`): reads the same rows, builds the same
 *   prompt text (`buildPrompt` of `src/swebench/prompt.ts`, no fitting), sends the same chat requests at the same
 *   concurrency, takes the text between `<patch>` tags and appends one prediction line per instance (no fsync).
 *
 * Reported: the medians of the per-round ratio `(openai - gold) / raw` (goal <= 1.1), the peak RSS of each run
 * (`/usr/bin/time -f %M`, else `VmHWM` polled from `/proc/<pid>/status`; goal for the openai run <= 150 MB), and the
 * cold start of `main.ts --help` against an empty script (goal <= 150 ms; piped, so answered from the help stored
 * from commander, src/cli/help_static.ts, as on a terminal of 80 columns or more; commander itself is loaded by
 * every other command, and by an `--alt` build older than that). Every prediction file is checked: each
 * patch must equal the gold patch. The simulator counts the requests and prompt characters of every run; a
 * difference between a CLI run and the raw client is printed as a note (none on the Lite data).
 *
 * Method. The simulator runs in its own process (this script with `--serve`), so its CPU is not billed to the
 * measured process; on a 2-core machine it still competes with the client for the same cores (so do other users
 * of a shared machine), which is why only medians of paired, interleaved measurements are reported: each round
 * runs every contender once, the starting contender rotating; one warm-up round is not counted.
 *
 * Run: `deno run -A bench/cli_bench.ts [--rounds 5] [--n 300] [--c 32] [--help-runs 15] [--latency 0] [--tiny] [--json]`
 * (`--data file.jsonl` runs on another file of Lite rows, e.g. a subset, for an A/B experiment;
 * `--alt path/to/main.ts` adds the gold and openai runs of another build, e.g. a patched copy of the repository,
 * to the same interleaved rounds, for a before/after ratio).
 *
 * Also exports the helpers `bench/scale_bench.ts` uses (simulator child, measured process, datasets, checks).
 *
 * @module
 */
import { buildPrompt } from "../src/swebench/prompt.ts";
import type { SwebenchInstance } from "../src/swebench/instance.ts";
import { DATA_DIR, flag, fmt, markdownTable, median, option, progress, runtimeInfo } from "./common.ts";

/** The Lite test split (300 rows) the benchmarks send. */
export const LITE_URL: URL = new URL("swe-bench/lite-test.jsonl", DATA_DIR);
/** Repository root (where `main.ts` is). */
export const ROOT: URL = new URL("../", import.meta.url);
/** Model id every contender requests. */
export const MODEL: string = "gpt-4o-mini";
/** API key sent to the simulator (never a real one). */
export const API_KEY: string = "sk-bench-0000000000000000";
const SELF = new URL(import.meta.url).pathname;
const MAIN = new URL("main.ts", ROOT).pathname;

// ---------------------------------------------------------------------------------------------------------------
// Data.

/** A Lite row as read from the file (only the fields used here are typed). */
interface LiteRow {
  instance_id: string;
  base_commit: string;
  problem_statement: string;
  patch: string;
  [key: string]: unknown;
}

async function readLite(): Promise<LiteRow[]> {
  const text = await Deno.readTextFile(LITE_URL);
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as LiteRow);
}

/**
 * The gold patch of every instance id that {@linkcode writeDataset} can produce, looked up by its base id (the
 * `-rN` suffix removed).
 *
 * @example
 * ```ts
 * const gold = await loadGold();
 * gold("django__django-15202-r3"); // the gold patch of django__django-15202
 * ```
 */
export async function loadGold(): Promise<(instanceId: string) => string | undefined> {
  const map = new Map((await readLite()).map((r) => [r.instance_id, r.patch]));
  return (id) => map.get(id.replace(/-r\d+$/, ""));
}

/**
 * Write a `.jsonl` dataset of `n` rows: the Lite test rows in order, repeated as often as needed, the k-th repeat
 * with instance ids suffixed `-rk` (so every id is unique). Returns the path.
 *
 * @example
 * ```ts
 * const dir = await Deno.makeTempDir();
 * await writeDataset(2294, `${dir}/full.jsonl`);
 * ```
 */
export async function writeDataset(n: number, path: string): Promise<string> {
  const lines = (await Deno.readTextFile(LITE_URL)).split("\n").filter((l) => l.trim() !== "");
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const line = lines[k % lines.length];
    const round = Math.floor(k / lines.length);
    if (round === 0) out.push(line);
    else {
      const row = JSON.parse(line) as LiteRow;
      out.push(JSON.stringify({ ...row, instance_id: `${row.instance_id}-r${round}` }));
    }
  }
  await Deno.writeTextFile(path, out.join("\n") + "\n");
  return path;
}

/** What a predictions file held. */
export interface PredictionCheck {
  /** Lines in the file. */
  lines: number;
  /** Distinct instance ids. */
  distinct: number;
  /** Lines whose `model_patch` equals the instance's gold patch. */
  equal: number;
}

/**
 * Count the lines of a predictions file and those whose patch equals the gold patch.
 *
 * @example
 * ```ts
 * const check = await checkPredictions("out.jsonl", await loadGold());
 * console.log(`${check.equal}/${check.lines}`);
 * ```
 */
export async function checkPredictions(
  path: string,
  gold: (instanceId: string) => string | undefined,
): Promise<PredictionCheck> {
  const lines = (await Deno.readTextFile(path)).split("\n").filter((l) => l.trim() !== "");
  const ids = new Set<string>();
  let equal = 0;
  for (const line of lines) {
    const p = JSON.parse(line) as { instance_id: string; model_patch: string };
    ids.add(p.instance_id);
    if (p.model_patch === gold(p.instance_id)) equal++;
  }
  return { lines: lines.length, distinct: ids.size, equal };
}

// ---------------------------------------------------------------------------------------------------------------
// The simulator child process.

/** The assistant text for an instance: prose, then the gold patch in `<patch>` tags. */
function answerFor(patch: string): string {
  return `The problem is in the code below; this change fixes it.\n\n<patch>\n${patch}</patch>\n`;
}

async function serve(): Promise<void> {
  const { startOpenAISim } = await import("../tests/simulator/mod.ts");
  const rows = await readLite();
  const byCommit = new Map<string, LiteRow[]>();
  for (const r of rows) byCommit.set(r.base_commit, [...(byCommit.get(r.base_commit) ?? []), r]);
  let stats = { requests: 0, promptChars: 0, unmatched: 0 };
  const respond = (req: { body: unknown }): string => {
    // deno-lint-ignore no-explicit-any
    const messages = ((req.body as any)?.messages ?? []) as { role: string; content: unknown }[];
    let user = "";
    stats.requests++;
    for (const m of messages) {
      const text = typeof m.content === "string" ? m.content : JSON.stringify(m.content);
      stats.promptChars += text.length;
      if (m.role === "user") user = text;
    }
    const commit = /checked out at commit ([0-9a-f]{40})/.exec(user)?.[1] ?? "";
    const candidates = byCommit.get(commit) ?? [];
    const row = candidates.length === 1
      ? candidates[0]
      : candidates.find((r) => user.includes(r.problem_statement.trim().slice(0, 200)));
    if (row === undefined) {
      stats.unmatched++;
      return "No patch.";
    }
    return answerFor(row.patch);
  };
  const sim = await startOpenAISim({
    respond,
    latencyMs: Number(option("latency", "0")),
    tokenizer: "approx",
  });
  // The request log would grow by one entry (with its parsed body) per request: keep it empty.
  const trim = setInterval(() => (sim.requests.length = 0), 100);
  const encoder = new TextEncoder();
  const say = (value: unknown) => Deno.stdout.writeSync(encoder.encode(JSON.stringify(value) + "\n"));
  say({ url: sim.url });
  // Commands on stdin, one a line: "stats" answers the counters since the last "stats" and resets them.
  // The child runs until the parent closes its stdin.
  let buffer = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const command = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (command === "stats") {
        say(stats);
        stats = { requests: 0, promptChars: 0, unmatched: 0 };
      }
    }
  }
  clearInterval(trim);
  await sim.close();
}

/** Counters of the simulator since the last {@linkcode SimChild.stats} call. */
export interface SimStats {
  /** Chat requests answered. */
  requests: number;
  /** Characters of all message contents received. */
  promptChars: number;
  /** Requests whose instance could not be recognised (answered without a patch). */
  unmatched: number;
}

/** The OpenAI simulator running in a child process. */
export interface SimChild {
  /** Base URL (`http://127.0.0.1:port`, without `/v1`). */
  url: string;
  /** Counters since the last call (then reset). */
  stats(): Promise<SimStats>;
  /** Stop the child. */
  close(): Promise<void>;
}

/**
 * Start the OpenAI simulator in its own process, answering each Lite instance (or `-rN` copy) with its gold patch
 * in `<patch>` tags after `latencyMs` (default 0).
 *
 * @example
 * ```ts
 * const sim = await startSimChild({ latencyMs: 50 });
 * console.log(sim.url);
 * await sim.close();
 * ```
 */
export async function startSimChild(options: { latencyMs?: number } = {}): Promise<SimChild> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SELF, "--serve", "--latency", String(options.latencyMs ?? 0)],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const writer = child.stdin.getWriter();
  let buffer = "";
  const readLine = async (): Promise<string> => {
    while (!buffer.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) throw new Error("the simulator process exited");
      buffer += value;
    }
    const nl = buffer.indexOf("\n");
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    return line;
  };
  const { url } = JSON.parse(await readLine()) as { url: string };
  return {
    url,
    async stats() {
      await writer.write(new TextEncoder().encode("stats\n"));
      return JSON.parse(await readLine()) as SimStats;
    },
    async close() {
      await writer.close();
      await reader.cancel().catch(() => {});
      await child.status;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The raw-fetch client (a child process of its own, like the CLI).

async function rawClient(): Promise<void> {
  const data = option("data", "");
  const endpoint = `${option("url", "")}/v1/chat/completions`;
  const concurrency = Number(option("c", "32"));
  const rows = (await Deno.readTextFile(data)).split("\n").filter((l) => l.trim() !== "").map((l) =>
    JSON.parse(l) as SwebenchInstance
  );
  const file = await Deno.open(option("out", ""), { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let writes = Promise.resolve();
  const append = (line: string) => {
    const bytes = encoder.encode(line);
    writes = writes.then(async () => {
      for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
    });
    return writes;
  };
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const row = rows[next++];
      const prompt = buildPrompt(row, { maxTokens: 4096, countTokens: () => 0 });
      if ("skipped" in prompt) throw new Error(prompt.skipped);
      const res = await fetch(endpoint, {
        method: "POST",
        headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: MODEL,
          messages: [{ role: "system", content: prompt.system }, { role: "user", content: prompt.user }],
          max_tokens: 4096,
          temperature: 0,
        }),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      const json = await res.json() as { choices: { message: { content: string } }[] };
      const text = json.choices[0].message.content;
      const patch = /<patch>\n?([\s\S]*?)<\/patch>/.exec(text)?.[1] ?? "";
      await append(
        JSON.stringify({ instance_id: row.instance_id, model_name_or_path: MODEL, model_patch: patch }) +
          "\n",
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await writes;
  file.close();
}

/**
 * Arguments (after the Deno executable) that run the raw-fetch client on `data` at concurrency `c`, writing `out`.
 *
 * @example
 * ```ts
 * const args = rawClientArgs({ data: "lite.jsonl", url: sim.url, concurrency: 32, out: "raw.jsonl" });
 * ```
 */
export function rawClientArgs(
  options: { data: string; url: string; concurrency: number; out: string },
): string[] {
  return [
    "run",
    "-A",
    SELF,
    "--raw-client",
    "--data",
    options.data,
    "--url",
    options.url,
    "--c",
    String(options.concurrency),
    "--out",
    options.out,
  ];
}

/**
 * Arguments (after the Deno executable) of `main.ts generate` for `provider` on `data` at concurrency `c`
 * (`main`: another `main.ts`, e.g. a patched copy of the repository, for a before/after comparison).
 *
 * @example
 * ```ts
 * const args = cliArgs({ provider: "openai", data: "lite.jsonl", concurrency: 32, out: "o.jsonl" });
 * ```
 */
export function cliArgs(
  options: { provider: "openai" | "gold"; data: string; concurrency: number; out: string; main?: string },
): string[] {
  return [
    "run",
    "-A",
    options.main ?? MAIN,
    "generate",
    "-p",
    options.provider,
    ...(options.provider === "openai" ? ["-m", MODEL] : []),
    "-d",
    options.data,
    "-c",
    String(options.concurrency),
    "-o",
    options.out,
    "-y",
    "--overwrite",
  ];
}

/** `args` (`run ...`) with `flags` inserted after `run`. */
function withDenoFlags(args: string[], flags: string[] | undefined): string[] {
  return flags === undefined ? args : [args[0], ...flags, ...args.slice(1)];
}

/**
 * Environment of the CLI runs: the simulator as OpenAI endpoint, a fake key, an empty config home and dataset
 * cache (no user config or cache is read). `XDG_CACHE_HOME` is left alone: Deno keeps its module cache there.
 *
 * @example
 * ```ts
 * const env = cliEnv(sim.url, await Deno.makeTempDir());
 * ```
 */
export function cliEnv(simUrl: string, home: string): Record<string, string> {
  return {
    OPENAI_API_KEY: API_KEY,
    OPENAI_BASE_URL: `${simUrl}/v1`,
    XDG_CONFIG_HOME: `${home}/config`,
    SWEBENCH_CACHE_DIR: `${home}/cache`,
    NO_COLOR: "1",
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Measured processes.

/** One measured process. */
export interface ProcessRun {
  /** Exit code. */
  code: number;
  /** Wall time from spawn to exit, ms. */
  wallMs: number;
  /** Peak resident set size, MB (MiB); NaN when it could not be read. */
  rssMb: number;
  /** Standard error (the time tool's line removed). */
  stderr: string;
}

let timeTool: boolean | undefined;

async function hasTimeTool(): Promise<boolean> {
  if (timeTool === undefined) {
    try {
      const o = await new Deno.Command("/usr/bin/time", { args: ["-f", "%M", "true"], stderr: "piped" })
        .output();
      timeTool = o.success && /^\d+\s*$/.test(new TextDecoder().decode(o.stderr));
    } catch {
      timeTool = false;
    }
  }
  return timeTool;
}

/** Peak RSS (`VmHWM`) of a running process, kB; 0 when unreadable. */
function vmHwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const RSS_MARK = "@@bench-maxrss-kb=";

/**
 * Run `deno <args>` to completion: wall time (spawn to exit) and peak RSS (GNU time's `%M` when `/usr/bin/time`
 * works, else `VmHWM` polled every 10 ms from `/proc`, which can miss a final peak).
 *
 * @example
 * ```ts
 * const run = await measureProcess({ args: ["run", "-A", "main.ts", "--help"] });
 * console.log(run.wallMs, run.rssMb);
 * ```
 */
export async function measureProcess(
  options: { args: string[]; env?: Record<string, string>; rss?: boolean },
): Promise<ProcessRun> {
  const useTime = options.rss !== false && await hasTimeTool();
  const command = useTime
    ? new Deno.Command("/usr/bin/time", {
      args: ["-f", `${RSS_MARK}%M`, Deno.execPath(), ...options.args],
      env: options.env,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    })
    : new Deno.Command(Deno.execPath(), {
      args: options.args,
      env: options.env,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    });
  const started = performance.now();
  const child = command.spawn();
  let peakKb = 0;
  const poll = !useTime && options.rss !== false
    ? setInterval(() => (peakKb = Math.max(peakKb, vmHwm(child.pid))), 10)
    : undefined;
  const output = await child.output();
  const wallMs = performance.now() - started;
  if (poll !== undefined) clearInterval(poll);
  let stderr = new TextDecoder().decode(output.stderr);
  const at = stderr.lastIndexOf(RSS_MARK);
  if (at >= 0) {
    peakKb = Number(stderr.slice(at + RSS_MARK.length).trim());
    stderr = stderr.slice(0, at);
  }
  return { code: output.code, wallMs, rssMb: peakKb > 0 ? peakKb / 1024 : NaN, stderr };
}

/**
 * Run `run` for each contender in `names`, starting with contender `round % names.length` (rotation, so no
 * contender always runs first or last).
 *
 * @example
 * ```ts
 * await rotated(["a", "b"], round, async (name) => console.log(name));
 * ```
 */
export async function rotated<T>(
  names: readonly T[],
  round: number,
  run: (name: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < names.length; i++) await run(names[(round + i) % names.length]);
}

/**
 * Least-squares slope of `y` over `x`.
 *
 * @example
 * ```ts
 * slope([1, 2, 3], [2, 4, 6]); // 2
 * ```
 */
export function slope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (x[i] - mx) * (y[i] - my);
    den += (x[i] - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/**
 * The machine: logical CPUs, CPU model, load average, Deno and V8 versions.
 *
 * @example
 * ```ts
 * console.log(machineInfo().cpuModel);
 * ```
 */
export function machineInfo(): ReturnType<typeof runtimeInfo> & { cpuModel: string; loadavg: number[] } {
  let cpuModel = "unknown";
  try {
    cpuModel = /model name\s*:\s*(.+)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1]?.trim() ?? cpuModel;
  } catch { /* not Linux */ }
  return { ...runtimeInfo(), cpuModel, loadavg: Deno.loadavg() };
}

// ---------------------------------------------------------------------------------------------------------------
// The benchmark.

/** One contender of the benchmark. */
interface Contender {
  /** Key in the results: `gold`, `openai`, `raw`, or `gold@alt` / `openai@alt` for the `--alt` copy. */
  key: string;
  kind: "gold" | "openai" | "raw";
  /** The `main.ts` run (CLI contenders). */
  main?: string;
  /** Deno flags before `main.ts` (the `openai@semi4` contender: V8's young generation capped). */
  denoFlags?: string[];
}

/** The V8 flag the install line and `deno task compile` use (README): a small young generation, less peak RSS. */
export const SEMI_SPACE_FLAG = "--v8-flags=--max-semi-space-size=4";

/** Results of one CLI build (the repository's, or the `--alt` copy's). */
export interface CliBuildResult {
  /** `main.ts` path. */
  main: string;
  /** Median over rounds of (openai - gold) / raw. */
  ratio: number;
  /** Median over rounds of (openai - gold) - raw, ms. */
  excessMs: number;
}

/** JSON output of the benchmark. */
export interface CliBenchResult {
  /** Benchmark name. */
  bench: "cli";
  /** Machine and versions. */
  machine: ReturnType<typeof machineInfo>;
  /** Parameters. */
  params: {
    n: number;
    concurrency: number;
    rounds: number;
    helpRuns: number;
    rssSource: string;
    latencyMs?: number;
  };
  /** Median wall ms per contender key. */
  wallMs: Record<string, number>;
  /** Median peak RSS MB per contender key. */
  rssMb: Record<string, number>;
  /** The ratio (openai - gold) / raw per build: `ours`, `semi4` (ours at SEMI_SPACE_FLAG), `alt` with `--alt`. */
  builds: Record<string, CliBuildResult>;
  /** Cold start: median ms of `main.ts --help`, of an empty script, and the paired difference. */
  coldStart: {
    helpMs: number;
    emptyMs: number;
    oursMs: number;
    /** Median of the paired ratios `--help` / empty script (goal <= 2). */
    ratio: number;
    /** The `--alt` build's `--help`, and its paired ratio to the empty script. */
    altHelpMs?: number;
    altRatio?: number;
  };
  /** Predictions checked (last round) per contender key. */
  patches: Record<string, PredictionCheck>;
  /** Simulator counters of the last round per network contender (requests, prompt characters). */
  sent: Record<string, SimStats>;
  /** Raw per-round samples per contender key. */
  samples: Record<string, { wallMs: number; rssMb: number }[]>;
}

async function main(): Promise<void> {
  const tiny = flag("tiny");
  const json = flag("json");
  const custom = option("data", "");
  const n = custom !== ""
    ? (await Deno.readTextFile(custom)).split("\n").filter((l) => l.trim() !== "").length
    : Number(option("n", tiny ? "24" : "300"));
  const concurrency = Number(option("c", "32"));
  const rounds = Number(option("rounds", tiny ? "1" : "5"));
  const helpRuns = Number(option("help-runs", tiny ? "2" : "15"));
  const alt = option("alt", "");
  const contenders: Contender[] = [
    { key: "gold", kind: "gold", main: MAIN },
    { key: "openai", kind: "openai", main: MAIN },
    { key: "raw", kind: "raw" },
    // What `swebench` runs as installed or compiled (README): the same CLI with V8's young generation capped.
    { key: "openai@semi4", kind: "openai", main: MAIN, denoFlags: [SEMI_SPACE_FLAG] },
    ...(alt === "" ? [] : [
      { key: "gold@alt", kind: "gold", main: alt } as const,
      { key: "openai@alt", kind: "openai", main: alt } as const,
    ]),
  ];
  const dir = await Deno.makeTempDir({ prefix: "cli_bench_" });
  // --latency N: the simulator answers after N ms, as a real API does (memory and the plan alongside at real pace).
  const latencyMs = Number(option("latency", "0"));
  const sim = await startSimChild({ latencyMs });
  try {
    const data = custom !== ""
      ? custom
      : n === 300
      ? LITE_URL.pathname
      : await writeDataset(n, `${dir}/data.jsonl`);
    const gold = await loadGold();
    const env = cliEnv(sim.url, dir);
    const rssSource = (await hasTimeTool()) ? "/usr/bin/time %M" : "/proc VmHWM polling";
    const samples: CliBenchResult["samples"] = Object.fromEntries(contenders.map((c) => [c.key, []]));
    const patches: CliBenchResult["patches"] = {};
    const sent: CliBenchResult["sent"] = {};
    const runOne = async (c: Contender): Promise<ProcessRun> => {
      const out = `${dir}/${c.key.replace("@", "_")}.jsonl`;
      // Every run counts its prompts cold (the on-disk count cache of issue 15 would make later rounds hits).
      await Deno.remove(`${dir}/cache/token-counts`, { recursive: true }).catch(() => {});
      await sim.stats(); // reset the counters
      const run = await measureProcess({
        args: c.kind === "raw"
          ? rawClientArgs({ data, url: sim.url, concurrency, out })
          : withDenoFlags(cliArgs({ provider: c.kind, data, concurrency, out, main: c.main }), c.denoFlags),
        env,
      });
      if (run.code !== 0) throw new Error(`${c.key} exited ${run.code}:\n${run.stderr.slice(-2000)}`);
      const check = patches[c.key] = await checkPredictions(out, gold);
      if (check.equal !== n || check.distinct !== n) {
        throw new Error(`${c.key}: ${check.equal}/${n} patches equal to gold (${check.lines} lines)`);
      }
      const stats = await sim.stats();
      if (c.kind !== "gold") sent[c.key] = stats;
      return run;
    };
    progress(
      `cli_bench: ${n} instances, -c ${concurrency}, ${rounds} rounds (+1 warm-up), RSS by ${rssSource}` +
        (alt === "" ? "" : `; alt build ${alt}`),
    );
    for (let round = -1; round < rounds; round++) {
      await rotated(contenders, round + 1, async (c) => {
        const run = await runOne(c);
        if (round >= 0) samples[c.key].push({ wallMs: run.wallMs, rssMb: run.rssMb });
        progress(
          `  ${round < 0 ? "warm-up" : `round ${round + 1}/${rounds}`} ${c.key}: ${fmt(run.wallMs)} ms, ` +
            `${fmt(run.rssMb, 1)} MB`,
        );
      });
    }
    for (const [key, stats] of Object.entries(sent)) {
      if (stats.promptChars !== sent.raw.promptChars || stats.requests !== sent.raw.requests) {
        progress(
          `  note: ${key} sent ${stats.requests} requests / ${stats.promptChars} prompt chars, ` +
            `the raw client ${sent.raw.requests} / ${sent.raw.promptChars}`,
        );
      }
    }
    const build = (suffix: string, path: string): CliBuildResult => {
      const o = samples[`openai${suffix}`];
      const g = samples[`gold${suffix}`] ?? samples.gold;
      const r = samples.raw;
      return {
        main: path,
        ratio: median(o.map((s, i) => (s.wallMs - g[i].wallMs) / r[i].wallMs)),
        excessMs: median(o.map((s, i) => s.wallMs - g[i].wallMs - r[i].wallMs)),
      };
    };
    const builds: CliBenchResult["builds"] = { ours: build("", MAIN), semi4: build("@semi4", MAIN) };
    if (alt !== "") builds.alt = build("@alt", alt);

    // Cold start: `main.ts --help` vs an empty script, interleaved (one warm-up pair not counted).
    const empty = `${dir}/empty.ts`;
    await Deno.writeTextFile(empty, "");
    const help: number[] = [];
    const bare: number[] = [];
    const helpAlt: number[] = [];
    const which = alt === "" ? ["help", "empty"] as const : ["help", "empty", "help@alt"] as const;
    for (let i = -1; i < helpRuns; i++) {
      await rotated(which, i + 1, async (w) => {
        const run = await measureProcess({
          args: w === "empty" ? ["run", "-A", empty] : ["run", "-A", w === "help" ? MAIN : alt, "--help"],
          env: { NO_COLOR: "1", XDG_CONFIG_HOME: `${dir}/config` },
          rss: false,
        });
        if (run.code !== 0) throw new Error(`${w} exited ${run.code}: ${run.stderr}`);
        if (i >= 0) (w === "help" ? help : w === "empty" ? bare : helpAlt).push(run.wallMs);
      });
    }
    progress(`  cold start: ${helpRuns} interleaved pairs`);
    const result: CliBenchResult = {
      bench: "cli",
      machine: machineInfo(),
      params: { n, concurrency, rounds, helpRuns, rssSource, latencyMs },
      wallMs: Object.fromEntries(contenders.map((c) => [c.key, median(samples[c.key].map((s) => s.wallMs))])),
      rssMb: Object.fromEntries(contenders.map((c) => [c.key, median(samples[c.key].map((s) => s.rssMb))])),
      builds,
      coldStart: {
        helpMs: median(help),
        emptyMs: median(bare),
        oursMs: median(help.map((h, i) => h - bare[i])),
        ratio: median(help.map((h, i) => h / bare[i])),
        ...(alt === ""
          ? {}
          : { altHelpMs: median(helpAlt), altRatio: median(helpAlt.map((h, i) => h / bare[i])) }),
      },
      patches,
      sent,
      samples,
    };
    if (json) console.log(JSON.stringify(result, null, 2));
    else console.log(renderCli(result));
  } finally {
    await sim.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const okMark = (ok: boolean) => (ok ? "yes" : "NO");

const LABELS: Record<string, string> = {
  gold: "CLI -p gold",
  openai: "CLI -p openai",
  raw: "raw fetch client",
  "gold@alt": "CLI -p gold (--alt build)",
  "openai@alt": "CLI -p openai (--alt build)",
  "openai@semi4": "CLI -p openai, --max-semi-space-size=4",
};

/**
 * The result as Markdown tables (wall times and RSS per contender; then ratios against the goals).
 *
 * @example
 * ```ts
 * console.log(renderCli(result));
 * ```
 */
export function renderCli(r: CliBenchResult): string {
  const m = r.machine;
  const head = `${r.params.n} instances, -c ${r.params.concurrency}, ` +
    `${r.params.latencyMs ? `${r.params.latencyMs} ms` : "zero"}-latency OpenAI simulator in its own ` +
    `process; medians of ${r.params.rounds} interleaved rounds; ${m.cpus} CPUs (${m.cpuModel}), Deno ${m.deno}, ` +
    `load ${m.loadavg.map((l) => l.toFixed(1)).join(" ")}; RSS by ${r.params.rssSource}`;
  const contenders = markdownTable(
    ["contender", "wall ms", "peak RSS MB", "patches = gold"],
    Object.keys(r.wallMs).map((key) => [
      LABELS[key] ?? key,
      fmt(r.wallMs[key]),
      fmt(r.rssMb[key], 1),
      `${r.patches[key]?.equal ?? 0}/${r.patches[key]?.lines ?? 0}`,
    ]),
  );
  const rows: string[][] = [];
  for (const [name, b] of Object.entries(r.builds)) {
    const tag = name === "ours" ? "" : ` (${name})`;
    const rss = r.rssMb[name === "ours" ? "openai" : `openai@${name}`];
    rows.push(
      [`(openai - gold) / raw${tag}`, `${fmt(b.ratio, 2)}x`, "<= 1.1x", okMark(b.ratio <= 1.1)],
      [`(openai - gold) - raw${tag}, ms`, fmt(b.excessMs), "-", "-"],
      [`peak RSS openai run${tag}, MB`, fmt(rss, 1), "<= 150", okMark(rss <= 150)],
    );
  }
  rows.push(
    ["--help cold start, ms", fmt(r.coldStart.helpMs), "<= 150", okMark(r.coldStart.helpMs <= 150)],
    ["empty script, ms", fmt(r.coldStart.emptyMs), "-", "-"],
    ["--help - empty (ours), ms", fmt(r.coldStart.oursMs), "-", "-"],
    ["--help / empty script", `${fmt(r.coldStart.ratio, 2)}x`, "<= 2x", okMark(r.coldStart.ratio <= 2)],
  );
  if (r.coldStart.altHelpMs !== undefined) {
    rows.push(
      ["--help cold start (alt), ms", fmt(r.coldStart.altHelpMs), "-", "-"],
      ["--help / empty script (alt)", `${fmt(r.coldStart.altRatio ?? NaN, 2)}x`, "-", "-"],
    );
  }
  const goals = markdownTable(["metric", "value", "goal", "met"], rows);
  return `${head}\n\n${contenders}\n\n${goals}`;
}

if (import.meta.main) {
  if (flag("serve")) await serve();
  else if (flag("raw-client")) await rawClient();
  else await main();
}
