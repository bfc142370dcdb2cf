/**
 * Batch items: one unified request as the line of an OpenAI batch input file or an element of an Anthropic
 * Message Batch's `requests`, encoded by the same request encoders as a normal call (so a batch sends exactly
 * what a normal run would, minus streaming).
 *
 * @module
 */
import type { UnifiedRequest } from "../core/mod.ts";
import { ANTHROPIC_CODEC } from "../providers/anthropic/codec.ts";
import { ANTHROPIC_DEFAULT_VERSION } from "../providers/anthropic/version.ts";
import { encodeOpenAIRequest } from "../providers/openai/codec.ts";

/** The endpoint every line of an OpenAI chat batch targets (and the batch's `endpoint`). */
export const OPENAI_BATCH_ENDPOINT = "/v1/chat/completions";

/**
 * One OpenAI batch input line (without its newline): `{"custom_id","method":"POST","url":"/v1/chat/completions",
 * "body":<the chat request a normal call sends, stream false>}`.
 *
 * @example
 * ```ts
 * import { openAIBatchLine } from "./lines.ts";
 * openAIBatchLine("django__django-11099", { model: "gpt-4o-mini", prompt: "Fix it.", maxTokens: 1024 });
 * // '{"custom_id":"django__django-11099","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini",...}}'
 * ```
 */
export function openAIBatchLine(customId: string, request: UnifiedRequest): string {
  return JSON.stringify({
    custom_id: customId,
    method: "POST",
    url: OPENAI_BATCH_ENDPOINT,
    body: encodeOpenAIRequest(request, { stream: false }),
  });
}

/**
 * One element of an Anthropic Message Batch's `requests`: `{"custom_id","params":<the Messages request a normal
 * call sends, without stream>}`.
 *
 * @example
 * ```ts
 * import { anthropicBatchRequest } from "./lines.ts";
 * anthropicBatchRequest("django__django-11099", { model: "claude-sonnet-4-5", prompt: "Fix it.", maxTokens: 1024 });
 * // '{"custom_id":"django__django-11099","params":{"model":"claude-sonnet-4-5","max_tokens":1024,...}}'
 * ```
 */
export function anthropicBatchRequest(
  customId: string,
  request: UnifiedRequest,
  version: string = ANTHROPIC_DEFAULT_VERSION,
): string {
  // The codec a normal call uses: the batch's requests follow its API version (under 2026-10-21 no sampling
  // parameter).
  const params = ANTHROPIC_CODEC.encode(request, { stream: false, settings: { version } });
  return JSON.stringify({ custom_id: customId, params });
}

/**
 * Bytes of `text` in UTF-8, without encoding it (lone surrogates count 3 bytes, as `TextEncoder` writes U+FFFD).
 *
 * @example
 * ```ts
 * import { utf8Length } from "./lines.ts";
 * utf8Length("héllo"); // 6
 * ```
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
