/**
 * Per-request overhead benchmark (issue 7, item 1): our provider layer vs a hand-written raw `fetch` client, the
 * official `openai` and `@anthropic-ai/sdk` clients and the Vercel AI SDK (`ai` + `@ai-sdk/openai` /
 * `@ai-sdk/anthropic`), plain and streamed, at concurrency 1 and 64, against the zero-latency simulators.
 *
 * Method. The simulators run in a child process (this script with `--serve`), so the client process holds only
 * the client. Every contender sends the same request (the median-length SWE-bench Lite prompt of our template) and
 * receives the same ~2.2 KB patch answer (streamed in 16-character deltas). One sample = `n` requests at
 * concurrency `c`; per request we record the wall time (sample time / n) and the client process's CPU time
 * (`process.cpuUsage()` over the sample / n, all threads, so fetch's own I/O threads count too). Rounds interleave
 * the contenders (the starting contender rotates each round); overheads and ratios are the medians of the
 * per-round paired differences / ratios, which cancels drift on a shared, noisy machine.
 *
 * Run: `deno run -A bench/overhead_bench.ts [--rounds 7] [--n1 200] [--n64 2000] [--sn1 40] [--sn64 384]
 *   [--tiny] [--json] [--only sdk] [--vendor openai] [--mode stream] [--c 1] [--solo name]`
 *
 * `--solo "ours"` runs one contender only (for `deno run --cpu-prof`; summarize the profile with
 * `bench/profile_summary.ts`).
 *
 * No `temperature` is sent: the `@anthropic-ai/sdk` 1.x types no longer accept it, and every contender must send
 * the same request.
 *
 * @module
 */
import process from "node:process";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { generateText, streamText } from "ai";
import { createOpenAI } from "@ai-sdk/openai";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAIProvider } from "../src/providers/openai/provider.ts";
import { createAnthropicProvider } from "../src/providers/anthropic/provider.ts";
import type { CallOptions, Provider, StreamEvent, UnifiedRequest } from "../src/core/mod.ts";
import { startAnthropicSim, startOpenAISim } from "../tests/simulator/mod.ts";
import {
  flag,
  fmt,
  loadWorkload,
  markdownTable,
  median,
  option,
  progress,
  runtimeInfo,
  type Workload,
} from "./common.ts";

type Vendor = "openai" | "anthropic";
type Mode = "plain" | "stream";

/** One client under test: a function that makes one call and returns the answer text. */
interface Contender {
  name: string;
  call: () => Promise<string>;
}

/** One cell of the matrix: a vendor, plain or streamed, at a concurrency. */
interface Cell {
  vendor: Vendor;
  mode: Mode;
  concurrency: number;
  n: number;
}

/** Per-request times of one sample, in microseconds. */
interface Sample {
  wallUs: number;
  cpuUs: number;
}

/** Results of one contender in one cell (JSON output). */
export interface OverheadResult {
  /** Vendor protocol. */
  vendor: Vendor;
  /** `plain` or `stream`. */
  mode: Mode;
  /** Requests in flight. */
  concurrency: number;
  /** Contender name. */
  contender: string;
  /** Requests per sample. */
  n: number;
  /** Samples taken (rounds). */
  samples: number;
  /** Median wall time per request, µs. */
  wallUs: number;
  /** Median client CPU time per request, µs. */
  cpuUs: number;
  /** Median over rounds of (this - raw fetch) wall µs per request. */
  overWallUs: number;
  /** Median over rounds of (this - raw fetch) CPU µs per request. */
  overCpuUs: number;
  /** Median over rounds of this / ours (wall). */
  ratioWall: number;
  /** Median over rounds of this / ours (CPU). */
  ratioCpu: number;
  /** Why the contender did not run, when it did not. */
  error?: string;
}

const OPENAI_MODEL = "gpt-4o-mini";
const ANTHROPIC_MODEL = "claude-sonnet-4-6";
const MAX_TOKENS = 4096;
const API_KEY = "sk-bench-0000000000000000";
const CHUNK_SIZE = 16;

// ---------------------------------------------------------------------------------------------------------------
// The simulator child process.

