import assert from "node:assert/strict";
import { type Provider, SwebenchError } from "../../src/core/mod.ts";
import { createAnthropicProvider } from "../../src/providers/anthropic/provider.ts";
import { createOpenAIProvider } from "../../src/providers/openai/provider.ts";
import { Budget } from "../../src/resilience/budget.ts";
import type { CallContext } from "../../src/resilience/call.ts";
import { createResilientCall, mayHaveBeenBilled } from "../../src/resilience/resilient_call.ts";
import { type Fault, type SimRequest, startAnthropicSim, startOpenAISim } from "../simulator/mod.ts";
import { fakeProvider } from "./_fake_provider.ts";

const FAST = { baseMs: 10, capMs: 100 };

function ctx(instanceId: string, extra: Partial<CallContext> = {}): CallContext {
  return { instanceId, promptTokens: 20, signal: new AbortController().signal, stream: false, ...extra };
}

const bodyHas = (r: SimRequest, marker: string) => JSON.stringify(r.body ?? "").includes(marker);
const modelCalls = (requests: SimRequest[]) => requests.filter((r) => r.n !== undefined);

/** The chaos mix: every other model call fails, in every way the simulators can fail. */
const CHAOS: Fault[] = [
  { type: "status", status: 429, headers: { "retry-after": "1" } },
  { type: "status", status: 500 },
  { type: "status", status: 503 },
  { type: "status", status: 529 },
  { type: "drop" },
  { type: "cut", atByte: 60 },
  { type: "error-event", afterDeltas: 2 },
  { type: "error-event", afterDeltas: 1, errorType: "overloaded_error" },
  { type: "malformed" },
];
const chaos = (
  n: number,
): Fault | undefined => (n % 2 === 0 && n / 2 < CHAOS.length ? CHAOS[n / 2] : undefined);

