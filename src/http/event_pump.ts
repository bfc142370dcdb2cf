/**
 * The streamed path of the providers in one stream stage: a ReadableStream of unified events whose `pull` reads
 * the response body and drives synchronous decoders ({@linkcode PushDecoder}s), instead of a chain of web streams
 * with a queue, promises and microtasks per stage for every chunk and every event.
 *
 * Internal to the providers (not exported by `mod.ts`).
 *
 * @module
 */
import { type StreamEvent, SwebenchError } from "../core/mod.ts";
import { responseTooLargeError, type TimedResponse } from "./fetch.ts";
import type { PushDecoder } from "./push_decoder.ts";
import { createBodySniffer } from "./sniff.ts";
import { decodeUtf8Chunks } from "./utf8.ts";

/** Options of {@linkcode eventPump}. */
export interface EventPumpOptions {
  /** Provider name, for the errors made here. */
  provider: string;
  /**
   * Send the request, on the first pull. `signal` aborts when the consumer cancels the stream: pass it to the
   * fetch. Throws for an HTTP error status (the error becomes the stream's error event).
   */
  open(signal: AbortSignal): Promise<TimedResponse>;
  /**
   * The decoder of the body (bytes in, unified events to `emit`), built once the headers arrived. It calls
   * `progress` for data that is not a keep-alive (an SSE event other than `ping`, a thinking delta), where that
   * data gives no unified event; every emitted event counts as progress anyway.
   */
  decoder(
    response: Response,
    emit: (event: StreamEvent) => void,
    progress: () => void,
  ): PushDecoder<Uint8Array>;
  /**
   * The longest time without progress while the body keeps sending only keep-alives (pings, SSE comments), in
   * ms; absent or 0: no limit. (Silence itself is the fetch's idle timeout.) Passed: a `timeout` error.
   */
  idleTimeoutMs?: number;
  /** The most body bytes read (a stream's bytes, pings included); passed: {@linkcode responseTooLargeError}. */
  maxBytes?: number;
  /** The origin called, for error messages. */
  origin?: string;
  /**
   * The error the consumer sees, for a failure (thrown by `open`, the body or a decoder) and for the error of an
   * error event: the provider's name, secrets redacted, a caller abort as `interrupted`.
   */
  toError(error: unknown): SwebenchError;
}

/**
 * A `Provider.stream()` result: one ReadableStream of unified events over a response. The first pull opens the
 * response; every pull reads body chunks and pushes them to the decoder until it emitted an event (or the body
 * ended). Exactly one terminal event (`finish` or `error`) ends the stream, and nothing follows it: error events
 * pass through `toError`, a body that ends without a terminal event ends in a `connection` error, a failure in an
 * error event; after the terminal event (or when the consumer cancels) the body is cancelled.
 *
 * @example
 * ```ts
 * import { eventPump } from "./event_pump.ts";
 * import { fetchTimed } from "./fetch.ts";
 * import { createJsonLinesParser } from "./json_lines.ts";
 * import { toSwebenchError } from "../core/mod.ts";
 * const events = eventPump({
 *   provider: "demo",
 *   open: (signal) => fetchTimed("http://127.0.0.1:11434/api/chat", { method: "POST", body: "{}", signal }),
 *   decoder: (_response, emit) => createJsonLinesParser(() => emit({ type: "text-delta", text: "." })),
 *   toError: (e) => toSwebenchError(e, "connection"),
 * });
 * ```
 */
