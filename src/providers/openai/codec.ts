/**
 * Pure codecs of the OpenAI Chat Completions wire format (also spoken by vLLM, llama.cpp server, LM Studio,
 * OpenRouter and Ollama's `/v1`): unified request -> request body, response body -> unified response,
 * SSE events -> unified stream events. No network, no clock.
 *
 * @module
 */
import {
  emptyUsage,
  type FinishReason,
  type ModelInfo,
  type StreamEvent,
  SwebenchError,
  type TokenUsage,
  type UnifiedRequest,
  type UnifiedResponse,
} from "../../core/mod.ts";
import { type PushDecoder, pushDecoderStream } from "../../http/push_decoder.ts";
import type { SseEvent } from "../../http/sse.ts";
import { classifyHttpError, extractErrorDetails } from "../../http/status.ts";
import type { VendorCodec } from "../kit/codec.ts";
import { withStartMeta } from "../kit/whole_body.ts";
import { dropOpenAIParameters, openAIUnsupportedParameter } from "../openai_compatible/unsupported.ts";
import { isOpenAIReasoningModel } from "./models.ts";

export { isOpenAIReasoningModel };

/** Options of {@linkcode encodeOpenAIRequest}. */
export interface EncodeOpenAIOptions {
  /** Ask for a streamed response (`stream: true` with `stream_options.include_usage`). */
  stream?: boolean;
}

/** `extra` keys passed through to the body as they are (everything else in `extra` belongs to other providers). */
export const OPENAI_EXTRA_KEYS: readonly string[] = [
  "reasoning_effort",
  "seed",
  "top_p",
  "frequency_penalty",
  "presence_penalty",
  "logit_bias",
  "logprobs",
  "top_logprobs",
  "user",
  "service_tier",
  "response_format",
  "verbosity",
  "prediction",
  "metadata",
  "store",
  "prompt_cache_key",
  "safety_identifier",
];

/** Camel-case spellings accepted in `extra` for a few common options. */
const EXTRA_ALIASES: Readonly<Record<string, string>> = {
  reasoningEffort: "reasoning_effort",
  topP: "top_p",
  frequencyPenalty: "frequency_penalty",
  presencePenalty: "presence_penalty",
  serviceTier: "service_tier",
  responseFormat: "response_format",
};

/**
 * Encode a unified request as a Chat Completions request body.
 *
 * - messages: the system message (if any), then the user prompt;
 * - reasoning models ({@linkcode isOpenAIReasoningModel}): `max_completion_tokens`, no `temperature`, no `stop`
 *   (these models answer 400 `unsupported_parameter` to them); other models: `max_tokens`, `temperature`
 *   clamped to 0..2, `stop` (at most 4 sequences);
 * - streams: `stream: true` and `stream_options: { include_usage: true }`;
 * - `extra`: the keys of {@linkcode OPENAI_EXTRA_KEYS} (and camel-case aliases such as `reasoningEffort`) pass
 *   through, then an `extra.openai` object is merged over the body (an explicit override, passed unchecked).
 *
 * @example
 * ```ts
 * import { encodeOpenAIRequest } from "./codec.ts";
 * const body = encodeOpenAIRequest({ model: "o3-mini", prompt: "Fix it.", maxTokens: 512 }, { stream: true });
 * // { model: "o3-mini", messages: [...], max_completion_tokens: 512, stream: true, stream_options: {...} }
 * ```
 */
