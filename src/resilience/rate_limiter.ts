/**
 * Rate limiter per provider + key (docs/architecture.md#resilience, step 2): a request bucket and a token bucket, a FIFO queue of waiting
 * calls, limits and resets learned from the provider's rate-limit headers, one shared pause on a 429, and an
 * optional concurrency cap.
 *
 * Model. Each bucket is treated as a window: `limit` per window, `remaining` now, `resetAt` when it is full
 * again. That reading is right for fixed-window servers and safe for the token-bucket servers of OpenAI and
 * Anthropic, whose `reset` is the time until the bucket is *fully* replenished (waiting for it never overshoots).
 * - Before any header arrives the configured `rpm`/`tpm` (per 60 s) apply; with nothing configured calls go
 *   unthrottled until the first response teaches the limits.
 * - Every grant takes one request and the call's estimated tokens (prompt + max tokens) from the local view.
 * - A response's snapshot (`observe`) is the server's count when it handled that request; calls still in flight
 *   may not be in it, so remaining = server remaining - calls in flight (conservative). Within one window the
 *   local view only goes down; a later reset time means a new window and replaces it.
 * - When `resetAt` passes the bucket is full again; a window projected locally (no header yet) gets a small
 *   margin, since the server's window starts when our first request *arrives*.
 * - `pause(ms)` (a 429): one pause for every caller of the key. When it ends, callers are released at the
 *   learned pace (window / limit apart; `pauseSpacingMs` when the pace is unknown) until a call granted after
 *   the pause reports back — no thundering herd.
 * - `maxConcurrent`: at most that many calls in flight (a local server's parallelism: the spec's
 *   `maxConcurrent`, e.g. Ollama's `OLLAMA_NUM_PARALLEL`).
 * - Bounded waits: a caller whose wait for a reset or pause would pass `maxWaitMs` is refused at once with kind
 *   `rate_limit` and `retryAfterMs` (the retry layer reports it instead of sleeping through it). Waits for a
 *   concurrency slot are not bounded (slots free up as calls end, and calls have their own timeouts).
 * - Waiters are served strictly first in, first out; an aborted waiter leaves the queue with kind `interrupted`.
 *   The one scheduling timer exists only while someone waits.
 *
 * Every permit from {@linkcode RateLimiter.acquire} must be ended exactly once, with
 * {@linkcode RateLimiter.observe} (the response's snapshot, or `undefined`) or {@linkcode RateLimiter.release}.
 *
 * @module
 */
import { type RateLimitSnapshot, SwebenchError } from "../core/mod.ts";
import { formatWait } from "../core/format.ts";
import { interruptedError } from "./retry.ts";

/**
 * Options of {@linkcode RateLimiter}.
 *
 * @example
 * ```ts
 * import type { RateLimiterOptions } from "./rate_limiter.ts";
 * const options: RateLimiterOptions = { name: "openai key 1", rpm: 500, tpm: 200_000 };
 * ```
 */
export interface RateLimiterOptions {
  /** Name for messages (`openai key 2`); never the key itself. */
  name?: string;
  /** Requests per minute to assume until the server says otherwise (`--rpm`, config `rpm`). */
  rpm?: number;
  /** Tokens per minute to assume until the server says otherwise (`--tpm`, config `tpm`). */
  tpm?: number;
  /** Most calls in flight at once (Ollama: the server's parallelism). Unset: no cap. */
  maxConcurrent?: number;
  /** Longest wait for a reset or pause before a caller is refused (default 120 000 ms). */
  maxWaitMs?: number;
  /** Window assumed when a server gives a limit but never a reset (default 60 000 ms: per-minute limits). */
  defaultWindowMs?: number;
  /** Spacing of releases after a pause when the pace is unknown (default 250 ms). */
  pauseSpacingMs?: number;
  /** Clock (default `Date.now`). Timers are real; inject only a clock consistent with them. */
  now?: () => number;
}

