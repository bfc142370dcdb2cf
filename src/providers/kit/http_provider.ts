/**
 * The one implementation of {@linkcode Provider} for every HTTP vendor: `httpProvider({ spec, codec, options })`.
 * Generate (plain, or a stream collected), stream (one event-pump stage; the body, not its label, decides how it
 * is read), the model list (pages), token counts (local, estimate, or the vendor's endpoint with a cache and an
 * offline fallback). The vendor supplies facts (spec) and a wire format (codec); this module owns the behaviour.
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
import { bearerAuth, headerKeyAuth } from "../../http/auth.ts";
import { eventPump } from "../../http/event_pump.ts";
import type { TimedResponse } from "../../http/fetch.ts";
import { createJsonLinesParser } from "../../http/json_lines.ts";
import { chainPushDecoders, type PushDecoder } from "../../http/push_decoder.ts";
import { looksLikeEventStream, type SseEvent } from "../../http/sse.ts";
import { activeTokenCountCache } from "../../tokens/count_cache.ts";
import { getTokenCounter, requestMessages } from "../../tokens/mod.ts";
import type { DecodeContext, EncodeContext, KitTokenCounter, VendorCodec } from "./codec.ts";
import { collectStream } from "./collect.ts";
import type { CostFn, ProviderOptions } from "./options.ts";
import { isOfficialHost, keyVariable, type ProviderSpec, type VendorSettings } from "./spec.ts";
import { createHttpTransport, type HttpTransport } from "./transport.ts";
import {
  bodyLimits,
  htmlPageError,
  invalidJsonError,
  responseByteLimit,
  sseEventDecoder,
  sseOrWholeDecoder,
  textEvents,
  unifiedResponse,
} from "./whole_body.ts";

/** Most pages `listModels` follows, so a misbehaving server cannot loop it forever. */
const MAX_MODEL_PAGES = 50;

/** Most exact counts kept per provider (oldest dropped first). */
const COUNT_CACHE_LIMIT = 10_000;

/** Zero: a local model costs nothing (a configured `cost` function overrides it). */
const LOCAL_COST: CostFn = () => 0;

/** Estimate used when no token counter can be loaded: 3 characters per token, error bound 0.5. */
const FALLBACK_COUNTER: KitTokenCounter = {
  errorBound: 0.5,
  countChat: (messages) => messages.reduce((n, m) => n + 4 + Math.ceil(m.content.length / 3), 3),
};

/**
 * Options of {@linkcode httpProvider}: the common provider options, the vendor settings and an injectable token
 * counter.
 *
 * @example
 * ```ts
 * import type { HttpProviderOptions } from "./http_provider.ts";
 * const options: HttpProviderOptions = { apiKey: "sk-...", settings: { project: "proj_1" } };
 * ```
 */
export interface HttpProviderOptions extends ProviderOptions {
  /** Vendor settings (spec `settings`: OpenAI organization/project, Anthropic version/beta). */
  settings?: VendorSettings;
  /** Prompt token counter (default: `getTokenCounter` of `src/tokens`). */
  tokenCounter?: (model: string) => Promise<KitTokenCounter>;
}

/** Parameters one call may lose to a model's 400s before the refusal is its error (temperature, stop, max_tokens). */
const MAX_DROPS_PER_CALL = 3;

/**
 * A provider from a spec and a codec. `listModels` is present when the codec has `models`; `countTokens` always.
 *
 * @example
 * ```ts
 * import { httpProvider } from "./http_provider.ts";
 * import { OPENAI_SPEC } from "../openai/spec.ts";
 * import { OPENAI_CODEC } from "../openai/codec.ts";
 * const vllm = httpProvider({ spec: OPENAI_SPEC, codec: OPENAI_CODEC, options: { name: "vllm", baseUrl: "http://127.0.0.1:8000/v1" } });
 * console.log(vllm.baseUrl);
 * ```
 */
