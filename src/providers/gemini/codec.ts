/**
 * Pure codec of Google's Gemini API (Google AI, `generativelanguage.googleapis.com`): paths, unified request ->
 * `generateContent` body, whole answer and `?alt=sse` stream -> unified answer and events, Google's error bodies
 * (`{"error":{code,message,status,details}}`) -> error kinds, the model list pages and `countTokens`. No network,
 * no clock.
 *
 * Wire facts (captures in `tests/fixtures/captures/gemini/`, research in the simulator's notes):
 * - usage is `usageMetadata`; zero counts are omitted; `thoughtsTokenCount` (thinking) is billed as output and is
 *   not part of `candidatesTokenCount`; `cachedContentTokenCount` is part of `promptTokenCount`;
 * - a thinking model that spends `maxOutputTokens` on thoughts answers `finishReason: MAX_TOKENS` with a candidate
 *   without parts: that is a `length` outcome with no text, never an empty success;
 * - streams are whole `GenerateContentResponse`s per event, usage cumulative, the finish reason on the last one,
 *   no `[DONE]`; an error arrives as `data: {"error":{...}}`;
 * - an invalid key is a **400** `INVALID_ARGUMENT` whose `ErrorInfo.reason` is `API_KEY_INVALID`; quota/rate errors
 *   are 429 `RESOURCE_EXHAUSTED` with the wait in `RetryInfo.retryDelay` (`"32s"`) and no retry-after header.
 *
 * @module
 */
import {
  type ErrorKind,
  type FinishReason,
  type ModelInfo,
  type RateLimitSnapshot,
  type StreamEvent,
  SwebenchError,
  type TokenUsage,
  type UnifiedRequest,
  type UnifiedResponse,
} from "../../core/mod.ts";
import type { PushDecoder } from "../../http/push_decoder.ts";
import type { SseEvent } from "../../http/sse.ts";
import { classifyHttpError, type ErrorDetails } from "../../http/status.ts";
import type { VendorCodec } from "../kit/codec.ts";

/** API version used in paths unless the `apiVersion` setting says otherwise (the captures and Google's REST docs use it). */
export const GEMINI_DEFAULT_API_VERSION = "v1beta";

/** Provider name used in messages when the caller gives none. */
const PROVIDER = "gemini";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** `models/gemini-2.5-flash` (as the model list names them) or `gemini-2.5-flash` -> `gemini-2.5-flash`. */
export function geminiModelId(model: string): string {
  return model.startsWith("models/") ? model.slice("models/".length) : model;
}

function version(apiVersion: string | undefined): string {
  const v = (apiVersion ?? GEMINI_DEFAULT_API_VERSION).replace(/^\/+|\/+$/g, "");
  return v === "" ? GEMINI_DEFAULT_API_VERSION : v;
}

/**
 * Path (and query) of a model call under the base URL: `/{version}/models/{model}:generateContent`, or
 * `:streamGenerateContent?alt=sse` for a stream. The key never goes in the URL (it travels in `x-goog-api-key`).
 *
 * @example
 * ```ts
 * import { geminiPath } from "./codec.ts";
 * geminiPath("gemini-2.5-flash", { stream: true }); // "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
 * ```
 */
export function geminiPath(model: string, options: { stream?: boolean; apiVersion?: string } = {}): string {
  const id = encodeURIComponent(geminiModelId(model));
  const base = `/${version(options.apiVersion)}/models/${id}`;
  return options.stream ? `${base}:streamGenerateContent?alt=sse` : `${base}:generateContent`;
}

/**
 * Options of {@linkcode encodeGeminiRequest}.
 *
 * @example
 * ```ts
 * import type { EncodeGeminiOptions } from "./codec.ts";
 * const options: EncodeGeminiOptions = { drop: ["temperature"] };
 * ```
 */
export interface EncodeGeminiOptions {
  /** Parameters to leave out (unified names `temperature`, `stop`, or a `generationConfig` field): a model refused them. */
  drop?: readonly string[];
}

/** `extra` keys copied into `generationConfig` (Gemini's own names). */
export const GEMINI_CONFIG_EXTRA_KEYS: readonly string[] = [
  "topP",
  "topK",
  "seed",
  "presencePenalty",
  "frequencyPenalty",
  "thinkingConfig",
  "responseMimeType",
  "candidateCount",
];

/**
 * Unified request -> `generateContent` body: `systemInstruction` (when there is a system message), one user
 * `contents` entry, `generationConfig` with `maxOutputTokens`, `temperature` (clamped to 0..2) and `stopSequences`
 * (at most 5, as the API allows). `extra` keys of {@linkcode GEMINI_CONFIG_EXTRA_KEYS} go into `generationConfig`;
 * an `extra.gemini` object is merged over the body last (an explicit override, unchecked). `drop` leaves out
 * parameters a model refused (see {@linkcode geminiUnsupportedParameter}).
 *
 * @example
 * ```ts
 * import { encodeGeminiRequest } from "./codec.ts";
 * encodeGeminiRequest({ model: "gemini-2.5-flash", system: "Be brief.", prompt: "Hi", maxTokens: 64 });
 * // { systemInstruction: { parts: [{ text: "Be brief." }] }, contents: [{ role: "user", parts: [{ text: "Hi" }] }],
 * //   generationConfig: { maxOutputTokens: 64 } }
 * ```
 */
