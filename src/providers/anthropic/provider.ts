/**
 * The Anthropic provider: the Messages API (plain and streamed), the model list and `count_tokens`, over HTTP.
 * The wire format lives in the pure codecs of `anthropic_codec.ts` (re-exported here); this module is the thin
 * transport around them.
 *
 * @module
 */
import {
  type CallOptions,
  type ModelInfo,
  type Provider,
  type RateLimitSnapshot,
  type StreamEvent,
  SwebenchError,
  type TokenCount,
  toSwebenchError,
  type UnifiedRequest,
  type UnifiedResponse,
} from "../../core/mod.ts";
import { anthropicAuth } from "../../http/auth.ts";
import { eventPump } from "../../http/event_pump.ts";
import type { TimedResponse } from "../../http/fetch.ts";
import type { PushDecoder } from "../../http/push_decoder.ts";
import { looksLikeEventStream } from "../../http/sse.ts";
import { getTokenCounter, requestMessages } from "../../tokens/mod.ts";
import { createAnthropicEventDecoder, decodeAnthropicResponse, encodeAnthropicRequest } from "./codec.ts";
import { collectStream } from "../kit/collect.ts";
import {
  bodyLimits,
  htmlPageError,
  normalizeHttpBaseUrl,
  responseByteLimit,
  sseEventDecoder,
  sseOrWholeDecoder,
  textEvents,
  unifiedResponse,
} from "../kit/whole_body.ts";
import { createHttpTransport } from "../kit/transport.ts";
import type { ProviderOptions } from "../kit/options.ts";

export * from "./codec.ts";

/** The official API's base URL (without `/v1`, as `ANTHROPIC_BASE_URL`). */
export const ANTHROPIC_DEFAULT_BASE_URL: string = "https://api.anthropic.com";

/** The `anthropic-version` header sent by default. */
export const ANTHROPIC_DEFAULT_VERSION: string = "2023-06-01";

/** Most pages `listModels` follows (`after_id` pagination), so a misbehaving server cannot loop it forever. */
const MAX_MODEL_PAGES = 50;

/** Most exact counts kept per provider (oldest dropped first). */
const COUNT_CACHE_LIMIT = 10_000;

/**
 * Options of {@linkcode createAnthropicProvider}.
 *
 * @example
 * ```ts
 * import type { AnthropicProviderOptions } from "./provider.ts";
 * const options: AnthropicProviderOptions = {
 *   apiKey: Deno.env.get("ANTHROPIC_API_KEY"),
 *   beta: "extended-cache-ttl-2025-04-11",
 * };
 * ```
 */
export interface AnthropicProviderOptions extends ProviderOptions {
  /** `anthropic-version` header (default {@linkcode ANTHROPIC_DEFAULT_VERSION}). */
  version?: string;
  /** `anthropic-beta` header (comma-separated beta names). */
  beta?: string;
}

/**
 * The Anthropic provider: a {@linkcode Provider} whose `listModels` and `countTokens` are always present.
 *
 * @example
 * ```ts
 * import { type AnthropicProvider, createAnthropicProvider } from "./provider.ts";
 * const p: AnthropicProvider = createAnthropicProvider({ apiKey: Deno.env.get("ANTHROPIC_API_KEY") });
 * const n = await p.countTokens({ model: "claude-sonnet-4-5", prompt: "hello" });
 * ```
 */
export interface AnthropicProvider extends Provider {
  /** The live model list (`GET /v1/models`, all pages). */
  listModels(options?: CallOptions): Promise<ModelInfo[]>;
  /**
   * Prompt tokens of a request: exact from `POST /v1/messages/count_tokens` (cached per SHA-256 of model, system
   * and prompt), or an offline estimate with its error bound when there is no key or no network.
   */
  countTokens(request: UnifiedRequest, options?: CallOptions): Promise<TokenCount>;
}

/**
 * Normalise an Anthropic base URL: whitespace and trailing slashes removed, and a trailing `/v1` dropped (the
 * vendor convention is a base URL without it; the provider appends `/v1/...` itself). A URL that is not http(s)
 * or holds credentials is a `config` error.
 *
 * @example
 * ```ts
 * import { normalizeAnthropicBaseUrl } from "./provider.ts";
 * normalizeAnthropicBaseUrl("https://proxy.example.com/anthropic/v1/"); // "https://proxy.example.com/anthropic"
 * ```
 */
export function normalizeAnthropicBaseUrl(raw: string, name = "anthropic"): string {
  return normalizeHttpBaseUrl(raw, {
    name,
    dropV1: true,
    invalidHint:
      "Use a full URL without /v1, e.g. https://api.anthropic.com (ANTHROPIC_BASE_URL or --base-url).",
    credentialsHint:
      "Put the key in ANTHROPIC_API_KEY (or `swebench provider init anthropic`), not in the URL.",
  });
}

