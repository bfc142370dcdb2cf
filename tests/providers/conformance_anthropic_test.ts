/**
 * The shared conformance suite against the Anthropic simulator, plus the Anthropic-only behaviours: exact
 * `count_tokens` with its cache, the offline estimate and its bound, prompt caching usage and cost (5m / 1h rates),
 * the temperature clamp and the `anthropic-beta` header.
 */
import assert from "node:assert/strict";
import type { StreamEvent, TokenUsage, UnifiedRequest } from "../../src/core/mod.ts";
import {
  type AnthropicProviderOptions,
  createAnthropicProvider,
} from "../../src/providers/anthropic/provider.ts";
import { costOf, defaultCatalog } from "../../src/providers/catalog.ts";
import { type SimOptions, startAnthropicSim } from "../simulator/mod.ts";
import {
  assertOfflineEstimate,
  assertOneTerminal,
  conformanceSuite,
  goneUrl,
  readEvents,
  swebenchPrompt,
  URL_INDEPENDENT_CASES,
} from "./conformance.ts";

const KEY = "sk-ant-api03-conformance-0123456789abcdef";
const MODEL = "claude-sonnet-4-5";

conformanceSuite({
  name: "anthropic",
  start: startAnthropicSim,
  // The simulator's origin is the base URL: the provider appends /v1 itself.
  create: (sim, extra) =>
    createAnthropicProvider({ baseUrl: sim.url, apiKey: extra?.apiKey ?? KEY, cost: extra?.cost }),
  model: MODEL,
  validKey: KEY,
  hasRequestId: true,
  streamErrorType: "overloaded_error",
  streamErrorKind: "overloaded",
});

conformanceSuite({
  name: "anthropic (base URL with /v1)",
  start: startAnthropicSim,
  create: (sim, extra) =>
    createAnthropicProvider({ baseUrl: `${sim.url}/v1/`, apiKey: extra?.apiKey ?? KEY, cost: extra?.cost }),
  model: MODEL,
  validKey: KEY,
  streamErrorType: "rate_limit_error",
  streamErrorKind: "rate_limit",
  // The error classes do not depend on the base URL spelling: run the calls that exercise the URL only.
  skip: [...URL_INDEPENDENT_CASES],
});

async function withSim<T>(
  simOptions: SimOptions,
  providerOptions: Partial<AnthropicProviderOptions>,
  run: (
    p: ReturnType<typeof createAnthropicProvider>,
    sim: Awaited<ReturnType<typeof startAnthropicSim>>,
  ) => Promise<T>,
): Promise<T> {
  await using sim = await startAnthropicSim({ apiKey: KEY, ...simOptions });
  return await run(createAnthropicProvider({ baseUrl: sim.url, apiKey: KEY, ...providerOptions }), sim);
}

const countCalls = (sim: { requests: { path: string }[] }) =>
  sim.requests.filter((r) => r.path === "/v1/messages/count_tokens").length;

Deno.test("anthropic: count_tokens is exact, equals the call's prompt tokens, and is cached per prompt", async () => {
  await withSim({}, {}, async (p, sim) => {
    const request: UnifiedRequest = { model: MODEL, ...swebenchPrompt(), maxTokens: 64 };
    const count = await p.countTokens(request);
    assert.equal(count.method, "exact");
    assert.equal(count.errorBound, 0);
    assert.equal(countCalls(sim), 1);
    const counted = sim.requests[0];
    assert.equal(counted.headers.get("x-api-key"), KEY);
    assert.equal(counted.body.max_tokens, undefined, "count_tokens takes no max_tokens");
    // the count is what the call then reports as prompt tokens
    const r = await p.generate(request);
    assert.equal(r.usage.promptTokens, count.tokens);
    // cache hit: same model + system + prompt sends no request, whatever the other fields
    const again = await p.countTokens({ ...request, maxTokens: 4000, temperature: 0.5 });
    assert.deepEqual(again, count);
    assert.equal(countCalls(sim), 1, "the second count sent no request");
    // a different prompt, system or model is counted anew
    await p.countTokens({ ...request, prompt: `${request.prompt}!` });
    await p.countTokens({ ...request, system: undefined });
    await p.countTokens({ ...request, model: "claude-haiku-4-5" });
    assert.equal(countCalls(sim), 4);
  });
});

