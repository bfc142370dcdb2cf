/**
 * Pieces shared by the HTTP providers (`openai.ts`, `anthropic.ts`, `ollama.ts`) besides the transport
 * (`kit/transport.ts`): base-URL checks, body limits, and turning bodies that were read whole into stream events
 * or a unified response.
 *
 * @module
 */
import {
  type RateLimitSnapshot,
  type StreamEvent,
  SwebenchError,
  toSwebenchError,
  type UnifiedResponse,
} from "../../core/mod.ts";
import type { Redactor } from "../../http/auth.ts";
import { sniffingDecoder } from "../../http/event_pump.ts";
import { chainPushDecoders, type PushDecoder } from "../../http/push_decoder.ts";
import { createSseParser, type SseEvent } from "../../http/sse.ts";
import { priceOf } from "./collect.ts";
import type { CostFn } from "./options.ts";

/** A decoded answer before the provider adds its name and the latency. */
export type DecodedResponse = Omit<UnifiedResponse, "latencyMs" | "provider">;

/** Bytes of a success body allowed per token of max tokens (JSON escaping, one SSE envelope per token, pings). */
export const RESPONSE_BYTES_PER_TOKEN = 1024;
/** The least a success body may be, whatever the max tokens (16 MiB). */
export const RESPONSE_BYTES_FLOOR: number = 16 * 2 ** 20;
/** Max tokens assumed for a request without them. */
const TOKENS_WITHOUT_MAX = 32_768;

/**
 * The most a success body of a call with `maxTokens` may be: 1 KiB per token (a streamed token costs one SSE
 * envelope of 100-400 bytes; a whole answer's JSON escaping at most a few bytes per character), at least 16 MiB;
 * a call without max tokens is sized as 32,768 tokens. A larger body fails the call as a `server` error before it
 * is read whole (a 200 MB answer must not take gigabytes of memory).
 *
 * @example
 * ```ts
 * import { responseByteLimit } from "./whole_body.ts";
 * responseByteLimit(4096); // 16 MiB (the floor)
 * responseByteLimit(64_000); // 62.5 MiB
 * ```
 */
export function responseByteLimit(maxTokens: number | undefined): number {
  const tokens = maxTokens !== undefined && Number.isFinite(maxTokens) && maxTokens > 0
    ? maxTokens
    : TOKENS_WITHOUT_MAX;
  return Math.max(RESPONSE_BYTES_FLOOR, Math.ceil(tokens) * RESPONSE_BYTES_PER_TOKEN);
}

/**
 * The limits `eventPump` enforces on a streamed body: the idle timeout (keep-alives only), the byte cap of
 * {@linkcode responseByteLimit}, and the origin for messages.
 *
 * @example
 * ```ts
 * import { bodyLimits } from "./whole_body.ts";
 * bodyLimits({ idleTimeoutMs: 300_000 }, 4096, "https://api.openai.com/v1"); // { idleTimeoutMs: 300000, maxBytes: 16777216, origin: "https://api.openai.com" }
 * ```
 */
export function bodyLimits(
  fetchOptions: { idleTimeoutMs?: number },
  maxTokens: number | undefined,
  baseUrl: string,
): { idleTimeoutMs?: number; maxBytes: number; origin: string } {
  return {
    idleTimeoutMs: fetchOptions.idleTimeoutMs,
    maxBytes: responseByteLimit(maxTokens),
    origin: new URL(baseUrl).origin,
  };
}

/**
 * Check and normalise an HTTP base URL: whitespace and trailing slashes removed (and a trailing `/v1` when
 * `dropV1`). A URL that does not parse, is not http(s) or holds credentials is a `config` error.
 *
 * @example
 * ```ts
 * import { normalizeHttpBaseUrl } from "./whole_body.ts";
 * normalizeHttpBaseUrl(" http://127.0.0.1:8000/v1/ ", { name: "vllm", invalidHint: "", credentialsHint: "" });
 * // "http://127.0.0.1:8000/v1"
 * ```
 */
