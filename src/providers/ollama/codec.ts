/**
 * Ollama's native API as a kit codec: responses, NDJSON stream events and the codec object; the request body,
 * `num_ctx` sizing, host parsing, model-management bodies and error messages are in the files beside it.
 *
 * @module
 */
import {
  type FinishReason,
  type ModelInfo,
  type StreamEvent,
  type StreamFinishEvent,
  SwebenchError,
  type TokenUsage,
  type UnifiedResponse,
} from "../../core/mod.ts";
import { type PushDecoder, pushDecoderStream } from "../../http/push_decoder.ts";
import type { VendorCodec } from "../kit/codec.ts";
import { ollamaErrorFromMessage, pullHint } from "./errors.ts";
import { decodeOllamaTags, type OllamaModelDetails } from "./models.ts";
import { prepareNumCtx } from "./num_ctx.ts";
import { isRecord, num, str } from "./read.ts";
import { encodeOllamaRequest, ollamaMessages } from "./request.ts";

// The Ollama codecs, one concept per file; re-exported here so that `./codec.ts` stays the one import.
export * from "./errors.ts";
export * from "./host.ts";
export * from "./models.ts";
export * from "./num_ctx.ts";
export * from "./request.ts";

/** Server-side timings of one Ollama call, converted from nanoseconds to milliseconds. */
export interface OllamaTimings {
  /** `total_duration`. */
  totalMs?: number;
  /** `load_duration` (loading the model into memory). */
  loadMs?: number;
  /** `prompt_eval_duration`. */
  promptEvalMs?: number;
  /** `eval_duration` (generation). */
  evalMs?: number;
  /** `eval_count / eval_duration`, generated tokens per second. */
  tokensPerSecond?: number;
}

/**
 * The timings of a final Ollama object (`done: true`), in milliseconds; undefined when it carries none.
 *
 * @example
 * ```ts
 * import { ollamaTimings } from "./codec.ts";
 * ollamaTimings({ total_duration: 328393900, eval_count: 20, eval_duration: 265432931 });
 * // { totalMs: 328.3939, evalMs: 265.432931, tokensPerSecond: 75.35... }
 * ```
 */
export function ollamaTimings(body: unknown): OllamaTimings | undefined {
  if (!isRecord(body)) return undefined;
  const ms = (v: unknown) => {
    const n = num(v);
    return n === undefined ? undefined : n / 1e6;
  };
  const timings: OllamaTimings = {};
  const set = (key: keyof OllamaTimings, value: number | undefined) => {
    if (value !== undefined) timings[key] = value;
  };
  set("totalMs", ms(body.total_duration));
  set("loadMs", ms(body.load_duration));
  set("promptEvalMs", ms(body.prompt_eval_duration));
  set("evalMs", ms(body.eval_duration));
  const evalCount = num(body.eval_count);
  const evalNs = num(body.eval_duration);
  if (evalCount !== undefined && evalNs !== undefined && evalNs > 0) {
    set("tokensPerSecond", evalCount / (evalNs / 1e9));
  }
  return Object.keys(timings).length > 0 ? timings : undefined;
}

/**
 * Usage of a final Ollama object: `prompt_eval_count` -> prompt, `eval_count` -> completion (no prompt cache).
 *
 * @example
 * ```ts
 * import { ollamaUsage } from "./codec.ts";
 * ollamaUsage({ prompt_eval_count: 22, eval_count: 20 }).totalTokens; // 42
 * ```
 */
