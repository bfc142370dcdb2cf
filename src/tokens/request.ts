/**
 * Prompt token count of a unified request.
 *
 * @module
 */
import type { TokenCount, UnifiedRequest } from "../core/mod.ts";
import { type ChatMessageInput, getTokenCounter } from "./counter.ts";

/**
 * The chat messages a unified request becomes: the optional system message, then the user prompt.
 *
 * @example
 * ```ts
 * import { requestMessages } from "@swebench/runner/lib";
 * requestMessages({ model: "m", system: "Be brief.", prompt: "hi" }).length; // 2
 * ```
 */
export function requestMessages(req: UnifiedRequest): ChatMessageInput[] {
  const messages: ChatMessageInput[] = [];
  if (req.system !== undefined && req.system !== "") messages.push({ role: "system", content: req.system });
  messages.push({ role: "user", content: req.prompt });
  return messages;
}

/**
 * Prompt tokens of `req` in the chat format (system + user message, framing included): exact for OpenAI models,
 * an estimate with its error bound otherwise.
 *
 * @example
 * ```ts
 * import { countRequestTokens } from "@swebench/runner/lib";
 * const n = await countRequestTokens({ model: "gpt-4o-mini", prompt: "hello" });
 * // { tokens: 8, method: "exact", errorBound: 0 }
 * ```
 */
export async function countRequestTokens(req: UnifiedRequest): Promise<TokenCount> {
  const counter = await getTokenCounter(req.model);
  return {
    tokens: counter.countChat(requestMessages(req)),
    method: counter.exact ? "exact" : "estimate",
    errorBound: counter.errorBound,
  };
}
