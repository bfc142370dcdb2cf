/**
 * The resilient call layer: a {@linkcode CallFn} that joins budget, rate limiter, circuit breaker, retries and
 * the fallback chain in the order of docs/architecture.md#resilience. For each model of the chain, every attempt goes:
 *
 * 1. budget: reserve the worst case (counted prompt tokens + max tokens at list price; local providers 0);
 * 2. key + rate limiter: the key with the most headroom, then wait for its request and token buckets;
 * 3. circuit breaker of the endpoint (provider + model): fails fast while open;
 * 4. the provider call (`generate`; with `context.stream`, the provider streams and collects — a partial stream
 *    is never used: an error mid-stream fails the attempt and the whole request is retried);
 * 5. success: settle the budget to `costUsd`, teach the limiter the response's rate-limit headers.
 *    Failure: release the reservation when the provider answered with an HTTP error (nothing billed), keep it
 *    when the call may have been billed (see `budget.ts`); on a 429 pause the whole key; an authentication or
 *    quota error disables the key (the next key takes over at once); retry per policy (waits >= retry-after).
 *
 * Then fallback to the next chain entry on fallback-eligible errors: exhausted retries, an open breaker (at
 * once), quota, overload (after its retries), model not found, content filter; a context-length error only to a
 * later entry with a larger `contextWindow`; authentication, invalid request, budget, config, permission and
 * interruption never fall back.
 *
 * Rate limits (429) do not count for the circuit breaker here: the limiter's shared pause handles them, and a
 * 429 proves the endpoint is up (counting them would let one busy key trip the breaker for all keys).
 *
 * @module
 */
import {
  type CallOptions,
  isUnreachable,
  type Provider,
  SwebenchError,
  toSwebenchError,
  type UnifiedRequest,
  type UnifiedResponse,
} from "../core/mod.ts";
import type { CallContext, CallFn, CallResult } from "./call.ts";
import { type BreakerChange, CircuitBreaker } from "./breaker.ts";
import type { Budget, BudgetSummary, Reservation } from "./budget.ts";
import { KeyPool, type KeyUse, type PoolKey } from "./key_pool.ts";
import { RateLimiter, type RateLimiterOptions, type RateLimiterStats } from "./rate_limiter.ts";
import {
  decideRetry,
  interruptedError,
  resolveRetryPolicy,
  type RetryPolicy,
  sleep,
  waitTooLongError,
} from "./retry.ts";

/** How often a call waiting for a half-open breaker's probe looks again, in ms (plus as much jitter). */
const PROBE_POLL_MS = 250;

/**
 * One model of the fallback chain.
 *
 * @example
 * ```ts
 * import type { ChainEntry } from "./resilient_call.ts";
 * import { createOpenAIProvider } from "../providers/openai/provider.ts";
 * import { defaultCatalog, worstCaseCost } from "../providers/catalog.ts";
 * const entry: ChainEntry = {
 *   provider: createOpenAIProvider({ apiKey: "sk-..." }),
 *   model: "gpt-4o-mini",
 *   contextWindow: 128_000,
 *   estimateCost: (p, m) => worstCaseCost(defaultCatalog().lookup("gpt-4o-mini"), p, m),
 * };
 * ```
 */
export interface ChainEntry {
  /** The provider, or one provider per API key (calls spread by headroom). */
  provider: Provider | Provider[];
  /** Model id to request. */
  model: string;
  /** Context window in tokens (for context-length fallback). */
  contextWindow?: number;
  /** Worst-case USD of a call: prompt tokens + max tokens at list price; `undefined` = unpriced. */
  estimateCost: (promptTokens: number, maxTokens: number) => number | undefined;
  /**
   * Rate limiter(s): one, or one per key (same order as `provider`). Default: one per provider object, shared by
   * every chain entry that uses the same provider object, created from `rateLimits`.
   */
  limiter?: RateLimiter | RateLimiter[];
  /** Options of limiters created here (`rpm`, `tpm`, `maxConcurrent`). */
  rateLimits?: RateLimiterOptions;
  /** Key labels for messages and the summary (never the keys): default `<provider> key <n>`. */
  keyLabels?: string[];
  /** Output bound used when the request has no `maxTokens` (needed with a budget). */
  maxOutputTokens?: number;
  /** Per-provider budget (create it with the global budget as `parent`); default: the global one. */
  budget?: Budget;
}