export function encodeGeminiRequest(
  request: UnifiedRequest,
  options: EncodeGeminiOptions = {},
): Record<string, unknown> {
  const drop = new Set(options.drop ?? []);
  const body: Record<string, unknown> = {};
  if (request.system !== undefined && request.system !== "") {
    body.systemInstruction = { parts: [{ text: request.system }] };
  }
  body.contents = [{ role: "user", parts: [{ text: request.prompt }] }];
  const config: Record<string, unknown> = {};
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined && Number.isFinite(request.temperature) && !drop.has("temperature")) {
    config.temperature = Math.min(2, Math.max(0, request.temperature));
  }
  if (request.stop !== undefined && request.stop.length > 0 && !drop.has("stop")) {
    config.stopSequences = request.stop.slice(0, 5);
  }
  const extra = request.extra ?? {};
  for (const key of GEMINI_CONFIG_EXTRA_KEYS) {
    if (extra[key] !== undefined && !drop.has(key)) config[key] = extra[key];
  }
  if (Object.keys(config).length > 0) body.generationConfig = config;
  if (isRecord(extra.gemini)) Object.assign(body, extra.gemini);
  return body;
}

/**
 * Gemini `finishReason` -> unified reason: `STOP` stop; `MAX_TOKENS` length; `SAFETY`, `RECITATION`,
 * `BLOCKLIST`, `PROHIBITED_CONTENT`, `SPII`, `IMAGE_SAFETY`... content_filter; `MALFORMED_FUNCTION_CALL`,
 * `UNEXPECTED_TOOL_CALL` tool_calls; `LANGUAGE`, `OTHER` and unknown values stop (the raw value is always kept).
 *
 * @example
 * ```ts
 * import { geminiFinishReason } from "./codec.ts";
 * geminiFinishReason("MAX_TOKENS"); // "length"
 * ```
 */
export function geminiFinishReason(raw: string | undefined): FinishReason {
  switch (raw) {
    case "MAX_TOKENS":
      return "length";
    case "SAFETY":
    case "RECITATION":
    case "BLOCKLIST":
    case "PROHIBITED_CONTENT":
    case "SPII":
    case "IMAGE_SAFETY":
    case "IMAGE_PROHIBITED_CONTENT":
    case "IMAGE_RECITATION":
      return "content_filter";
    case "MALFORMED_FUNCTION_CALL":
    case "UNEXPECTED_TOOL_CALL":
    case "TOO_MANY_TOOL_CALLS":
      return "tool_calls";
    default:
      return "stop";
  }
}

/**
 * `usageMetadata` -> {@linkcode TokenUsage}: prompt = `promptTokenCount` (cache reads included:
 * `cachedContentTokenCount`); completion = `candidatesTokenCount` + `thoughtsTokenCount` (thinking is billed as
 * output), with `reasoningTokens` = thoughts. Omitted counts are 0.
 *
 * @example
 * ```ts
 * import { decodeGeminiUsage } from "./codec.ts";
 * decodeGeminiUsage({ promptTokenCount: 13, candidatesTokenCount: 77, thoughtsTokenCount: 25 }).completionTokens; // 102
 * ```
 */
export function decodeGeminiUsage(usage: unknown): TokenUsage {
  const u = isRecord(usage) ? usage : {};
  const prompt = count(u.promptTokenCount) ?? 0;
  const candidates = count(u.candidatesTokenCount) ?? 0;
  const thoughts = count(u.thoughtsTokenCount);
  const completion = candidates + (thoughts ?? 0);
  const result: TokenUsage = {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
    cacheReadTokens: Math.min(prompt, count(u.cachedContentTokenCount) ?? 0),
    cacheWriteTokens: 0,
  };
  if (thoughts !== undefined) result.reasoningTokens = thoughts;
  return result;
}

/** The text of a candidate's parts (thought summaries, `thought: true`, are not text of the answer). */
function candidateText(candidate: Record<string, unknown>): string {
  const content = candidate.content;
  if (!isRecord(content) || !Array.isArray(content.parts)) return "";
  let text = "";
  for (const part of content.parts) {
    if (isRecord(part) && typeof part.text === "string" && part.thought !== true) text += part.text;
  }
  return text;
}

function firstCandidate(body: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!Array.isArray(body.candidates)) return undefined;
  const found = body.candidates.find((c) => isRecord(c) && (c.index === undefined || c.index === 0)) ??
    body.candidates[0];
  return isRecord(found) ? found : undefined;
}