export function encodeOpenAIRequest(
  req: UnifiedRequest,
  options: EncodeOpenAIOptions = {},
): Record<string, unknown> {
  const reasoning = isOpenAIReasoningModel(req.model);
  const messages: { role: string; content: string }[] = [];
  if (req.system !== undefined && req.system !== "") {
    // o1-mini and o1-preview reject the system role: their instructions go first as a user message.
    const legacyO1 = /^(?:.*\/)?o1-(?:mini|preview)/.test(req.model);
    messages.push({ role: legacyO1 ? "user" : "system", content: req.system });
  }
  messages.push({ role: "user", content: req.prompt });
  const body: Record<string, unknown> = { model: req.model, messages };
  if (req.maxTokens !== undefined) {
    body[reasoning ? "max_completion_tokens" : "max_tokens"] = req.maxTokens;
  }
  if (!reasoning) {
    if (req.temperature !== undefined) body.temperature = Math.min(2, Math.max(0, req.temperature));
    if (req.stop !== undefined && req.stop.length > 0) body.stop = req.stop.slice(0, 4);
  }
  const extra = req.extra ?? {};
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) continue;
    const wire = EXTRA_ALIASES[key] ?? key;
    if (OPENAI_EXTRA_KEYS.includes(wire)) body[wire] = value;
  }
  const override = extra.openai;
  if (override !== null && typeof override === "object" && !Array.isArray(override)) {
    Object.assign(body, override);
  }
  if (options.stream) {
    body.stream = true;
    const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
    body.stream_options = { ...streamOptions, include_usage: true };
  } else {
    body.stream = false;
    delete body.stream_options;
  }
  return body;
}

/**
 * Map an OpenAI (or compatible server's) `finish_reason` to the unified reason.
 *
 * @example
 * ```ts
 * import { mapOpenAIFinishReason } from "./codec.ts";
 * mapOpenAIFinishReason("length"); // "length"
 * mapOpenAIFinishReason("function_call"); // "tool_calls"
 * ```
 */
export function mapOpenAIFinishReason(raw: string | null | undefined): FinishReason {
  switch (raw) {
    case "length":
    case "max_tokens":
    case "model_length":
      return "length";
    case "content_filter":
    case "refusal":
      return "content_filter";
    case "tool_calls":
    case "function_call":
    case "tool_use":
      return "tool_calls";
    case "error":
      return "error";
    default:
      return "stop";
  }
}

/**
 * Normalise an OpenAI `usage` object. `prompt_tokens` already includes cached tokens, so
 * `promptTokens = prompt_tokens` and `cacheReadTokens = prompt_tokens_details.cached_tokens`
 * (DeepSeek's `prompt_cache_hit_tokens` is accepted too). Missing usage gives zeros.
 *
 * @example
 * ```ts
 * import { decodeOpenAIUsage } from "./codec.ts";
 * decodeOpenAIUsage({ prompt_tokens: 120, completion_tokens: 30, total_tokens: 150,
 *   prompt_tokens_details: { cached_tokens: 100 } }); // cacheReadTokens: 100
 * ```
 */
export function decodeOpenAIUsage(usage: unknown): TokenUsage {
  if (!isRecord(usage)) return emptyUsage();
  const prompt = count(usage.prompt_tokens) ?? count(usage.input_tokens) ?? 0;
  const completion = count(usage.completion_tokens) ?? count(usage.output_tokens) ?? 0;
  const promptDetails = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const completionDetails = isRecord(usage.completion_tokens_details) ? usage.completion_tokens_details : {};
  const result: TokenUsage = {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: count(usage.total_tokens) ?? prompt + completion,
    cacheReadTokens: count(promptDetails.cached_tokens) ?? count(usage.prompt_cache_hit_tokens) ?? 0,
    cacheWriteTokens: 0,
  };
  const reasoning = count(completionDetails.reasoning_tokens);
  if (reasoning !== undefined) result.reasoningTokens = reasoning;
  return result;
}

/**
 * Decode a Chat Completions response body (parsed JSON). A body that carries an `error` object, or no choices,
 * throws a {@linkcode SwebenchError}. A refusal (`message.refusal`) gives finish reason `content_filter`.
 * `message.content` may be a string or an array of parts (Mistral), whose `text` parts are joined.
 *
 * @example
 * ```ts
 * import { decodeOpenAIResponse } from "./codec.ts";
 * const r = decodeOpenAIResponse({
 *   model: "gpt-4o-mini-2024-07-18",
 *   choices: [{ message: { content: "Hi" }, finish_reason: "stop" }],
 *   usage: { prompt_tokens: 8, completion_tokens: 1, total_tokens: 9 },
 * });
 * r.content; // "Hi"
 * ```
 */
