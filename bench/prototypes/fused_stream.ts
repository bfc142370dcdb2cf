/**
 * PROTOTYPE of the streaming fix proposed for `src/http/sse.ts`, the stream codecs and the providers' `stream()`
 * (benchmarks only; the lead applies the real change). It reuses the REAL codec logic: the transformer object of
 * `openAIStreamDecoder()` / `anthropicStreamDecoder()` is captured when the TransformStream is constructed and
 * driven synchronously, so the decoding rules are exactly today's.
 *
 * Today a streamed call moves every event through 6 stream hops: fetch body -> decode TransformStream ->
 * EventSourceParserStream -> mapping TransformStream (joined by pipeTo) -> vendor decoder TransformStream ->
 * `guardStream` ReadableStream (OpenAI only) -> the `stream()` ReadableStream. Each hop costs queue bookkeeping,
 * promises and microtasks per event (~1 µs each on this machine) and dominates a streamed call's client CPU.
 *
 * The proposal: decode synchronously and keep one stream. `stream()`'s pull reads a byte chunk from the body,
 * feeds it to TextDecoder + eventsource-parser's `createParser` whose `onEvent` calls the vendor decoder's step
 * function directly, and enqueues the resulting events: per chunk one body read, per event one enqueue.
 *
 * @module
 */
import { createParser } from "eventsource-parser";
import {
  type CallOptions,
  type StreamEvent,
  SwebenchError,
  toSwebenchError,
  type UnifiedRequest,
} from "../../src/core/mod.ts";
import type { SseEvent } from "../../src/http/sse.ts";
import { fetchWithTimeout } from "../../src/http/fetch.ts";
import { errorFromResponse } from "../../src/http/status.ts";
import { parseRateLimitHeaders } from "../../src/http/rate_limit_headers.ts";
import { encodeOpenAIRequest, openAIStreamDecoder } from "../../src/providers/openai_codec.ts";
import { anthropicStreamDecoder, encodeAnthropicRequest } from "../../src/providers/anthropic_codec.ts";

/**
 * The transformer object a TransformStream factory passes to the constructor (captured, not copied).
 *
 * @example
 * ```ts
 * const t = captureTransformer(() => new TransformStream({ transform(c, k) { k.enqueue(c) } }));
 * ```
 */
export function captureTransformer<I, O>(make: () => TransformStream<I, O>): Transformer<I, O> {
  const Original = globalThis.TransformStream;
  let captured: Transformer<I, O> | undefined;
  globalThis.TransformStream = class<A, B> extends Original<A, B> {
    constructor(transformer?: Transformer<A, B>, ...rest: unknown[]) {
      captured = transformer as unknown as Transformer<I, O>;
      super(transformer, ...(rest as [QueuingStrategy<A>?, QueuingStrategy<B>?]));
    }
  } as typeof TransformStream;
  try {
    make();
  } finally {
    globalThis.TransformStream = Original;
  }
  if (captured === undefined) throw new Error("no TransformStream was constructed");
  return captured;
}

/**
 * Two transformers run as one: every chunk `first` enqueues goes straight into `second.transform` (no stream hop).
 *
 * @example
 * ```ts
 * const both = new TransformStream(chainTransformers(captureTransformer(() => jsonLinesDecoder()),
 *   captureTransformer(() => ollamaStreamDecoder())));
 * ```
 */
export function chainTransformers<A, B, C>(
  first: Transformer<A, B>,
  second: Transformer<B, C>,
): Transformer<A, C> {
  let inner!: TransformStreamDefaultController<B>;
  let terminated = false;
  return {
    start(controller) {
      inner = {
        desiredSize: 1,
        enqueue(chunk: B) {
          if (!terminated) second.transform!(chunk, controller);
        },
        error(reason: unknown) {
          controller.error(reason);
        },
        terminate() {
          terminated = true;
          controller.terminate();
        },
      } as unknown as TransformStreamDefaultController<B>;
    },
    transform(chunk) {
      if (!terminated) return first.transform!(chunk, inner);
    },
    async flush(controller) {
      if (!terminated) await first.flush?.(inner);
      if (!terminated) await second.flush?.(controller);
    },
  };
}

/** A synchronous bytes -> unified events decoder. */
export interface SyncDecoder {
  /** Feed a byte chunk; events are emitted synchronously. */
  push(chunk: Uint8Array): void;
  /** The input ended (flushes the SSE parser and the vendor decoder). */
  end(): void;
  /** The vendor decoder emitted its terminal event (or terminated). */
  readonly done: boolean;
}