/**
 * One granted call; end it with {@linkcode RateLimiter.observe} or {@linkcode RateLimiter.release}.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "./rate_limiter.ts";
 * const limiter = new RateLimiter();
 * const permit = await limiter.acquire(500);
 * console.log(permit.tokens); // 500
 * limiter.release(permit);
 * ```
 */
export interface RateLimitPermit {
  /** `now()` at the grant. */
  readonly grantedAt: number;
  /** Tokens taken from the token bucket. */
  readonly tokens: number;
}

/**
 * The limiter's state, for progress and the run summary.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "./rate_limiter.ts";
 * const s = new RateLimiter({ name: "openai", rpm: 500 }).stats();
 * console.log(s.limitRequests, s.remainingRequests, s.pauses); // 500 500 0
 * ```
 */
export interface RateLimiterStats {
  /** Limiter name. */
  name: string;
  /** Calls granted. */
  granted: number;
  /** Calls that had to wait. */
  waited: number;
  /** Sum of waits, in ms. */
  waitedMs: number;
  /** Longest single wait, in ms. */
  maxWaitedMs: number;
  /** Calls refused (wait over the limit). */
  refused: number;
  /** Pauses (429s) applied. */
  pauses: number;
  /** Callers waiting now. */
  queued: number;
  /** Calls in flight now. */
  inFlight: number;
  /** Learned or configured request limit per window. */
  limitRequests?: number;
  /** Requests left in the local view. */
  remainingRequests?: number;
  /** Learned or configured token limit per window. */
  limitTokens?: number;
  /** Tokens left in the local view. */
  remainingTokens?: number;
  /** Paused until (epoch ms), when paused now. */
  pausedUntil?: number;
}

interface Bucket {
  limit?: number;
  remaining: number;
  resetAt?: number;
  /** `resetAt` comes from a server header (an upper bound of the true reset), not a local projection. */
  resetObserved: boolean;
  /** Bounds of the server's window end from headers: latest `sentAt + reset` and latest `readAt + reset`. */
  lo?: number;
  hi?: number;
  /** The last refresh came from a server-derived reset. */
  refreshedObserved: boolean;
  /** Learned lateness of the server's resets versus our estimate (ms, grows on 429s right after a refresh). */
  skew: number;
  /** `skew` when the current window was refreshed. */
  skewAtRefresh: number;
  /** A call sent right after a header-derived refresh was answered (not 429): `skew` is good enough. */
  validated: boolean;
  refreshedAt: number;
  windowMs?: number;
}

interface Waiter {
  tokens: number;
  enqueuedAt: number;
  signal?: AbortSignal;
  onAbort?: () => void;
  resolve: (permit: RateLimitPermit) => void;
  reject: (error: SwebenchError) => void;
}

class Permit implements RateLimitPermit {
  constructor(readonly grantedAt: number, readonly tokens: number) {}
}

const positive = (n: number | undefined): number | undefined =>
  typeof n === "number" && Number.isFinite(n) && n > 0 ? n : undefined;

/**
 * Request and token buckets for one provider key.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "./rate_limiter.ts";
 * const limiter = new RateLimiter({ name: "openai", rpm: 60 });
 * const permit = await limiter.acquire(1200, AbortSignal.timeout(60_000));
 * try {
 *   // const response = await provider.generate(request);
 *   // limiter.observe(response.rateLimit, permit);
 *   limiter.observe(undefined, permit);
 * } catch (e) {
 *   limiter.release(permit);
 *   throw e;
 * }
 * ```
 */
export class RateLimiter {
  /** Name for messages. */
  readonly name: string;
  /** Concurrency cap, if any. */
  readonly maxConcurrent?: number;
  readonly #maxWaitMs: number;
  readonly #defaultWindowMs: number;
  readonly #pauseSpacingMs: number;
  readonly #now: () => number;
  readonly #req: Bucket;
  readonly #tok: Bucket;
  readonly #queue: Waiter[] = [];
  readonly #active = new Set<Permit>();
  #timer?: ReturnType<typeof setTimeout>;
  #timerAt = Infinity;
  #pausedUntil = 0;
  #paced = false;
  #pacedSince = 0;
  #lastGrantAt = -Infinity;
  #granted = 0;
  #waited = 0;
  #waitedMs = 0;
  #maxWaitedMs = 0;
  #refused = 0;
  #pauses = 0;