export function decodeOpenAIResponse(body: unknown): Omit<UnifiedResponse, "latencyMs" | "provider"> {
  if (!isRecord(body)) {
    throw new SwebenchError("server", "Malformed chat completion: the body is not a JSON object.", {
      body: truncate(safeStringify(body)),
    });
  }
  if (body.error !== undefined && body.error !== null) throw openAIErrorFromPayload(body);
  const choices = Array.isArray(body.choices) ? body.choices : undefined;
  const choice = choices?.find((c) => isRecord(c) && (c.index === undefined || c.index === 0)) ??
    choices?.[0];
  if (!isRecord(choice)) {
    throw new SwebenchError("server", "Malformed chat completion: no choices in the response.", {
      body: truncate(safeStringify(body)),
    });
  }
  const message = isRecord(choice.message) ? choice.message : {};
  const content = contentText(message.content) ??
    (typeof choice.text === "string" ? choice.text : ""); // legacy completions shape, some compatible servers
  const rawFinish = typeof choice.finish_reason === "string" ? choice.finish_reason : undefined;
  const refused = typeof message.refusal === "string" && message.refusal !== "";
  const result: Omit<UnifiedResponse, "latencyMs" | "provider"> = {
    content,
    model: typeof body.model === "string" ? body.model : "",
    usage: decodeOpenAIUsage(body.usage),
    finishReason: refused ? "content_filter" : mapOpenAIFinishReason(rawFinish),
    raw: body,
  };
  if (rawFinish !== undefined) result.rawFinishReason = rawFinish;
  return result;
}

/** Options of {@linkcode openAIStreamDecoder}. */
export interface OpenAIStreamDecoderOptions {
  /** Provider name put on error events. */
  provider?: string;
}

/**
 * SSE events of a streamed Chat Completion -> unified stream events.
 *
 * Emits `start` (with the model) on the first chunk, a `text-delta` per content piece, `usage` when a chunk
 * carries usage (the `stream_options.include_usage` chunk with `choices: []`, after the `finish_reason` chunk),
 * and exactly one terminal event:
 * - `finish` at `data: [DONE]` (reason from the last `finish_reason`, `stop` when none was sent), or when the
 *   input ends without `[DONE]` after a `finish_reason` was seen (some compatible servers omit `[DONE]`);
 * - `error` for an error payload (`{"error": ...}`, `{"object": "error"}`, `event: error`), a chunk that is not
 *   JSON, or input that ends before any `finish_reason` / `[DONE]` (kind `connection`, "stream ended early").
 *
 * After the terminal event the transform terminates (the source is cancelled); later input is ignored.
 * Tool-call deltas, reasoning text (`reasoning`, `reasoning_content`: the model's scratchpad, never part of the
 * answer), `event: ping` keep-alives, SSE comments, the `obfuscation` field and named events of other types whose
 * data is not JSON (`event: heartbeat`) are ignored; an `event: error` whose data is plain text is an error.
 * An empty `model` (Azure's first chunk) is no model. `content` may be an array of parts (Mistral): its text parts
 * are the text. Groq's `x_groq.usage` counts as `usage`.
 *
 * @example
 * ```ts
 * import { openAIStreamDecoder } from "./codec.ts";
 * import { sseDecoder } from "../../http/sse.ts";
 * async function text(body: ReadableStream<Uint8Array>) {
 *   let out = "";
 *   for await (const e of body.pipeThrough(sseDecoder()).pipeThrough(openAIStreamDecoder())) {
 *     if (e.type === "text-delta") out += e.text;
 *   }
 *   return out;
 * }
 * ```
 */
