/** The providers as the hostile suite configures them (each with an API key that must never leak). */
import assert from "node:assert/strict";
import {
  type CallOptions,
  type Provider,
  type StreamEvent,
  SwebenchError,
  type UnifiedResponse,
} from "../../src/core/mod.ts";
import { createAnthropicProvider } from "../../src/providers/anthropic/provider.ts";
import { GEMINI_CODEC } from "../../src/providers/gemini/codec.ts";
import { GEMINI_SPEC } from "../../src/providers/gemini/spec.ts";
import { AZURE_CODEC } from "../../src/providers/azure/codec.ts";
import { AZURE_SPEC } from "../../src/providers/azure/spec.ts";
import { httpProvider } from "../../src/providers/kit/http_provider.ts";
import { createOllamaProvider } from "../../src/providers/ollama/provider.ts";
import { createOpenAIProvider } from "../../src/providers/openai/provider.ts";
import type { ProviderOptions } from "../../src/providers/kit/options.ts";
import { assertNoKey, KEY } from "./_bodies.ts";
import { bounded, type RawRequest, rawServer, readAll, type Reply, reply, type Wire } from "./_server.ts";

/** Which wire protocol. */
export type Kind = "openai" | "anthropic" | "ollama" | "gemini" | "azure";

/** Timeouts that bound every hostile call (a hang becomes a timeout, never a stuck test). */
export const BOUNDED: NonNullable<ProviderOptions["timeouts"]> = {
  connectTimeoutMs: 3000,
  idleTimeoutMs: 3000,
  totalTimeoutMs: 8000,
};

/** Create a provider of `kind` against `url` (the server's origin). */
export function providerFor(
  kind: Kind,
  url: string,
  timeouts: ProviderOptions["timeouts"] | undefined = BOUNDED,
): Provider {
  switch (kind) {
    case "openai":
      return createOpenAIProvider({ baseUrl: `${url}/v1`, apiKey: KEY, timeouts });
    case "anthropic":
      return createAnthropicProvider({ baseUrl: url, apiKey: KEY, timeouts });
    case "ollama":
      return createOllamaProvider({
        baseUrl: url,
        apiKey: KEY,
        timeouts,
        tokenCounter: () => Promise.resolve({ errorBound: 0.1, countChat: () => 50 }),
      });
    case "gemini":
      return httpProvider({
        spec: GEMINI_SPEC,
        codec: GEMINI_CODEC,
        options: { baseUrl: url, apiKey: KEY, timeouts },
      });
    case "azure":
      // The v1 route (no API version): the deployment travels in the body.
      return httpProvider({
        spec: AZURE_SPEC,
        codec: AZURE_CODEC,
        options: { baseUrl: url, apiKey: KEY, timeouts },
      });
  }
}

/** The model each kind is asked for. */
export const MODEL: Record<Kind, string> = {
  openai: "gpt-4o-mini",
  anthropic: "claude-sonnet-4-5",
  ollama: "qwen2.5-coder:7b",
  gemini: "gemini-2.5-flash",
  azure: "prod-mini",
};

/** The model path of each kind (Gemini: of a plain call; a stream's is {@linkcode pathOf}). */
export const PATH: Record<Kind, string> = {
  openai: "/v1/chat/completions",
  anthropic: "/v1/messages",
  ollama: "/api/chat",
  gemini: "/v1beta/models/gemini-2.5-flash:generateContent",
  azure: "/openai/v1/chat/completions",
};

/** Whether a model call asked for a stream: a `stream` field, or (Gemini) the stream method in the path. */
export function isStreamed(kind: Kind, req: RawRequest): boolean {
  return kind === "gemini" ? req.path.includes(":streamGenerateContent") : req.json?.stream === true;
}

/** The path (and query) of a plain or streamed model call of `kind`. */
export function pathOf(kind: Kind, streamed: boolean): string {
  return kind === "gemini" && streamed
    ? "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    : PATH[kind];
}

