import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/mod.ts";
import { createOpenAIProvider } from "../../src/providers/openai/provider.ts";
import { createResilientCall } from "../../src/resilience/resilient_call.ts";
import { RateLimiter, type RateLimitPermit } from "../../src/resilience/rate_limiter.ts";
import { ollamaConcurrency } from "../../src/providers/ollama/spec.ts";
import { startAnthropicSim, startOpenAISim } from "../simulator/mod.ts";
import { createAnthropicProvider } from "../../src/providers/anthropic/provider.ts";

/** Resolves on the next macrotask: anything grantable by then has been granted. */
const tick = () => new Promise((r) => setTimeout(r, 0));

/** Track whether a promise settled. */
function track<T>(p: Promise<T>) {
  const t = { done: false, value: undefined as T | undefined, error: undefined as unknown, promise: p };
  p.then((v) => {
    t.done = true;
    t.value = v;
  }, (e) => {
    t.done = true;
    t.error = e;
  });
  return t;
}

Deno.test("limiter: unthrottled until limits are known", async () => {
  const l = new RateLimiter();
  const permits = await Promise.all(Array.from({ length: 20 }, () => l.acquire(1000)));
  assert.equal(l.inFlight, 20);
  for (const p of permits) l.release(p);
  assert.equal(l.inFlight, 0);
  assert.equal(l.headroom(), 1);
});

Deno.test("limiter: configured rpm applies; a wait past maxWaitMs is refused at once with retryAfterMs", async () => {
  const l = new RateLimiter({ name: "openai key 1", rpm: 2, maxWaitMs: 50 });
  await l.acquire(0);
  await l.acquire(0);
  const e = await l.acquire(0).catch((e) => e);
  assert.ok(e instanceof SwebenchError);
  assert.equal(e.kind, "rate_limit");
  assert.match(e.message, /openai key 1: the rate limit allows the next call in 1 min/);
  assert.ok(e.retryAfterMs! > 59_000);
  assert.equal(l.stats().refused, 1);
  assert.equal(l.queued, 0);
});

Deno.test("limiter: configured tpm; a call larger than the window goes alone on a full window", async () => {
  const l = new RateLimiter({ tpm: 1000, maxWaitMs: 10 });
  const p = await l.acquire(5000); // larger than the whole limit: admitted on the full window
  assert.equal(p.tokens, 5000);
  await assert.rejects(l.acquire(1), (e) => e instanceof SwebenchError && e.kind === "rate_limit");
});

Deno.test("limiter: learns limit, remaining and reset; waits for the reset", async () => {
  const l = new RateLimiter();
  const p = await l.acquire(0);
  // A reset far longer than one macrotask, so that a loaded machine cannot let it pass before the check below.
  l.observe({ limitRequests: 3, remainingRequests: 0, resetRequestsMs: 300 }, p);
  assert.equal(l.stats().limitRequests, 3);
  assert.equal(l.stats().remainingRequests, 0);
  assert.equal(l.headroom(), 0);
  const t = track(l.acquire(0));
  await tick();
  assert.equal(t.done, false, "blocked until the reset");
  await t.promise;
  assert.equal(l.stats().remainingRequests, 2, "the window refilled to the learned limit");
  l.release(t.value!);
});

Deno.test("limiter: server remaining minus calls in flight (conservative)", async () => {
  const l = new RateLimiter();
  const permits = await Promise.all(Array.from({ length: 8 }, () => l.acquire(0)));
  // The first answer says 9 left; 7 more calls are in flight and may not be counted yet.
  l.observe({ limitRequests: 10, remainingRequests: 9, resetRequestsMs: 1000 }, permits[0]);
  assert.equal(l.stats().remainingRequests, 2);
  // Later answers of the same window only lower it.
  l.observe({ limitRequests: 10, remainingRequests: 8, resetRequestsMs: 990 }, permits[1]);
  assert.equal(l.stats().remainingRequests, 2);
  for (const p of permits.slice(2)) l.release(p);
});

