import assert from "node:assert/strict";
import fc from "fast-check";
import { parseDuration, parseRateLimitHeaders } from "../../src/http/mod.ts";
import { anthropicRateLimit } from "../../src/providers/anthropic/codec.ts";

Deno.test("rate limit: parseDuration", () => {
  const cases: [string, number | undefined][] = [
    ["6m0s", 360_000],
    ["1.5s", 1500],
    ["12ms", 12],
    ["1h2m3.5s", 3_723_500],
    ["0s", 0],
    ["0", 0],
    ["20s", 20_000],
    ["59.999s", 59_999],
    ["500us", 0.5],
    ["250µs", 0.25],
    ["100ns", 0.0001],
    [" 2m ", 120_000],
    ["", undefined],
    ["   ", undefined],
    ["5", undefined],
    ["abc", undefined],
    ["1x", undefined],
    ["s", undefined],
    ["-1s", undefined],
    ["1.2.3s", undefined],
    ["1h 2m", undefined],
    ["6m0sx", undefined],
  ];
  for (const [text, ms] of cases) {
    const got = parseDuration(text);
    if (ms === undefined || got === undefined) assert.equal(got, ms, text);
    else assert.ok(Math.abs(got - ms) < 1e-9, `${text}: ${got}`);
  }
});

Deno.test("rate limit: parseDuration round-trips generated h/m/s/ms durations (fast-check)", () => {
  fc.assert(
    fc.property(
      fc.nat(99),
      fc.nat(59),
      fc.nat(59),
      fc.nat(999),
      (h, m, s, ms) => {
        const text = `${h ? `${h}h` : ""}${m}m${s}s${ms ? `${ms}ms` : ""}`;
        assert.equal(parseDuration(text), ((h * 60 + m) * 60 + s) * 1000 + ms);
      },
    ),
    { numRuns: 200 },
  );
  fc.assert(fc.property(fc.string(), (s) => {
    const v = parseDuration(s);
    assert.ok(v === undefined || (Number.isFinite(v) && v >= 0));
  }));
});

Deno.test("rate limit: OpenAI x-ratelimit-* headers", () => {
  const h = new Headers({
    "x-ratelimit-limit-requests": "10000",
    "x-ratelimit-remaining-requests": "9999",
    "x-ratelimit-reset-requests": "6ms",
    "x-ratelimit-limit-tokens": "30000000",
    "x-ratelimit-remaining-tokens": "29999990",
    "x-ratelimit-reset-tokens": "6m0s",
    "retry-after-ms": "100",
  });
  assert.deepEqual(parseRateLimitHeaders(h), {
    limitRequests: 10000,
    remainingRequests: 9999,
    resetRequestsMs: 6,
    limitTokens: 30_000_000,
    remainingTokens: 29_999_990,
    resetTokensMs: 360_000,
    retryAfterMs: 100,
  });
});

Deno.test("rate limit: Anthropic anthropic-ratelimit-* headers (RFC 3339 resets), read by the Anthropic codec only", () => {
  const now = Date.parse("2026-07-01T12:00:00Z");
  const full = new Headers({
    "anthropic-ratelimit-requests-limit": "50",
    "anthropic-ratelimit-requests-remaining": "49",
    "anthropic-ratelimit-requests-reset": "2026-07-01T12:00:01Z",
    "anthropic-ratelimit-tokens-limit": "90000",
    "anthropic-ratelimit-tokens-remaining": "80000",
    "anthropic-ratelimit-tokens-reset": "2026-07-01T12:00:30.500Z",
    "anthropic-ratelimit-input-tokens-limit": "40000",
    "anthropic-ratelimit-input-tokens-remaining": "1",
    "anthropic-ratelimit-input-tokens-reset": "2026-07-01T12:00:59Z",
    "retry-after": "7",
  });
  // The generic parser knows no vendor's headers: only retry-after here.
  assert.deepEqual(parseRateLimitHeaders(full, now), { retryAfterMs: 7000 });
  assert.deepEqual(parseRateLimitHeaders(full, now, anthropicRateLimit), {
    limitRequests: 50,
    remainingRequests: 49,
    resetRequestsMs: 1000,
    limitTokens: 90000,
    remainingTokens: 80000,
    resetTokensMs: 30_500,
    retryAfterMs: 7000,
  });
  // Without the combined tokens-* headers, input-tokens-* are used; a reset in the past is 0.
  const input = new Headers({
    "anthropic-ratelimit-input-tokens-limit": "40000",
    "anthropic-ratelimit-input-tokens-remaining": "0",
    "anthropic-ratelimit-input-tokens-reset": "2026-07-01T11:59:00Z",
    "anthropic-ratelimit-output-tokens-limit": "8000",
  });
  assert.deepEqual(parseRateLimitHeaders(input, now, anthropicRateLimit), {
    limitTokens: 40000,
    remainingTokens: 0,
    resetTokensMs: 0,
  });
});

Deno.test("rate limit: gateways, garbage and absence", () => {
  const now = 1_780_000_000_000;
  assert.deepEqual(
    parseRateLimitHeaders(
      new Headers({
        "x-ratelimit-limit": "20",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(now + 4000),
      }),
      now,
    ),
    { limitRequests: 20, remainingRequests: 0, resetRequestsMs: 4000 },
  );
  assert.deepEqual(parseRateLimitHeaders(new Headers({ "x-ratelimit-reset-requests": "20" }), now), {
    resetRequestsMs: 20_000,
  });
  assert.equal(parseRateLimitHeaders(new Headers({ "content-type": "application/json" })), undefined);
  assert.equal(
    parseRateLimitHeaders(
      new Headers({
        "x-ratelimit-remaining-requests": "many",
        "x-ratelimit-reset-tokens": "later",
        "retry-after": "?",
      }),
    ),
    undefined,
  );
});