export function openAIStreamDecoder(
  options: OpenAIStreamDecoderOptions = {},
): TransformStream<SseEvent, StreamEvent> {
  return pushDecoderStream<SseEvent, StreamEvent>((emit) => createOpenAIEventDecoder(emit, options), {
    terminate: true,
  });
}

/**
 * The synchronous core of {@linkcode openAIStreamDecoder}: SSE events pushed in, unified stream events emitted at
 * once, by the same rules (exactly one terminal event; `done` once it was emitted, later events ignored). For a
 * caller that drives the decoding itself (the provider feeds it straight from the SSE parser).
 *
 * @example
 * ```ts
 * import { createOpenAIEventDecoder } from "./codec.ts";
 * import type { StreamEvent } from "../../core/mod.ts";
 * const events: StreamEvent[] = [];
 * const decoder = createOpenAIEventDecoder((e) => events.push(e), { provider: "openai" });
 * decoder.push({ data: '{"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"}}]}' });
 * decoder.push({ data: "[DONE]" }); // events: start, text-delta "Hi", finish
 * ```
 */
export function createOpenAIEventDecoder(
  emit: (event: StreamEvent) => void,
  options: OpenAIStreamDecoderOptions = {},
): PushDecoder<SseEvent> {
  const provider = options.provider;
  let started = false;
  let done = false;
  let rawFinish: string | undefined;
  let sawFinish = false;
  let refused = false;
  let usage: TokenUsage | undefined;
  let model: string | undefined;

  const finishEvent = (): StreamEvent => {
    const event: StreamEvent = {
      type: "finish",
      finishReason: refused ? "content_filter" : mapOpenAIFinishReason(rawFinish),
      usage: usage ?? emptyUsage(),
    };
    if (rawFinish !== undefined) event.rawFinishReason = rawFinish;
    if (model !== undefined) event.model = model;
    return event;
  };
  const fail = (error: SwebenchError): void => {
    done = true;
    emit({ type: "error", error });
  };

  return {
    get done() {
      return done;
    },
    push(event) {
      if (done) return;
      const data = event.data.trim();
      if (data === "" || event.event === "ping") return; // keep-alives of some compatible servers
      if (data === "[DONE]") {
        if (!started) {
          fail(new SwebenchError("server", "The stream ended ([DONE]) before any chunk.", { provider }));
          return;
        }
        done = true;
        emit(finishEvent());
        return;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(data);
      } catch {
        if (event.event === "error") {
          // A proxy's plain-text error event (`event: error` / `data: upstream connect error ...`).
          fail(
            classifyHttpError({
              status: 0,
              provider: provider ?? "openai",
              body: truncate(data),
              details: { message: `${truncate(data, 400)} (error event in the stream)` },
            }),
          );
          return;
        }
        // An event type Chat Completions does not define (`event: heartbeat` / `data: tick`): ignored, as
        // named events other than `message` and `error` carry no chunk. Unnamed non-JSON data is an error.
        if (event.event !== undefined && event.event !== "message") return;
        fail(
          new SwebenchError("server", `Malformed stream chunk (not JSON): ${truncate(data, 200)}`, {
            provider,
            body: truncate(data),
          }),
        );
        return;
      }
      if (event.event === "error" || !isRecord(chunk) || isErrorPayload(chunk)) {
        fail(openAIErrorFromPayload(chunk, { provider, inStream: true }));
        return;
      }
      if (!started) {
        started = true;
        // Azure's first chunk (prompt_filter_results, choices: []) has `model: ""`: an empty model is no model.
        if (typeof chunk.model === "string" && chunk.model !== "") model = chunk.model;
        emit(model === undefined ? { type: "start" } : { type: "start", model });
      } else if (model === undefined && typeof chunk.model === "string" && chunk.model !== "") {
        model = chunk.model;
      }
      const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
      for (const choice of choices) {
        if (!isRecord(choice) || (choice.index !== undefined && choice.index !== 0)) continue;
        const delta = isRecord(choice.delta) ? choice.delta : {};
        const text = contentText(delta.content);
        if (text !== undefined && text !== "") {
          emit({ type: "text-delta", text });
        } else if (typeof choice.text === "string" && choice.text !== "") {
          emit({ type: "text-delta", text: choice.text });
        }
        if (typeof delta.refusal === "string" && delta.refusal !== "") refused = true;
        if (typeof choice.finish_reason === "string" && choice.finish_reason !== "") {
          rawFinish = choice.finish_reason;
          sawFinish = true;
        }
      }
      // Groq reports stream usage as `x_groq.usage` on the last chunk.
      const wireUsage = isRecord(chunk.usage)
        ? chunk.usage
        : isRecord(chunk.x_groq) && isRecord(chunk.x_groq.usage)
        ? chunk.x_groq.usage
        : undefined;
      if (wireUsage !== undefined) {
        usage = decodeOpenAIUsage(wireUsage);
        emit({ type: "usage", usage });
      }
    },
    end() {
      if (done) return;
      done = true;
      if (sawFinish) {
        emit(finishEvent());
      } else {
        emit({
          type: "error",
          error: new SwebenchError("connection", "The stream ended early (no finish_reason and no [DONE]).", {
            provider,
            hint: "The connection closed mid-response: retry; if it persists, check the server or proxy.",
          }),
        });
      }
    },
  };
}

