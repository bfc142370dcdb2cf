import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/mod.ts";
import { KeyPool } from "../../src/resilience/key_pool.ts";
import { RateLimiter } from "../../src/resilience/rate_limiter.ts";
import { fakeProvider } from "./_fake_provider.ts";

const provider = (name = "openai") => fakeProvider({ name, prices: { input: 0, output: 0 }, script: [] });

Deno.test("key pool: labels never show keys; a single key is named after its provider", () => {
  assert.deepEqual(new KeyPool({ keys: [{ provider: provider("anthropic") }] }).keys.map((k) => k.label), [
    "anthropic",
  ]);
  const pool = new KeyPool({
    keys: [{ provider: provider() }, { provider: provider(), label: "openai (...abcd)" }],
  });
  assert.deepEqual(pool.keys.map((k) => k.label), ["openai key 1", "openai (...abcd)"]);
  assert.throws(() => new KeyPool({ keys: [] }));
});

Deno.test("key pool: picks the key with the most headroom", async () => {
  const limiters = [new RateLimiter(), new RateLimiter()];
  const pool = new KeyPool({ keys: limiters.map((limiter) => ({ provider: provider(), limiter })) });
  // Key 1 has 10 % left, key 2 has 80 % left.
  const p1 = await limiters[0].acquire();
  limiters[0].observe({ limitRequests: 10, remainingRequests: 1, resetRequestsMs: 60_000 }, p1);
  const p2 = await limiters[1].acquire();
  limiters[1].observe({ limitRequests: 10, remainingRequests: 8, resetRequestsMs: 60_000 }, p2);
  assert.equal(pool.pick().index, 1);
  // A paused key (429) has no headroom: its load goes to the others.
  limiters[1].pause(30_000);
  assert.equal(pool.pick().index, 0);
});

Deno.test("key pool: ties go to the least loaded, then round robin", async () => {
  const pool = new KeyPool({
    keys: [{ provider: provider() }, { provider: provider() }, { provider: provider() }],
  });
  assert.deepEqual([pool.pick().index, pool.pick().index, pool.pick().index, pool.pick().index], [
    0,
    1,
    2,
    0,
  ]);
  const permit = await pool.keys[1].limiter.acquire();
  assert.deepEqual([pool.pick().index, pool.pick().index], [2, 0]);
  pool.keys[1].limiter.release(permit);
});

Deno.test("key pool: auth and quota disable a key for the run with a notice; rate limits do not", () => {
  const notices: string[] = [];
  const pool = new KeyPool({
    keys: [{ provider: provider() }, { provider: provider() }, { provider: provider() }],
    onNotice: (m) => notices.push(m),
  });
  const [k1, k2, k3] = pool.keys;
  for (const k of pool.keys) pool.sent(k);
  assert.equal(pool.failed(k1, new SwebenchError("rate_limit", "429")), false);
  assert.equal(pool.failed(k1, new SwebenchError("authentication", "openai: 401 Incorrect API key")), true);
  assert.equal(pool.failed(k2, new SwebenchError("quota", "openai: 429 insufficient_quota")), true);
  assert.equal(pool.enabled, 1);
  assert.equal(pool.pick(), k3);
  assert.equal(notices.length, 2);
  assert.match(notices[0], /openai key 1 disabled for this run \(authentication: .*\); 2 keys left/);
  assert.match(notices[1], /openai key 2 disabled.*1 key left/);
  pool.succeeded(k3);
  assert.deepEqual(
    pool.stats().map((s) => [s.requests, s.ok, s.failed, s.rateLimited, s.disabled?.split(":")[0]]),
    [
      [1, 0, 2, 1, "authentication"],
      [1, 0, 1, 0, "quota"],
      [1, 1, 0, 0, undefined],
    ],
  );
  // The last key goes: pick throws the error that disabled it.
  pool.failed(k3, new SwebenchError("quota", "q3"));
  assert.throws(() => pool.pick(), (e) => e instanceof SwebenchError && e.kind === "quota");
});