/** Why a candidate or prompt was filtered, for the message: `SAFETY (HARM_CATEGORY_DANGEROUS_CONTENT)`. */
function filterWhy(reason: string, ratings: unknown): string {
  const blocked = Array.isArray(ratings)
    ? ratings.filter((r) => isRecord(r) && r.blocked === true).map((r) =>
      str((r as Record<string, unknown>).category)
    )
      .filter((c): c is string => c !== undefined)
    : [];
  return blocked.length > 0 ? `${reason} (${blocked.join(", ")})` : reason;
}

/**
 * The `content_filter` failure of a filtered prompt or answer: never retried (the same input is filtered again),
 * named in the run log and the summary. `usage` (the call may have been billed) goes into the body for --verbose.
 *
 * @example
 * ```ts
 * import { geminiFilteredError } from "./codec.ts";
 * geminiFilteredError("answer", "SAFETY").kind; // "content_filter"
 * ```
 */
export function geminiFilteredError(
  what: "prompt" | "answer",
  why: string,
  options: { provider?: string; usage?: unknown; requestId?: string } = {},
): SwebenchError {
  const provider = options.provider ?? PROVIDER;
  const message = what === "prompt"
    ? `${provider}: the prompt was blocked (${why})`
    : `${provider}: the answer was blocked (${why})`;
  return new SwebenchError("content_filter", message, {
    provider,
    code: why.split(" ")[0],
    requestId: options.requestId,
    body: options.usage === undefined ? undefined : JSON.stringify({ usageMetadata: options.usage }),
    hint:
      "Google's safety filters refused this content; it is not retried (the same prompt is filtered again).",
  });
}

/** A unified response without the fields the transport adds (latency, provider, request id, cost). */
export type DecodedGeminiResponse = Omit<UnifiedResponse, "latencyMs" | "provider">;

/**
 * A whole `generateContent` answer -> unified fields. An `{"error":...}` body throws its classified error; a
 * blocked prompt (`promptFeedback.blockReason`, no candidates) and a filtered answer (`SAFETY`, `RECITATION`,
 * `PROHIBITED_CONTENT`...) throw `content_filter`; `MAX_TOKENS` is a `length` finish even when the thoughts took
 * the whole budget and there is no text. A body without candidates otherwise is a `server` error. A JSON array of
 * responses (Google's stream without `alt=sse`) is merged into one answer.
 *
 * @example
 * ```ts
 * import { decodeGeminiResponse } from "./codec.ts";
 * const r = decodeGeminiResponse({
 *   candidates: [{ content: { parts: [{ text: "Hi" }], role: "model" }, finishReason: "STOP", index: 0 }],
 *   usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 },
 *   modelVersion: "gemini-2.5-flash",
 * });
 * r.content; // "Hi"
 * ```
 */
export function decodeGeminiResponse(
  body: unknown,
  options: { provider?: string; requestId?: string } = {},
): DecodedGeminiResponse {
  const provider = options.provider ?? PROVIDER;
  // Google's stream without `alt=sse` is one JSON array of responses (a proxy that drops the query, or that
  // collects the stream): the same answer, merged, rather than a failure that would send the paid call again.
  if (Array.isArray(body) && body.length > 0 && body.every(isRecord)) body = mergeGeminiChunks(body);
  if (!isRecord(body)) {
    throw new SwebenchError("server", `${provider}: malformed response: the body is not a JSON object`, {
      provider,
    });
  }
  if (body.error !== undefined && body.error !== null) {
    throw geminiErrorFromBody(body, { provider, inBody: true, requestId: options.requestId });
  }
  const candidate = firstCandidate(body);
  if (candidate === undefined) {
    const feedback = isRecord(body.promptFeedback) ? body.promptFeedback : undefined;
    const block = str(feedback?.blockReason);
    if (block !== undefined) {
      throw geminiFilteredError("prompt", filterWhy(block, feedback?.safetyRatings), {
        provider,
        usage: body.usageMetadata,
        requestId: options.requestId,
      });
    }
    throw new SwebenchError("server", `${provider}: malformed response: no candidates`, {
      provider,
      requestId: options.requestId,
      body: JSON.stringify(body).slice(0, 2048),
    });
  }
  const raw = str(candidate.finishReason);
  const finishReason = geminiFinishReason(raw);
  if (finishReason === "content_filter") {
    throw geminiFilteredError("answer", filterWhy(raw!, candidate.safetyRatings), {
      provider,
      usage: body.usageMetadata,
      requestId: options.requestId,
    });
  }
  const result: DecodedGeminiResponse = {
    content: candidateText(candidate),
    model: str(body.modelVersion) ?? "",
    usage: decodeGeminiUsage(body.usageMetadata),
    finishReason,
    raw: body,
  };
  if (raw !== undefined) result.rawFinishReason = raw;
  return result;
}