export function normalizeHttpBaseUrl(
  raw: string,
  options: { name: string; dropV1?: boolean; invalidHint: string; credentialsHint: string },
): string {
  const { name } = options;
  let trimmed = raw.trim().replace(/\/+$/, "");
  if (options.dropV1) trimmed = trimmed.replace(/\/v1$/, "");
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new SwebenchError("config", `${name}: invalid base URL ${JSON.stringify(trimmed)}.`, {
      provider: name,
      hint: options.invalidHint,
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    // "localhost:8000/v1" parses as the scheme "localhost:": name the missing http:// rather than that scheme.
    const schemeless = !/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed);
    throw new SwebenchError(
      "config",
      schemeless
        ? `${name}: the base URL ${JSON.stringify(trimmed)} has no http:// or https://`
        : `${name}: the base URL must be http(s), got ${url.protocol}`,
      { provider: name, hint: schemeless ? `Write it as http://${trimmed}` : options.invalidHint },
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new SwebenchError("config", `${name}: the base URL must not contain credentials.`, {
      provider: name,
      hint: options.credentialsHint,
    });
  }
  return trimmed;
}

/**
 * The error of a body that should be JSON and is not: an HTML page (a proxy's or captive portal's login page
 * answering 2xx) is {@linkcode htmlPageError}; anything else a `server` error.
 *
 * @example
 * ```ts
 * import { invalidJsonError } from "./whole_body.ts";
 * invalidJsonError({ name: "openai", what: "the response", text: "not json" }).message; // "openai: the response is not valid JSON."
 * invalidJsonError({ name: "openai", what: "the response", text: "<html>", status: 200 }).kind; // "html_page"
 * ```
 */
export function invalidJsonError(
  options: { name: string; what: string; text: string; status?: number; requestId?: string; hint?: string },
): SwebenchError {
  if (looksLikeHtml(options.text) && (options.status === undefined || options.status < 300)) {
    return htmlPageError({ ...options, status: options.status ?? 200 });
  }
  return new SwebenchError("server", `${options.name}: ${options.what} is not valid JSON.`, {
    provider: options.name,
    status: options.status,
    body: options.text.slice(0, 2048),
    requestId: options.requestId,
  });
}

/** The text starts (after a BOM and whitespace) with `<`: a web page, not an API's JSON or event stream. */
function looksLikeHtml(text: string): boolean {
  return /^\ufeff?\s*</.test(text);
}

/**
 * `JSON.parse`, a failure thrown as {@linkcode invalidJsonError}.
 *
 * @example
 * ```ts
 * import { parseJsonBody } from "./whole_body.ts";
 * parseJsonBody('{"ok":true}', { name: "ollama", what: "the response" });
 * ```
 */
export function parseJsonBody(
  text: string,
  options: { name: string; what: string; status?: number; requestId?: string },
): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidJsonError({ ...options, text });
  }
}

/**
 * An emitter that adds the request id and rate-limit snapshot to the start event (`emit` itself when there are none).
 *
 * @example
 * ```ts
 * import { withStartMeta } from "./whole_body.ts";
 * const emit = withStartMeta((e) => console.log(e), "req_1", undefined);
 * emit({ type: "start", model: "m" }); // { type: "start", model: "m", requestId: "req_1" }
 * ```
 */
export function withStartMeta(
  emit: (event: StreamEvent) => void,
  requestId: string | undefined,
  rateLimit: RateLimitSnapshot | undefined,
): (event: StreamEvent) => void {
  if (requestId === undefined && rateLimit === undefined) return emit;
  return (event: StreamEvent) => {
    if (event.type === "start") {
      event = { ...event };
      if (requestId !== undefined) event.requestId = requestId;
      if (rateLimit !== undefined) event.rateLimit = rateLimit;
    }
    emit(event);
  };
}

/**
 * A streamed body already read whole (and redacted) as decoded stream events; a decoder failure ends them with an
 * error event.
 *
 * @example
 * ```ts
 * import { createSseParser } from "../../http/sse.ts";
 * import { chainPushDecoders } from "../../http/push_decoder.ts";
 * import { createOpenAIEventDecoder } from "../openai/codec.ts";
 * import { textEvents } from "./whole_body.ts";
 * textEvents("data: [DONE]\n\n", (emit) =>
 *   chainPushDecoders((sse) => createSseParser(sse), createOpenAIEventDecoder(emit, { provider: "openai" })));
 * ```
 */
