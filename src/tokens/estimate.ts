/**
 * Estimates for models whose tokenizer is not available locally (Claude, open models served by Ollama or
 * OpenAI-compatible servers): the `o200k_base` count scaled by a per-family factor, plus the family's fixed
 * per-request framing, with a stated relative error bound.
 *
 * How the numbers were obtained (2026-11, see also the tokens worker's report):
 *
 * - **Claude, tokenizer generation 1 (Claude 3 through Opus 4.6 / Sonnet 4.6 / Haiku 4.5)**: measured against
 *   real Anthropic usage for `claude-sonnet-4-5` recorded in public API cassettes: a 5.4 KB prose prompt
 *   (`count_tokens` = 1114 vs o200k 1107 incl. system, ratio 1.006), two ~1.9 KB markdown answers
 *   (`output_tokens` 414 and 407 vs o200k 368 and ~362, ratio 1.125) and four short messages (fixed framing:
 *   `input_tokens` = o200k + 7 for one user message, with or without a system prompt, on `claude-sonnet-4-5` and
 *   `claude-3-opus`). Factor 1.10; the measured texts fall within 9 % of it.
 * - **Claude, tokenizer generation 2 (Opus 4.7 and later: opus-4-7/4-8, the 5.x families, Fable, Mythos)**: not
 *   measured here; Anthropic states the new tokenizer yields 1.0-1.35x the tokens of the previous one for the
 *   same text, so the factor is 1.10 x 1.175 (the middle of that range) = 1.30.
 * - **Open models (Ollama, vLLM, ...: Llama 3, Qwen 2.5/3, DeepSeek, Mistral, Gemma, gpt-oss)**: their BPE vocabularies
 *   (128k-256k entries) count English and code close to o200k; the one real sample at hand (Ollama `qwen3:32b`,
 *   5 content tokens for a 5-token o200k text, framing 3 per message + 3) agrees. Factor 1.10 (leaning high, the
 *   safe side for context sizing and budgets), ChatML-style framing as OpenAI's.
 *
 * The bound is a conservative 0.25 for all three families: the measured texts are few and none of them is code or
 * a diff, which is what SWE-bench prompts mostly are. It applies to prompts of a few hundred tokens or more; on
 * tiny prompts the fixed framing dominates and the absolute error is a few tokens. Providers that can count exactly
 * (Anthropic `count_tokens`, Ollama's `prompt_eval_count` after the call) should be preferred when available.
 *
 * @module
 */
import { baseModelId } from "./encoding.ts";

/** How a family's estimate is formed from the o200k count. */
export interface EstimateProfile {
  /** Family label, for messages. */
  readonly family: "claude" | "claude-v2-tokenizer" | "open-model";
  /** Multiplier applied to the o200k count of the text. */
  readonly factor: number;
  /** Relative error bound of the estimate (0.25 = may be off by 25 %). */
  readonly errorBound: number;
  /** Framing tokens added once per request. */
  readonly requestOverhead: number;
  /** Framing tokens added per message. */
  readonly messageOverhead: number;
  /** Whether the role name is counted as text (ChatML-style templates). */
  readonly countsRole: boolean;
}

/** Claude 3 through the 4.6 generation (one user message measured at o200k + 7). */
export const CLAUDE_PROFILE: EstimateProfile = {
  family: "claude",
  factor: 1.1,
  errorBound: 0.25,
  requestOverhead: 7,
  messageOverhead: 0,
  countsRole: false,
};

/** Claude Opus 4.7 and later (new tokenizer, 1.0-1.35x the tokens of the previous one). */
export const CLAUDE_V2_PROFILE: EstimateProfile = {
  family: "claude-v2-tokenizer",
  factor: 1.3,
  errorBound: 0.25,
  requestOverhead: 7,
  messageOverhead: 0,
  countsRole: false,
};

/** Open models behind Ollama / OpenAI-compatible servers (ChatML-like templates). */
export const OPEN_MODEL_PROFILE: EstimateProfile = {
  family: "open-model",
  factor: 1.1,
  errorBound: 0.25,
  requestOverhead: 3,
  messageOverhead: 3,
  countsRole: true,
};

/** Claude ids using the newer tokenizer: opus-4-7 and later 4.x minors, and every generation from 5 on. */
const CLAUDE_V2 =
  /^claude-(?:(?:opus|sonnet|haiku)-4-(?:[7-9]|\d{2})(?:\D|$)|[a-z]+-(?:[5-9]|\d{2})(?:\D|$)|fable|mythos)/;

/**
 * True for model ids of OpenAI's own models (exact local counts).
 *
 * @example
 * ```ts
 * import { isOpenAIModel } from "@swebench/runner/lib";
 * isOpenAIModel("o4-mini"); // true
 * isOpenAIModel("gpt-oss:20b"); // false (open weights, served with another chat template)
 * ```
 */
export function isOpenAIModel(model: string): boolean {
  const id = baseModelId(model).replace(/^ft:/, "");
  if (id.startsWith("gpt-oss")) return false; // open weights, served by Ollama/vLLM with their own template
  return /^(gpt-|o\d|chatgpt-|text-embedding-|davinci-002|babbage-002|codex-|computer-use-)/.test(id);
}

/**
 * The estimate profile of a non-OpenAI model.
 *
 * @example
 * ```ts
 * import { estimateProfile } from "@swebench/runner/lib";
 * estimateProfile("claude-sonnet-4-5").factor; // 1.1
 * estimateProfile("qwen2.5-coder:7b").family; // "open-model"
 * ```
 */
export function estimateProfile(model: string): EstimateProfile {
  const id = baseModelId(model).replace(/^anthropic\./, "");
  if (id.startsWith("claude")) return CLAUDE_V2.test(id) ? CLAUDE_V2_PROFILE : CLAUDE_PROFILE;
  return OPEN_MODEL_PROFILE;
}
