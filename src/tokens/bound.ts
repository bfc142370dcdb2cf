/**
 * Upper bounds of token counts that load no tokenizer table: what a call can be sized with before (or instead of)
 * its exact count.
 *
 * @module
 */
import { estimateProfile, isOpenAIModel } from "./estimate.ts";

/**
 * Bytes of `text` in UTF-8, without encoding it.
 *
 * @example
 * ```ts
 * import { utf8Length } from "./bound.ts";
 * utf8Length("héllo"); // 6
 * ```
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
      continue;
    }
    // 3 bytes; a surrogate pair (2 UTF-16 units) is 4 in all, a lone surrogate is written as U+FFFD (3 bytes).
    bytes += 2;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return bytes;
}

/**
 * An upper bound of what `getTokenCounter(model).count(text)` returns, at the cost of one pass over the text and
 * with no table loaded: every token of a byte-level BPE (`o200k_base`, `cl100k_base`) is at least one byte, so an
 * exact count is at most the UTF-8 length; an estimate (the o200k count times the model family's factor, rounded
 * up) is at most the UTF-8 length times that factor, rounded up.
 *
 * @example
 * ```ts
 * import { tokenBound } from "./bound.ts";
 * tokenBound("gpt-4o-mini")("hello world"); // 11 (the exact count is 2)
 * ```
 */
export function tokenBound(model: string): (text: string) => number {
  if (isOpenAIModel(model)) return utf8Length;
  const factor = estimateProfile(model).factor;
  return (text) => Math.ceil(utf8Length(text) * factor);
}

/** A count was asked of a counter whose tables are not loaded yet (see `Target.loadCounter`). */
export class CounterNotLoadedError extends Error {
  /** `model`: whose counter. */
  constructor(model: string) {
    super(`the token counter of ${model} is not loaded yet (load it first)`);
    this.name = "CounterNotLoadedError";
  }
}