async function serve(): Promise<void> {
  const work = await loadWorkload();
  const options = { respond: () => work.answer, chunkSize: CHUNK_SIZE, tokenizer: "approx" as const };
  const openai = await startOpenAISim(options);
  const anthropic = await startAnthropicSim(options);
  // The request logs would grow by one entry (with its parsed body) per request: keep them empty.
  const trim = setInterval(() => {
    openai.requests.length = 0;
    anthropic.requests.length = 0;
  }, 200);
  console.log(JSON.stringify({ openai: openai.url, anthropic: anthropic.url }));
  // Run until the parent closes our stdin.
  for await (const _ of Deno.stdin.readable) { /* nothing to read */ }
  clearInterval(trim);
  await openai.close();
  await anthropic.close();
}

/** The simulators of `--serve`, running in a child process. */
export interface SimChild {
  openai: string;
  anthropic: string;
  close(): Promise<void>;
}

/** Start `overhead_bench.ts --serve` and read its URLs (closing its stdin stops it). */
export async function startSimChild(): Promise<SimChild> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--serve"],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error("the simulator process exited before listening");
    text += value;
  }
  const urls = JSON.parse(text.slice(0, text.indexOf("\n"))) as { openai: string; anthropic: string };
  return {
    ...urls,
    async close() {
      await child.stdin.close();
      await reader.cancel().catch(() => {});
      await child.status;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Contenders.

/** Minimal SSE reading: split on blank lines, take the `data:` line, JSON.parse, pick the text. */
async function readSse(
  body: ReadableStream<Uint8Array>,
  pick: (event: Record<string, unknown>) => string | undefined,
): Promise<string> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = "";
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let start = 0;
    let end: number;
    while ((end = buffer.indexOf("\n\n", start)) !== -1) {
      const at = buffer.indexOf("data: ", start);
      if (at !== -1 && at < end) {
        const data = buffer.slice(at + 6, end);
        if (data !== "[DONE]") text += pick(JSON.parse(data)) ?? "";
      }
      start = end + 2;
    }
    buffer = buffer.slice(start);
  }
  return text;
}

// deno-lint-ignore no-explicit-any
type Json = any;

function openAIContenders(url: string, mode: Mode, work: Workload): Contender[] {
  const stream = mode === "stream";
  const request: UnifiedRequest = {
    model: OPENAI_MODEL,
    system: work.system,
    prompt: work.prompt,
    maxTokens: MAX_TOKENS,
  };
  const messages = [{ role: "system" as const, content: work.system }, {
    role: "user" as const,
    content: work.prompt,
  }];
  const rawBody = JSON.stringify({
    model: OPENAI_MODEL,
    messages,
    max_tokens: MAX_TOKENS,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  });
  const rawHeaders = {
    authorization: `Bearer ${API_KEY}`,
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
  };
  const endpoint = `${url}/v1/chat/completions`;
  const ours = createOpenAIProvider({ baseUrl: `${url}/v1`, apiKey: API_KEY });
  const oursCli = createOpenAIProvider({
    baseUrl: `${url}/v1`,
    apiKey: API_KEY,
    timeouts: { connectTimeoutMs: 60_000, totalTimeoutMs: 600_000, idleTimeoutMs: 60_000 },
  });
  const sdk = new OpenAI({ baseURL: `${url}/v1`, apiKey: API_KEY, maxRetries: 0 });
  const ai = createOpenAI({ baseURL: `${url}/v1`, apiKey: API_KEY }).chat(OPENAI_MODEL);
  const abort = new AbortController();

  return [
    {
      name: "raw fetch",
      call: stream
        ? async () => {
          const res = await fetch(endpoint, { method: "POST", headers: rawHeaders, body: rawBody });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          return await readSse(res.body!, (e: Json) => e.choices?.[0]?.delta?.content);
        }
        : async () => {
          const res = await fetch(endpoint, { method: "POST", headers: rawHeaders, body: rawBody });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          return ((await res.json()) as Json).choices[0].message.content;
        },
    },
    { name: "ours", call: oursCall(ours, request, mode) },
    { name: "ours (signal)", call: oursCall(ours, request, mode, abort.signal) },
    { name: "ours (signal+timeouts)", call: oursCall(oursCli, request, mode, abort.signal) },
    {
      name: "openai SDK",
      call: stream
        ? async () => {
          const s = await sdk.chat.completions.create({
            model: OPENAI_MODEL,
            messages,
            max_tokens: MAX_TOKENS,
            stream: true,
            stream_options: { include_usage: true },
          });
          let text = "";
          for await (const chunk of s) text += chunk.choices[0]?.delta?.content ?? "";
          return text;
        }
        : async () => {
          const r = await sdk.chat.completions.create({
            model: OPENAI_MODEL,
            messages,
            max_tokens: MAX_TOKENS,
          });
          return r.choices[0].message.content ?? "";
        },
    },
    {
      name: "AI SDK",
      call: aiSdkCall(ai, work, mode),
    },
  ];
}

