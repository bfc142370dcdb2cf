/**
 * The one seeded pseudo-random number generator of the project (instance sampling; the tests' and benchmarks'
 * random splits use it too, so a failure names its seed and replays).
 *
 * @module
 */

/**
 * mulberry32: a small, fast 32-bit PRNG; identical sequences on every JS engine for the same seed.
 *
 * @example
 * ```ts
 * import { mulberry32 } from "@swebench/runner/lib";
 * const next = mulberry32(42);
 * console.log(next(), next()); // two numbers in [0, 1)
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