/**
 * TextDecoder + eventsource-parser `createParser` + the vendor decoder's step function, all synchronous.
 *
 * @example
 * ```ts
 * const d = syncDecoder(() => openAIStreamDecoder(), (e) => console.log(e));
 * ```
 */
export function syncDecoder(
  makeVendor: () => TransformStream<SseEvent, StreamEvent>,
  emit: (event: StreamEvent) => void,
): SyncDecoder {
  const vendor = captureTransformer(makeVendor);
  const text = new TextDecoder();
  let done = false;
  const controller = {
    desiredSize: 1,
    enqueue(event: StreamEvent) {
      if (!done) emit(event);
    },
    error(reason: unknown) {
      if (!done) emit({ type: "error", error: toSwebenchError(reason, "server") });
      done = true;
    },
    terminate() {
      done = true;
    },
  } as unknown as TransformStreamDefaultController<StreamEvent>;
  const parser = createParser({
    onEvent(m) {
      if (done) return;
      const e: SseEvent = m.event === undefined ? { data: m.data } : { event: m.event, data: m.data };
      if (m.id !== undefined) e.id = m.id;
      vendor.transform!(e, controller);
    },
  });
  return {
    push(chunk) {
      if (done) return;
      const s = text.decode(chunk, { stream: true });
      if (s !== "") parser.feed(s);
    },
    end() {
      if (done) return;
      parser.feed(`${text.decode()}\n\n`);
      if (!done) vendor.flush?.(controller);
      done = true;
    },
    get done() {
      return done;
    },
  };
}

/**
 * One TransformStream doing the whole bytes -> unified events work (for the in-memory stream benchmark).
 *
 * @example
 * ```ts
 * const events = body.pipeThrough(fusedEventDecoder(() => openAIStreamDecoder()));
 * ```
 */
export function fusedEventDecoder(
  makeVendor: () => TransformStream<SseEvent, StreamEvent>,
): TransformStream<Uint8Array, StreamEvent> {
  let decoder: SyncDecoder;
  return new TransformStream<Uint8Array, StreamEvent>({
    start(controller) {
      decoder = syncDecoder(makeVendor, (e) => controller.enqueue(e));
    },
    transform(chunk) {
      decoder.push(chunk);
    },
    flush() {
      decoder.end();
    },
  });
}

/** What the prototype stream needs of a provider. */
export interface ProposedStreamOptions {
  /** `openai` (base URL with /v1) or `anthropic` (base URL without /v1). */
  kind: "openai" | "anthropic";
  /** Base URL. */
  baseUrl: string;
  /** API key. */
  apiKey: string;
  /** Timeouts, as `ProviderOptions.timeouts`. */
  timeouts?: { connectTimeoutMs?: number; totalTimeoutMs?: number; idleTimeoutMs?: number };
  /**
   * `false`: do not let `fetchWithTimeout` wrap the body for the caller's signal (it wraps it whenever a signal is
   * passed, one more stream hop per chunk); this stream owns the body reader, keeps the Response reachable and
   * cancels the reader itself on abort. Only without body timeouts (default `true`: today's fetchWithTimeout).
   */
  bodyWrapper?: boolean;
}

/**
 * A `Provider.stream` with the proposed single-stream design (happy path and error events as today's).
 *
 * @example
 * ```ts
 * const stream = proposedStream({ kind: "openai", baseUrl: "http://127.0.0.1:8000/v1", apiKey: "sk" });
 * for await (const e of stream({ model: "m", prompt: "hi" })) console.log(e.type);
 * ```
 */
