/**
 * The Ollama provider: the native API (`/api/chat` plain and NDJSON-streamed, `/api/tags`, `/api/show`,
 * `/api/pull`, `/api/ps`, `/api/version`) of a local or remote Ollama server. The wire format lives in the pure
 * codecs of `codec.ts` (re-exported here) and the kit codec {@linkcode OLLAMA_CODEC}; this module is the kit's
 * `httpProvider` with {@linkcode OLLAMA_SPEC}, and the client calls of `provider pull|test` on the same transport.
 *
 * `num_ctx` is never left at Ollama's default (2048/4096 tokens, silently truncating longer prompts): each call
 * asks for a context sized from the prompt estimate and `maxTokens`, capped by the model's own context length
 * (from `/api/show`, cached per model), and a prompt that cannot fit fails with `context_length` before sending.
 *
 * @module
 */
import type { CallOptions, Provider, UnifiedResponse } from "../../core/mod.ts";
import { SwebenchError } from "../../core/mod.ts";
import { jsonLinesDecoder } from "../../http/json_lines.ts";
import { httpProvider, specTransport } from "../kit/http_provider.ts";
import type { ProviderOptions } from "../kit/options.ts";
import type { HttpTransport } from "../kit/transport.ts";
import {
  decodeOllamaPs,
  decodeOllamaPullLine,
  decodeOllamaShow,
  OLLAMA_CODEC,
  type OllamaModelShow,
  type OllamaPullProgress,
  type OllamaRunningModel,
  type OllamaTimings,
} from "./codec.ts";
import { OLLAMA_CONNECTION_HINT, OLLAMA_SPEC } from "./spec.ts";

export * from "./codec.ts";
export { OLLAMA_CONNECTION_HINT, OLLAMA_SPEC };

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

/** A response of the Ollama provider: the unified fields plus the server-side timings. */
export interface OllamaResponse extends UnifiedResponse {
  /** Server-side durations in milliseconds (`total_duration`, `load_duration`, ... of the final object). */
  timings?: OllamaTimings;
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
  return httpProvider({ spec: OLLAMA_SPEC, codec: OLLAMA_CODEC, options });
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
  const { transport } = specTransport({
    spec: OLLAMA_SPEC,
    codec: OLLAMA_CODEC,
    options: {
      name: options.name ?? "ollama",
      baseUrl: options.host,
      apiKey: options.apiKey,
      headers: options.headers,
      fetch: options.fetch,
      timeouts: options.timeouts,
    },
  });
  return { transport, call: options.signal ? { signal: options.signal } : {} };
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