export function eventPump(options: EventPumpOptions): ReadableStream<StreamEvent> {
  const { provider, toError } = options;
  let timed: TimedResponse | undefined;
  let decoder: PushDecoder<Uint8Array> | undefined;
  /** Events decoded and not yet delivered (one network read often holds several). */
  const queue: StreamEvent[] = [];
  let head = 0;
  /** The terminal event was decoded: nothing more is queued, and the body is no longer needed. */
  let ended = false;
  /** The stream is closed: the terminal event was delivered, or the consumer cancelled. */
  let closed = false;
  let cancelled: AbortController | undefined;
  const idleMs = options.idleTimeoutMs !== undefined && options.idleTimeoutMs > 0 &&
      Number.isFinite(options.idleTimeoutMs)
    ? options.idleTimeoutMs
    : undefined;
  /** Body bytes read so far (for `maxBytes`). */
  let bytes = 0;
  /** When data (not a keep-alive) last arrived; whether the decoder reported some during the current chunk. */
  let progressAt = 0;
  let progressed = false;
  const progress = (): void => {
    progressed = true;
  };
  const accept = (event: StreamEvent): void => {
    if (ended) return;
    queue.push(event);
    if (event.type === "finish" || event.type === "error") ended = true;
  };
  const fail = (error: unknown): void => {
    if (!ended) accept({ type: "error", error: toError(error) });
  };
  /** What the decoder emits: error events (the server's words) pass through `toError` too. */
  const emit = (event: StreamEvent): void => {
    if (event.type === "error") fail(event.error);
    else accept(event);
  };
  /** Deliver the next queued event; the terminal one closes the stream. */
  const deliver = (controller: ReadableStreamDefaultController<StreamEvent>): void => {
    const event = queue[head++];
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    }
    controller.enqueue(event);
    if (event.type === "finish" || event.type === "error") {
      closed = true;
      controller.close();
    }
  };
  return new ReadableStream<StreamEvent>({
    async pull(controller) {
      if (head < queue.length) {
        // Decoded already. One event per pull, delivered asynchronously like one read from the body: a read the
        // consumer cancels meanwhile ends with the stream, not with an event.
        await undefined;
        if (!closed) deliver(controller);
        return;
      }
      try {
        if (timed === undefined) {
          cancelled = new AbortController();
          const opened = await options.open(cancelled.signal);
          if (closed) {
            await opened.cancel();
            return;
          }
          timed = opened;
          if (timed.response.body === null) {
            fail(new SwebenchError("server", `${provider}: empty response body.`, { provider }));
          } else {
            decoder = options.decoder(timed.response, emit, progress);
            progressAt = performance.now();
          }
        }
        // Read until an event was decoded (the consumer asked for one), or the body ended.
        while (!ended && head === queue.length) {
          const { done, value } = await timed.read();
          if (closed) return;
          if (done) {
            decoder!.end();
            fail(new SwebenchError("connection", `${provider}: the stream ended early.`, { provider }));
            break;
          }
          bytes += value.byteLength;
          if (options.maxBytes !== undefined && bytes > options.maxBytes) {
            fail(responseTooLargeError({
              provider,
              label: provider,
              origin: options.origin ?? "the server",
              maxBytes: options.maxBytes,
              status: timed.response.status,
            }));
            break;
          }
          const before = queue.length;
          progressed = false;
          decoder!.push(value);
          if (idleMs !== undefined) {
            const now = performance.now();
            if (progressed || queue.length > before) progressAt = now;
            else if (!ended && now - progressAt > idleMs) {
              fail(keepAliveOnlyError(provider, options.origin, idleMs));
              break;
            }
          }
        }
      } catch (error) {
        if (closed) return;
        fail(error);
      }
      if (closed) return;
      deliver(controller);
      if (ended) await timed?.cancel(); // the rest of the body is not needed
    },
    async cancel(reason) {
      closed = true;
      queue.length = 0;
      head = 0;
      cancelled?.abort(reason);
      await timed?.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** The `timeout` error of a stream that sent only keep-alives for `idleMs`. */
function keepAliveOnlyError(provider: string, origin: string | undefined, idleMs: number): SwebenchError {
  return new SwebenchError(
    "timeout",
    `${provider}: the stream${origin ? ` from ${origin}` : ""} sent only keep-alive pings, no data, for ${
      Math.round(idleMs / 1000)
    } s (idle timeout)`,
    {
      provider,
      hint: "The server holds the connection open without answering. Retried like a timeout; raise " +
        "--idle-timeout if a model really thinks this long without sending anything.",
    },
  );
}

/** What {@linkcode sniffingDecoder} does with a body, once its first meaningful character is known. */
export interface SniffingDecoderOptions {
  /** The decoder of an event stream (any body that does not start with `{`, `[` or `<`). */
  stream(): PushDecoder<Uint8Array>;
  /**
   * A body that starts with `{` or `[` (a whole JSON answer or error) or `<` (an HTML page): called once, at its
   * end, with the whole text (UTF-8, a BOM dropped) and that first character. It emits the events itself.
   */
  whole(text: string, first: string): void;
  /** Called for each chunk of a whole body (data, not keep-alives: see `EventPumpOptions.decoder`). */
  progress?: () => void;
}

/**
 * A decoder that looks at the body first: servers and proxies answer a stream request with a whole JSON answer
 * or error, or an HTML page, whatever their content type says. The first meaningful character (after a BOM and
 * whitespace, as {@linkcode createBodySniffer} finds it) decides: `{`, `[` or `<` collect the whole body for
 * `whole`, anything else (an empty or blank body too) goes to `stream()`'s decoder, the chunks seen so far first.
 *
 * @example
 * ```ts
 * import { sniffingDecoder } from "./event_pump.ts";
 * import { createJsonLinesParser } from "./json_lines.ts";
 * const decoder = sniffingDecoder({
 *   stream: () => createJsonLinesParser((v) => console.log("line", v)),
 *   whole: (text, first) => console.log(first === "<" ? "HTML" : "JSON", text.length),
 * });
 * ```
 */
export function sniffingDecoder(options: SniffingDecoderOptions): PushDecoder<Uint8Array> {
  const sniff = createBodySniffer();
  let seen: Uint8Array[] = [];
  let inner: PushDecoder<Uint8Array> | undefined;
  let whole: { first: string; chunks: Uint8Array[] } | undefined;
  let done = false;
  const decide = (first: string): void => {
    const chunks = seen;
    seen = [];
    if (first === "{" || first === "[" || first === "<") {
      whole = { first, chunks };
    } else {
      inner = options.stream();
      for (const chunk of chunks) {
        if (inner.done) break;
        inner.push(chunk);
      }
    }
  };
  return {
    push(chunk) {
      if (inner !== undefined) inner.push(chunk);
      else if (whole !== undefined) {
        whole.chunks.push(chunk);
        options.progress?.();
      } else {
        seen.push(chunk);
        const first = sniff(chunk);
        if (first !== undefined) decide(first);
      }
    },
    end() {
      if (done) return;
      done = true;
      if (inner === undefined && whole === undefined) decide("");
      if (inner !== undefined) inner.end();
      else if (whole !== undefined) options.whole(decodeUtf8Chunks(whole.chunks), whole.first);
    },
    get done() {
      return inner !== undefined ? inner.done : done;
    },
  };
}
