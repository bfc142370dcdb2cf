/**
 * Several API keys for one provider: one {@linkcode Provider} (and one {@linkcode RateLimiter}) per key. Calls go
 * to the enabled key with the most headroom; a key that hits its rate limit is paused by its limiter (its
 * headroom drops to 0, so new calls go to the others), a key whose quota is exhausted or that is rejected
 * (authentication) is disabled for the run with a notice. Keys are named by label (`openai key 2`), never by
 * their value.
 *
 * @module
 */
import type { Provider } from "../core/mod.ts";
import { type SwebenchError, toSwebenchError } from "../core/mod.ts";
import { RateLimiter, type RateLimiterOptions } from "./rate_limiter.ts";

/**
 * One key of a {@linkcode KeyPool}.
 *
 * @example
 * ```ts
 * import type { PoolKey } from "./key_pool.ts";
 * function describe(key: PoolKey): string {
 *   return `${key.label}: ${key.limiter.headroom()}`;
 * }
 * ```
 */
export interface PoolKey {
  /** 0-based position in the pool. */
  readonly index: number;
  /** Label for messages and the summary. */
  readonly label: string;
  /** The provider bound to this key. */
  readonly provider: Provider;
  /** The key's rate limiter. */
  readonly limiter: RateLimiter;
}

/**
 * Per-key use, for the run summary.
 *
 * @example
 * ```ts
 * import type { KeyUse } from "./key_pool.ts";
 * const use: KeyUse = { label: "openai key 2", requests: 40, ok: 38, failed: 2, rateLimited: 2 };
 * ```
 */
export interface KeyUse {
  /** Key label. */
  label: string;
  /** Calls sent with this key. */
  requests: number;
  /** Calls answered. */
  ok: number;
  /** Calls failed. */
  failed: number;
  /** Of the failures, rate limits (429). */
  rateLimited: number;
  /** Why the key was disabled, when it was. */
  disabled?: string;
}

/**
 * Options of {@linkcode KeyPool}.
 *
 * @example
 * ```ts
 * import type { KeyPoolOptions } from "./key_pool.ts";
 * import { createOpenAIProvider } from "../providers/openai/provider.ts";
 * const options: KeyPoolOptions = {
 *   keys: [
 *     { provider: createOpenAIProvider({ apiKey: "sk-a" }), label: "openai key 1" },
 *     { provider: createOpenAIProvider({ apiKey: "sk-b" }), label: "openai key 2" },
 *   ],
 * };
 * ```
 */
export interface KeyPoolOptions {
  /** The keys: a provider per key, optionally its limiter (default: a new one from `limiter`) and a label. */
  keys: Array<{ provider: Provider; limiter?: RateLimiter; label?: string }>;
  /** Options of the limiters created for keys that have none. */
  limiter?: RateLimiterOptions;
  /** Told when a key is disabled. */
  onNotice?: (message: string) => void;
}

interface KeyState extends PoolKey {
  use: KeyUse;
  disabledBy?: SwebenchError;
  picks: number;
}

/**
 * Keys of one provider, picked by headroom.
 *
 * @example
 * ```ts
 * import { KeyPool } from "./key_pool.ts";
 * import { createOpenAIProvider } from "../providers/openai/provider.ts";
 * const pool = new KeyPool({
 *   keys: ["sk-a", "sk-b"].map((apiKey) => ({ provider: createOpenAIProvider({ apiKey }) })),
 * });
 * const key = pool.pick();
 * console.log(key.label); // "openai key 1"
 * ```
 */
export class KeyPool {
  readonly #keys: KeyState[];
  readonly #onNotice?: (message: string) => void;
  #picks = 0;

  /** Create a pool (at least one key). */
  constructor(options: KeyPoolOptions) {
    if (options.keys.length === 0) throw new RangeError("KeyPool needs at least one key");
    const many = options.keys.length > 1;
    this.#keys = options.keys.map((k, index) => {
      const label = k.label ?? (many ? `${k.provider.name} key ${index + 1}` : k.provider.name);
      const limiter = k.limiter ?? new RateLimiter({ ...options.limiter, name: label });
      return {
        index,
        label,
        provider: k.provider,
        limiter,
        use: { label, requests: 0, ok: 0, failed: 0, rateLimited: 0 },
        picks: 0,
      };
    });
    this.#onNotice = options.onNotice;
  }

  /** Number of keys. */
  get size(): number {
    return this.#keys.length;
  }
  /** Number of keys not disabled. */
  get enabled(): number {
    return this.#keys.filter((k) => k.disabledBy === undefined).length;
  }
  /** All keys, in order. */
  get keys(): readonly PoolKey[] {
    return this.#keys;
  }

  /**
   * The enabled key with the most headroom (ties: the least loaded, then the least recently picked). Throws the
   * error that disabled the last key when none is left.
   */
  pick(): PoolKey {
    let best: KeyState | undefined;
    let bestScore: [number, number, number] = [-1, 0, 0];
    for (const k of this.#keys) {
      if (k.disabledBy !== undefined) continue;
      const score: [number, number, number] = [
        k.limiter.headroom(),
        -(k.limiter.queued + k.limiter.inFlight),
        -k.picks,
      ];
      if (best === undefined || compare(score, bestScore) > 0) {
        best = k;
        bestScore = score;
      }
    }
    if (best === undefined) {
      const last = this.#keys.map((k) => k.disabledBy).filter((e) => e !== undefined).at(-1);
      throw last ?? toSwebenchError(new Error("no API key left"), "config");
    }
    best.picks = ++this.#picks;
    return best;
  }

  /** Count a call sent with `key`. */
  sent(key: PoolKey): void {
    this.#state(key).use.requests++;
  }

  /** Count an answered call. */
  succeeded(key: PoolKey): void {
    this.#state(key).use.ok++;
  }

  /**
   * Count a failed call; an authentication or quota error disables the key for the run (with a notice).
   * Returns true when the key was disabled by this error.
   */
  failed(key: PoolKey, error: unknown): boolean {
    const k = this.#state(key);
    const err = toSwebenchError(error);
    k.use.failed++;
    if (err.kind === "rate_limit") k.use.rateLimited++;
    if ((err.kind === "authentication" || err.kind === "quota") && k.disabledBy === undefined) {
      k.disabledBy = err;
      k.use.disabled = `${err.kind}: ${err.message.split("\n")[0]}`;
      const left = this.enabled;
      if (this.#keys.length > 1) {
        this.#onNotice?.(
          `${k.label} disabled for this run (${err.kind}: ${err.message.split("\n")[0]}); ${left} key${
            left === 1 ? "" : "s"
          } left.`,
        );
      }
      return true;
    }
    return false;
  }

  /** Per-key use. */
  stats(): KeyUse[] {
    return this.#keys.map((k) => ({ ...k.use }));
  }

  #state(key: PoolKey): KeyState {
    const k = this.#keys[key.index];
    if (k === undefined || k.provider !== key.provider) throw new RangeError("key not from this pool");
    return k;
  }
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return 0;
}
