/**
 * Token counters: exact for OpenAI models (their own BPE encoding plus the chat format overhead, so a pre-count
 * equals the `prompt_tokens` the API reports), estimates with a stated error bound for everything else.
 *
 * @module
 */
import { baseModelId, encodingForModel, type EncodingName, loadEncoding } from "./encoding.ts";
import { estimateProfile, isOpenAIModel } from "./estimate.ts";

/** One chat message to count. */
export interface ChatMessageInput {
  /** `system`, `developer`, `user`, `assistant`, ... */
  role: string;
  /** Text content. */
  content: string;
  /** Optional participant name (OpenAI chat format counts it, plus one token). */
  name?: string;
}

/**
 * Counts tokens for one model.
 *
 * @example
 * ```ts
 * import { getTokenCounter } from "@swebench/runner/lib";
 * const counter = await getTokenCounter("gpt-4o-mini");
 * counter.countChat([{ role: "user", content: "hello" }]); // 8, as the API reports
 * ```
 */
export interface TokenCounter {
  /** The model id the counter was made for. */
  readonly model: string;
  /** The local encoding used (for estimates: the encoding the estimate is scaled from). */
  readonly encoding: string;
  /** True when counts are the model's own (OpenAI models); false for estimates. */
  readonly exact: boolean;
  /** Relative error bound (0 when exact; 0.25 = an estimate may be off by 25 %). */
  readonly errorBound: number;
  /** Tokens of a text. */
  count(text: string): number;
  /** Prompt tokens of a chat request, message framing included. */
  countChat(messages: { role: string; content: string }[]): number;
}

/**
 * OpenAI chat format (the format `prompt_tokens` reflects): every message costs 3 framing tokens plus its role
 * and content (and `name` + 1 when present); the reply is primed with 3 more. `gpt-3.5-turbo-0301` used 4 per
 * message and -1 for a name.
 */
function openAIChatCounter(model: string, count: (text: string) => number) {
  const legacy = baseModelId(model).startsWith("gpt-3.5-turbo-0301");
  const perMessage = legacy ? 4 : 3;
  const perName = legacy ? -1 : 1;
  return (messages: readonly ChatMessageInput[]): number => {
    let total = 3;
    for (const message of messages) {
      total += perMessage + count(message.role) + count(message.content);
      if (message.name !== undefined) total += count(message.name) + perName;
    }
    return total;
  };
}

/** What a model's counter is, known without loading it: see {@linkcode TokenCounter}. */
export interface CounterFacts {
  /** The model id the counter is for. */
  readonly model: string;
  /** The local encoding used. */
  readonly encoding: EncodingName;
  /** True when counts are the model's own (OpenAI models). */
  readonly exact: boolean;
  /** Relative error bound (0 when exact). */
  readonly errorBound: number;
}

/**
 * The facts of `model`'s counter ({@linkcode getTokenCounter}), without loading its tables.
 *
 * @example
 * ```ts
 * import { counterFacts } from "./counter.ts";
 * counterFacts("gpt-4o-mini").exact; // true
 * counterFacts("claude-sonnet-4-5").errorBound; // 0.25
 * ```
 */
export function counterFacts(model: string): CounterFacts {
  if (isOpenAIModel(model)) return { model, encoding: encodingForModel(model), exact: true, errorBound: 0 };
  return { model, encoding: "o200k_base", exact: false, errorBound: estimateProfile(model).errorBound };
}

/**
 * A counter for `model`: exact (`gpt-tokenizer`, o200k_base or cl100k_base) for OpenAI models, an estimate
 * (o200k count x family factor, see `estimate.ts` for how the factors and the 0.25 bound were measured) for Claude
 * and open models. The encoding is imported on first use and shared by all counters.
 *
 * @example
 * ```ts
 * import { getTokenCounter } from "@swebench/runner/lib";
 * const claude = await getTokenCounter("claude-sonnet-4-5");
 * claude.exact; // false
 * claude.errorBound; // 0.25
 * ```
 */
export async function getTokenCounter(model: string): Promise<TokenCounter> {
  const facts = counterFacts(model);
  const enc = await loadEncoding(facts.encoding);
  if (facts.exact) {
    const count = enc.count;
    return Object.freeze({ ...facts, count, countChat: openAIChatCounter(model, count) });
  }
  const profile = estimateProfile(model);
  const scale = (tokens: number): number => Math.ceil(tokens * profile.factor);
  return Object.freeze({
    ...facts,
    count: (text: string): number => scale(enc.count(text)),
    countChat: (messages: readonly ChatMessageInput[]): number => {
      let content = 0;
      for (const message of messages) {
        content += enc.count(message.content);
        if (profile.countsRole) content += enc.count(message.role);
        if (message.name !== undefined) content += enc.count(message.name);
      }
      return scale(content) + profile.requestOverhead + profile.messageOverhead * messages.length;
    },
  });
}