/**
 * The text of a message or delta `content`: a string, or (Mistral and other compatible servers) an array of parts
 * whose `text` parts are joined; thinking, image and other parts are not text. `undefined` when there is none.
 */
function contentText(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  let text: string | undefined;
  for (const part of content) {
    if (typeof part === "string") text = (text ?? "") + part;
    else if (
      isRecord(part) && (part.type === "text" || part.type === undefined) && typeof part.text === "string"
    ) {
      text = (text ?? "") + part.text;
    }
  }
  return text;
}

/** True when a parsed chunk or body is an error payload rather than a completion. */
function isErrorPayload(value: Record<string, unknown>): boolean {
  return (value.error !== undefined && value.error !== null) || value.object === "error";
}

/** Options of {@linkcode openAIErrorFromPayload}. */
export interface OpenAIErrorOptions {
  /** Provider name. */
  provider?: string;
  /** The payload arrived inside a 200 stream (an error event). */
  inStream?: boolean;
}

/**
 * Build the {@linkcode SwebenchError} for an error payload that arrived with a 200 status: inside a stream
 * (`data: {"error": {...}}`, vLLM's `{"object": "error", ...}`) or as a plain body. The kind follows the
 * error's code/type (`insufficient_quota` quota, `rate_limit_exceeded` rate_limit, `context_length_exceeded`
 * context_length, `invalid_api_key` authentication, `overloaded_error` overloaded, ...), or its numeric code
 * (OpenRouter puts the HTTP status there); anything else is a retryable `server` error.
 *
 * @example
 * ```ts
 * import { openAIErrorFromPayload } from "./codec.ts";
 * const e = openAIErrorFromPayload({ error: { message: "Overloaded", type: "overloaded_error" } });
 * e.kind; // "overloaded"
 * ```
 */
