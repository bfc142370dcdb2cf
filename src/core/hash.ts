/**
 * A fast seeded string hash (cyrb53's two 32-bit multiply-xorshift lanes over the UTF-16 code units): the on-disk
 * token-count cache keys and Anthropic-safe batch custom ids are built from it. Not cryptographic.
 *
 * @module
 */

/**
 * The two mixed 32-bit lanes (unsigned) of cyrb53 over `text` with `seed`.
 *
 * @example
 * ```ts
 * import { cyrb53Lanes } from "./hash.ts";
 * const [h1, h2] = cyrb53Lanes("abc", 1);
 * console.log(4294967296 * (2097151 & h2) + h1); // cyrb53's 53-bit hash
 * ```
 */
export function cyrb53Lanes(text: string, seed: number): [number, number] {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}