  /** Create a limiter; configured limits apply until the server sends its own. */
  constructor(options: RateLimiterOptions = {}) {
    this.name = options.name ?? "provider";
    const cap = positive(options.maxConcurrent);
    if (cap !== undefined) this.maxConcurrent = Math.max(1, Math.floor(cap));
    this.#maxWaitMs = options.maxWaitMs ?? 120_000;
    this.#defaultWindowMs = positive(options.defaultWindowMs) ?? 60_000;
    this.#pauseSpacingMs = options.pauseSpacingMs ?? 250;
    this.#now = options.now ?? Date.now;
    const rpm = positive(options.rpm);
    const tpm = positive(options.tpm);
    const bucket = (limit: number | undefined): Bucket => ({
      limit,
      remaining: limit ?? Infinity,
      resetObserved: false,
      refreshedObserved: false,
      skew: 0,
      skewAtRefresh: 0,
      validated: false,
      refreshedAt: -Infinity,
      windowMs: limit === undefined ? undefined : 60_000,
    });
    this.#req = bucket(rpm);
    this.#tok = bucket(tpm);
  }

  /** Callers waiting now. */
  get queued(): number {
    return this.#queue.length;
  }
  /** Permits not yet ended. */
  get inFlight(): number {
    return this.#active.size;
  }
  /** Epoch ms until which the key is paused (0 when never paused). */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /**
   * Wait for one request and `tokens` tokens (prompt + max tokens), first in first out. Rejects with kind
   * `interrupted` when `signal` aborts, and with kind `rate_limit` (with `retryAfterMs`) when the wait for a
   * reset or pause would pass `maxWaitMs`.
   */
  acquire(tokens: number = 0, signal?: AbortSignal): Promise<RateLimitPermit> {
    if (signal?.aborted) {
      return Promise.reject(interruptedError(signal, `wait for the ${this.name} rate limit`));
    }
    const need = typeof tokens === "number" && Number.isFinite(tokens) && tokens > 0 ? Math.ceil(tokens) : 0;
    return new Promise<RateLimitPermit>((resolve, reject) => {
      const waiter: Waiter = { tokens: need, enqueuedAt: this.#now(), signal, resolve, reject };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.#queue.indexOf(waiter);
          if (i < 0) return;
          this.#queue.splice(i, 1);
          reject(interruptedError(signal, `wait for the ${this.name} rate limit`));
          this.#pump();
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  /**
   * A call ended with a response (or an error response) whose rate-limit headers say `snapshot` (`undefined`
   * when it sent none): learn limits, remaining and resets, and end `permit`.
   */
  observe(snapshot: RateLimitSnapshot | undefined, permit?: RateLimitPermit): void {
    const now = this.#now();
    const known = permit instanceof Permit && this.#active.has(permit);
    if (known) this.#active.delete(permit);
    if (snapshot !== undefined) {
      let othersTokens = 0;
      for (const p of this.#active) othersTokens += p.tokens;
      this.#learn(this.#req, {
        limit: snapshot.limitRequests,
        remaining: snapshot.remainingRequests,
        resetMs: snapshot.resetRequestsMs,
        others: this.#active.size,
        stale: known && permit.grantedAt < this.#req.refreshedAt,
        sentAt: known ? permit.grantedAt : now,
        now,
      });
      this.#learn(this.#tok, {
        limit: snapshot.limitTokens,
        remaining: snapshot.remainingTokens,
        resetMs: snapshot.resetTokensMs,
        others: othersTokens,
        stale: known && permit.grantedAt < this.#tok.refreshedAt,
        sentAt: known ? permit.grantedAt : now,
        now,
      });
    }
    if (known) {
      // A call granted after the last pause (or unvalidated refresh) was answered: the learned state holds.
      if (this.#paced && permit.grantedAt >= this.#pacedSince) this.#paced = false;
      for (const b of [this.#req, this.#tok]) {
        if (b.refreshedObserved && permit.grantedAt >= b.refreshedAt) b.validated = true;
      }
    }
    this.#pump();
  }

  /** End `permit` without information (the call failed before any response). */
  release(permit: RateLimitPermit): void {
    if (permit instanceof Permit && this.#active.delete(permit)) this.#pump();
  }

  /**
   * Pause the whole key for `ms` (a 429's `retry-after` or reset): every caller waits for the same pause, then
   * callers are released at the learned pace. Pass the permit of the call that got the 429, so that the limiter
   * learns when its estimate of a window end was early.
   */
  pause(ms: number, permit?: RateLimitPermit): void {
    if (!(typeof ms === "number" && Number.isFinite(ms) && ms >= 0)) return;
    const now = this.#now();
    const until = now + ms;
    if (permit instanceof Permit) {
      // The server did not count a refused call: give its share of the current window back.
      if (permit.grantedAt >= this.#req.refreshedAt && this.#req.limit !== undefined) {
        this.#req.remaining = Math.min(this.#req.limit, this.#req.remaining + 1);
      }
      if (permit.grantedAt >= this.#tok.refreshedAt && this.#tok.limit !== undefined) {
        this.#tok.remaining = Math.min(this.#tok.limit, this.#tok.remaining + permit.tokens);
      }
      // A 429 for a call granted right after a window refresh we derived from a header: the server's windows
      // end later than our estimate; learn by how much (bounded by one window).
      for (const b of [this.#req, this.#tok]) {
        const late = now + ms - b.refreshedAt; // the server's window end, after our refresh
        if (
          b.refreshedObserved && b.limit !== undefined && permit.grantedAt >= b.refreshedAt &&
          late < 0.5 * this.#window(b)
        ) {
          b.skew = Math.min(this.#window(b), Math.max(b.skew, b.skewAtRefresh + late + this.#margin(b)));
          b.validated = false;
        }
      }
    }
    this.#pauses++;
    if (until > this.#pausedUntil) this.#pausedUntil = until;
    this.#paced = true;
    this.#pacedSince = this.#pausedUntil;
    this.#pump();
  }

  /**
   * Share of the key's capacity left now, in [0, 1]: 0 while paused, else the smaller of the request and token
   * buckets' remaining / limit (1 for a bucket whose limit is unknown).
   */
  headroom(): number {
    const now = this.#now();
    if (this.#pausedUntil > now) return 0;
    const share = (b: Bucket): number => {
      this.#refresh(b, now);
      if (b.limit === undefined) return 1;
      return Math.min(1, Math.max(0, b.remaining / b.limit));
    };
    return Math.min(share(this.#req), share(this.#tok));
  }

  /** Milliseconds until an exhausted bucket resets (for a 429 that sent no `retry-after`); undefined if unknown. */
  suggestedWaitMs(): number | undefined {
    const now = this.#now();
    let wait: number | undefined;
    for (const b of [this.#req, this.#tok]) {
      if (b.limit !== undefined && b.resetAt !== undefined && b.remaining < 1) {
        wait = Math.max(wait ?? 0, b.resetAt - now);
      }
    }
    return wait;
  }

  /** Current state and counters. */
  stats(): RateLimiterStats {
    const now = this.#now();
    this.#refresh(this.#req, now);
    this.#refresh(this.#tok, now);
    const out: RateLimiterStats = {
      name: this.name,
      granted: this.#granted,
      waited: this.#waited,
      waitedMs: this.#waitedMs,
      maxWaitedMs: this.#maxWaitedMs,
      refused: this.#refused,
      pauses: this.#pauses,
      queued: this.#queue.length,
      inFlight: this.#active.size,
    };
    if (this.#req.limit !== undefined) {
      out.limitRequests = this.#req.limit;
      out.remainingRequests = Math.max(0, this.#req.remaining);
    }
    if (this.#tok.limit !== undefined) {
      out.limitTokens = this.#tok.limit;
      out.remainingTokens = Math.max(0, this.#tok.remaining);
    }
    if (this.#pausedUntil > now) out.pausedUntil = this.#pausedUntil;
    return out;
  }

  // ------------------------------------------------------------------ buckets

  #window(b: Bucket): number {
    return b.windowMs ?? this.#defaultWindowMs;
  }

  /**
   * Margin added to a window end: to a locally projected one, and to the low bound of a header-derived one
   * (`sentAt + reset`, right when the delay from our send to the server's count is the same for every call; the
   * margin covers its jitter). 2 % of the window until a header-derived end has been proven, 1 % after (at least
   * 20 ms, at most 1 s): every ms of it is a share of each window left unused (issue 15: 5 % / 2 % cost a 5 s window
   * 250 ms then 100 ms). An end that proves early is learnt as `skew` from the 429 it causes.
   */
  #margin(b: Bucket): number {
    return Math.min(1000, Math.max(20, (b.validated ? 0.01 : 0.02) * this.#window(b)));
  }

  /** Two reset times closer than this belong to the same window. */
  #tolerance(b: Bucket): number {
    return Math.max(50, 0.25 * this.#window(b));
  }

  #refresh(b: Bucket, now: number): void {
    if (b.resetAt !== undefined && now >= b.resetAt) {
      b.remaining = b.limit ?? Infinity;
      b.refreshedObserved = b.resetObserved;
      b.resetAt = undefined;
      b.resetObserved = false;
      b.refreshedAt = now;
      b.skewAtRefresh = b.skew;
      if (b.refreshedObserved && !b.validated) {
        // Our estimate of the server's window end is not proven yet: release one call at a time until one
        // is answered, so that an early estimate costs one 429, not a burst of them.
        this.#paced = true;
        this.#pacedSince = now;
      }
    }
  }

  #fits(b: Bucket, amount: number): boolean {
    if (b.limit === undefined) return true;
    if (b.remaining >= amount) return true;
    // A call larger than the whole window goes alone, on a full window (the server decides).
    return amount > b.limit && b.remaining >= b.limit;
  }

  #take(b: Bucket, amount: number, now: number): void {
    if (b.limit !== undefined && b.resetAt === undefined) this.#project(b, now);
    b.remaining -= amount;
  }

  /** A window end guessed locally (no header yet): a full window from now, plus a margin. */
  #project(b: Bucket, now: number): void {
    b.resetAt = now + this.#window(b) + this.#margin(b);
    b.resetObserved = false;
  }

  #learn(
    b: Bucket,
    o: {
      limit?: number;
      remaining?: number;
      resetMs?: number;
      others: number;
      stale: boolean;
      sentAt: number;
      now: number;
    },
  ): void {
    const limit = positive(o.limit);
    if (limit !== undefined) b.limit = limit;
    const resetMs = typeof o.resetMs === "number" && Number.isFinite(o.resetMs) && o.resetMs >= 0
      ? o.resetMs
      : undefined;
    if (resetMs !== undefined && resetMs > 0) b.windowMs = Math.max(b.windowMs ?? 0, resetMs);
    const remaining = typeof o.remaining === "number" && Number.isFinite(o.remaining)
      ? o.remaining
      : undefined;
    if (!o.stale && remaining !== undefined) {
      const estimate = Math.max(0, remaining - o.others);
      if (resetMs === undefined) {
        b.remaining = b.resetAt === undefined ? estimate : Math.min(b.remaining, estimate);
      } else {
        // The server computed `resetMs` between our send and our reading of it, so its window ends in
        // [sentAt + resetMs, readAt + resetMs]. Servers count a request when it arrives: the low end plus a
        // margin (the one-way delay) is right and far tighter when calls take long. A server that decides later
        // shows up as a 429 right after a refresh, which grows `skew`. Never past the high end. Within a window
        // keep the latest of each bound (a token bucket's full-refill time moves later as it is drained).
        const lo = o.sentAt + resetMs;
        const hi = o.now + resetMs;
        const at = Math.min(hi, lo + this.#margin(b) + b.skew);
        const tolerance = this.#tolerance(b);
        const same = b.resetAt !== undefined && b.resetObserved && b.lo !== undefined && b.hi !== undefined &&
          Math.abs(at - b.resetAt) <= tolerance;
        if (b.resetAt === undefined || at > b.resetAt + tolerance) {
          b.remaining = estimate; // first news of this window
        } else {
          b.remaining = Math.min(b.remaining, estimate);
        }
        b.lo = same ? Math.max(b.lo!, lo) : lo;
        b.hi = same ? Math.max(b.hi!, hi) : hi;
        b.resetAt = Math.min(b.hi, b.lo + this.#margin(b) + b.skew);
        b.resetObserved = true;
      }
    }
    if (b.limit !== undefined) {
      b.remaining = Math.min(b.remaining, b.limit);
      if (b.resetAt === undefined && b.remaining < b.limit) this.#project(b, o.now);
    }
  }

  // ------------------------------------------------------------------ queue

  /** 0: grant now; a time: blocked until then; Infinity: blocked until a permit ends (concurrency). */
  #blockedUntil(tokens: number, now: number): number {
    this.#refresh(this.#req, now);
    this.#refresh(this.#tok, now);
    let until = now;
    if (this.#pausedUntil > until) until = this.#pausedUntil;
    if (this.#paced) {
      const interval = this.#req.limit !== undefined
        ? this.#window(this.#req) / this.#req.limit
        : this.#pauseSpacingMs;
      until = Math.max(until, this.#lastGrantAt + interval);
    }
    for (const [b, amount] of [[this.#req, 1], [this.#tok, tokens]] as const) {
      if (!this.#fits(b, amount)) until = Math.max(until, b.resetAt ?? now + this.#window(b));
    }
    if (until > now) return until;
    if (this.maxConcurrent !== undefined && this.#active.size >= this.maxConcurrent) return Infinity;
    return 0;
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const now = this.#now();
      const head = this.#queue[0];
      const at = this.#blockedUntil(head.tokens, now);
      if (at === 0) {
        this.#queue.shift();
        this.#grant(head, now);
        continue;
      }
      if (at !== Infinity && at - now > this.#maxWaitMs) {
        this.#queue.shift();
        this.#refuse(head, at - now);
        continue;
      }
      this.#schedule(at);
      return;
    }
    this.#schedule(Infinity);
  }

  #grant(w: Waiter, now: number): void {
    if (w.signal && w.onAbort) w.signal.removeEventListener("abort", w.onAbort);
    this.#take(this.#req, 1, now);
    this.#take(this.#tok, w.tokens, now);
    this.#lastGrantAt = now;
    this.#granted++;
    const waited = now - w.enqueuedAt;
    if (waited > 0) {
      this.#waited++;
      this.#waitedMs += waited;
      this.#maxWaitedMs = Math.max(this.#maxWaitedMs, waited);
    }
    const permit = new Permit(now, w.tokens);
    this.#active.add(permit);
    w.resolve(permit);
  }

  #refuse(w: Waiter, waitMs: number): void {
    if (w.signal && w.onAbort) w.signal.removeEventListener("abort", w.onAbort);
    this.#refused++;
    w.reject(
      new SwebenchError(
        "rate_limit",
        `${this.name}: the rate limit allows the next call in ${formatWait(waitMs)}, longer than the ${
          formatWait(this.#maxWaitMs)
        } wait limit`,
        { retryAfterMs: Math.ceil(waitMs) },
      ),
    );
  }

  #schedule(at: number): void {
    if (at === this.#timerAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === Infinity) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#pump();
    }, Math.max(0, at - this.#now()));
  }
}
