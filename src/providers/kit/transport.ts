/**
 * The one HTTP transport of the HTTP providers: a base URL, the auth and vendor headers (built once, one frozen
 * set per kind of request), the secrets and their redactor (built once), `open` (an HTTP error status thrown as
 * the classified {@linkcode SwebenchError}), `json`, and `named` (any failure as the provider's error: its name,
 * secrets redacted, a caller abort as `interrupted`, the vendor's hint). Promoted from the Ollama provider's own
 * transport object; the vendor's facts (error kinds, request-id and rate-limit headers, hints) come in as data.
 *
 * @module
 */
import {
  type CallOptions,
  type ErrorKind,
  type RateLimitSnapshot,
  SwebenchError,
  toSwebenchError,
} from "../../core/mod.ts";
import { createRedactor, type Redactor } from "../../http/auth.ts";
import { type FetchOptions, fetchTimed, type TimedResponse } from "../../http/fetch.ts";
import { parseRateLimitHeaders } from "../../http/rate_limit_headers.ts";
import { type ErrorDetails, errorFromResponse, type ErrorRules } from "../../http/status.ts";
import { parseJsonBody } from "./whole_body.ts";

/** Header names whose values are credentials (redacted from errors like the API key). */
export const SECRET_HEADER: RegExp = /authorization|api[-_]?key|token|secret|cookie/i;

/**
 * The secrets to redact: `known` ones, then the values of credential-like user headers (each also without its
 * auth scheme prefix, matched by `scheme`); values shorter than 4 characters are dropped.
 *
 * @example
 * ```ts
 * import { collectSecrets } from "./transport.ts";
 * collectSecrets(["sk-key"], { Authorization: "Bearer tok-123" }); // ["sk-key", "Bearer tok-123", "tok-123"]
 * ```
 */
export function collectSecrets(
  known: readonly string[],
  headers: Record<string, string> | undefined,
  scheme: RegExp = /^\s*bearer\s+/i,
): string[] {
  const secrets = [...known];
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (SECRET_HEADER.test(key)) secrets.push(value, value.replace(scheme, ""));
  }
  return secrets.filter((s) => s.length >= 4);
}

/**
 * Frozen request headers: the user's, then `set` over them, then `Accept` (and `Content-Type` for a JSON body).
 *
 * @example
 * ```ts
 * import { requestHeaders } from "./transport.ts";
 * requestHeaders({ user: { "X-Trace": "1" }, set: {}, accept: "application/json", json: true });
 * ```
 */
export function requestHeaders(
  options: { user?: Record<string, string>; set: Record<string, string>; accept: string; json: boolean },
): Readonly<Record<string, string>> {
  const h = new Headers(options.user ?? {});
  for (const [k, v] of Object.entries(options.set)) h.set(k, v);
  h.set("Accept", options.accept);
  if (options.json) h.set("Content-Type", "application/json");
  return Object.freeze(Object.fromEntries(h));
}

/**
 * The provider's fetch options with the call's own (defined) options over them.
 *
 * @example
 * ```ts
 * import { withCall } from "./transport.ts";
 * withCall({ provider: "openai" }, { signal: AbortSignal.timeout(1000) });
 * ```
 */
