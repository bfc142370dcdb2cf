/**
 * Retries (docs/architecture.md#resilience, step 4): exponential backoff with full jitter, capped; server hints (`retry-after-ms`,
 * `retry-after`, rate-limit resets, carried as `SwebenchError.retryAfterMs`) are honoured — the wait is never
 * shorter than the server asked — and a requested wait longer than `maxWaitMs` is reported, not slept through.
 * Non-retryable kinds (authentication, quota, invalid_request, context_length, model_not_found, budget, config,
 * permission, ...) are never retried. Sleeps end early, with kind `interrupted`, when the signal aborts.
 *
 * @module
 */
import { SwebenchError, toSwebenchError } from "../core/mod.ts";
import { formatWait } from "../core/format.ts";

/**
 * Retry policy. Every field is optional; see {@linkcode DEFAULT_RETRY_POLICY}.
 *
 * @example
 * ```ts
 * import type { RetryPolicy } from "./retry.ts";
 * const policy: RetryPolicy = { maxAttempts: 3, baseMs: 250, capMs: 10_000, maxWaitMs: 120_000 };
 * ```
 */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 5). */
  maxAttempts?: number;
  /** Backoff base in ms: the n-th retry waits a random time in [0, min(capMs, baseMs * 2^(n-1))] (default 500). */
  baseMs?: number;
  /** Backoff cap in ms (default 60 000). */
  capMs?: number;
  /**
   * Longest server-requested wait that is slept through (default 120 000). A longer `retry-after` (a daily limit,
   * a long reset) ends the retries with an error whose message says the wait.
   */
  maxWaitMs?: number;
}

/** The defaults of {@linkcode RetryPolicy}. */
export const DEFAULT_RETRY_POLICY: Readonly<Required<RetryPolicy>> = {
  maxAttempts: 5,
  baseMs: 500,
  capMs: 60_000,
  maxWaitMs: 120_000,
};

/**
 * `policy` with the defaults filled in (invalid numbers fall back to the defaults).
 *
 * @example
 * ```ts
 * import { resolveRetryPolicy } from "./retry.ts";
 * resolveRetryPolicy({ maxAttempts: 3 }); // { maxAttempts: 3, baseMs: 500, capMs: 60000, maxWaitMs: 120000 }
 * ```
 */
export function resolveRetryPolicy(policy: RetryPolicy = {}): Required<RetryPolicy> {
  const pick = (value: number | undefined, fallback: number, min: number): number =>
    typeof value === "number" && Number.isFinite(value) && value >= min ? value : fallback;
  return {
    maxAttempts: Math.floor(pick(policy.maxAttempts, DEFAULT_RETRY_POLICY.maxAttempts, 1)),
    baseMs: pick(policy.baseMs, DEFAULT_RETRY_POLICY.baseMs, 0),
    capMs: pick(policy.capMs, DEFAULT_RETRY_POLICY.capMs, 0),
    maxWaitMs: pick(policy.maxWaitMs, DEFAULT_RETRY_POLICY.maxWaitMs, 0),
  };
}

/**
 * Full-jitter backoff before retry number `retry` (1 = the first retry): a random value in
 * [0, min(capMs, baseMs * 2^(retry-1))].
 *
 * @example
 * ```ts
 * import { backoffMs } from "./retry.ts";
 * backoffMs(3, { baseMs: 500, capMs: 60_000 }, () => 1); // 2000
 * ```
 */
export function backoffMs(
  retry: number,
  policy: RetryPolicy = {},
  random: () => number = Math.random,
): number {
  const p = resolveRetryPolicy(policy);
  const exp = Math.min(p.capMs, p.baseMs * 2 ** Math.max(0, Math.min(60, retry - 1)));
  const r = Math.min(1, Math.max(0, random()));
  return Math.floor(r * exp);
}

/** What {@linkcode decideRetry} concluded. */
export type RetryDecision =
  | { retry: true; waitMs: number }
  | {
    retry: false;
    /** `not-retryable` (kind), `exhausted` (attempts), `wait-too-long` (server hint over maxWaitMs), `interrupted`. */
    reason: "not-retryable" | "exhausted" | "wait-too-long" | "interrupted";
    /** The error to report (for `wait-too-long`, one whose message says the wait). */
    error: SwebenchError;
  };

/**
 * Decide whether to retry after `attempt` attempts (1 = the first one failed) ended in `error`, and how long to
 * wait: max(server hint, full-jitter backoff).
 *
 * @example
 * ```ts
 * import { SwebenchError } from "../core/mod.ts";
 * import { decideRetry } from "./retry.ts";
 * const d = decideRetry(new SwebenchError("rate_limit", "429", { retryAfterMs: 1000 }), 1);
 * if (d.retry) console.log(d.waitMs >= 1000); // true
 * ```
 */
