/**
 * `fetch` with connect, total and idle-between-chunks timeouts, the caller's AbortSignal, and failures mapped to
 * {@linkcode SwebenchError} kinds (`timeout`, `connection`, `permission`, `interrupted`).
 *
 * @module
 */
import { type CallOptions, SwebenchError } from "../core/mod.ts";
import { redact } from "./auth.ts";
import { permissionError } from "./permission.ts";

/**
 * Options of {@linkcode fetchWithTimeout}: the per-call {@linkcode CallOptions} (signal and timeouts, in
 * milliseconds; absent, 0 or non-finite means no limit) plus context for error messages.
 *
 * @example
 * ```ts
 * import type { FetchOptions } from "@swebench/runner";
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
}

type Phase = "connect" | "total" | "idle";
type Timer = ReturnType<typeof setTimeout>;

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
  const headers = new Headers(init.headers);
  for (let hops = 0;; hops++) {
    const response = await doFetch(current, { ...init, method, body, headers, redirect: "manual" });
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
 * the end, errors or is cancelled, so consume or cancel it. A caller abort mid-body errors the body (with body
 * timeouts: the `interrupted` SwebenchError, or the reason when it is one; with only a signal: the signal's reason,
 * as plain fetch does) and cancels the connection's body itself: Deno's fetch stops doing so once the Response
 * object has been garbage collected while its body stream is still being read. Without a signal or body timeouts
 * the original Response is returned.
 *
 * @example
 * ```ts
 * import { fetchWithTimeout } from "@swebench/runner";
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
  const connectMs = limit(options.connectTimeoutMs);
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

  // Our own controller only when a timer may have to abort; otherwise the caller's signal goes straight through.
  const timers = totalMs !== undefined || idleMs !== undefined;
  // The body is wrapped for its timers, and whenever the caller has a signal: Deno's fetch stops cancelling a body
  // on abort once the Response object itself has been garbage collected (only its body stream still referenced,
  // which is how every stream decoder holds it), so a caller abort mid-body is enforced here, on the reader.
  const wrapBody = timers || callers.length > 0;
  let internal: AbortController | undefined;
  let signal: AbortSignal | undefined;
  if (connectMs !== undefined || timers) {
    internal = new AbortController();
    signal = callers.length === 0 ? internal.signal : AbortSignal.any([...callers, internal.signal]);
  } else {
    signal = callers.length === 0 ? undefined : callers.length === 1 ? callers[0] : AbortSignal.any(callers);
  }

  let failure: SwebenchError | undefined;
  let connectTimer: Timer | undefined;
  let totalTimer: Timer | undefined;
  let idleTimer: Timer | undefined;
  let bodyController: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** The original body's reader (set once the headers arrived), cancelled on abort and timeouts. */
  const source: { reader?: ReadableStreamDefaultReader<Uint8Array> } = {};
  const cancelSource = (reason: unknown) => void source.reader?.cancel(reason).catch(() => {});
  let finished = false;
  /**
   * What a caller abort errors the body with: with body timers the typed error, as before; with only a signal the
   * signal's own reason, as plain fetch does.
   */
  const abortReason = (): unknown => timers ? aborted() : callers.find((s) => s.aborted)?.reason;
  const onCallerAbort = () => {
    if (finished || failure) return;
    const reason = abortReason();
    if (reason === undefined || bodyController === undefined) return; // before the headers fetch itself rejects
    finish();
    bodyController.error(reason);
    cancelSource(reason);
  };
  const finish = () => {
    finished = true;
    clearTimeout(connectTimer);
    clearTimeout(totalTimer);
    clearTimeout(idleTimer);
    idleTimer = undefined;
    for (const s of callers) s.removeEventListener("abort", onCallerAbort);
  };
  const fail = (phase: Phase) => {
    if (finished || failure) return;
    failure = timeoutError(phase);
    finish();
    bodyController?.error(failure);
    cancelSource(failure);
    internal!.abort(failure);
  };
  if (connectMs !== undefined) connectTimer = setTimeout(fail, connectMs, "connect");
  if (totalMs !== undefined) totalTimer = setTimeout(fail, totalMs, "total");

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
  clearTimeout(connectTimer);
  if (failure) {
    // A timer fired just as the headers arrived.
    await res.body?.cancel().catch(() => {});
    throw failure;
  }
  if (!wrapBody || res.body === null || NULL_BODY.has(res.status)) {
    finish();
    if (finalUrl !== undefined) {
      Object.defineProperties(res, { url: { value: finalUrl }, redirected: { value: true } });
    }
    return res;
  }

  const reader = res.body.getReader();
  source.reader = reader;
  let waitingSince = -1;
  const onIdle = () => {
    idleTimer = undefined;
    if (finished || waitingSince < 0) return; // not waiting for data: the next read re-arms
    const elapsed = performance.now() - waitingSince;
    if (elapsed >= idleMs!) fail("idle");
    else idleTimer = setTimeout(onIdle, idleMs! - elapsed);
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      bodyController = controller;
    },
    async pull(controller) {
      if (idleMs !== undefined) {
        // One timer per idle period, not per chunk: a firing timer checks how long the current read has waited.
        waitingSince = performance.now();
        if (idleTimer === undefined) idleTimer = setTimeout(onIdle, idleMs);
      }
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
        void res; // the Response stays reachable while its body is read (see wrapBody)
      } catch (e) {
        if (!finished) {
          finish();
          controller.error(abortReason() ?? permissionError(e) ?? networkError(e, true));
        }
        return;
      }
      if (finished) return; // failed meanwhile; the stream is already errored
      waitingSince = -1;
      if (chunk.done) {
        finish();
        controller.close();
      } else {
        controller.enqueue(chunk.value);
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  for (const s of callers) s.addEventListener("abort", onCallerAbort, { once: true });
  if (abortReason() !== undefined) onCallerAbort(); // aborted while the headers were being handled

  const wrapped = new Response(body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
  Object.defineProperties(wrapped, {
    url: { value: finalUrl ?? res.url },
    redirected: { value: finalUrl !== undefined || res.redirected },
  });
  return wrapped;
}
