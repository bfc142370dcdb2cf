/**
 * PROTOTYPE of the fix proposed for `src/http/sse.ts` (benchmarks only; the lead applies the real change).
 *
 * `sseDecoder()` today chains three streams (a decoding TransformStream, eventsource-parser's
 * `EventSourceParserStream`, and a mapping TransformStream, joined by `pipeThrough` + `pipeTo`): every chunk and
 * every event pays two extra stream hops (queue, promise, microtasks). This version does the same work in ONE
 * TransformStream: a streaming `TextDecoder`, eventsource-parser's own `createParser` (the parser inside
 * `EventSourceParserStream`, same library, same rules) whose `onEvent` enqueues the mapped {@linkcode SseEvent}
 * directly, and the same flush (a final blank line so a last event without one is dispatched) and the same
 * oversized-event error (SwebenchError kind `server`).
 *
 * @module
 */
import { createParser, type EventSourceMessage, type ParseError } from "eventsource-parser";
import { SwebenchError } from "../../src/core/mod.ts";
import type { SseDecoderOptions, SseEvent } from "../../src/http/sse.ts";

const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024;

/**
 * Bytes -> SSE events in a single TransformStream (drop-in for `sseDecoder`).
 *
 * @example
 * ```ts
 * import { sseDecoderFused } from "./sse_fused.ts";
 * const body = ReadableStream.from([new TextEncoder().encode("data: 1\n\ndata: 2\n")]);
 * for await (const e of body.pipeThrough(sseDecoderFused())) console.log(e.data); // 1, 2
 * ```
 */
export function sseDecoderFused(
  options: SseDecoderOptions = {},
): ReadableWritablePair<SseEvent, Uint8Array> {
  const maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_BUFFER;
  const decoder = new TextDecoder();
  let output!: TransformStreamDefaultController<SseEvent>;
  let failed = false;
  const parser = createParser({
    maxBufferSize,
    onEvent(m: EventSourceMessage) {
      const e: SseEvent = m.event === undefined ? { data: m.data } : { event: m.event, data: m.data };
      if (m.id !== undefined) e.id = m.id;
      output.enqueue(e);
    },
    onError(error: ParseError) {
      // Like EventSourceParserStream: only an oversized event is fatal; other parse errors are ignored.
      if (error.type === "max-buffer-size-exceeded" && !failed) {
        failed = true;
        output.error(
          new SwebenchError("server", `server-sent event larger than ${maxBufferSize} characters`, {
            cause: error,
          }),
        );
      }
    },
  });
  return new TransformStream<Uint8Array, SseEvent>({
    start(controller) {
      output = controller;
    },
    transform(chunk) {
      if (failed) return;
      const text = decoder.decode(chunk, { stream: true });
      if (text !== "") parser.feed(text);
    },
    flush() {
      if (!failed) parser.feed(`${decoder.decode()}\n\n`);
    },
  });
}