/**
 * Options of {@linkcode createResilientCall}.
 *
 * @example
 * ```ts
 * import type { ResilientCallOptions } from "./resilient_call.ts";
 * import { Budget } from "./budget.ts";
 * import { createOllamaProvider } from "../providers/ollama/provider.ts";
 * const options: ResilientCallOptions = {
 *   chain: [{ provider: createOllamaProvider(), model: "qwen2.5-coder:7b", estimateCost: () => 0 }],
 *   budget: new Budget({ maxUsd: 5 }),
 *   retry: { maxAttempts: 5 },
 * };
 * ```
 */
export interface ResilientCallOptions {
  /** Models in order of preference (the first is the run's model). */
  chain: ChainEntry[];
  /** Global budget (`--max-cost`). */
  budget?: Budget;
  /** Retry policy (defaults: 5 attempts, 500 ms base, 60 s cap, 120 s longest server wait). */
  retry?: RetryPolicy;
  /** Circuit breaker settings (defaults: opens after 5 consecutive failures, 30 s cooldown). */
  breaker?: { threshold?: number; cooldownMs?: number };
  /** Told about every breaker state change (also sent as a notice to the call that caused it). */
  onBreakerChange?: (change: BreakerChange) => void;
  /** Relative margin added to counted prompt tokens for budget reservations (a token counter's error bound). */
  promptTokenMargin?: number;
  /** Transport options for every call (timeouts); the signal comes from the call context. */
  callOptions?: Omit<CallOptions, "signal">;
  /** Clock for breakers and created limiters (tests). */
  now?: () => number;
  /** Sleep between retries (tests). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Random source for jitter (tests). */
  random?: () => number;
}

/**
 * Counters for the run summary.
 *
 * @example
 * ```ts
 * import type { ResilienceStats } from "./resilient_call.ts";
 * function show(s: ResilienceStats) {
 *   console.log(`${s.retries} retries, ${s.rateLimited} x 429, ${s.fallbacks} fallbacks`);
 *   for (const k of s.keys) console.log(k.label, k.requests, k.disabled ?? "");
 * }
 * ```
 */
export interface ResilienceStats {
  /** Calls made through the layer. */
  calls: number;
  /** Calls that ended with a response. */
  answered: number;
  /** Calls that ended with an error. */
  failed: number;
  /** Attempts (requests tried, all models). */
  attempts: number;
  /** Retries (waits between attempts). */
  retries: number;
  /** Responses answered 429. */
  rateLimited: number;
  /** Moves to a later chain entry. */
  fallbacks: number;
  /** Breaker state changes, oldest first. */
  breakerChanges: Array<Omit<BreakerChange, "error"> & { reason?: string }>;
  /** Calls answered per `provider:model`. */
  answeredBy: Record<string, number>;
  /** Per-key use. */
  keys: KeyUse[];
  /** Per-key limiter state. */
  limiters: RateLimiterStats[];
  /** The global budget, when one is set. */
  budget?: BudgetSummary;
}

/**
 * The counters of a layer that made no call (a run in batch mode, before its first call).
 *
 * @example
 * ```ts
 * import { noResilienceStats } from "./resilient_call.ts";
 * noResilienceStats().calls; // 0
 * ```
 */
export function noResilienceStats(): ResilienceStats {
  return {
    calls: 0,
    answered: 0,
    failed: 0,
    attempts: 0,
    retries: 0,
    rateLimited: 0,
    fallbacks: 0,
    breakerChanges: [],
    answeredBy: {},
    keys: [],
    limiters: [],
  };
}

/** A {@linkcode CallFn} that also reports its counters. */
export type ResilientCall = CallFn & {
  /** Counters for the run summary. */
  stats(): ResilienceStats;
};

