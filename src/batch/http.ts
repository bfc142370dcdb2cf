/**
 * The HTTP side of the batch API clients: JSON requests, a multipart upload, a JSON-lines download read as it
 * arrives, and every failure as a named, redacted {@linkcode SwebenchError}. Built on the same pieces as the
 * providers (`fetchTimed`, `errorFromResponse`, the redactor, the frozen header sets), so timeouts, redirects
 * without credentials, permission errors and key redaction behave as in a model call.
 *
 * (Issue 12's provider kit shapes one `HttpTransport` with `open` / `json` / `lines` for every vendor; this is
 * that shape for the batch endpoints until the kit lands, and is then replaced by it.)
 *
 * @module
 */
import { type CallOptions, SwebenchError, toSwebenchError } from "../core/mod.ts";
import { createRedactor, type Redactor } from "../http/auth.ts";
import type { FetchOptions, TimedResponse } from "../http/fetch.ts";
import { createJsonLinesParser } from "../http/json_lines.ts";
import {
  abortedError,
  fetchOk,
  redactedError,
  requestHeaders,
  withCall,
} from "../providers/kit/transport.ts";
import { parseJsonBody } from "../providers/kit/whole_body.ts";

/**
 * Options of {@linkcode createBatchHttp}.
 *
 * @example
 * ```ts
 * import type { BatchHttpOptions } from "./http.ts";
 * const options: BatchHttpOptions = {
 *   name: "openai", baseUrl: "https://api.openai.com/v1", headers: { Authorization: "Bearer sk-..." }, secrets: ["sk-..."],
 * };
 * ```
 */
export interface BatchHttpOptions {
  /** Provider name for messages. */
  name: string;
  /** Normalised base URL; paths are appended to it. */
  baseUrl: string;
  /** Headers of every request set by the provider (auth, vendor headers): they win over the user's. */
  headers: Record<string, string>;
  /** The user's own headers (config file). */
  userHeaders?: Record<string, string>;
  /** Values never shown (keys, credential-like header values). */
  secrets: readonly string[];
  /** Injectable fetch (tests). */
  fetch?: typeof fetch;
  /** Timeouts of the small JSON calls; uploads and downloads keep only the idle timeout. */
  timeouts?: { connectTimeoutMs?: number; totalTimeoutMs?: number; idleTimeoutMs?: number };
  /** Hint for connection errors (a local or proxy base URL). */
  connectionHint?: string;
}

/**
 * Requests to one batch API.
 *
 * @example
 * ```ts ignore
 * const http = createBatchHttp({ name: "openai", baseUrl, headers, secrets });
 * const batch = await http.json("GET", "/batches/batch_abc", undefined, {}, "the batch");
 * ```
 */
export interface BatchHttp {
  /** Provider name. */
  readonly name: string;
  /** Base URL. */
  readonly baseUrl: string;
  /** Redacts every secret. */
  readonly redact: Redactor;
  /**
   * Send a request (a value sent as JSON, a `Blob` of JSON, or a multipart `FormData`) and parse the JSON answer; an HTTP error status throws
   * its classified error, an answer that is not JSON a `server` error naming `what`.
   */
  json(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body: unknown,
    call: CallOptions,
    what: string,
  ): Promise<unknown>;
  /**
   * GET a JSON-lines body and yield its values as they arrive (a results file of any size in bounded memory). A
   * malformed line is a `server` error naming its line.
   */
  lines(path: string, call: CallOptions, what: string): AsyncGenerator<unknown>;
  /** Any failure as a SwebenchError: provider name, secrets redacted, a caller abort `interrupted`. */
  named(error: unknown, call?: CallOptions): SwebenchError;
}

/**
 * The batch endpoints' HTTP client over a base URL.
 *
 * @example
 * ```ts ignore
 * import { createBatchHttp } from "./http.ts";
 * const http = createBatchHttp({ name: "anthropic", baseUrl: "https://api.anthropic.com", headers, secrets: [key] });
 * for await (const line of http.lines("/v1/messages/batches/msgbatch_1/results", {}, "the results")) console.log(line);
 * ```
 */