export function textEvents(
  text: string,
  decoderOf: (emit: (event: StreamEvent) => void) => PushDecoder<Uint8Array>,
): ReadableStream<StreamEvent> {
  const events: StreamEvent[] = [];
  const decoder = decoderOf((event) => events.push(event));
  try {
    decoder.push(new TextEncoder().encode(text));
    decoder.end();
  } catch (error) {
    events.push({ type: "error", error: toSwebenchError(error, "server") });
  }
  return ReadableStream.from(events);
}

/**
 * The bytes of an event-stream body, parsed as SSE and decoded to stream events by `events`.
 *
 * @example
 * ```ts
 * import { createOpenAIEventDecoder } from "../openai/codec.ts";
 * import { sseEventDecoder } from "./whole_body.ts";
 * const decoder = sseEventDecoder(createOpenAIEventDecoder((e) => console.log(e), { provider: "openai" }));
 * ```
 */
export function sseEventDecoder(
  events: PushDecoder<SseEvent>,
  progress?: () => void,
): PushDecoder<Uint8Array> {
  if (progress === undefined) return chainPushDecoders((sse) => createSseParser(sse), events);
  // Every event but a ping is data (a thinking delta too, which gives no unified event); comments are no events.
  const counted: PushDecoder<SseEvent> = {
    push(event) {
      if (event.event !== "ping") progress();
      events.push(event);
    },
    end: () => events.end(),
    get done() {
      return events.done;
    },
  };
  return chainPushDecoders((sse) => createSseParser(sse), counted);
}

/**
 * The decoder of a streamed response's body, decided by the body, not its label: an event stream goes through
 * `events` (an SSE event decoder); an HTML page emits the `html` error; a whole JSON answer (a server that ignored
 * `stream: true`) is decoded by `decodeWhole` and emitted as events (with the request id and rate limit), and an
 * answer that fails to decode (an error object) emits its error. Whole bodies are redacted first.
 *
 * @example
 * ```ts
 * import { createOpenAIEventDecoder, decodeOpenAIResponse } from "../openai/codec.ts";
 * import { SwebenchError } from "../../core/mod.ts";
 * import { sseOrWholeDecoder } from "./whole_body.ts";
 * const emit = (e: unknown) => console.log(e);
 * const decoder = sseOrWholeDecoder({
 *   emit,
 *   requestId: undefined,
 *   rateLimit: undefined,
 *   redact: (t) => t,
 *   events: () => createOpenAIEventDecoder(emit, { provider: "openai" }),
 *   html: (text) => new SwebenchError("server", text),
 *   decodeWhole: (text) => decodeOpenAIResponse(JSON.parse(text)),
 * });
 * ```
 */
export function sseOrWholeDecoder(options: {
  emit: (event: StreamEvent) => void;
  requestId: string | undefined;
  rateLimit: RateLimitSnapshot | undefined;
  redact: Redactor;
  events: () => PushDecoder<SseEvent>;
  html: (redacted: string) => SwebenchError;
  decodeWhole: (redacted: string) => DecodedResponse;
  /** Told about data that gives no unified event (see `eventPump`). */
  progress?: () => void;
}): PushDecoder<Uint8Array> {
  const { emit } = options;
  return sniffingDecoder({
    progress: options.progress,
    stream: () => sseEventDecoder(options.events(), options.progress),
    whole: (text, first) => {
      const redacted = options.redact(text);
      if (first === "<") {
        // A proxy, captive portal or web UI answered instead of the API.
        emit({ type: "error", error: options.html(redacted) });
        return;
      }
      // A whole answer (the server ignored `stream: true`) or an error body.
      let decoded: DecodedResponse;
      try {
        decoded = options.decodeWhole(redacted);
      } catch (error) {
        emit({ type: "error", error: toSwebenchError(error, "server") });
        return;
      }
      for (const event of wholeAsEvents(decoded, options.requestId, options.rateLimit)) emit(event);
    },
  });
}

