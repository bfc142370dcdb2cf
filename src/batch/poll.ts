/**
 * Waiting for batches: poll each until it has ended, with a growing interval (5 s, then x1.5 up to 60 s), through
 * transient API failures (rate limits, overload, server errors, timeouts, lost connections: the wait goes on;
 * the server's retry-after is honoured), and stopping at once when the caller's signal aborts.
 *
 * @module
 */
import { type CallOptions, SwebenchError, toSwebenchError } from "../core/mod.ts";
import type { BatchApi } from "./api.ts";
import type { BatchInfo } from "./types.ts";

/**
 * Options of {@linkcode waitForBatches}.
 *
 * @example
 * ```ts
 * import type { PollOptions } from "./poll.ts";
 * const options: PollOptions = { initialMs: 5_000, maxMs: 60_000, onUpdate: (b) => console.log(b.map((x) => x.status)) };
 * ```
 */
export interface PollOptions extends CallOptions {
  /** First interval between polls (default 5,000 ms). */
  initialMs?: number;
  /** Longest interval (default 60,000 ms). */
  maxMs?: number;
  /** Growth of the interval after each poll (default 1.5). */
  factor?: number;
  /** Transient failures in a row tolerated before the error is thrown (default 20). */
  maxErrors?: number;
  /** Every batch as last seen, after each round of polls (the first round included). */
  onUpdate?: (batches: BatchInfo[]) => void;
  /** A transient failure, and how long the wait before the next round is. */
  onError?: (error: SwebenchError, waitMs: number) => void;
  /** The wait (tests replace it); resolves early, rejecting with nothing, when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Kinds of failure after which polling goes on. */
const TRANSIENT = new Set(["rate_limit", "overloaded", "server", "timeout", "connection"]);

/**
 * Sleep `ms`, or less when `signal` aborts.
 *
 * @example
 * ```ts
 * import { abortableSleep } from "./poll.ts";
 * await abortableSleep(10);
 * ```
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Poll `batches` (ids, or batches already seen) until every one has ended, and return them as last seen, in the
 * given order. A caller abort is an `interrupted` error (the batches keep running at the provider); a failure that
 * is not transient (authentication, a batch that is gone) is thrown at once.
 *
 * @example
 * ```ts ignore
 * import { waitForBatches } from "./poll.ts";
 * const [done] = await waitForBatches(api, ["batch_abc"], { onUpdate: ([b]) => console.log(b.status) });
 * ```
 */
export async function waitForBatches(
  api: BatchApi,
  batches: readonly (string | BatchInfo)[],
  options: PollOptions = {},
): Promise<BatchInfo[]> {
  const initial = options.initialMs ?? 5_000;
  const max = Math.max(initial, options.maxMs ?? 60_000);
  const factor = options.factor ?? 1.5;
  const maxErrors = options.maxErrors ?? 20;
  const sleep = options.sleep ?? abortableSleep;
  const { signal } = options;
  const call: CallOptions = {
    signal,
    connectTimeoutMs: options.connectTimeoutMs,
    totalTimeoutMs: options.totalTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
  };
  const seen: (BatchInfo | undefined)[] = batches.map((b) => typeof b === "string" ? undefined : b);
  const ids = batches.map((b) => typeof b === "string" ? b : b.id);
  let interval = initial;
  let errors = 0;
  const stopped = () =>
    new SwebenchError("interrupted", `${api.provider}: stopped waiting; the batches keep running.`, {
      provider: api.provider,
    });
  for (let round = 0;; round++) {
    if (signal?.aborted) throw stopped();
    let wait = interval;
    try {
      for (const [i, id] of ids.entries()) {
        if (seen[i]?.state === "ended") continue;
        seen[i] = await api.retrieve(id, call);
      }
      errors = 0;
    } catch (cause) {
      if (signal?.aborted) throw stopped();
      const error = toSwebenchError(cause);
      if (!TRANSIENT.has(error.kind) || ++errors > maxErrors) throw error;
      wait = Math.max(interval, error.retryAfterMs ?? 0);
      options.onError?.(error, wait);
    }
    if (seen.every((b) => b !== undefined)) {
      options.onUpdate?.(seen as BatchInfo[]);
      if (seen.every((b) => b!.state === "ended")) return seen as BatchInfo[];
    }
    await sleep(wait, signal);
    interval = Math.min(max, interval * factor);
  }
}