export function createBatchHttp(options: BatchHttpOptions): BatchHttp {
  const { name, baseUrl, secrets } = options;
  const redact = createRedactor(secrets);
  const set = options.headers;
  const user = options.userHeaders;
  const sets = {
    post: requestHeaders({ user, set, accept: "application/json", json: true }),
    get: requestHeaders({ user, set, accept: "application/json", json: false }),
    binary: requestHeaders({ user, set, accept: "application/binary", json: false }),
  };
  const base: FetchOptions = {
    ...options.timeouts,
    provider: name,
    connectionHint: options.connectionHint,
    fetch: options.fetch,
    secrets,
  };
  /** Transfers of many megabytes: no connect or total limit (an upload's headers come after its last byte). */
  const transfer: FetchOptions = { ...base, connectTimeoutMs: undefined, totalTimeoutMs: undefined };

  const named = (error: unknown, call: CallOptions = {}): SwebenchError => {
    if (call.signal?.aborted && !(error instanceof SwebenchError)) error = abortedError(name, error);
    return redactedError(toSwebenchError(error, "connection"), { name, redact });
  };

  const send = (
    method: "GET" | "POST" | "DELETE",
    path: string,
    body: unknown,
    call: CallOptions,
    accept: "json" | "binary",
  ): Promise<TimedResponse> => {
    // A FormData (an upload) or a Blob (a JSON body built from parts) is sent as it is, without time limits.
    const form = body instanceof FormData;
    const raw = form || body instanceof Blob;
    const headers = accept === "binary" ? sets.binary : form || body === undefined ? sets.get : sets.post;
    return fetchOk(
      `${baseUrl}${path}`,
      {
        method,
        headers,
        body: body === undefined ? undefined : raw ? body as BodyInit : JSON.stringify(body),
      },
      withCall(raw || accept === "binary" ? transfer : base, call),
      { provider: name, secrets },
    );
  };

  return {
    name,
    baseUrl,
    redact,
    named,
    async json(method, path, body, call, what) {
      try {
        const timed = await send(method, path, body, call, "json");
        const text = redact(await timed.text());
        return parseJsonBody(text, {
          name,
          what,
          status: timed.response.status,
          requestId: timed.response.headers.get("x-request-id") ?? timed.response.headers.get("request-id") ??
            undefined,
        });
      } catch (error) {
        throw named(error, call);
      }
    },
    async *lines(path, call, what) {
      let timed: TimedResponse;
      try {
        timed = await send("GET", path, undefined, call, "binary");
      } catch (error) {
        throw named(error, call);
      }
      const values: unknown[] = [];
      const parser = createJsonLinesParser((value) => values.push(value), { provider: `${name}: ${what}` });
      let finished = false;
      try {
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await timed.read();
          } catch (error) {
            throw named(error, call);
          }
          try {
            if (chunk.done) parser.end();
            else parser.push(chunk.value);
          } catch (error) {
            throw named(error, call);
          }
          // Hand the values out (the consumer may await between them) before reading on.
          const ready = values.splice(0);
          for (const value of ready) yield value;
          if (chunk.done) break;
        }
        finished = true;
      } finally {
        if (!finished) await timed.cancel();
      }
    },
  };
}

/**
 * True for a SwebenchError with this HTTP status.
 *
 * @example
 * ```ts
 * import { SwebenchError } from "../core/mod.ts";
 * import { hasStatus } from "./http.ts";
 * hasStatus(new SwebenchError("model_not_found", "404", { status: 404 }), 404); // true
 * ```
 */
export function hasStatus(error: unknown, status: number): error is SwebenchError {
  return error instanceof SwebenchError && error.status === status;
}

/**
 * The check a batch client makes before each request: an official host without a key is the `config` error naming
 * the variable to set (no request is sent); any other base URL (a proxy, a simulator) may run without one.
 *
 * @example
 * ```ts
 * import { keyCheck } from "./http.ts";
 * const requireKey = keyCheck({ name: "openai", baseUrl: "http://127.0.0.1:8000/v1", official: false, apiKey: undefined, env: "OPENAI_API_KEY" });
 * requireKey(); // fine: not the official host
 * ```
 */
export function keyCheck(
  o: {
    name: string;
    baseUrl: string;
    official: boolean;
    apiKey: string | undefined;
    env: string;
    kind?: string;
  },
): () => void {
  return () => {
    if (!o.official || o.apiKey !== undefined) return;
    throw new SwebenchError("config", `${o.name}: no API key for ${o.baseUrl}: set ${o.env}.`, {
      provider: o.name,
      hint: `Export ${o.env}, or run \`swebench provider init ${o.kind ?? o.name}\` to store a key.`,
    });
  };
}
