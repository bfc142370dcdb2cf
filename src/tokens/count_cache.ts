/**
 * An on-disk cache of token counts keyed by (encoding, text hash), so that a `--dry-run` followed by the real run,
 * a resume, or a `compare` of several models on one encoding count each prompt once.
 *
 * One file per encoding, `<dir>/<encoding>.v1.txt`, one line per text: `key count check`, where `key` is the
 * text's length and two independent 53-bit hashes of it, and `check` a hash of `key count` (a torn or edited line
 * fails it and is ignored). Writers only append whole lines in one write, so concurrent runs sharing the cache keep
 * every line; a line counted by two runs at once is merely repeated. A file that cannot be read, a line that does not
 * parse or check, a directory that cannot be written: the cache is skipped, counts are computed as without it, and
 * nothing is printed. Without a granted read/write permission for the directory (`deno run` without `-A`) the cache
 * is not used, so no permission prompt ever appears.
 *
 * Only texts of at least {@linkcode MIN_CACHED_CHARS} characters are cached (shorter ones count in microseconds).
 *
 * @module
 */
import { cyrb53Lanes } from "../core/hash.ts";

/** Texts shorter than this are counted, never cached. */
export const MIN_CACHED_CHARS = 512;

/** Format version in the file name: a change of the counting code that changes counts bumps it. */
const VERSION = "v1";

/**
 * A 53-bit hash of `text` (cyrb53, over UTF-16 code units) with `seed`.
 *
 * @example
 * ```ts
 * import { hash53 } from "./count_cache.ts";
 * hash53("abc", 1) === hash53("abc", 1); // true
 * ```
 */
export function hash53(text: string, seed: number): number {
  const [h1, h2] = cyrb53Lanes(text, seed);
  return 4294967296 * (2097151 & h2) + h1;
}

/** The cache key of a text: its length and two independent 53-bit hashes (base 36). */
function keyOf(text: string): string {
  return `${text.length.toString(36)}.${hash53(text, 0x9e3779b9).toString(36)}.${
    hash53(text, 0x85ebca6b).toString(36)
  }`;
}

function checkOf(key: string, count: number): string {
  return (hash53(`${key} ${count}`, 7) % 0xfffff).toString(36);
}

const LINE = /^([0-9a-z]+\.[0-9a-z]+\.[0-9a-z]+) (\d+) ([0-9a-z]+)$/;

/** True when `name` is granted for `path` without asking (never prompts). */
function granted(name: "read" | "write", path: string): boolean {
  try {
    return Deno.permissions.querySync({ name, path }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Token counts of one cache directory.
 *
 * @example
 * ```ts
 * import { TokenCountCache } from "./count_cache.ts";
 * const cache = new TokenCountCache(await Deno.makeTempDir());
 * cache.load("o200k_base");
 * const count = cache.wrap("o200k_base", (text) => text.length); // any counter
 * count("x".repeat(1000)); // counted once, then looked up
 * cache.flush(); // appends the new counts to the file
 * ```
 */
export class TokenCountCache {
  /** The directory. */
  readonly dir: string;
  readonly #counts = new Map<string, Map<string, number>>();
  readonly #pending = new Map<string, string[]>();
  #writable: boolean;
  /** Look-ups answered from the cache. */
  hits = 0;
  /** Texts counted and added. */
  misses = 0;

  /** A cache in `dir` (created on the first flush). */
  constructor(dir: string) {
    this.dir = dir;
    this.#writable = granted("write", dir);
  }

  #file(encoding: string): string {
    return `${this.dir}/${encoding}.${VERSION}.txt`;
  }

  /** Read the counts of `encoding` (once; a missing or unreadable file is an empty cache). */
  load(encoding: string): void {
    if (this.#counts.has(encoding)) return;
    const counts = new Map<string, number>();
    this.#counts.set(encoding, counts);
    const file = this.#file(encoding);
    if (!granted("read", file)) return;
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      return;
    }
    for (const line of text.split("\n")) {
      const m = LINE.exec(line);
      if (m === null) continue;
      const count = Number(m[2]);
      if (Number.isSafeInteger(count) && checkOf(m[1], count) === m[3]) counts.set(m[1], count);
    }
  }

  /** `count` with the cache of `encoding` in front of it (loads the file first if needed). */
  wrap(encoding: string, count: (text: string) => number): (text: string) => number {
    this.load(encoding);
    return (text: string): number => {
      if (text.length < MIN_CACHED_CHARS) return count(text);
      const known = this.get(encoding, text);
      if (known !== undefined) return known;
      const n = count(text);
      this.set(encoding, text, n);
      return n;
    };
  }

  /**
   * The count of `text` stored under `namespace` (an encoding, or a vendor's count endpoint and model such as
   * `api-gemini-gemini-2.5-flash`), whatever its length; undefined when it is not stored.
   */
  get(namespace: string, text: string): number | undefined {
    this.load(namespace);
    const known = this.#counts.get(namespace)!.get(keyOf(text));
    if (known !== undefined) this.hits++;
    return known;
  }

  /** Store the count of `text` under `namespace` (written to the file at the next flush). */
  set(namespace: string, text: string, count: number): void {
    this.load(namespace);
    const key = keyOf(text);
    this.misses++;
    this.#counts.get(namespace)!.set(key, count);
    if (this.#writable) {
      let lines = this.#pending.get(namespace);
      if (lines === undefined) this.#pending.set(namespace, lines = []);
      lines.push(`${key} ${count} ${checkOf(key, count)}\n`);
    }
  }

  /** Append the counts added since the last flush (one write per file); failures disable writing, silently. */
  flush(): void {
    if (!this.#writable || this.#pending.size === 0) return;
    try {
      Deno.mkdirSync(this.dir, { recursive: true });
      for (const [encoding, lines] of this.#pending) {
        if (lines.length === 0) continue;
        Deno.writeTextFileSync(this.#file(encoding), lines.join(""), { append: true, mode: 0o644 });
      }
    } catch {
      this.#writable = false; // read-only disk, a file in the way, ...: the cache is an optimisation
    }
    this.#pending.clear();
  }
}

let active: TokenCountCache | undefined;
let unloadHooked = false;

/**
 * Use an on-disk count cache in `dir` for every encoding loaded by this process (`undefined`: none). Counts added
 * are written by {@linkcode flushTokenCountCache} and when the process exits.
 *
 * @example
 * ```ts
 * import { useTokenCountCache } from "@swebench/runner/lib";
 * useTokenCountCache(`${Deno.env.get("HOME")}/.cache/swebench-runner/token-counts`);
 * ```
 */
export function useTokenCountCache(dir: string | undefined): TokenCountCache | undefined {
  if (active !== undefined && active.dir === dir) return active;
  active?.flush();
  active = dir === undefined ? undefined : new TokenCountCache(dir);
  if (active && !unloadHooked && typeof globalThis.addEventListener === "function") {
    unloadHooked = true;
    globalThis.addEventListener("unload", () => active?.flush());
  }
  return active;
}

/**
 * Write the counts added so far to the active cache (no-op without one).
 *
 * @example
 * ```ts
 * import { flushTokenCountCache } from "@swebench/runner/lib";
 * flushTokenCountCache();
 * ```
 */
export function flushTokenCountCache(): void {
  active?.flush();
}

/** The active cache (for encodings to consult at count time). */
export function activeTokenCountCache(): TokenCountCache | undefined {
  return active;
}
