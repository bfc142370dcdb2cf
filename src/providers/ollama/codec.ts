/**
 * Pure codecs for Ollama's native API (`/api/chat`, `/api/generate`, `/api/tags`, `/api/ps`, `/api/show`):
 * host normalisation, request body, response, NDJSON stream events and `num_ctx` sizing. No I/O here.
 *
 * @module
 */
import {
  type CallOptions,
  type FinishReason,
  isSwebenchError,
  type ModelInfo,
  type StreamEvent,
  type StreamFinishEvent,
  SwebenchError,
  type TokenUsage,
  type UnifiedRequest,
  type UnifiedResponse,
} from "../../core/mod.ts";
import { redactUrl } from "../../http/auth.ts";
import { type PushDecoder, pushDecoderStream } from "../../http/push_decoder.ts";
import type { PrepareContext, VendorCodec } from "../kit/codec.ts";
import type { HttpTransport } from "../kit/transport.ts";

/** Where Ollama listens when `OLLAMA_HOST` is not set. */
export const DEFAULT_OLLAMA_HOST: string = "http://127.0.0.1:11434";
/** Ollama's default port, used when a host without scheme has no port. */
export const DEFAULT_OLLAMA_PORT: string = "11434";
/** Smallest `num_ctx` the provider asks for (Ollama's own historical default). */
export const MIN_NUM_CTX: number = 2048;
/** `num_ctx` is rounded up to a multiple of this. */
export const NUM_CTX_STEP: number = 1024;
/** Output tokens reserved when sizing `num_ctx` for a request without `maxTokens`. */
export const DEFAULT_OUTPUT_RESERVE: number = 4096;

/** A parsed `OLLAMA_HOST`: the URL without credentials, and the credentials if the host carried any. */
export interface OllamaHost {
  /** Origin plus optional path prefix, no trailing slash, no credentials (`http://127.0.0.1:11434`). */
  url: string;
  /** Basic-auth user name from `http://user:pass@host` forms. */
  username?: string;
  /** Basic-auth password from `http://user:pass@host` forms. */
  password?: string;
}

/**
 * Parse `OLLAMA_HOST` the way the official `ollama` client does (default port 11434 when no scheme is given,
 * 80/443 for explicit `http://`/`https://` URLs, `:port` means 127.0.0.1, trailing slash stripped), and in
 * addition map the bind-all addresses `0.0.0.0` and `[::]` to `127.0.0.1` (a server started with
 * `OLLAMA_HOST=0.0.0.0` is reached through loopback) and move `user:pass@` credentials out of the URL.
 *
 * @example
 * ```ts
 * import { parseOllamaHost } from "./codec.ts";
 * parseOllamaHost("https://u:p@ollama.example.com"); // { url: "https://ollama.example.com:443", username: "u", password: "p" }
 * ```
 */
export function parseOllamaHost(host?: string): OllamaHost {
  let text = (host ?? "").trim();
  if (text === "") return { url: DEFAULT_OLLAMA_HOST };
  let explicit = text.includes("://");
  if (text.startsWith(":")) {
    text = `http://127.0.0.1${text}`;
    explicit = true;
  }
  if (!explicit) text = `http://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new SwebenchError("config", `Invalid Ollama host ${JSON.stringify(maskUserinfo(host))}.`, {
      provider: "ollama",
      hint:
        "Set OLLAMA_HOST (or --base-url) to host:port or a URL, e.g. 127.0.0.1:11434 or http://127.0.0.1:11434.",
      cause,
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SwebenchError(
      "config",
      `Unsupported scheme in Ollama host ${JSON.stringify(maskUserinfo(host))}.`,
      {
        provider: "ollama",
        hint: "Use an http:// or https:// URL, or host:port.",
      },
    );
  }
  let port = url.port;
  if (!port) port = explicit ? (url.protocol === "https:" ? "443" : "80") : DEFAULT_OLLAMA_PORT;
  let hostname = url.hostname;
  if (hostname === "0.0.0.0" || hostname === "[::]") hostname = "127.0.0.1";
  let formatted = `${url.protocol}//${hostname}:${port}${url.pathname}`;
  while (formatted.endsWith("/")) formatted = formatted.slice(0, -1);
  const result: OllamaHost = { url: formatted };
  if (url.username) result.username = decodeURIComponent(url.username);
  if (url.password) result.password = decodeURIComponent(url.password);
  return result;
}

