/**
 * "Which parameter does this 400 say the model does not take?" for the OpenAI Chat Completions wire (OpenAI,
 * Azure OpenAI and the OpenAI-compatible hosts). The answer lets the provider drop that parameter, retry once and
 * remember it for the model (issue 13 item 4).
 *
 * @module
 */
import type { SwebenchError } from "../../core/mod.ts";

/**
 * Parameters a request may lose when a model refuses them. `max_tokens` is never dropped (the budget depends on
 * it): it means "send `max_completion_tokens` instead". Unified names: `temperature`, `stop`; the others are wire
 * names of `extra` options.
 */
export const DROPPABLE_PARAMETERS: ReadonlySet<string> = new Set([
  "temperature",
  "stop",
  "max_tokens",
  "top_p",
  "top_k",
  "seed",
  "presence_penalty",
  "frequency_penalty",
  "logit_bias",
  "logprobs",
  "top_logprobs",
  "reasoning_effort",
  "service_tier",
  "verbosity",
  "parallel_tool_calls",
  "prompt_cache_key",
  "safety_identifier",
  "user",
  "store",
  "metadata",
]);

/** Wire spellings -> the names {@linkcode DROPPABLE_PARAMETERS} uses. */
function normalise(name: string): string {
  const snake = name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase().replace(/^body\./, "");
  if (snake === "stop_sequences") return "stop";
  if (snake === "max_output_tokens") return "max_tokens";
  return snake;
}

/** The phrasings seen for "this model does not take parameter X" (first capture group: the parameter). */
const PATTERNS: readonly RegExp[] = [
  // OpenAI: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
  // OpenAI: "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported."
  /Unsupported (?:parameter|value): '([A-Za-z_.]+)'/,
  // "'stop' is not supported with this model" / "stop is not supported for this model"
  /'?\b([a-z_]+)'? (?:is|are) not supported (?:with|for|by|on) (?:this|the) model/i,
  // xAI and gateways: "Argument not supported on this model: stop" / "Model X does not support parameter stop"
  /(?:Argument|Parameter)s? not supported (?:on|for|by) this model: '?([A-Za-z_]+)'?/i,
  /does not support (?:the )?(?:parameter|argument|field) '?`?([A-Za-z_]+)`?'?/i,
  // pydantic-style servers (vLLM, Mistral, Anthropic 2026-10-21): "temperature: Extra inputs are not permitted"
  /\b([A-Za-z_.]+): Extra inputs are not permitted/,
  // "`temperature` is deprecated for this model"
  /`?([a-z_]+)`? is deprecated for this model/i,
];

/**
 * The parameter an OpenAI-style 400 says the model does not take (`temperature`, `stop`, `max_tokens`, `top_p`,
 * ... see {@linkcode DROPPABLE_PARAMETERS}), or `undefined`: the error is not a 400 `invalid_request`, or names no
 * parameter the request may lose (a 400 about the prompt itself is never "fixed" by dropping something).
 *
 * @example
 * ```ts
 * import { SwebenchError } from "../../core/mod.ts";
 * import { openAIUnsupportedParameter } from "./unsupported.ts";
 * const e = new SwebenchError("invalid_request",
 *   "openai: 400 Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported. (unsupported_value)",
 *   { status: 400, code: "unsupported_value" });
 * openAIUnsupportedParameter(e); // "temperature"
 * ```
 */
export function openAIUnsupportedParameter(error: SwebenchError): string | undefined {
  if (error.kind !== "invalid_request") return undefined;
  if (error.status !== undefined && error.status !== 400 && error.status !== 422) return undefined;
  for (const pattern of PATTERNS) {
    const found = pattern.exec(error.message)?.[1];
    if (found === undefined) continue;
    const name = normalise(found.split(".").at(-1)!);
    if (DROPPABLE_PARAMETERS.has(name)) return name;
  }
  return undefined;
}

/**
 * Leave out of an encoded Chat Completions body the parameters a model refused (`EncodeContext.drop`): a dropped
 * `max_tokens` is sent as `max_completion_tokens` (the budget depends on it); any other name is removed, top level
 * (`temperature`, `stop`, `top_p`, ...). The body is changed in place and returned.
 *
 * @example
 * ```ts
 * import { dropOpenAIParameters } from "./unsupported.ts";
 * dropOpenAIParameters({ model: "o3", max_tokens: 100, temperature: 0 }, new Set(["temperature", "max_tokens"]));
 * // { model: "o3", max_completion_tokens: 100 }
 * ```
 */
export function dropOpenAIParameters(
  body: Record<string, unknown>,
  names: Iterable<string> | undefined,
): Record<string, unknown> {
  for (const name of names ?? []) {
    if (name === "max_tokens") {
      if (body.max_tokens !== undefined) {
        body.max_completion_tokens = body.max_tokens;
        delete body.max_tokens;
      }
      continue;
    }
    delete body[name];
  }
  return body;
}
