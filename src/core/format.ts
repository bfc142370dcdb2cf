/**
 * Human formatting of waits and amounts of money: one format for each, used by every layer.
 *
 * @module
 */

/**
 * Milliseconds -> a short human duration: `850 ms`, `1.5 s`, `2 min 5 s`, `3 h 20 min`.
 *
 * @example
 * ```ts
 * import { formatWait } from "./format.ts";
 * formatWait(1500); // "1.5 s"
 * formatWait(125_000); // "2 min 5 s"
 * ```
 */
export function formatWait(ms: number): string {
  if (!Number.isFinite(ms)) return "forever";
  const t = Math.max(0, Math.round(ms));
  if (t < 1000) return `${t} ms`;
  if (t < 59_950) return `${Number((t / 1000).toFixed(1))} s`;
  // Rounded as a whole first, then split: 86,399 s is "24 h", never "23 h 60 min".
  const seconds = Math.round(t / 1000);
  if (seconds < 3600) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return s ? `${m} min ${s} s` : `${m} min`;
  }
  const minutes = Math.round(t / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/**
 * USD -> the runner's one money format: `unknown` for an unpriced amount, `$0` for nothing, two significant digits
 * below $0.0001 (`$4.2e-5`), four decimals below $1 (`$0.0042`, `$0.5000`), else two (`$12.30`).
 *
 * @example
 * ```ts
 * import { formatUsd } from "./format.ts";
 * formatUsd(5); // "$5.00"
 * formatUsd(0.00042); // "$0.0004"
 * formatUsd(undefined); // "unknown"
 * ```
 */
export function formatUsd(usd: number | undefined): string {
  if (usd === undefined) return "unknown";
  if (usd === 0) return "$0";
  if (usd < 0.0001) return `$${usd.toPrecision(2)}`;
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/**
 * A number with thousands separators, as `toLocaleString("en-US")` writes it (`1,234,567`, `1,234.5`, at most three
 * decimals), without loading the ICU locale data (about 20 ms on the first call, before a run's first request).
 *
 * @example
 * ```ts
 * import { formatCount } from "./format.ts";
 * formatCount(1234567); // "1,234,567"
 * formatCount(-1234.5678); // "-1,234.568"
 * ```
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n) || Math.abs(n) >= 1e21) return n.toLocaleString("en-US");
  const abs = Math.abs(n);
  let int = abs.toString(), frac = "";
  if (!Number.isInteger(abs)) {
    // Rounded half up on the shortest decimal form, at three decimals, as Intl.NumberFormat does.
    const [i, f = ""] = abs < 1e-6 ? ["0", ""] : int.split(".");
    const scaled = (BigInt(i + f.slice(0, 3).padEnd(3, "0")) + (f.charCodeAt(3) >= 53 ? 1n : 0n)).toString()
      .padStart(4, "0");
    int = scaled.slice(0, -3);
    frac = scaled.slice(-3).replace(/0+$/, "");
  }
  return (n < 0 || Object.is(n, -0) ? "-" : "") + int.replace(/\B(?=(\d{3})+$)/g, ",") +
    (frac ? `.${frac}` : "");
}
