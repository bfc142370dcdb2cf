/**
 * The `--filter` globs (picomatch syntax) and {@linkcode selectInstances}, the selection with them. Apart from
 * `./select.ts` because picomatch is an npm CommonJS package: loading it loads Deno's Node compatibility layer
 * (tens of milliseconds), which a run without `--filter` never needs (`loadSelection` imports this module only for
 * one).
 *
 * @module
 */
import picomatch from "picomatch";
import type { SwebenchInstance } from "./instance.ts";
import { selectInstancesWith, type SelectOptions } from "./select.ts";

/**
 * Compile globs (`django__*`, `sympy__sympy-2*`) into one test of an instance id: true when any glob matches.
 * Picomatch's syntax, with `dot: true` (a glob's `*` matches a leading dot too). Throws picomatch's error on an
 * invalid glob.
 */
export function compileGlobs(globs: string[]): (instanceId: string) => boolean {
  return picomatch(globs, { dot: true });
}

/**
 * Apply the selection steps, in order: `instances` (kept in dataset order, duplicates ignored), `filter`,
 * `count` (first N), `sample` (N chosen by a seeded Fisher-Yates shuffle with mulberry32; returned in dataset order),
 * `shard` (round-robin by position after the earlier steps: item k, 0-based, goes to shard `k % total + 1`, which
 * spreads each repository over all shards; shards are disjoint, together cover the selection, and are stable for
 * the same dataset and flags).
 *
 * @example
 * ```ts
 * import { selectInstances, SAMPLE_INSTANCES } from "@swebench/runner/lib";
 * const picked = selectInstances([...SAMPLE_INSTANCES], { filter: "django__*,sympy__*", shard: { index: 1, total: 2 } });
 * console.log(picked.map((i) => i.instance_id));
 * ```
 */
export function selectInstances(
  all: readonly SwebenchInstance[],
  options: SelectOptions = {},
): SwebenchInstance[] {
  return selectInstancesWith(all, options, compileGlobs);
}
