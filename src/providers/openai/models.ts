/**
 * OpenAI model facts the spec needs without the codec: which models are reasoning models (they take no
 * `temperature`). The codec (`./codec.ts`) re-exports it.
 *
 * @module
 */

/**
 * True for OpenAI reasoning models (o1, o3, o4 families and gpt-5, except the `gpt-5-chat` models): they take
 * `max_completion_tokens` instead of `max_tokens` and reject `temperature` and `stop`.
 * A `vendor/` prefix (OpenRouter style, `openai/o3-mini`) is ignored.
 *
 * @example
 * ```ts
 * import { isOpenAIReasoningModel } from "./models.ts";
 * isOpenAIReasoningModel("o3-mini"); // true
 * isOpenAIReasoningModel("gpt-4o-mini"); // false
 * ```
 */
export function isOpenAIReasoningModel(model: string): boolean {
  const id = model.slice(model.lastIndexOf("/") + 1).toLowerCase();
  if (/^o[1-9](?:$|[-_.:])/.test(id)) return true;
  if (/^gpt-5(?:$|[-_.:])/.test(id)) return !/^gpt-5(?:\.\d+)?-chat/.test(id);
  return false;
}