function anthropicContenders(url: string, mode: Mode, work: Workload): Contender[] {
  const stream = mode === "stream";
  const request: UnifiedRequest = {
    model: ANTHROPIC_MODEL,
    system: work.system,
    prompt: work.prompt,
    maxTokens: MAX_TOKENS,
  };
  const messages = [{ role: "user" as const, content: work.prompt }];
  const rawBody = JSON.stringify({
    model: ANTHROPIC_MODEL,
    max_tokens: MAX_TOKENS,
    system: work.system,
    messages,
    ...(stream ? { stream: true } : {}),
  });
  const rawHeaders = {
    "x-api-key": API_KEY,
    "anthropic-version": "2023-06-01",
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
  };
  const endpoint = `${url}/v1/messages`;
  const ours = createAnthropicProvider({ baseUrl: url, apiKey: API_KEY });
  const oursCli = createAnthropicProvider({
    baseUrl: url,
    apiKey: API_KEY,
    timeouts: { connectTimeoutMs: 60_000, totalTimeoutMs: 600_000, idleTimeoutMs: 60_000 },
  });
  const sdk = new Anthropic({ baseURL: url, apiKey: API_KEY, maxRetries: 0 });
  const ai = createAnthropic({ baseURL: `${url}/v1`, apiKey: API_KEY })(ANTHROPIC_MODEL);
  const abort = new AbortController();

  return [
    {
      name: "raw fetch",
      call: stream
        ? async () => {
          const res = await fetch(endpoint, { method: "POST", headers: rawHeaders, body: rawBody });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          return await readSse(
            res.body!,
            (e: Json) =>
              e.type === "content_block_delta" && e.delta?.type === "text_delta" ? e.delta.text : "",
          );
        }
        : async () => {
          const res = await fetch(endpoint, { method: "POST", headers: rawHeaders, body: rawBody });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          return ((await res.json()) as Json).content[0].text;
        },
    },
    { name: "ours", call: oursCall(ours, request, mode) },
    { name: "ours (signal)", call: oursCall(ours, request, mode, abort.signal) },
    { name: "ours (signal+timeouts)", call: oursCall(oursCli, request, mode, abort.signal) },
    {
      name: "anthropic SDK",
      call: stream
        ? async () => {
          const s = await sdk.messages.create({
            model: ANTHROPIC_MODEL,
            max_tokens: MAX_TOKENS,
            system: work.system,
            messages,
            stream: true,
          });
          let text = "";
          for await (const e of s) {
            if (e.type === "content_block_delta" && e.delta.type === "text_delta") text += e.delta.text;
          }
          return text;
        }
        : async () => {
          const m = await sdk.messages.create({
            model: ANTHROPIC_MODEL,
            max_tokens: MAX_TOKENS,
            system: work.system,
            messages,
          });
          const block = m.content[0];
          return block?.type === "text" ? block.text : "";
        },
    },
    { name: "AI SDK", call: aiSdkCall(ai, work, mode) },
  ];
}

function oursCall(
  provider: Provider,
  request: UnifiedRequest,
  mode: Mode,
  signal?: AbortSignal,
): () => Promise<string> {
  const call = signal ? { signal } : undefined;
  if (mode === "plain") return async () => (await provider.generate(request, call)).content;
  return drain((r, c) => provider.stream(r, c), request, call);
}

/** A stream call drained to its text (an error event is thrown). */
function drain(
  stream: (request: UnifiedRequest, call?: CallOptions) => ReadableStream<StreamEvent>,
  request: UnifiedRequest,
  call?: CallOptions,
): () => Promise<string> {
  return async () => {
    let text = "";
    for await (const event of stream(request, call)) {
      if (event.type === "text-delta") text += event.text;
      else if (event.type === "error") throw event.error;
    }
    return text;
  };
}

