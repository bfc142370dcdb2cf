/**
 * OpenAI BPE encodings (`o200k_base`, `cl100k_base`) from `gpt-tokenizer`, loaded lazily: importing this module
 * costs nothing; the first count for an encoding imports its rank table (a few MB) once, and every later caller
 * shares the same promise.
 *
 * @module
 */
import { activeTokenCountCache, type TokenCountCache } from "./count_cache.ts";

/** The encodings the runner uses. */
export type EncodingName = "o200k_base" | "cl100k_base";

/** A loaded encoding: counts tokens of plain text. */
export interface Encoding {
  /** Encoding name. */
  readonly name: EncodingName;
  /**
   * Tokens of `text`. Special-token strings such as `<|endoftext|>` are counted as ordinary text, as the
   * OpenAI API does for message content.
   */
  count(text: string): number;
}

/**
 * Normalises a model id for family matching: lower case, no `provider/` path prefix.
 *
 * @example
 * ```ts
 * import { baseModelId } from "@swebench/runner/lib";
 * baseModelId("openai/GPT-4o"); // "gpt-4o"
 * ```
 */
export function baseModelId(model: string): string {
  const trimmed = model.trim().toLowerCase();
  const slash = trimmed.lastIndexOf("/");
  return slash >= 0 ? trimmed.slice(slash + 1) : trimmed;
}

const CL100K = /^(gpt-4(?![o.\d])|gpt-3\.5|gpt-35|text-embedding-(ada|3)|davinci-002|babbage-002)/;

/**
 * The encoding of an OpenAI model: `cl100k_base` for gpt-4 / gpt-4-turbo / gpt-3.5 / text-embedding-ada-002 /
 * text-embedding-3-*, `o200k_base` for everything else (gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1, o3, o4 and unknown
 * ids, which are most likely newer models).
 *
 * @example
 * ```ts
 * import { encodingForModel } from "@swebench/runner/lib";
 * encodingForModel("gpt-4o-mini"); // "o200k_base"
 * encodingForModel("gpt-4-turbo"); // "cl100k_base"
 * ```
 */
export function encodingForModel(model: string): "o200k_base" | "cl100k_base" {
  const id = baseModelId(model).replace(/^ft:/, "");
  return CL100K.test(id) ? "cl100k_base" : "o200k_base";
}

type CountFn = (text: string, options: { disallowedSpecial: Set<string> }) => number;

/** The parts of gpt-tokenizer's BPE core the U+FEFF work-around uses (present in gpt-tokenizer 4.x). */
interface BpeCore {
  tokenSplitRegex: RegExp;
  /** Rank of a token stored as a string (its bytes are valid UTF-8). */
  getBpeRankFromString(piece: string): number | undefined;
  /** Tokens stored as bytes (not valid UTF-8, or starting with a BOM), sorted by bytes, with their ranks. */
  bytePairNonUtfSortedEncoder: [Uint8Array, number][];
  /** Index of `key` in `bytePairNonUtfSortedEncoder`, or -1. */
  binarySearch(key: Uint8Array): number;
  bytePairEncode(piece: string): number[];
}

const loaded = new Map<EncodingName, Promise<Encoding>>();
/** Counting options: no special token is disallowed (and none is allowed), so they count as text. */
const PLAIN = { disallowedSpecial: new Set<string>() };
const BOM = "\uFEFF";

/**
 * Tiktoken's byte-pair merge, counting the tokens of one pre-tokenized piece: repeatedly merge the adjacent pair
 * whose concatenation has the lowest rank (leftmost on ties) until no pair is a token. Keys are the bytes as
 * Latin-1 strings.
 *
 * @example
 * ```ts
 * import { bytePairCount } from "./encoding.ts";
 * const ranks = new Map([["ab", 0]]);
 * bytePairCount(new TextEncoder().encode("abc"), (k: string) => ranks.get(k)); // 2 ("ab", "c")
 * ```
 */
export function bytePairCount(bytes: Uint8Array, rankOf: (key: string) => number | undefined): number {
  const parts: string[] = [];
  for (const byte of bytes) parts.push(String.fromCharCode(byte));
  while (parts.length > 1) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i < parts.length - 1; i++) {
      const rank = rankOf(parts[i] + parts[i + 1]);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) break;
    parts.splice(best, 2, parts[best] + parts[best + 1]);
  }
  return parts.length;
}

