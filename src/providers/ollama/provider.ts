/**
 * The Ollama provider: the native API (`/api/chat` plain and NDJSON-streamed, `/api/tags`, `/api/show`,
 * `/api/pull`, `/api/ps`, `/api/version`) of a local or remote Ollama server. The wire format lives in the pure
 * codecs of `ollama_codec.ts` (re-exported here); this module is the thin transport around them.
 *
 * `num_ctx` is never left at Ollama's default (2048/4096 tokens, silently truncating longer prompts): each call
 * asks for a context sized from the prompt estimate and `maxTokens`, capped by the model's own context length
 * (from `/api/show`, cached per model), and a prompt that cannot fit fails with `context_length` before sending.
 *
 * @module
 */
import {
  type CallOptions,
  isSwebenchError,
  type ModelInfo,
  type Provider,
  type StreamEvent,
  SwebenchError,
  type TokenCount,
  type UnifiedRequest,
  type UnifiedResponse,
} from "../../core/mod.ts";
import { bearerAuth } from "../../http/auth.ts";
import { eventPump } from "../../http/event_pump.ts";
import type { TimedResponse } from "../../http/fetch.ts";
import { createJsonLinesParser, jsonLinesDecoder } from "../../http/json_lines.ts";
import { chainPushDecoders } from "../../http/push_decoder.ts";
import { getTokenCounter } from "../../tokens/mod.ts";
import { collectStream } from "../kit/collect.ts";
import {
  createOllamaEventDecoder,
  decodeOllamaPs,
  decodeOllamaPullLine,
  decodeOllamaResponse,
  decodeOllamaShow,
  decodeOllamaTags,
  encodeOllamaRequest,
  explicitNumCtx,
  ollamaMessages,
  type OllamaModelDetails,
  type OllamaModelShow,
  type OllamaPullProgress,
  type OllamaRunningModel,
  type OllamaTimings,
  parseOllamaHost,
  pullHint,
  sizeNumCtx,
} from "./codec.ts";
import { bodyLimits, responseByteLimit, textEvents, unifiedResponse } from "../kit/whole_body.ts";
import { createHttpTransport, type HttpTransport } from "../kit/transport.ts";
import type { CostFn, ProviderOptions } from "../kit/options.ts";

export * from "./codec.ts";

/** The hint of a connection failure: how to start the server. */
export const OLLAMA_CONNECTION_HINT: string =
  "Is Ollama running? Start it with `ollama serve` (or set OLLAMA_HOST).";

/** The part of a token counter the provider needs (structurally `src/tokens`' `TokenCounter`). */
export interface OllamaTokenCounter {
  /** Relative error bound of the count for this model. */
  readonly errorBound: number;
  /** Tokens of a chat request, message overhead included. */
  countChat(messages: { role: string; content: string }[]): number;
}

/**
 * Options of {@linkcode createOllamaProvider}. `baseUrl` takes every `OLLAMA_HOST` form (`host:port`, `:port`,
 * a URL, `0.0.0.0`); `apiKey`, when set, is sent as a bearer token (ollama.com or an authenticating proxy).
 *
 * @example
 * ```ts
 * import type { OllamaProviderOptions } from "./provider.ts";
 * const options: OllamaProviderOptions = { baseUrl: Deno.env.get("OLLAMA_HOST"), timeouts: { idleTimeoutMs: 120_000 } };
 * ```
 */
export interface OllamaProviderOptions extends ProviderOptions {
  /** Prompt token counter used to size `num_ctx` and for `countTokens` (default: `getTokenCounter` of src/tokens). */
  tokenCounter?: (model: string) => Promise<OllamaTokenCounter>;
}

/** A model of `listModels()`: the unified fields plus Ollama's details. */
export interface OllamaModelInfo extends ModelInfo {
  /** Family, parameter size, quantization. */
  details?: OllamaModelDetails;
  /** Content digest. */
  digest?: string;
}

/** A response of the Ollama provider: the unified fields plus the server-side timings. */
export interface OllamaResponse extends UnifiedResponse {
  /** Server-side durations in milliseconds (`total_duration`, `load_duration`, ... of the final object). */
  timings?: OllamaTimings;
}

/** Zero: a local model costs nothing (a configured `cost` function overrides it). */
const LOCAL_COST: CostFn = () => 0;

/** Estimate used when no token counter can be loaded: 3 characters per token, error bound 0.5. */
const FALLBACK_COUNTER: OllamaTokenCounter = {
  errorBound: 0.5,
  countChat: (messages) => messages.reduce((n, m) => n + 4 + Math.ceil(m.content.length / 3), 3),
};

