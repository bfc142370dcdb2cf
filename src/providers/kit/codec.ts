/**
 * A vendor's wire format ({@linkcode VendorCodec}): a plain object of pure functions (no state, no closures over a
 * provider), so one codec serves several specs (OpenAI for every compatible server) and parts can be overridden
 * with a spread (`{ ...OPENAI_CODEC, path }`). The kit's `httpProvider` calls it; the transport does the HTTP.
 *
 * @module
 */
import type {
  CallOptions,
  ModelInfo,
  RateLimitSnapshot,
  StreamEvent,
  SwebenchError,
  UnifiedRequest,
} from "../../core/mod.ts";
import type { PushDecoder } from "../../http/push_decoder.ts";
import type { SseEvent } from "../../http/sse.ts";
import type { ErrorDetails, ErrorRules } from "../../http/status.ts";
import type { HttpTransport } from "./transport.ts";
import type { VendorSettings } from "./spec.ts";
import type { DecodedResponse } from "./whole_body.ts";

export type { DecodedResponse };

/**
 * What `encode` and `path` get besides the request.
 *
 * @example
 * ```ts
 * import type { EncodeContext } from "./codec.ts";
 * const ctx: EncodeContext = { stream: true, settings: {} };
 * ```
 */
export interface EncodeContext {
  /** A streamed call. */
  stream: boolean;
  /** The vendor settings (spec `settings`, resolved by the caller). */
  settings: VendorSettings;
  /** What the codec's `prepare` returned for this call. */
  prepared?: unknown;
  /** Parameters to leave out of this model's requests (it refused them once: see `unsupportedParameter`). */
  drop?: ReadonlySet<string>;
}

/**
 * What the decoders get: names for errors and the response headers' meta (the start event carries them).
 *
 * @example
 * ```ts
 * import type { DecodeContext } from "./codec.ts";
 * const ctx: DecodeContext = { provider: "openai", model: "gpt-4o-mini" };
 * ```
 */
export interface DecodeContext {
  /** Provider name. */
  provider: string;
  /** Requested model. */
  model: string;
  /** The response's request id (from the codec's `requestIdHeaders`). */
  requestId?: string;
  /** The response's rate-limit snapshot. */
  rateLimit?: RateLimitSnapshot;
}

/**
 * A token counter as the kit needs it (structurally `src/tokens`' `TokenCounter`).
 *
 * @example
 * ```ts
 * import type { KitTokenCounter } from "./codec.ts";
 * const c: KitTokenCounter = { exact: false, errorBound: 0.5, countChat: (m) => m.length * 4 };
 * ```
 */
export interface KitTokenCounter {
  /** The counter is the model's own tokenizer. */
  readonly exact?: boolean;
  /** Relative error bound when not exact. */
  readonly errorBound: number;
  /** Tokens of a chat request, message overhead included. */
  countChat(messages: { role: string; content: string }[]): number;
}

/**
 * What `prepare` gets: the provider's transport, the call's options, the token counter and a memo that lives as
 * long as the provider (Ollama caches `/api/show` answers in it).
 *
 * @example
 * ```ts
 * import type { PrepareContext } from "./codec.ts";
 * async function prepare(_r: unknown, ctx: PrepareContext) { return ctx.memo.get("x"); }
 * ```
 */
export interface PrepareContext {
  /** Provider name. */
  provider: string;
  /** The provider's transport (side calls such as `/api/show`). */
  transport: HttpTransport;
  /** The call's options (its signal and timeouts). */
  call: CallOptions;
  /** The token counter of a model (a fallback estimate when none loads). */
  counter(model: string): Promise<KitTokenCounter>;
  /** Per-provider memo. */
  memo: Map<string, unknown>;
}

/**
 * How prompt tokens are counted. `local`: the model's tokenizer when it has one (exact), else its family's
 * estimate. `estimate`: never exact (bound at least `minErrorBound`; a fallback counter when none loads). `api`:
 * the vendor's count endpoint, cached per provider, with the offline estimate when there is no key, no network or
 * the call timed out.
 */