/**
 * Streamed responses (the elements of Google's JSON-array stream) -> one response: the first error if any, else the
 * last chunk with the text of every chunk's first candidate joined (its finish reason and usage are the final ones).
 */
function mergeGeminiChunks(chunks: Record<string, unknown>[]): Record<string, unknown> {
  const error = chunks.find((c) => c.error !== undefined && c.error !== null);
  if (error !== undefined) return error;
  const last = chunks[chunks.length - 1];
  const candidate = firstCandidate(last);
  if (candidate === undefined) return last;
  const text = chunks.map((c) => {
    const first = firstCandidate(c);
    return first === undefined ? "" : candidateText(first);
  }).join("");
  return { ...last, candidates: [{ ...candidate, content: { role: "model", parts: [{ text }] } }] };
}

/**
 * Options of {@linkcode createGeminiEventDecoder}.
 *
 * @example
 * ```ts
 * import type { GeminiEventDecoderOptions } from "./codec.ts";
 * const options: GeminiEventDecoderOptions = { provider: "gemini" };
 * ```
 */
export interface GeminiEventDecoderOptions {
  /** Provider name for errors (default `gemini`). */
  provider?: string;
  /** Request id from the response headers, put on the `start` event and on errors. */
  requestId?: string;
  /** Rate-limit snapshot from the response headers, put on the `start` event. */
  rateLimit?: RateLimitSnapshot;
}

/**
 * SSE events of `:streamGenerateContent?alt=sse` -> unified stream events, exactly one terminal event.
 *
 * Each event is a whole `GenerateContentResponse`: `start` on the first (with `modelVersion`), a `text-delta` per
 * text part, `usage` whenever `usageMetadata` comes (cumulative), and the finish reason of the last candidate.
 * The stream has no `[DONE]`: the event whose candidates all carry a finish reason is the last one and gives the
 * `finish` (the close is not awaited: a proxy may hold it back); the end of the input gives one `finish` when a
 * finish reason was seen, else one `error` of kind `connection` ("stream ended early"). `data: {"error":{...}}` gives one `error`, always
 * retryable (an error inside a 200 stream is never a truncated success: rate limits keep their kind and wait,
 * anything else is `server`). A blocked prompt or a filtered answer gives one `content_filter` error. Data that is
 * not JSON gives one `server` error. Nothing follows the terminal event.
 *
 * @example
 * ```ts
 * import { createGeminiEventDecoder } from "./codec.ts";
 * import type { StreamEvent } from "../../core/mod.ts";
 * const events: StreamEvent[] = [];
 * const d = createGeminiEventDecoder((e) => events.push(e));
 * d.push({ data: '{"candidates":[{"content":{"parts":[{"text":"Hi"}]},"finishReason":"STOP"}]}' });
 * d.end(); // events: start, text-delta "Hi", finish
 * ```
 */
export function createGeminiEventDecoder(
  emit: (event: StreamEvent) => void,
  options: GeminiEventDecoderOptions = {},
): PushDecoder<SseEvent> {
  const provider = options.provider ?? PROVIDER;
  const requestId = options.requestId;
  let started = false;
  let done = false;
  let model: string | undefined;
  let rawFinish: string | undefined;
  let usage: TokenUsage | undefined;
  let rawUsage: unknown;

  const start = () => {
    if (started) return;
    started = true;
    const event: StreamEvent = { type: "start" };
    if (model !== undefined) event.model = model;
    if (requestId !== undefined) event.requestId = requestId;
    if (options.rateLimit !== undefined) event.rateLimit = options.rateLimit;
    emit(event);
  };
  const fail = (error: SwebenchError) => {
    done = true;
    emit({ type: "error", error });
  };
  const finish = () => {
    done = true;
    const event: StreamEvent = {
      type: "finish",
      finishReason: geminiFinishReason(rawFinish),
      rawFinishReason: rawFinish,
      usage: usage ?? decodeGeminiUsage(undefined),
    };
    if (model !== undefined) event.model = model;
    emit(event);
  };

  return {
    get done() {
      return done;
    },
    push(sse) {
      if (done) return;
      const data = sse.data.trim();
      if (data === "" || data === "[DONE]") return;
      let chunk: unknown;
      try {
        chunk = JSON.parse(data);
      } catch {
        fail(
          new SwebenchError(
            "server",
            `${provider}: malformed stream event (not JSON): ${data.slice(0, 80)}`,
            {
              provider,
              requestId,
            },
          ),
        );
        return;
      }
      if (!isRecord(chunk)) return;
      if (chunk.error !== undefined && chunk.error !== null) {
        fail(geminiErrorFromBody(chunk, { provider, inStream: true, requestId }));
        return;
      }
      if (model === undefined) model = str(chunk.modelVersion);
      start();
      const candidate = firstCandidate(chunk);
      if (candidate === undefined) {
        const feedback = isRecord(chunk.promptFeedback) ? chunk.promptFeedback : undefined;
        const block = str(feedback?.blockReason);
        if (block !== undefined) {
          fail(
            geminiFilteredError("prompt", filterWhy(block, feedback?.safetyRatings), {
              provider,
              usage: chunk.usageMetadata,
              requestId,
            }),
          );
          return;
        }
      } else {
        const text = candidateText(candidate);
        if (text !== "") emit({ type: "text-delta", text });
      }
      if (isRecord(chunk.usageMetadata)) {
        rawUsage = chunk.usageMetadata;
        usage = decodeGeminiUsage(chunk.usageMetadata);
        emit({ type: "usage", usage });
      }
      const raw = candidate === undefined ? undefined : str(candidate.finishReason);
      if (raw !== undefined) {
        rawFinish = raw;
        if (geminiFinishReason(raw) === "content_filter") {
          fail(
            geminiFilteredError("answer", filterWhy(raw, candidate!.safetyRatings), {
              provider,
              usage: rawUsage,
              requestId,
            }),
          );
          return;
        }
        // The chunk that finishes every candidate is the last one (it carries the final usage): end here rather
        // than wait for the close, which a proxy may hold back.
        const all = (chunk.candidates as unknown[]).every((c) =>
          isRecord(c) && str(c.finishReason) !== undefined
        );
        if (all) finish();
      }
    },
    end() {
      if (done) return;
      if (rawFinish !== undefined) {
        finish();
        return;
      }
      done = true;
      emit({
        type: "error",
        error: new SwebenchError("connection", `${provider}: stream ended early (no finishReason)`, {
          provider,
          requestId,
          hint: "The connection closed mid-stream; the call can be retried.",
        }),
      });
    },
  };
}

