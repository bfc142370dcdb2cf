/**
 * Rate-limit pace: how close to a provider's limit a batch runs, and how many requests it wastes on 429s.
 *
 * Against simulators that allow N requests per window and say so in their headers (OpenAI `x-ratelimit-*`,
 * Anthropic `anthropic-ratelimit-*`), C calls at concurrency 8 go through
 * - ours: `createResilientCall` (rate limiter learning from headers, shared pause on 429, retries), and
 * - naive: a fixed-concurrency client that sends as fast as it can and, on a 429, sleeps the server's
 *   `retry-after-ms`/`retry-after` and tries again (what most scripts do).
 *
 * Printed per run: requests sent, 429s and their share, wall time, and the share of the limit's pace reached:
 * `(C / N) / ((t_last - t_first) / W + 1)`, with `t_first` / `t_last` the server-side arrival of the first request
 * and of the last answered one (C a multiple of N: a client that fills every window back to back scores 1.0).
 *
 * Run: `deno run -A bench/rate_limit_pace.ts [--calls 100] [--requests 20] [--window 1000] [--latency 20]
 * [--tokens T]` (`--tokens`: also a token limit per window; the pace formula then only holds for requests).
 *
 * @module
 */
import type { Provider } from "../src/core/mod.ts";
import { SwebenchError } from "../src/core/mod.ts";
import { createAnthropicProvider } from "../src/providers/anthropic.ts";
import { createOpenAIProvider } from "../src/providers/openai.ts";
import { createResilientCall } from "../src/resilience/resilient_call.ts";
import { type Simulator, startAnthropicSim, startOpenAISim } from "../tests/simulator/mod.ts";

const CONCURRENCY = 8;

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(Deno.args[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const calls = arg("calls", 100);
const requests = arg("requests", 20);
const windowMs = arg("window", 1000);
const latencyMs = arg("latency", 20);
const tokens = arg("tokens", 0) || undefined;

interface Result {
  client: string;
  vendor: string;
  sent: number;
  limited: number;
  answered: number;
  wallMs: number;
  pace: number;
}

async function runClient(
  client: "ours" | "naive",
  vendor: "openai" | "anthropic",
): Promise<Result> {
  const start = vendor === "openai" ? startOpenAISim : startAnthropicSim;
  const sim: Simulator = await start({
    rateLimit: { requests, windowMs, tokens },
    latencyMs,
    tokenizer: "approx",
  });
  try {
    const provider: Provider = vendor === "openai"
      ? createOpenAIProvider({ baseUrl: `${sim.url}/v1`, apiKey: "sk-bench" })
      : createAnthropicProvider({ baseUrl: sim.url, apiKey: "sk-ant-bench" });
    const model = vendor === "openai" ? "gpt-4o-mini" : "claude-haiku-4-5";
    const send = client === "ours" ? oursCall(provider, model) : naiveCall(provider, model);
    const started = performance.now();
    let next = 0;
    let answered = 0;
    const worker = async () => {
      while (next < calls) {
        const i = next++;
        await send(i);
        answered++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const wallMs = performance.now() - started;
    const model_calls = sim.requests.filter((r) => r.n !== undefined);
    const ok = model_calls.filter((r) => r.status === 200);
    const first = model_calls[0]?.receivedAt ?? 0;
    const last = ok.at(-1)?.receivedAt ?? first;
    return {
      client,
      vendor,
      sent: model_calls.length,
      limited: model_calls.filter((r) => r.status === 429).length,
      answered,
      wallMs,
      pace: (calls / requests) / ((last - first) / windowMs + 1),
    };
  } finally {
    await sim.close();
  }
}

function oursCall(provider: Provider, model: string): (i: number) => Promise<void> {
  const call = createResilientCall({ chain: [{ provider, model, estimateCost: () => 0 }] });
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

if (import.meta.main) {
  console.log(
    `rate-limit pace: ${calls} calls, concurrency ${CONCURRENCY}, limit ${requests} requests${
      tokens ? ` and ${tokens} tokens` : ""
    } / ${windowMs} ms, ` +
      `model latency ${latencyMs} ms`,
  );
  console.log("vendor     client  sent  429s  429 share  wall      pace of limit");
  for (const vendor of ["openai", "anthropic"] as const) {
    for (const client of ["ours", "naive"] as const) {
      const r = await runClient(client, vendor);
      console.log(
        `${r.vendor.padEnd(10)} ${r.client.padEnd(7)} ${String(r.sent).padStart(4)}  ${
          String(r.limited).padStart(4)
        }  ${(100 * r.limited / r.sent).toFixed(1).padStart(8)} %  ${
          (r.wallMs / 1000).toFixed(2).padStart(6)
        } s  ${(100 * r.pace).toFixed(1).padStart(8)} %`,
      );
    }
  }
}
