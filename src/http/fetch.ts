/**
 * `fetch` with connect, total and idle-between-chunks timeouts, the caller's AbortSignal, and failures mapped to
 * {@linkcode SwebenchError} kinds (`timeout`, `connection`, `permission`, `interrupted`).
 *
 * @module
 */
import { type CallOptions, SwebenchError } from "../core/mod.ts";
import { redact } from "./auth.ts";
import { cancelDeadline, type Deadline, scheduleDeadline } from "./deadlines.ts";
import { permissionError } from "./permission.ts";
import { decodeUtf8Chunks } from "./utf8.ts";

/**
 * Options of {@linkcode fetchWithTimeout}: the per-call {@linkcode CallOptions} (signal and timeouts, in
 * milliseconds; absent, 0 or non-finite means no limit) plus context for error messages.
 *
 * @example
 * ```ts
 * import type { FetchOptions } from "@swebench/runner/lib";
 * const options: FetchOptions = { provider: "ollama", connectTimeoutMs: 10_000, idleTimeoutMs: 60_000,
 *   connectionHint: "Start it with `ollama serve`." };
 * ```
 */
export interface FetchOptions extends CallOptions {
  /** Provider name for error messages (default: the URL's host). */
  provider?: string;
  /** Hint for connection errors and connect timeouts (e.g. "Start it with `ollama serve`."). */
  connectionHint?: string;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** Values to redact from error messages (API keys that might appear in a URL). */
  secrets?: readonly string[];
  /**
   * The response headers come only with the whole answer (a non-streamed generation: the server sends them when
   * the model has finished), so the connect timeout does not apply; the total timeout bounds the wait.
   */
  headersWithBody?: boolean;
}

type Phase = "connect" | "total" | "idle";

/** Largest `content-length` read into one buffer allocated up front (a larger body is read chunk by chunk). */
const MAX_KNOWN_LENGTH = 8 * 1024 * 1024;

/** Statuses whose responses never have a body (a Response with one of them cannot be given a body). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function limit(ms: number | undefined): number | undefined {
  return ms !== undefined && ms > 0 && Number.isFinite(ms) ? ms : undefined;
}

/** The part of a network error worth showing: without the request URL (which may hold a key), on one line. */
function networkDetail(e: unknown, secrets: readonly string[]): string {
  let err: unknown = e;
  // Deno: TypeError("fetch failed", { cause: Error("error sending request for url (...): ... refused (os error 111)") })
  while (err instanceof Error && err.cause instanceof Error && err.cause !== err) err = err.cause;
  const raw = err instanceof Error ? err.message : String(err);
  const text = redact(raw.replace(/error sending request for url \([^)]*\):?\s*/g, ""), secrets)
    .replace(/\s+/g, " ").trim();
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

const NETWORK_CODES = /^(?:E(?:CONN|PIPE|NOTFOUND|AI_|HOST|NET|TIMEDOUT|ADDR|PROTO)|UND_ERR)/;
const NETWORK_ERRORS = [
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionAborted",
  "NotConnected",
  "AddrNotAvailable",
  "BrokenPipe",
  "TimedOut",
  "UnexpectedEof",
  "Http",
  "NetworkUnreachable",
];

/** A request that can never succeed (bad header value, blocked port, unsupported scheme) rather than a network fault. */
function isRequestError(e: unknown): boolean {
  return e instanceof TypeError && e.cause === undefined && !/^fetch failed/i.test(e.message) &&
    /invalid|not supported|cannot have body|blocked|unsupported/i.test(e.message);
}

