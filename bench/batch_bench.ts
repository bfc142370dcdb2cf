/**
 * Batch mode against a normal run (issue 14 §9), on the simulators: the whole CLI in a child process, the OpenAI
 * (Batch API) and Anthropic (Message Batches) simulators in this process, answering each instance with its gold patch.
 *
 * 1. SWE-bench Lite test (300 instances), per vendor: a normal run (`-c 32`) and a `--batch` run, interleaved rounds,
 *    medians. Reported: the cost of each (the run's own summary: list price vs batch price) and their ratio, the HTTP
 *    requests each sent (the simulator's log: calls; or upload, create, polls, downloads), the time from the command
 *    to its first model request (normal) or to its batch being created (batch), and the wall time.
 * 2. Submitting 2,294 instances (the size of SWE-bench full's test split), per vendor: the time from the command to
 *    the batch created, its bytes. The full test split is read from `../shared/data/swe-bench/full-test.jsonl` when it
 *    is there; it is not today, so the 2,294 rows are the Lite test rows cycled with suffixed ids (Lite's prompt
 *    sizes, full's count): the figure says which it used.
 *
 * The simulated batches end after a few polls (`--poll-interval 0.2`): the wall time of a batch run here is the tool's
 * own overhead, not a provider's turnaround (hours). Nothing is asserted; the numbers go to docs/benchmarks.md.
 *
 * Run: `deno run -A bench/batch_bench.ts [--rounds 3] [--n 300] [--full 2294] [--vendors openai,anthropic] [--json]`
 * (`--tiny`: 20 instances, one round, 60 for the second part: what the smoke test runs).
 *
 * @module
 */
import {
  type BatchSimulator,
  type SimRequest,
  startAnthropicSim,
  startOpenAISim,
} from "../tests/simulator/mod.ts";
import { childEnv, DATA_DIR, flag, fmt, markdownTable, median, option, progress } from "./common.ts";
import { LITE_URL, loadGold, machineInfo, ROOT, writeDataset } from "./cli_bench.ts";

const MAIN = new URL("main.ts", ROOT).pathname;
const KEY = "sk-bench-batch-000000000000";
/** Anthropic's count_tokens (free; the plan's exact counts). */
const COUNT = /\/count_tokens$/;
const FULL_URL = new URL("swe-bench/full-test.jsonl", DATA_DIR);

interface Vendor {
  name: "openai" | "anthropic";
  model: string;
  start: () => Promise<BatchSimulator>;
  env: (sim: BatchSimulator) => Record<string, string>;
  call: RegExp;
  create: RegExp;
}

async function responder(): Promise<(req: { body: unknown }) => string> {
  const gold = await loadGold();
  const lines = (await Deno.readTextFile(LITE_URL)).split("\n").filter(Boolean).map((l) =>
    JSON.parse(l) as { instance_id: string; base_commit: string; problem_statement: string }
  );
  return (req) => {
    const text = JSON.stringify(req.body);
    const row = lines.find((r) =>
      text.includes(r.base_commit) &&
      text.includes(JSON.stringify(r.problem_statement.slice(0, 120)).slice(1, -1))
    );
    const patch = row ? gold(row.instance_id) : undefined;
    return patch ? `<patch>\n${patch}</patch>` : "No patch.";
  };
}