/** A host as typed, for messages: any `user:password@` part masked, with or without a scheme. */
function maskUserinfo(host: string | undefined): string {
  const text = (host ?? "").trim();
  return text.includes("://") ? redactUrl(text) : text.replace(/^[^/?#\s]*@/, "***@");
}

/**
 * Normalise `OLLAMA_HOST` (`host[:port]`, `:port` or a URL) to a base URL without trailing slash or credentials.
 *
 * @example
 * ```ts
 * import { normalizeOllamaHost } from "./codec.ts";
 * normalizeOllamaHost("127.0.0.1:11434"); // "http://127.0.0.1:11434"
 * normalizeOllamaHost("0.0.0.0");         // "http://127.0.0.1:11434"
 * normalizeOllamaHost("https://ollama.example.com/"); // "https://ollama.example.com:443"
 * ```
 */
export function normalizeOllamaHost(host?: string): string {
  return parseOllamaHost(host).url;
}

// ---------------------------------------------------------------- small readers of unknown JSON

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

// ---------------------------------------------------------------- request

/** Options of {@linkcode encodeOllamaRequest}. */
export interface EncodeOllamaOptions {
  /** Stream the answer (default: `request.stream`, else false). */
  stream?: boolean;
  /** Context size to ask for (`options.num_ctx`); the transport sizes it with {@linkcode sizeNumCtx}. */
  numCtx?: number;
}

/**
 * The chat messages of a request: optional system message, then the user prompt.
 *
 * @example
 * ```ts
 * import { ollamaMessages } from "./codec.ts";
 * ollamaMessages({ model: "m", system: "Be brief.", prompt: "Hi" });
 * // [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }]
 * ```
 */
export function ollamaMessages(request: UnifiedRequest): Array<{ role: string; content: string }> {
  const messages: Array<{ role: string; content: string }> = [];
  if (request.system !== undefined && request.system !== "") {
    messages.push({ role: "system", content: request.system });
  }
  messages.push({ role: "user", content: request.prompt });
  return messages;
}

/**
 * The `num_ctx` a request sets itself (`extra.ollama.num_ctx`, `extra.numCtx` or `extra.num_ctx`), if any.
 *
 * @example
 * ```ts
 * import { explicitNumCtx } from "./codec.ts";
 * explicitNumCtx({ model: "m", prompt: "Hi", extra: { numCtx: 8192 } }); // 8192
 * ```
 */
export function explicitNumCtx(request: UnifiedRequest): number | undefined {
  const extra = request.extra ?? {};
  const ollama = isRecord(extra.ollama) ? extra.ollama : {};
  return num(ollama.num_ctx) ?? num(extra.numCtx) ?? num(extra.num_ctx);
}

/**
 * Unified request -> `POST /api/chat` body. `maxTokens` -> `options.num_predict`, `temperature`, `stop`,
 * `numCtx` -> `options.num_ctx`; `extra.keepAlive` (or `keep_alive`) -> `keep_alive`; `extra.think` -> `think`;
 * `extra.ollama` is merged into `options` last (it wins).
 *
 * @example
 * ```ts
 * import { encodeOllamaRequest } from "./codec.ts";
 * const body = encodeOllamaRequest(
 *   { model: "qwen2.5-coder:7b", system: "You fix bugs.", prompt: "Fix it.", maxTokens: 512, extra: { keepAlive: "10m" } },
 *   { stream: true, numCtx: 4096 },
 * );
 * // { model, messages: [system, user], stream: true, options: { num_predict: 512, num_ctx: 4096 }, keep_alive: "10m" }
 * ```
 */
export function encodeOllamaRequest(
  request: UnifiedRequest,
  options: EncodeOllamaOptions = {},
): Record<string, unknown> {
  const extra = request.extra ?? {};
  const modelOptions: Record<string, unknown> = {};
  if (request.maxTokens !== undefined) modelOptions.num_predict = request.maxTokens;
  if (request.temperature !== undefined) modelOptions.temperature = request.temperature;
  if (request.stop !== undefined && request.stop.length > 0) modelOptions.stop = [...request.stop];
  const numCtx = options.numCtx ?? num(extra.numCtx) ?? num(extra.num_ctx);
  if (numCtx !== undefined) modelOptions.num_ctx = numCtx;
  if (isRecord(extra.ollama)) Object.assign(modelOptions, extra.ollama);

  const body: Record<string, unknown> = {
    model: request.model,
    messages: ollamaMessages(request),
    stream: options.stream ?? request.stream ?? false,
  };
  if (Object.keys(modelOptions).length > 0) body.options = modelOptions;
  const keepAlive = extra.keepAlive ?? extra.keep_alive;
  if (typeof keepAlive === "string" || typeof keepAlive === "number") body.keep_alive = keepAlive;
  if (typeof extra.think === "boolean" || typeof extra.think === "string") body.think = extra.think;
  if (extra.format !== undefined) body.format = extra.format;
  return body;
}

// ---------------------------------------------------------------- num_ctx

/** Input of {@linkcode sizeNumCtx}. */
export interface NumCtxInput {
  /** Estimated prompt tokens (chat overhead included). */
  promptTokens: number;
  /** Relative error bound of the estimate (0.25 = may be 25 % low). */
  errorBound: number;
  /** Requested output tokens; when absent {@linkcode DEFAULT_OUTPUT_RESERVE} is reserved (and not enforced). */
  maxTokens?: number;
  /** The model's trained context length (from `/api/show`), when known. */
  contextLength?: number;
  /** Model id, for the error message. */
  model?: string;
  /** Provider name, for the error. */
  provider?: string;
}

/**
 * Size `num_ctx` for a request: `promptTokens * (1 + errorBound) + maxTokens`, rounded up to a multiple of 1024,
 * at least 2048, capped by the model's context length. Throws `SwebenchError` kind `context_length` when the
 * prompt estimate plus `maxTokens` exceeds the model's context length (so nothing is silently truncated).
 *
 * @example
 * ```ts
 * import { sizeNumCtx } from "./codec.ts";
 * sizeNumCtx({ promptTokens: 3000, errorBound: 0.2, maxTokens: 1000, contextLength: 32768 }); // 5120
 * ```
 */
export function sizeNumCtx(input: NumCtxInput): number {
  const prompt = Math.max(0, Math.ceil(input.promptTokens));
  const output = input.maxTokens ?? DEFAULT_OUTPUT_RESERVE;
  const bound = Math.max(0, input.errorBound);
  const need = Math.ceil(prompt * (1 + bound)) + Math.max(0, output);
  let numCtx = Math.max(MIN_NUM_CTX, Math.ceil(need / NUM_CTX_STEP) * NUM_CTX_STEP);
  const limit = input.contextLength;
  if (limit !== undefined && limit > 0) {
    const required = prompt + Math.max(0, input.maxTokens ?? 0);
    if (required > limit) {
      const model = input.model ? ` of ${input.model}` : "";
      throw new SwebenchError(
        "context_length",
        `The prompt (~${prompt} tokens) plus max tokens (${
          input.maxTokens ?? 0
        }) exceeds the context length${model} (${limit} tokens).`,
        { provider: input.provider, code: "context_length_exceeded" },
      );
    }
    numCtx = Math.min(numCtx, limit);
  }
  return numCtx;
}

// ---------------------------------------------------------------- responses

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

/**
 * An Ollama error message (`{"error": "..."}`, in a body or inside a 200 stream) -> `SwebenchError`:
 * "not found" -> model_not_found (with an `ollama pull` hint when the model is known), "context"/"too long" ->
 * context_length, "busy"/"overloaded" (or status 503) -> overloaded, another 4xx status -> invalid_request,
 * anything else -> server.
 *
 * @example
 * ```ts
 * import { ollamaErrorFromMessage } from "./codec.ts";
 * ollamaErrorFromMessage("model 'x' not found").kind; // "model_not_found"
 * ```
 */
export function ollamaErrorFromMessage(
  message: string,
  options: { model?: string; provider?: string; status?: number; body?: string } = {},
): SwebenchError {
  const lower = message.toLowerCase();
  const common = { provider: options.provider ?? "ollama", status: options.status, body: options.body };
  if (lower.includes("not found")) {
    const model = modelFromMessage(message) ?? options.model;
    return new SwebenchError("model_not_found", `Ollama: ${message}`, {
      ...common,
      hint: model ? pullHint(model) : undefined,
    });
  }
  if (
    lower.includes("context length") || lower.includes("context window") || lower.includes("too long") ||
    lower.includes("exceeds the context")
  ) {
    return new SwebenchError("context_length", `Ollama: ${message}`, common);
  }
  if (lower.includes("server busy") || lower.includes("overloaded") || options.status === 503) {
    return new SwebenchError("overloaded", `Ollama: ${message}`, common);
  }
  if (options.status !== undefined && options.status >= 400 && options.status < 500) {
    return new SwebenchError("invalid_request", `Ollama: ${message}`, common);
  }
  return new SwebenchError("server", `Ollama: ${message}`, common);
}

/**
 * The hint for a model that is not present locally.
 *
 * @example
 * ```ts
 * import { pullHint } from "./codec.ts";
 * pullHint("qwen2.5-coder:7b"); // "Run `ollama pull qwen2.5-coder:7b` (or `swebench provider pull qwen2.5-coder:7b`)."
 * ```
 */
export function pullHint(model: string): string {
  return `Run \`ollama pull ${model}\` (or \`swebench provider pull ${model}\`).`;
}

function modelFromMessage(message: string): string | undefined {
  const match = /model ['"]([^'"]+)['"]/.exec(message);
  return match?.[1];
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

// ---------------------------------------------------------------- model lists

/** Model details as `/api/tags`, `/api/ps` and `/api/show` report them. */
export interface OllamaModelDetails {
  /** `gguf`. */
  format?: string;
  /** `qwen3`, `llama`, ... */
  family?: string;
  /** `32.8B`. */
  parameterSize?: string;
  /** `Q4_K_M`. */
  quantization?: string;
}

function decodeDetails(value: unknown): OllamaModelDetails {
  const d = isRecord(value) ? value : {};
  const details: OllamaModelDetails = {};
  if (str(d.format)) details.format = str(d.format);
  if (str(d.family)) details.family = str(d.family);
  if (str(d.parameter_size)) details.parameterSize = str(d.parameter_size);
  if (str(d.quantization_level)) details.quantization = str(d.quantization_level);
  return details;
}

/** One locally available model (`/api/tags`). */
export interface OllamaTagModel {
  /** Model name (`qwen3:32b`). */
  name: string;
  /** Size on disk in bytes. */
  sizeBytes?: number;
  /** Last modification time (ISO 8601). */
  modifiedAt?: string;
  /** Content digest. */
  digest?: string;
  /** Family, parameter size, quantization. */
  details: OllamaModelDetails;
}

/**
 * `/api/tags` body -> local models.
 *
 * @example
 * ```ts
 * import { decodeOllamaTags } from "./codec.ts";
 * decodeOllamaTags({ models: [{ name: "qwen3:32b", size: 20201253829, details: { family: "qwen3" } }] });
 * // [{ name: "qwen3:32b", sizeBytes: 20201253829, details: { family: "qwen3" } }]
 * ```
 */
export function decodeOllamaTags(body: unknown): OllamaTagModel[] {
  const models = isRecord(body) && Array.isArray(body.models) ? body.models : [];
  const result: OllamaTagModel[] = [];
  for (const m of models) {
    if (!isRecord(m)) continue;
    const name = str(m.name) ?? str(m.model);
    if (name === undefined) continue;
    const model: OllamaTagModel = { name, details: decodeDetails(m.details) };
    if (num(m.size) !== undefined) model.sizeBytes = num(m.size);
    if (str(m.modified_at)) model.modifiedAt = str(m.modified_at);
    if (str(m.digest)) model.digest = str(m.digest);
    result.push(model);
  }
  return result;
}

/** One model loaded in memory (`/api/ps`). */
export interface OllamaRunningModel {
  /** Model name. */
  name: string;
  /** Memory used, in bytes. */
  sizeBytes: number;
  /** Of which in GPU memory, in bytes. */
  sizeVramBytes: number;
  /** The context length the model was loaded with. */
  contextLength?: number;
  /** When the model will be unloaded (ISO 8601). */
  expiresAt?: string;
  /** Family, parameter size, quantization. */
  details: OllamaModelDetails;
}

/**
 * `/api/ps` body -> loaded models.
 *
 * @example
 * ```ts
 * import { decodeOllamaPs } from "./codec.ts";
 * decodeOllamaPs({ models: [{ name: "qwen3:32b", size: 21579390080, size_vram: 21579390080, context_length: 4096 }] });
 * ```
 */
export function decodeOllamaPs(body: unknown): OllamaRunningModel[] {
  const models = isRecord(body) && Array.isArray(body.models) ? body.models : [];
  const result: OllamaRunningModel[] = [];
  for (const m of models) {
    if (!isRecord(m)) continue;
    const name = str(m.name) ?? str(m.model);
    if (name === undefined) continue;
    const model: OllamaRunningModel = {
      name,
      sizeBytes: num(m.size) ?? 0,
      sizeVramBytes: num(m.size_vram) ?? 0,
      details: decodeDetails(m.details),
    };
    if (num(m.context_length) !== undefined) model.contextLength = num(m.context_length);
    if (str(m.expires_at)) model.expiresAt = str(m.expires_at);
    result.push(model);
  }
  return result;
}

/** What `/api/show` says about a model. */
export interface OllamaModelShow {
  /** Trained context length (`model_info["<arch>.context_length"]`). */
  contextLength?: number;
  /** Model family. */
  family?: string;
  /** Parameter size (`32.8B`). */
  parameterSize?: string;
  /** Quantization level (`Q4_K_M`). */
  quantization?: string;
  /** Capabilities (`completion`, `tools`, `thinking`, ...). */
  capabilities?: string[];
}

/**
 * `/api/show` body -> context length (from `model_info["<general.architecture>.context_length"]`, else any
 * `*.context_length` key) and details.
 *
 * @example
 * ```ts
 * import { decodeOllamaShow } from "./codec.ts";
 * decodeOllamaShow({ model_info: { "general.architecture": "qwen2", "qwen2.context_length": 32768 } }).contextLength; // 32768
 * ```
 */
export function decodeOllamaShow(body: unknown): OllamaModelShow {
  const record = isRecord(body) ? body : {};
  const info = isRecord(record.model_info) ? record.model_info : {};
  const details = decodeDetails(record.details);
  const result: OllamaModelShow = {};
  const arch = str(info["general.architecture"]);
  let contextLength = arch === undefined ? undefined : num(info[`${arch}.context_length`]);
  if (contextLength === undefined) {
    for (const [key, value] of Object.entries(info)) {
      if (key.endsWith(".context_length") && num(value) !== undefined) {
        contextLength = num(value);
        break;
      }
    }
  }
  if (contextLength !== undefined && contextLength > 0) result.contextLength = contextLength;
  const family = details.family ?? arch;
  if (family !== undefined) result.family = family;
  if (details.parameterSize !== undefined) result.parameterSize = details.parameterSize;
  if (details.quantization !== undefined) result.quantization = details.quantization;
  if (Array.isArray(record.capabilities)) {
    result.capabilities = record.capabilities.filter((c): c is string => typeof c === "string");
  }
  return result;
}

/** One `/api/pull` progress line. */
export interface OllamaPullProgress {
  /** `pulling manifest`, `pulling <digest>`, `verifying sha256 digest`, `success`, ... */
  status: string;
  /** Bytes done of the current layer. */
  completed?: number;
  /** Bytes of the current layer. */
  total?: number;
  /** Layer digest. */
  digest?: string;
}

/**
 * One parsed `/api/pull` line -> progress; an `{"error": ...}` line throws the classified `SwebenchError`.
 *
 * @example
 * ```ts
 * import { decodeOllamaPullLine } from "./codec.ts";
 * decodeOllamaPullLine({ status: "pulling abc", digest: "sha256:abc", total: 100, completed: 40 });
 * ```
 */
export function decodeOllamaPullLine(line: unknown, options: { model?: string } = {}): OllamaPullProgress {
  if (!isRecord(line)) {
    throw new SwebenchError("server", "Ollama pull sent a line that is not a JSON object.", {
      provider: "ollama",
    });
  }
  if (line.error !== undefined) {
    const text = typeof line.error === "string" ? line.error : JSON.stringify(line.error);
    const lower = text.toLowerCase();
    if (lower.includes("does not exist") || lower.includes("not found")) {
      return throwPullNotFound(text, options.model);
    }
    throw ollamaErrorFromMessage(text, { model: options.model });
  }
  const progress: OllamaPullProgress = { status: str(line.status) ?? "" };
  if (num(line.completed) !== undefined) progress.completed = num(line.completed);
  if (num(line.total) !== undefined) progress.total = num(line.total);
  if (str(line.digest)) progress.digest = str(line.digest);
  return progress;
}

function throwPullNotFound(text: string, model: string | undefined): never {
  throw new SwebenchError("model_not_found", `Ollama could not pull ${model ?? "the model"}: ${text}`, {
    provider: "ollama",
    hint: "Check the model name on https://ollama.com/library (e.g. `qwen2.5-coder:7b`).",
  });
}

// ---------------------------------------------------------------- the kit codec (num_ctx prepare hook)

/** `/api/show` for the context length; model_not_found and transport failures propagate, other failures give undefined. */
async function showWith(
  transport: HttpTransport,
  model: string,
  call: CallOptions,
): Promise<OllamaModelShow | undefined> {
  try {
    const { body } = await transport.json(
      "/api/show",
      { method: "POST", body: { model } },
      call,
      "the /api/show answer",
    );
    return decodeOllamaShow(body);
  } catch (error) {
    const e = transport.named(error, call, { model });
    if (e.kind === "model_not_found" && /model/i.test(e.message)) throw e;
    if (["connection", "timeout", "interrupted", "permission", "authentication", "config"].includes(e.kind)) {
      throw e;
    }
    return undefined; // an old server, or a proxy without /api/show: size without a cap
  }
}

/** The model's context length from `/api/show`, cached per provider (successful lookups only). */
async function contextLengthOf(model: string, ctx: PrepareContext): Promise<number | undefined> {
  const key = `show:${model}`;
  let pending = ctx.memo.get(key) as Promise<OllamaModelShow | undefined> | undefined;
  const shared = pending !== undefined;
  if (pending === undefined) {
    pending = showWith(ctx.transport, model, ctx.call);
    ctx.memo.set(key, pending);
    // A failed lookup (or one that learnt nothing) is retried by the next call.
    pending.then((show) => show === undefined && ctx.memo.delete(key), () => ctx.memo.delete(key));
  }
  try {
    return (await pending)?.contextLength;
  } catch (error) {
    // Another call's lookup was aborted by that call's signal: look up again under our own.
    if (shared && isSwebenchError(error, "interrupted") && !ctx.call.signal?.aborted) {
      return (await showWith(ctx.transport, model, ctx.call))?.contextLength;
    }
    throw error;
  }
}

/**
 * The `num_ctx` to send (undefined when the request sets its own): the prompt estimate and max tokens, capped by
 * the model's context length from `/api/show`. Throws `context_length` before sending when the prompt cannot fit.
 *
 * @example
 * ```ts
 * import { prepareNumCtx } from "./codec.ts";
 * import type { PrepareContext } from "../kit/codec.ts";
 * declare const ctx: PrepareContext;
 * const numCtx = await prepareNumCtx({ model: "qwen2.5-coder:7b", prompt: "Fix it.", maxTokens: 512 }, ctx);
 * ```
 */
export async function prepareNumCtx(
  request: UnifiedRequest,
  ctx: PrepareContext,
): Promise<number | undefined> {
  const counter = await ctx.counter(request.model);
  const promptTokens = counter.countChat(ollamaMessages(request));
  const explicit = explicitNumCtx(request);
  if (explicit !== undefined) {
    // The caller chose the context; still refuse a prompt that would be truncated silently.
    sizeNumCtx({
      promptTokens,
      errorBound: 0,
      maxTokens: request.maxTokens,
      contextLength: explicit,
      model: `${request.model} (num_ctx set in the request)`,
      provider: ctx.provider,
    });
    return undefined;
  }
  const contextLength = await contextLengthOf(request.model, ctx);
  return sizeNumCtx({
    promptTokens,
    errorBound: counter.errorBound,
    maxTokens: request.maxTokens,
    contextLength,
    model: request.model,
    provider: ctx.provider,
  });
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
