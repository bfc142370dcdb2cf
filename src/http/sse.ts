/**
 * Server-sent events: bytes -> {@linkcode SseEvent}s, on `eventsource-parser`'s `EventSourceParserStream`.
 *
 * @module
 */
import { EventSourceParserStream } from "eventsource-parser/stream";
import type { EventSourceMessage } from "eventsource-parser/stream";
import { SwebenchError } from "../core/mod.ts";

/**
 * One server-sent event. `event` and `id` are present only when the server sent them.
 *
 * @example
 * ```ts
 * import type { SseEvent } from "@swebench/runner";
 * const e: SseEvent = { event: "message_stop", data: '{"type":"message_stop"}' };
 * ```
 */
export interface SseEvent {
  /** The `event:` field (Anthropic's event names); absent for unnamed events. */
  event?: string;
  /** The `data:` lines, joined with `\n`. */
  data: string;
  /** The `id:` field. */
  id?: string;
}

/**
 * Options of {@linkcode sseDecoder}.
 *
 * @example
 * ```ts
 * import { sseDecoder } from "@swebench/runner";
 * const decoder = sseDecoder({ maxBufferSize: 1 << 20 });
 * ```
 */
export interface SseDecoderOptions {
  /** Most characters one event (or one unfinished line) may buffer; beyond, the stream errors (default 16 Mi). */
  maxBufferSize?: number;
}

const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024;

/**
 * Bytes -> SSE events: UTF-8 decoding in streaming mode (what `TextDecoderStream` does: sequences split between
 * chunks are joined) piped into `eventsource-parser`'s `EventSourceParserStream` (`\n`, `\r\n` and `\r` line ends,
 * `: comment` lines skipped, `event:` / `id:` fields, multi-line `data:` joined with `\n`, a leading BOM dropped).
 * Data is passed through as sent: whitespace padding after the JSON (Anthropic) is left to `JSON.parse`, which
 * ignores it.
 *
 * **End of stream.** eventsource-parser follows the WHATWG rule that an event is dispatched only on a blank line,
 * and its stream has no flush: a last event not followed by a blank line (or a last line without any newline) is
 * silently dropped. Real servers end that way (an OpenAI-compatible gateway's body ends `data: [DONE]\n`), and
 * dropping the terminal marker would turn a complete answer into "stream ended early". So the decoding stage (used
 * instead of `TextDecoderStream`, which has no flush hook) ends the input with a blank line and the pending event
 * is dispatched. A body cut mid-line thus yields its partial last line as data, which the provider decoder's
 * `JSON.parse` rejects: never a silent success.
 *
 * An event larger than `maxBufferSize` errors the stream with a SwebenchError of kind `server`. Errors of the
 * byte stream (timeouts, connection loss) pass through unchanged.
 *
 * @example
 * ```ts
 * import { sseDecoder } from "@swebench/runner";
 * const res = await fetch("http://127.0.0.1:8080/v1/chat/completions", { method: "POST", body: "{}" });
 * for await (const event of res.body!.pipeThrough(sseDecoder())) {
 *   if (event.data === "[DONE]") break;
 *   console.log(JSON.parse(event.data));
 * }
 * ```
 */
export function sseDecoder(options: SseDecoderOptions = {}): ReadableWritablePair<SseEvent, Uint8Array> {
  const maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_BUFFER;
  // TextDecoderStream's work (a streaming TextDecoder) plus the flush it lacks: end the text with a blank line so
  // that eventsource-parser dispatches a last event left without one.
  const decoder = new TextDecoder();
  const decode = new TransformStream<Uint8Array, string>({
    transform(chunk, controller) {
      const text = decoder.decode(chunk, { stream: true });
      if (text !== "") controller.enqueue(text);
    },
    flush(controller) {
      controller.enqueue(`${decoder.decode()}\n\n`);
    },
  });
  let output: TransformStreamDefaultController<SseEvent>;
  const toEvent = new TransformStream<EventSourceMessage, SseEvent>({
    start(controller) {
      output = controller;
    },
    transform(m, controller) {
      const e: SseEvent = m.event === undefined ? { data: m.data } : { event: m.event, data: m.data };
      if (m.id !== undefined) e.id = m.id;
      controller.enqueue(e);
    },
    cancel(reason) {
      // Upstream failed. Only the parser's own error (an oversized event) is translated; others pass through.
      if (reason instanceof Error && reason.name === "ParseError") {
        output.error(
          new SwebenchError("server", `server-sent event larger than ${maxBufferSize} characters`, {
            cause: reason,
          }),
        );
      }
    },
  });
  decode.readable
    .pipeThrough(new EventSourceParserStream({ maxBufferSize }))
    .pipeTo(toEvent.writable)
    .catch(() => {}); // errors reach the consumer through toEvent.readable
  return { writable: decode.writable, readable: toEvent.readable };
}

/**
 * True when a body is an event stream whatever its content type says: after an optional BOM and whitespace it
 * starts with an SSE field (`data:`, `event:`, `id:`, `retry:`) or a `:` comment line. JSON (which starts with
 * `{`, `[`, `"`, a digit or a literal) and HTML never match. For servers and proxies that label their event stream
 * `application/json` or `application/x-ndjson`, or stream although a whole answer was asked for.
 *
 * @example
 * ```ts
 * import { looksLikeEventStream } from "@swebench/runner";
 * looksLikeEventStream('data: {"a":1}\n\n'); // true
 * looksLikeEventStream('{"a":1}'); // false
 * ```
 */
export function looksLikeEventStream(text: string): boolean {
  return /^\uFEFF?\s*(?:data|event|id|retry)?:/.test(text);
}