export function httpProvider(
  input: { spec: ProviderSpec; codec: VendorCodec; options?: HttpProviderOptions },
): Provider {
  const { spec, codec } = input;
  const options = input.options ?? {};
  const name = options.name ?? spec.id;
  const settings: VendorSettings = options.settings ?? {};
  const { transport, official, apiKey } = specTransport({ spec, codec, options, name, settings });
  const baseUrl = transport.baseUrl;
  const cost = options.cost ?? (spec.local ? LOCAL_COST : undefined);
  const redact = transport.redact;
  const htmlHint = spec.hints.htmlPage;

  const missingKey = (): boolean =>
    apiKey === undefined &&
    (spec.keyRequired === "always" || (spec.keyRequired === "official-host" && official));
  const requireKey = (): void => {
    if (!missingKey()) return;
    const variable = keyVariable(spec) ?? "the API key";
    throw new SwebenchError("config", `${name}: no API key for ${baseUrl}: set ${variable}.`, {
      provider: name,
      hint: `Export ${variable}, or run \`swebench provider init ${spec.id}\` to store a key.`,
    });
  };

  const counterOf = options.tokenCounter ?? getTokenCounter;
  const fallbackCounter = async (model: string): Promise<KitTokenCounter> => {
    try {
      return await counterOf(model);
    } catch {
      return FALLBACK_COUNTER;
    }
  };
  const memo = new Map<string, unknown>();
  /** Parameters each model refused (model -> names): left out of its later requests. */
  const dropped = new Map<string, Set<string>>();

  const encodeContext = async (
    request: UnifiedRequest,
    stream: boolean,
    call: CallOptions,
  ): Promise<EncodeContext> => {
    const ctx: EncodeContext = { stream, settings };
    const drop = dropped.get(request.model);
    if (drop !== undefined) ctx.drop = drop;
    if (codec.prepare !== undefined) {
      ctx.prepared = await codec.prepare(request, {
        provider: name,
        transport,
        call,
        counter: fallbackCounter,
        memo,
      });
    }
    return ctx;
  };

  const send = async (
    request: UnifiedRequest,
    stream: boolean,
    call: CallOptions,
    signal?: AbortSignal,
  ): Promise<TimedResponse> => {
    const ctx = await encodeContext(request, stream, call);
    const body = codec.encode(request, ctx);
    return await transport.open(
      codec.path(request, ctx),
      stream ? { method: "POST", body, accept: "stream", signal } : { method: "POST", body, whole: true },
      call,
    );
  };

  /**
   * A model call. When the model refuses a parameter with a 400 (the codec's `unsupportedParameter`), that
   * parameter is left out of this model's requests from then on and the call is sent once more without it (a
   * refused request is not billed). Each parameter is dropped once: a refusal of one already dropped, or more than
   * {@linkcode MAX_DROPS_PER_CALL} in one call, is the call's error.
   */
  const post = async (
    request: UnifiedRequest,
    stream: boolean,
    call: CallOptions,
    signal?: AbortSignal,
  ): Promise<TimedResponse> => {
    requireKey();
    for (let drops = 0;; drops++) {
      try {
        return await send(request, stream, call, signal);
      } catch (error) {
        const parameter = codec.unsupportedParameter?.(toSwebenchError(error));
        const known = dropped.get(request.model);
        if (
          parameter === undefined || known?.has(parameter) || drops >= MAX_DROPS_PER_CALL ||
          signal?.aborted || call.signal?.aborted
        ) throw error;
        dropped.set(request.model, new Set([...(known ?? []), parameter]));
      }
    }
  };

  const decodeContext = (model: string, headers: Headers): DecodeContext => {
    const ctx: DecodeContext = { provider: name, model };
    const requestId = transport.requestId(headers);
    if (requestId !== undefined) ctx.requestId = requestId;
    const rateLimit = transport.rateLimit(headers);
    if (rateLimit !== undefined) ctx.rateLimit = rateLimit;
    return ctx;
  };

  /** The wire events of a body already split: SSE events, or the JSON values of NDJSON lines. */
  const sseEvents = (emit: (event: StreamEvent) => void, ctx: DecodeContext): PushDecoder<SseEvent> =>
    codec.eventDecoder(emit, ctx) as PushDecoder<SseEvent>;
  const lineDecoder = (emit: (event: StreamEvent) => void, ctx: DecodeContext): PushDecoder<Uint8Array> =>
    chainPushDecoders(
      (lines) => createJsonLinesParser(lines, { provider: name }),
      codec.eventDecoder(emit, ctx) as PushDecoder<unknown>,
    );

  const htmlError = (text: string, response: Response, requestId: string | undefined): SwebenchError =>
    htmlPageError({ name, text, status: response.status, requestId, hint: htmlHint });

  /**
   * The decoder of a streamed response's body. For SSE vendors the body, not its label, decides: servers and
   * proxies send event streams as `application/json`, whole answers or error objects as `text/event-stream`,
   * login pages as 200. NDJSON starts with `{`: no sniffing.
   */
  const bodyDecoder = (model: string) =>
  (
    response: Response,
    emit: (event: StreamEvent) => void,
    progress?: () => void,
  ): PushDecoder<Uint8Array> => {
    const ctx = decodeContext(model, response.headers);
    if (codec.stream === "ndjson") return lineDecoder(emit, ctx);
    return sseOrWholeDecoder({
      emit,
      requestId: ctx.requestId,
      rateLimit: ctx.rateLimit,
      redact,
      progress,
      events: () => sseEvents(emit, ctx),
      html: (redacted) => htmlError(redacted, response, ctx.requestId),
      // A whole answer (the server ignored `stream: true`) or an error object.
      decodeWhole: (redacted) => codec.decodeWhole(transport.parse(redacted, response, "the response"), ctx),
    });
  };

  /** The events of a response: read and decoded in the stream's own pulls. */
  const eventsOf = (
    open: (signal: AbortSignal) => Promise<TimedResponse>,
    call: CallOptions,
    request: UnifiedRequest,
  ): ReadableStream<StreamEvent> =>
    eventPump({
      provider: name,
      open,
      decoder: bodyDecoder(request.model),
      toError: (error) => transport.named(error, call, { model: request.model }),
      ...bodyLimits(transport.fetchOptions(call), request.maxTokens, baseUrl),
    });

  /** A streamed body that was read whole (a plain request answered with events) as decoded events. */
  const textEventsOf = (text: string, ctx: DecodeContext): ReadableStream<StreamEvent> =>
    textEvents(
      text,
      (emit) => codec.stream === "ndjson" ? lineDecoder(emit, ctx) : sseEventDecoder(sseEvents(emit, ctx)),
    );

  const plain = async (
    request: UnifiedRequest,
    call: CallOptions,
    started: number,
    collect: (events: ReadableStream<StreamEvent>) => Promise<UnifiedResponse>,
  ): Promise<UnifiedResponse> => {
    const timed = await post(request, false, call);
    const response = timed.response;
    if (codec.stream === "sse" && /event-stream/i.test(response.headers.get("content-type") ?? "")) {
      // A server that streamed although it was not asked to.
      return await collect(eventsOf(() => Promise.resolve(timed), call, request));
    }
    const ctx = decodeContext(request.model, response.headers);
    let decoded;
    try {
      const text = redact(await timed.text(responseByteLimit(request.maxTokens)));
      if (codec.stream === "sse" ? looksLikeEventStream(text) : isJsonLines(text)) {
        // A proxy that always streams (an event stream labelled JSON; NDJSON lines to `stream: false`).
        return await collect(textEventsOf(text, ctx));
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw invalidJsonError({
          name,
          what: "the response",
          text,
          status: response.status,
          requestId: ctx.requestId,
          hint: htmlHint,
        });
      }
      decoded = codec.decodeWhole(json, ctx);
    } catch (error) {
      // Errors from the body (a 200 carrying an error object) keep the header's request id.
      const e = toSwebenchError(error, "server");
      throw e.requestId !== undefined || ctx.requestId === undefined
        ? e
        : e.with({ requestId: ctx.requestId });
    }
    return unifiedResponse(decoded, {
      provider: name,
      model: request.model,
      startedAt: started,
      requestId: ctx.requestId,
      rateLimit: ctx.rateLimit,
      cost,
    });
  };

  const provider: Provider = {
    name,
    kind: spec.id,
    baseUrl,
    local: spec.local,

    async generate(request: UnifiedRequest, call: CallOptions = {}): Promise<UnifiedResponse> {
      const started = performance.now();
      const collect = (events: ReadableStream<StreamEvent>): Promise<UnifiedResponse> =>
        collectStream(events, { provider: name, model: request.model, startedAt: started, cost });
      if (request.stream) return await collect(provider.stream(request, call));
      try {
        return await plain(request, call, started, collect);
      } catch (error) {
        throw transport.named(error, call, { model: request.model });
      }
    },

    stream(request: UnifiedRequest, call: CallOptions = {}): ReadableStream<StreamEvent> {
      return eventsOf((signal) => post(request, true, call, signal), call, request);
    },

    countTokens: (request: UnifiedRequest, call: CallOptions = {}): Promise<TokenCount> =>
      countTokens(request, call),

    droppedParameters: (): Record<string, string[]> =>
      Object.fromEntries([...dropped].map(([model, names]) => [model, [...names]])),
  };

  const models = codec.models;
  if (models !== undefined) {
    provider.listModels = async (call: CallOptions = {}): Promise<ModelInfo[]> => {
      try {
        requireKey();
        const list: ModelInfo[] = [];
        const seen = new Set<string>();
        let query: Record<string, string> | undefined = models.query === undefined
          ? undefined
          : { ...models.query };
        let previous: string | undefined;
        for (let page = 0; page < MAX_MODEL_PAGES; page++) {
          const path = query === undefined ? models.path : `${models.path}?${new URLSearchParams(query)}`;
          const { body } = await transport.json(path, { method: "GET" }, call, "the model list");
          const decoded = models.decodePage(body);
          for (const m of decoded.models) {
            if (seen.has(m.id)) continue;
            seen.add(m.id);
            list.push(m);
          }
          if (decoded.next === undefined) break;
          const next = JSON.stringify(decoded.next);
          if (next === previous) break;
          previous = next;
          query = { ...models.query, ...decoded.next };
        }
        return list;
      } catch (error) {
        throw transport.named(error, call);
      }
    };
  }

  // Token counts.
  const counting = codec.countTokens;
  const countCache = new Map<string, Promise<number>>();
  const estimate = async (request: UnifiedRequest, minBound: number): Promise<TokenCount> => {
    if (counting.type === "api") {
      // The offline estimate of an API-counting vendor: its family profile's bound, `minBound` when it has none.
      const counter = await counterOf(request.model);
      return {
        tokens: counter.countChat(requestMessages(request)),
        method: "estimate",
        errorBound: counter.errorBound > 0 ? counter.errorBound : minBound,
      };
    }
    const counter = await fallbackCounter(request.model);
    return {
      tokens: counter.countChat(counting.messages(request)),
      method: "estimate",
      errorBound: Math.max(counter.errorBound, minBound),
    };
  };
  const exactCount = async (request: UnifiedRequest, call: CallOptions): Promise<number> => {
    if (counting.type !== "api") throw new Error("unreachable");
    const { body } = await transport.json(
      typeof counting.path === "string" ? counting.path : counting.path(request),
      { method: "POST", body: counting.encode(request) },
      call,
      "the token count",
    );
    return counting.decode(body, name);
  };
  const countTokens = async (request: UnifiedRequest, call: CallOptions): Promise<TokenCount> => {
    switch (counting.type) {
      case "local":
        try {
          const counter = await counterOf(request.model);
          const tokens = counter.countChat(counting.messages(request));
          // Exact when the tokenizer is the model's own; otherwise an estimate with its bound.
          return counter.exact
            ? { tokens, method: "exact", errorBound: 0 }
            : { tokens, method: "estimate", errorBound: counter.errorBound };
        } catch (error) {
          throw transport.named(toSwebenchError(error, "unexpected"), {});
        }
      case "estimate":
        // Never exact: the counter is not the model's own tokenizer.
        return await estimate(request, counting.minErrorBound);
      case "api":
        try {
          if (missingKey()) return await estimate(request, counting.minErrorBound);
          // The on-disk cache (when the process uses one): a dry run, the real run and resumes count once.
          const disk = activeTokenCountCache();
          const namespace = `api-${spec.id}-${request.model.replace(/[^\w.-]/g, "_")}`;
          const text = JSON.stringify([request.system ?? "", request.prompt]);
          const stored = disk?.get(namespace, text);
          if (stored !== undefined) return { tokens: stored, method: "exact", errorBound: 0 };
          const key = await sha256Hex(JSON.stringify([request.model, request.system ?? "", request.prompt]));
          let pending = countCache.get(key);
          if (pending === undefined) {
            pending = exactCount(request, call).then((tokens) => {
              disk?.set(namespace, text, tokens);
              return tokens;
            });
            if (countCache.size >= COUNT_CACHE_LIMIT) countCache.delete(countCache.keys().next().value!);
            countCache.set(key, pending);
            pending.catch(() => countCache.delete(key));
          }
          try {
            return { tokens: await pending, method: "exact", errorBound: 0 };
          } catch (error) {
            const e = transport.named(error, call);
            // No network (or no permission to reach it): fall back to the offline estimate.
            if (e.kind === "connection" || e.kind === "permission" || e.kind === "timeout") {
              return await estimate(request, counting.minErrorBound);
            }
            throw e;
          }
        } catch (error) {
          throw transport.named(error, call, { fallback: "server" });
        }
    }
  };

  return provider;
}