/** Google canonical codes and `ErrorInfo` reasons -> error kinds, consulted before the HTTP status. */
export const GEMINI_ERROR_KINDS: Readonly<Record<string, ErrorKind>> = {
  API_KEY_INVALID: "authentication",
  API_KEY_EXPIRED: "authentication",
  API_KEY_SERVICE_BLOCKED: "authentication",
  API_KEY_IP_ADDRESS_BLOCKED: "authentication",
  API_KEY_HTTP_REFERRER_BLOCKED: "authentication",
  UNAUTHENTICATED: "authentication",
  PERMISSION_DENIED: "authentication",
  // Google's 429: a per-minute quota as often as a plan limit; its message says "exceeded your current quota"
  // either way, so the status decides and the wait comes from RetryInfo.
  RESOURCE_EXHAUSTED: "rate_limit",
  NOT_FOUND: "model_not_found",
  UNAVAILABLE: "overloaded",
  INTERNAL: "server",
  UNKNOWN: "server",
  DEADLINE_EXCEEDED: "timeout",
};

/**
 * A protobuf JSON Duration (`"32s"`, `"1.5s"`, `"0.250s"`) -> milliseconds; `undefined` when it is not one.
 *
 * @example
 * ```ts
 * import { parseGoogleDuration } from "./codec.ts";
 * parseGoogleDuration("32s"); // 32000
 * ```
 */
export function parseGoogleDuration(value: unknown): number | undefined {
  if (typeof value === "string") {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
    return m ? Math.round(Number(m[1]) * 1000) : undefined;
  }
  if (isRecord(value)) {
    const seconds = Number(value.seconds ?? 0);
    const nanos = Number(value.nanos ?? 0);
    if (Number.isFinite(seconds) && Number.isFinite(nanos)) return Math.round(seconds * 1000 + nanos / 1e6);
  }
  return undefined;
}

/** What a Google error body says: {@linkcode ErrorDetails} plus the server's wait. */
export interface GeminiErrorDetails extends ErrorDetails {
  /** `RetryInfo.retryDelay` in milliseconds (Google sends no retry-after header). */
  retryAfterMs?: number;
}

/**
 * Details of a Google error body: `code` = the `ErrorInfo.reason` (`API_KEY_INVALID`) or else the canonical status
 * (`RESOURCE_EXHAUSTED`), `type` = the canonical status, the message, and `retryAfterMs` from
 * `RetryInfo.retryDelay`. A list of errors (some endpoints answer `[{"error":...}]`) uses the first. Bodies that
 * are not Google's shape give what can be read (a plain text's first line, an HTML title).
 *
 * @example
 * ```ts
 * import { geminiErrorDetails } from "./codec.ts";
 * geminiErrorDetails({ error: { code: 429, status: "RESOURCE_EXHAUSTED", message: "quota", details: [
 *   { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "32s" }] } }).retryAfterMs; // 32000
 * ```
 */
