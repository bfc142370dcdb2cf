/**
 * Before/after per-request overhead of the provider layer, in one run: this checkout's `createProvider` against
 * another checkout's (`--alt ../before`), interleaved with a raw `fetch` client, against the zero-latency
 * simulators of `overhead_bench.ts --serve` in a child process (its `startSimChild`). Each sample is `n` requests at concurrency `c`;
 * per request we record the wall time and the client process's CPU time; rounds rotate the starting contender and
 * the table reports medians of the per-round paired ratios and differences (drift on a shared machine cancels).
 *
 * Run: `deno run -A bench/ab_overhead.ts --alt ../before [--rounds 7] [--n 300] [--sn 120] [--json]`
 * (`../before`: e.g. `git worktree add --detach ../before <commit>`).
 *
 * @module
 */
import { flag, fmt, loadWorkload, markdownTable, median, option, progress, runtimeInfo } from "./common.ts";
import type { Provider } from "../src/mod.ts";
import { startSimChild } from "./overhead_bench.ts";
import process from "node:process";

const KEY = "sk-bench-0000000000000000";
const MODELS = { openai: "gpt-4o-mini", anthropic: "claude-sonnet-4-6" } as const;
type Vendor = keyof typeof MODELS;

interface Contender {
  name: string;
  call(): Promise<string>;
}

/** One sample: `n` calls at concurrency `c`; per-request wall and CPU in µs. */
async function sample(c: Contender, n: number, concurrency: number): Promise<{ wall: number; cpu: number }> {
  const cpu0 = Deno.build.os === "linux" ? processCpu() : 0;
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      next++;
      const text = await c.call();
      if (text.length < 100) throw new Error(`${c.name}: short answer`);
    }
  }));
  const wall = (performance.now() - t0) * 1000 / n;
  const cpu = (processCpu() - cpu0) / n;
  return { wall, cpu };
}

function processCpu(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function main(): Promise<void> {
  const altRoot = option("alt", "");
  if (altRoot === "") throw new Error("--alt <path to another checkout> is required");
  const rounds = Number(option("rounds", "7"));
  const n = Number(option("n", "300"));
  const sn = Number(option("sn", "120"));
  const work = await loadWorkload();
  const ours = await import("../src/mod.ts");
  const alt = await import(new URL(`${altRoot.replace(/\/$/, "")}/src/mod.ts`, `file://${Deno.cwd()}/`).href);
  const sim = await startSimChild();
  try {
    const make = (lib: typeof ours, vendor: Vendor): Provider =>
      lib.createProvider({
        kind: vendor,
        apiKey: KEY,
        baseUrl: vendor === "openai" ? `${sim.openai}/v1` : sim.anthropic,
      });
    const request = (vendor: Vendor, stream: boolean) => ({
      model: MODELS[vendor],
      system: work.system,
      prompt: work.prompt,
      maxTokens: 4096,
      stream,
    });
    const raw = (vendor: Vendor): Contender => ({
      name: "raw fetch",
      async call() {
        const url = vendor === "openai"
          ? `${sim.openai}/v1/chat/completions`
          : `${sim.anthropic}/v1/messages`;
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (vendor === "openai") headers.authorization = `Bearer ${KEY}`;
        else Object.assign(headers, { "x-api-key": KEY, "anthropic-version": "2023-06-01" });
        const body = vendor === "openai"
          ? {
            model: MODELS.openai,
            max_tokens: 4096,
            messages: [{ role: "system", content: work.system }, { role: "user", content: work.prompt }],
          }
          : {
            model: MODELS.anthropic,
            max_tokens: 4096,
            system: work.system,
            messages: [{ role: "user", content: work.prompt }],
          };
        const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
        const json = await res.json();
        return vendor === "openai" ? json.choices[0].message.content : json.content[0].text;
      },
    });
    const layer = (name: string, p: Provider, vendor: Vendor, stream: boolean): Contender => ({
      name,
      async call() {
        return (await p.generate(request(vendor, stream))).content;
      },
    });
    const cells: { vendor: Vendor; stream: boolean; c: number; n: number }[] = [
      { vendor: "openai", stream: false, c: 1, n },
      { vendor: "openai", stream: true, c: 16, n: sn },
      { vendor: "anthropic", stream: false, c: 1, n },
      { vendor: "anthropic", stream: true, c: 16, n: sn },
    ];
    const rows: string[][] = [];
    const results: unknown[] = [];
    for (const cell of cells) {
      const contenders = [
        raw(cell.vendor),
        layer("after", make(ours, cell.vendor), cell.vendor, cell.stream),
        layer("before", make(alt, cell.vendor), cell.vendor, cell.stream),
      ];
      for (const c of contenders) await sample(c, Math.min(20, cell.n), cell.c); // warm-up
      const ratioCpu: number[] = [];
      const ratioWall: number[] = [];
      const overAfter: number[] = [];
      const overBefore: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
        const got: Record<string, { wall: number; cpu: number }> = {};
        for (const c of order) got[c.name] = await sample(c, cell.n, cell.c);
        ratioCpu.push(got.after.cpu / got.before.cpu);
        ratioWall.push(got.after.wall / got.before.wall);
        overAfter.push(got.after.cpu - got["raw fetch"].cpu);
        overBefore.push(got.before.cpu - got["raw fetch"].cpu);
        progress(`${cell.vendor} ${cell.stream ? "stream" : "plain"} c=${cell.c} round ${r + 1}/${rounds}`);
      }
      const label = `${cell.vendor} ${cell.stream ? "stream" : "plain"} c=${cell.c}`;
      rows.push([
        label,
        `${fmt(median(ratioCpu), 2)} / ${fmt(median(ratioWall), 2)}`,
        // The raw client reads whole answers: "over raw" means something for the plain cells only.
        cell.stream ? "-" : `+${fmt(median(overBefore))}`,
        cell.stream ? "-" : `+${fmt(median(overAfter))}`,
      ]);
      results.push({
        cell: label,
        afterOverBeforeCpu: median(ratioCpu),
        afterOverBeforeWall: median(ratioWall),
        beforeCpuOverRawUs: median(overBefore),
        afterCpuOverRawUs: median(overAfter),
      });
    }
    if (flag("json")) {
      console.log(JSON.stringify({ runtime: runtimeInfo(), rounds, n, sn, alt: altRoot, results }, null, 2));
    } else {
      console.log(
        `${rounds} interleaved rounds, ${n} requests per plain sample (c=1), ${sn} per streamed sample (c=16); ` +
          `load ${Deno.loadavg().map((l) => l.toFixed(1)).join(" ")}`,
      );
      console.log(markdownTable(
        ["cell", "after / before (CPU / wall)", "before: +CPU µs over raw", "after: +CPU µs over raw"],
        rows,
      ));
    }
  } finally {
    await sim.close();
  }
}

if (import.meta.main) await main();
