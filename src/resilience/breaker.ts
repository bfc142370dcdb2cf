/**
 * Circuit breaker per endpoint (docs/architecture.md#resilience, step 3): opens after N consecutive failures that count, fails fast while
 * open, admits exactly one probe call after a cooldown (half-open), closes when the probe succeeds.
 *
 * Why not `cockatiel`'s `circuitBreaker` + `ConsecutiveBreaker` (checked against cockatiel 4.0.0's source):
 * - in half-open it makes every other caller *wait* for the probe's outcome (not abort-aware) instead of failing
 *   fast, so a whole batch piles up behind one slow probe;
 * - a probe that ends in an error the policy does not handle — including an aborted (interrupted) call — is
 *   recorded as a success and closes the circuit, although the endpoint told us nothing;
 * - its open-state error carries no "retry in" time, and its clock (`Date.now()`) cannot be injected.
 * This class is small and does exactly the contract: errors whose `countsForBreaker` is false (authentication,
 * invalid request, context length, ...) neither count nor reset the count; an interrupted probe frees the probe
 * slot without deciding anything; any other non-counting probe outcome means the endpoint answered, so it closes.
 *
 * @module
 */
import { SwebenchError, toSwebenchError } from "../core/mod.ts";
import { formatWait } from "../core/format.ts";

/** Breaker states. */
export type BreakerState = "closed" | "open" | "half-open";

/**
 * One state change, as reported to {@linkcode CircuitBreakerOptions.onStateChange}.
 *
 * @example
 * ```ts
 * import type { BreakerChange } from "./breaker.ts";
 * const log = (c: BreakerChange) => console.log(`circuit ${c.to} for ${c.endpoint} (${c.failures} failures)`);
 * ```
 */
export interface BreakerChange {
  /** The endpoint the breaker guards. */
  endpoint: string;
  /** Previous state. */
  from: BreakerState;
  /** New state. */
  to: BreakerState;
  /** `now()` of the change. */
  at: number;
  /** Consecutive counted failures at the change. */
  failures: number;
  /** The error that opened the circuit (for `to: "open"`). */
  error?: SwebenchError;
}

/**
 * Options of {@linkcode CircuitBreaker}.
 *
 * @example
 * ```ts
 * import type { CircuitBreakerOptions } from "./breaker.ts";
 * const options: CircuitBreakerOptions = { endpoint: "openai:gpt-4o-mini", threshold: 5, cooldownMs: 30_000 };
 * ```
 */
export interface CircuitBreakerOptions {
  /** What the breaker guards, used in messages (`openai:gpt-4o-mini (https://api.openai.com/v1)`). */
  endpoint: string;
  /** Consecutive counted failures that open the circuit (default 5). */
  threshold?: number;
  /** Milliseconds the circuit stays open before a probe is admitted (default 30 000). */
  cooldownMs?: number;
  /** Which errors count (default: `error.countsForBreaker`). */
  counts?: (error: SwebenchError) => boolean;
  /** Clock (default `Date.now`). */
  now?: () => number;
  /** Told about every state change (progress notices, run summary). */
  onStateChange?: (change: BreakerChange) => void;
}

/** Ticket of one call admitted by {@linkcode CircuitBreaker.admit}. */
export interface BreakerAdmission {
  /** This call is the half-open probe. */
  readonly probe: boolean;
  /** Breaker generation at admission (outcomes of calls from an older generation are ignored). */
  readonly generation: number;
}

/**
 * A consecutive-failure circuit breaker.
 *
 * @example
 * ```ts
 * import { CircuitBreaker } from "./breaker.ts";
 * const breaker = new CircuitBreaker({
 *   endpoint: "anthropic:claude-sonnet-4-5",
 *   onStateChange: (c) => console.log(`${c.endpoint}: ${c.from} -> ${c.to}`),
 * });
 * const value = await breaker.execute(() => Promise.resolve(42));
 * ```
 */
export class CircuitBreaker {
  /** The guarded endpoint. */
  readonly endpoint: string;
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #counts: (error: SwebenchError) => boolean;
  readonly #now: () => number;
  readonly #onChange?: (change: BreakerChange) => void;
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAt = 0;
  #probing = false;
  #generation = 0;
  #lastError?: SwebenchError;
  #changes: BreakerChange[] = [];
  #rejected = 0;