export type CountTokensSpec =
  | {
    readonly type: "local";
    /** The messages as the vendor will see them. */
    messages(request: UnifiedRequest): { role: string; content: string }[];
  }
  | {
    readonly type: "estimate";
    /** Least error bound reported. */
    readonly minErrorBound: number;
    /** The messages as the vendor will see them. */
    messages(request: UnifiedRequest): { role: string; content: string }[];
  }
  | {
    readonly type: "api";
    /** Path of the count endpoint, or a function of the request (Gemini: the model is in the path). */
    readonly path: string | ((request: UnifiedRequest) => string);
    /** Body of a count request. */
    encode(request: UnifiedRequest): unknown;
    /** The count in an answer; throws when there is none. */
    decode(body: unknown, provider: string): number;
    /** Least error bound of the offline estimate. */
    readonly minErrorBound: number;
  };

/**
 * The live model list: where, and how to read one page (and find the next).
 *
 * @example
 * ```ts
 * import type { ModelListSpec } from "./codec.ts";
 * const models: ModelListSpec = { path: "/models", decodePage: (body) => ({ models: (body as { data: { id: string }[] }).data }) };
 * ```
 */
export interface ModelListSpec {
  /** Path of the first page. */
  readonly path: string;
  /** Query of the first page (`limit=100`). */
  readonly query?: Readonly<Record<string, string>>;
  /** One page -> its models and the query of the next page (none: the last page). */
  decodePage(body: unknown): { models: ModelInfo[]; next?: Record<string, string> };
}

/** Issue 14, reserved: batch lines and results (the members are named here so the shape is known). */
export interface BatchCodec {
  /** One request as a line of the batch input file. */
  encodeLine?(customId: string, request: UnifiedRequest, ctx: EncodeContext): string;
  /** One line of the results -> a response or an error. */
  decodeResult?(line: unknown): { customId: string; response?: DecodedResponse; error?: SwebenchError };
}

/**
 * A vendor's wire format.
 *
 * @example
 * ```ts
 * import type { VendorCodec } from "./codec.ts";
 * declare const OPENAI_CODEC: VendorCodec;
 * const azureLike: VendorCodec = { ...OPENAI_CODEC, path: () => "/openai/v1/chat/completions" };
 * ```
 */
export interface VendorCodec {
  /** Streamed bodies: SSE, or NDJSON (Ollama). */
  readonly stream: "sse" | "ndjson";
  /** `Accept` of a streamed request and of every other one. */
  readonly accept: { readonly stream: string; readonly other: string };
  /** Path (and query) of a model call under the base URL. */
  path(request: UnifiedRequest, ctx: EncodeContext): string;
  /** Unified request -> wire body. */
  encode(request: UnifiedRequest, ctx: EncodeContext): unknown;
  /** An async pre-step whose result reaches `encode` as `ctx.prepared` (Ollama: num_ctx); may throw. */
  prepare?(request: UnifiedRequest, ctx: PrepareContext): Promise<unknown>;
  /** A whole JSON answer -> unified fields; an error object in a 200 throws its classified error. */
  decodeWhole(body: unknown, ctx: DecodeContext): DecodedResponse;
  /**
   * Wire events -> unified events, exactly one terminal event; SSE events for `stream: "sse"`, the JSON values of
   * the lines for `"ndjson"`. The start event carries `ctx.requestId` and `ctx.rateLimit`.
   */
  eventDecoder(
    emit: (event: StreamEvent) => void,
    ctx: DecodeContext,
  ): PushDecoder<SseEvent> | PushDecoder<unknown>;
  /** Error facts for the shared classifier: vendor kinds, request-id headers, own rate-limit headers, details. */
  readonly errors?: ErrorRules & { extract?: (body: unknown) => ErrorDetails };
  /** A hint for an error (Ollama: `ollama pull <model>`). */
  errorHint?(error: SwebenchError, ctx: { model?: string }): string | undefined;
  /**
   * The parameter a 400 says the model does not take (unified names `temperature`, `stop`, `max_tokens`, or wire
   * names), or undefined. The kit then leaves it out (`EncodeContext.drop`) and sends the call once more.
   */
  unsupportedParameter?(error: SwebenchError): string | undefined;
  /** The live model list; absent: the provider has no `listModels`. */
  readonly models?: ModelListSpec;
  /** Token counting. */
  readonly countTokens: CountTokensSpec;
  /** Issue 14, reserved. */
  readonly batch?: BatchCodec;
}