function isNetworkError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e instanceof TypeError) return true;
  if (NETWORK_ERRORS.includes(e.name)) return true;
  const code = (e as { code?: unknown }).code ?? (e.cause as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && NETWORK_CODES.test(code);
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
/** Headers that carry credentials whatever their value (fetch itself drops only `authorization` cross-origin). */
const CREDENTIAL_HEADER = /^(?:authorization|proxy-authorization|cookie|x-api-key|api-key|x-goog-api-key)$/i;

/**
 * Follow redirects by hand (`redirect: "manual"`), as fetch would (303, and 301/302 after a POST, become a GET
 * without body; 307/308 keep method and body), except that on a change of origin every credential header goes:
 * `authorization` (which fetch drops too) and also `x-api-key`, cookies and any header whose value holds a secret,
 * which fetch would send on to the other host.
 */
async function followRedirects(
  doFetch: typeof fetch,
  start: URL,
  init: RequestInit,
  secrets: readonly string[],
  label: string,
): Promise<{ response: Response; url: string; hops: number }> {
  let current = start;
  let method = (init.method ?? "GET").toUpperCase();
  let body = init.body;
  // The caller's headers as given; copied (to drop some) only when a redirect is followed.
  let headers: Headers | undefined;
  const first: RequestInit = { ...init, redirect: "manual" };
  for (let hops = 0;; hops++) {
    const response = await doFetch(
      current,
      headers === undefined ? first : { ...init, method, body, headers, redirect: "manual" },
    );
    const location = response.headers.get("location");
    if (!REDIRECT_STATUSES.has(response.status) || location === null) {
      return { response, url: current.href, hops };
    }
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      return { response, url: current.href, hops }; // an unusable Location: the 3xx is the answer
    }
    if (next.protocol !== "http:" && next.protocol !== "https:") return { response, url: current.href, hops };
    await response.body?.cancel().catch(() => {});
    if (hops >= MAX_REDIRECTS) {
      throw new SwebenchError(
        "config",
        `${label}: more than ${MAX_REDIRECTS} redirects from ${start.origin}`,
        {
          hint: "The base URL redirects in a loop: check it (and any proxy in front of the server).",
        },
      );
    }
    headers ??= new Headers(init.headers);
    if (
      (response.status === 303 && method !== "GET" && method !== "HEAD") ||
      ((response.status === 301 || response.status === 302) && method === "POST")
    ) {
      method = "GET";
      body = undefined;
      headers.delete("content-type");
      headers.delete("content-length");
    }
    if (next.origin !== current.origin) {
      for (const [name, value] of [...headers]) {
        if (CREDENTIAL_HEADER.test(name) || secrets.some((s) => value.includes(s))) headers.delete(name);
      }
    }
    current = next;
  }
}

/**
 * A response of {@linkcode fetchTimed}: the headers, and the body read under the same timeouts, signal and error
 * mapping as the body {@linkcode fetchWithTimeout} returns, without a wrapping stream. Read the body with `read()`
 * (chunk by chunk) or `text()` (all of it), or `cancel()` it: every timer and listener is cleared when the body
 * was read to the end, failed or was cancelled.
 *
 * @example
 * ```ts
 * import { fetchTimed } from "@swebench/runner/lib";
 * const timed = await fetchTimed("http://127.0.0.1:11434/api/tags", { method: "GET" }, { totalTimeoutMs: 30_000 });
 * console.log(timed.response.status, await timed.text());
 * ```
 */
export interface TimedResponse {
  /** Status, headers and URL. Its body is read through `read()`, `text()` or `toResponse()`, not directly. */
  readonly response: Response;
  /**
   * The next chunk of the body. The idle timeout runs while a read waits; a timeout, a caller abort or a lost
   * connection rejects it as the wrapped body of {@linkcode fetchWithTimeout} errors.
   */
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  /**
   * The whole body as text (UTF-8, a BOM dropped), rejected like `read()`. Without an idle timeout the body is
   * read natively at once (`Response.text()`), the total timeout and the caller's signal aborting the read;
   * with one, read by reads that are each timed (a body of known length into one buffer, no read after its last
   * byte). With `maxBytes`, a body that is (or says it is) larger fails with {@linkcode responseTooLargeError}
   * as soon as that is known, after reading no more than `maxBytes` of it.
   */
  text(maxBytes?: number): Promise<string>;
  /** Stop reading: cancel the body and clear every timer and listener. Never rejects. */
  cancel(reason?: unknown): Promise<void>;
  /**
   * The Response {@linkcode fetchWithTimeout} returns: the original one when there is nothing to enforce on the
   * body (no signal, no body timeouts), else one whose body is read through `read()`. The same object each time.
   */
  toResponse(): Response;
}

