/**
 * The OpenAI provider: Chat Completions over HTTP, for api.openai.com and every OpenAI-compatible server
 * (vLLM, llama.cpp server, LM Studio, OpenRouter, Ollama's `/v1`). The wire format lives in the pure codecs of
 * `openai_codec.ts` (re-exported here); this module is the thin transport around them.
 *
 * @module
 */
import {
  type CallOptions,
  type ModelInfo,
  type Provider,
  type StreamEvent,
  SwebenchError,
  type TokenCount,
  toSwebenchError,
  type UnifiedRequest,
  type UnifiedResponse,
} from "../core/mod.ts";
import { type AuthStrategy, bearerAuth, createRedactor, noAuth } from "../http/auth.ts";
import { eventPump, sniffingDecoder } from "../http/event_pump.ts";
import { type FetchOptions, fetchTimed, type TimedResponse } from "../http/fetch.ts";
import { chainPushDecoders, type PushDecoder } from "../http/push_decoder.ts";
import { parseRateLimitHeaders } from "../http/rate_limit_headers.ts";
import { createSseParser, looksLikeEventStream } from "../http/sse.ts";
import { errorFromResponse } from "../http/status.ts";
import { getTokenCounter } from "../tokens/mod.ts";
import { collectStream, priceOf } from "./collect.ts";
import { createOpenAIEventDecoder, decodeOpenAIResponse, encodeOpenAIRequest } from "./openai_codec.ts";
import type { ProviderOptions } from "./types.ts";

export * from "./openai_codec.ts";

/** The official API's base URL. */
export const OPENAI_DEFAULT_BASE_URL: string = "https://api.openai.com/v1";

/**
 * Options of {@linkcode createOpenAIProvider}.
 *
 * @example
 * ```ts
 * import type { OpenAIProviderOptions } from "./openai.ts";
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

/** Header names whose values are credentials (redacted from errors like the API key). */
const SECRET_HEADER = /authorization|api[-_]?key|token|secret|cookie/i;

