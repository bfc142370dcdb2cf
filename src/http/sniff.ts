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

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const BOM = [0xef, 0xbb, 0xbf];

/**
 * Read just enough of `body` to see its first meaningful character, then give the whole body back.
 * Servers and proxies mislabel their answers (`application/json` on an event stream, `text/event-stream` on a JSON
 * error, `text/html` on a login page); the first character tells them apart: `{` or `[` JSON, `<` HTML, anything
 * else an event stream or NDJSON line. Reads at most `maxBytes` (default 64 KiB) of leading whitespace. An error
 * of the body while sniffing rejects the promise.
 *
 * @example
 * ```ts
 * import { sniffBody } from "@swebench/runner";
 * const res = await fetch("http://127.0.0.1:8080/v1/chat/completions", { method: "POST", body: "{}" });
 * const { first, body } = await sniffBody(res.body!);
 * console.log(first === "{" ? "JSON" : first === "<" ? "HTML" : "stream", await new Response(body).text());
 * ```
 */
export async function sniffBody(
  body: ReadableStream<Uint8Array>,
  maxBytes = 64 * 1024,
): Promise<SniffedBody> {
  const reader = body.getReader();
  const seen: Uint8Array[] = [];
  let offset = 0; // bytes seen so far
  let first = "";
  let done = false;
  try {
    scan: while (offset < maxBytes) {
      const result = await reader.read();
      if (result.done) {
        done = true;
        break;
      }
      const chunk = result.value;
      seen.push(chunk);
      for (let i = 0; i < chunk.length; i++, offset++) {
        const b = chunk[i];
        if (offset < 3 && b === BOM[offset] && seen.length > 0 && isBomPrefix(seen, offset + 1)) continue;
        if (WHITESPACE.has(b)) continue;
        first = String.fromCharCode(b);
        break scan;
      }
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
  return { first, body: replay };
}

/** True when the first `n` bytes seen (n <= 3) are the first `n` bytes of a UTF-8 BOM. */
function isBomPrefix(chunks: Uint8Array[], n: number): boolean {
  let k = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.length && k < n; i++, k++) if (c[i] !== BOM[k]) return false;
    if (k >= n) return true;
  }
  return k >= n;
}
