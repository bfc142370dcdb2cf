/**
 * Scale benchmark (issue 7, item 6): up to 2,294 instances (the size of the full SWE-bench test split; Lite rows
 * repeated with unique `-rN` instance ids) through the OpenAI simulator with a fixed latency (default 50 ms) at
 * `-c 64`.
 *
 * Reported per N (300, 1000, 2294): the wall time of the CLI (`main.ts generate -p openai`) and of the minimal
 * raw-`fetch` client of `bench/cli_bench.ts`, against the ideal `ceil(N / c) x latency`; the CLI's batch span
 * (first call started to last call finished, from its run log: the wall time without process start, dataset load
 * and planning) against the same ideal; and the peak RSS of both, with the least-squares slope in MB per 1,000
 * instances (memory flat in N means a slope near 0; the raw client, which holds every row, is the reference).
 *
 * Method. The simulator runs in its own process (on 2 cores it still competes with the client for CPU, as do other
 * users of a shared machine). Each round runs every (N, contender) pair once, the starting pair rotating; one
 * warm-up round is not counted; medians over rounds. Every predictions file is checked: N lines, every patch equal
 * to the gold patch.
 *
 * Run: `deno run -A bench/scale_bench.ts [--rounds 3] [--sizes 300,1000,2294] [--c 64] [--latency 50] [--tiny]
 *   [--json] [--alt path/to/main.ts]` (`--alt`: also run another build, e.g. a patched copy, in the same rounds).
 *
 * @module
 */
import {
  checkPredictions,
  cliArgs,
  cliEnv,
  loadGold,
  machineInfo,
  measureProcess,
  rawClientArgs,
  rotated,
  slope,
  startSimChild,
  writeDataset,
} from "./cli_bench.ts";
import { flag, fmt, markdownTable, median, option, progress } from "./common.ts";

/** Medians of one contender at one N. */
export interface ScalePoint {
  /** Instances. */
  n: number;
  /** Contender: `cli`, `raw`, or `cli@alt`. */
  contender: string;
  /** Median wall time, ms (process spawn to exit). */
  wallMs: number;
  /** Median batch span from the run log, ms (CLI only; NaN for the raw client). */
  spanMs: number;
  /** Ideal `ceil(N / c) x latency`, ms. */
  idealMs: number;
  /** Median of wall / ideal. */
  wallRatio: number;
  /** Median of span / ideal (CLI only). */
  spanRatio: number;
  /** Median peak RSS, MB. */
  rssMb: number;
}

/** JSON output of the benchmark. */
export interface ScaleBenchResult {
  /** Benchmark name. */
  bench: "scale";
  /** Machine and versions. */
  machine: ReturnType<typeof machineInfo>;
  /** Parameters. */
  params: { sizes: number[]; concurrency: number; latencyMs: number; rounds: number };
  /** One point per (N, contender). */
  points: ScalePoint[];
  /** Least-squares slope of the median peak RSS over N, MB per 1,000 instances, per contender. */
  rssSlopeMbPer1000: Record<string, number>;
  /** Median over rounds of CLI wall / raw wall, per N. */
  cliOverRaw: Record<string, number>;
}

/** First start to last finish of the attempts in a run log, ms. */
async function batchSpan(runLog: string): Promise<number> {
  let first = Infinity;
  let last = -Infinity;
  for (const line of (await Deno.readTextFile(runLog)).split("\n")) {
    if (line.trim() === "") continue;
    const r = JSON.parse(line) as { startedAt: string; finishedAt: string };
    first = Math.min(first, Date.parse(r.startedAt));
    last = Math.max(last, Date.parse(r.finishedAt));
  }
  return last - first;
}

