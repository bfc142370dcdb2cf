/**
 * UTF-8 decoding of a body chunk by chunk, without a streaming `TextDecoder`: in Deno a decoder used with
 * `{ stream: true }` holds a native resource, created on the first chunk and closed at the end, which costs more
 * than decoding a small body. Internal to the HTTP layer (not exported by `mod.ts`).
 *
 * @module
 */

/** Decodes complete byte sequences; keeps every BOM (the caller strips the one at the start of a body). */
const PIECES = new TextDecoder("utf-8", { ignoreBOM: true });
/** Decodes a whole body: a leading BOM dropped, like `Response.text()`. */
const WHOLE = new TextDecoder();

/** A chunk-by-chunk UTF-8 decoder (see {@linkcode createUtf8Decoder}). */
export interface Utf8Decoder {
  /** The text of `chunk`, a sequence cut at its end being kept for the next chunk. */
  decode(chunk: Uint8Array): string;
  /** The text of the bytes kept back at the end of the input (U+FFFD for an incomplete sequence). */
  end(): string;
}

/**
 * What `TextDecoder`'s `decode(chunk, { stream: true })` gives, chunk after chunk (a UTF-8 sequence split between
 * chunks joined, invalid bytes replaced by U+FFFD, one BOM at the very start dropped), computed with stateless
 * decodes: the last incomplete sequence of a chunk (at most 3 bytes) is carried over to the next one.
 *
 * @example
 * ```ts
 * import { createUtf8Decoder } from "./utf8.ts";
 * const utf8 = createUtf8Decoder();
 * const bytes = new TextEncoder().encode("é");
 * utf8.decode(bytes.subarray(0, 1)) + utf8.decode(bytes.subarray(1)) + utf8.end(); // "é"
 * ```
 */
export function createUtf8Decoder(): Utf8Decoder {
  let carry: Uint8Array | undefined;
  let started = false;
  const text = (bytes: Uint8Array): string => {
    if (bytes.length === 0) return "";
    let out = PIECES.decode(bytes);
    if (!started && out !== "") {
      started = true;
      if (out.charCodeAt(0) === 0xfeff) out = out.slice(1);
    }
    return out;
  };
  return {
    decode(chunk) {
      let bytes = chunk;
      if (carry !== undefined) {
        bytes = new Uint8Array(carry.length + chunk.length);
        bytes.set(carry);
        bytes.set(chunk, carry.length);
        carry = undefined;
      }
      const cut = completeLength(bytes);
      if (cut < bytes.length) {
        carry = bytes.slice(cut);
        bytes = bytes.subarray(0, cut);
      }
      return text(bytes);
    },
    end() {
      const rest = carry;
      carry = undefined;
      return rest === undefined ? "" : text(rest);
    },
  };
}

/**
 * The text of a whole body given as chunks, as `Response.text()` decodes it (a leading BOM dropped, invalid bytes
 * replaced): the chunks joined and decoded once.
 *
 * @example
 * ```ts
 * import { decodeUtf8Chunks } from "./utf8.ts";
 * decodeUtf8Chunks([new TextEncoder().encode("a"), new TextEncoder().encode("b")]); // "ab"
 * ```
 */
export function decodeUtf8Chunks(chunks: readonly Uint8Array[]): string {
  if (chunks.length === 0) return "";
  if (chunks.length === 1) return WHOLE.decode(chunks[0]);
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return WHOLE.decode(all);
}

/** The length of `bytes` without an incomplete UTF-8 sequence at its end (which the next chunk may complete). */
function completeLength(bytes: Uint8Array): number {
  const length = bytes.length;
  let i = length - 1;
  // Back over at most 3 continuation bytes (10xxxxxx) to the sequence's lead byte.
  while (i >= 0 && length - i <= 3 && (bytes[i] & 0xc0) === 0x80) i--;
  if (i < 0) return length;
  const lead = bytes[i];
  if (lead < 0xc0) return length; // ASCII, or a stray continuation byte: nothing to wait for
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  return length - i < need ? i : length;
}
