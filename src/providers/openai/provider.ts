/**
 * The OpenAI provider: Chat Completions over HTTP, for api.openai.com and every OpenAI-compatible server
 * (vLLM, llama.cpp server, LM Studio, OpenRouter, Ollama's `/v1`): the kit's `httpProvider` with
 * {@linkcode OPENAI_SPEC} and {@linkcode OPENAI_CODEC} (the pure codecs of `codec.ts` are re-exported here).
 *
 * @module
 */
import type { Provider } from "../../core/mod.ts";
import { httpProvider, type HttpProviderOptions } from "../kit/http_provider.ts";
import type { ProviderOptions } from "../kit/options.ts";
import { OPENAI_CODEC } from "./codec.ts";
import { OPENAI_SPEC } from "./spec.ts";

export * from "./codec.ts";
export { OPENAI_SPEC } from "./spec.ts";

/** The official API's base URL. */
export const OPENAI_DEFAULT_BASE_URL: string = OPENAI_SPEC.defaultBaseUrl;

/**
 * Options of {@linkcode createOpenAIProvider}.
 *
 * @example
 * ```ts
 * import type { OpenAIProviderOptions } from "./provider.ts";
 * const options: OpenAIProviderOptions = { apiKey: Deno.env.get("OPENAI_API_KEY"), project: Deno.env.get("OPENAI_PROJECT_ID") };
 * ```
 */
export interface OpenAIProviderOptions extends ProviderOptions {
  /** Sent as `OpenAI-Organization` (from `OPENAI_ORG_ID`). */
  organization?: string;
  /** Sent as `OpenAI-Project` (from `OPENAI_PROJECT_ID`). */
  project?: string;
  /** Prompt token counter for `countTokens` (default: `getTokenCounter` of `src/tokens`). */
  tokenCounter?: (model: string) => Promise<OpenAITokenCounter>;
}

/** The part of a token counter `countTokens` needs (structurally `src/tokens`' `TokenCounter`). */
export interface OpenAITokenCounter {
  /** The counter is the model's own tokenizer. */
  readonly exact: boolean;
  /** Relative error bound when not exact. */
  readonly errorBound: number;
  /** Tokens of a chat request, message overhead included. */
  countChat(messages: { role: string; content: string }[]): number;
}

/**
 * Create the OpenAI provider. A key is required for api.openai.com (a call without one fails with kind
 * `config` before any request); other base URLs (local servers) may run without one.
 *
 * @example
 * ```ts
 * import { createOpenAIProvider } from "./provider.ts";
 * const vllm = createOpenAIProvider({ name: "vllm", baseUrl: "http://127.0.0.1:8000/v1" });
 * const r = await vllm.generate({ model: "Qwen/Qwen2.5-Coder-7B-Instruct", prompt: "Say hi", maxTokens: 16 });
 * console.log(r.content, r.usage.totalTokens, r.latencyMs);
 * ```
 */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): Provider {
  const { organization, project, ...rest } = options;
  const input: HttpProviderOptions = { ...rest, settings: { organization, project } };
  return httpProvider({ spec: OPENAI_SPEC, codec: OPENAI_CODEC, options: input });
}