/** The kit transport of an Ollama server: `OLLAMA_HOST` forms, Basic auth from `user:pass@`, an optional bearer key. */
function makeTransport(options: {
  name: string;
  host?: string;
  apiKey?: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  timeouts?: ProviderOptions["timeouts"];
}): HttpTransport {
  const host = parseOllamaHost(options.host);
  const auth: Record<string, string> = {};
  const secrets: string[] = [];
  if (host.username !== undefined) {
    const token = btoa(`${host.username}:${host.password ?? ""}`);
    auth.Authorization = `Basic ${token}`;
    secrets.push(token);
    if (host.password) secrets.push(host.password);
  }
  const apiKey = options.apiKey?.trim() || undefined;
  if (apiKey !== undefined) {
    const bearer = bearerAuth(apiKey);
    Object.assign(auth, bearer.headers());
    secrets.push(...bearer.secrets());
  }
  const accept = "application/json, application/x-ndjson";
  return createHttpTransport({
    name: options.name,
    baseUrl: host.url,
    auth,
    secrets,
    secretScheme: /^\s*(?:bearer|basic)\s+/i,
    headers: options.headers,
    accept: { stream: accept, other: accept },
    fetch: options.fetch,
    timeouts: options.timeouts,
    connectionHint: OLLAMA_CONNECTION_HINT,
    errorHint: (e, context) => {
      if (e.kind !== "model_not_found") return undefined;
      const missing = /model ['"`]([^'"`]+)['"`]/.exec(e.message)?.[1] ??
        (/model/i.test(e.message) ? context.model : undefined);
      return missing === undefined ? undefined : pullHint(missing);
    },
  });
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

/**
 * Create the Ollama provider (native API, no key needed; cost 0 unless `cost` says otherwise).
 *
 * @example
 * ```ts
 * import { createOllamaProvider } from "./provider.ts";
 * const ollama = createOllamaProvider({ baseUrl: Deno.env.get("OLLAMA_HOST") ?? "127.0.0.1:11434" });
 * const r = await ollama.generate({ model: "qwen2.5-coder:7b", prompt: "Say hi", maxTokens: 16 });
 * console.log(r.content, r.usage.totalTokens, r.latencyMs);
 * ```
 */
export function createOllamaProvider(options: OllamaProviderOptions = {}): Provider {
  const name = options.name ?? "ollama";
  const transport = makeTransport({
    name,
    host: options.baseUrl,
    apiKey: options.apiKey,
    headers: options.headers,
    fetch: options.fetch,
    timeouts: options.timeouts,
  });
  const cost = options.cost ?? LOCAL_COST;
  const counterFor = async (model: string): Promise<OllamaTokenCounter> => {
    try {
      return await (options.tokenCounter ?? getTokenCounter)(model);
    } catch {
      return FALLBACK_COUNTER;
    }
  };

  // /api/show answers, per model (successful lookups only; a failed one is retried by the next call).
  const shows = new Map<string, Promise<OllamaModelShow | undefined>>();
  const contextLengthOf = async (model: string, call: CallOptions): Promise<number | undefined> => {
    let pending = shows.get(model);
    const shared = pending !== undefined;
    if (pending === undefined) {
      pending = showWith(transport, model, call);
      shows.set(model, pending);
      pending.then((show) => show === undefined && shows.delete(model), () => shows.delete(model));
    }
    try {
      return (await pending)?.contextLength;
    } catch (error) {
      // Another call's lookup was aborted by that call's signal: look up again under our own.
      if (shared && isSwebenchError(error, "interrupted") && !call.signal?.aborted) {
        return (await showWith(transport, model, call))?.contextLength;
      }
      throw error;
    }
  };

  /** The `num_ctx` to send (undefined when the request sets its own). Throws context_length before sending. */
  const planNumCtx = async (request: UnifiedRequest, call: CallOptions): Promise<number | undefined> => {
    const counter = await counterFor(request.model);
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
        provider: name,
      });
      return undefined;
    }
    const contextLength = await contextLengthOf(request.model, call);
    return sizeNumCtx({
      promptTokens,
      errorBound: counter.errorBound,
      maxTokens: request.maxTokens,
      contextLength,
      model: request.model,
      provider: name,
    });
  };

  const post = async (
    request: UnifiedRequest,
    stream: boolean,
    call: CallOptions,
    signal?: AbortSignal,
  ): Promise<TimedResponse> => {
    const numCtx = await planNumCtx(request, call);
    const body = encodeOllamaRequest(request, { stream, numCtx });
    return await transport.open("/api/chat", { method: "POST", body, signal, whole: !stream }, call);
  };

  const provider: Provider = {
    name,
    kind: "ollama",
    baseUrl: transport.baseUrl,

    async generate(request: UnifiedRequest, call: CallOptions = {}): Promise<UnifiedResponse> {
      const started = performance.now();
      const collect = (events: ReadableStream<StreamEvent>): Promise<UnifiedResponse> =>
        collectStream(events, { provider: name, model: request.model, startedAt: started, cost });
      if (request.stream) {
        return await collect(provider.stream(request, call));
      }
      try {
        const timed = await post(request, false, call);
        const text = transport.redact(await timed.text(responseByteLimit(request.maxTokens)));
        if (isJsonLines(text)) {
          // A server or proxy that streams although `stream: false` was sent: the lines are the answer.
          const events = textEvents(text, (emit) =>
            chainPushDecoders(
              (lines) => createJsonLinesParser(lines, { provider: name }),
              createOllamaEventDecoder(emit, { provider: name, model: request.model }),
            ));
          return await collect(events);
        }
        const decoded = decodeOllamaResponse(transport.parse(text, timed.response, "the response"));
        const result: OllamaResponse = unifiedResponse(decoded, {
          provider: name,
          model: request.model,
          startedAt: started,
          cost,
        });
        return result;
      } catch (error) {
        throw transport.named(error, call, { model: request.model });
      }
    },

    stream(request: UnifiedRequest, call: CallOptions = {}): ReadableStream<StreamEvent> {
      return eventPump({
        provider: name,
        open: (signal) => post(request, true, call, signal),
        decoder: (_response, emit) =>
          chainPushDecoders(
            (lines) => createJsonLinesParser(lines, { provider: name }),
            createOllamaEventDecoder(emit, { provider: name, model: request.model }),
          ),
        toError: (error) => transport.named(error, call, { model: request.model }),
        ...bodyLimits(
          { idleTimeoutMs: call.idleTimeoutMs ?? options.timeouts?.idleTimeoutMs },
          request.maxTokens,
          transport.baseUrl,
        ),
      });
    },

    async listModels(call: CallOptions = {}): Promise<ModelInfo[]> {
      try {
        const { body: json } = await transport.json("/api/tags", { method: "GET" }, call, "the model list");
        const models = decodeOllamaTags(json);
        return models.map((m) => {
          const info: OllamaModelInfo = { id: m.name, details: m.details };
          if (m.sizeBytes !== undefined) info.sizeBytes = m.sizeBytes;
          if (m.modifiedAt !== undefined) info.createdAt = m.modifiedAt;
          if (m.digest !== undefined) info.digest = m.digest;
          return info;
        });
      } catch (error) {
        throw transport.named(error, call);
      }
    },

    async countTokens(request: UnifiedRequest): Promise<TokenCount> {
      const counter = await counterFor(request.model);
      // Never exact: the counter is not the model's own tokenizer.
      return {
        tokens: counter.countChat(ollamaMessages(request)),
        method: "estimate",
        errorBound: Math.max(counter.errorBound, 0.25),
      };
    },
  };
  return provider;
}

/** `/api/show` for the context length; model_not_found and transport failures propagate, other failures give undefined. */
async function showWith(
  transport: HttpTransport,
  model: string,
  call: CallOptions,
): Promise<OllamaModelShow | undefined> {
  try {
    const { body: json } = await transport.json(
      "/api/show",
      { method: "POST", body: { model } },
      call,
      "the /api/show answer",
    );
    return decodeOllamaShow(json);
  } catch (error) {
    const e = transport.named(error, call, { model });
    if (e.kind === "model_not_found" && /model/i.test(e.message)) throw e;
    if (["connection", "timeout", "interrupted", "permission", "authentication", "config"].includes(e.kind)) {
      throw e;
    }
    return undefined; // an old server, or a proxy without /api/show: size without a cap
  }
}

// ---------------------------------------------------------------- standalone helpers for the CLI

/**
 * Options of the standalone helpers ({@linkcode pullModel}, {@linkcode listRunning}, {@linkcode showModel},
 * {@linkcode ollamaVersion}).
 *
 * @example
 * ```ts
 * import type { OllamaClientOptions } from "./provider.ts";
 * const options: OllamaClientOptions = { host: Deno.env.get("OLLAMA_HOST"), signal: AbortSignal.timeout(60_000) };
 * ```
 */
export interface OllamaClientOptions {
  /** `OLLAMA_HOST` form (default `http://127.0.0.1:11434`). */
  host?: string;
  /** Injectable fetch (tests). */
  fetch?: typeof fetch;
  /** Aborts the call. */
  signal?: AbortSignal;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Bearer token (ollama.com or an authenticating proxy). */
  apiKey?: string;
  /** Transport timeouts. */
  timeouts?: ProviderOptions["timeouts"];
  /** Name on errors (default `ollama`). */
  name?: string;
}

function clientOf(options: OllamaClientOptions): { transport: HttpTransport; call: CallOptions } {
  return {
    transport: makeTransport({
      name: options.name ?? "ollama",
      host: options.host,
      apiKey: options.apiKey,
      headers: options.headers,
      fetch: options.fetch,
      timeouts: options.timeouts,
    }),
    call: options.signal ? { signal: options.signal } : {},
  };
}

/**
 * Pull a model (`POST /api/pull`), yielding the server's progress lines until `success`. An `{"error"}` line
 * throws a `SwebenchError` (an unknown model is `model_not_found`); a stream that ends before `success` throws
 * kind `connection`.
 *
 * @example
 * ```ts
 * import { pullModel } from "./provider.ts";
 * for await (const p of pullModel({ model: "qwen2.5-coder:7b" })) {
 *   console.log(p.status, p.completed ?? 0, "/", p.total ?? "?");
 * }
 * ```
 */
export async function* pullModel(
  options: OllamaClientOptions & { model: string },
): AsyncGenerator<OllamaPullProgress, void, undefined> {
  const { transport, call } = clientOf(options);
  let reader: ReadableStreamDefaultReader<unknown> | undefined;
  try {
    const response = (await transport.open(
      "/api/pull",
      { method: "POST", body: { model: options.model, stream: true } },
      call,
    )).toResponse();
    if (response.body === null) {
      throw new SwebenchError("server", `${transport.name}: empty pull response.`, {
        provider: transport.name,
      });
    }
    reader = response.body.pipeThrough(jsonLinesDecoder({ provider: transport.name })).getReader();
    let success = false;
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      const progress = decodeOllamaPullLine(value, { model: options.model });
      yield progress;
      if (progress.status === "success") {
        success = true;
        break;
      }
    }
    if (!success) {
      throw new SwebenchError("connection", `${transport.name}: the pull of ${options.model} ended early.`, {
        provider: transport.name,
        hint: "Run the pull again: Ollama resumes partial downloads.",
      });
    }
  } catch (error) {
    throw transport.named(error, call);
  } finally {
    await reader?.cancel().catch(() => {});
  }
}

/**
 * The models loaded in memory (`GET /api/ps`), with their memory use and context length.
 *
 * @example
 * ```ts
 * import { listRunning } from "./provider.ts";
 * for (const m of await listRunning({})) console.log(m.name, m.sizeVramBytes, m.contextLength);
 * ```
 */
export async function listRunning(options: OllamaClientOptions = {}): Promise<OllamaRunningModel[]> {
  const { transport, call } = clientOf(options);
  try {
    const { body: json } = await transport.json("/api/ps", { method: "GET" }, call, "the /api/ps answer");
    return decodeOllamaPs(json);
  } catch (error) {
    throw transport.named(error, call);
  }
}

/**
 * What the server knows about one model (`POST /api/show`): context length, family, parameter size, quantization.
 * An unknown model throws `model_not_found` with the `ollama pull` hint.
 *
 * @example
 * ```ts
 * import { showModel } from "./provider.ts";
 * const info = await showModel({ model: "qwen2.5-coder:7b" });
 * console.log(info.contextLength, info.quantization);
 * ```
 */
export async function showModel(options: OllamaClientOptions & { model: string }): Promise<OllamaModelShow> {
  const { transport, call } = clientOf(options);
  try {
    const { body: json } = await transport.json(
      "/api/show",
      { method: "POST", body: { model: options.model } },
      call,
      "the /api/show answer",
    );
    return decodeOllamaShow(json);
  } catch (error) {
    throw transport.named(error, call, { model: options.model });
  }
}

/**
 * The server's version (`GET /api/version`).
 *
 * @example
 * ```ts
 * import { ollamaVersion } from "./provider.ts";
 * console.log(await ollamaVersion({ host: "127.0.0.1:11434" })); // "0.13.5"
 * ```
 */
export async function ollamaVersion(options: OllamaClientOptions = {}): Promise<string> {
  const { transport, call } = clientOf(options);
  try {
    const { body: json } = await transport.json(
      "/api/version",
      { method: "GET" },
      call,
      "the /api/version answer",
    );
    const body = json;
    const version = typeof body === "object" && body !== null
      ? (body as { version?: unknown }).version
      : undefined;
    if (typeof version !== "string") {
      throw new SwebenchError("server", `${transport.name}: /api/version has no version.`, {
        provider: transport.name,
      });
    }
    return version;
  } catch (error) {
    throw transport.named(error, call);
  }
}
