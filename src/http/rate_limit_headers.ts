/**
 * Rate-limit headers -> {@linkcode RateLimitSnapshot}: OpenAI's `x-ratelimit-*` (Go durations such as `6m0s`),
 * Anthropic's `anthropic-ratelimit-*` (RFC 3339 times) and `retry-after-ms` / `retry-after`.
 *
 * @module
 */
import type { RateLimitSnapshot } from "../core/mod.ts";
import { parseRetryAfter, parseTimestamp } from "./retry_after.ts";

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/**
 * A Go-style duration (`6m0s`, `1.5s`, `12ms`, `1h2m3.5s`, `0s`, `0`) -> milliseconds; `undefined` for anything
 * else (negative values, a number without a unit, garbage).
 *
 * @example
 * ```ts
 * import { parseDuration } from "@swebench/runner/lib";
 * parseDuration("6m0s"); // 360000
 * parseDuration("1.5s"); // 1500
 * parseDuration("soon"); // undefined
 * ```
 */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== "string") return undefined;
  const s = text.trim();
  if (s === "0") return 0;
  if (s === "" || !DURATION.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A reset value -> milliseconds from `now`: a duration (`6m0s`), an RFC 3339 / HTTP date, plain seconds (`20`),
 * or an epoch in seconds or milliseconds (some gateways). Past times give 0.
 */
function parseReset(value: string, now: number): number | undefined {
  const duration = parseDuration(value);
  if (duration !== undefined) return duration;
  const s = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(s)) {
    const n = Number(s);
    if (n >= 1e12) return Math.max(0, n - now); // epoch milliseconds
    if (n >= 1e9) return Math.max(0, n * 1000 - now); // epoch seconds
    return n * 1000; // seconds
  }
  const t = parseTimestamp(s);
  return t === undefined ? undefined : Math.max(0, t - now);
}

/**
 * A header value as a non-negative integer (a count); undefined when absent or not digits.
 *
 * @example
 * ```ts
 * import { headerInt } from "./rate_limit_headers.ts";
 * headerInt("49"); // 49
 * ```
 */
export function headerInt(value: string | null): number | undefined {
  if (value === null) return undefined;
  const s = value.trim();
  if (!/^\d+$/.test(s)) return undefined;
  return Number(s);
}

/**
 * A reset header (a duration, epoch seconds or milliseconds, an RFC 3339 time) as milliseconds from `now`.
 *
 * @example
 * ```ts
 * import { headerReset } from "./rate_limit_headers.ts";
 * headerReset("2026-07-01T12:00:01Z", Date.parse("2026-07-01T12:00:00Z")); // 1000
 * ```
 */
export function headerReset(value: string | null, now: number): number | undefined {
  return value === null ? undefined : parseReset(value, now);
}

/**
 * The rate-limit state a response's headers describe; `undefined` when they describe none.
 *
 * OpenAI (and compatible servers): `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`; then the vendor's own
 * headers (`vendor`, e.g. the Anthropic codec's `anthropic-ratelimit-*`); gateways' unsuffixed
 * `x-ratelimit-{limit,remaining,reset}` (reset as an epoch or a duration) fill the request fields when nothing more
 * specific was sent.
 * `retryAfterMs` comes from {@linkcode parseRetryAfter}.
 *
 * @example
 * ```ts
 * import { parseRateLimitHeaders } from "@swebench/runner/lib";
 * const h = new Headers({ "x-ratelimit-remaining-requests": "59", "x-ratelimit-reset-requests": "1s" });
 * parseRateLimitHeaders(h); // { remainingRequests: 59, resetRequestsMs: 1000 }
 * ```
 */
export function parseRateLimitHeaders(
  headers: Headers,
  now: number = Date.now(),
  vendor?: (headers: Headers, now: number) => RateLimitSnapshot | undefined,
): RateLimitSnapshot | undefined {
  const out: RateLimitSnapshot = {};
  const set = <K extends keyof RateLimitSnapshot>(key: K, value: number | undefined) => {
    if (value !== undefined && out[key] === undefined) out[key] = value;
  };
  // OpenAI (and compatible servers).
  set("limitRequests", headerInt(headers.get("x-ratelimit-limit-requests")));
  set("remainingRequests", headerInt(headers.get("x-ratelimit-remaining-requests")));
  set("resetRequestsMs", headerReset(headers.get("x-ratelimit-reset-requests"), now));
  set("limitTokens", headerInt(headers.get("x-ratelimit-limit-tokens")));
  set("remainingTokens", headerInt(headers.get("x-ratelimit-remaining-tokens")));
  set("resetTokensMs", headerReset(headers.get("x-ratelimit-reset-tokens"), now));
  // The vendor's own headers, where the suffixed ones said nothing.
  const own = vendor?.(headers, now);
  if (own !== undefined) {
    for (const key of Object.keys(own) as (keyof RateLimitSnapshot)[]) set(key, own[key]);
  }
  // Gateways (OpenRouter and others): unsuffixed `x-ratelimit-{limit,remaining,reset}` count requests.
  set("limitRequests", headerInt(headers.get("x-ratelimit-limit")));
  set("remainingRequests", headerInt(headers.get("x-ratelimit-remaining")));
  set("resetRequestsMs", headerReset(headers.get("x-ratelimit-reset"), now));
  set("retryAfterMs", parseRetryAfter(headers, now));
  for (const _ in out) return out;
  return undefined;
}
