/**
 * Unified request -> Ollama `/api/chat` body: messages, options (`num_ctx`, `num_predict`, temperature, stop),
 * `extra` pass-through.
 *
 * @module
 */
import type { UnifiedRequest } from "../../core/mod.ts";
import { isRecord, num } from "./read.ts";

/** Options of {@linkcode encodeOllamaRequest}. */
export interface EncodeOllamaOptions {
  /** Stream the answer (default: `request.stream`, else false). */
  stream?: boolean;
  /** Context size to ask for (`options.num_ctx`); the transport sizes it with {@linkcode sizeNumCtx}. */
  numCtx?: number;
}

/**
 * The chat messages of a request: optional system message, then the user prompt.
 *
 * @example
 * ```ts
 * import { ollamaMessages } from "./request.ts";
 * ollamaMessages({ model: "m", system: "Be brief.", prompt: "Hi" });
 * // [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }]
 * ```
 */
export function ollamaMessages(request: UnifiedRequest): Array<{ role: string; content: string }> {
  const messages: Array<{ role: string; content: string }> = [];
  if (request.system !== undefined && request.system !== "") {
    messages.push({ role: "system", content: request.system });
  }
  messages.push({ role: "user", content: request.prompt });
  return messages;
}

/**
 * The `num_ctx` a request sets itself (`extra.ollama.num_ctx`, `extra.numCtx` or `extra.num_ctx`), if any.
 *
 * @example
 * ```ts
 * import { explicitNumCtx } from "./request.ts";
 * explicitNumCtx({ model: "m", prompt: "Hi", extra: { numCtx: 8192 } }); // 8192
 * ```
 */
export function explicitNumCtx(request: UnifiedRequest): number | undefined {
  const extra = request.extra ?? {};
  const ollama = isRecord(extra.ollama) ? extra.ollama : {};
  return num(ollama.num_ctx) ?? num(extra.numCtx) ?? num(extra.num_ctx);
}

/**
 * Unified request -> `POST /api/chat` body. `maxTokens` -> `options.num_predict`, `temperature`, `stop`,
 * `numCtx` -> `options.num_ctx`; `extra.keepAlive` (or `keep_alive`) -> `keep_alive`; `extra.think` -> `think`;
 * `extra.ollama` is merged into `options` last (it wins).
 *
 * @example
 * ```ts
 * import { encodeOllamaRequest } from "./request.ts";
 * const body = encodeOllamaRequest(
 *   { model: "qwen2.5-coder:7b", system: "You fix bugs.", prompt: "Fix it.", maxTokens: 512, extra: { keepAlive: "10m" } },
 *   { stream: true, numCtx: 4096 },
 * );
 * // { model, messages: [system, user], stream: true, options: { num_predict: 512, num_ctx: 4096 }, keep_alive: "10m" }
 * ```
 */
export function encodeOllamaRequest(
  request: UnifiedRequest,
  options: EncodeOllamaOptions = {},
): Record<string, unknown> {
  const extra = request.extra ?? {};
  const modelOptions: Record<string, unknown> = {};
  if (request.maxTokens !== undefined) modelOptions.num_predict = request.maxTokens;
  if (request.temperature !== undefined) modelOptions.temperature = request.temperature;
  if (request.stop !== undefined && request.stop.length > 0) modelOptions.stop = [...request.stop];
  const numCtx = options.numCtx ?? num(extra.numCtx) ?? num(extra.num_ctx);
  if (numCtx !== undefined) modelOptions.num_ctx = numCtx;
  if (isRecord(extra.ollama)) Object.assign(modelOptions, extra.ollama);

  const body: Record<string, unknown> = {
    model: request.model,
    messages: ollamaMessages(request),
    stream: options.stream ?? request.stream ?? false,
  };
  if (Object.keys(modelOptions).length > 0) body.options = modelOptions;
  const keepAlive = extra.keepAlive ?? extra.keep_alive;
  if (typeof keepAlive === "string" || typeof keepAlive === "number") body.keep_alive = keepAlive;
  if (typeof extra.think === "boolean" || typeof extra.think === "string") body.think = extra.think;
  if (extra.format !== undefined) body.format = extra.format;
  return body;
}
