/**
 * Pure codecs for Anthropic's Messages API: unified request -> wire body, wire body -> unified response,
 * wire stream events -> unified stream events. No network, no state beyond one stream's decoder.
 *
 * Wire shapes follow `@anthropic-ai/sdk` (type imports only).
 *
 * @module
 */
import type {
  CacheControlEphemeral,
  MessageCreateParams,
  TextBlockParam,
} from "@anthropic-ai/sdk/resources/messages/messages";
import type {
  FinishReason,
  ModelInfo,
  RateLimitSnapshot,
  StreamEvent,
  TokenUsage,
  UnifiedRequest,
  UnifiedResponse,
} from "../../core/mod.ts";
import { SwebenchError } from "../../core/mod.ts";
import { type PushDecoder, pushDecoderStream } from "../../http/push_decoder.ts";
import type { SseEvent } from "../../http/sse.ts";
import { headerInt, headerReset } from "../../http/rate_limit_headers.ts";
import { classifyHttpError, extractErrorDetails } from "../../http/status.ts";
import type { VendorCodec } from "../kit/codec.ts";
import {
  ANTHROPIC_DEFAULT_VERSION,
  anthropicAcceptsSampling,
  anthropicUnsupportedParameter,
  applyAnthropicVersion,
  dropAnthropicParameters,
} from "./version.ts";

export { anthropicAcceptsSampling };

/** `max_tokens` sent when the request gives none (the Messages API requires the field). */
export const ANTHROPIC_DEFAULT_MAX_TOKENS: number = 4096;

/**
 * Prompt-cache TTL asked for with `request.extra.cacheControl` (`true` = the API default, 5 minutes).
 *
 * @example
 * ```ts
 * import type { AnthropicCacheControl } from "./codec.ts";
 * const ttl: AnthropicCacheControl = "1h";
 * const request = { model: "claude-sonnet-4-5", prompt: "...", extra: { cacheControl: ttl, cachePrefix: "..." } };
 * ```
 */
export type AnthropicCacheControl = "5m" | "1h" | true;

/**
 * Options of {@linkcode encodeAnthropicRequest}.
 *
 * @example
 * ```ts
 * import { encodeAnthropicRequest, type EncodeAnthropicOptions } from "./codec.ts";
 * const options: EncodeAnthropicOptions = { stream: true };
 * encodeAnthropicRequest({ model: "claude-sonnet-4-5", prompt: "Hi" }, options).stream; // true
 * ```
 */
export interface EncodeAnthropicOptions {
  /** Ask for a streamed response (default: `request.stream`). */
  stream?: boolean;
}