export function decideRetry(
  error: unknown,
  attempt: number,
  options: { policy?: RetryPolicy; random?: () => number } = {},
): RetryDecision {
  const err = toSwebenchError(error);
  const p = resolveRetryPolicy(options.policy);
  if (err.kind === "interrupted") return { retry: false, reason: "interrupted", error: err };
  if (!err.retryable) return { retry: false, reason: "not-retryable", error: err };
  const hint = typeof err.retryAfterMs === "number" && Number.isFinite(err.retryAfterMs)
    ? Math.max(0, err.retryAfterMs)
    : undefined;
  if (hint !== undefined && hint > p.maxWaitMs) {
    return { retry: false, reason: "wait-too-long", error: waitTooLongError(err, hint, p.maxWaitMs) };
  }
  if (attempt >= p.maxAttempts) return { retry: false, reason: "exhausted", error: err };
  const waitMs = Math.max(hint ?? 0, backoffMs(attempt, p, options.random));
  return { retry: true, waitMs: Math.ceil(waitMs) };
}

/**
 * A copy of `err` whose message says the server's wait (`waitMs`) was too long to sleep through. A rate limit that far away
 * is an hourly or daily allowance of the account used up, not a burst that lower concurrency would avoid: it
 * becomes kind `quota` (not retried, a fallback may take over, exit 3, the instances are not done), naming the
 * wait and when it ends (code `rate_limit_wait`).
 *
 * @example
 * ```ts
 * import { SwebenchError } from "../core/mod.ts";
 * import { waitTooLongError } from "./retry.ts";
 * const e = new SwebenchError("rate_limit", "openai: 429 Rate limit reached", { status: 429, retryAfterMs: 86_400_000 });
 * waitTooLongError(e, 86_400_000, 120_000).kind; // "quota"
 * ```
 */
export function waitTooLongError(err: SwebenchError, waitMs: number, maxWaitMs: number): SwebenchError {
  if (err.code === "rate_limit_wait") return err; // converted already
  if (err.kind === "rate_limit") {
    const until = new Date(Date.now() + waitMs);
    return err.with({
      kind: "quota",
      message: `${err.message} (rate limit: the provider asks to wait ${formatWait(waitMs)}, until ${
        until.toISOString().slice(0, 16).replace("T", " ")
      } UTC)`,
      hint:
        `A usage limit of the account or key is used up for ${formatWait(waitMs)} (longer than the ${
          formatWait(maxWaitMs)
        } this tool waits): re-run the same command after it resets (finished instances are not sent again), ` +
        "or use another key, or add --fallback.",
      code: "rate_limit_wait",
      cause: err,
    });
  }
  return err.with({
    message: `${err.message} (the server asks to wait ${formatWait(waitMs)}, longer than the ${
      formatWait(maxWaitMs)
    } retry wait limit: not retried)`,
    cause: err,
  });
}

/**
 * Sleep `ms` milliseconds; rejects with {@linkcode SwebenchError} kind `interrupted` as soon as `signal` aborts.
 * The timer is always cleared.
 *
 * @example
 * ```ts
 * import { sleep } from "./retry.ts";
 * await sleep(10, AbortSignal.timeout(1000));
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(interruptedError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(interruptedError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The error an aborted wait rejects with (the signal's reason when it is already a SwebenchError).
 *
 * @example
 * ```ts
 * import { interruptedError } from "./retry.ts";
 * interruptedError(AbortSignal.abort(), "rate limiter wait").kind; // "interrupted"
 * ```
 */
export function interruptedError(signal?: AbortSignal, what = "wait"): SwebenchError {
  const reason = signal?.reason;
  if (reason instanceof SwebenchError) return reason;
  return new SwebenchError("interrupted", `interrupted during the ${what}`, { cause: reason });
}

/**
 * Options of {@linkcode retry}.
 *
 * @example
 * ```ts
 * import type { RetryOptions } from "./retry.ts";
 * const options: RetryOptions = {
 *   policy: { maxAttempts: 3 },
 *   signal: AbortSignal.timeout(60_000),
 *   onRetry: ({ attempt, error, waitMs }) => console.log(`retry ${attempt} after ${error.kind} in ${waitMs} ms`),
 * };
 * ```
 */
export interface RetryOptions {
  /** The policy. */
  policy?: RetryPolicy;
  /** Aborts waits (and is checked before every attempt). */
  signal?: AbortSignal;
  /** Told about every retry before its wait. */
  onRetry?: (info: { attempt: number; error: SwebenchError; waitMs: number }) => void;
  /** Injectable sleep (tests). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injectable random source in [0, 1) (tests). */
  random?: () => number;
}

/**
 * Run `fn` until it succeeds or {@linkcode decideRetry} says stop; the thrown error gets `attempts` set.
 *
 * @example
 * ```ts
 * import { retry } from "./retry.ts";
 * const value = await retry(async (attempt) => attempt, { policy: { maxAttempts: 3 } });
 * console.log(value); // 1
 * ```
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const wait = options.sleep ?? sleep;
  for (let attempt = 1;; attempt++) {
    if (options.signal?.aborted) {
      throw interruptedError(options.signal).with({ attempts: attempt - 1 });
    }
    try {
      return await fn(attempt);
    } catch (e) {
      const decision = decideRetry(e, attempt, options);
      if (!decision.retry) throw decision.error.with({ attempts: attempt });
      options.onRetry?.({ attempt, error: toSwebenchError(e), waitMs: decision.waitMs });
      await wait(decision.waitMs, options.signal);
    }
  }
}