Deno.test("anthropic: count_tokens errors are reported (unknown model, wrong key), not estimated", async () => {
  await withSim({ models: [MODEL] }, {}, async (p) => {
    await assert.rejects(
      p.countTokens({ model: "claude-nope", prompt: "hello" }),
      (e) => e instanceof Error && (e as { kind?: string }).kind === "model_not_found",
    );
  });
  await withSim({}, { apiKey: "sk-ant-wrong-0123456789" }, async (p) => {
    await assert.rejects(
      p.countTokens({ model: MODEL, prompt: "hello" }),
      (e) =>
        e instanceof Error && (e as { kind?: string }).kind === "authentication" &&
        !e.message.includes("sk-ant-wrong-0123456789"),
    );
  });
});

Deno.test("anthropic: without network the count is an estimate within its stated bound of the exact count", async () => {
  const request: UnifiedRequest = { model: MODEL, ...swebenchPrompt() };
  const exact = await withSim({}, {}, (p) => p.countTokens(request));
  await assertOfflineEstimate(request, exact, {
    offline: createAnthropicProvider({ baseUrl: await goneUrl(startAnthropicSim), apiKey: KEY }),
    noKey: createAnthropicProvider({ fetch: () => Promise.reject(new Error("no request expected")) }),
  });
});

function priced(usage: TokenUsage): number {
  const e = defaultCatalog().lookup(MODEL, "anthropic");
  assert.ok(
    e?.inputPerMTok !== undefined && e.cacheWrite1hPerMTok !== undefined &&
      e.cacheWrite5mPerMTok !== undefined,
  );
  const uncached = usage.promptTokens - usage.cacheReadTokens - usage.cacheWriteTokens;
  const oneHour = usage.cacheWrite1hTokens ?? 0;
  return (uncached * e.inputPerMTok + usage.cacheReadTokens * e.cacheReadPerMTok! +
    (usage.cacheWriteTokens - oneHour) * e.cacheWrite5mPerMTok + oneHour * e.cacheWrite1hPerMTok +
    usage.completionTokens * e.outputPerMTok!) / 1e6;
}

