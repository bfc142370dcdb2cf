/**
 * Body sniffing: what a response body really is (JSON, HTML, an event stream), whatever its content type says.
 *
 * @module
 */

/** The result of {@linkcode sniffBody}. */
export interface SniffedBody {
  /**
   * The first character of the body after a UTF-8 BOM and whitespace (`{`, `[`, `<`, `d` for `data:`, `:` ...);
   * `""` for a body that is empty or only whitespace (within the look-ahead).
   */
  first: string;
  /** The whole body again, the bytes read while sniffing included; read or cancel it. */
  body: ReadableStream<Uint8Array>;
}

const BOM = [0xef, 0xbb, 0xbf];
const DEFAULT_MAX_BYTES = 64 * 1024;

/**
 * A synchronous sniffer (see {@linkcode createBodySniffer}): fed the body's chunks in order, it answers `undefined`
 * while only a BOM and whitespace were seen, then the first meaningful character, or `""` once `maxBytes` of
 * whitespace went by.
 *
 * @example
 * ```ts
 * import { type BodySniffer, createBodySniffer } from "@swebench/runner/lib";
 * const sniff: BodySniffer = createBodySniffer();
 * sniff(new TextEncoder().encode("  ")); // undefined
 * sniff(new TextEncoder().encode("\n{}")); // "{"
 * ```
 */
export type BodySniffer = (chunk: Uint8Array) => string | undefined;

/**
 * The first meaningful character of a body, synchronously, chunk by chunk: what {@linkcode sniffBody} does, for a
 * caller that reads the body itself. Bytes of a UTF-8 BOM at the very start and whitespace (space, tab, CR, LF)
 * are skipped; once a chunk holds another byte, the answer is that character (the later chunks need not be fed).
 * After `maxBytes` (default 64 KiB) of whitespace the answer is `""`; a body that ends before an answer also
 * counts as `""` for the caller.
 *
 * @example
 * ```ts
 * import { createBodySniffer } from "@swebench/runner/lib";
 * const sniff = createBodySniffer();
 * const first = sniff(new TextEncoder().encode('\uFEFF data: {"a":1}\n\n')); // "d": an event stream
 * ```
 */
export function createBodySniffer(maxBytes: number = DEFAULT_MAX_BYTES): BodySniffer {
  let offset = 0; // bytes seen so far
  let bom = 0; // leading bytes that matched the BOM
  return (chunk) => {
    for (let i = 0; i < chunk.length; i++, offset++) {
      const b = chunk[i];
      if (offset < 3 && bom === offset && b === BOM[offset]) {
        bom++;
        continue;
      }
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
      return String.fromCharCode(b);
    }
    return offset >= maxBytes ? "" : undefined;
  };
}

/**
 * Read just enough of `body` to see its first meaningful character, then give the whole body back.
 * Servers and proxies mislabel their answers (`application/json` on an event stream, `text/event-stream` on a JSON
 * error, `text/html` on a login page); the first character tells them apart: `{` or `[` JSON, `<` HTML, anything
 * else an event stream or NDJSON line. Reads at most `maxBytes` (default 64 KiB) of leading whitespace. An error
 * of the body while sniffing rejects the promise.
 *
 * @example
 * ```ts
 * import { sniffBody } from "@swebench/runner/lib";
 * const res = await fetch("http://127.0.0.1:8080/v1/chat/completions", { method: "POST", body: "{}" });
 * const { first, body } = await sniffBody(res.body!);
 * console.log(first === "{" ? "JSON" : first === "<" ? "HTML" : "stream", await new Response(body).text());
 * ```
 */
export async function sniffBody(
  body: ReadableStream<Uint8Array>,
  maxBytes: number = DEFAULT_MAX_BYTES,
): Promise<SniffedBody> {
  const reader = body.getReader();
  const sniff = createBodySniffer(maxBytes);
  const seen: Uint8Array[] = [];
  let first: string | undefined;
  let done = false;
  try {
    while (first === undefined) {
      const result = await reader.read();
      if (result.done) {
        done = true;
        break;
      }
      seen.push(result.value);
      first = sniff(result.value);
    }
  } catch (error) {
    reader.releaseLock();
    throw error;
  }
  let index = 0;
  const replay = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index < seen.length) {
        controller.enqueue(seen[index++]);
        return;
      }
      if (done) {
        controller.close();
        return;
      }
      try {
        const result = await reader.read();
        if (result.done) controller.close();
        else controller.enqueue(result.value);
      } catch (error) {
        controller.error(error);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return { first: first ?? "", body: replay };
}
