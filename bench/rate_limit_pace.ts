/**
 * Rate-limit pace: how close to a provider's limit a batch runs, and how many requests it wastes on 429s.
 *
 * Against simulators that allow N requests per fixed window of W ms and say so in their headers (OpenAI
 * `x-ratelimit-*`, Anthropic `anthropic-ratelimit-*`), C calls at concurrency 8 go through
 * - ours: `createResilientCall` (rate limiter learning from headers, shared pause on 429, retries);
 * - alt (with `--alt DIR`): the same, imported from another copy of the repository (e.g. main before a change),
 *   in the same interleaved rounds, for a before/after ratio;
 * - naive: a fixed-concurrency client that sends as fast as it can and, on a 429, sleeps the server's
 *   `retry-after-ms`/`retry-after` and tries again (what most scripts do).
 *
 * Two shares of the limit's pace are printed (C a multiple of N: a client that fills every window scores 1.0):
 * - `window pace` = `(C / N) / ((s_last - s_first) / W + 1)`, with `s_first` / `s_last` the server-side arrival of the
 *   first request of the first and of the last window (windows rebuilt from the arrivals as the simulator opens
 *   them: a new one at the first arrival a full window after the current one opened). It measures how late each
 *   window is opened and how many windows the batch needs, which is what a limiter controls (goal >= 0.95).
 * - `pace` = `(C / N) / ((t_last - t_first) / W + 1)`, with `t_last` the arrival of the last answered request. It
 *   also charges the time the last window's requests take to go out at concurrency 8 (two round trips at 200 ms
 *   latency for 20 requests), which no client avoids: the `pace max` column is what a perfect client scores.
 *
 * Scenarios (default: the issue 15 ones): 30 calls against 10 requests / 5 s at 20 ms and at 200 ms latency, and
 * 100 calls against 20 / 1 s at 200 ms. `--calls C --requests N --window W --latency L` runs one scenario instead
 * (`--tokens T`: also a token limit per window; the pace formulas then only hold for requests).
 *
 * Run: `deno run -A bench/rate_limit_pace.ts [--rounds 3] [--alt ../before/main.ts] [--tiny] [--json]`
 *
 * @module
 */
import type { Provider } from "../src/core/mod.ts";
import { SwebenchError } from "../src/core/mod.ts";
import { type Simulator, startAnthropicSim, startOpenAISim } from "../tests/simulator/mod.ts";
import { flag, fmt, markdownTable, median, option, progress } from "./common.ts";

const CONCURRENCY = 8;

/** One limit configuration. */
export interface Scenario {
  /** Calls sent. */
  calls: number;
  /** Requests allowed per window. */
  requests: number;
  /** Window, ms. */
  windowMs: number;
  /** Simulated model latency, ms. */
  latencyMs: number;
  /** Tokens allowed per window (optional). */
  tokens?: number;
}

/** What one client did in one scenario. */
export interface PaceResult {
  /** `ours`, `alt` or `naive`. */
  client: string;
  /** `openai` or `anthropic`. */
  vendor: string;
  /** Model requests the server received. */
  sent: number;
  /** Of them answered 429. */
  limited: number;
  /** Wall time of the batch, ms. */
  wallMs: number;
  /** Share of the limit's pace by window starts. */
  windowPace: number;
  /** Share of the limit's pace by the last answered request. */
  pace: number;
}

/** The modules a client is built from (ours, or those of the `--alt` copy). */
interface Build {
  createOpenAIProvider: (o: { baseUrl: string; apiKey: string }) => Provider;
  createAnthropicProvider: (o: { baseUrl: string; apiKey: string }) => Provider;
  createResilientCall: typeof import("../src/resilience/resilient_call.ts").createResilientCall;
}

async function loadBuild(root: URL): Promise<Build> {
  // Vendors live in folders since the provider kit (src/providers/openai/provider.ts); an `--alt` copy from
  // before it has them as single files (src/providers/openai.ts).
  const vendor = (name: string) =>
    import(new URL(`src/providers/${name}/provider.ts`, root).href).catch(() =>
      import(new URL(`src/providers/${name}.ts`, root).href)
    );
  const [openai, anthropic, resilient] = await Promise.all([
    vendor("openai"),
    vendor("anthropic"),
    import(new URL("src/resilience/resilient_call.ts", root).href),
  ]);
  return {
    createOpenAIProvider: openai.createOpenAIProvider,
    createAnthropicProvider: anthropic.createAnthropicProvider,
    createResilientCall: resilient.createResilientCall,
  };
}