function aiSdkCall(model: Parameters<typeof generateText>[0]["model"], work: Workload, mode: Mode) {
  const settings = {
    model,
    system: work.system,
    prompt: work.prompt,
    maxOutputTokens: MAX_TOKENS,
    maxRetries: 0,
  };
  if (mode === "plain") return async () => (await generateText(settings)).text;
  return async () => {
    let failure: unknown;
    const result = streamText({ ...settings, onError: ({ error }) => void (failure = error) });
    let text = "";
    for await (const piece of result.textStream) text += piece;
    if (failure !== undefined) throw failure;
    return text;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Measurement.

/** `n` calls with `c` in flight; per-request wall and client CPU time. */
async function sample(call: () => Promise<string>, n: number, c: number, expected: number): Promise<Sample> {
  let next = 0;
  let bad = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const text = await call();
      if (text.length !== expected) bad++;
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(c, n) }, worker));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (bad > 0) throw new Error(`${bad} of ${n} answers had the wrong length`);
  return { wallUs: (wall * 1000) / n, cpuUs: (cpu.user + cpu.system) / n };
}

interface CellRun {
  cell: Cell;
  contenders: Contender[];
  samples: Map<string, Sample[]>;
  errors: Map<string, string>;
}

function cellName(cell: Cell): string {
  return `${cell.vendor} ${cell.mode} c=${cell.concurrency}`;
}