/**
 * `fetch` with timeouts, cancellation and typed errors.
 *
 * - **connect timeout** (`connectTimeoutMs`): no response headers in time -> `SwebenchError` kind `timeout`.
 * - **total timeout** (`totalTimeoutMs`): the whole call, body included. Before the headers the promise rejects;
 *   after them the returned Response's body errors with a `timeout` SwebenchError.
 * - **idle timeout** (`idleTimeoutMs`): the longest wait for the next body chunk while the consumer is reading
 *   (time the consumer spends between reads does not count); the body errors with a `timeout` SwebenchError.
 * - network failure (refused, reset, DNS, TLS) -> `connection` (hint: `connectionHint`, when given), also for a
 *   connection lost mid-body when the body is wrapped; Deno `NotCapable` -> `permission` naming the
 *   `--allow-net=host:port` flag; an invalid URL -> `config`; a request fetch rejects outright (invalid header
 *   value, blocked port) -> `invalid_request`.
 * - the caller's `signal` (or `init.signal`) aborted -> `interrupted`; when the abort reason is itself a
 *   SwebenchError it is passed through, and a `TimeoutError` reason (`AbortSignal.timeout()`) gives `timeout`.
 * - redirects: when `secrets` are given (the request carries credentials), redirects are followed here rather than
 *   by fetch, so that a redirect to another origin drops every credential header (`authorization`, `x-api-key`,
 *   cookies, any header holding a secret), not only the `authorization` fetch drops; more than 20 -> `config`.
 *
 * HTTP error statuses are returned, not thrown (see `errorFromResponse`). The body is wrapped when a total or idle
 * timeout is set or the caller passed a signal; then every timer and listener is cleared when the body is read to
 * the end, errors or is cancelled, so consume or cancel it. (A caller that reads the body itself, without a
 * wrapper, uses {@linkcode fetchTimed}.) A caller abort mid-body errors the body (with body
 * timeouts: the `interrupted` SwebenchError, or the reason when it is one; with only a signal: the signal's reason,
 * as plain fetch does) and cancels the connection's body itself: Deno's fetch stops doing so once the Response
 * object has been garbage collected while its body stream is still being read. Without a signal or body timeouts
 * the original Response is returned.
 *
 * @example
 * ```ts
 * import { fetchWithTimeout } from "@swebench/runner/lib";
 * const res = await fetchWithTimeout("http://127.0.0.1:11434/api/tags", { method: "GET" }, {
 *   provider: "ollama",
 *   connectTimeoutMs: 5_000,
 *   totalTimeoutMs: 30_000,
 *   connectionHint: "Start it with `ollama serve`.",
 * });
 * console.log(await res.json());
 * ```
 */
export async function fetchWithTimeout(
  input: string | URL,
  init: RequestInit = {},
  options: FetchOptions = {},
): Promise<Response> {
  return (await fetchTimed(input, init, options)).toResponse();
}

/**
 * {@linkcode fetchWithTimeout} for a caller that reads the body itself: the same request, timeouts, signal handling
 * and errors, but the body is read through the returned {@linkcode TimedResponse} (`read()`, `text()`) instead of a
 * wrapping stream, which saves a stream stage per chunk; `text()` even reads it natively when no idle timeout is
 * set. The caller keeps the TimedResponse (and so the Response) reachable while it reads, which is what lets a
 * caller abort end the read at once.
 *
 * @example
 * ```ts
 * import { fetchTimed } from "@swebench/runner/lib";
 * const timed = await fetchTimed("http://127.0.0.1:8000/v1/models", { method: "GET" }, {
 *   signal: AbortSignal.timeout(60_000),
 *   idleTimeoutMs: 10_000,
 * });
 * if (!timed.response.ok) await timed.cancel();
 * else console.log(JSON.parse(await timed.text()));
 * ```
 */