Deno.test("anthropic: prompt caching usage (write 1h, write 5m, read) and its cost split", async () => {
  const catalog = defaultCatalog();
  const cost = (model: string, usage: TokenUsage) =>
    costOf(catalog.lookup(model, "anthropic"), usage, "anthropic");
  await withSim({}, { cost }, async (p, sim) => {
    const { system, prompt } = swebenchPrompt();
    const stable = `${prompt}\n\nRelevant code:\n${"def handler(x):\n    return x * 2\n".repeat(40)}`;
    const request = (ttl: "5m" | "1h", question: string, stream = false): UnifiedRequest => ({
      model: MODEL,
      system,
      prompt: `${stable}\n${question}`,
      maxTokens: 128,
      stream,
      extra: { cacheControl: ttl, cachePrefix: `${stable}\n` },
    });

    // 1. first call with a 1h TTL: the system block and the stable prefix are written at the 1h rate
    const first = await p.generate(request("1h", "Fix it."));
    const body = sim.requests.at(-1)!.body;
    assert.deepEqual(body.system, [{
      type: "text",
      text: system,
      cache_control: { type: "ephemeral", ttl: "1h" },
    }]);
    assert.equal(body.messages[0].content.length, 2);
    assert.deepEqual(body.messages[0].content[0].cache_control, { type: "ephemeral", ttl: "1h" });
    assert.ok(first.usage.cacheWriteTokens > 100, `written: ${JSON.stringify(first.usage)}`);
    assert.equal(first.usage.cacheWrite1hTokens, first.usage.cacheWriteTokens);
    assert.equal(first.usage.cacheReadTokens, 0);
    assert.equal(
      first.usage.promptTokens,
      sim.requests.at(-1)!.promptTokens,
      "prompt tokens include cache writes",
    );
    assert.ok(Math.abs(first.costUsd! - priced(first.usage)) < 1e-12);

    // 2. the same prefix again (streamed), another question: read from the cache, only the tail is uncached
    const second = await p.generate(request("1h", "Now add a test.", true));
    assert.equal(second.usage.cacheReadTokens, first.usage.cacheWriteTokens);
    assert.equal(second.usage.cacheWriteTokens, 0);
    assert.equal(
      second.usage.promptTokens,
      sim.requests.at(-1)!.promptTokens,
      "prompt tokens include cache reads",
    );
    assert.ok(Math.abs(second.costUsd! - priced(second.usage)) < 1e-12);
    const uncachedCost = (second.usage.promptTokens * 3 + second.usage.completionTokens * 15) / 1e6;
    assert.ok(
      second.costUsd! < uncachedCost,
      "a cache read is cheaper than uncached input (no double counting)",
    );

    // 3. a 5m TTL on a new prefix: written at the 5m rate
    const other = { ...request("5m", "Explain."), system: `${system} Be terse.` };
    const third = await p.generate(other);
    assert.ok(third.usage.cacheWriteTokens > 0);
    assert.equal(third.usage.cacheWrite1hTokens, 0);
    assert.ok(Math.abs(third.costUsd! - priced(third.usage)) < 1e-12);
    // the same write at the 1h rate costs more
    const asOneHour = { ...third.usage, cacheWrite1hTokens: third.usage.cacheWriteTokens };
    assert.ok(cost(MODEL, asOneHour)! > third.costUsd!);
  });
});

Deno.test("anthropic: prompt caching usage in a stream's usage and finish events", async () => {
  await withSim({}, {}, async (p, sim) => {
    const request: UnifiedRequest = {
      model: MODEL,
      system: "S ".repeat(300),
      prompt: "Q",
      extra: { cacheControl: "1h" },
    };
    await p.generate(request);
    const events: StreamEvent[] = await readEvents(p.stream(request));
    const finish = assertOneTerminal(events);
    assert.ok(finish.type === "finish");
    assert.ok(finish.usage.cacheReadTokens > 300);
    assert.equal(
      finish.usage.promptTokens,
      sim.requests.at(-1)!.promptTokens,
      "reads + writes + input_tokens",
    );
    assert.equal(finish.usage.cacheWriteTokens, 0, "nothing new written");
    const usages = events.filter((e) => e.type === "usage");
    assert.ok(usages.length >= 2, "usage from message_start and message_delta");
    assert.ok(
      finish.usage.promptTokens > finish.usage.cacheReadTokens,
      "input_tokens are added to the cache reads",
    );
  });
});

Deno.test("anthropic: API version 2026-10-21 (the default) is sent with no sampling parameter, even when asked", async () => {
  await withSim({}, {}, async (p, sim) => {
    const r = await p.generate({ model: MODEL, prompt: "hi", temperature: 0.3 });
    assert.equal(r.finishReason, "stop");
    assert.equal(sim.requests[0].headers.get("anthropic-version"), "2026-10-21");
    assert.equal("temperature" in sim.requests[0].body, false);
  });
});

Deno.test("anthropic 2023-06-01: temperature is clamped to 0..1 and max_tokens always sent", async () => {
  await withSim({}, { version: "2023-06-01" }, async (p, sim) => {
    await p.generate({ model: MODEL, prompt: "hi", temperature: 1.8 });
    await p.generate({ model: MODEL, prompt: "hi", temperature: -1 });
    await p.generate({ model: MODEL, prompt: "hi", stop: ["\n\n"], system: "sys" });
    const bodies = sim.requests.map((r) => r.body);
    assert.equal(bodies[0].temperature, 1);
    assert.equal(bodies[1].temperature, 0);
    assert.ok(bodies.every((b) => b.max_tokens === 4096));
    assert.deepEqual(bodies[2].stop_sequences, ["\n\n"]);
    assert.equal(bodies[2].system, "sys");
  });
});