for (
  const [vendor, start, make] of [
    [
      "OpenAI",
      startOpenAISim,
      (url: string) => createOpenAIProvider({ baseUrl: `${url}/v1`, apiKey: "sk-test" }),
    ],
    [
      "Anthropic",
      startAnthropicSim,
      (url: string) => createAnthropicProvider({ baseUrl: url, apiKey: "sk-ant-test" }),
    ],
  ] as const
) {
  Deno.test(`resilient call (${vendor} sim): 20 streamed calls under 429/5xx/529/drops/cuts/error events all answer`, async () => {
    await using sim = await start({
      faults: chaos,
      respond: (req) => `patch for ${JSON.stringify(req.body).length}`,
    });
    const provider: Provider = make(sim.url);
    const retries: Array<{ instance: string; kind: string; waitMs: number }> = [];
    const call = createResilientCall({
      chain: [{
        provider,
        model: vendor === "OpenAI" ? "gpt-4o-mini" : "claude-haiku-4-5",
        estimateCost: () => 0,
      }],
      retry: FAST,
      breaker: { cooldownMs: 50 },
    });
    let next = 0;
    const results: string[] = [];
    const worker = async () => {
      while (next < 20) {
        const i = next++;
        const r = await call(
          { model: "x", prompt: `instance-${i}`, maxTokens: 64 },
          ctx(`instance-${i}`, {
            stream: true,
            onRetry: (x) => retries.push({ instance: `instance-${i}`, kind: x.error.kind, waitMs: x.waitMs }),
          }),
        );
        assert.equal(r.response.finishReason, "stop");
        // A partial stream is never used: the text is a whole answer.
        assert.match(r.response.content, /^patch for \d+$/);
        results.push(r.response.content);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    assert.equal(results.length, 20);
    const calls = modelCalls(sim.requests);
    const faulted = calls.filter((r) => r.fault !== undefined);
    assert.equal(faulted.length, CHAOS.length, "every fault was served");
    // The first retry after `retry-after: 1` came at least 1000 ms later.
    const limited = calls.find((r) => r.status === 429)!;
    const marker = JSON.stringify(limited.body).match(/instance-\d+/)![0];
    const retry = calls.find((r) =>
      r.receivedAt >= limited.receivedAt && r !== limited && bodyHas(r, `"${marker}"`)
    )!;
    assert.ok(retry, "the 429'd call was retried");
    assert.ok(
      retry.receivedAt - limited.receivedAt >= 1000,
      `retried after ${retry.receivedAt - limited.receivedAt} ms`,
    );
    assert.ok(retries.some((r) => r.kind === "rate_limit" && r.waitMs >= 1000));
    const stats = call.stats();
    assert.equal(stats.answered, 20);
    assert.equal(stats.rateLimited, 1);
    assert.equal(stats.retries, CHAOS.length);
  });
}

Deno.test("resilient call: a rejected key (401): exactly one request, no retry, kind authentication", async () => {
  await using sim = await startOpenAISim({ apiKey: "sk-right" });
  const provider = createOpenAIProvider({ baseUrl: `${sim.url}/v1`, apiKey: "sk-wrong-key" });
  const call = createResilientCall({ chain: [{ provider, model: "gpt-4o-mini", estimateCost: () => 0 }] });
  const retries: unknown[] = [];
  const e = await call(
    { model: "gpt-4o-mini", prompt: "p", maxTokens: 8 },
    ctx("i", { onRetry: (r) => retries.push(r) }),
  )
    .catch((e) => e);
  assert.ok(e instanceof SwebenchError);
  assert.equal(e.kind, "authentication");
  assert.equal(e.exitCode, 3);
  assert.equal((e as { attempts?: number }).attempts, 1);
  assert.equal(modelCalls(sim.requests).length, 1);
  assert.equal(retries.length, 0);
  assert.ok(!e.message.includes("sk-wrong-key"));
  // The key is disabled for the run: the next call sends nothing.
  await assert.rejects(call({ model: "gpt-4o-mini", prompt: "p", maxTokens: 8 }, ctx("j")), /401/);
  assert.equal(modelCalls(sim.requests).length, 1);
  assert.deepEqual(call.stats().keys.map((k) => [k.requests, k.failed, typeof k.disabled]), [[
    1,
    1,
    "string",
  ]]);
});

Deno.test("resilient call: quota on the first model -> the second answers; answeredBy says so", async () => {
  await using first = await startOpenAISim({
    faults: () => ({ type: "status", status: 429, code: "insufficient_quota" }),
  });
  await using second = await startAnthropicSim();
  const notices: string[] = [];
  const call = createResilientCall({
    chain: [
      {
        provider: createOpenAIProvider({ name: "openai", baseUrl: `${first.url}/v1`, apiKey: "sk-a" }),
        model: "gpt-4o-mini",
        estimateCost: () => 0.001,
      },
      {
        provider: createAnthropicProvider({ name: "anthropic", baseUrl: second.url, apiKey: "sk-b" }),
        model: "claude-haiku-4-5",
        estimateCost: () => 0.001,
      },
    ],
    budget: new Budget({ maxUsd: 1 }),
    retry: FAST,
  });
  const r = await call(
    { model: "gpt-4o-mini", prompt: "fix it", maxTokens: 32 },
    ctx("i1", { onNotice: (m) => notices.push(m) }),
  );
  assert.deepEqual(r.answeredBy, { provider: "anthropic", model: "claude-haiku-4-5" });
  assert.equal(r.attempts, 2);
  assert.equal(modelCalls(first.requests).length, 1, "quota is not retried");
  assert.equal(modelCalls(second.requests)[0].body.model, "claude-haiku-4-5");
  assert.ok(
    notices.some((n) =>
      /falling back from openai:gpt-4o-mini to anthropic:claude-haiku-4-5 after quota/.test(n)
    ),
  );
  // The quota'd key is disabled: the next call goes straight to the fallback.
  const r2 = await call({ model: "gpt-4o-mini", prompt: "again", maxTokens: 32 }, ctx("i2"));
  assert.equal(r2.answeredBy?.provider, "anthropic");
  assert.equal(modelCalls(first.requests).length, 1);
  const s = call.stats();
  assert.equal(s.fallbacks, 2);
  assert.deepEqual(s.answeredBy, { "anthropic:claude-haiku-4-5": 2 });
  // Nothing billed for the 429: the budget only holds the answered calls.
  assert.ok(s.budget!.spentUsd <= 0.002 + 1e-12);
});

Deno.test("resilient call: context_length goes only to an entry with a larger window", async () => {
  await using small = await startOpenAISim({ contextWindow: 50 });
  await using smaller = await startOpenAISim({ contextWindow: 40 });
  await using large = await startOpenAISim({ contextWindow: 100_000 });
  const entry = (name: string, url: string, contextWindow: number) => ({
    provider: createOpenAIProvider({ name, baseUrl: `${url}/v1`, apiKey: "sk" }),
    model: "gpt-4o-mini",
    contextWindow,
    estimateCost: () => 0,
  });
  const call = createResilientCall({
    chain: [
      entry("small", small.url, 50),
      entry("smaller", smaller.url, 40),
      entry("large", large.url, 100_000),
    ],
    retry: FAST,
  });
  const prompt = "word ".repeat(200);
  const r = await call({ model: "gpt-4o-mini", prompt, maxTokens: 16 }, ctx("i", { promptTokens: 210 }));
  assert.equal(r.answeredBy?.provider, "large");
  assert.equal(modelCalls(small.requests).length, 1);
  assert.equal(modelCalls(smaller.requests).length, 0, "a smaller window is skipped");
  // Without a larger entry the context_length error is final.
  const only = createResilientCall({
    chain: [entry("small", small.url, 50), entry("smaller", smaller.url, 40)],
  });
  await assert.rejects(
    only({ model: "gpt-4o-mini", prompt, maxTokens: 16 }, ctx("j", { promptTokens: 210 })),
    (e) => e instanceof SwebenchError && e.kind === "context_length",
  );
  assert.equal(modelCalls(smaller.requests).length, 0);
});

Deno.test("resilient call: auth and invalid_request never fall back", async () => {
  for (const kind of ["authentication", "invalid_request"] as const) {
    const a = fakeProvider({
      name: "a",
      prices: { input: 0, output: 0 },
      script: () => ({ type: "http", status: kind === "authentication" ? 401 : 400, kind }),
    });
    const b = fakeProvider({ name: "b", prices: { input: 0, output: 0 }, script: [] });
    const call = createResilientCall({
      chain: [{ provider: a, model: "a", estimateCost: () => 0 }, {
        provider: b,
        model: "b",
        estimateCost: () => 0,
      }],
    });
    await assert.rejects(
      call({ model: "a", prompt: "p", maxTokens: 1 }, ctx("i")),
      (e) => e instanceof SwebenchError && e.kind === kind,
    );
    assert.equal(a.requests.length, 1);
    assert.equal(b.requests.length, 0);
  }
});

Deno.test("resilient call: exhausted retries fall back; an open breaker falls back at once", async () => {
  const a = fakeProvider({
    name: "a",
    prices: { input: 0, output: 0 },
    script: () => ({ type: "http", status: 500, kind: "server" }),
  });
  const b = fakeProvider({ name: "b", prices: { input: 0, output: 0 }, script: [] });
  const changes: string[] = [];
  const call = createResilientCall({
    chain: [{ provider: a, model: "a", estimateCost: () => 0 }, {
      provider: b,
      model: "b",
      estimateCost: () => 0,
    }],
    retry: { maxAttempts: 3, baseMs: 0, capMs: 0 },
    breaker: { threshold: 4, cooldownMs: 60_000 },
    onBreakerChange: (c) => changes.push(`${c.endpoint}: ${c.from}->${c.to}`),
    sleep: () => Promise.resolve(),
  });
  const r1 = await call({ model: "a", prompt: "p", maxTokens: 1 }, ctx("i1"));
  assert.equal(r1.answeredBy?.provider, "b");
  assert.equal(r1.attempts, 4);
  assert.equal(a.requests.length, 3);
  // The 4th consecutive failure opens the breaker; after that "a" is not called at all.
  const r2 = await call({ model: "a", prompt: "p", maxTokens: 1 }, ctx("i2"));
  assert.equal(r2.answeredBy?.provider, "b");
  assert.equal(a.requests.length, 4);
  const r3 = await call({ model: "a", prompt: "p", maxTokens: 1 }, ctx("i3"));
  assert.equal(r3.answeredBy?.provider, "b");
  assert.equal(a.requests.length, 4, "open breaker: no request to a");
  assert.deepEqual(changes, ["a:a (http://fake.invalid/a): closed->open"]);
  assert.equal(call.stats().breakerChanges.length, 1);
});

Deno.test("resilient call: rate limits do not trip the breaker; a long server wait is reported, not slept", async () => {
  const a = fakeProvider({
    name: "a",
    prices: { input: 0, output: 0 },
    script: (n) =>
      n < 6
        ? { type: "http", status: 429, kind: "rate_limit", retryAfterMs: 1 }
        : { type: "ok", promptTokens: 1, completionTokens: 1 },
  });
  const call = createResilientCall({
    chain: [{ provider: a, model: "a", estimateCost: () => 0, rateLimits: { pauseSpacingMs: 1 } }],
    retry: { maxAttempts: 10, baseMs: 0, capMs: 0 },
    breaker: { threshold: 2 },
  });
  const r = await call({ model: "a", prompt: "p", maxTokens: 1 }, ctx("i"));
  assert.equal(r.attempts, 7);
  assert.equal(call.stats().breakerChanges.length, 0);

  const daily = fakeProvider({
    name: "d",
    prices: { input: 0, output: 0 },
    script: () => ({ type: "http", status: 429, kind: "rate_limit", retryAfterMs: 6 * 3_600_000 }),
  });
  const slept: number[] = [];
  const call2 = createResilientCall({
    chain: [{ provider: daily, model: "d", estimateCost: () => 0 }],
    sleep: (ms) => (slept.push(ms), Promise.resolve()),
  });
  const e = await call2({ model: "d", prompt: "p", maxTokens: 1 }, ctx("i")).catch((e) => e);
  assert.ok(e instanceof SwebenchError && e.kind === "quota", String(e));
  assert.match(e.message, /asks to wait 6 h/);
  assert.deepEqual(slept, []);
  assert.equal(daily.requests.length, 1);
});

Deno.test("resilient call: several keys — a rejected key sheds its load to the others", async () => {
  await using sim = await startOpenAISim({ apiKey: "sk-good-1" });
  const providers = ["sk-bad-0", "sk-good-1"].map((apiKey) =>
    createOpenAIProvider({ baseUrl: `${sim.url}/v1`, apiKey })
  );
  const notices: string[] = [];
  const call = createResilientCall({
    chain: [{ provider: providers, model: "gpt-4o-mini", estimateCost: () => 0 }],
  });
  for (let i = 0; i < 4; i++) {
    const r = await call(
      { model: "gpt-4o-mini", prompt: `p${i}`, maxTokens: 8 },
      ctx(`i${i}`, { onNotice: (m) => notices.push(m) }),
    );
    assert.ok(r.response.content.length > 0);
  }
  const keys = call.stats().keys;
  assert.deepEqual(keys.map((k) => k.label), ["openai key 1", "openai key 2"]);
  assert.equal(keys[0].requests, 1);
  assert.ok(keys[0].disabled?.startsWith("authentication"));
  assert.equal(keys[1].ok, 4);
  assert.ok(notices.some((n) => /openai key 1 disabled for this run/.test(n)));
  assert.ok(notices.every((n) => !n.includes("sk-bad-0")));
});

Deno.test("resilient call: several keys — calls spread by headroom", async () => {
  const keys = [0, 1, 2].map(() =>
    fakeProvider({ name: "openai", prices: { input: 0, output: 0 }, script: [] })
  );
  const call = createResilientCall({ chain: [{ provider: keys, model: "m", estimateCost: () => 0 }] });
  await Promise.all(
    Array.from({ length: 9 }, (_, i) => call({ model: "m", prompt: `p${i}`, maxTokens: 1 }, ctx(`i${i}`))),
  );
  assert.deepEqual(keys.map((k) => k.requests.length), [3, 3, 3]);
});

Deno.test("resilient call: an interrupted call stops at once (no retry, no fallback)", async () => {
  await using sim = await startOpenAISim({ latencyMs: 5000 });
  const b = fakeProvider({ name: "b", prices: { input: 0, output: 0 }, script: [] });
  const call = createResilientCall({
    chain: [
      {
        provider: createOpenAIProvider({ baseUrl: `${sim.url}/v1`, apiKey: "sk" }),
        model: "gpt-4o-mini",
        estimateCost: () => 0,
      },
      { provider: b, model: "b", estimateCost: () => 0 },
    ],
  });
  const ac = new AbortController();
  const p = call({ model: "gpt-4o-mini", prompt: "p", maxTokens: 8 }, ctx("i", { signal: ac.signal }));
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(p, (e) => e instanceof SwebenchError && e.kind === "interrupted");
  assert.equal(b.requests.length, 0);
});

Deno.test("resilient call: budget bookkeeping per outcome (HTTP error released, mid-stream failure kept)", async () => {
  const prices = { input: 1, output: 1 };
  const p = fakeProvider({
    prices,
    script: [
      { type: "http", status: 500, kind: "server" },
      { type: "cut", promptTokens: 10, completionTokens: 5 },
      { type: "ok", promptTokens: 10, completionTokens: 5 },
    ],
  });
  const budget = new Budget({ maxUsd: 1 });
  const call = createResilientCall({
    chain: [{ provider: p, model: "m", estimateCost: (pt, mt) => (pt + mt) / 1e6 }],
    budget,
    sleep: () => Promise.resolve(),
  });
  await call({ model: "m", prompt: "p", maxTokens: 100 }, ctx("i", { promptTokens: 10 }));
  // 500: released; cut: the worst case (110 tokens) kept; ok: 15 tokens.
  assert.equal(budget.spent.toFixed(8), ((110 + 15) / 1e6).toFixed(8));
  assert.equal(budget.reserved, 0);
  assert.ok(budget.spent >= p.billed);
});

Deno.test("mayHaveBeenBilled", () => {
  assert.equal(mayHaveBeenBilled(new SwebenchError("server", "500", { status: 500 })), false);
  assert.equal(
    mayHaveBeenBilled(
      new SwebenchError("connection", "x: cannot connect to y (Connection refused (os error 111))"),
    ),
    false,
  );
  assert.equal(mayHaveBeenBilled(new SwebenchError("config", "no key")), false);
  assert.equal(
    mayHaveBeenBilled(new SwebenchError("connection", "x: connection to y lost while reading the response")),
    true,
  );
  assert.equal(mayHaveBeenBilled(new SwebenchError("overloaded", "overloaded_error event")), true);
  assert.equal(mayHaveBeenBilled(new SwebenchError("timeout", "stalled")), true);
});