/**
 * A web page instead of the API's answer. Answered with a success status (a proxy's login page, a captive portal,
 * a web UI at the base URL), it is kind `html_page`: the network or the base URL is wrong for every call, so the
 * run stops, nothing is retried and nothing is recorded as done. Answered with an error status, a `server` error.
 *
 * @example
 * ```ts
 * import { htmlPageError } from "./whole_body.ts";
 * const e = htmlPageError({ name: "openai", text: "<title>Login</title>", status: 200, hint: "check the base URL" });
 * e.kind; // "html_page"
 * ```
 */
export function htmlPageError(
  options: {
    name: string;
    text: string;
    status: number;
    requestId?: string;
    /** What else to check, in lower case, e.g. "check the base URL (it ends in /v1)". */
    hint?: string;
  },
): SwebenchError {
  const { name, text, status } = options;
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.replace(/\s+/g, " ").trim().slice(0, 200);
  const page = `an HTML page${title ? ` ("${title}")` : ""}`;
  if (status >= 200 && status < 300) {
    return new SwebenchError(
      "html_page",
      `${name}: got ${page} with status ${status} instead of the API's answer: a proxy or login page is in the way`,
      {
        provider: name,
        status,
        body: text.slice(0, 2048),
        requestId: options.requestId,
        hint:
          `Log in to the network (captive portal) or fix the proxy${
            options.hint ? `, or ${options.hint}` : ""
          }; ` +
          "then re-run the same command (nothing was recorded as done).",
      },
    );
  }
  return new SwebenchError("server", `${name}: the server answered ${status} with ${page}.`, {
    provider: name,
    status,
    body: text.slice(0, 2048),
    requestId: options.requestId,
    hint: options.hint,
  });
}

/**
 * A whole (non-streamed) answer to a stream request, as stream events: start (with the meta), text, usage, finish.
 *
 * @example
 * ```ts
 * import { emptyUsage } from "../../core/mod.ts";
 * import { wholeAsEvents } from "./whole_body.ts";
 * wholeAsEvents({ model: "m", content: "hi", finishReason: "stop", usage: emptyUsage() }, undefined, undefined);
 * ```
 */
export function wholeAsEvents(
  decoded: DecodedResponse,
  requestId: string | undefined,
  rateLimit: RateLimitSnapshot | undefined,
): StreamEvent[] {
  const start: StreamEvent = { type: "start", model: decoded.model };
  if (requestId !== undefined) start.requestId = requestId;
  if (rateLimit !== undefined) start.rateLimit = rateLimit;
  const events: StreamEvent[] = [start];
  if (decoded.content !== "") events.push({ type: "text-delta", text: decoded.content });
  events.push({ type: "usage", usage: decoded.usage });
  const finish: StreamEvent = {
    type: "finish",
    finishReason: decoded.finishReason,
    usage: decoded.usage,
    model: decoded.model,
  };
  if (decoded.rawFinishReason !== undefined) finish.rawFinishReason = decoded.rawFinishReason;
  events.push(finish);
  return events;
}

/**
 * The unified response of a decoded answer: the model (the request's when the answer names none), the provider,
 * the latency since `startedAt`, and the request id, rate limit and cost where known.
 *
 * @example
 * ```ts
 * import { emptyUsage } from "../../core/mod.ts";
 * import { unifiedResponse } from "./whole_body.ts";
 * const decoded = { model: "", content: "hi", finishReason: "stop" as const, usage: emptyUsage() };
 * unifiedResponse(decoded, { provider: "vllm", model: "qwen", startedAt: performance.now() });
 * ```
 */
export function unifiedResponse(
  decoded: DecodedResponse,
  options: {
    provider: string;
    model: string;
    startedAt: number;
    requestId?: string;
    rateLimit?: RateLimitSnapshot;
    cost?: CostFn;
  },
): UnifiedResponse {
  const latencyMs = Math.max(0, performance.now() - options.startedAt);
  const model = decoded.model || options.model;
  const result: UnifiedResponse = { ...decoded, model, provider: options.provider, latencyMs };
  if (options.requestId !== undefined) result.requestId = options.requestId;
  if (options.rateLimit !== undefined) result.rateLimit = options.rateLimit;
  const cost = priceOf(options.cost, model, decoded.usage);
  if (cost !== undefined) result.costUsd = cost;
  return result;
}
