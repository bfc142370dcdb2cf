/**
 * The unified response, token usage, finish reasons and rate-limit snapshot.
 *
 * @module
 */

/**
 * Normalised token usage.
 *
 * `promptTokens` counts every input token, cached or not (OpenAI's `prompt_tokens` convention);
 * `cacheReadTokens` and `cacheWriteTokens` say how many of them were read from or written to a prompt cache.
 * Anthropic's `input_tokens` excludes cache reads and writes, so its codec adds them in.
 * Cost is computed from these fields without double counting: uncached input = prompt - cacheRead - cacheWrite.
 *
 * @example
 * ```ts
 * import type { TokenUsage } from "@swebench/runner/lib";
 * const u: TokenUsage = { promptTokens: 120, completionTokens: 30, totalTokens: 150, cacheReadTokens: 100, cacheWriteTokens: 0 };
 * ```
 */
export interface TokenUsage {
  /** All input tokens, cached ones included. */
  promptTokens: number;
  /** Generated tokens (reasoning tokens included). */
  completionTokens: number;
  /** prompt + completion. */
  totalTokens: number;
  /** Input tokens served from the prompt cache (part of promptTokens). */
  cacheReadTokens: number;
  /** Input tokens written to the prompt cache (part of promptTokens). */
  cacheWriteTokens: number;
  /** Of cacheWriteTokens, those written with the 1 hour TTL (Anthropic); the rest use the 5 minute rate. */
  cacheWrite1hTokens?: number;
  /** Reasoning tokens, where reported (part of completionTokens). */
  reasoningTokens?: number;
  /** The cost the provider billed for the call, in USD, where its answer says (OpenRouter `usage.cost`): it is the call's cost. */
  billedUsd?: number;
}

/** A zero usage record. */
export function emptyUsage(): TokenUsage {
  return { promptTokens: 0, completionTokens: 0, totalTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
}

/** Normalised reasons a generation ended. */
export type FinishReason = "stop" | "length" | "content_filter" | "tool_calls" | "error";

/** What the provider's rate-limit headers said on this response (undefined fields were not sent). */
export interface RateLimitSnapshot {
  /** Requests allowed per window. */
  limitRequests?: number;
  /** Requests left in the window. */
  remainingRequests?: number;
  /** Milliseconds until the request window resets. */
  resetRequestsMs?: number;
  /** Tokens allowed per window. */
  limitTokens?: number;
  /** Tokens left in the window. */
  remainingTokens?: number;
  /** Milliseconds until the token window resets. */
  resetTokensMs?: number;
  /** Server-suggested wait before retrying, in milliseconds (`retry-after-ms` / `retry-after`). */
  retryAfterMs?: number;
}

/**
 * A finished model call.
 *
 * @example
 * ```ts
 * import type { UnifiedResponse } from "@swebench/runner/lib";
 * function show(r: UnifiedResponse) {
 *   console.log(r.provider, r.model, r.usage.totalTokens, r.finishReason);
 * }
 * ```
 */
export interface UnifiedResponse {
  /** Generated text. */
  content: string;
  /** Model id reported by the provider (may be a dated snapshot of the requested id). */
  model: string;
  /** Provider name (registry name, e.g. `openai`, `vllm`). */
  provider: string;
  /** Normalised usage. */
  usage: TokenUsage;
  /** Wall time of the call in milliseconds, from send to last byte. */
  latencyMs: number;
  /** Normalised finish reason. */
  finishReason: FinishReason;
  /** The provider's own finish value (`end_turn`, `max_tokens`, `length`, ...). */
  rawFinishReason?: string;
  /** USD cost when the model is priced; `undefined` when unknown (never a silent 0). */
  costUsd?: number;
  /** Provider request id (`x-request-id`, `request-id`), when sent. */
  requestId?: string;
  /** Rate-limit headers of the response. */
  rateLimit?: RateLimitSnapshot;
  /** The raw response body (parsed JSON, or the list of stream events); never contains secrets. */
  raw?: unknown;
}