/**
 * The server-side arrival of the first request of each window, rebuilt as the simulator's fixed window opens them
 * (a window opens at the first arrival at least `windowMs` after the current one opened).
 *
 * @example
 * ```ts
 * windowStarts([0, 10, 1005, 1010, 2100], 1000); // [0, 1005, 2100]
 * ```
 */
export function windowStarts(arrivals: readonly number[], windowMs: number): number[] {
  const starts: number[] = [];
  for (const t of arrivals) {
    if (starts.length === 0 || t >= starts[starts.length - 1] + windowMs) starts.push(t);
  }
  return starts;
}

/**
 * The `pace` a perfect client reaches: it opens every window on time and sends the last window's requests at
 * concurrency `c`, each round trip taking at least the latency.
 *
 * @example
 * ```ts
 * paceMax({ calls: 100, requests: 20, windowMs: 1000, latencyMs: 200 }, 8); // 5 / 5.4
 * ```
 */
export function paceMax(s: Scenario, concurrency: number): number {
  const windows = Math.ceil(s.calls / s.requests);
  const last = s.calls - (windows - 1) * s.requests;
  const tail = (Math.ceil(last / concurrency) - 1) * s.latencyMs;
  return (s.calls / s.requests) / (windows - 1 + tail / s.windowMs + 1);
}

async function runClient(
  client: string,
  build: Build | undefined,
  vendor: "openai" | "anthropic",
  s: Scenario,
): Promise<PaceResult> {
  const start = vendor === "openai" ? startOpenAISim : startAnthropicSim;
  const sim: Simulator = await start({
    rateLimit: { requests: s.requests, windowMs: s.windowMs, tokens: s.tokens },
    latencyMs: s.latencyMs,
    tokenizer: "approx",
  });
  try {
    const b = build ?? await loadBuild(new URL("../", import.meta.url));
    const provider: Provider = vendor === "openai"
      ? b.createOpenAIProvider({ baseUrl: `${sim.url}/v1`, apiKey: "sk-bench" })
      : b.createAnthropicProvider({ baseUrl: sim.url, apiKey: "sk-ant-bench" });
    const model = vendor === "openai" ? "gpt-4o-mini" : "claude-haiku-4-5";
    const send = client === "naive" ? naiveCall(provider, model) : resilientCall(b, provider, model);
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < s.calls) await send(next++);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const wallMs = performance.now() - started;
    const modelCalls = sim.requests.filter((r) => r.n !== undefined);
    const ok = modelCalls.filter((r) => r.status === 200);
    const first = modelCalls[0]?.receivedAt ?? 0;
    const last = ok.at(-1)?.receivedAt ?? first;
    const starts = windowStarts(modelCalls.map((r) => r.receivedAt), s.windowMs);
    const windows = s.calls / s.requests;
    return {
      client,
      vendor,
      sent: modelCalls.length,
      limited: modelCalls.filter((r) => r.status === 429).length,
      wallMs,
      windowPace: windows / (((starts.at(-1) ?? first) - first) / s.windowMs + 1),
      pace: windows / ((last - first) / s.windowMs + 1),
    };
  } finally {
    await sim.close();
  }
}

function resilientCall(b: Build, provider: Provider, model: string): (i: number) => Promise<void> {
  const call = b.createResilientCall({ chain: [{ provider, model, estimateCost: () => 0 }] });
  return async (i) => {
    await call(
      { model, prompt: `instance ${i}`, maxTokens: 64 },
      { instanceId: `i${i}`, promptTokens: 12, signal: new AbortController().signal, stream: false },
    );
  };
}

function naiveCall(provider: Provider, model: string): (i: number) => Promise<void> {
  return async (i) => {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await provider.generate({ model, prompt: `instance ${i}`, maxTokens: 64 });
        return;
      } catch (e) {
        if (!(e instanceof SwebenchError) || e.kind !== "rate_limit") throw e;
        await new Promise((r) => setTimeout(r, e.retryAfterMs ?? 1000));
      }
    }
    throw new Error("naive client gave up");
  };
}

