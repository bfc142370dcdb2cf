import assert from "node:assert/strict";
import fc from "fast-check";
import { type ErrorKind, SwebenchError } from "../../src/core/mod.ts";
import {
  backoffMs,
  decideRetry,
  DEFAULT_RETRY_POLICY,
  resolveRetryPolicy,
  retry,
  sleep,
} from "../../src/resilience/retry.ts";

Deno.test("retry: defaults", () => {
  assert.deepEqual(resolveRetryPolicy(), {
    maxAttempts: 5,
    baseMs: 500,
    capMs: 60_000,
    maxWaitMs: 120_000,
  });
  assert.deepEqual(
    resolveRetryPolicy({ maxAttempts: 0, baseMs: -1, capMs: Number.NaN }),
    DEFAULT_RETRY_POLICY,
  );
});

Deno.test("retry: full jitter stays in [0, min(cap, base * 2^n)]", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 80 }),
      fc.integer({ min: 0, max: 5000 }),
      fc.integer({ min: 0, max: 100_000 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (n, baseMs, capMs, r) => {
        const wait = backoffMs(n, { baseMs, capMs }, () => r);
        const bound = Math.min(capMs, baseMs * 2 ** (n - 1));
        assert.ok(wait >= 0 && wait <= bound, `${wait} not in [0, ${bound}]`);
      },
    ),
  );
  assert.equal(backoffMs(1, { baseMs: 500 }, () => 1), 500);
  assert.equal(backoffMs(3, { baseMs: 500 }, () => 1), 2000);
  assert.equal(backoffMs(30, { baseMs: 500, capMs: 60_000 }, () => 1), 60_000);
  assert.equal(backoffMs(3, { baseMs: 500 }, () => 0), 0);
});

Deno.test("retry: a server hint is a floor, never less", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 120_000 }), fc.integer({ min: 1, max: 4 }), (hint, attempt) => {
      const d = decideRetry(new SwebenchError("rate_limit", "429", { retryAfterMs: hint }), attempt);
      assert.ok(d.retry);
      assert.ok(d.waitMs >= hint);
    }),
  );
});

Deno.test("retry: non-retryable kinds are never retried", () => {
  const never: ErrorKind[] = [
    "authentication",
    "quota",
    "invalid_request",
    "context_length",
    "model_not_found",
    "budget",
    "config",
    "permission",
    "content_filter",
    "unexpected",
  ];
  for (const kind of never) {
    const d = decideRetry(new SwebenchError(kind, kind), 1);
    assert.equal(d.retry, false, kind);
    if (!d.retry) assert.equal(d.reason, "not-retryable");
  }
  const i = decideRetry(new SwebenchError("interrupted", "x"), 1);
  assert.ok(!i.retry && i.reason === "interrupted");
  for (const kind of ["rate_limit", "overloaded", "server", "timeout", "connection"] as const) {
    assert.equal(decideRetry(new SwebenchError(kind, kind), 1).retry, true, kind);
  }
});

Deno.test("retry: exhausted after maxAttempts", () => {
  const e = new SwebenchError("server", "500");
  assert.equal(decideRetry(e, 4, { policy: { maxAttempts: 5 } }).retry, true);
  const d = decideRetry(e, 5, { policy: { maxAttempts: 5 } });
  assert.ok(!d.retry && d.reason === "exhausted" && d.error === e);
});

Deno.test("retry: a server wait longer than maxWaitMs is reported, not slept through", () => {
  const e = new SwebenchError("rate_limit", "openai: 429 Rate limit reached for requests per day", {
    retryAfterMs: 3 * 3_600_000,
    status: 429,
  });
  const d = decideRetry(e, 1, { policy: { maxWaitMs: 120_000 } });
  assert.ok(!d.retry);
  assert.equal(d.reason, "wait-too-long");
  // A rate limit that far away is the account's allowance used up: quota (exit 3), with the wait named.
  assert.equal(d.error.kind, "quota");
  assert.equal(d.error.code, "rate_limit_wait");
  assert.equal(d.error.status, 429);
  assert.match(d.error.message, /the provider asks to wait 3 h, until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  assert.match(d.error.hint, /longer than the 2 min this tool waits/);
  assert.doesNotMatch(d.error.hint, /concurrency/);
  const overloaded = decideRetry(new SwebenchError("overloaded", "529", { retryAfterMs: 3_600_000 }), 1);
  assert.ok(!overloaded.retry && overloaded.error.kind === "overloaded");
  assert.match(overloaded.error.message, /asks to wait 1 h, longer than the 2 min retry wait limit/);
});

Deno.test("retry: retry() runs until success and reports each retry", async () => {
  const seen: Array<{ attempt: number; waitMs: number; kind: string }> = [];
  const slept: number[] = [];
  let calls = 0;
  const value = await retry(
    (attempt) => {
      calls++;
      if (attempt < 3) return Promise.reject(new SwebenchError("overloaded", "529", { retryAfterMs: 7 }));
      return Promise.resolve("ok");
    },
    {
      policy: { baseMs: 1, capMs: 2 },
      onRetry: (i) => seen.push({ attempt: i.attempt, waitMs: i.waitMs, kind: i.error.kind }),
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
    },
  );
  assert.equal(value, "ok");
  assert.equal(calls, 3);
  assert.deepEqual(seen.map((s) => s.attempt), [1, 2]);
  assert.ok(slept.every((ms) => ms >= 7));
});

Deno.test("retry: retry() stops on a non-retryable error and sets attempts", async () => {
  let calls = 0;
  await assert.rejects(
    retry(() => {
      calls++;
      return Promise.reject(new SwebenchError("authentication", "401"));
    }),
    (e) =>
      e instanceof SwebenchError && e.kind === "authentication" &&
      (e as { attempts?: number }).attempts === 1,
  );
  assert.equal(calls, 1);
});

Deno.test("retry: sleep is abort-aware and clears its timer", async () => {
  const ac = new AbortController();
  const p = sleep(60_000, ac.signal);
  ac.abort();
  await assert.rejects(p, (e) => e instanceof SwebenchError && e.kind === "interrupted");
  await assert.rejects(
    sleep(10, AbortSignal.abort()),
    (e) => e instanceof SwebenchError && e.kind === "interrupted",
  );
  await sleep(1);
});

Deno.test("retry: an abort during the backoff ends retry() with interrupted", async () => {
  const ac = new AbortController();
  const p = retry(() => Promise.reject(new SwebenchError("server", "500")), {
    signal: ac.signal,
    policy: { baseMs: 60_000, capMs: 60_000 },
    random: () => 1,
  });
  setTimeout(() => ac.abort(), 5);
  await assert.rejects(p, (e) => e instanceof SwebenchError && e.kind === "interrupted");
});
