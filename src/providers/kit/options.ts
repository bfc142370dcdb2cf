/**
 * Options shared by every provider (OpenAI, Anthropic, Ollama and OpenAI-compatible servers).
 *
 * @module
 */
import type { TokenUsage } from "../../core/mod.ts";

/**
 * Prices one call: returns USD, or `undefined` when the model is unpriced (never a silent 0).
 *
 * @example
 * ```ts
 * import type { CostFn } from "./options.ts";
 * const cost: CostFn = (_model, u) => (u.promptTokens * 0.15 + u.completionTokens * 0.6) / 1e6;
 * ```
 */
export type CostFn = (model: string, usage: TokenUsage) => number | undefined;

/**
 * Options every provider factory accepts.
 *
 * @example
 * ```ts
 * import type { ProviderOptions } from "./options.ts";
 * const options: ProviderOptions = {
 *   apiKey: Deno.env.get("OPENAI_API_KEY"),
 *   baseUrl: "http://127.0.0.1:8000/v1",
 *   timeouts: { connectTimeoutMs: 10_000, idleTimeoutMs: 60_000 },
 * };
 * ```
 */
export interface ProviderOptions {
  /** Registry name (default: the provider kind). */
  name?: string;
  /** API key; sent only in the auth header, never logged. */
  apiKey?: string;
  /** Base URL. Vendor convention: OpenAI WITH `/v1`, Anthropic WITHOUT `/v1`, Ollama `host[:port]` or URL. */
  baseUrl?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Injectable fetch (tests). */
  fetch?: typeof fetch;
  /** Prices a call; sets `UnifiedResponse.costUsd`. */
  cost?: CostFn;
  /** Default transport timeouts (per-call options override them). */
  timeouts?: { connectTimeoutMs?: number; totalTimeoutMs?: number; idleTimeoutMs?: number };
}