async function main(): Promise<void> {
  const tiny = flag("tiny");
  const json = flag("json");
  const rounds = Number(option("rounds", tiny ? "1" : "7"));
  const n1 = Number(option("n1", tiny ? "5" : "200"));
  const n64 = Number(option("n64", tiny ? "64" : "2000"));
  const sn1 = Number(option("sn1", tiny ? "3" : "40"));
  const sn64 = Number(option("sn64", tiny ? "64" : "384"));
  const only = option("only", "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  const vendors = option("vendor", "openai,anthropic").split(",") as Vendor[];
  const modes = option("mode", "plain,stream").split(",") as Mode[];
  const concurrencies = option("c", "1,64").split(",").map(Number);
  const solo = option("solo", "").toLowerCase();

  const work = await loadWorkload();
  const sims = await startSimChild();
  const started = performance.now();
  try {
    const runs: CellRun[] = [];
    for (const vendor of vendors) {
      for (const mode of modes) {
        for (const concurrency of concurrencies) {
          const cell: Cell = {
            vendor,
            mode,
            concurrency,
            n: mode === "plain" ? (concurrency === 1 ? n1 : n64) : (concurrency === 1 ? sn1 : sn64),
          };
          const all = vendor === "openai"
            ? openAIContenders(sims.openai, mode, work)
            : anthropicContenders(sims.anthropic, mode, work);
          const contenders = solo !== ""
            ? all.filter((c) => c.name.toLowerCase() === solo)
            : all.filter((c) =>
              only.length === 0 || c.name === "raw fetch" || c.name === "ours" ||
              only.some((o) => c.name.toLowerCase().includes(o))
            );
          runs.push({ cell, contenders, samples: new Map(), errors: new Map() });
        }
      }
    }

    // Warm-up (JIT, connection pools) and a correctness check: every contender must return the exact answer.
    for (const run of runs) {
      for (const contender of run.contenders) {
        try {
          const text = await contender.call();
          if (text !== work.answer) {
            throw new Error(`wrong answer (${text.length} chars, expected ${work.answer.length})`);
          }
          if (!tiny) {
            await sample(
              contender.call,
              Math.max(run.cell.concurrency, Math.ceil(run.cell.n / 4)),
              run.cell.concurrency,
              work.answer.length,
            );
          }
        } catch (error) {
          run.errors.set(contender.name, error instanceof Error ? error.message : String(error));
          progress(
            `  ${cellName(run.cell)} ${contender.name}: unavailable: ${run.errors.get(contender.name)}`,
          );
        }
      }
    }

    for (let round = 0; round < rounds; round++) {
      progress(
        `overhead: round ${round + 1}/${rounds} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
      for (const run of runs) {
        const k = run.contenders.length;
        for (let j = 0; j < k; j++) {
          const contender = run.contenders[(j + round) % k]; // interleaved; the first one rotates per round
          if (run.errors.has(contender.name)) continue;
          try {
            const s = await sample(contender.call, run.cell.n, run.cell.concurrency, work.answer.length);
            const list = run.samples.get(contender.name) ?? [];
            list.push(s);
            run.samples.set(contender.name, list);
          } catch (error) {
            run.errors.set(contender.name, error instanceof Error ? error.message : String(error));
          }
        }
      }
    }

    const results = summarize(runs);
    const elapsed = (performance.now() - started) / 1000;
    if (json) {
      console.log(JSON.stringify(
        {
          bench: "overhead",
          runtime: runtimeInfo(),
          config: {
            rounds,
            n1,
            n64,
            sn1,
            sn64,
            chunkSize: CHUNK_SIZE,
            answerChars: work.answer.length,
            promptChars: work.prompt.length + work.system.length,
            instance: work.instanceId,
          },
          elapsedSeconds: elapsed,
          results,
        },
        null,
        2,
      ));
    } else {
      printTables(results, { rounds, n1, n64, sn1, sn64, work, elapsed });
    }
  } finally {
    await sims.close();
  }
}

function summarize(runs: CellRun[]): OverheadResult[] {
  const results: OverheadResult[] = [];
  for (const run of runs) {
    const raw = run.samples.get("raw fetch") ?? [];
    const ours = run.samples.get("ours") ?? [];
    for (const contender of run.contenders) {
      const mine = run.samples.get(contender.name) ?? [];
      const paired = (other: Sample[], f: (a: Sample, b: Sample) => number) =>
        median(mine.slice(0, Math.min(mine.length, other.length)).map((s, i) => f(s, other[i])));
      const result: OverheadResult = {
        vendor: run.cell.vendor,
        mode: run.cell.mode,
        concurrency: run.cell.concurrency,
        contender: contender.name,
        n: run.cell.n,
        samples: mine.length,
        wallUs: median(mine.map((s) => s.wallUs)),
        cpuUs: median(mine.map((s) => s.cpuUs)),
        overWallUs: paired(raw, (a, b) => a.wallUs - b.wallUs),
        overCpuUs: paired(raw, (a, b) => a.cpuUs - b.cpuUs),
        ratioWall: paired(ours, (a, b) => a.wallUs / b.wallUs),
        ratioCpu: paired(ours, (a, b) => a.cpuUs / b.cpuUs),
      };
      const error = run.errors.get(contender.name);
      if (error !== undefined) result.error = error;
      results.push(result);
    }
  }
  return results;
}

function printTables(
  results: OverheadResult[],
  info: {
    rounds: number;
    n1: number;
    n64: number;
    sn1: number;
    sn64: number;
    work: Workload;
    elapsed: number;
  },
): void {
  console.log(
    `## Per-request overhead (${info.rounds} interleaved rounds; requests per sample: plain ${info.n1} at c=1 and ` +
      `${info.n64} at c=64, streamed ${info.sn1} and ${info.sn64}; prompt ${
        info.work.system.length + info.work.prompt.length
      } chars, answer ` +
      `${info.work.answer.length} chars in ${CHUNK_SIZE}-char deltas; ${info.elapsed.toFixed(0)} s)\n`,
  );
  const cells = [...new Set(results.map((r) => `${r.vendor} ${r.mode} c=${r.concurrency}`))];
  const names = [...new Set(results.map((r) => r.contender))].map((n) =>
    n.replace(/^(openai|anthropic) SDK$/, "vendor SDK")
  );
  const uniqueNames = [...new Set(names)];
  const byKey = (r: OverheadResult) =>
    `${r.vendor} ${r.mode} c=${r.concurrency}|${
      r.contender.replace(/^(openai|anthropic) SDK$/, "vendor SDK")
    }`;
  const index = new Map(results.map((r) => [byKey(r), r]));

  console.log(
    "### Ratio to ours (median per-round ratio; > 1 = slower than ours). Wall time / client CPU time\n",
  );
  console.log(markdownTable(
    ["cell", ...uniqueNames],
    cells.map((cell) => [
      cell,
      ...uniqueNames.map((name) => {
        const r = index.get(`${cell}|${name}`);
        if (r === undefined) return "";
        if (r.samples === 0) return "n/a";
        return `${r.ratioWall.toFixed(2)} / ${r.ratioCpu.toFixed(2)}`;
      }),
    ]),
  ));
  console.log(
    "\n### Median µs per request (wall / client CPU) and overhead over raw fetch " +
      "(median per-round difference, µs)\n",
  );
  console.log(markdownTable(
    ["cell", "contender", "wall µs", "CPU µs", "+wall µs", "+CPU µs", "samples"],
    results.map((r) => [
      `${r.vendor} ${r.mode} c=${r.concurrency}`,
      r.contender,
      fmt(r.wallUs, 0),
      fmt(r.cpuUs, 0),
      r.contender === "raw fetch" ? "0" : fmt(r.overWallUs, 0),
      r.contender === "raw fetch" ? "0" : fmt(r.overCpuUs, 0),
      r.error ? `${r.samples} (${r.error.slice(0, 60)})` : String(r.samples),
    ]),
  ));
}

if (import.meta.main) {
  if (flag("serve")) await serve();
  else await main();
}