Deno.test("limiter: token bucket learned from headers", async () => {
  const l = new RateLimiter({ maxWaitMs: 5 });
  const p = await l.acquire(100);
  l.observe({ limitTokens: 1000, remainingTokens: 150, resetTokensMs: 30_000 }, p);
  const q = await l.acquire(150);
  await assert.rejects(l.acquire(1), (e) => e instanceof SwebenchError && e.kind === "rate_limit");
  l.release(q);
});

Deno.test("limiter: FIFO — a large waiter at the head is not overtaken by small ones", async () => {
  const l = new RateLimiter();
  const p = await l.acquire(0);
  l.observe({ limitTokens: 100, remainingTokens: 50, resetTokensMs: 300 }, p);
  const order: string[] = [];
  const big = l.acquire(90).then((x) => (order.push("big"), x));
  const small = l.acquire(10).then((x) => (order.push("small"), x));
  await tick();
  assert.deepEqual(order, [], "small fits now but must not overtake big");
  const [b, s] = await Promise.all([big, small]);
  assert.deepEqual(order, ["big", "small"]);
  l.release(b);
  l.release(s);
});

Deno.test("limiter: concurrency cap queues in order and frees slots as calls end", async () => {
  const l = new RateLimiter({ maxConcurrent: 2 });
  const a = await l.acquire();
  const b = await l.acquire();
  const order: number[] = [];
  const waiting = [3, 4, 5].map((n) => l.acquire().then((p) => (order.push(n), p)));
  await tick();
  assert.equal(l.queued, 3);
  l.observe(undefined, a);
  await tick();
  assert.deepEqual(order, [3]);
  l.release(b);
  l.release(b); // double release is ignored
  await tick();
  assert.deepEqual(order, [3, 4]);
  const [p3, p4, p5] = await (async () => {
    const p3 = await waiting[0];
    l.release(p3);
    return [p3, await waiting[1], await waiting[2]];
  })();
  assert.deepEqual(order, [3, 4, 5]);
  for (const p of [p4, p5]) l.release(p);
  assert.ok(p3);
  assert.equal(l.inFlight, 0);
});

Deno.test("limiter: an aborted waiter leaves the queue with interrupted; others keep their place", async () => {
  const l = new RateLimiter({ maxConcurrent: 1 });
  const first = await l.acquire();
  const ac = new AbortController();
  const aborted = l.acquire(0, ac.signal);
  const next = l.acquire(0);
  ac.abort();
  await assert.rejects(aborted, (e) => e instanceof SwebenchError && e.kind === "interrupted");
  assert.equal(l.queued, 1);
  l.release(first);
  l.release(await next);
  await assert.rejects(
    l.acquire(0, AbortSignal.abort()),
    (e) => e instanceof SwebenchError && e.kind === "interrupted",
  );
});

Deno.test("limiter: one shared pause, then release at a pace (not all at once)", async () => {
  const l = new RateLimiter({ pauseSpacingMs: 30 });
  const p = await l.acquire();
  const pausedAt = Date.now();
  l.pause(80);
  l.release(p);
  assert.equal(l.headroom(), 0);
  const grants = await Promise.all([1, 2, 3].map(() => l.acquire()));
  // Correctness lower bounds: nobody before the pause ends, and grants spaced by the pace.
  assert.ok(grants[0].grantedAt - pausedAt >= 80);
  assert.ok(grants[1].grantedAt - grants[0].grantedAt >= 30);
  assert.ok(grants[2].grantedAt - grants[1].grantedAt >= 30);
  // A call granted after the pause answers: the pace is lifted.
  l.observe(undefined, grants[0]);
  const free = await Promise.all([1, 2, 3].map(() => l.acquire()));
  for (const g of [...grants.slice(1), ...free]) l.release(g);
  assert.equal(l.stats().pauses, 1);
});

Deno.test("limiter: after a pause the learned pace is window / limit", async () => {
  const l = new RateLimiter();
  const p = await l.acquire();
  l.observe({ limitRequests: 20, remainingRequests: 19, resetRequestsMs: 1000 }, p);
  l.pause(10);
  const a = await l.acquire();
  const b = await l.acquire();
  assert.ok(b.grantedAt - a.grantedAt >= 50, "1000 ms / 20 requests");
  l.release(a);
  l.release(b);
});