/**
 * Create the OpenAI provider. A key is required for api.openai.com (a call without one fails with kind
 * `config` before any request); other base URLs (local servers) may run without one.
 *
 * @example
 * ```ts
 * import { createOpenAIProvider } from "./openai.ts";
 * const vllm = createOpenAIProvider({ name: "vllm", baseUrl: "http://127.0.0.1:8000/v1" });
 * const r = await vllm.generate({ model: "Qwen/Qwen2.5-Coder-7B-Instruct", prompt: "Say hi", maxTokens: 16 });
 * console.log(r.content, r.usage.totalTokens, r.latencyMs);
 * ```
 */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): Provider {
  const name = options.name ?? "openai";
  const baseUrl = normalizeBaseUrl(options.baseUrl ?? OPENAI_DEFAULT_BASE_URL, name);
  const official = new URL(baseUrl).hostname === "api.openai.com";
  const apiKey = options.apiKey?.trim() || undefined;
  const auth: AuthStrategy = apiKey === undefined ? noAuth() : bearerAuth(apiKey);
  const userHeaders = options.headers ?? {};
  const secrets = [
    ...auth.secrets(),
    ...Object.entries(userHeaders).filter(([k]) => SECRET_HEADER.test(k)).flatMap((
      [, v],
    ) => [v, v.replace(/^\s*bearer\s+/i, "")]),
  ].filter((s) => s.length >= 4);
  const redactSecrets = createRedactor(secrets);
  const connectionHint = official
    ? undefined
    : `Is the server at ${baseUrl} running? OpenAI-compatible base URLs usually end in /v1.`;

  // The request headers, built once: one set per kind of request.
  const headers = (accept: string, json: boolean): Readonly<Record<string, string>> => {
    const h = new Headers(userHeaders);
    if (options.organization) h.set("OpenAI-Organization", options.organization);
    if (options.project) h.set("OpenAI-Project", options.project);
    for (const [k, v] of Object.entries(auth.headers())) h.set(k, v);
    h.set("Accept", accept);
    if (json) h.set("Content-Type", "application/json");
    return Object.freeze(Object.fromEntries(h));
  };
  const streamHeaders = headers("text/event-stream", true);
  const plainHeaders = headers("application/json", true);
  const listHeaders = headers("application/json", false);
  const chatUrl = `${baseUrl}/chat/completions`;

  const baseFetchOptions: FetchOptions = {
    ...options.timeouts,
    provider: name,
    connectionHint,
    fetch: options.fetch,
    secrets,
  };
  const fetchOptions = (call: CallOptions): FetchOptions => withCall(baseFetchOptions, call);

  const requireKey = (): void => {
    if (official && apiKey === undefined) {
      throw new SwebenchError("config", `${name}: no API key for ${baseUrl}: set OPENAI_API_KEY.`, {
        provider: name,
        hint: "Export OPENAI_API_KEY, or run `swebench provider init openai` to store a key.",
      });
    }
  };

  const named = (error: unknown, fallback: "connection" | "server" = "connection"): SwebenchError => {
    const e = toSwebenchError(error, fallback);
    const message = redactSecrets(e.message);
    const hint = redactSecrets(e.hint);
    const body = e.body === undefined ? undefined : redactSecrets(e.body);
    if (e.provider !== undefined && message === e.message && hint === e.hint && body === e.body) return e;
    return new SwebenchError(e.kind, message, {
      hint,
      status: e.status,
      provider: e.provider ?? name,
      code: e.code,
      body,
      retryAfterMs: e.retryAfterMs,
      requestId: e.requestId,
      cause: e.cause,
    });
  };
  /** A failure as the caller sees it: a caller abort is `interrupted`, whatever the transport made of it. */
  const failure = (error: unknown, call: CallOptions): SwebenchError =>
    named(call.signal?.aborted && !(error instanceof SwebenchError) ? interrupted(name) : error);

  const post = async (
    request: UnifiedRequest,
    stream: boolean,
    call: CallOptions,
    signal?: AbortSignal,
  ): Promise<TimedResponse> => {
    requireKey();
    const body = JSON.stringify(encodeOpenAIRequest(request, { stream }));
    const timed = await fetchTimed(
      chatUrl,
      { method: "POST", headers: stream ? streamHeaders : plainHeaders, body, signal },
      fetchOptions(call),
    );
    if (!timed.response.ok) {
      throw await errorFromResponse(timed.toResponse(), { provider: name, secrets });
    }
    return timed;
  };

  /**
   * The decoder of a streamed response's body. The body, not its label, decides: servers and proxies send event
   * streams as `application/json` or `application/x-ndjson`, whole completions or `{"error": ...}` as
   * `text/event-stream`, login pages as 200.
   */
  const bodyDecoder = (response: Response, emit: (event: StreamEvent) => void): PushDecoder<Uint8Array> => {
    const requestId = requestIdOf(response.headers);
    const rateLimit = parseRateLimitHeaders(response.headers);
    // The start event gets the request id and rate-limit snapshot of the headers.
    const withMeta = requestId === undefined && rateLimit === undefined ? emit : (event: StreamEvent) => {
      if (event.type === "start") {
        event = { ...event };
        if (requestId !== undefined) event.requestId = requestId;
        if (rateLimit !== undefined) event.rateLimit = rateLimit;
      }
      emit(event);
    };
    return sniffingDecoder({
      stream: () =>
        chainPushDecoders(
          (events) => createSseParser(events),
          createOpenAIEventDecoder(withMeta, { provider: name }),
        ),
      whole: (text, first) => {
        const redacted = redactSecrets(text);
        if (first === "<") {
          // A proxy, captive portal or web UI answered instead of the API.
          emit({ type: "error", error: htmlError(redacted, response, name) });
          return;
        }
        // A whole completion (the server ignored `stream: true`) or an error object.
        let decoded: ReturnType<typeof decodeOpenAIResponse>;
        try {
          decoded = decodeOpenAIResponse(JSON.parse(redacted));
        } catch (error) {
          emit({ type: "error", error: toSwebenchError(error, "server") });
          return;
        }
        for (const event of wholeAsEvents(decoded, requestId, rateLimit)) emit(event);
      },
    });
  };

  /** The events of a response: read and decoded in the stream's own pulls. */
  const eventsOf = (
    open: (signal: AbortSignal) => Promise<TimedResponse>,
    call: CallOptions,
  ): ReadableStream<StreamEvent> =>
    eventPump({ provider: name, open, decoder: bodyDecoder, toError: (error) => failure(error, call) });

  const provider: Provider = {
    name,
    kind: "openai",
    baseUrl,

    async generate(request: UnifiedRequest, call: CallOptions = {}): Promise<UnifiedResponse> {
      const started = performance.now();
      if (request.stream) {
        return await collectStream(provider.stream(request, call), {
          provider: name,
          model: request.model,
          startedAt: started,
          cost: options.cost,
        });
      }
      try {
        const timed = await post(request, false, call);
        const response = timed.response;
        const type = response.headers.get("content-type") ?? "";
        if (/event-stream/i.test(type)) {
          return await collectStream(eventsOf(() => Promise.resolve(timed), call), {
            provider: name,
            model: request.model,
            startedAt: started,
            cost: options.cost,
          });
        }
        const text = redactSecrets(await timed.text());
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          if (looksLikeEventStream(text)) {
            // A proxy that always streams, labelling the event stream as JSON.
            return await collectStream(sseTextEvents(text, name, response.headers), {
              provider: name,
              model: request.model,
              startedAt: started,
              cost: options.cost,
            });
          }
          throw new SwebenchError("server", `${name}: the response is not valid JSON.`, {
            provider: name,
            status: response.status,
            body: text.slice(0, 2048),
            requestId: requestIdOf(response.headers),
          });
        }
        const decoded = decodeOpenAIResponse(json);
        const latencyMs = Math.max(0, performance.now() - started);
        const model = decoded.model || request.model;
        const result: UnifiedResponse = { ...decoded, model, provider: name, latencyMs };
        const requestId = requestIdOf(response.headers);
        if (requestId !== undefined) result.requestId = requestId;
        const rateLimit = parseRateLimitHeaders(response.headers);
        if (rateLimit !== undefined) result.rateLimit = rateLimit;
        const cost = priceOf(options.cost, model, decoded.usage);
        if (cost !== undefined) result.costUsd = cost;
        return result;
      } catch (error) {
        throw failure(error, call);
      }
    },

    stream(request: UnifiedRequest, call: CallOptions = {}): ReadableStream<StreamEvent> {
      return eventsOf((signal) => post(request, true, call, signal), call);
    },

    async listModels(call: CallOptions = {}): Promise<ModelInfo[]> {
      try {
        requireKey();
        const timed = await fetchTimed(
          `${baseUrl}/models`,
          { method: "GET", headers: listHeaders },
          fetchOptions(call),
        );
        if (!timed.response.ok) {
          throw await errorFromResponse(timed.toResponse(), { provider: name, secrets });
        }
        const text = redactSecrets(await timed.text());
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new SwebenchError("server", `${name}: the model list is not valid JSON.`, {
            provider: name,
            body: text.slice(0, 2048),
          });
        }
        return decodeOpenAIModelList(json);
      } catch (error) {
        throw failure(error, call);
      }
    },
  };

  const tokenCounter = options.tokenCounter ?? getTokenCounter;
  provider.countTokens = async (request: UnifiedRequest): Promise<TokenCount> => {
    try {
      const counter = await tokenCounter(request.model);
      const messages = encodeOpenAIRequest(request).messages as { role: string; content: string }[];
      const tokens = counter.countChat(messages);
      // Exact when the tokenizer is the model's own (OpenAI models); otherwise an estimate with its bound.
      return counter.exact
        ? { tokens, method: "exact", errorBound: 0 }
        : { tokens, method: "estimate", errorBound: counter.errorBound };
    } catch (error) {
      throw named(toSwebenchError(error, "unexpected"));
    }
  };
  return provider;
}