async function vendors(): Promise<Vendor[]> {
  const respond = await responder();
  // Latency 0, the approximate tokenizer (the simulator's CPU is not what is measured).
  const common = { respond, apiKey: KEY, tokenizer: "approx" as const, batch: { stepsPerPoll: 1 } };
  return [
    {
      name: "openai",
      model: "gpt-4o-mini",
      start: () => startOpenAISim(common),
      env: (sim) => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` }),
      call: /\/chat\/completions$/,
      create: /^\/v1\/batches$/,
    },
    {
      name: "anthropic",
      model: "claude-haiku-4-5",
      start: () => startAnthropicSim(common),
      env: (sim) => ({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: sim.url }),
      call: /\/v1\/messages$/,
      create: /^\/v1\/messages\/batches$/,
    },
  ];
}

/** One measured CLI run. */
interface Run {
  code: number;
  costUsd: number;
  ok: number;
  /** HTTP requests the simulator received from the run: model calls, free token counts, batch API requests. */
  requests: { total: number; calls: number; counts: number; batch: number };
  /** From spawn to the first model request (normal) or the batch create request (batch), ms. */
  toFirstMs: number;
  wallMs: number;
  /** Bytes of the batches submitted (batch runs). */
  batchBytes?: number;
}

async function runCli(
  v: Vendor,
  sim: BatchSimulator,
  data: string,
  out: string,
  batch: boolean,
): Promise<Run> {
  const home = await Deno.makeTempDir({ prefix: "swebench-batch-bench-" });
  const from = sim.requests.length;
  // Temp paths hold no spaces.
  const args = `run -A ${MAIN} generate -p ${v.name} -m ${v.model} -d ${data} -o ${out} -y --json`.split(" ");
  if (batch) args.push("--batch", "--poll-interval", "0.2");
  else args.push("-c", "32");
  const t0 = Date.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    clearEnv: true,
    env: childEnv(home, v.env(sim)),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const r = await child.output();
  const wallMs = Date.now() - t0;
  const mine: SimRequest[] = sim.requests.slice(from);
  sim.requests.length = 0; // the log holds every body: keep it small between runs
  if (r.code !== 0 && r.code !== 4) {
    throw new Error(
      `${v.name} ${batch ? "batch" : "normal"} exited ${r.code}: ${new TextDecoder().decode(r.stderr)}`,
    );
  }
  const doc = JSON.parse(new TextDecoder().decode(r.stdout));
  const firstOf = (re: RegExp) => mine.find((q) => re.test(q.path))?.receivedAt;
  const first = batch ? firstOf(v.create) : firstOf(v.call);
  const journal = batch
    ? JSON.parse(await Deno.readTextFile(`${out}.batch.json`)) as { submissions: { bytes: number }[] }
    : undefined;
  await Deno.remove(home, { recursive: true }).catch(() => {});
  return {
    code: r.code,
    costUsd: doc.costUsd,
    ok: doc.ok,
    requests: {
      total: mine.length,
      calls: mine.filter((q) => v.call.test(q.path)).length,
      counts: mine.filter((q) => COUNT.test(q.path)).length,
      batch: mine.filter((q) => !v.call.test(q.path) && !COUNT.test(q.path)).length,
    },
    toFirstMs: first === undefined ? NaN : first - t0,
    wallMs,
    ...(journal ? { batchBytes: journal.submissions.reduce((s, x) => s + x.bytes, 0) } : {}),
  };
}

interface VendorResult {
  vendor: string;
  model: string;
  normal: Run[];
  batch: Run[];
  full?: Run;
}

async function main(): Promise<void> {
  const tiny = flag("tiny");
  const rounds = Number(option("rounds", tiny ? "1" : "3"));
  const n = Number(option("n", tiny ? "20" : "300"));
  const fullN = Number(option("full", tiny ? "60" : "2294"));
  const names = option("vendors", "openai,anthropic").split(",");
  const dir = await Deno.makeTempDir({ prefix: "swebench-batch-bench-data-" });
  const lite = await writeDataset(n, `${dir}/lite.jsonl`);
  let fullSource: string;
  let full: string;
  try {
    const rows = (await Deno.readTextFile(FULL_URL)).split("\n").filter(Boolean);
    if (rows.length < fullN) throw new Error(`${rows.length} rows`);
    full = `${dir}/full.jsonl`;
    await Deno.writeTextFile(full, rows.slice(0, fullN).join("\n") + "\n");
    fullSource = `${FULL_URL.pathname} (${fullN} rows)`;
  } catch {
    full = await writeDataset(fullN, `${dir}/full.jsonl`);
    fullSource =
      `ABSENT: ${FULL_URL.pathname} is not in the shared data; ${fullN} rows = the Lite test rows cycled ` +
      `with suffixed ids (Lite's prompt sizes, full's count)`;
    console.error(`note: ${fullSource}`);
  }
  const results: VendorResult[] = [];
  for (const v of (await vendors()).filter((x) => names.includes(x.name))) {
    await using sim = await v.start();
    const res: VendorResult = { vendor: v.name, model: v.model, normal: [], batch: [] };
    // One warm-up run of each (module cache, token-count cache of this home is fresh each run anyway).
    await runCli(v, sim, lite, `${dir}/warm-${v.name}.jsonl`, false);
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [false, true] : [true, false];
      for (const batch of order) {
        progress(`${v.name} round ${r + 1}/${rounds}: ${batch ? "batch" : "normal"}`);
        const run = await runCli(v, sim, lite, `${dir}/${v.name}-${r}-${batch ? "b" : "n"}.jsonl`, batch);
        (batch ? res.batch : res.normal).push(run);
      }
    }
    progress(`${v.name}: ${fullN} instances through --batch`);
    res.full = await runCli(v, sim, full, `${dir}/${v.name}-full.jsonl`, true);
    results.push(res);
  }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  const doc = { machine: machineInfo(), n, rounds, fullN, fullSource, results };
  if (flag("json")) console.log(JSON.stringify(doc, null, 2));
  else console.log(render(doc));
}

/** `300 calls`, `4 batch + 300 count_tokens`: the medians of each kind that occurred. */
function requestsText(runs: Run[]): string {
  const m = (f: (r: Run) => number) => median(runs.map(f));
  const parts = [
    [m((x) => x.requests.calls), "calls"],
    [m((x) => x.requests.batch), "batch API"],
    [m((x) => x.requests.counts), "count_tokens (free)"],
  ] as const;
  return parts.filter(([k]) => k > 0).map(([k, what]) => `${fmt(k)} ${what}`).join(" + ");
}

function render(
  d: { n: number; rounds: number; fullN: number; fullSource: string; results: VendorResult[] },
): string {
  const med = (runs: Run[], f: (r: Run) => number) => median(runs.map(f));
  const rows = d.results.flatMap((r) => {
    const cost = (runs: Run[]) => med(runs, (x) => x.costUsd);
    return [
      [
        `${r.vendor}:${r.model} normal (-c 32)`,
        `$${cost(r.normal).toFixed(4)}`,
        "",
        requestsText(r.normal),
        `${fmt(med(r.normal, (x) => x.toFirstMs))} ms to first call`,
        `${fmt(med(r.normal, (x) => x.wallMs))} ms`,
      ],
      [
        `${r.vendor}:${r.model} --batch`,
        `$${cost(r.batch).toFixed(4)}`,
        (cost(r.batch) / cost(r.normal)).toFixed(3),
        requestsText(r.batch),
        `${fmt(med(r.batch, (x) => x.toFirstMs))} ms to batch created`,
        `${fmt(med(r.batch, (x) => x.wallMs))} ms`,
      ],
    ];
  });
  const full = d.results.map((r) => [
    `${r.vendor}:${r.model}`,
    fmt(r.full!.ok),
    `${fmt(r.full!.toFirstMs)} ms`,
    `${((r.full!.batchBytes ?? 0) / 1e6).toFixed(1)} MB`,
    requestsText([r.full!]),
    `${fmt(r.full!.wallMs)} ms`,
  ]);
  return [
    `${d.n} Lite instances, ${d.rounds} interleaved rounds, medians:`,
    markdownTable(["run", "cost", "batch/normal", "HTTP requests", "from command to", "wall"], rows),
    "",
    `${d.fullN} instances through --batch (${d.fullSource}):`,
    markdownTable(["model", "ok", "command -> batch created", "batch size", "HTTP requests", "wall"], full),
  ].join("\n");
}

if (import.meta.main) await main();