export function ollamaUsage(body: unknown): TokenUsage {
  const record = isRecord(body) ? body : {};
  const promptTokens = num(record.prompt_eval_count) ?? 0;
  const completionTokens = num(record.eval_count) ?? 0;
  return {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
}

/**
 * `done_reason` -> normalised finish reason: `length` -> length, anything else (stop, load, unload, absent) -> stop.
 *
 * @example
 * ```ts
 * import { ollamaFinishReason } from "./codec.ts";
 * ollamaFinishReason("length"); // "length"
 * ```
 */
export function ollamaFinishReason(doneReason: unknown): FinishReason {
  return doneReason === "length" ? "length" : "stop";
}

/** What {@linkcode decodeOllamaResponse} returns: the unified fields plus Ollama's server-side timings. */
export interface OllamaDecodedResponse extends Omit<UnifiedResponse, "latencyMs" | "provider"> {
  /** Server-side durations in milliseconds (from the nanosecond fields). */
  timings?: OllamaTimings;
}

/**
 * Final `/api/chat` (or `/api/generate`) body -> unified response fields. `message.content` (or `response`) is
 * the content (`thinking` is not), `done_reason` the finish reason, `prompt_eval_count`/`eval_count` the usage.
 * A body `{"error": "..."}` throws the classified `SwebenchError`.
 *
 * @example
 * ```ts
 * import { decodeOllamaResponse } from "./codec.ts";
 * const r = decodeOllamaResponse({
 *   model: "qwen3:32b", message: { role: "assistant", content: "4" }, done: true, done_reason: "stop",
 *   prompt_eval_count: 22, eval_count: 1,
 * });
 * // r.content === "4", r.usage.totalTokens === 23, r.finishReason === "stop"
 * ```
 */
export function decodeOllamaResponse(body: unknown): OllamaDecodedResponse {
  if (!isRecord(body)) {
    throw new SwebenchError("server", "Ollama returned a response that is not a JSON object.", {
      provider: "ollama",
      body: String(JSON.stringify(body)).slice(0, 2048),
    });
  }
  const error = str(body.error);
  if (error !== undefined) throw ollamaErrorFromMessage(error, { model: str(body.model) });
  const message = isRecord(body.message) ? body.message : undefined;
  const content = str(message?.content) ?? str(body.response) ?? "";
  const rawFinishReason = str(body.done_reason);
  const decoded: OllamaDecodedResponse = {
    content,
    model: str(body.model) ?? "",
    usage: ollamaUsage(body),
    finishReason: ollamaFinishReason(rawFinishReason),
    raw: body,
  };
  if (rawFinishReason !== undefined) decoded.rawFinishReason = rawFinishReason;
  const timings = ollamaTimings(body);
  if (timings !== undefined) decoded.timings = timings;
  return decoded;
}

/** A `finish` event of an Ollama stream, carrying the server-side timings too. */
export interface OllamaStreamFinishEvent extends StreamFinishEvent {
  /** Server-side durations in milliseconds. */
  timings?: OllamaTimings;
}

/** Options of {@linkcode ollamaStreamDecoder}. */
export interface OllamaStreamDecoderOptions {
  /** Provider name put on errors (default `ollama`). */
  provider?: string;
  /** Requested model, for the `ollama pull` hint of an error line without a model name. */
  model?: string;
}

/**
 * Parsed NDJSON lines of a streamed `/api/chat` (or `/api/generate`) -> unified stream events: `start` on the first
 * line, one `text-delta` per non-empty `message.content` (`thinking` is ignored), then on the `done: true` line one
 * `usage` and one `finish`. An `{"error": ...}` line becomes one `error` event (never text); a stream that ends
 * without `done: true` ends with one `error` of kind `connection` ("stream ended early"). Nothing follows the
 * terminal event.
 *
 * @example
 * ```ts
 * import { ollamaStreamDecoder } from "./codec.ts";
 * const lines = [
 *   { model: "m", message: { role: "assistant", content: "Hi" }, done: false },
 *   { model: "m", message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: 3, eval_count: 1 },
 * ];
 * const events = ReadableStream.from(lines).pipeThrough(ollamaStreamDecoder());
 * for await (const e of events) console.log(e.type); // start, text-delta, usage, finish
 * ```
 */
export function ollamaStreamDecoder(
  options: OllamaStreamDecoderOptions = {},
): TransformStream<unknown, StreamEvent> {
  return pushDecoderStream<unknown, StreamEvent>((emit) => createOllamaEventDecoder(emit, options));
}

/**
 * The synchronous core of {@linkcode ollamaStreamDecoder}: parsed NDJSON lines pushed in, unified stream events
 * emitted at once, by the same rules (exactly one terminal event; `done` once it was emitted, later lines ignored).
 * For a caller that drives the decoding itself (the provider feeds it straight from the JSON Lines parser).
 *
 * @example
 * ```ts
 * import { createOllamaEventDecoder } from "./codec.ts";
 * import type { StreamEvent } from "../../core/mod.ts";
 * const events: StreamEvent[] = [];
 * const decoder = createOllamaEventDecoder((e) => events.push(e));
 * decoder.push({ model: "m", message: { role: "assistant", content: "Hi" }, done: true, eval_count: 1 });
 * // events: start, text-delta "Hi", usage, finish
 * ```
 */
export function createOllamaEventDecoder(
  emit: (event: StreamEvent) => void,
  options: OllamaStreamDecoderOptions = {},
): PushDecoder<unknown> {
  const provider = options.provider ?? "ollama";
  let started = false;
  let ended = false;
  return {
    get done() {
      return ended;
    },
    push(line) {
      if (ended) return;
      if (!isRecord(line)) {
        ended = true;
        emit({
          type: "error",
          error: new SwebenchError("server", "Ollama stream sent a line that is not a JSON object.", {
            provider,
            body: String(JSON.stringify(line)).slice(0, 2048),
          }),
        });
        return;
      }
      const error = line.error;
      if (error !== undefined) {
        ended = true;
        const text = typeof error === "string" ? error : JSON.stringify(error);
        emit({
          type: "error",
          error: ollamaErrorFromMessage(text, { model: options.model, provider, body: JSON.stringify(line) }),
        });
        return;
      }
      const model = str(line.model);
      if (!started) {
        started = true;
        emit(model === undefined ? { type: "start" } : { type: "start", model });
      }
      const message = isRecord(line.message) ? line.message : undefined;
      const text = str(message?.content) ?? str(line.response);
      if (text !== undefined && text !== "") emit({ type: "text-delta", text });
      if (line.done === true) {
        ended = true;
        const usage = ollamaUsage(line);
        emit({ type: "usage", usage: { ...usage } });
        const rawFinishReason = str(line.done_reason);
        const finish: OllamaStreamFinishEvent = {
          type: "finish",
          finishReason: ollamaFinishReason(rawFinishReason),
          usage,
        };
        if (rawFinishReason !== undefined) finish.rawFinishReason = rawFinishReason;
        if (model !== undefined) finish.model = model;
        const timings = ollamaTimings(line);
        if (timings !== undefined) finish.timings = timings;
        emit(finish);
      }
    },
    end() {
      if (ended) return;
      ended = true;
      emit({
        type: "error",
        error: new SwebenchError("connection", "Ollama stream ended early (no done:true line).", {
          provider,
        }),
      });
    },
  };
}

/** A model of the Ollama provider's `listModels()`: the unified fields plus Ollama's details. */
export interface OllamaModelInfo extends ModelInfo {
  /** Family, parameter size, quantization. */
  details?: OllamaModelDetails;
  /** Content digest. */
  digest?: string;
}

/**
 * Ollama's native API as a kit codec: `POST /api/chat` (NDJSON when streamed) with `num_ctx` sized by the
 * prepare hook, `GET /api/tags`, estimated counts, the `ollama pull` hint for a missing model.
 *
 * @example
 * ```ts
 * import { OLLAMA_CODEC } from "./codec.ts";
 * OLLAMA_CODEC.encode({ model: "qwen2.5-coder:7b", prompt: "hi" }, { stream: true, settings: {}, prepared: 4096 });
 * ```
 */
export const OLLAMA_CODEC: VendorCodec = {
  stream: "ndjson",
  accept: {
    stream: "application/json, application/x-ndjson",
    other: "application/json, application/x-ndjson",
  },
  path: () => "/api/chat",
  prepare: prepareNumCtx,
  encode: (request, ctx) =>
    encodeOllamaRequest(request, { stream: ctx.stream, numCtx: ctx.prepared as number | undefined }),
  decodeWhole: (body) => decodeOllamaResponse(body),
  eventDecoder: (emit, ctx) => createOllamaEventDecoder(emit, { provider: ctx.provider, model: ctx.model }),
  errors: { requestIdHeaders: [] },
  errorHint: (e, context) => {
    if (e.kind !== "model_not_found") return undefined;
    const missing = /model ['"`]([^'"`]+)['"`]/.exec(e.message)?.[1] ??
      (/model/i.test(e.message) ? context.model : undefined);
    return missing === undefined ? undefined : pullHint(missing);
  },
  models: {
    path: "/api/tags",
    decodePage: (body) => ({
      models: decodeOllamaTags(body).map((m) => {
        const info: OllamaModelInfo = { id: m.name, details: m.details };
        if (m.sizeBytes !== undefined) info.sizeBytes = m.sizeBytes;
        if (m.modifiedAt !== undefined) info.createdAt = m.modifiedAt;
        if (m.digest !== undefined) info.digest = m.digest;
        return info;
      }),
    }),
  },
  countTokens: { type: "estimate", minErrorBound: 0.25, messages: ollamaMessages },
};
