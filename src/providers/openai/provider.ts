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
} from "../../core/mod.ts";
import { type AuthStrategy, bearerAuth, noAuth } from "../../http/auth.ts";
import { eventPump } from "../../http/event_pump.ts";
import type { FetchOptions, TimedResponse } from "../../http/fetch.ts";
import type { PushDecoder } from "../../http/push_decoder.ts";
import { looksLikeEventStream } from "../../http/sse.ts";
import { getTokenCounter } from "../../tokens/mod.ts";
import { collectStream } from "../kit/collect.ts";
import { createOpenAIEventDecoder, decodeOpenAIResponse, encodeOpenAIRequest } from "./codec.ts";
import {
  bodyLimits,
  htmlPageError,
  invalidJsonError,
  normalizeHttpBaseUrl,
  responseByteLimit,
  sseEventDecoder,
  sseOrWholeDecoder,
  textEvents,
  unifiedResponse,
  withStartMeta,
} from "../kit/whole_body.ts";
import { createHttpTransport, type HttpTransport } from "../kit/transport.ts";
import type { ProviderOptions } from "../kit/options.ts";

export * from "./codec.ts";

/** What to check when a web page answers instead of the API. */
const HTML_HINT = "check the base URL (OpenAI-compatible APIs end in /v1)";