Deno.test("limiter: stale snapshots (granted before a window refresh) do not shrink the new window", async () => {
  const l = new RateLimiter();
  const first = await l.acquire();
  l.observe({ limitRequests: 5, remainingRequests: 4, resetRequestsMs: 40 }, first);
  const old: RateLimitPermit[] = [];
  for (let i = 0; i < 4; i++) old.push(await l.acquire());
  const fresh = await l.acquire(); // waits for the reset
  // An answer for a call of the old window arrives late, saying 0 left.
  l.observe({ limitRequests: 5, remainingRequests: 0, resetRequestsMs: 1 }, old[0]);
  assert.equal(l.stats().remainingRequests, 4);
  for (const p of [...old.slice(1), fresh]) l.release(p);
});

Deno.test("limiter: suggestedWaitMs and stats", async () => {
  const l = new RateLimiter({ name: "k" });
  assert.equal(l.suggestedWaitMs(), undefined);
  const p = await l.acquire();
  l.observe({ limitRequests: 2, remainingRequests: 0, resetRequestsMs: 5000 }, p);
  const w = l.suggestedWaitMs()!;
  assert.ok(w > 4000 && w <= 5000);
  const s = l.stats();
  assert.equal(s.name, "k");
  assert.equal(s.granted, 1);
  assert.equal(s.inFlight, 0);
});

Deno.test("limiter: ollamaConcurrency", () => {
  assert.equal(ollamaConcurrency(), 4);
  assert.equal(ollamaConcurrency("2"), 2);
  assert.equal(ollamaConcurrency(" 1 "), 1);
  assert.equal(ollamaConcurrency("0"), 4);
  assert.equal(ollamaConcurrency("lots"), 4);
  assert.equal(ollamaConcurrency(1000), 64);
});

// ------------------------------------------------------------------ against the simulators

async function paceRun(
  start: typeof startOpenAISim,
  make: (url: string) => ReturnType<typeof createOpenAIProvider>,
  calls: number,
) {
  await using sim = await start({ rateLimit: { requests: 10, windowMs: 400 }, tokenizer: "approx" });
  const provider = make(sim.url);
  const call = createResilientCall({
    chain: [{ provider, model: "m", estimateCost: () => 0 }],
    retry: { baseMs: 20, capMs: 200 },
  });
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      const r = await call(
        { model: "m", prompt: `instance ${i}`, maxTokens: 32 },
        { instanceId: `i${i}`, promptTokens: 10, signal: new AbortController().signal, stream: false },
      );
      assert.ok(r.response.content.length > 0);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const model = sim.requests.filter((r) => r.n !== undefined);
  const limited = model.filter((r) => r.status === 429).length;
  return { total: model.length, limited, stats: call.stats() };
}

Deno.test("limiter + OpenAI sim: 32 calls at concurrency 8 against 10 per window: <= 5 % answered 429", async () => {
  const r = await paceRun(
    startOpenAISim,
    (url) => createOpenAIProvider({ baseUrl: `${url}/v1`, apiKey: "sk-test" }),
    32,
  );
  assert.equal(r.stats.answered, 32);
  assert.ok(r.limited / r.total <= 0.05, `${r.limited} of ${r.total} requests answered 429`);
  assert.equal(r.stats.limiters[0].limitRequests, 10, "the limit was learned from x-ratelimit headers");
});

Deno.test("limiter + Anthropic sim: anthropic-ratelimit-* headers (RFC 3339 resets) pace the same way", async () => {
  const r = await paceRun(
    startAnthropicSim,
    (url) => createAnthropicProvider({ baseUrl: url, apiKey: "sk-ant-test" }),
    32,
  );
  assert.equal(r.stats.answered, 32);
  assert.ok(r.limited / r.total <= 0.05, `${r.limited} of ${r.total} requests answered 429`);
});