/** Answer Ollama's `/api/show` (the provider asks it before each chat); true when the request was handled. */
export async function answerSideCalls(req: RawRequest, wire: Wire): Promise<boolean> {
  if (req.path === "/api/show") {
    await reply(wire, {
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({
        model_info: { "general.architecture": "qwen2", "qwen2.context_length": 32768 },
        details: { family: "qwen2" },
      }),
    });
    return true;
  }
  return false;
}

/** The content type of a streamed answer of each kind. */
export const STREAM_TYPE: Record<Kind, string> = {
  openai: "text/event-stream; charset=utf-8",
  anthropic: "text/event-stream; charset=utf-8",
  ollama: "application/x-ndjson",
  gemini: "text/event-stream",
  azure: "text/event-stream; charset=utf-8",
};

/** How one hostile exchange is served. */
export interface Serve {
  /** Response body of the model call (string or bytes). */
  body: string | Uint8Array;
  /** Content type (default: the kind's streamed or JSON type). */
  contentType?: string | null;
  status?: number;
  headers?: Record<string, string>;
  framing?: Reply["framing"];
  pieces?: Reply["pieces"];
  delay?: Reply["delay"];
  dropAfter?: number;
  preamble?: Reply["preamble"];
  version?: Reply["version"];
  /** Transport timeouts of the provider (default {@linkcode BOUNDED}). */
  timeouts?: ProviderOptions["timeouts"];
}

async function withServer<T>(
  kind: Kind,
  s: Serve,
  streamed: boolean,
  run: (p: Provider) => Promise<T>,
): Promise<T> {
  const server = rawServer(async (req, wire) => {
    if (await answerSideCalls(req, wire)) return;
    const headers: Record<string, string> = { ...s.headers };
    const type = s.contentType === undefined
      ? (streamed ? STREAM_TYPE[kind] : "application/json")
      : s.contentType;
    if (type !== null) headers["content-type"] = type;
    await reply(wire, {
      status: s.status,
      headers,
      body: s.body,
      framing: s.framing,
      pieces: s.pieces,
      delay: s.delay,
      dropAfter: s.dropAfter,
      preamble: s.preamble,
      version: s.version,
    });
  });
  try {
    return await run(providerFor(kind, server.url, s.timeouts));
  } finally {
    await server.close();
  }
}

/** Serve one answer and stream it through the provider (bounded: a hang fails the test). */
export function streamFrom(kind: Kind, s: Serve, call: CallOptions = {}): Promise<StreamEvent[]> {
  return withServer(
    kind,
    s,
    true,
    (p) => readAll(p.stream({ model: MODEL[kind], prompt: "hi" }, call), 10_000),
  );
}

/** Serve one answer to a plain call: the response, or the SwebenchError it threw (bounded). */
export function generateFrom(
  kind: Kind,
  s: Serve,
  options: { stream?: boolean; call?: CallOptions } = {},
): Promise<UnifiedResponse | SwebenchError> {
  return withServer(kind, s, options.stream === true, async (p) => {
    try {
      return await bounded(
        p.generate({ model: MODEL[kind], prompt: "hi", stream: options.stream }, options.call),
        10_000,
      );
    } catch (e) {
      if (e instanceof SwebenchError) return e;
      throw e;
    }
  });
}

/** Assert a plain call failed with a SwebenchError of `kind` (one of) and no key anywhere; return it. */
export function failed(result: UnifiedResponse | SwebenchError, kind: string | string[]): SwebenchError {
  assert.ok(
    result instanceof SwebenchError,
    `expected an error, got ${JSON.stringify(result).slice(0, 300)}`,
  );
  const kinds = Array.isArray(kind) ? kind : [kind];
  assert.ok(kinds.includes(result.kind), `kind ${result.kind} (${result.message}) not in ${kinds.join("/")}`);
  assertNoKey(result);
  return result;
}

/** Assert a plain call succeeded; return the response. */
export function succeeded(result: UnifiedResponse | SwebenchError): UnifiedResponse {
  assert.ok(
    !(result instanceof SwebenchError),
    `expected a response, got ${result instanceof Error ? `${result.kind}: ${result.message}` : ""}`,
  );
  assertNoKey(result);
  return result as UnifiedResponse;
}