export function openAIErrorFromPayload(payload: unknown, options: OpenAIErrorOptions = {}): SwebenchError {
  const root = isRecord(payload) ? payload : {};
  const inner = isRecord(root.error) ? root.error : root;
  const numeric = [inner.code, inner.status, root.code, root.status].find((v) => typeof v === "number");
  const details = extractErrorDetails(payload);
  // Without a numeric status the classifier reads the code before the type (`invalid_api_key` comes with
  // type `invalid_request_error`), so the payload's own code decides.
  const status = typeof numeric === "number" && numeric >= 400 && numeric < 600 ? numeric : 0;
  const where = options.inStream ? "error event in the stream" : "error in a 200 response";
  return classifyHttpError({
    status,
    provider: options.provider ?? "openai",
    body: safeStringify(payload),
    details: { ...details, message: `${details.message ?? "no message"} (${where})` },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function safeStringify(value: unknown): string {
  try {
    return typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function truncate(text: string, max = 2048): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/**
 * Decode a `/models` list (`{"data": [...]}` or a bare array): ids, and where the server says so the context
 * window (OpenRouter `context_length`, vLLM `max_model_len`), a display name and the creation time.
 *
 * @example
 * ```ts
 * import { decodeOpenAIModelList } from "./codec.ts";
 * decodeOpenAIModelList({ data: [{ id: "gpt-4o-mini", created: 1721172741 }] });
 * // [{ id: "gpt-4o-mini", createdAt: "2024-07-16T23:32:21.000Z" }]
 * ```
 */
export function decodeOpenAIModelList(body: unknown): ModelInfo[] {
  const list = Array.isArray(body)
    ? body
    : typeof body === "object" && body !== null && Array.isArray((body as { data?: unknown }).data)
    ? (body as { data: unknown[] }).data
    : typeof body === "object" && body !== null && Array.isArray((body as { models?: unknown }).models)
    ? (body as { models: unknown[] }).models
    : undefined;
  if (list === undefined) {
    throw new SwebenchError("server", "The model list has no `data` array.", {
      body: JSON.stringify(body)?.slice(0, 2048),
    });
  }
  const models: ModelInfo[] = [];
  for (const item of list) {
    if (typeof item !== "object" || item === null) continue;
    const m = item as Record<string, unknown>;
    const id = typeof m.id === "string" ? m.id : typeof m.name === "string" ? m.name : undefined;
    if (id === undefined || id === "") continue;
    const info: ModelInfo = { id };
    if (typeof m.name === "string" && m.name !== id) info.displayName = m.name;
    const context = [m.context_length, m.max_model_len, m.context_window].find((v) =>
      typeof v === "number" && v > 0
    );
    if (typeof context === "number") info.contextWindow = context;
    if (typeof m.created === "number" && m.created > 0) {
      const ms = m.created < 1e12 ? m.created * 1000 : m.created;
      const date = new Date(ms);
      if (!Number.isNaN(date.getTime())) info.createdAt = date.toISOString();
    }
    models.push(info);
  }
  return models;
}

/**
 * The OpenAI Chat Completions wire format as a kit codec (also every OpenAI-compatible server's).
 *
 * @example
 * ```ts
 * import { OPENAI_CODEC } from "./codec.ts";
 * OPENAI_CODEC.path({ model: "gpt-4o-mini", prompt: "hi" }, { stream: false, settings: {} }); // "/chat/completions"
 * ```
 */
export const OPENAI_CODEC: VendorCodec = {
  stream: "sse",
  accept: { stream: "text/event-stream", other: "application/json" },
  path: () => "/chat/completions",
  encode: (request, ctx) =>
    dropOpenAIParameters(encodeOpenAIRequest(request, { stream: ctx.stream }), ctx.drop),
  unsupportedParameter: openAIUnsupportedParameter,
  decodeWhole: (body) => decodeOpenAIResponse(body),
  // The start event gets the request id and rate-limit snapshot of the headers.
  eventDecoder: (emit, ctx) =>
    createOpenAIEventDecoder(withStartMeta(emit, ctx.requestId, ctx.rateLimit), { provider: ctx.provider }),
  models: { path: "/models", decodePage: (body) => ({ models: decodeOpenAIModelList(body) }) },
  countTokens: {
    type: "local",
    messages: (request) => encodeOpenAIRequest(request).messages as { role: string; content: string }[],
  },
};