interface EntryState {
  entry: ChainEntry;
  pool: KeyPool;
}

/**
 * Build the resilient call layer for a run.
 *
 * @example
 * ```ts
 * import { createResilientCall } from "./resilient_call.ts";
 * import { Budget } from "./budget.ts";
 * import { createAnthropicProvider } from "../providers/anthropic/provider.ts";
 * import { createOllamaProvider } from "../providers/ollama/provider.ts";
 * import { defaultCatalog, worstCaseCost } from "../providers/catalog.ts";
 * const catalog = defaultCatalog();
 * const call = createResilientCall({
 *   chain: [
 *     {
 *       provider: createAnthropicProvider({ apiKey: "sk-ant-..." }),
 *       model: "claude-sonnet-4-5",
 *       estimateCost: (p, m) => worstCaseCost(catalog.lookup("claude-sonnet-4-5"), p, m),
 *     },
 *     { provider: createOllamaProvider(), model: "qwen2.5-coder:7b", estimateCost: () => 0 },
 *   ],
 *   budget: new Budget({ maxUsd: 10 }),
 * });
 * // runBatch({ ..., call });  then: call.stats()
 * ```
 */
export function createResilientCall(options: ResilientCallOptions): ResilientCall {
  if (options.chain.length === 0) throw new RangeError("createResilientCall needs at least one chain entry");
  const policy = resolveRetryPolicy(options.retry);
  const wait = options.sleep ?? sleep;
  const margin = Math.max(0, options.promptTokenMargin ?? 0);
  const limiters = new Map<Provider, RateLimiter>();
  const breakers = new Map<string, CircuitBreaker>();
  const stats: ResilienceStats = noResilienceStats();
  let noticeTo: ((message: string) => void) | undefined;

  const limiterFor = (provider: Provider, entry: ChainEntry, label: string): RateLimiter => {
    let limiter = limiters.get(provider);
    if (limiter === undefined) {
      limiter = new RateLimiter({
        now: options.now,
        maxWaitMs: policy.maxWaitMs,
        ...entry.rateLimits,
        name: label,
      });
      limiters.set(provider, limiter);
    }
    return limiter;
  };

  const pools = new Map<Provider, KeyPool>();
  const entries: EntryState[] = options.chain.map((entry) => {
    const providers = Array.isArray(entry.provider) ? entry.provider : [entry.provider];
    if (providers.length === 0) throw new RangeError(`chain entry ${entry.model} has no provider`);
    // Entries with the same provider object(s) (another model on the same keys) share the pool and limiters.
    const shared = pools.get(providers[0]);
    if (shared !== undefined && shared.size === providers.length) return { entry, pool: shared };
    const given = entry.limiter === undefined
      ? []
      : Array.isArray(entry.limiter)
      ? entry.limiter
      : [entry.limiter];
    const keys = providers.map((provider, i) => {
      const label = entry.keyLabels?.[i] ??
        (providers.length > 1 ? `${provider.name} key ${i + 1}` : provider.name);
      const limiter = given[i] ?? limiterFor(provider, entry, label);
      if (!limiters.has(provider)) limiters.set(provider, limiter);
      return { provider, limiter, label };
    });
    const pool = new KeyPool({ keys });
    pools.set(providers[0], pool);
    return { entry, pool };
  });

  const breakerFor = (provider: Provider, model: string): CircuitBreaker => {
    const id = `${provider.name}\u0000${provider.baseUrl}\u0000${model}`;
    let breaker = breakers.get(id);
    if (breaker === undefined) {
      breaker = new CircuitBreaker({
        endpoint: `${provider.name}:${model} (${provider.baseUrl})`,
        threshold: options.breaker?.threshold,
        cooldownMs: options.breaker?.cooldownMs,
        now: options.now,
        counts: (e) => e.countsForBreaker && e.kind !== "rate_limit",
        onStateChange: (change) => {
          const { error, ...rest } = change;
          stats.breakerChanges.push(error ? { ...rest, reason: error.message.split("\n")[0] } : rest);
          noticeTo?.(
            `circuit ${change.to} for ${change.endpoint}${
              change.to === "open" ? ` after ${change.failures} consecutive failures` : ""
            }`,
          );
          options.onBreakerChange?.(change);
        },
      });
      breakers.set(id, breaker);
    }
    return breaker;
  };

  /**
   * Reserve the worst case of one attempt; undefined when no budget applies. While it does not fit but other calls
   * are in flight, wait for them to settle (see {@linkcode Budget.reserveWhenFree}); a stop (first Ctrl-C) or an
   * abort ends the wait as `interrupted`.
   */
  const reserve = async (
    state: EntryState,
    provider: Provider,
    context: CallContext,
    maxTokens: number | undefined,
  ): Promise<{ budget: Budget; reservation: Reservation } | undefined> => {
    const budget = state.entry.budget ?? options.budget;
    if (budget === undefined || provider.local === true) return undefined;
    const model = state.entry.model;
    if (maxTokens === undefined) {
      throw new SwebenchError(
        "config",
        `a budget is set but calls to ${provider.name}:${model} have no max tokens`,
        {
          provider: provider.name,
          hint: "Set --max-tokens so that the worst case of each call is known.",
        },
      );
    }
    const prompt = Math.ceil(Math.max(0, context.promptTokens) * (1 + margin));
    let estimate: number | undefined;
    try {
      estimate = state.entry.estimateCost(prompt, maxTokens);
    } catch {
      estimate = undefined;
    }
    if (typeof estimate !== "number" || !Number.isFinite(estimate) || estimate < 0) {
      throw new SwebenchError(
        "config",
        `no price for model "${model}" (${provider.name}): a budget (--max-cost) needs one to reserve each call's worst case`,
        {
          provider: provider.name,
          hint:
            `Add it to the config file's "models" list, e.g. {"id": "${model}", "provider": "${provider.name}", ` +
            `"inputPerMTok": 3, "outputPerMTok": 15} (USD per million tokens; 0 for a free local server), ` +
            "or run without --max-cost.",
        },
      );
    }
    const waitSignal = waitSignalOf(context);
    try {
      const label = `${context.instanceId}, ${provider.name}:${model}`;
      return { budget, reservation: await budget.reserveWhenFree(estimate, label, waitSignal) };
    } catch (e) {
      if (waitSignal.aborted) throw interruptedError(waitSignal, "wait for budget room");
      throw e;
    }
  };

  /** One attempt with one key. */
  const attemptOnce = async (
    state: EntryState,
    key: PoolKey,
    request: UnifiedRequest,
    context: CallContext,
  ): Promise<UnifiedResponse> => {
    const { provider, limiter } = key;
    const maxTokens = request.maxTokens ?? state.entry.maxOutputTokens;
    const booked = await reserve(state, provider, context, maxTokens);
    const unbook = (billed: boolean) => {
      if (booked === undefined) return;
      if (billed) {
        booked.budget.keep(booked.reservation);
        context.onKept?.(booked.reservation.usd);
      } else booked.budget.release(booked.reservation);
    };
    let permit;
    try {
      // A wait for the limiter (a 429 pause of the key) ends at the first Ctrl-C: nothing was sent yet.
      permit = await limiter.acquire(
        Math.max(0, context.promptTokens) + (maxTokens ?? 0),
        waitSignalOf(context),
      );
    } catch (e) {
      unbook(false);
      throw e;
    }
    const breaker = breakerFor(provider, state.entry.model);
    let admission;
    try {
      admission = breaker.admit();
    } catch (e) {
      unbook(false);
      limiter.release(permit);
      throw e;
    }
    state.pool.sent(key);
    const req: UnifiedRequest = { ...request, model: state.entry.model, stream: context.stream };
    if (maxTokens !== undefined) req.maxTokens = maxTokens;
    let response: UnifiedResponse;
    try {
      response = await provider.generate(req, { ...options.callOptions, signal: context.signal });
    } catch (e) {
      let err = toSwebenchError(e);
      // The run's first call goes alone: there is no herd of calls for the breaker to hold back, and its
      // failures must not leave the breaker open for the calls that fan out after it.
      if (!context.probe || admission.probe) breaker.failure(admission, err);
      unbook(mayHaveBeenBilled(err));
      if (err.kind === "rate_limit") {
        stats.rateLimited++;
        limiter.pause(err.retryAfterMs ?? limiter.suggestedWaitMs() ?? 1000, permit);
        // A reset further away than the longest wait: the key's allowance is used up (quota; the key is disabled,
        // another key or the fallback takes over).
        if (err.retryAfterMs !== undefined && err.retryAfterMs > policy.maxWaitMs) {
          err = waitTooLongError(err, err.retryAfterMs, policy.maxWaitMs);
        }
      }
      limiter.release(permit);
      if (state.pool.failed(key, err)) throw new KeyDisabled(err);
      throw err;
    }
    breaker.success(admission);
    if (booked) {
      booked.budget.settle(booked.reservation, response.costUsd);
      // An answer without a cost is booked at its worst case: the run log must say so for the next run's budget.
      if (response.costUsd === undefined) context.onKept?.(booked.reservation.usd);
    }
    limiter.observe(response.rateLimit, permit);
    state.pool.succeeded(key);
    return response;
  };

  /** Attempts on one chain entry until success or a final error. */
  const runEntry = async (
    index: number,
    request: UnifiedRequest,
    context: CallContext,
    count: { attempts: number },
  ): Promise<{ response: UnifiedResponse; key: PoolKey }> => {
    const state = entries[index];
    let tries = 0;
    while (true) {
      if (context.signal.aborted) throw interruptedError(context.signal, "call");
      let key: PoolKey;
      try {
        key = state.pool.pick();
      } catch (e) {
        // The error that disabled the last key, shared by every call: each call throws its own copy.
        const shared = toSwebenchError(e);
        throw shared.with({ cause: shared });
      }
      count.attempts++;
      stats.attempts++;
      tries++;
      let err: SwebenchError;
      let keyDisabled = false;
      try {
        return { response: await attemptOnce(state, key, request, context), key };
      } catch (e) {
        keyDisabled = e instanceof KeyDisabled;
        err = e instanceof KeyDisabled ? e.error : toSwebenchError(e);
      }
      if (context.signal.aborted) {
        throw err.kind === "interrupted" ? err : interruptedError(context.signal, "call");
      }
      if (keyDisabled && state.pool.enabled > 0) {
        context.onNotice?.(`${key.label} disabled for this run (${err.kind}); the other keys take over.`);
        tries--; // another key, at once: not a retry of the same request
        continue;
      }
      if (err.kind === "breaker_open") {
        // The breaker refused before any request was sent: not an attempt at the endpoint.
        count.attempts--;
        stats.attempts--;
        if (index + 1 < entries.length) throw err; // fall back at once
        if (err.retryAfterMs === undefined) {
          // Half-open, its one probe call in flight: wait for the probe's outcome without spending a try.
          tries--;
          await wait(
            PROBE_POLL_MS + Math.floor((options.random ?? Math.random)() * PROBE_POLL_MS),
            context.signal,
          );
          continue;
        }
      }
      // The run's first call: an address where nothing answers stops it at once (see CallContext.probe).
      if (context.probe && isUnreachable(err)) throw err;
      const decision = decideRetry(err, tries, { policy, random: options.random });
      if (!decision.retry) throw decision.error;
      // Stopping (first Ctrl-C, SIGTERM): no new attempt starts; the instance is not done and the next run sends it.
      if (context.stopSignal?.aborted) throw interruptedError(context.stopSignal, "retry");
      stats.retries++;
      context.onRetry?.({ attempt: count.attempts, error: err, waitMs: decision.waitMs });
      // The wait before a retry ends at the first Ctrl-C too (no new attempt would start after it).
      await wait(decision.waitMs, waitSignalOf(context));
    }
  };

  /** The chain entry to fall back to after `err` on entry `index`, if any. */
  const fallbackFrom = (index: number, err: SwebenchError, context: CallContext): number | undefined => {
    if (!err.fallback) return undefined;
    if (err.kind === "context_length") {
      const current = entries[index].entry.contextWindow ?? context.promptTokens;
      for (let j = index + 1; j < entries.length; j++) {
        const window = entries[j].entry.contextWindow;
        if (window !== undefined && window > current) return j;
      }
      return undefined;
    }
    return index + 1 < entries.length ? index + 1 : undefined;
  };

  const call = async (request: UnifiedRequest, context: CallContext): Promise<CallResult> => {
    stats.calls++;
    const count = { attempts: 0 };
    let index = 0;
    while (true) {
      noticeTo = context.onNotice;
      try {
        const { response, key } = await runEntry(index, request, context, count);
        stats.answered++;
        const answeredBy = { provider: key.provider.name, model: entries[index].entry.model };
        const id = `${answeredBy.provider}:${answeredBy.model}`;
        stats.answeredBy[id] = (stats.answeredBy[id] ?? 0) + 1;
        return { response, attempts: count.attempts, answeredBy };
      } catch (e) {
        const err = toSwebenchError(e);
        const next = fallbackFrom(index, err, context);
        if (next !== undefined && context.stopSignal?.aborted && !context.signal.aborted) {
          // Stopping: no attempt on another model starts; the instance is not done and the next run sends it.
          stats.failed++;
          throw interruptedError(context.stopSignal, "fallback").with({ attempts: count.attempts });
        }
        if (next === undefined || context.signal.aborted) {
          stats.failed++;
          throw err.with({ attempts: count.attempts });
        }
        stats.fallbacks++;
        const from = entries[index];
        const to = entries[next];
        context.onNotice?.(
          `${context.instanceId}: falling back from ${providerName(from)}:${from.entry.model} to ${
            providerName(to)
          }:${to.entry.model} after ${err.kind}: ${err.message.split("\n")[0]}`,
        );
        index = next;
      }
    }
  };

  const resilient = call as ResilientCall;
  resilient.stats = (): ResilienceStats => {
    const out: ResilienceStats = {
      ...stats,
      breakerChanges: [...stats.breakerChanges],
      answeredBy: { ...stats.answeredBy },
      keys: [...new Set(entries.map((s) => s.pool))].flatMap((pool) => pool.stats()),
      limiters: [...new Set(limiters.values())].map((l) => l.stats()),
    };
    if (options.budget) out.budget = options.budget.toJSON();
    return out;
  };
  return resilient;
}