/**
 * Decode a `/models` list (`{"data": [...]}` or a bare array): ids, and where the server says so the context
 * window (OpenRouter `context_length`, vLLM `max_model_len`), a display name and the creation time.
 *
 * @example
 * ```ts
 * import { decodeOpenAIModelList } from "./openai.ts";
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

/** Trailing slashes removed; a URL with credentials or a non-HTTP scheme is a config error. */
function normalizeBaseUrl(raw: string, name: string): string {
  const trimmed = raw.trim().replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new SwebenchError("config", `${name}: invalid base URL ${JSON.stringify(trimmed)}.`, {
      provider: name,
      hint: "Use a full URL with /v1, e.g. http://127.0.0.1:8000/v1 (OPENAI_BASE_URL or --base-url).",
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SwebenchError("config", `${name}: the base URL must be http(s), got ${url.protocol}`, {
      provider: name,
    });
  }
  if (url.username !== "" || url.password !== "") {
    throw new SwebenchError("config", `${name}: the base URL must not contain credentials.`, {
      provider: name,
      hint: "Put the key in OPENAI_API_KEY (or `swebench provider init`), not in the URL.",
    });
  }
  return trimmed;
}

function requestIdOf(headers: Headers): string | undefined {
  return headers.get("x-request-id") ?? headers.get("request-id") ?? undefined;
}

function interrupted(name: string): SwebenchError {
  return new SwebenchError("interrupted", `${name}: the call was aborted.`, { provider: name });
}

/** The provider's fetch options with the call's own (defined) options over them. */
function withCall(base: FetchOptions, call: CallOptions): FetchOptions {
  const out: FetchOptions = { ...base };
  for (const key in call) {
    const value = call[key as keyof CallOptions];
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/** A whole event-stream body (already read and redacted) as decoded stream events, the start event with meta. */
function sseTextEvents(text: string, name: string, headers: Headers): ReadableStream<StreamEvent> {
  const requestId = requestIdOf(headers);
  const rateLimit = parseRateLimitHeaders(headers);
  const events: StreamEvent[] = [];
  const decoder = chainPushDecoders(
    (sse) => createSseParser(sse),
    createOpenAIEventDecoder((event) => {
      if (event.type === "start") {
        event = { ...event };
        if (requestId !== undefined) event.requestId = requestId;
        if (rateLimit !== undefined) event.rateLimit = rateLimit;
      }
      events.push(event);
    }, { provider: name }),
  );
  try {
    decoder.push(new TextEncoder().encode(text));
    decoder.end();
  } catch (error) {
    events.push({ type: "error", error: toSwebenchError(error, "server") });
  }
  return ReadableStream.from(events);
}

/** A 200 HTML page (proxy login, captive portal, a web UI at the base URL) instead of the API's answer. */
function htmlError(text: string, response: Response, name: string): SwebenchError {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.replace(/\s+/g, " ").trim().slice(0, 200);
  return new SwebenchError(
    "server",
    `${name}: the server answered ${response.status} with an HTML page${
      title ? ` ("${title}")` : ""
    }, not an event stream.`,
    {
      provider: name,
      status: response.status,
      body: text.slice(0, 2048),
      requestId: requestIdOf(response.headers),
      hint:
        "A proxy, captive portal or web UI answered: check the base URL (OpenAI-compatible APIs end in /v1).",
    },
  );
}

/** A whole (non-streamed) completion answered to a stream request, as stream events. */
function wholeAsEvents(
  decoded: ReturnType<typeof decodeOpenAIResponse>,
  requestId: string | undefined,
  rateLimit: ReturnType<typeof parseRateLimitHeaders>,
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
