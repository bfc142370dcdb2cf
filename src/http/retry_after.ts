/**
 * `retry-after-ms` / `retry-after` parsing (re-exported from `status.ts`, which the contract names).
 *
 * @module
 */

const NUMBER = /^\d+(?:\.\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/;
const TIME_OF_DAY = /\b\d{1,2}:\d{2}:\d{2}\b/;

/**
 * An RFC 3339 time or an HTTP date (IMF-fixdate, RFC 850, asctime) -> epoch milliseconds; `undefined` otherwise.
 * Stricter than `Date.parse`, which accepts strings such as `"foo 5"`.
 */
export function parseTimestamp(text: string): number | undefined {
  const s = text.trim();
  if (!ISO_DATE.test(s) && !TIME_OF_DAY.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Server-suggested wait in milliseconds: `retry-after-ms` (OpenAI), else `retry-after` as seconds or an HTTP date
 * (a date in the past gives 0); `undefined` when absent or invalid.
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from "@swebench/runner/lib";
 * parseRetryAfter(new Headers({ "retry-after": "2" })); // 2000
 * parseRetryAfter(new Headers({ "retry-after-ms": "150" })); // 150
 * ```
 */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms")?.trim();
  if (ms !== undefined && NUMBER.test(ms)) return Number(ms);
  const value = headers.get("retry-after")?.trim();
  if (value === undefined || value === "") return undefined;
  if (NUMBER.test(value)) return Number(value) * 1000;
  const t = parseTimestamp(value);
  return t === undefined ? undefined : Math.max(0, t - now);
}
