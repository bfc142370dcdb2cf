/**
 * The Provider interface: what every wire protocol module implements.
 *
 * @module
 */
import type { CallOptions, UnifiedRequest } from "./request.ts";
import type { UnifiedResponse } from "./response.ts";
import type { StreamEvent } from "./stream.ts";

/**
 * A vendor id of the provider registry (`openai`, `anthropic`, `ollama`, `gold`, ...: `providerIds()` lists them):
 * the wire protocol a provider speaks. A string, so that a vendor is added in `src/providers/` alone.
 */
export type ProviderKind = string;

/** A model as listed by a provider's live model list. */
export interface ModelInfo {
  /** Model id to pass as `UnifiedRequest.model`. */
  id: string;
  /** Human name, when the provider gives one. */
  displayName?: string;
  /** Context window in tokens, when known. */
  contextWindow?: number;
  /** Most output tokens per call, when the provider says (Gemini's `outputTokenLimit`). */
  maxOutputTokens?: number;
  /** Creation time (ISO 8601), when known. */
  createdAt?: string;
  /** Size on disk in bytes (Ollama). */
  sizeBytes?: number;
}

/** A prompt token count and how far it may be from the provider's own. */
export interface TokenCount {
  /** Counted or estimated prompt tokens. */
  tokens: number;
  /** `exact` (provider API or the model's own tokenizer) or `estimate`. */
  method: "exact" | "estimate";
  /** Relative error bound of an estimate (0.15 = may be off by 15 %); 0 when exact. */
  errorBound: number;
}

/**
 * One provider: a wire protocol bound to an endpoint and credentials.
 *
 * @example
 * ```ts
 * import type { Provider } from "@swebench/runner/lib";
 * async function ask(p: Provider) {
 *   const r = await p.generate({ model: "gpt-4o-mini", prompt: "Say hi", maxTokens: 16 });
 *   return r.content;
 * }
 * ```
 */
export interface Provider {
  /** Registry name (`openai`, `anthropic`, `ollama`, `gold`, or a custom name such as `vllm`). */
  readonly name: string;
  /** Wire protocol. */
  readonly kind: ProviderKind;
  /** Base URL the provider calls (without secrets), for messages and permission hints. */
  readonly baseUrl: string;
  /** A local server or no server at all (Ollama, gold): its calls cost nothing and take no budget. */
  readonly local?: boolean;
  /** One call, whole response. Throws {@linkcode SwebenchError}. */
  generate(request: UnifiedRequest, options?: CallOptions): Promise<UnifiedResponse>;
  /**
   * One call, streamed. The stream never throws: failures arrive as one final `error` event,
   * success as one final `finish` event.
   */
  stream(request: UnifiedRequest, options?: CallOptions): ReadableStream<StreamEvent>;
  /** The live model list. */
  listModels?(options?: CallOptions): Promise<ModelInfo[]>;
  /** Count prompt tokens for a request (exact where the provider offers it). */
  countTokens?(request: UnifiedRequest, options?: CallOptions): Promise<TokenCount>;
  /**
   * Parameters a model refused with a 400 ("temperature is not supported with this model") that this provider now
   * leaves out of that model's requests, by model id. Each was learned from one refused request, which was sent
   * again once without it.
   */
  droppedParameters?(): Record<string, string[]>;
}