export function geminiErrorDetails(body: unknown): GeminiErrorDetails {
  const root = Array.isArray(body) ? body[0] : body;
  if (typeof root === "string") {
    const s = root.trim();
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(s)?.[1]?.trim();
    const message = title ?? s.split(/\r?\n/, 1)[0];
    return message ? { message } : {};
  }
  if (!isRecord(root)) return {};
  const error = isRecord(root.error) ? root.error : root;
  const out: GeminiErrorDetails = {};
  const message = str(error.message);
  if (message) out.message = message;
  const status = str(error.status);
  if (status) out.type = status;
  let reason: string | undefined;
  if (Array.isArray(error.details)) {
    for (const detail of error.details) {
      if (!isRecord(detail)) continue;
      const type = str(detail["@type"]) ?? "";
      if (type.endsWith("google.rpc.ErrorInfo")) reason ??= str(detail.reason);
      if (type.endsWith("google.rpc.RetryInfo")) {
        const wait = parseGoogleDuration(detail.retryDelay);
        if (wait !== undefined) out.retryAfterMs = wait;
      }
    }
  }
  const code = reason ?? status;
  if (code) out.code = code;
  return out;
}

/**
 * Options of {@linkcode geminiErrorFromBody}.
 *
 * @example
 * ```ts
 * import type { GeminiErrorOptions } from "./codec.ts";
 * const options: GeminiErrorOptions = { status: 429, provider: "gemini" };
 * ```
 */
export interface GeminiErrorOptions {
  /** HTTP status (absent for an error inside a 200 body or stream). */
  status?: number;
  /** Response headers (request id; a retry-after a proxy may add). */
  headers?: Headers;
  /** Provider name (default `gemini`). */
  provider?: string;
  /** The error arrived inside a 200 stream: always retryable. */
  inStream?: boolean;
  /** The error object was the whole body of a 200 answer. */
  inBody?: boolean;
  /** Request id from the response headers. */
  requestId?: string;
  /** Values to redact from message and body. */
  secrets?: readonly string[];
}

/**
 * The kind of a Gemini error: the `ErrorInfo.reason` or canonical status by {@linkcode GEMINI_ERROR_KINDS}
 * (an invalid key's 400 is authentication, every 429 a rate limit), else the generic HTTP rules (a 400 whose
 * message says the input is too long is context_length, other 400s invalid_request).
 *
 * @example
 * ```ts
 * import { geminiErrorKind } from "./codec.ts";
 * geminiErrorKind(400, { code: "API_KEY_INVALID", type: "INVALID_ARGUMENT" }); // "authentication"
 * ```
 */
export function geminiErrorKind(status: number, details: ErrorDetails): ErrorKind | undefined {
  const kind = GEMINI_ERROR_KINDS[details.code ?? ""] ?? GEMINI_ERROR_KINDS[details.type ?? ""];
  // A 404 without a Google status (a proxy's page) is not a model verdict: leave it to the HTTP rules.
  return kind === "model_not_found" && status !== 404 && status !== 0 ? undefined : kind;
}

/** Hints for the kinds whose generic hint would mislead. */
function hintFor(kind: ErrorKind, details: ErrorDetails): string | undefined {
  if (kind === "authentication" && /^API_KEY_/.test(details.code ?? "")) {
    return "Google refused the API key: check GEMINI_API_KEY (or GOOGLE_API_KEY); keys are made at " +
      "https://aistudio.google.com/apikey.";
  }
  if (kind === "authentication" && details.type === "PERMISSION_DENIED") {
    return "Google refused the call (PERMISSION_DENIED): is GEMINI_API_KEY set, and is the Generative Language " +
      "API enabled for the key's project?";
  }
  return undefined;
}

/**
 * A Google error body -> {@linkcode SwebenchError} of the right kind ({@linkcode geminiErrorKind}), with the wait
 * of `RetryInfo.retryDelay` as `retryAfterMs` (a retry-after header, if a proxy adds one, wins), the request id,
 * and the body (redacted, truncated) for --verbose. Inside a 200 stream the error is always retryable: a rate
 * limit keeps its kind, anything else is `server`.
 *
 * @example
 * ```ts
 * import { geminiErrorFromBody } from "./codec.ts";
 * const e = geminiErrorFromBody({ error: { code: 503, status: "UNAVAILABLE", message: "The model is overloaded." } }, { status: 503 });
 * e.kind; // "overloaded"
 * ```
 */
export function geminiErrorFromBody(body: unknown, options: GeminiErrorOptions = {}): SwebenchError {
  const provider = options.provider ?? PROVIDER;
  const details = geminiErrorDetails(body);
  const numeric = isRecord(body) && isRecord(body.error) ? count(body.error.code) : undefined;
  const status = options.status ??
    (options.inStream || options.inBody ? 0 : numeric !== undefined && numeric >= 400 ? numeric : 0);
  if (options.inStream || options.inBody) {
    const where = options.inStream ? "error event in the stream" : "error in a 200 response";
    details.message = `${details.message ?? "no message"}${numeric ? ` [${numeric}]` : ""} (${where})`;
  }
  if (details.message === undefined && details.code === undefined) details.message = "unknown error";
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const generic = classifyHttpError({
    status,
    headers: options.headers,
    body: text,
    provider,
    details,
    secrets: options.secrets,
  });
  let kind = geminiErrorKind(status, details) ?? generic.kind;
  // Inside a 200 stream the answer was already under way: whatever the event says, the call may succeed again.
  if (options.inStream && !["rate_limit", "overloaded", "timeout"].includes(kind)) kind = "server";
  const retryAfterMs = generic.retryAfterMs ?? details.retryAfterMs;
  return new SwebenchError(kind, generic.message, {
    hint: hintFor(kind, details) ?? (kind === generic.kind ? generic.hint : undefined),
    status: generic.status,
    provider,
    code: generic.code,
    body: generic.body,
    retryAfterMs,
    requestId: options.requestId ?? generic.requestId,
  });
}

