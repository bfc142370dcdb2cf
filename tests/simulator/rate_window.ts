/**
 * Fixed-window rate limiter used by the simulators to answer 429 and to fill rate-limit headers.
 *
 * @module
 */

/** What the window looks like at one moment. */
export interface RateSnapshot {
  /** Requests allowed per window. */
  limitRequests: number;
  /** Requests left in the current window. */
  remainingRequests: number;
  /** Tokens allowed per window (when configured). */
  limitTokens?: number;
  /** Tokens left (when configured). */
  remainingTokens?: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
  /** Absolute time (ms since epoch) of the reset. */
  resetAt: number;
}

/** Result of {@linkcode RateWindow.acquire}. */
export interface RateDecision {
  /** True when the request is admitted. */
  ok: boolean;
  /** Which limit refused it. */
  limitedBy?: "requests" | "tokens";
  /** State after the decision. */
  snapshot: RateSnapshot;
}

/**
 * A fixed window of `windowMs` that starts with the first request after the previous one ended.
 *
 * @example
 * ```ts
 * const w = new RateWindow({ requests: 2, windowMs: 1000 });
 * w.acquire(0).ok; // true
 * w.acquire(0).ok; // true
 * w.acquire(0).ok; // false (429)
 * ```
 */
export class RateWindow {
  #start = -Infinity;
  #used = 0;
  #usedTokens = 0;
  /** The configuration. */
  readonly config: { requests: number; windowMs: number; tokens?: number };

  /** Create a window. */
  constructor(config: { requests: number; windowMs: number; tokens?: number }) {
    this.config = config;
  }

  #roll(now: number): void {
    if (now >= this.#start + this.config.windowMs) {
      this.#start = now;
      this.#used = 0;
      this.#usedTokens = 0;
    }
  }

  /** Admit (and count) one request of `tokens` tokens, or refuse it. */
  acquire(tokens: number, now: number = Date.now()): RateDecision {
    this.#roll(now);
    const { requests, tokens: tokenLimit } = this.config;
    if (this.#used >= requests) return { ok: false, limitedBy: "requests", snapshot: this.snapshot(now) };
    if (tokenLimit !== undefined && this.#usedTokens + tokens > tokenLimit) {
      return { ok: false, limitedBy: "tokens", snapshot: this.snapshot(now) };
    }
    this.#used++;
    this.#usedTokens += tokens;
    return { ok: true, snapshot: this.snapshot(now) };
  }

  /** Current state without counting anything. */
  snapshot(now: number = Date.now()): RateSnapshot {
    const active = now < this.#start + this.config.windowMs;
    const resetAt = active ? this.#start + this.config.windowMs : now;
    const snap: RateSnapshot = {
      limitRequests: this.config.requests,
      remainingRequests: active ? Math.max(0, this.config.requests - this.#used) : this.config.requests,
      resetMs: Math.max(0, resetAt - now),
      resetAt,
    };
    if (this.config.tokens !== undefined) {
      snap.limitTokens = this.config.tokens;
      snap.remainingTokens = active ? Math.max(0, this.config.tokens - this.#usedTokens) : this.config.tokens;
    }
    return snap;
  }
}
