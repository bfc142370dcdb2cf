/**
 * JSON Lines (NDJSON, Ollama's streams): bytes -> parsed JSON values.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import { type PushDecoder, pushDecoderStream } from "./push_decoder.ts";
import { createUtf8Decoder } from "./utf8.ts";

/**
 * Options of {@linkcode jsonLinesDecoder}.
 *
 * @example
 * ```ts
 * import { jsonLinesDecoder } from "@swebench/runner/lib";
 * const decoder = jsonLinesDecoder({ provider: "ollama" });
 * ```
 */
export interface JsonLinesDecoderOptions {
  /** Provider name for error messages. */
  provider?: string;
  /** Longest line accepted, in characters; a longer one errors the stream (default 16 Mi). */
  maxLineLength?: number;
}

const DEFAULT_MAX_LINE = 16 * 1024 * 1024;
const EXCERPT = 80;

function excerpt(line: string): string {
  const s = line.length > EXCERPT * 2 ? line.slice(0, EXCERPT * 2) : line;
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > EXCERPT ? `${one.slice(0, EXCERPT - 1)}…` : one;
}

/**
 * Bytes -> JSON values, synchronously: the {@linkcode PushDecoder} that {@linkcode jsonLinesDecoder} runs, for
 * callers that drive the decoding themselves. Same rules as {@linkcode jsonLinesDecoder}; a malformed or overlong
 * line makes `push` (or `end`, for the last line) throw the SwebenchError of kind `server`, and the parser is done.
 *
 * @example
 * ```ts
 * import { createJsonLinesParser } from "@swebench/runner/lib";
 * const values: unknown[] = [];
 * const parser = createJsonLinesParser((v) => values.push(v), { provider: "ollama" });
 * parser.push(new TextEncoder().encode('{"done":false}\n{"done":'));
 * parser.push(new TextEncoder().encode("true}"));
 * parser.end(); // values: [{ done: false }, { done: true }]
 * ```
 */
export function createJsonLinesParser(
  emit: (value: unknown) => void,
  options: JsonLinesDecoderOptions = {},
): PushDecoder<Uint8Array> {
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE;
  const prefix = options.provider ? `${options.provider}: ` : "";
  const decoder = createUtf8Decoder();
  let pending: string[] = [];
  let pendingLength = 0;
  let lineNumber = 0;
  let done = false;

  const parse = (line: string) => {
    lineNumber++;
    const end = line.charCodeAt(line.length - 1) === 13 /* \r */ ? line.length - 1 : line.length;
    const text = end === line.length ? line : line.slice(0, end);
    // Blank (or whitespace-only) lines are skipped; the first character decides in the common case.
    if (text === "" || (text.charCodeAt(0) <= 32 && text.trim() === "")) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      done = true;
      throw new SwebenchError(
        "server",
        `${prefix}malformed JSON on line ${lineNumber} of the stream: ${excerpt(text)}`,
        {
          provider: options.provider,
          cause: e,
        },
      );
    }
    emit(value);
  };
  const keep = (fragment: string) => {
    pending.push(fragment);
    pendingLength += fragment.length;
    if (pendingLength > maxLineLength) {
      done = true;
      throw new SwebenchError(
        "server",
        `${prefix}line ${lineNumber + 1} of the stream is longer than ${maxLineLength} characters`,
        { provider: options.provider },
      );
    }
  };

  return {
    push(chunk) {
      if (done) return;
      const text = decoder.decode(chunk);
      let newline = text.indexOf("\n");
      if (newline === -1) {
        if (text !== "") keep(text);
        return;
      }
      let first = text.slice(0, newline);
      if (pending.length > 0) {
        pending.push(first);
        first = pending.join("");
        pending = [];
        pendingLength = 0;
      }
      parse(first);
      let start = newline + 1;
      while (!done && (newline = text.indexOf("\n", start)) !== -1) {
        parse(text.slice(start, newline));
        start = newline + 1;
      }
      if (!done && start < text.length) keep(text.slice(start));
    },
    end() {
      if (done) return;
      done = true;
      const tail = decoder.end();
      if (tail !== "") pending.push(tail);
      if (pending.length > 0) {
        const last = pending.join("");
        pending = [];
        parse(last);
      }
    },
    get done() {
      return done;
    },
  };
}

/**
 * Bytes -> JSON values, one per non-empty line. Lines end with `\n` or `\r\n`; blank lines are skipped; a last line
 * without a newline is parsed when the input ends; UTF-8 sequences split between chunks are joined. Each chunk is
 * scanned once (a partial line is kept as fragments and joined once its newline arrives).
 *
 * A malformed line errors the stream with a SwebenchError of kind `server` whose message names the line number
 * and shows a short excerpt; so does a line longer than `maxLineLength`. Errors of the byte stream pass through.
 *
 * @example
 * ```ts
 * import { jsonLinesDecoder } from "@swebench/runner/lib";
 * const res = await fetch("http://127.0.0.1:11434/api/chat", { method: "POST", body: "{}" });
 * for await (const line of res.body!.pipeThrough(jsonLinesDecoder({ provider: "ollama" }))) {
 *   console.log(line);
 * }
 * ```
 */
export function jsonLinesDecoder(
  options: JsonLinesDecoderOptions = {},
): ReadableWritablePair<unknown, Uint8Array> {
  return pushDecoderStream<Uint8Array, unknown>((emit) => createJsonLinesParser(emit, options));
}