function cacheControlOf(value: unknown): CacheControlEphemeral | undefined {
  if (value === true) return { type: "ephemeral" };
  if (value === "5m" || value === "1h") return { type: "ephemeral", ttl: value };
  if (value === undefined || value === false || value === null) return undefined;
  throw new SwebenchError(
    "invalid_request",
    `extra.cacheControl must be "5m", "1h" or true, got ${JSON.stringify(value)}`,
    { provider: "anthropic" },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Unified request -> Anthropic Messages API body.
 *
 * - `max_tokens` is always sent (default {@linkcode ANTHROPIC_DEFAULT_MAX_TOKENS});
 * - `system` is the top-level field; the prompt is one user message;
 * - `temperature` is clamped to 0..1 (non-finite values are dropped; not sent to models that refuse it, see
 *   {@linkcode anthropicAcceptsSampling}); `stop` becomes `stop_sequences`;
 * - `extra.cacheControl` (`"5m"`, `"1h"` or `true`) marks the stable prefix with `cache_control`: the system block,
 *   and the `extra.cachePrefix` part of the prompt (which must be a prefix of it); without either, the whole prompt;
 * - `extra.anthropic` (an object) is merged into the body last, so it may override any field.
 *
 * @example
 * ```ts
 * import { encodeAnthropicRequest } from "./codec.ts";
 * const body = encodeAnthropicRequest({ model: "claude-sonnet-4-5", system: "Be brief.", prompt: "Hi" });
 * // { model: "claude-sonnet-4-5", max_tokens: 4096, system: "Be brief.", messages: [{ role: "user", content: "Hi" }] }
 * ```
 */
export function encodeAnthropicRequest(
  request: UnifiedRequest,
  options: EncodeAnthropicOptions = {},
): Record<string, unknown> {
  const extra = request.extra ?? {};
  const cache = cacheControlOf(extra.cacheControl);
  const body: Partial<MessageCreateParams> & Record<string, unknown> = {
    model: request.model,
    max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
  };

  const hasSystem = request.system !== undefined && request.system !== "";
  if (hasSystem) {
    body.system = cache
      ? [{ type: "text", text: request.system!, cache_control: cache }] satisfies TextBlockParam[]
      : request.system!;
  }

  let content: string | TextBlockParam[] = request.prompt;
  if (cache) {
    const prefix = extra.cachePrefix;
    if (prefix !== undefined && typeof prefix !== "string") {
      throw new SwebenchError("invalid_request", "extra.cachePrefix must be a string", {
        provider: "anthropic",
      });
    }
    if (prefix !== undefined && prefix !== "") {
      if (!request.prompt.startsWith(prefix)) {
        throw new SwebenchError(
          "invalid_request",
          "extra.cachePrefix is not a prefix of the prompt; prompt caching needs the exact stable prefix",
          { provider: "anthropic" },
        );
      }
      const rest = request.prompt.slice(prefix.length);
      content = [{ type: "text", text: prefix, cache_control: cache }];
      if (rest !== "") content.push({ type: "text", text: rest });
    } else if (!hasSystem && request.prompt !== "") {
      content = [{ type: "text", text: request.prompt, cache_control: cache }];
    }
  }
  body.messages = [{ role: "user", content }];

  if (
    request.temperature !== undefined && Number.isFinite(request.temperature) &&
    anthropicAcceptsSampling(request.model)
  ) {
    body.temperature = Math.min(1, Math.max(0, request.temperature));
  }
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = [...request.stop];
  if (options.stream ?? request.stream) body.stream = true;
  if (isRecord(extra.anthropic)) Object.assign(body, extra.anthropic);
  return body;
}

/**
 * Anthropic `stop_reason` -> unified finish reason (`end_turn`, `stop_sequence`, `pause_turn` -> stop;
 * `max_tokens`, `model_context_window_exceeded` -> length; `tool_use` -> tool_calls; `refusal` -> content_filter).
 *
 * @example
 * ```ts
 * import { anthropicFinishReason } from "./codec.ts";
 * anthropicFinishReason("max_tokens"); // "length"
 * ```
 */
export function anthropicFinishReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Raw Anthropic usage counters as last reported (message_delta replaces message_start's fields). */
interface RawUsage {
  input?: number;
  output?: number;
  cacheWrite?: number;
  cacheRead?: number;
  cacheWrite1h?: number;
  thinking?: number;
}

function mergeRawUsage(into: RawUsage, usage: unknown): void {
  if (!isRecord(usage)) return;
  const input = num(usage.input_tokens);
  const output = num(usage.output_tokens);
  const cacheWrite = num(usage.cache_creation_input_tokens);
  const cacheRead = num(usage.cache_read_input_tokens);
  if (input !== undefined) into.input = input;
  if (output !== undefined) into.output = output;
  if (cacheWrite !== undefined) into.cacheWrite = cacheWrite;
  if (cacheRead !== undefined) into.cacheRead = cacheRead;
  if (isRecord(usage.cache_creation)) {
    const oneHour = num(usage.cache_creation.ephemeral_1h_input_tokens);
    if (oneHour !== undefined) into.cacheWrite1h = oneHour;
  }
  if (isRecord(usage.output_tokens_details)) {
    const thinking = num(usage.output_tokens_details.thinking_tokens);
    if (thinking !== undefined) into.thinking = thinking;
  }
}

function toTokenUsage(raw: RawUsage): TokenUsage {
  const cacheRead = raw.cacheRead ?? 0;
  const cacheWrite = raw.cacheWrite ?? 0;
  const promptTokens = (raw.input ?? 0) + cacheWrite + cacheRead;
  const completionTokens = raw.output ?? 0;
  const usage: TokenUsage = {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  };
  if (raw.cacheWrite1h !== undefined) usage.cacheWrite1hTokens = raw.cacheWrite1h;
  if (raw.thinking !== undefined) usage.reasoningTokens = raw.thinking;
  return usage;
}

/**
 * Anthropic `usage` object -> normalised {@linkcode TokenUsage}: `promptTokens` = `input_tokens` +
 * `cache_creation_input_tokens` + `cache_read_input_tokens` (Anthropic's `input_tokens` excludes both);
 * `cacheWrite1hTokens` from `cache_creation.ephemeral_1h_input_tokens`.
 *
 * @example
 * ```ts
 * import { normalizeAnthropicUsage } from "./codec.ts";
 * normalizeAnthropicUsage({ input_tokens: 10, cache_read_input_tokens: 100, output_tokens: 5 }).promptTokens; // 110
 * ```
 */
export function normalizeAnthropicUsage(usage: unknown): TokenUsage {
  const raw: RawUsage = {};
  mergeRawUsage(raw, usage);
  return toTokenUsage(raw);
}

/**
 * An Anthropic error body (`{"type":"error","error":{type,message},"request_id"}`) -> {@linkcode SwebenchError},
 * classified by the shared HTTP classifier: with `status` as for an HTTP error, without (an `error` event inside a
 * 200 stream) by the error type: `overloaded_error` -> overloaded, `rate_limit_error` -> rate_limit, `api_error` ->
 * server, `not_found_error` -> model_not_found, "prompt is too long" -> context_length, credit balance / billing ->
 * quota.
 *
 * @example
 * ```ts
 * import { anthropicErrorFromBody } from "./codec.ts";
 * const e = anthropicErrorFromBody({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
 * e.kind; // "overloaded"
 * ```
 */
export function anthropicErrorFromBody(
  body: unknown,
  options: { status?: number; requestId?: string; provider?: string } = {},
): SwebenchError {
  const details = extractErrorDetails(body);
  if (options.requestId !== undefined) details.requestId = options.requestId;
  if (details.message === undefined && details.type === undefined) details.message = "unknown error";
  return classifyHttpError({
    status: options.status ?? 0,
    provider: options.provider ?? "anthropic",
    details,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function malformed(what: string, provider = "anthropic"): SwebenchError {
  return new SwebenchError("server", `${provider}: malformed response: ${what}`, { provider });
}

/**
 * Anthropic Messages API response body -> unified response (without latency and provider name, which the transport
 * adds). `content` is the concatenation of the text blocks (thinking and tool blocks are not text).
 * Throws {@linkcode SwebenchError} `server` on a body that is not a message, or the mapped kind on an error body.
 *
 * @example
 * ```ts
 * import { decodeAnthropicResponse } from "./codec.ts";
 * const r = decodeAnthropicResponse({
 *   type: "message", model: "claude-sonnet-4-5", content: [{ type: "text", text: "Hi" }],
 *   stop_reason: "end_turn", usage: { input_tokens: 3, output_tokens: 1 },
 * });
 * r.content; // "Hi"
 * ```
 */
export function decodeAnthropicResponse(body: unknown): Omit<UnifiedResponse, "latencyMs" | "provider"> {
  if (!isRecord(body)) throw malformed("body is not a JSON object");
  if (body.type === "error") throw anthropicErrorFromBody(body);
  if (!Array.isArray(body.content)) throw malformed("no content array");
  let content = "";
  for (const block of body.content) {
    if (isRecord(block) && block.type === "text" && typeof block.text === "string") content += block.text;
  }
  const stopReason = typeof body.stop_reason === "string" ? body.stop_reason : undefined;
  return {
    content,
    model: typeof body.model === "string" ? body.model : "",
    usage: normalizeAnthropicUsage(body.usage),
    finishReason: anthropicFinishReason(stopReason),
    rawFinishReason: stopReason,
    raw: body,
  };
}

/**
 * Options of {@linkcode anthropicStreamDecoder}.
 *
 * @example
 * ```ts
 * import { anthropicStreamDecoder, type AnthropicStreamDecoderOptions } from "./codec.ts";
 * const options: AnthropicStreamDecoderOptions = { provider: "anthropic", requestId: "req_011C..." };
 * const decoder = anthropicStreamDecoder(options);
 * ```
 */
export interface AnthropicStreamDecoderOptions {
  /** Provider name for errors (default `anthropic`). */
  provider?: string;
  /** Request id from the response headers, put on the `start` event and on errors. */
  requestId?: string;
  /** Rate-limit snapshot from the response headers, put on the `start` event. */
  rateLimit?: RateLimitSnapshot;
}

/** Event types of the Messages API stream whose data this decoder reads. */
const KNOWN_EVENTS: ReadonlySet<string> = new Set([
  "message_start",
  "content_block_start",
  "content_block_delta",
  "content_block_stop",
  "message_delta",
  "message_stop",
  "error",
]);

/**
 * SSE events of a streamed Messages API response -> unified stream events.
 *
 * `message_start` gives `start` (model) and `usage`; `text_delta`s give `text-delta` (thinking, signature and
 * tool-input deltas are not text); `message_delta` usage fields replace the earlier ones (they are cumulative) and
 * give `usage`; `ping` is ignored; `message_stop` gives one `finish`. An `error` event gives one `error` event of
 * the mapped kind (`overloaded_error` -> overloaded; plain-text data is classified from its words); a body that
 * ends without `message_stop` gives one `error` of kind `connection` ("stream ended early"); malformed JSON in an
 * event we decode gives one `error` of kind `server`. Event types we do not know (`ping` and any added later) are
 * ignored whatever their data. Nothing follows the terminal event.
 *
 * @example
 * ```ts
 * import { anthropicStreamDecoder } from "./codec.ts";
 * import { sseDecoder } from "../../http/mod.ts";
 * async function text(body: ReadableStream<Uint8Array>) {
 *   let out = "";
 *   for await (const e of body.pipeThrough(sseDecoder()).pipeThrough(anthropicStreamDecoder())) {
 *     if (e.type === "text-delta") out += e.text;
 *   }
 *   return out;
 * }
 * ```
 */
export function anthropicStreamDecoder(
  options: AnthropicStreamDecoderOptions = {},
): TransformStream<SseEvent, StreamEvent> {
  return pushDecoderStream<SseEvent, StreamEvent>((emit) => createAnthropicEventDecoder(emit, options));
}

/**
 * The synchronous core of {@linkcode anthropicStreamDecoder}: SSE events pushed in, unified stream events emitted
 * at once, by the same rules (exactly one terminal event; `done` once it was emitted, later events ignored). For a
 * caller that drives the decoding itself (the provider feeds it straight from the SSE parser).
 *
 * @example
 * ```ts
 * import { createAnthropicEventDecoder } from "./codec.ts";
 * import type { StreamEvent } from "../../core/mod.ts";
 * const events: StreamEvent[] = [];
 * const decoder = createAnthropicEventDecoder((e) => events.push(e), { requestId: "req_1" });
 * decoder.push({ event: "message_stop", data: '{"type":"message_stop"}' }); // events: start, finish
 * ```
 */
export function createAnthropicEventDecoder(
  emit: (event: StreamEvent) => void,
  options: AnthropicStreamDecoderOptions = {},
): PushDecoder<SseEvent> {
  const provider = options.provider ?? "anthropic";
  const raw: RawUsage = {};
  let model: string | undefined;
  let stopReason: string | undefined;
  let started = false;
  let done = false;

  const start = () => {
    if (started) return;
    started = true;
    const event: StreamEvent = { type: "start" };
    if (model !== undefined) event.model = model;
    if (options.requestId !== undefined) event.requestId = options.requestId;
    if (options.rateLimit !== undefined) event.rateLimit = options.rateLimit;
    emit(event);
  };
  const fail = (error: SwebenchError) => {
    done = true;
    emit({ type: "error", error });
  };

  return {
    get done() {
      return done;
    },
    push(sse) {
      if (done) return;
      const data = sse.data.trim();
      if (data === "" || data === "[DONE]") return;
      let message: unknown;
      try {
        message = JSON.parse(data);
      } catch {
        if (sse.event === "error") {
          // A proxy's plain-text error event (`event: error` / `data: upstream request timeout`).
          fail(anthropicErrorFromBody(data.slice(0, 2048), { requestId: options.requestId, provider }));
          return;
        }
        // Event types added later (or a proxy's own) are ignored, per Anthropic's versioning policy, whatever
        // their data; only the types we decode must carry JSON (a cut one is an error, never skipped).
        if (sse.event !== undefined && !KNOWN_EVENTS.has(sse.event)) return;
        fail(
          new SwebenchError(
            "server",
            `${provider}: malformed stream event${sse.event ? ` "${sse.event}"` : ""}: ${data.slice(0, 80)}`,
            { provider, requestId: options.requestId },
          ),
        );
        return;
      }
      if (!isRecord(message)) return;
      const type = typeof message.type === "string" ? message.type : sse.event;
      switch (type) {
        case "message_start": {
          const msg = isRecord(message.message) ? message.message : {};
          if (typeof msg.model === "string") model = msg.model;
          start();
          mergeRawUsage(raw, msg.usage);
          emit({ type: "usage", usage: toTokenUsage(raw) });
          return;
        }
        case "content_block_start": {
          const block = message.content_block;
          if (
            isRecord(block) && block.type === "text" && typeof block.text === "string" && block.text !== ""
          ) {
            start();
            emit({ type: "text-delta", text: block.text });
          }
          return;
        }
        case "content_block_delta": {
          const delta = message.delta;
          if (
            isRecord(delta) && delta.type === "text_delta" && typeof delta.text === "string" &&
            delta.text !== ""
          ) {
            start();
            emit({ type: "text-delta", text: delta.text });
          }
          return;
        }
        case "message_delta": {
          const delta = message.delta;
          if (isRecord(delta) && typeof delta.stop_reason === "string") stopReason = delta.stop_reason;
          if (isRecord(message.usage)) {
            mergeRawUsage(raw, message.usage);
            start();
            emit({ type: "usage", usage: toTokenUsage(raw) });
          }
          return;
        }
        case "message_stop": {
          start();
          done = true;
          const finish: StreamEvent = {
            type: "finish",
            finishReason: anthropicFinishReason(stopReason),
            usage: toTokenUsage(raw),
          };
          if (stopReason !== undefined) finish.rawFinishReason = stopReason;
          if (model !== undefined) finish.model = model;
          emit(finish);
          return;
        }
        case "error":
          fail(anthropicErrorFromBody(message, { requestId: options.requestId, provider }));
          return;
        default:
          // ping, content_block_stop and event types added later carry nothing for us.
          return;
      }
    },
    end() {
      if (done) return;
      fail(
        new SwebenchError("connection", `${provider}: stream ended early (no message_stop)`, {
          provider,
          requestId: options.requestId,
          hint: "The connection closed mid-stream; the call can be retried.",
        }),
      );
    },
  };
}

/**
 * Decode one page of `GET /v1/models` (`{"data":[{id, display_name, created_at, max_input_tokens}], has_more,
 * last_id}`).
 *
 * @example
 * ```ts
 * import { decodeAnthropicModelPage } from "./codec.ts";
 * decodeAnthropicModelPage({ data: [{ id: "claude-sonnet-4-5", display_name: "Claude Sonnet 4.5" }], has_more: false });
 * // { models: [{ id: "claude-sonnet-4-5", displayName: "Claude Sonnet 4.5" }], hasMore: false }
 * ```
 */
export function decodeAnthropicModelPage(
  body: unknown,
): { models: ModelInfo[]; hasMore: boolean; lastId?: string } {
  if (typeof body !== "object" || body === null || !Array.isArray((body as { data?: unknown }).data)) {
    throw new SwebenchError("server", "anthropic: the model list has no `data` array.", {
      provider: "anthropic",
      body: JSON.stringify(body)?.slice(0, 2048),
    });
  }
  const page = body as { data: unknown[]; has_more?: unknown; last_id?: unknown };
  const models: ModelInfo[] = [];
  for (const item of page.data) {
    if (typeof item !== "object" || item === null) continue;
    const m = item as Record<string, unknown>;
    if (typeof m.id !== "string" || m.id === "") continue;
    const info: ModelInfo = { id: m.id };
    if (typeof m.display_name === "string" && m.display_name !== "") info.displayName = m.display_name;
    if (typeof m.max_input_tokens === "number" && m.max_input_tokens > 0) {
      info.contextWindow = m.max_input_tokens;
    }
    if (typeof m.created_at === "string" && m.created_at !== "") info.createdAt = m.created_at;
    models.push(info);
  }
  const lastId = typeof page.last_id === "string" && page.last_id !== "" ? page.last_id : models.at(-1)?.id;
  return { models, hasMore: page.has_more === true, ...(lastId === undefined ? {} : { lastId }) };
}

/**
 * Anthropic's rate-limit headers: `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}` (RFC 3339 resets);
 * when the combined `tokens-*` headers are absent the `input-tokens-*` ones are used (then `output-tokens-*`).
 * The kit reads them besides the generic `x-ratelimit-*` and `retry-after`.
 *
 * @example
 * ```ts
 * import { anthropicRateLimit } from "./codec.ts";
 * const h = new Headers({ "anthropic-ratelimit-requests-remaining": "49" });
 * anthropicRateLimit(h, Date.now()); // { remainingRequests: 49 }
 * ```
 */
export function anthropicRateLimit(headers: Headers, now: number): RateLimitSnapshot | undefined {
  const out: RateLimitSnapshot = {};
  const set = <K extends keyof RateLimitSnapshot>(key: K, value: number | undefined) => {
    if (value !== undefined && out[key] === undefined) out[key] = value;
  };
  set("limitRequests", headerInt(headers.get("anthropic-ratelimit-requests-limit")));
  set("remainingRequests", headerInt(headers.get("anthropic-ratelimit-requests-remaining")));
  set("resetRequestsMs", headerReset(headers.get("anthropic-ratelimit-requests-reset"), now));
  for (const prefix of ["tokens", "input-tokens", "output-tokens"]) {
    const limit = headers.get(`anthropic-ratelimit-${prefix}-limit`);
    const remaining = headers.get(`anthropic-ratelimit-${prefix}-remaining`);
    if (limit === null && remaining === null) continue;
    set("limitTokens", headerInt(limit));
    set("remainingTokens", headerInt(remaining));
    set("resetTokensMs", headerReset(headers.get(`anthropic-ratelimit-${prefix}-reset`), now));
    break;
  }
  for (const _ in out) return out;
  return undefined;
}

/**
 * The Messages API as a kit codec: `POST /v1/messages`, SSE events, `GET /v1/models` pages (`after_id`), exact
 * counts from `POST /v1/messages/count_tokens`.
 *
 * @example
 * ```ts
 * import { ANTHROPIC_CODEC } from "./codec.ts";
 * ANTHROPIC_CODEC.path({ model: "claude-sonnet-4-5", prompt: "hi" }, { stream: true, settings: {} }); // "/v1/messages"
 * ```
 */
export const ANTHROPIC_CODEC: VendorCodec = {
  stream: "sse",
  accept: { stream: "text/event-stream", other: "application/json" },
  path: () => "/v1/messages",
  encode: (request, ctx) => {
    const body = encodeAnthropicRequest(request, { stream: ctx.stream });
    // API version 2026-10-21 (the default) takes no sampling parameter: none is sent under it.
    applyAnthropicVersion(body, ctx.settings.version ?? ANTHROPIC_DEFAULT_VERSION);
    return dropAnthropicParameters(body, ctx.drop);
  },
  unsupportedParameter: anthropicUnsupportedParameter,
  decodeWhole: (body) => decodeAnthropicResponse(body),
  eventDecoder: (emit, ctx) =>
    createAnthropicEventDecoder(emit, {
      provider: ctx.provider,
      requestId: ctx.requestId,
      rateLimit: ctx.rateLimit,
    }),
  errors: { requestIdHeaders: ["request-id", "x-request-id"], rateLimit: anthropicRateLimit },
  models: {
    path: "/v1/models",
    query: { limit: "100" },
    decodePage: (body) => {
      const page = decodeAnthropicModelPage(body);
      return page.hasMore && page.lastId !== undefined
        ? { models: page.models, next: { after_id: page.lastId } }
        : { models: page.models };
    },
  },
  countTokens: {
    type: "api",
    path: "/v1/messages/count_tokens",
    encode: (request) => {
      const body: Record<string, unknown> = {
        model: request.model,
        messages: [{ role: "user", content: request.prompt }],
      };
      if (request.system !== undefined && request.system !== "") body.system = request.system;
      return body;
    },
    decode: (body, provider) => {
      const tokens = (body as { input_tokens?: unknown } | null)?.input_tokens;
      if (typeof tokens !== "number" || !Number.isFinite(tokens) || tokens < 0) {
        throw new SwebenchError("server", `${provider}: the token count has no input_tokens.`, {
          provider,
          body: JSON.stringify(body)?.slice(0, 2048),
        });
      }
      return tokens;
    },
    minErrorBound: 0.25,
  },
};