export async function fetchTimed(
  input: string | URL,
  init: RequestInit = {},
  options: FetchOptions = {},
): Promise<TimedResponse> {
  const secrets = options.secrets ?? [];
  let url: URL;
  try {
    url = typeof input === "string" ? new URL(input) : input;
  } catch (e) {
    throw new SwebenchError(
      "config",
      `${options.provider ? `${options.provider}: ` : ""}invalid URL "${redact(String(input), secrets)}"`,
      {
        provider: options.provider,
        hint: "Check the provider's base URL (e.g. http://127.0.0.1:11434).",
        cause: e,
      },
    );
  }
  const label = options.provider ?? url.host;
  const origin = url.origin;
  const connectMs = options.headersWithBody ? undefined : limit(options.connectTimeoutMs);
  const totalMs = limit(options.totalTimeoutMs);
  const idleMs = limit(options.idleTimeoutMs);

  const callers: AbortSignal[] = [];
  if (options.signal) callers.push(options.signal);
  if (init.signal && init.signal !== options.signal) callers.push(init.signal);

  const aborted = (): SwebenchError | undefined => {
    for (const s of callers) {
      if (!s.aborted) continue;
      const reason = s.reason;
      if (reason instanceof SwebenchError) return reason;
      if (reason instanceof DOMException && reason.name === "TimeoutError") {
        return new SwebenchError(
          "timeout",
          `${label}: request to ${origin} timed out (the caller's signal)`,
          {
            provider: options.provider,
            cause: reason,
          },
        );
      }
      return new SwebenchError("interrupted", `${label}: request to ${origin} aborted`, {
        provider: options.provider,
        cause: reason,
      });
    }
    return undefined;
  };
  const early = aborted();
  if (early) throw early;

  const timeoutError = (phase: Phase): SwebenchError => {
    const message = phase === "connect"
      ? `${label}: no response headers from ${origin} within ${connectMs} ms (connect timeout)`
      : phase === "total"
      ? `${label}: request to ${origin} exceeded the total timeout of ${totalMs} ms`
      : `${label}: response from ${origin} stalled, no data for ${idleMs} ms (idle timeout)`;
    return new SwebenchError("timeout", message, {
      provider: options.provider,
      hint: phase === "connect" ? options.connectionHint : undefined,
    });
  };
  const tooLarge = (maxBytes: number, status: number): SwebenchError =>
    responseTooLargeError({ provider: options.provider, label, origin, maxBytes, status });
  const networkError = (e: unknown, midBody: boolean): SwebenchError => {
    const detail = networkDetail(e, secrets);
    const what = midBody
      ? `connection to ${origin} lost while reading the response`
      : `cannot connect to ${origin}`;
    return new SwebenchError("connection", `${label}: ${what}${detail ? ` (${detail})` : ""}`, {
      provider: options.provider,
      hint: midBody
        ? "The connection dropped mid-response; the call can be retried (check the server or network if it recurs)."
        : options.connectionHint,
      cause: e,
    });
  };

  const timers = totalMs !== undefined || idleMs !== undefined;
  // The body is guarded (its timers, and a caller abort enforced on the reader) whenever there are body timers or a
  // caller signal: Deno's fetch stops cancelling a body on abort once the Response object itself has been garbage
  // collected (only its body stream still referenced, which is how every stream decoder holds it).
  const wrapBody = timers || callers.length > 0;
  // fetch gets our own signal when a timer may abort it or there are two caller signals; a caller abort is forwarded
  // to it by the listener below (cheaper than AbortSignal.any and its weak references). Otherwise the caller's
  // signal goes straight through.
  const internal = connectMs !== undefined || timers || callers.length > 1
    ? new AbortController()
    : undefined;
  const signal = internal !== undefined ? internal.signal : callers[0];

  let failure: SwebenchError | undefined;
  /** The connect or total deadline (whichever applies next), and the idle one; on the shared timer. */
  let deadline: Deadline | undefined;
  let idleDeadline: Deadline | undefined;
  /** The headers arrived: the connect deadline no longer applies, and the body is read (or not) by the caller. */
  let headersArrived = false;
  /** The body (once the headers arrived) and its reader (once read chunk by chunk). */
  let source: ReadableStream<Uint8Array> | null = null;
  let reader: ReadableStreamDefaultReader<Uint8Array> | ReadableStreamBYOBReader | undefined;
  const cancelSource = (reason: unknown) => {
    if (reader !== undefined) void reader.cancel(reason).catch(() => {});
    else if (source !== null && !source.locked) void source.cancel(reason).catch(() => {});
  };
  /** Why the body failed (a timeout, a caller abort, a lost connection): every later read rejects with it. */
  let bodyError: unknown;
  /** Errors the wrapping stream of `toResponse()` at once, when there is one. */
  let onBodyError: ((reason: unknown) => void) | undefined;
  let finished = false;
  /**
   * What a caller abort errors the body with: with body timers the typed error, as before; with only a signal the
   * signal's own reason, as plain fetch does.
   */
  const abortReason = (): unknown => timers ? aborted() : callers.find((s) => s.aborted)?.reason;
  const onCallerAbort = () => {
    if (finished || failure) return;
    const raw = callers.find((s) => s.aborted)?.reason;
    if (!headersArrived) {
      internal?.abort(raw); // before the headers fetch itself rejects (and the catch below types the error)
      return;
    }
    const reason = abortReason();
    if (reason === undefined) return;
    finish();
    bodyError = reason;
    onBodyError?.(reason);
    cancelSource(reason);
    internal?.abort(raw); // ends a body read that fetch does itself (`text()`)
  };
  const finish = () => {
    finished = true;
    cancelDeadline(deadline);
    cancelDeadline(idleDeadline);
    deadline = undefined;
    idleDeadline = undefined;
    for (const s of callers) s.removeEventListener("abort", onCallerAbort);
  };
  const fail = (phase: Phase) => {
    if (finished || failure) return;
    failure = timeoutError(phase);
    finish();
    if (source !== null) {
      bodyError = failure;
      onBodyError?.(failure);
      cancelSource(failure);
    }
    internal!.abort(failure);
  };
  const startedAt = connectMs !== undefined || timers ? performance.now() : 0;
  const connectAt = connectMs === undefined ? Infinity : startedAt + connectMs;
  const totalAt = totalMs === undefined ? Infinity : startedAt + totalMs;
  const onConnectDeadline = () => {
    deadline = undefined;
    fail("connect");
  };
  const onTotalDeadline = () => {
    deadline = undefined;
    fail("total");
  };
  // The idle deadline of the first body read comes at least idleMs from now: the shared timer is armed by then, so
  // that scheduling it does not re-arm the timer (a short call arms it once).
  const idleAt = idleMs === undefined ? Infinity : startedAt + idleMs;
  if (connectAt <= totalAt) {
    if (connectAt !== Infinity) deadline = scheduleDeadline(connectAt, onConnectDeadline, idleAt);
  } else deadline = scheduleDeadline(totalAt, onTotalDeadline, idleAt);
  for (const s of callers) s.addEventListener("abort", onCallerAbort, { once: true });

  let res: Response;
  let finalUrl: string | undefined;
  try {
    const doFetch = options.fetch ?? fetch;
    const withSignal = signal === init.signal ? init : { ...init, signal };
    if (
      secrets.length > 0 && (init.redirect ?? "follow") === "follow" && !(init.body instanceof ReadableStream)
    ) {
      const followed = await followRedirects(doFetch, url, withSignal, secrets, label);
      res = followed.response;
      if (followed.hops > 0) finalUrl = followed.url;
    } else {
      res = await doFetch(input, withSignal);
    }
  } catch (e) {
    finish();
    if (failure) throw failure;
    if (e instanceof SwebenchError) throw e;
    const interrupted = aborted();
    if (interrupted) throw interrupted;
    const permission = permissionError(e);
    if (permission) throw permission;
    if (isRequestError(e)) {
      throw new SwebenchError("invalid_request", `${label}: ${networkDetail(e, secrets)}`, {
        provider: options.provider,
        cause: e,
      });
    }
    if (isNetworkError(e)) throw networkError(e, false);
    throw new SwebenchError(
      "connection",
      `${label}: request to ${origin} failed (${networkDetail(e, secrets)})`,
      {
        provider: options.provider,
        hint: options.connectionHint,
        cause: e,
      },
    );
  }
  headersArrived = true;
  if (deadline !== undefined && deadline.fire === onConnectDeadline) {
    // The connect deadline no longer applies; the total one does (scheduled first: the timer stays armed).
    const connect = deadline;
    deadline = totalAt === Infinity ? undefined : scheduleDeadline(totalAt, onTotalDeadline);
    cancelDeadline(connect);
  }
  if (failure) {
    // A timer fired just as the headers arrived.
    await res.body?.cancel().catch(() => {});
    throw failure;
  }
  if (finalUrl !== undefined) {
    Object.defineProperties(res, { url: { value: finalUrl }, redirected: { value: true } });
  }
  const response = res;
  const body = res.body;
  /** A failure of the body read: the recorded one (timeout, abort) or the read's own error, typed. */
  const bodyFailure = (e: unknown): unknown =>
    bodyError ?? abortReason() ??
      (e instanceof SwebenchError ? e : permissionError(e) ?? networkError(e, true));
  if (!wrapBody || body === null || NULL_BODY.has(res.status)) {
    // Nothing to enforce on the body: it is read as it is.
    finish();
    const plain: TimedResponse = {
      response,
      async read() {
        if (body === null) return { done: true, value: undefined };
        const chunks = (reader ??= body.getReader()) as ReadableStreamDefaultReader<Uint8Array>;
        try {
          return await chunks.read();
        } catch (e) {
          throw bodyFailure(e);
        }
      },
      async text(maxBytes) {
        if (maxBytes !== undefined && !fitsKnownLength(response, maxBytes)) {
          return await boundedText(plain, maxBytes, tooLarge);
        }
        try {
          return await response.text();
        } catch (e) {
          throw bodyFailure(e);
        }
      },
      async cancel(reason) {
        if (reader !== undefined) await reader.cancel(reason).catch(() => {});
        else if (body !== null && !body.locked) await body.cancel(reason).catch(() => {});
      },
      toResponse: () => response,
    };
    return plain;
  }
  source = body;

  let waitingSince = -1;
  const onIdle = () => {
    idleDeadline = undefined;
    if (finished || waitingSince < 0) return; // not waiting for data: the next read re-arms
    const now = performance.now();
    if (now - waitingSince >= idleMs!) fail("idle");
    else idleDeadline = scheduleDeadline(waitingSince + idleMs!, onIdle);
  };
  /** One read of the body (`pending`, just started), under the idle deadline, rejected with the body's failure. */
  const guarded = async (
    pending: Promise<ReadableStreamReadResult<Uint8Array>>,
  ): Promise<ReadableStreamReadResult<Uint8Array>> => {
    if (idleMs !== undefined && !finished) {
      // One deadline per idle period, not per chunk: when due, it checks how long the current read has waited.
      waitingSince = performance.now();
      if (idleDeadline === undefined) idleDeadline = scheduleDeadline(waitingSince + idleMs, onIdle);
    }
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await pending;
    } catch (e) {
      if (bodyError === undefined) {
        bodyError = bodyFailure(e);
        finish();
      }
      throw bodyError;
    }
    if (bodyError !== undefined) throw bodyError; // failed meanwhile (the reader was cancelled)
    waitingSince = -1;
    if (chunk.done) finish();
    return chunk;
  };
  const read = (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    if (bodyError !== undefined) {
      cancelSource(bodyError);
      return Promise.reject(bodyError);
    }
    // The Response stays reachable while its body is read (see wrapBody).
    const chunks = (reader ??= response.body!.getReader()) as ReadableStreamDefaultReader<Uint8Array>;
    return guarded(chunks.read());
  };
  /**
   * The whole body of a known length (at most 8 MiB), read into one buffer of that size (a BYOB reader: no
   * buffer per chunk), the reads timed like `read()`; undefined when the body is not a byte stream.
   */
  const readKnownLength = async (length: number): Promise<Uint8Array | undefined> => {
    let byob: ReadableStreamBYOBReader;
    try {
      byob = response.body!.getReader({ mode: "byob" });
    } catch {
      return undefined; // not a byte stream (a custom fetch): read chunk by chunk
    }
    reader = byob;
    let buffer = new ArrayBuffer(length);
    let received = 0;
    while (received < length) {
      const view = new Uint8Array(buffer, received, length - received);
      const { done, value } = await guarded(byob.read(view));
      if (value !== undefined) buffer = value.buffer as ArrayBuffer;
      if (done) return new Uint8Array(buffer, 0, received);
      received += value!.byteLength;
    }
    // Complete with its last byte: no read waits for the end after it.
    finish();
    void byob.cancel().catch(() => {}); // releases the body's resource; the connection stays reusable
    return new Uint8Array(buffer, 0, received);
  };
  const cancel = async (reason?: unknown): Promise<void> => {
    finish();
    if (reader !== undefined) await reader.cancel(reason).catch(() => {});
    else if (!body.locked) await body.cancel(reason).catch(() => {});
  };
  let wrapped: Response | undefined;
  const timed: TimedResponse = {
    response,
    read,
    async text(maxBytes) {
      if (maxBytes !== undefined && !fitsKnownLength(response, maxBytes)) {
        return await boundedText(timed, maxBytes, tooLarge);
      }
      if (idleMs !== undefined || reader !== undefined) {
        // Chunk by chunk, so that the idle timeout sees every wait; decoded once at the end.
        if (reader === undefined && bodyError === undefined && !response.headers.has("content-encoding")) {
          // A body of known length (not re-encoded by fetch): into one buffer, no read after its last byte.
          const length = Number(response.headers.get("content-length") ?? NaN);
          if (Number.isInteger(length) && length > 0 && length <= MAX_KNOWN_LENGTH) {
            const bytes = await readKnownLength(length);
            if (bytes !== undefined) return decodeUtf8Chunks([bytes]);
          }
        }
        const chunks: Uint8Array[] = [];
        for (;;) {
          const { done, value } = await read();
          if (done) break;
          chunks.push(value);
        }
        return decodeUtf8Chunks(chunks);
      }
      if (bodyError !== undefined) {
        cancelSource(bodyError);
        throw bodyError;
      }
      // At once, natively. The total timer and the caller's signal abort fetch's own signal, which ends this read
      // (the Response is held here, so the abort reaches its body).
      try {
        return await response.text();
      } catch (e) {
        bodyError = bodyFailure(e);
        throw bodyError;
      } finally {
        finish();
      }
    },
    cancel,
    toResponse() {
      if (wrapped !== undefined) return wrapped;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          onBodyError = (reason) => controller.error(reason);
          if (bodyError !== undefined) controller.error(bodyError);
        },
        async pull(controller) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await read();
          } catch (e) {
            controller.error(e);
            return;
          }
          if (bodyError !== undefined) return; // the stream is already errored
          if (chunk.done) controller.close();
          else controller.enqueue(chunk.value);
        },
        cancel,
      }, { highWaterMark: 0 });
      wrapped = new Response(stream, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
      Object.defineProperties(wrapped, { url: { value: res.url }, redirected: { value: res.redirected } });
      return wrapped;
    },
  };
  if (abortReason() !== undefined) onCallerAbort(); // aborted while the headers were being handled
  return timed;
}