Deno.test("anthropic: anthropic-version and anthropic-beta headers on every call", async () => {
  await withSim({}, { beta: "extended-cache-ttl-2025-04-11,token-counting-2024-11-01" }, async (p, sim) => {
    await p.generate({ model: MODEL, prompt: "hi" });
    await readEvents(p.stream({ model: MODEL, prompt: "hi" }));
    await p.countTokens({ model: MODEL, prompt: "hi" });
    await p.listModels();
    assert.equal(sim.requests.length, 4);
    for (const r of sim.requests) {
      assert.equal(
        r.headers.get("anthropic-beta"),
        "extended-cache-ttl-2025-04-11,token-counting-2024-11-01",
      );
      assert.equal(r.headers.get("anthropic-version"), "2026-10-21");
      assert.equal(r.headers.get("x-api-key"), KEY);
      assert.equal(r.headers.get("authorization"), null);
    }
  });
  await withSim({}, {}, async (p, sim) => {
    await p.generate({ model: MODEL, prompt: "hi" });
    assert.equal(sim.requests[0].headers.get("anthropic-beta"), null);
  });
});

Deno.test("anthropic: listModels pages through the simulator's list; rate-limit headers are kept", async () => {
  const ids = Array.from({ length: 230 }, (_, i) => `claude-test-${i}`);
  await withSim({ models: ids }, {}, async (p, sim) => {
    const models = await p.listModels();
    assert.deepEqual(models.map((m) => m.id), ids);
    assert.equal(sim.requests.length, 3, "100 per page");
  });
  await withSim({ rateLimit: { requests: 10, windowMs: 60_000, tokens: 100_000 } }, {}, async (p) => {
    const r = await p.generate({ model: MODEL, prompt: "hi" });
    assert.equal(r.rateLimit?.limitRequests, 10);
    assert.equal(r.rateLimit?.remainingRequests, 9);
    assert.ok(r.rateLimit?.resetRequestsMs !== undefined);
    const events = await readEvents(p.stream({ model: MODEL, prompt: "hi" }));
    assert.ok(
      events[0].type === "start" && events[0].rateLimit?.remainingRequests === 8 && events[0].requestId,
    );
  });
});

Deno.test("anthropic: 529, billing and an error event mid-stream map to the taxonomy", async () => {
  await withSim({ faults: [{ type: "status", status: 529 }] }, {}, async (p) => {
    await assert.rejects(
      p.generate({ model: MODEL, prompt: "hi" }),
      (e) => (e as { kind?: string }).kind === "overloaded",
    );
  });
  await withSim(
    {
      faults: [{
        type: "status",
        status: 400,
        code: "invalid_request_error",
        message: "Your credit balance is too low to access the Anthropic API.",
      }],
    },
    {},
    async (p) => {
      await assert.rejects(
        p.generate({ model: MODEL, prompt: "hi" }),
        (e) => (e as { kind?: string }).kind === "quota",
      );
    },
  );
  await withSim({ faults: [{ type: "status", status: 402 }] }, {}, async (p) => {
    await assert.rejects(
      p.generate({ model: MODEL, prompt: "hi" }),
      (e) => (e as { kind?: string }).kind === "quota",
    );
  });
  for (
    const [errorType, kind] of [["overloaded_error", "overloaded"], ["api_error", "server"], [
      "rate_limit_error",
      "rate_limit",
    ]]
  ) {
    await withSim({ faults: [{ type: "error-event", afterDeltas: 1, errorType }] }, {}, async (p) => {
      const events = await readEvents(p.stream({ model: MODEL, prompt: "hi" }));
      const t = assertOneTerminal(events);
      assert.ok(
        t.type === "error" && t.error.kind === kind && t.error.requestId,
        `${errorType}: ${JSON.stringify(t)}`,
      );
      assert.ok(events.some((e) => e.type === "text-delta"), "the error came after text");
    });
  }
});