/** The official API's base URL. */
export const OPENAI_DEFAULT_BASE_URL: string = "https://api.openai.com/v1";

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
  const name = options.name ?? "openai";
  const baseUrl = normalizeHttpBaseUrl(options.baseUrl ?? OPENAI_DEFAULT_BASE_URL, {
    name,
    invalidHint: "Use a full URL with /v1, e.g. http://127.0.0.1:8000/v1 (OPENAI_BASE_URL or --base-url).",
    credentialsHint: "Put the key in OPENAI_API_KEY (or `swebench provider init`), not in the URL.",
  });
  const official = new URL(baseUrl).hostname === "api.openai.com";
  const apiKey = options.apiKey?.trim() || undefined;
  const auth: AuthStrategy = apiKey === undefined ? noAuth() : bearerAuth(apiKey);
  const transport = createHttpTransport({
    name,
    baseUrl,
    auth: {
      ...(options.organization ? { "OpenAI-Organization": options.organization } : {}),
      ...(options.project ? { "OpenAI-Project": options.project } : {}),
      ...auth.headers(),
    },
    secrets: auth.secrets(),
    headers: options.headers,
    accept: { stream: "text/event-stream", other: "application/json" },
    fetch: options.fetch,
    timeouts: options.timeouts,
    connectionHint: official
      ? undefined
      : `Is the server at ${baseUrl} running? OpenAI-compatible base URLs usually end in /v1.`,
  });
  const redactSecrets = transport.redact;
  const fetchOptions = (call: CallOptions): FetchOptions => transport.fetchOptions(call);

  const requireKey = (): void => {
    if (official && apiKey === undefined) {
      throw new SwebenchError("config", `${name}: no API key for ${baseUrl}: set OPENAI_API_KEY.`, {
        provider: name,
        hint: "Export OPENAI_API_KEY, or run `swebench provider init openai` to store a key.",
      });
    }
  };

  const named = (error: unknown, fallback: "connection" | "server" = "connection"): SwebenchError =>
    transport.named(error, {}, { fallback });
  /** A failure as the caller sees it: a caller abort is `interrupted`, whatever the transport made of it. */
  const failure = (error: unknown, call: CallOptions): SwebenchError => transport.named(error, call);

  const post = async (
    request: UnifiedRequest,
    stream: boolean,
    call: CallOptions,
    signal?: AbortSignal,
  ): Promise<TimedResponse> => {
    requireKey();
    const body = encodeOpenAIRequest(request, { stream });
    return await transport.open(
      "/chat/completions",
      stream ? { method: "POST", body, accept: "stream", signal } : { method: "POST", body, whole: true },
      call,
    );
  };

  /**
   * The decoder of a streamed response's body. The body, not its label, decides: servers and proxies send event
   * streams as `application/json` or `application/x-ndjson`, whole completions or `{"error": ...}` as
   * `text/event-stream`, login pages as 200.
   */
  const bodyDecoder = (
    response: Response,
    emit: (event: StreamEvent) => void,
    progress?: () => void,
  ): PushDecoder<Uint8Array> => {
    const requestId = transport.requestId(response.headers);
    const rateLimit = transport.rateLimit(response.headers);
    // The start event gets the request id and rate-limit snapshot of the headers.
    const withMeta = withStartMeta(emit, requestId, rateLimit);
    return sseOrWholeDecoder({
      emit,
      requestId,
      rateLimit,
      redact: redactSecrets,
      progress,
      events: () => createOpenAIEventDecoder(withMeta, { provider: name }),
      html: (redacted) =>
        htmlPageError({ name, text: redacted, status: response.status, requestId, hint: HTML_HINT }),
      // A whole completion (the server ignored `stream: true`) or an error object.
      decodeWhole: (redacted) => decodeOpenAIResponse(JSON.parse(redacted)),
    });
  };

  /** The events of a response: read and decoded in the stream's own pulls. */
  const eventsOf = (
    open: (signal: AbortSignal) => Promise<TimedResponse>,
    call: CallOptions,
    maxTokens: number | undefined,
  ): ReadableStream<StreamEvent> =>
    eventPump({
      provider: name,
      open,
      decoder: bodyDecoder,
      toError: (error) => failure(error, call),
      ...bodyLimits(fetchOptions(call), maxTokens, baseUrl),
    });

  const provider: Provider = {
    name,
    kind: "openai",
    baseUrl,

    async generate(request: UnifiedRequest, call: CallOptions = {}): Promise<UnifiedResponse> {
      const started = performance.now();
      const collect = (events: ReadableStream<StreamEvent>): Promise<UnifiedResponse> =>
        collectStream(events, {
          provider: name,
          model: request.model,
          startedAt: started,
          cost: options.cost,
        });
      if (request.stream) {
        return await collect(provider.stream(request, call));
      }
      try {
        const timed = await post(request, false, call);
        const response = timed.response;
        const type = response.headers.get("content-type") ?? "";
        if (/event-stream/i.test(type)) {
          return await collect(eventsOf(() => Promise.resolve(timed), call, request.maxTokens));
        }
        const text = redactSecrets(await timed.text(responseByteLimit(request.maxTokens)));
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          if (looksLikeEventStream(text)) {
            // A proxy that always streams, labelling the event stream as JSON.
            return await collect(sseTextEvents(text, name, transport, response.headers));
          }
          throw invalidJsonError({
            name,
            what: "the response",
            text,
            status: response.status,
            requestId: transport.requestId(response.headers),
            hint: HTML_HINT,
          });
        }
        const decoded = decodeOpenAIResponse(json);
        return unifiedResponse(decoded, {
          provider: name,
          model: request.model,
          startedAt: started,
          requestId: transport.requestId(response.headers),
          rateLimit: transport.rateLimit(response.headers),
          cost: options.cost,
        });
      } catch (error) {
        throw failure(error, call);
      }
    },

    stream(request: UnifiedRequest, call: CallOptions = {}): ReadableStream<StreamEvent> {
      return eventsOf((signal) => post(request, true, call, signal), call, request.maxTokens);
    },

    async listModels(call: CallOptions = {}): Promise<ModelInfo[]> {
      try {
        requireKey();
        const { body } = await transport.json("/models", { method: "GET" }, call, "the model list");
        return decodeOpenAIModelList(body);
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
 * import { decodeOpenAIModelList } from "./provider.ts";
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

/** A whole event-stream body (already read and redacted) as decoded stream events, the start event with meta. */
function sseTextEvents(
  text: string,
  name: string,
  transport: HttpTransport,
  headers: Headers,
): ReadableStream<StreamEvent> {
  const requestId = transport.requestId(headers);
  const rateLimit = transport.rateLimit(headers);
  return textEvents(
    text,
    (emit) =>
      sseEventDecoder(
        createOpenAIEventDecoder(withStartMeta(emit, requestId, rateLimit), { provider: name }),
      ),
  );
}