export function withCall(base: FetchOptions, call: CallOptions): FetchOptions {
  const out: FetchOptions = { ...base };
  for (const key in call) {
    const value = call[key as keyof CallOptions];
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/**
 * `fetchTimed`, with an HTTP error status thrown as the `SwebenchError` of the response (secrets redacted). For
 * callers that build their own requests (the batch API clients); providers use {@linkcode createHttpTransport}.
 *
 * @example
 * ```ts
 * import { fetchOk } from "./transport.ts";
 * const timed = await fetchOk("http://127.0.0.1:11434/api/version", { method: "GET" }, {}, { provider: "ollama", secrets: [] });
 * ```
 */
export async function fetchOk(
  url: string,
  init: RequestInit,
  fetchOptions: FetchOptions,
  error: { provider: string; secrets: readonly string[] },
): Promise<TimedResponse> {
  const timed = await fetchTimed(url, init, fetchOptions);
  if (!timed.response.ok) {
    throw await errorFromResponse(timed.toResponse(), { provider: error.provider, secrets: error.secrets });
  }
  return timed;
}

/**
 * The `interrupted` error of a call the caller aborted.
 *
 * @example
 * ```ts
 * import { abortedError } from "./transport.ts";
 * abortedError("openai").kind; // "interrupted"
 * ```
 */
export function abortedError(name: string, cause?: unknown): SwebenchError {
  return new SwebenchError("interrupted", `${name}: the call was aborted.`, { provider: name, cause });
}

/**
 * An error with its message, hint (`hint`, default its own) and body redacted and the provider name filled in;
 * the same error when nothing changes.
 *
 * @example
 * ```ts
 * import { SwebenchError } from "../../core/mod.ts";
 * import { redactedError } from "./transport.ts";
 * redactedError(new SwebenchError("server", "bad sk-123456"), { name: "openai", redact: (t) => t.replaceAll("sk-123456", "[redacted]") });
 * ```
 */
export function redactedError(
  e: SwebenchError,
  options: { name: string; redact: Redactor; hint?: string },
): SwebenchError {
  const { redact } = options;
  const message = redact(e.message);
  const hint = redact(options.hint ?? e.hint);
  const body = e.body === undefined ? undefined : redact(e.body);
  if (e.provider !== undefined && message === e.message && hint === e.hint && body === e.body) return e;
  return e.with({ message, hint, body, provider: e.provider ?? options.name });
}

/**
 * What a transport needs: where, how to authenticate, and the vendor's error facts. Built once per provider.
 *
 * @example
 * ```ts
 * import type { TransportInit } from "./transport.ts";
 * const init: TransportInit = {
 *   name: "vllm",
 *   baseUrl: "http://127.0.0.1:8000/v1",
 *   auth: {},
 *   secrets: [],
 *   accept: { stream: "text/event-stream", other: "application/json" },
 * };
 * ```
 */
export interface TransportInit {
  /** Provider name on errors. */
  name: string;
  /** Normalised base URL, without credentials; request paths are appended to it. */
  baseUrl: string;
  /** Headers set over the user's on every request: auth and the vendor's fixed headers. */
  auth: Record<string, string>;
  /** Known secrets (the key, a Basic token, a password); credential-like user headers are added. */
  secrets: readonly string[];
  /** Auth scheme prefixes stripped from credential-like user header values (default `Bearer `). */
  secretScheme?: RegExp;
  /** The user's extra headers. */
  headers?: Record<string, string>;
  /** `Accept` of a streamed request and of every other one. */
  accept: { stream: string; other: string };
  /** Injectable fetch (tests). */
  fetch?: typeof fetch;
  /** Default timeouts (per-call options override them). */
  timeouts?: { connectTimeoutMs?: number; totalTimeoutMs?: number; idleTimeoutMs?: number };
  /** Hint of a connection failure (how to start the server, what the base URL should look like). */
  connectionHint?: string;
  /** The vendor's error rules: details extractor, kinds, request-id and rate-limit headers, hints. */
  errors?: ErrorRules & { extract?: (body: unknown) => ErrorDetails };
  /** A hint for an error of this vendor (the `ollama pull` advice for a missing model). */
  errorHint?: (error: SwebenchError, context: { model?: string }) => string | undefined;
}

/** How {@linkcode HttpTransport.open} sends one request. */
export interface OpenInit {
  /** HTTP method. */
  method: "GET" | "POST" | "DELETE";
  /** A JSON body (serialised here). */
  body?: unknown;
  /** A multipart body (file uploads); sent as it is. */
  form?: FormData;
  /** `stream`: ask for an event stream (`Accept` of a stream). */
  accept?: "stream";
  /** The stream's own signal (the event pump aborts it when the consumer cancels). */
  signal?: AbortSignal;
  /** A non-streamed generation: its headers come with the finished answer (the total timeout bounds the wait). */
  whole?: boolean;
}

/**
 * One provider's HTTP transport (see {@linkcode createHttpTransport}).
 *
 * @example
 * ```ts
 * import { createHttpTransport } from "./transport.ts";
 * const t = createHttpTransport({
 *   name: "vllm",
 *   baseUrl: "http://127.0.0.1:8000/v1",
 *   auth: {},
 *   secrets: [],
 *   accept: { stream: "text/event-stream", other: "application/json" },
 * });
 * const { body } = await t.json("/models", { method: "GET" }, {}, "the model list");
 * ```
 */
export interface HttpTransport {
  /** Provider name. */
  readonly name: string;
  /** Base URL (no credentials). */
  readonly baseUrl: string;
  /** Every secret to keep out of messages. */
  readonly secrets: readonly string[];
  /** Replaces the secrets in a text (built once). */
  readonly redact: Redactor;
  /** Send a request; an HTTP error status throws its classified error. The body is read through the result. */
  open(path: string, init: OpenInit, call: CallOptions): Promise<TimedResponse>;
  /** `open`, then the body read, redacted and parsed (an invalid body is a `server` error naming `what`). */
  json(
    path: string,
    init: OpenInit,
    call: CallOptions,
    what: string,
  ): Promise<{ body: unknown; response: Response }>;
  /** Parse a redacted body text as JSON (an invalid body is a `server` error naming `what`, an HTML page `html_page`). */
  parse(text: string, response: Response, what: string): unknown;
  /**
   * Any failure as this provider's error: its name, secrets redacted, any failure of a call the caller aborted as
   * `interrupted`, the vendor's hint.
   */
  named(error: unknown, call: CallOptions, context?: { model?: string; fallback?: ErrorKind }): SwebenchError;
  /** The request id of a response (the vendor's headers, in its order). */
  requestId(headers: Headers): string | undefined;
  /** The rate-limit state of a response's headers (the generic ones and the vendor's). */
  rateLimit(headers: Headers): RateLimitSnapshot | undefined;
  /** The fetch options of a call (the provider's defaults with the call's own over them). */
  fetchOptions(call: CallOptions): FetchOptions;
}

const DEFAULT_REQUEST_ID_HEADERS = ["x-request-id", "request-id"] as const;

/**
 * Create a transport. Headers are built once (stream, JSON POST, GET); the redactor once; a request is
 * `fetchTimed` (no wrapper stream) with the call's options over the provider's.
 *
 * @example
 * ```ts
 * import { createHttpTransport } from "./transport.ts";
 * const t = createHttpTransport({
 *   name: "ollama",
 *   baseUrl: "http://127.0.0.1:11434",
 *   auth: {},
 *   secrets: [],
 *   accept: { stream: "application/json, application/x-ndjson", other: "application/json, application/x-ndjson" },
 *   connectionHint: "Is Ollama running?",
 * });
 * console.log(t.baseUrl);
 * ```
 */
export function createHttpTransport(init: TransportInit): HttpTransport {
  const { name, baseUrl } = init;
  const secrets = collectSecrets(init.secrets, init.headers, init.secretScheme);
  const redact = createRedactor(secrets);
  const rules = init.errors ?? {};
  const idHeaders = rules.requestIdHeaders ?? DEFAULT_REQUEST_ID_HEADERS;
  const vendorRateLimit = rules.rateLimit;
  const headers = (accept: string, json: boolean): Readonly<Record<string, string>> =>
    requestHeaders({ user: init.headers, set: init.auth, accept, json });
  const headerSets = {
    stream: headers(init.accept.stream, true),
    post: headers(init.accept.other, true),
    get: headers(init.accept.other, false),
  };
  // A multipart body sets its own content type (with the boundary).
  const formHeaders = headers(init.accept.other, false);
  const baseFetchOptions: FetchOptions = {
    ...init.timeouts,
    provider: name,
    connectionHint: init.connectionHint,
    fetch: init.fetch,
    secrets,
  };
  const errorOptions = { ...rules, provider: name, secrets };

  const requestId = (h: Headers): string | undefined => {
    for (const header of idHeaders) {
      const value = h.get(header);
      if (value !== null) return value;
    }
    return undefined;
  };

  const open = async (path: string, req: OpenInit, call: CallOptions): Promise<TimedResponse> => {
    const fetchInit: RequestInit = {
      method: req.method,
      headers: req.form !== undefined
        ? formHeaders
        : req.accept === "stream"
        ? headerSets.stream
        : req.body === undefined
        ? headerSets.get
        : headerSets.post,
      signal: req.signal,
    };
    if (req.form !== undefined) fetchInit.body = req.form;
    else if (req.body !== undefined) fetchInit.body = JSON.stringify(req.body);
    const fetchOptions = withCall(baseFetchOptions, call);
    if (req.whole) fetchOptions.headersWithBody = true;
    const timed = await fetchTimed(`${baseUrl}${path}`, fetchInit, fetchOptions);
    if (!timed.response.ok) throw await errorFromResponse(timed.toResponse(), errorOptions);
    return timed;
  };

  const parse = (text: string, response: Response, what: string): unknown =>
    parseJsonBody(text, { name, what, status: response.status, requestId: requestId(response.headers) });

  return {
    name,
    baseUrl,
    secrets,
    redact,
    open,
    parse,
    async json(path, req, call, what) {
      const timed = await open(path, req, call);
      const response = timed.response;
      return { body: parse(redact(await timed.text()), response, what), response };
    },
    named(error, call, context = {}) {
      // The caller aborted: the call is interrupted, whatever failed on the way (a timeout, an error status that
      // arrived as the signal fired); one rule for every vendor.
      const e = call.signal?.aborted && !(error instanceof SwebenchError && error.kind === "interrupted")
        ? abortedError(name, error)
        : toSwebenchError(error, context.fallback ?? "connection");
      const hint = init.errorHint?.(e, { model: context.model });
      return redactedError(e, { name, redact, hint });
    },
    requestId,
    rateLimit: (h) => parseRateLimitHeaders(h, Date.now(), vendorRateLimit),
    fetchOptions: (call) => withCall(baseFetchOptions, call),
  };
}
