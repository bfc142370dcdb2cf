/**
 * Deterministic token counting for the simulators.
 *
 * - OpenAI: gpt-tokenizer with the model's encoding (o200k_base for gpt-4o / 4.1 / 4.5 / 5 / o-series and unknown
 *   models, cl100k_base for gpt-4 and gpt-3.5), chat counted as OpenAI does: 3 tokens per message + tokens of role
 *   and content (+ 1 + tokens of `name` when present) + 3 for the reply primer. Special tokens in text are counted
 *   as plain text. Completion tokens: tokens of the reply text.
 * - Anthropic: o200k_base; input = 3 + sum over messages of (4 + tokens(text)) + (system ? 3 + tokens(system) : 0).
 * - Gemini: o200k_base; the sum of the tokens of every text part (system instruction included), no per-message
 *   overhead, so `countTokens` equals `promptTokenCount` for the same request.
 * - Ollama: o200k_base; a ChatML-like template: sum over messages of (5 + tokens(content)) + 3
 *   (`/api/generate` without `raw` counts its prompt and system as messages; with `raw` only the prompt's tokens).
 * - `"approx"` mode: ceil(characters / 4) in place of tokens (cheap, for benchmarks).
 *
 * Each encoding is loaded lazily, once. Counts of recent texts are cached.
 *
 * @module
 */

/** Encoding names used by the simulators. */
export type EncodingName = "o200k_base" | "cl100k_base";

/** A loaded tokenizer. */
export interface SimTokenizer {
  /** Tokens of `text`. */
  count(text: string): number;
  /** `text` cut to at most `max` tokens. */
  truncate(text: string, max: number): string;
}

interface Encoding {
  encode(text: string, options?: { disallowedSpecial?: Set<string> }): number[];
  decode(tokens: Iterable<number>): string;
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number;
}

const NO_SPECIAL = { disallowedSpecial: new Set<string>() };
const loading = new Map<EncodingName, Promise<SimTokenizer>>();
const CACHE_LIMIT = 512;

function exact(enc: Encoding): SimTokenizer {
  const cache = new Map<string, number>();
  return {
    count(text) {
      if (text.length === 0) return 0;
      const hit = cache.get(text);
      if (hit !== undefined) return hit;
      const n = enc.countTokens(text, NO_SPECIAL);
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
      cache.set(text, n);
      return n;
    },
    truncate(text, max) {
      const ids = enc.encode(text, NO_SPECIAL);
      if (ids.length <= max) return text;
      return enc.decode(ids.slice(0, Math.max(0, max))).replace(/\uFFFD+$/, "");
    },
  };
}

/** ceil(chars / 4) counter. */
export const approxTokenizer: SimTokenizer = {
  count: (text) => Math.ceil(text.length / 4),
  truncate: (text, max) => text.slice(0, Math.max(0, max) * 4),
};

/**
 * The tokenizer for `encoding`, loaded once (or the approximate counter).
 *
 * @example
 * ```ts
 * const tok = await getTokenizer("o200k_base");
 * tok.count("hello"); // 1
 * ```
 */
export function getTokenizer(
  encoding: EncodingName,
  mode: "exact" | "approx" = "exact",
): Promise<SimTokenizer> {
  if (mode === "approx") return Promise.resolve(approxTokenizer);
  let p = loading.get(encoding);
  if (!p) {
    p = encoding === "cl100k_base"
      ? import("gpt-tokenizer/encoding/cl100k_base").then((m) => exact(m as unknown as Encoding))
      : import("gpt-tokenizer/encoding/o200k_base").then((m) => exact(m as unknown as Encoding));
    loading.set(encoding, p);
  }
  return p;
}

/**
 * OpenAI's encoding for a model id: cl100k_base for gpt-4 (not 4o / 4.1 / 4.5) and gpt-3.5, else o200k_base.
 *
 * @example
 * ```ts
 * encodingForModel("gpt-4o-mini"); // "o200k_base"
 * encodingForModel("gpt-3.5-turbo"); // "cl100k_base"
 * ```
 */
export function encodingForModel(model: string): EncodingName {
  const m = model.toLowerCase();
  if (m.startsWith("gpt-3.5") || m.startsWith("gpt-35")) return "cl100k_base";
  if (m.startsWith("gpt-4") && !/^gpt-4(o|\.1|\.5|-o)/.test(m)) return "cl100k_base";
  return "o200k_base";
}

/** A chat message as the counters see it. */
export interface CountMessage {
  /** Role. */
  role: string;
  /** Text content. */
  content: string;
  /** Optional participant name (OpenAI). */
  name?: string;
}

/**
 * OpenAI chat prompt tokens: 3 per message + role + content (+ 1 + name) + 3.
 *
 * @example
 * ```ts
 * const tok = await getTokenizer("o200k_base");
 * openAIChatTokens(tok, [{ role: "user", content: "hello" }]); // 8
 * ```
 */
export function openAIChatTokens(tok: SimTokenizer, messages: CountMessage[]): number {
  let n = 3;
  for (const m of messages) {
    n += 3 + tok.count(m.role) + tok.count(m.content);
    if (m.name) n += 1 + tok.count(m.name);
  }
  return n;
}

/**
 * Anthropic input tokens (simulator convention): 3 + per message 4 + text; system 3 + text.
 *
 * @example
 * ```ts
 * const tok = await getTokenizer("o200k_base");
 * anthropicTokens(tok, undefined, [{ role: "user", content: "hello" }]); // 8
 * ```
 */
export function anthropicTokens(
  tok: SimTokenizer,
  system: string | undefined,
  messages: CountMessage[],
): number {
  let n = 3;
  if (system) n += 3 + tok.count(system);
  for (const m of messages) n += 4 + tok.count(m.content);
  return n;
}

/**
 * Ollama prompt tokens (ChatML-like template): per message 5 + content, plus 3 for the reply header.
 *
 * @example
 * ```ts
 * const tok = await getTokenizer("o200k_base");
 * ollamaChatTokens(tok, [{ role: "user", content: "hello" }]); // 9
 * ```
 */
export function ollamaChatTokens(tok: SimTokenizer, messages: CountMessage[]): number {
  let n = 3;
  for (const m of messages) n += 5 + tok.count(m.content);
  return n;
}

/**
 * Gemini prompt tokens (simulator convention): the tokens of every text part, system instruction included.
 *
 * @example
 * ```ts
 * const tok = await getTokenizer("o200k_base");
 * geminiTokens(tok, ["hello", "world"]); // 2
 * ```
 */
export function geminiTokens(tok: SimTokenizer, texts: string[]): number {
  let n = 0;
  for (const t of texts) n += tok.count(t);
  return n;
}