/**
 * The parameter a Gemini 400 says the model does not take, as a unified name (`temperature`, `stop`) or a
 * `generationConfig` field; `undefined` for any other error. Google names it in its protobuf style:
 * `Unknown name "stopSequences" at 'generation_config'`, `... generation_config.temperature: ... is not
 * supported`, `Stop sequences are not supported for this model`.
 *
 * @example
 * ```ts
 * import { geminiUnsupportedParameter } from "./codec.ts";
 * import { SwebenchError } from "../../core/mod.ts";
 * const e = new SwebenchError("invalid_request", 'gemini: 400 Invalid JSON payload received. Unknown name "seed" at \'generation_config\': Cannot find field.', { status: 400 });
 * geminiUnsupportedParameter(e); // "seed"
 * ```
 */
export function geminiUnsupportedParameter(error: SwebenchError): string | undefined {
  if (error.kind !== "invalid_request" || (error.status !== undefined && error.status !== 400)) {
    return undefined;
  }
  const text = error.message;
  const named = /Unknown name "([A-Za-z_]+)" at 'generation_config'/.exec(text)?.[1] ??
    /generation_config\.([a-z_]+)[^\n]*?(?:not supported|unsupported|is not allowed)/i.exec(text)?.[1];
  if (named !== undefined) return unifiedName(named);
  if (/stop[ _]?sequences? (?:is|are) not (?:supported|allowed)/i.test(text)) return "stop";
  const word =
    /\b(temperature|top_?p|top_?k|seed|presence_?penalty|frequency_?penalty) (?:is|are) not (?:supported|allowed)/i
      .exec(text)?.[1];
  if (word !== undefined) return unifiedName(word.toLowerCase().replace(/^top(p|k)$/, "top_$1"));
  return undefined;
}

function unifiedName(wire: string): string {
  const camel = wire.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  if (camel === "stopSequences" || camel === "stop") return "stop";
  return camel;
}

/** A model of the live list, with the input and output limits Gemini reports. */
export type GeminiModelInfo = ModelInfo;

/**
 * Path of the first page of the model list (`pageSize` 1000, Google's maximum); later pages add `pageToken`.
 *
 * @example
 * ```ts
 * import { geminiModelsPath } from "./codec.ts";
 * geminiModelsPath(); // "/v1beta/models?pageSize=1000"
 * ```
 */
export function geminiModelsPath(options: { apiVersion?: string; pageToken?: string } = {}): string {
  const query = new URLSearchParams({ pageSize: "1000" });
  if (options.pageToken !== undefined) query.set("pageToken", options.pageToken);
  return `/${version(options.apiVersion)}/models?${query}`;
}

/**
 * One page of `GET /{version}/models` -> models that can `generateContent` (embedding and other models are left
 * out), with `contextWindow` = `inputTokenLimit` and `maxOutputTokens` = `outputTokenLimit`, and the next page's
 * query (`pageToken`) when there is one.
 *
 * @example
 * ```ts
 * import { decodeGeminiModelPage } from "./codec.ts";
 * decodeGeminiModelPage({ models: [{ name: "models/gemini-2.5-flash", inputTokenLimit: 1048576, outputTokenLimit: 65536,
 *   supportedGenerationMethods: ["generateContent"] }], nextPageToken: "abc" });
 * // { models: [{ id: "gemini-2.5-flash", contextWindow: 1048576, maxOutputTokens: 65536 }], next: { pageToken: "abc" } }
 * ```
 */
export function decodeGeminiModelPage(
  body: unknown,
): { models: GeminiModelInfo[]; next?: Record<string, string> } {
  if (!isRecord(body)) {
    throw new SwebenchError("server", `${PROVIDER}: malformed model list: the body is not a JSON object`, {
      provider: PROVIDER,
    });
  }
  const models: GeminiModelInfo[] = [];
  for (const m of Array.isArray(body.models) ? body.models : []) {
    if (!isRecord(m)) continue;
    const name = str(m.name);
    if (name === undefined) continue;
    const methods = m.supportedGenerationMethods;
    if (Array.isArray(methods) && !methods.includes("generateContent")) continue;
    const info: GeminiModelInfo = { id: geminiModelId(name) };
    const display = str(m.displayName);
    if (display !== undefined) info.displayName = display;
    const input = count(m.inputTokenLimit);
    if (input !== undefined) info.contextWindow = input;
    const output = count(m.outputTokenLimit);
    if (output !== undefined) info.maxOutputTokens = output;
    models.push(info);
  }
  const token = str(body.nextPageToken);
  return token === undefined ? { models } : { models, next: { pageToken: token } };
}