/**
 * The kit transport of a spec and codec: the base URL normalised by the spec (credentials in it become Basic
 * auth), the spec's fixed headers, the key in the spec's one header, the codec's error facts and the spec's
 * connection hint (local specs and non-official hosts). Used by {@linkcode httpProvider} and by a vendor's own
 * client calls (Ollama's pull, ps, show, version).
 *
 * @example
 * ```ts
 * import { specTransport } from "./http_provider.ts";
 * import { OLLAMA_SPEC } from "../ollama/spec.ts";
 * import { OLLAMA_CODEC } from "../ollama/codec.ts";
 * const { transport } = specTransport({ spec: OLLAMA_SPEC, codec: OLLAMA_CODEC, options: { baseUrl: "127.0.0.1:11434" } });
 * const { body } = await transport.json("/api/version", { method: "GET" }, {}, "the version");
 * ```
 */
export function specTransport(input: {
  spec: ProviderSpec;
  codec: VendorCodec;
  options: ProviderOptions;
  name?: string;
  settings?: VendorSettings;
}): { transport: HttpTransport; official: boolean; apiKey?: string } {
  const { spec, codec, options } = input;
  const name = input.name ?? options.name ?? spec.id;
  const base = spec.normalizeBaseUrl(options.baseUrl ?? spec.defaultBaseUrl, name);
  const baseUrl = base.url;
  const official = isOfficialHost(spec, baseUrl);
  const apiKey = options.apiKey?.trim() || undefined;
  // Auth: the spec's fixed headers, Basic from the URL's credentials, then the key in its one header.
  const auth: Record<string, string> = { ...spec.headers?.(input.settings ?? {}) };
  const secrets: string[] = [];
  if (base.username !== undefined) {
    const token = btoa(`${base.username}:${base.password ?? ""}`);
    auth.Authorization = `Basic ${token}`;
    secrets.push(token);
    if (base.password) secrets.push(base.password);
  }
  if (apiKey !== undefined && spec.auth.type !== "none") {
    const strategy = spec.auth.type === "bearer"
      ? bearerAuth(apiKey)
      : headerKeyAuth(spec.auth.header, apiKey);
    Object.assign(auth, strategy.headers());
    secrets.push(...strategy.secrets());
  }
  const transport = createHttpTransport({
    name,
    baseUrl,
    auth,
    secrets,
    secretScheme: /^\s*(?:bearer|basic)\s+/i,
    headers: options.headers,
    accept: codec.accept,
    fetch: options.fetch,
    timeouts: options.timeouts,
    connectionHint: spec.local || !official ? spec.hints.connection?.(baseUrl) : undefined,
    errors: codec.errors,
    errorHint: codec.errorHint,
  });
  return apiKey === undefined ? { transport, official } : { transport, official, apiKey };
}

/** More than one JSON value, one per line (NDJSON), where one JSON body was expected. */
function isJsonLines(text: string): boolean {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length < 2) return false;
  try {
    JSON.parse(lines[0]);
    return true;
  } catch {
    return false;
  }
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
