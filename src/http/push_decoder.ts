/**
 * Push decoders: the synchronous core of the stream decoders (SSE, JSON Lines, the providers' event codecs), so
 * that one stream stage can run several of them back to back instead of one web-stream stage each.
 *
 * @module
 */

/**
 * A synchronous decoder: each input is decoded at once and its outputs go to the `emit` function the decoder was
 * created with, in order. A decoder that is `done` (it emitted its terminal output, or failed) ignores further
 * input. An input that cannot be decoded throws (the error of the stream it runs in).
 *
 * @example
 * ```ts
 * import { createJsonLinesParser, type PushDecoder } from "@swebench/runner/lib";
 * const values: unknown[] = [];
 * const lines: PushDecoder<Uint8Array> = createJsonLinesParser((v) => values.push(v));
 * lines.push(new TextEncoder().encode('{"a":1}\n{"a"'));
 * lines.push(new TextEncoder().encode(":2}\n"));
 * lines.end(); // values: [{ a: 1 }, { a: 2 }]
 * ```
 */
export interface PushDecoder<I> {
  /** Decode one input; its outputs are emitted before this returns. */
  push(input: I): void;
  /** The input ended: emit what the end means (a pending last value, a terminal event). */
  end(): void;
  /** True once the decoder emitted its terminal output (or failed, or ended): later input is ignored. */
  readonly done: boolean;
}

/**
 * Options of {@linkcode pushDecoderStream}.
 *
 * @example
 * ```ts
 * import type { PushDecoderStreamOptions } from "@swebench/runner/lib";
 * const options: PushDecoderStreamOptions = { terminate: true };
 * ```
 */
export interface PushDecoderStreamOptions {
  /**
   * Close the readable side (and cancel the source) as soon as the decoder is done, rather than when the input
   * ends (default false).
   */
  terminate?: boolean;
}

/**
 * A TransformStream running a {@linkcode PushDecoder}: every chunk is pushed, the decoder's outputs are enqueued,
 * and the end of the input ends the decoder.
 *
 * @example
 * ```ts
 * import { createJsonLinesParser, pushDecoderStream } from "@swebench/runner/lib";
 * const body = ReadableStream.from([new TextEncoder().encode('{"a":1}\n{"a":2}\n')]);
 * for await (const v of body.pipeThrough(pushDecoderStream((emit) => createJsonLinesParser(emit)))) {
 *   console.log(v);
 * }
 * ```
 */
export function pushDecoderStream<I, O>(
  create: (emit: (output: O) => void) => PushDecoder<I>,
  options: PushDecoderStreamOptions = {},
): TransformStream<I, O> {
  const terminate = options.terminate === true;
  let decoder: PushDecoder<I>;
  return new TransformStream<I, O>({
    start(controller) {
      decoder = create((output) => controller.enqueue(output));
    },
    transform(input, controller) {
      if (decoder.done) return;
      decoder.push(input);
      if (terminate && decoder.done) controller.terminate();
    },
    flush() {
      decoder.end();
    },
  });
}

/**
 * Two push decoders back to back: what `first` emits is pushed into `second` at once. `second` decides when the
 * pair is `done`; ending the pair ends `first` (which may emit its last values) and then `second`.
 *
 * @example
 * ```ts
 * import { chainPushDecoders, createSseParser } from "@swebench/runner/lib";
 * const datas: string[] = [];
 * const events = chainPushDecoders((emit) => createSseParser(emit), {
 *   push: (e) => void datas.push(e.data),
 *   end: () => {},
 *   done: false,
 * });
 * events.push(new TextEncoder().encode("data: 1\n\ndata: 2\n"));
 * events.end(); // datas: ["1", "2"]
 * ```
 */
export function chainPushDecoders<I, M>(
  first: (emit: (value: M) => void) => PushDecoder<I>,
  second: PushDecoder<M>,
): PushDecoder<I> {
  const head = first((value) => second.push(value));
  return {
    push(input) {
      if (!second.done) head.push(input);
    },
    end() {
      if (!second.done) head.end();
      second.end();
    },
    get done() {
      return second.done;
    },
  };
}
