/**
 * The Anthropic provider: the Messages API (plain and streamed), the model list and `count_tokens`, over HTTP:
 * the kit's `httpProvider` with {@linkcode ANTHROPIC_SPEC} and {@linkcode ANTHROPIC_CODEC} (the pure codecs of
 * `codec.ts` are re-exported here).
 *
 * @module
 */
import type { CallOptions, ModelInfo, Provider, TokenCount, UnifiedRequest } from "../../core/mod.ts";
import { httpProvider } from "../kit/http_provider.ts";
import type { ProviderOptions } from "../kit/options.ts";
import { ANTHROPIC_CODEC } from "./codec.ts";
import { ANTHROPIC_DEFAULT_VERSION, ANTHROPIC_SPEC, normalizeAnthropicBaseUrl } from "./spec.ts";

export * from "./codec.ts";
export { ANTHROPIC_DEFAULT_VERSION, ANTHROPIC_SPEC, normalizeAnthropicBaseUrl };

/** The official API's base URL (without `/v1`, as `ANTHROPIC_BASE_URL`). */
export const ANTHROPIC_DEFAULT_BASE_URL: string = ANTHROPIC_SPEC.defaultBaseUrl;

/**
 * Options of {@linkcode createAnthropicProvider}.
 *
 * @example
 * ```ts
 * import type { AnthropicProviderOptions } from "./provider.ts";
 * const options: AnthropicProviderOptions = {
 *   apiKey: Deno.env.get("ANTHROPIC_API_KEY"),
 *   beta: "extended-cache-ttl-2025-04-11",
 * };
 * ```
 */
export interface AnthropicProviderOptions extends ProviderOptions {
  /** `anthropic-version` header (default {@linkcode ANTHROPIC_DEFAULT_VERSION}). */
  version?: string;
  /** `anthropic-beta` header (comma-separated beta names). */
  beta?: string;
}

/**
 * The Anthropic provider: a {@linkcode Provider} whose `listModels` and `countTokens` are always present.
 *
 * @example
 * ```ts
 * import { type AnthropicProvider, createAnthropicProvider } from "./provider.ts";
 * const p: AnthropicProvider = createAnthropicProvider({ apiKey: Deno.env.get("ANTHROPIC_API_KEY") });
 * const n = await p.countTokens({ model: "claude-sonnet-4-5", prompt: "hello" });
 * ```
 */
export interface AnthropicProvider extends Provider {
  /** The live model list (`GET /v1/models`, all pages). */
  listModels(options?: CallOptions): Promise<ModelInfo[]>;
  /**
   * Prompt tokens of a request: exact from `POST /v1/messages/count_tokens` (cached per SHA-256 of model, system
   * and prompt), or an offline estimate with its error bound when there is no key or no network.
   */
  countTokens(request: UnifiedRequest, options?: CallOptions): Promise<TokenCount>;
}

/**
 * Create the Anthropic provider. The base URL defaults to {@linkcode ANTHROPIC_DEFAULT_BASE_URL} (without `/v1`;
 * one passed with `/v1` is not doubled). A key is required for the official API: a call without one fails with
 * kind `config` naming `ANTHROPIC_API_KEY` before any request (`countTokens` then estimates offline); other base
 * URLs (proxies, simulators) may run without one. The key is sent only in the `x-api-key` header.
 *
 * @example
 * ```ts
 * import { createAnthropicProvider } from "./provider.ts";
 * const anthropic = createAnthropicProvider({ apiKey: Deno.env.get("ANTHROPIC_API_KEY") });
 * const r = await anthropic.generate({ model: "claude-sonnet-4-5", prompt: "Say hi", maxTokens: 16 });
 * console.log(r.content, r.usage, r.requestId);
 * ```
 */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): AnthropicProvider {
  const { version, beta, ...rest } = options;
  return httpProvider({
    spec: ANTHROPIC_SPEC,
    codec: ANTHROPIC_CODEC,
    options: { ...rest, settings: { version, beta } },
  }) as AnthropicProvider;
}