export function proposedStream(
  options: ProposedStreamOptions,
): (request: UnifiedRequest, call?: CallOptions) => ReadableStream<StreamEvent> {
  const name = options.kind;
  const openai = options.kind === "openai";
  const url = openai ? `${options.baseUrl}/chat/completions` : `${options.baseUrl}/v1/messages`;
  const auth: Record<string, string> = openai
    ? { authorization: `Bearer ${options.apiKey}` }
    : { "x-api-key": options.apiKey, "anthropic-version": "2023-06-01" };
  return (request, call = {}) => {
    const cancel = new AbortController();
    const signal = call.signal ? AbortSignal.any([call.signal, cancel.signal]) : cancel.signal;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let decoder: SyncDecoder | undefined;
    let closed = false;
    let emitted = 0;
    let requestId: string | undefined;
    let rateLimit: ReturnType<typeof parseRateLimitHeaders>;
    let out!: ReadableStreamDefaultController<StreamEvent>;
    let response: Response | undefined; // kept reachable while the body is read
    let sniffed = false; // the first non-blank byte was checked (an event stream, not a whole JSON/HTML body)
    const unwrapped = options.bodyWrapper === false && options.timeouts?.totalTimeoutMs === undefined &&
      options.timeouts?.idleTimeoutMs === undefined;
    const onAbort = () => {
      if (closed) return;
      emit({ type: "error", error: new SwebenchError("interrupted", `${name}: the call was aborted.`) });
      void reader?.cancel(signal.reason).catch(() => {});
    };
    const emit = (event: StreamEvent): void => {
      if (closed) return;
      if (event.type === "start" && (requestId !== undefined || rateLimit !== undefined)) {
        event = { ...event };
        if (requestId !== undefined) event.requestId = requestId;
        if (rateLimit !== undefined) event.rateLimit = rateLimit;
      }
      emitted++;
      out.enqueue(event);
      if (event.type === "finish" || event.type === "error") {
        closed = true;
        out.close();
      }
    };
    return new ReadableStream<StreamEvent>({
      start(controller) {
        out = controller;
      },
      async pull() {
        try {
          if (reader === undefined) {
            const body = JSON.stringify(
              openai
                ? encodeOpenAIRequest(request, { stream: true })
                : encodeAnthropicRequest(request, { stream: true }),
            );
            const init = {
              method: "POST",
              headers: { ...auth, accept: "text/event-stream", "content-type": "application/json" },
              body,
            };
            if (unwrapped) {
              // The signal aborts the request before the headers (fetch rejects); after them, onAbort cancels.
              response = await fetchWithTimeout(url, { ...init, signal }, {
                connectTimeoutMs: options.timeouts?.connectTimeoutMs,
                provider: name,
              }).catch((e) => {
                throw signal.aborted ? new SwebenchError("interrupted", `${name}: the call was aborted.`) : e;
              });
              signal.addEventListener("abort", onAbort, { once: true });
            } else {
              response = await fetchWithTimeout(url, init, { ...options.timeouts, signal, provider: name });
            }
            if (!response.ok) throw await errorFromResponse(response, { provider: name });
            if (closed || response.body === null) {
              await response.body?.cancel().catch(() => {});
              if (!closed) {
                emit({ type: "error", error: new SwebenchError("server", `${name}: empty body.`) });
              }
              return;
            }
            requestId = response.headers.get("x-request-id") ?? response.headers.get("request-id") ??
              undefined;
            rateLimit = parseRateLimitHeaders(response.headers);
            decoder = syncDecoder(
              openai
                ? () => openAIStreamDecoder({ provider: name })
                : () => anthropicStreamDecoder({ provider: name }),
              emit,
            );
            reader = response.body.getReader();
          }
          // Read until this pull produced an event (or the stream ended).
          const before = emitted;
          while (!closed && emitted === before) {
            const { done, value } = await reader.read();
            if (done) {
              decoder!.end();
              if (!closed) {
                emit({
                  type: "error",
                  error: new SwebenchError("connection", `${name}: the stream ended early.`, {
                    provider: name,
                  }),
                });
              }
              break;
            }
            if (!sniffed) {
              // What `sniffBody` decides today, synchronously on the first bytes: a body that starts with
              // `{`, `[` or `<` is a whole JSON answer or an HTML page (not handled by this prototype).
              let i = 0;
              while (
                i < value.length &&
                (value[i] <= 0x20 || value[i] === 0xef || value[i] === 0xbb || value[i] === 0xbf)
              ) i++;
              if (i < value.length) {
                sniffed = true;
                if (value[i] === 0x7b || value[i] === 0x5b || value[i] === 0x3c) {
                  emit({
                    type: "error",
                    error: new SwebenchError("server", `${name}: not an event stream.`),
                  });
                  break;
                }
              }
            }
            decoder!.push(value);
          }
        } catch (error) {
          emit({ type: "error", error: toSwebenchError(error, "connection") });
        }
        if (closed) {
          signal.removeEventListener("abort", onAbort);
          await reader?.cancel().catch(() => {});
        }
      },
      async cancel(reason) {
        closed = true;
        signal.removeEventListener("abort", onAbort);
        cancel.abort(reason);
        await reader?.cancel(reason).catch(() => {});
      },
    }, { highWaterMark: 0 });
  };
}
