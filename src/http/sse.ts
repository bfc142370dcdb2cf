/**
 * Server-sent events: bytes -> {@linkcode SseEvent}s, on `eventsource-parser`'s parser.
 *
 * @module
 */
import { createParser, type EventSourceMessage, type ParseError } from "eventsource-parser";
import { SwebenchError } from "../core/mod.ts";
import { type PushDecoder, pushDecoderStream } from "./push_decoder.ts";
import { createUtf8Decoder } from "./utf8.ts";

/**
 * One server-sent event. `event` and `id` are present only when the server sent them.
 *
 * @example
 * ```ts
 * import type { SseEvent } from "@swebench/runner/lib";
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
 * import { sseDecoder } from "@swebench/runner/lib";
 * const decoder = sseDecoder({ maxBufferSize: 1 << 20 });
 * ```
 */
export interface SseDecoderOptions {
  /** Most characters one event (or one unfinished line) may buffer; beyond, the stream errors (default 16 Mi). */
  maxBufferSize?: number;
}

const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024;

/**
 * Bytes -> SSE events, synchronously: the {@linkcode PushDecoder} that {@linkcode sseDecoder} runs, for callers that
 * drive the decoding themselves (the providers feed it each network read and get the events at once). Same rules
 * as {@linkcode sseDecoder}: `end()` ends the text with a blank line, so a last event without one is dispatched; an
 * event larger than `maxBufferSize` makes `push` throw a SwebenchError of kind `server` (the parser is then done).
 *
 * @example
 * ```ts
 * import { createSseParser, type SseEvent } from "@swebench/runner/lib";
 * const events: SseEvent[] = [];
 * const parser = createSseParser((e) => events.push(e));
 * parser.push(new TextEncoder().encode("event: ping\ndata: {}\n\ndata: [DO"));
 * parser.push(new TextEncoder().encode("NE]\n"));
 * parser.end(); // events: [{ event: "ping", data: "{}" }, { data: "[DONE]" }]
 * ```
 */
export function createSseParser(
  emit: (event: SseEvent) => void,
  options: SseDecoderOptions = {},
): PushDecoder<Uint8Array> {
  const maxBufferSize = options.maxBufferSize ?? DEFAULT_MAX_BUFFER;
  // TextDecoderStream's work (streaming UTF-8 decoding), then eventsource-parser's own parser: the one inside its
  // EventSourceParserStream, with the same rules, called directly.
  const decoder = createUtf8Decoder();
  let done = false;
  let oversized: ParseError | undefined;
  const parser = createParser({
    maxBufferSize,
    onEvent(m: EventSourceMessage) {
      const e: SseEvent = m.event === undefined ? { data: m.data } : { event: m.event, data: m.data };
      if (m.id !== undefined) e.id = m.id;
      emit(e);
    },
    onError(error: ParseError) {
      // Like EventSourceParserStream: only an oversized event is fatal; other parse errors (an unknown field, a
      // bad `retry`) are ignored.
      if (error.type === "max-buffer-size-exceeded") oversized ??= error;
    },
  });
  const feed = (text: string): void => {
    parser.feed(text);
    if (oversized !== undefined) {
      done = true;
      throw new SwebenchError("server", `server-sent event larger than ${maxBufferSize} characters`, {
        cause: oversized,
      });
    }
  };
  return {
    push(chunk) {
      if (done) return;
      const text = decoder.decode(chunk);
      if (text !== "") feed(text);
    },
    end() {
      if (done) return;
      done = true;
      // eventsource-parser dispatches an event only on a blank line: end the input with one.
      parser.feed(`${decoder.end()}\n\n`);
      if (oversized !== undefined) {
        throw new SwebenchError("server", `server-sent event larger than ${maxBufferSize} characters`, {
          cause: oversized,
        });
      }
    },
    get done() {
      return done;
    },
  };
}

/**
 * Bytes -> SSE events: UTF-8 decoding in streaming mode (what `TextDecoderStream` does: sequences split between
 * chunks are joined) into `eventsource-parser`'s parser (`\n`, `\r\n` and `\r` line ends, `: comment` lines
 * skipped, `event:` / `id:` fields, multi-line `data:` joined with `\n`, a leading BOM dropped), in one
 * TransformStream ({@linkcode createSseParser}). Data is passed through as sent: whitespace padding after the JSON
 * (Anthropic) is left to `JSON.parse`, which ignores it.
 *
 * **End of stream.** eventsource-parser follows the WHATWG rule that an event is dispatched only on a blank line,
 * and its stream has no flush: a last event not followed by a blank line (or a last line without any newline) is
 * silently dropped. Real servers end that way (an OpenAI-compatible gateway's body ends `data: [DONE]\n`), and
 * dropping the terminal marker would turn a complete answer into "stream ended early". So the end of the input
 * is a blank line and the pending event is dispatched. A body cut mid-line thus yields its partial last line as
 * data, which the provider decoder's `JSON.parse` rejects: never a silent success.
 *
 * An event larger than `maxBufferSize` errors the stream with a SwebenchError of kind `server`. Errors of the
 * byte stream (timeouts, connection loss) pass through unchanged.
 *
 * @example
 * ```ts
 * import { sseDecoder } from "@swebench/runner/lib";
 * const res = await fetch("http://127.0.0.1:8080/v1/chat/completions", { method: "POST", body: "{}" });
 * for await (const event of res.body!.pipeThrough(sseDecoder())) {
 *   if (event.data === "[DONE]") break;
 *   console.log(JSON.parse(event.data));
 * }
 * ```
 */
export function sseDecoder(options: SseDecoderOptions = {}): ReadableWritablePair<SseEvent, Uint8Array> {
  return pushDecoderStream<Uint8Array, SseEvent>((emit) => createSseParser(emit, options));
}

/**
 * True when a body is an event stream whatever its content type says: after an optional BOM and whitespace it
 * starts with an SSE field (`data:`, `event:`, `id:`, `retry:`) or a `:` comment line. JSON (which starts with
 * `{`, `[`, `"`, a digit or a literal) and HTML never match. For servers and proxies that label their event stream
 * `application/json` or `application/x-ndjson`, or stream although a whole answer was asked for.
 *
 * @example
 * ```ts
 * import { looksLikeEventStream } from "@swebench/runner/lib";
 * looksLikeEventStream('data: {"a":1}\n\n'); // true
 * looksLikeEventStream('{"a":1}'); // false
 * ```
 */
export function looksLikeEventStream(text: string): boolean {
  return /^\uFEFF?\s*(?:data|event|id|retry)?:/.test(text);
}