/**
 * Path of `countTokens` for a model.
 *
 * @example
 * ```ts
 * import { geminiCountTokensPath } from "./codec.ts";
 * geminiCountTokensPath("gemini-2.5-flash"); // "/v1beta/models/gemini-2.5-flash:countTokens"
 * ```
 */
export function geminiCountTokensPath(model: string, options: { apiVersion?: string } = {}): string {
  return `/${version(options.apiVersion)}/models/${encodeURIComponent(geminiModelId(model))}:countTokens`;
}

/**
 * Body of `countTokens` for a unified request: the `generateContentRequest` form, so that the system instruction
 * is counted too (the top-level form takes `contents` only).
 *
 * @example
 * ```ts
 * import { encodeGeminiCountTokens } from "./codec.ts";
 * encodeGeminiCountTokens({ model: "gemini-2.5-flash", prompt: "Hi" });
 * // { generateContentRequest: { model: "models/gemini-2.5-flash", contents: [{ role: "user", parts: [{ text: "Hi" }] }] } }
 * ```
 */
export function encodeGeminiCountTokens(request: UnifiedRequest): Record<string, unknown> {
  const inner: Record<string, unknown> = { model: `models/${geminiModelId(request.model)}` };
  if (request.system !== undefined && request.system !== "") {
    inner.systemInstruction = { parts: [{ text: request.system }] };
  }
  inner.contents = [{ role: "user", parts: [{ text: request.prompt }] }];
  return { generateContentRequest: inner };
}

/**
 * `countTokens` answer -> prompt tokens (`totalTokens`); a body without it is a `server` error.
 *
 * @example
 * ```ts
 * import { decodeGeminiCountTokens } from "./codec.ts";
 * decodeGeminiCountTokens({ totalTokens: 12 }); // 12
 * ```
 */
export function decodeGeminiCountTokens(body: unknown): number {
  const total = isRecord(body) ? count(body.totalTokens) : undefined;
  if (total === undefined) {
    throw new SwebenchError("server", `${PROVIDER}: malformed countTokens answer (no totalTokens)`, {
      provider: PROVIDER,
    });
  }
  return total;
}

/**
 * Gemini's wire format for the kit: the paths above (the model in the path, `?alt=sse` for a stream), the request
 * and answer codecs, Google's error details and kinds (an invalid key's 400 is authentication, `RetryInfo` gives the
 * wait), the model pages (with input/output limits) and the `countTokens` endpoint (exact counts, cached by the
 * kit, with the offline estimate without a key or network).
 *
 * @example
 * ```ts
 * import { GEMINI_CODEC } from "./codec.ts";
 * GEMINI_CODEC.path({ model: "gemini-2.5-flash", prompt: "hi" }, { stream: true, settings: {} });
 * // "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
 * ```
 */
export const GEMINI_CODEC: VendorCodec = {
  stream: "sse",
  accept: { stream: "text/event-stream", other: "application/json" },
  path: (request, ctx) => geminiPath(request.model, { stream: ctx.stream }),
  encode: (request, ctx) => encodeGeminiRequest(request, { drop: ctx.drop ? [...ctx.drop] : undefined }),
  decodeWhole: (body, ctx) =>
    decodeGeminiResponse(body, { provider: ctx.provider, requestId: ctx.requestId }),
  eventDecoder: (emit, ctx) =>
    createGeminiEventDecoder(emit, {
      provider: ctx.provider,
      requestId: ctx.requestId,
      rateLimit: ctx.rateLimit,
    }),
  errors: {
    kinds: GEMINI_ERROR_KINDS,
    kindOf: geminiErrorKind,
    // Google sends no request-id header; a proxy in front of it may.
    requestIdHeaders: ["x-request-id", "request-id"],
    hint: (kind, _status, details) => hintFor(kind, details),
    extract: geminiErrorDetails,
  },
  unsupportedParameter: geminiUnsupportedParameter,
  models: {
    path: `/${GEMINI_DEFAULT_API_VERSION}/models`,
    query: { pageSize: "1000" },
    decodePage: decodeGeminiModelPage,
  },
  countTokens: {
    type: "api",
    path: (request) => geminiCountTokensPath(request.model),
    encode: encodeGeminiCountTokens,
    decode: (body) => decodeGeminiCountTokens(body),
    // The offline estimate (o200k scaled, no Gemini sample large enough to calibrate a profile).
    minErrorBound: 0.25,
  },
};