/** Medians of one (scenario, vendor, client) over the rounds. */
export interface PaceRow extends PaceResult {
  /** The scenario. */
  scenario: Scenario;
  /** Rounds measured. */
  rounds: number;
  /** What a perfect client scores on `pace`. */
  paceMax: number;
}

function scenarios(tiny: boolean): Scenario[] {
  if (Deno.args.some((a) => /^--(calls|requests|window|latency|tokens)\b/.test(a))) {
    const n = (name: string, fallback: string) => Number(option(name, fallback));
    return [{
      calls: n("calls", "100"),
      requests: n("requests", "20"),
      windowMs: n("window", "1000"),
      latencyMs: n("latency", "20"),
      tokens: n("tokens", "0") || undefined,
    }];
  }
  if (tiny) return [{ calls: 20, requests: 10, windowMs: 500, latencyMs: 20 }];
  return [
    { calls: 30, requests: 10, windowMs: 5000, latencyMs: 20 },
    { calls: 30, requests: 10, windowMs: 5000, latencyMs: 200 },
    { calls: 100, requests: 20, windowMs: 1000, latencyMs: 200 },
  ];
}

async function main(): Promise<void> {
  const tiny = flag("tiny");
  const json = flag("json");
  const rounds = Number(option("rounds", tiny ? "1" : "3"));
  // `--alt` names another copy of the repository, or its main.ts (what bench/cli_bench.ts takes).
  const altDir = option("alt", "").replace(/\/?main\.ts$/, "");
  const alt = altDir === ""
    ? undefined
    : await loadBuild(new URL(`${Deno.realPathSync(altDir)}/`, "file:///"));
  const ours = await loadBuild(new URL("../", import.meta.url));
  const clients: [string, Build | undefined][] = [
    ["ours", ours],
    ...(alt ? [["alt", alt] as [string, Build]] : []),
    [
      "naive",
      ours,
    ],
  ];
  const rows: PaceRow[] = [];
  for (const s of scenarios(tiny)) {
    for (const vendor of ["openai", "anthropic"] as const) {
      const samples = new Map<string, PaceResult[]>(clients.map(([c]) => [c, []]));
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < clients.length; i++) {
          const [client, build] = clients[(round + i) % clients.length];
          const r = await runClient(client, build, vendor, s);
          samples.get(client)!.push(r);
          progress(
            `  ${s.calls} calls, ${s.requests}/${s.windowMs} ms, ${s.latencyMs} ms latency, ${vendor} ${client} ` +
              `round ${round + 1}: window pace ${(100 * r.windowPace).toFixed(1)} %, ${r.limited} 429s`,
          );
        }
      }
      for (const [client, list] of samples) {
        const m = (f: (r: PaceResult) => number) => median(list.map(f));
        rows.push({
          client,
          vendor,
          scenario: s,
          rounds,
          sent: m((r) => r.sent),
          limited: m((r) => r.limited),
          wallMs: m((r) => r.wallMs),
          windowPace: m((r) => r.windowPace),
          pace: m((r) => r.pace),
          paceMax: paceMax(s, CONCURRENCY),
        });
      }
    }
  }
  const load = Deno.loadavg().map((l) => l.toFixed(1)).join(" ");
  if (json) {
    console.log(
      JSON.stringify({ bench: "rate-limit", concurrency: CONCURRENCY, rounds, loadavg: load, rows }, null, 2),
    );
    return;
  }
  console.log(`concurrency ${CONCURRENCY}, medians of ${rounds} interleaved rounds, load ${load}`);
  console.log(
    markdownTable(
      [
        "limit",
        "latency ms",
        "vendor",
        "client",
        "sent",
        "429s",
        "wall s",
        "window pace %",
        "pace %",
        "pace max %",
      ],
      rows.map((r) => [
        `${r.scenario.calls} calls, ${r.scenario.requests} / ${r.scenario.windowMs} ms`,
        String(r.scenario.latencyMs),
        r.vendor,
        r.client,
        fmt(r.sent),
        fmt(r.limited),
        fmt(r.wallMs / 1000, 2),
        fmt(100 * r.windowPace, 1),
        fmt(100 * r.pace, 1),
        fmt(100 * r.paceMax, 1),
      ]),
    ),
  );
}

if (import.meta.main) await main();
