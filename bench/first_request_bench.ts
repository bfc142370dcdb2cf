/**
 * Time to the first request (issue 15 §1, §5 goal: <= 300 ms on 300 instances): `generate -p openai -m gpt-4o-mini`
 * over the 300 SWE-bench Lite test instances with `-y` (no confirmation), the whole CLI in a child process, the
 * OpenAI simulator in this process at zero latency. Measured from spawn to the simulator's arrival of the first
 * chat request; also the wall time of the run. Cold: a fresh cache directory each run (no token counts on disk);
 * warm: the same run again with `--overwrite` over a cache the first run filled.
 *
 * `--alt path/to/main.ts[,other/main.ts]` adds other builds (e.g. checkouts of earlier commits) to the same
 * interleaved rounds: the before/after table side by side. A minimal raw-`fetch` client (bench/cli_bench.ts
 * `--raw-client`: reads the rows, builds the same prompt, sends it) runs in the same rounds as the machine's floor:
 * this machine's Deno start and file read, without any of the CLI; each build's first request is also given as a
 * ratio to it (median of the per-round ratios). Nothing is asserted; the numbers go to docs/benchmarks.md.
 *
 * Run: `deno run -A bench/first_request_bench.ts [--rounds 7] [--n 300] [--alt ../before/main.ts] [--json]`
 * (`--tiny`: 20 instances, 2 rounds: what the smoke test runs).
 *
 * @module
 */
import { startOpenAISim } from "../tests/simulator/mod.ts";
import { childEnv, flag, fmt, markdownTable, median, option, progress } from "./common.ts";
import { API_KEY as KEY, machineInfo, rawClientArgs, ROOT, writeDataset } from "./cli_bench.ts";

interface Sample {
  /** Spawn to the first chat request, ms. */
  firstMs: number;
  /** Spawn to exit, ms. */
  wallMs: number;
}

interface Contender {
  name: string;
  /** The CLI's main.ts; none for the raw client. */
  main?: string;
  cold: Sample[];
  warm: Sample[];
}

async function main(): Promise<void> {
  const tiny = flag("tiny");
  const rounds = Number(option("rounds", tiny ? "2" : "7"));
  const n = Number(option("n", tiny ? "20" : "300"));
  const alt = option("alt", "");
  const dir = await Deno.makeTempDir({ prefix: "swebench-first-request-" });
  const data = await writeDataset(n, `${dir}/lite.jsonl`);
  let first: number | undefined;
  await using sim = await startOpenAISim({
    apiKey: KEY,
    tokenizer: "approx",
    respond: () => {
      first ??= Date.now();
      return "No patch.";
    },
  });
  const contenders: Contender[] = [
    { name: "this build", main: new URL("main.ts", ROOT).pathname, cold: [], warm: [] },
    ...alt.split(",").filter(Boolean).map((main) => ({ name: `--alt ${main}`, main, cold: [], warm: [] })),
    { name: "raw fetch client", cold: [], warm: [] },
  ];
  const run = async (c: Contender, home: string, extra: string[]): Promise<Sample> => {
    first = undefined;
    const out = `${home}/p.jsonl`;
    const t0 = Date.now();
    const r = await new Deno.Command(Deno.execPath(), {
      args: c.main === undefined
        // The raw client has no count cache: its warm run is another cold one.
        ? rawClientArgs({ data, url: sim.url, concurrency: 8, out })
        : [
          "run",
          "-A",
          c.main,
          ...`generate -p openai -m gpt-4o-mini -d ${data} -o ${out} -y`.split(" "),
          ...extra,
        ],
      clearEnv: true,
      env: childEnv(home, { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` }),
      stdout: "null",
      stderr: "piped",
    }).output();
    const wallMs = Date.now() - t0;
    sim.requests.length = 0;
    if (r.code !== 0) throw new Error(`${c.name} exited ${r.code}: ${new TextDecoder().decode(r.stderr)}`);
    return { firstMs: first === undefined ? NaN : first - t0, wallMs };
  };
  // One warm-up of each build (Deno's module cache), not counted.
  for (const c of contenders) await run(c, await Deno.makeTempDir({ dir }), []);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      progress(`round ${r + 1}/${rounds}: ${c.name}`);
      const home = await Deno.makeTempDir({ dir });
      c.cold.push(await run(c, home, []));
      c.warm.push(await run(c, home, ["--overwrite"]));
    }
  }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  const doc = { machine: machineInfo(), n, rounds, contenders };
  if (flag("json")) console.log(JSON.stringify(doc, null, 2));
  else console.log(render(doc));
}

function render(d: { n: number; rounds: number; contenders: Contender[] }): string {
  const med = (xs: Sample[], f: (s: Sample) => number) => fmt(median(xs.map(f)));
  const raw = d.contenders.find((c) => c.main === undefined)!;
  /** Median over rounds of this build's first request (cold) / the raw client's in the same round. */
  const ratio = (c: Contender) =>
    c === raw ? "1.00x" : `${median(c.cold.map((s, i) => s.firstMs / raw.cold[i].firstMs)).toFixed(2)}x`;
  return [
    `${d.n} Lite instances, -y, ${d.rounds} interleaved rounds, medians (ms from spawn):`,
    markdownTable(
      [
        "build",
        "first request (cold counts)",
        "first request (warm counts)",
        "first request / raw client's",
        "wall (cold)",
        "wall (warm)",
      ],
      d.contenders.map((c) => [
        c.name,
        med(c.cold, (s) => s.firstMs),
        med(c.warm, (s) => s.firstMs),
        ratio(c),
        med(c.cold, (s) => s.wallMs),
        med(c.warm, (s) => s.wallMs),
      ]),
    ),
  ].join("\n");
}

if (import.meta.main) await main();