/**
 * The `server` error of a success body larger than the most an answer of the call can be (code
 * `response_too_large`): a server or proxy sending far more than the max tokens allow is never read whole.
 *
 * @example
 * ```ts
 * import { responseTooLargeError } from "@swebench/runner/lib";
 * responseTooLargeError({ label: "openai", origin: "https://api.openai.com", maxBytes: 16 * 2 ** 20, status: 200 }).kind; // "server"
 * ```
 */
export function responseTooLargeError(
  options: { provider?: string; label: string; origin: string; maxBytes: number; status: number },
): SwebenchError {
  const mib = Math.round((options.maxBytes / 2 ** 20) * 10) / 10;
  return new SwebenchError(
    "server",
    `${options.label}: the answer from ${options.origin} is larger than ${mib} MiB, the most this call's max ` +
      "tokens allow; it was not read further",
    {
      provider: options.provider,
      status: options.status,
      code: "response_too_large",
      hint: "The server (or a proxy in front of it) sent far more than a model answer: check the base URL. " +
        "The call counts as a server error.",
    },
  );
}

/** The body's declared length is known (not re-encoded by fetch) and at most `maxBytes`: it cannot be larger. */
function fitsKnownLength(response: Response, maxBytes: number): boolean {
  if (response.headers.has("content-encoding")) return false; // the decoded body may be larger than declared
  const length = Number(response.headers.get("content-length") ?? NaN);
  return Number.isInteger(length) && length <= maxBytes;
}

/** The whole body through `read()`, failing (and cancelling it) as soon as it passes `maxBytes`. */
async function boundedText(
  timed: Pick<TimedResponse, "read" | "cancel" | "response">,
  maxBytes: number,
  tooLarge: (maxBytes: number, status: number) => SwebenchError,
): Promise<string> {
  const status = timed.response.status;
  const length = Number(timed.response.headers.get("content-length") ?? NaN);
  if (!timed.response.headers.has("content-encoding") && length > maxBytes) {
    await timed.cancel();
    throw tooLarge(maxBytes, status);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await timed.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await timed.cancel();
      throw tooLarge(maxBytes, status);
    }
    chunks.push(value);
  }
  return decodeUtf8Chunks(chunks);
}