/**
 * gpt-tokenizer 4.0.0 looks merged byte sequences up through a `TextDecoder` that strips a leading U+FEFF (byte
 * order mark), so a piece containing U+FEFF can merge into the wrong tokens (one SWE-bench Lite hint text counts
 * 1641 instead of tiktoken's 1639). Such pieces are re-counted here with byte-exact look-ups in gpt-tokenizer's
 * own tables (no table of our own is built); every other piece goes through gpt-tokenizer unchanged.
 */
function bomSafeCounter(core: BpeCore): (text: string) => number {
  const encoder = new TextEncoder();
  // Byte-exact: keeps a leading BOM, and refuses invalid UTF-8 instead of replacing it.
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const rankOf = (key: string): number | undefined => {
    const bytes = new Uint8Array(key.length);
    for (let i = 0; i < key.length; i++) bytes[i] = key.charCodeAt(i);
    let text: string | undefined;
    try {
      text = decoder.decode(bytes);
    } catch {
      text = undefined; // not valid UTF-8: only the byte table can hold it
    }
    // A token lives in exactly one table: strings for valid UTF-8, sorted bytes for the rest (and, in 4.0.0,
    // for tokens starting with a BOM). Trying both keeps this right whichever table a version puts a token in.
    const rank = text === undefined ? undefined : core.getBpeRankFromString(text);
    if (rank !== undefined) return rank;
    const index = core.binarySearch(bytes);
    return index < 0 ? undefined : core.bytePairNonUtfSortedEncoder[index][1];
  };
  return (text: string): number => {
    let count = 0;
    for (const [piece] of text.matchAll(core.tokenSplitRegex)) {
      if (core.getBpeRankFromString(piece) !== undefined) count++;
      else if (piece.includes(BOM)) count += bytePairCount(encoder.encode(piece), rankOf);
      else count += core.bytePairEncode(piece).length;
    }
    return count;
  };
}

function isBpeCore(value: unknown): value is BpeCore {
  const core = value as Partial<BpeCore> | undefined;
  return !!core && core.tokenSplitRegex instanceof RegExp &&
    Array.isArray(core.bytePairNonUtfSortedEncoder) &&
    typeof core.getBpeRankFromString === "function" && typeof core.binarySearch === "function" &&
    typeof core.bytePairEncode === "function";
}

async function importEncoding(name: EncodingName): Promise<Encoding> {
  // Literal specifiers so that `deno compile` and JSR see (and bundle) both modules.
  const mod = name === "o200k_base"
    ? await import("gpt-tokenizer/encoding/o200k_base")
    : await import("gpt-tokenizer/encoding/cl100k_base");
  const countTokens = mod.countTokens as unknown as CountFn;
  const core =
    (mod.default as unknown as { bytePairEncodingCoreProcessor?: unknown }).bytePairEncodingCoreProcessor;
  // Without the internals (another gpt-tokenizer major) the work-around is skipped; the parity tests would say so.
  const countWithBom = isBpeCore(core) ? bomSafeCounter(core) : (text: string) => countTokens(text, PLAIN);
  const raw = (text: string): number => {
    if (text.length === 0) return 0;
    return text.includes(BOM) ? countWithBom(text) : countTokens(text, PLAIN);
  };
  // The on-disk count cache, when the process uses one (looked up at count time: it may be set after the load).
  let cached: { cache: TokenCountCache; count: (text: string) => number } | undefined;
  return {
    name,
    count: (text: string): number => {
      const cache = activeTokenCountCache();
      if (cache === undefined) return raw(text);
      if (cached?.cache !== cache) cached = { cache, count: cache.wrap(name, raw) };
      return cached.count(text);
    },
  };
}

/**
 * Loads an encoding once per process (concurrent callers share one import).
 *
 * @example
 * ```ts
 * import { loadEncoding } from "@swebench/runner/lib";
 * const enc = await loadEncoding("o200k_base");
 * enc.count("hello world"); // 2
 * ```
 */
export function loadEncoding(name: EncodingName): Promise<Encoding> {
  let promise = loaded.get(name);
  if (!promise) {
    promise = importEncoding(name);
    loaded.set(name, promise);
    // A failed import is not cached: the next caller retries.
    promise.catch(() => loaded.delete(name));
  }
  return promise;
}