async function main(): Promise<void> {
  const tiny = flag("tiny");
  const json = flag("json");
  const sizes = option("sizes", tiny ? "16,48" : "300,1000,2294").split(",").map(Number);
  const concurrency = Number(option("c", tiny ? "16" : "64"));
  const latencyMs = Number(option("latency", tiny ? "20" : "50"));
  const rounds = Number(option("rounds", tiny ? "1" : "3"));
  const alt = option("alt", "");
  const contenders = ["cli", "raw", ...(alt === "" ? [] : ["cli@alt"])];
  const dir = await Deno.makeTempDir({ prefix: "scale_bench_" });
  const sim = await startSimChild({ latencyMs });
  try {
    const gold = await loadGold();
    const env = cliEnv(sim.url, dir);
    const data = new Map<number, string>();
    for (const n of sizes) data.set(n, await writeDataset(n, `${dir}/data_${n}.jsonl`));
    type Sample = { wallMs: number; spanMs: number; rssMb: number; rawWallMs?: number };
    const samples = new Map<string, Sample[]>();
    const pairs = sizes.flatMap((n) => contenders.map((contender) => ({ n, contender })));
    for (const p of pairs) samples.set(`${p.n}/${p.contender}`, []);
    progress(
      `scale_bench: N = ${sizes.join(", ")}, -c ${concurrency}, latency ${latencyMs} ms, ${rounds} rounds ` +
        `(+1 warm-up)${alt === "" ? "" : `; alt build ${alt}`}`,
    );
    for (let round = -1; round < rounds; round++) {
      await rotated(pairs, round + 1, async ({ n, contender }) => {
        const out = `${dir}/${contender.replace("@", "_")}_${n}.jsonl`;
        const run = await measureProcess({
          args: contender === "raw"
            ? rawClientArgs({ data: data.get(n)!, url: sim.url, concurrency, out })
            : cliArgs({
              provider: "openai",
              data: data.get(n)!,
              concurrency,
              out,
              main: contender === "cli@alt" ? alt : undefined,
            }),
          env,
        });
        if (run.code !== 0) {
          throw new Error(`${contender} N=${n} exited ${run.code}:\n${run.stderr.slice(-2000)}`);
        }
        const check = await checkPredictions(out, gold);
        if (check.equal !== n || check.distinct !== n) {
          throw new Error(
            `${contender} N=${n}: ${check.equal}/${n} patches equal to gold (${check.lines} lines)`,
          );
        }
        const spanMs = contender === "raw" ? NaN : await batchSpan(`${out}.runlog.jsonl`);
        if (round >= 0) {
          samples.get(`${n}/${contender}`)!.push({ wallMs: run.wallMs, spanMs, rssMb: run.rssMb });
        }
        progress(
          `  ${round < 0 ? "warm-up" : `round ${round + 1}/${rounds}`} N=${n} ${contender}: ` +
            `${fmt(run.wallMs)} ms${Number.isNaN(spanMs) ? "" : ` (batch ${fmt(spanMs)} ms)`}, ` +
            `${fmt(run.rssMb, 1)} MB`,
        );
      });
    }
    const points: ScalePoint[] = pairs.map(({ n, contender }) => {
      const s = samples.get(`${n}/${contender}`)!;
      const idealMs = Math.ceil(n / concurrency) * latencyMs;
      return {
        n,
        contender,
        wallMs: median(s.map((x) => x.wallMs)),
        spanMs: median(s.map((x) => x.spanMs)),
        idealMs,
        wallRatio: median(s.map((x) => x.wallMs / idealMs)),
        spanRatio: median(s.map((x) => x.spanMs / idealMs)),
        rssMb: median(s.map((x) => x.rssMb)),
      };
    });
    const rssSlopeMbPer1000: Record<string, number> = {};
    for (const contender of contenders) {
      const mine = points.filter((p) => p.contender === contender);
      rssSlopeMbPer1000[contender] = slope(mine.map((p) => p.n), mine.map((p) => p.rssMb)) * 1000;
    }
    const cliOverRaw: Record<string, number> = {};
    for (const n of sizes) {
      const cli = samples.get(`${n}/cli`)!;
      const raw = samples.get(`${n}/raw`)!;
      cliOverRaw[n] = median(cli.map((c, i) => c.wallMs / raw[i].wallMs));
    }
    const result: ScaleBenchResult = {
      bench: "scale",
      machine: machineInfo(),
      params: { sizes, concurrency, latencyMs, rounds },
      points,
      rssSlopeMbPer1000,
      cliOverRaw,
    };
    if (json) console.log(JSON.stringify(result, null, 2));
    else console.log(renderScale(result));
  } finally {
    await sim.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const LABELS: Record<string, string> = {
  cli: "CLI -p openai",
  raw: "raw fetch client",
  "cli@alt": "CLI (--alt)",
};

/**
 * The result as Markdown tables: per N and contender, wall and batch span against the ideal, and peak RSS; then
 * the RSS slope.
 *
 * @example
 * ```ts
 * console.log(renderScale(result));
 * ```
 */
export function renderScale(r: ScaleBenchResult): string {
  const m = r.machine;
  const head =
    `-c ${r.params.concurrency}, simulator latency ${r.params.latencyMs} ms (own process), ideal = ` +
    `ceil(N / c) x latency; medians of ${r.params.rounds} interleaved rounds; ${m.cpus} CPUs (${m.cpuModel}), ` +
    `Deno ${m.deno}, load ${m.loadavg.map((l) => l.toFixed(1)).join(" ")}`;
  const table = markdownTable(
    [
      "N",
      "contender",
      "ideal ms",
      "wall ms",
      "wall / ideal",
      "batch ms",
      "batch / ideal",
      "CLI / raw",
      "RSS MB",
    ],
    r.points.map((p) => [
      String(p.n),
      LABELS[p.contender] ?? p.contender,
      fmt(p.idealMs),
      fmt(p.wallMs),
      `${fmt(p.wallRatio, 2)}x`,
      fmt(p.spanMs),
      Number.isNaN(p.spanRatio) ? "-" : `${fmt(p.spanRatio, 2)}x`,
      p.contender === "cli" ? `${fmt(r.cliOverRaw[p.n], 2)}x` : "-",
      fmt(p.rssMb, 1),
    ]),
  );
  const sizes = r.params.sizes;
  const memory = markdownTable(
    ["contender", `RSS at N=${sizes[0]}`, `RSS at N=${sizes[sizes.length - 1]}`, "slope MB / 1000 inst"],
    Object.entries(r.rssSlopeMbPer1000).map(([contender, s]) => {
      const at = (n: number) => r.points.find((p) => p.contender === contender && p.n === n)?.rssMb ?? NaN;
      return [
        LABELS[contender] ?? contender,
        fmt(at(sizes[0]), 1),
        fmt(at(sizes[sizes.length - 1]), 1),
        fmt(s, 1),
      ];
    }),
  );
  return `${head}\n\n${table}\n\n${memory}`;
}

if (import.meta.main) await main();