  /** Create a closed breaker. */
  constructor(options: CircuitBreakerOptions) {
    this.endpoint = options.endpoint;
    this.#threshold = Math.max(1, Math.floor(options.threshold ?? 5));
    this.#cooldownMs = Math.max(0, options.cooldownMs ?? 30_000);
    this.#counts = options.counts ?? ((e) => e.countsForBreaker);
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onStateChange;
  }

  /** Current state (an open breaker whose cooldown is over reports `half-open`: the next call is the probe). */
  get state(): BreakerState {
    if (this.#state === "open" && this.#now() - this.#openedAt >= this.#cooldownMs) return "half-open";
    return this.#state;
  }
  /** Consecutive counted failures. */
  get failures(): number {
    return this.#failures;
  }
  /** Every state change so far, oldest first. */
  get changes(): readonly BreakerChange[] {
    return this.#changes;
  }
  /** Calls refused while open or half-open. */
  get rejected(): number {
    return this.#rejected;
  }
  /** Milliseconds until a probe is admitted (0 unless open). */
  get retryInMs(): number {
    if (this.#state !== "open") return 0;
    return Math.max(0, this.#cooldownMs - (this.#now() - this.#openedAt));
  }

  /**
   * Run `fn` through the breaker: refused at once (kind `breaker_open`, message `circuit open for <endpoint>`,
   * `retryAfterMs` = time to the probe) while open or while the half-open probe is in flight.
   */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    const admission = this.admit();
    let result: T;
    try {
      result = await fn();
    } catch (e) {
      this.failure(admission, e);
      throw e;
    }
    this.success(admission);
    return result;
  }

  /** Admit one call or throw the circuit-open error (lower-level than {@linkcode CircuitBreaker.execute}). */
  admit(): BreakerAdmission {
    if (this.#state === "open") {
      const wait = this.retryInMs;
      if (wait > 0) throw this.#openError(wait);
      this.#transition("half-open");
    }
    if (this.#state === "half-open") {
      if (this.#probing) throw this.#openError(undefined);
      this.#probing = true;
      return { probe: true, generation: this.#generation };
    }
    return { probe: false, generation: this.#generation };
  }

  /** Record the success of an admitted call. */
  success(admission: BreakerAdmission): void {
    if (admission.generation !== this.#generation) return;
    this.#failures = 0;
    if (admission.probe) {
      this.#probing = false;
      this.#transition("closed");
    }
  }

  /** Record the failure of an admitted call. */
  failure(admission: BreakerAdmission, error: unknown): void {
    if (admission.generation !== this.#generation) return;
    const err = toSwebenchError(error);
    if (!this.#counts(err)) {
      if (!admission.probe) return;
      this.#probing = false;
      // An interrupted probe says nothing about the endpoint: the next caller probes again.
      if (err.kind !== "interrupted") this.#transition("closed");
      return;
    }
    this.#failures++;
    this.#lastError = err;
    if (admission.probe) {
      this.#probing = false;
      this.#open(err);
    } else if (this.#state === "closed" && this.#failures >= this.#threshold) {
      this.#open(err);
    }
  }

  #open(error: SwebenchError): void {
    this.#openedAt = this.#now();
    this.#transition("open", error);
  }

  #transition(to: BreakerState, error?: SwebenchError): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    // Calls admitted before a change must not decide the new state (only the probe decides half-open).
    if (to !== "half-open") this.#generation++;
    if (to === "closed") this.#failures = 0;
    const change: BreakerChange = {
      endpoint: this.endpoint,
      from,
      to,
      at: this.#now(),
      failures: this.#failures,
    };
    if (error !== undefined) change.error = error;
    this.#changes.push(change);
    try {
      this.#onChange?.(change);
    } catch {
      // A listener's failure must not break the call path.
    }
  }

  #openError(waitMs: number | undefined): SwebenchError {
    this.#rejected++;
    const last = this.#lastError;
    const when = waitMs === undefined ? "a probe call is in flight" : `next probe in ${formatWait(waitMs)}`;
    return new SwebenchError(
      "breaker_open",
      `circuit open for ${this.endpoint} after ${this.#failures} consecutive failures${
        last ? ` (last: ${last.message.split("\n")[0]})` : ""
      }; ${when}`,
      {
        code: "circuit_open",
        provider: last?.provider,
        retryAfterMs: waitMs,
        hint:
          "Calls to this endpoint resume after the cool-down (one probe call first); a --fallback model " +
          "takes over meanwhile. If it stays open, check the provider's status page.",
        cause: last,
      },
    );
  }
}