/**
 * The signal that ends a wait of this call (budget room, the limiter, the pause before a retry): the abort of the
 * call, or the stop of the run (first Ctrl-C, SIGTERM), after which no new attempt starts anyway.
 */
function waitSignalOf(context: CallContext): AbortSignal {
  return context.stopSignal ? AbortSignal.any([context.signal, context.stopSignal]) : context.signal;
}

function providerName(state: EntryState): string {
  return state.pool.keys[0].provider.name;
}

/**
 * Whether a failed call may still have been billed. An HTTP error response (status set) bills nothing; errors
 * raised before any request (config, permission, a refused connection or failed DNS lookup) neither. Everything
 * else — a dropped connection, a timeout, a stream cut or an error event after 200 — may have reached the model.
 *
 * @example
 * ```ts
 * import { SwebenchError } from "../core/mod.ts";
 * import { mayHaveBeenBilled } from "./resilient_call.ts";
 * mayHaveBeenBilled(new SwebenchError("server", "500", { status: 500 })); // false
 * mayHaveBeenBilled(new SwebenchError("connection", "stream ended early")); // true
 * ```
 */
export function mayHaveBeenBilled(error: SwebenchError): boolean {
  // An HTTP error answer (4xx/5xx) was not billed; a failure after a 200 (a broken body) may have been.
  if (error.status !== undefined && error.status >= 400) return false;
  if (["config", "permission", "usage", "budget", "authentication"].includes(error.kind)) return false;
  return !isUnreachable(error);
}

/** The attempt failed and its error disabled the key: another key may take the call over at once. */
class KeyDisabled {
  constructor(readonly error: SwebenchError) {}
}