/**
 * Decode one page of `GET /v1/models` (`{"data":[{id, display_name, created_at, max_input_tokens}], has_more,
 * last_id}`).
 *
 * @example
 * ```ts
 * import { decodeAnthropicModelPage } from "./provider.ts";
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

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Create the Anthropic provider. The base URL defaults to {@linkcode ANTHROPIC_DEFAULT_BASE_URL} (without `/v1`;
 * one passed with `/v1` is not doubled). A key is required for the official API: a call without one fails with
 * kind `config` naming `ANTHROPIC_API_KEY` before any request (`countTokens` then estimates offline); other base
 * URLs (proxies, simulators) may run without one. The key is sent only in the `x-api-key` header.
 *
 * @example
 * ```ts
 * import { createAnthropicProvider } from "./provider.ts";
 * const anthropic = createAnthropicProvider({ apiKey: Deno.env.get("ANTHROPIC_API_KEY") });
 * const r = await anthropic.generate({ model: "claude-sonnet-4-5", prompt: "Say hi", maxTokens: 16 });
 * console.log(r.content, r.usage, r.requestId);
 * ```
 */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): AnthropicProvider {
  const name = options.name ?? "anthropic";
  const baseUrl = normalizeAnthropicBaseUrl(options.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL, name);
  const official = new URL(baseUrl).hostname === "api.anthropic.com";
  const apiKey = options.apiKey?.trim() || undefined;
  const transport = createHttpTransport({
    name,
    baseUrl,
    auth: apiKey === undefined
      ? {
        "anthropic-version": options.version ?? ANTHROPIC_DEFAULT_VERSION,
        ...(options.beta ? { "anthropic-beta": options.beta } : {}),
      }
      : anthropicAuth(apiKey, { version: options.version ?? ANTHROPIC_DEFAULT_VERSION, beta: options.beta })
        .headers(),
    secrets: apiKey === undefined ? [] : [apiKey],
    headers: options.headers,
    accept: { stream: "text/event-stream", other: "application/json" },
    fetch: options.fetch,
    timeouts: options.timeouts,
    connectionHint: official ? undefined : `Is the server at ${baseUrl} running? (The base URL has no /v1.)`,
    errors: { requestIdHeaders: ["request-id", "x-request-id"] },
  });
  const redactSecrets = transport.redact;
  const requestIdOf = transport.requestId;

  const missingKey = (): boolean => official && apiKey === undefined;
  const requireKey = (): void => {
    if (missingKey()) {
      throw new SwebenchError("config", `${name}: no API key for ${baseUrl}: set ANTHROPIC_API_KEY.`, {
        provider: name,
        hint: "Export ANTHROPIC_API_KEY, or run `swebench provider init anthropic` to store a key.",
      });
    }
  };

  /** Any failure -> SwebenchError with the provider name, secrets redacted; a caller abort -> interrupted. */
  const named = (
    error: unknown,
    call: CallOptions = {},
    fallback: "connection" | "server" = "connection",
  ): SwebenchError => transport.named(error, call, { fallback });

  const send = (
    path: string,
    init: {
      method: "GET" | "POST";
      body?: unknown;
      accept?: "stream";
      signal?: AbortSignal;
      whole?: boolean;
    },
    call: CallOptions,
  ): Promise<TimedResponse> => transport.open(path, init, call);

  const readJson = async (timed: TimedResponse, what: string): Promise<unknown> =>
    parseJson(redactSecrets(await timed.text()), timed.response, what);

  const parseJson = (text: string, response: Response, what: string): unknown =>
    transport.parse(text, response, what);

  /**
   * The decoder of a streamed response's body (or of a whole message a server sent instead). The body, not its
   * label, decides: proxies send event streams as `application/json`, whole messages or `{"type":"error"}` bodies
   * as `text/event-stream`, login pages as 200.
   */
  const bodyDecoder = (
    response: Response,
    emit: (event: StreamEvent) => void,
    progress?: () => void,
  ): PushDecoder<Uint8Array> => {
    const requestId = requestIdOf(response.headers);
    const rateLimit = transport.rateLimit(response.headers);
    return sseOrWholeDecoder({
      emit,
      requestId,
      rateLimit,
      redact: redactSecrets,
      progress,
      events: () => createAnthropicEventDecoder(emit, { provider: name, requestId, rateLimit }),
      html: (redacted) => htmlError(redacted, response, requestId),
      // A whole message (the server ignored `stream: true`) or an error body.
      decodeWhole: (redacted) => decodeAnthropicResponse(parseJson(redacted, response, "the response")),
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
      toError: (error) => named(error, call),
      ...bodyLimits(transport.fetchOptions(call), maxTokens, baseUrl),
    });

  /** An event-stream body already read (and redacted) as decoded events. */
  const sseTextEvents = (
    text: string,
    requestId: string | undefined,
    rateLimit: RateLimitSnapshot | undefined,
  ): ReadableStream<StreamEvent> =>
    textEvents(
      text,
      (emit) => sseEventDecoder(createAnthropicEventDecoder(emit, { provider: name, requestId, rateLimit })),
    );

  const htmlError = (text: string, response: Response, requestId: string | undefined): SwebenchError =>
    htmlPageError({
      name,
      text,
      status: response.status,
      requestId,
      hint: "check the base URL (ANTHROPIC_BASE_URL has no /v1)",
    });

  const countCache = new Map<string, Promise<number>>();

  const exactCount = async (request: UnifiedRequest, call: CallOptions): Promise<number> => {
    const body: Record<string, unknown> = {
      model: request.model,
      messages: [{ role: "user", content: request.prompt }],
    };
    if (request.system !== undefined && request.system !== "") body.system = request.system;
    const timed = await send("/v1/messages/count_tokens", { method: "POST", body }, call);
    const json = await readJson(timed, "the token count");
    const tokens = (json as { input_tokens?: unknown } | null)?.input_tokens;
    if (typeof tokens !== "number" || !Number.isFinite(tokens) || tokens < 0) {
      throw new SwebenchError("server", `${name}: the token count has no input_tokens.`, {
        provider: name,
        body: JSON.stringify(json)?.slice(0, 2048),
      });
    }
    return tokens;
  };

  const estimate = async (request: UnifiedRequest): Promise<TokenCount> => {
    const counter = await getTokenCounter(request.model);
    return {
      tokens: counter.countChat(requestMessages(request)),
      method: "estimate",
      errorBound: counter.errorBound > 0 ? counter.errorBound : 0.25,
    };
  };

  const provider: AnthropicProvider = {
    name,
    kind: "anthropic",
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
        requireKey();
        const timed = await send("/v1/messages", {
          method: "POST",
          body: encodeAnthropicRequest(request, { stream: false }),
          whole: true,
        }, call);
        const response = timed.response;
        const type = response.headers.get("content-type") ?? "";
        if (/event-stream/i.test(type)) {
          // A server that streamed although it was not asked to.
          return await collect(eventsOf(() => Promise.resolve(timed), call, request.maxTokens));
        }
        const requestId = requestIdOf(response.headers);
        let decoded: ReturnType<typeof decodeAnthropicResponse>;
        try {
          const text = redactSecrets(await timed.text(responseByteLimit(request.maxTokens)));
          if (looksLikeEventStream(text)) {
            // A proxy that always streams, labelling the event stream as JSON.
            return await collect(sseTextEvents(text, requestId, transport.rateLimit(response.headers)));
          }
          decoded = decodeAnthropicResponse(parseJson(text, response, "the response"));
        } catch (error) {
          // Errors from the body (a 200 carrying an error object) keep the header's request id.
          const e = toSwebenchError(error, "server");
          throw e.requestId !== undefined || requestId === undefined ? e : e.with({ requestId });
        }
        return unifiedResponse(decoded, {
          provider: name,
          model: request.model,
          startedAt: started,
          requestId,
          rateLimit: transport.rateLimit(response.headers),
          cost: options.cost,
        });
      } catch (error) {
        throw named(error, call);
      }
    },

    stream(request: UnifiedRequest, call: CallOptions = {}): ReadableStream<StreamEvent> {
      return eventsOf(
        (signal) => {
          requireKey();
          return send("/v1/messages", {
            method: "POST",
            body: encodeAnthropicRequest(request, { stream: true }),
            accept: "stream",
            signal,
          }, call);
        },
        call,
        request.maxTokens,
      );
    },

    async listModels(call: CallOptions = {}): Promise<ModelInfo[]> {
      try {
        requireKey();
        const models: ModelInfo[] = [];
        const seen = new Set<string>();
        let afterId: string | undefined;
        for (let page = 0; page < MAX_MODEL_PAGES; page++) {
          const query = new URLSearchParams({ limit: "100" });
          if (afterId !== undefined) query.set("after_id", afterId);
          const timed = await send(`/v1/models?${query}`, { method: "GET" }, call);
          const decoded = decodeAnthropicModelPage(await readJson(timed, "the model list"));
          for (const m of decoded.models) {
            if (seen.has(m.id)) continue;
            seen.add(m.id);
            models.push(m);
          }
          if (!decoded.hasMore || decoded.lastId === undefined || decoded.lastId === afterId) break;
          afterId = decoded.lastId;
        }
        return models;
      } catch (error) {
        throw named(error, call);
      }
    },

    async countTokens(request: UnifiedRequest, call: CallOptions = {}): Promise<TokenCount> {
      try {
        if (missingKey()) return await estimate(request);
        const key = await sha256Hex(JSON.stringify([request.model, request.system ?? "", request.prompt]));
        let pending = countCache.get(key);
        if (pending === undefined) {
          pending = exactCount(request, call);
          if (countCache.size >= COUNT_CACHE_LIMIT) countCache.delete(countCache.keys().next().value!);
          countCache.set(key, pending);
          pending.catch(() => countCache.delete(key));
        }
        try {
          return { tokens: await pending, method: "exact", errorBound: 0 };
        } catch (error) {
          const e = named(error, call);
          // No network (or no permission to reach it): fall back to the offline estimate.
          if (e.kind === "connection" || e.kind === "permission" || e.kind === "timeout") {
            return await estimate(request);
          }
          throw e;
        }
      } catch (error) {
        throw named(error, call, "server");
      }
    },
  };
  return provider;
}
