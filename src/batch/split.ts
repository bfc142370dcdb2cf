/**
 * Splitting a run's requests into batches the API accepts: at most `maxRequests` items and `maxBytes` bytes each
 * (OpenAI 50,000 lines and 200 MB per input file; Anthropic 100,000 requests and 256 MB per create request).
 * SWE-bench prompts are ~10 KB, so 50,000 of them (~518 MB) need three OpenAI files although the count fits one:
 * size decides as often as count.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import type { BatchLimits } from "./types.ts";

/** One batch of a split: items `[start, end)` of the input, their count and bytes as the API counts them. */
export interface BatchSlice {
  /** First item (index into the input). */
  start: number;
  /** One past the last item. */
  end: number;
  /** Bytes of the batch: items, their overhead, the batch's fixed overhead. */
  bytes: number;
}

/**
 * Cut items of the given byte sizes into consecutive batches, in order, each as full as the limits allow (greedy:
 * the fewest batches for consecutive slices). An item that cannot fit even alone is a `usage` error naming it
 * (`label(index)`), before anything is sent.
 *
 * @example
 * ```ts
 * import { splitBatches } from "./split.ts";
 * const limits = { maxRequests: 2, maxBytes: 100, itemOverhead: 1, fixedOverhead: 0 };
 * splitBatches([10, 10, 10], limits); // [{ start: 0, end: 2, bytes: 22 }, { start: 2, end: 3, bytes: 11 }]
 * ```
 */
export function splitBatches(
  sizes: readonly number[],
  limits: BatchLimits,
  label: (index: number) => string = (i) => `request ${i + 1}`,
): BatchSlice[] {
  const slices: BatchSlice[] = [];
  let start = 0;
  let bytes = limits.fixedOverhead;
  for (let i = 0; i < sizes.length; i++) {
    const item = sizes[i] + limits.itemOverhead;
    if (limits.fixedOverhead + item > limits.maxBytes) {
      throw new SwebenchError(
        "usage",
        `${label(i)} is ${formatBytes(sizes[i])}: more than one batch may hold (${
          formatBytes(limits.maxBytes)
        }).`,
        { hint: "Run it without --batch, or with a smaller --max-tokens or context." },
      );
    }
    if (i > start && (i - start >= limits.maxRequests || bytes + item > limits.maxBytes)) {
      slices.push({ start, end: i, bytes });
      start = i;
      bytes = limits.fixedOverhead;
    }
    bytes += item;
  }
  if (sizes.length > start) slices.push({ start, end: sizes.length, bytes });
  return slices;
}

/**
 * Bytes for people: `512 B`, `9.8 KB`, `518 MB`, `1.2 GB` (decimal units, as the APIs state their limits).
 *
 * @example
 * ```ts
 * import { formatBytes } from "./split.ts";
 * formatBytes(200_000_000); // "200 MB"
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const text = unit === 0 || value >= 100 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, "");
  return `${text} ${units[unit]}`;
}
