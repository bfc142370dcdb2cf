/**
 * Instance selection: `--instances`, `--filter`, `--count`, `--sample/--seed`, `--shard`, applied in that order.
 * Every step is deterministic, so the same command selects the same instances on any machine.
 *
 * This module does not load the glob matcher (picomatch, an npm CommonJS package: loading it loads Deno's Node
 * compatibility layer, tens of milliseconds): `selectInstances` is in `./filter.ts`, which does; the run's
 * `loadSelection` imports that module only for a `--filter`.
 *
 * @module
 */
import { SwebenchError } from "../core/errors.ts";
import type { SwebenchInstance } from "./instance.ts";
import { mulberry32 } from "./prng.ts";

/** A shard `index/total`, 1-based. */
export interface Shard {
  /** 1-based shard number. */
  index: number;
  /** Number of shards. */
  total: number;
}

/** Options of {@linkcode selectInstances}; every field is optional and steps run in field order. */
export interface SelectOptions {
  /** Exact instance ids (`-i a,b`); unknown ids are a usage error. */
  instances?: string[];
  /** Glob (`django__*`) or comma-separated globs (`django__*,sympy__*`) on instance_id (picomatch syntax). */
  filter?: string;
  /** Keep the first N (`-n`). */
  count?: number;
  /** Keep a seeded random N (`--sample`). */
  sample?: number;
  /** Seed of the sample (default 0). */
  seed?: number;
  /** Keep shard i of n (`--shard i/n`). */
  shard?: Shard;
}

/** Compiles the globs of a `filter` into a test of an instance id (picomatch's, in `./filter.ts`). */
export type GlobCompiler = (globs: string[]) => (instanceId: string) => boolean;

/**
 * `selectInstances` (`./filter.ts`, which documents the steps) with the glob compiler given: a `filter` without
 * one is a programming error. For callers that load picomatch only when a filter is given.
 */
export function selectInstancesWith(
  all: readonly SwebenchInstance[],
  options: SelectOptions,
  compileGlobs: GlobCompiler | undefined,
): SwebenchInstance[] {
  let list: SwebenchInstance[] = [...all];
  if (options.instances !== undefined) {
    const wanted = new Set(options.instances.map((s) => s.trim()).filter((s) => s !== ""));
    if (wanted.size === 0) {
      throw new SwebenchError("usage", "--instances is empty", {
        hint: "Pass instance ids, e.g. -i django__django-11099",
      });
    }
    const known = new Set(list.map((i) => i.instance_id));
    const unknown = [...wanted].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      const shown = unknown.slice(0, 10).join(", ") +
        (unknown.length > 10 ? ` +${unknown.length - 10} more` : "");
      throw new SwebenchError(
        "usage",
        `Unknown instance id${unknown.length > 1 ? "s" : ""} (not in the dataset): ${shown}`,
        {
          hint:
            "Check the ids and the dataset/split (-d, --split); --filter accepts globs such as 'django__*'.",
        },
      );
    }
    list = list.filter((i) => wanted.has(i.instance_id));
  }
  if (options.filter !== undefined) {
    const globs = options.filter.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (globs.length === 0) {
      throw new SwebenchError("usage", "--filter is empty", { hint: "Pass a glob such as 'django__*'." });
    }
    if (compileGlobs === undefined) {
      throw new TypeError("selectInstancesWith: a filter needs a glob compiler");
    }
    let match: (s: string) => boolean;
    try {
      match = compileGlobs(globs);
    } catch (e) {
      throw new SwebenchError(
        "usage",
        `Invalid --filter "${options.filter}": ${e instanceof Error ? e.message : e}`,
        {
          hint: "Use globs such as 'django__*' or 'sympy__sympy-2*', separated by commas.",
        },
      );
    }
    list = list.filter((i) => match(i.instance_id));
  }
  if (options.count !== undefined) {
    positiveInt(options.count, "--count");
    list = list.slice(0, options.count);
  }
  if (options.sample !== undefined) {
    positiveInt(options.sample, "--sample");
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed)) {
      throw new SwebenchError("usage", `--seed must be an integer, got ${seed}`, {
        hint: "Use e.g. --seed 42.",
      });
    }
    if (options.sample < list.length) {
      const picked = seededSample(list.length, options.sample, seed).sort((a, b) => a - b);
      list = picked.map((k) => list[k]);
    }
  } else if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
    throw new SwebenchError("usage", `--seed must be an integer, got ${options.seed}`, {
      hint: "Use e.g. --seed 42.",
    });
  }
  if (options.shard !== undefined) {
    const { index, total } = validShard(options.shard);
    list = list.filter((_, k) => k % total === index - 1);
  }
  return list;
}

function positiveInt(n: number, flag: string): void {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new SwebenchError("usage", `${flag} must be a positive integer, got ${n}`, {
      hint: `E.g. ${flag} 10.`,
    });
  }
}

function validShard(shard: Shard): Shard {
  const { index, total } = shard;
  if (!Number.isSafeInteger(total) || total < 1) {
    throw new SwebenchError(
      "usage",
      `--shard: the number of shards must be a positive integer, got ${total}`,
      {
        hint: "Use --shard i/n with 1 <= i <= n, e.g. --shard 2/3.",
      },
    );
  }
  if (!Number.isSafeInteger(index) || index < 1 || index > total) {
    throw new SwebenchError("usage", `--shard: shard ${index} does not exist in ${total} shard(s)`, {
      hint: "Use --shard i/n with 1 <= i <= n (shards are numbered from 1), e.g. --shard 2/3.",
    });
  }
  return shard;
}

/**
 * Parse `--shard i/n` (1-based). Usage errors for anything else (`0/3`, `4/3`, `a/b`, `2`).
 *
 * @example
 * ```ts
 * import { parseShard } from "@swebench/runner/lib";
 * parseShard("2/3"); // { index: 2, total: 3 }
 * ```
 */
export function parseShard(text: string): Shard {
  const m = text.trim().match(/^(\d{1,9})\s*\/\s*(\d{1,9})$/);
  if (!m) {
    throw new SwebenchError("usage", `--shard must look like i/n (e.g. 2/3), got "${text}"`, {
      hint: "Use --shard i/n with 1 <= i <= n.",
    });
  }
  return validShard({ index: Number(m[1]), total: Number(m[2]) });
}

/** k distinct indices of [0, n) by a partial Fisher-Yates shuffle driven by mulberry32(seed). */
function seededSample(n: number, k: number, seed: number): number[] {
  // Fold 53-bit seeds into 32 bits so large seeds still differ.
  const folded = (seed % 4294967296 + Math.floor(seed / 4294967296) * 0x9e3779b9) >>> 0;
  const rand = mulberry32(folded);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, k);
}
