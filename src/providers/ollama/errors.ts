/**
 * Ollama's errors: its `{"error": "..."}` messages classified, and the `ollama pull` hint for a missing model.
 *
 * @module
 */
import { SwebenchError } from "../../core/mod.ts";

/**
 * An Ollama error message (`{"error": "..."}`, in a body or inside a 200 stream) -> `SwebenchError`:
 * "not found" -> model_not_found (with an `ollama pull` hint when the model is known), "context"/"too long" ->
 * context_length, "busy"/"overloaded" (or status 503) -> overloaded, another 4xx status -> invalid_request,
 * anything else -> server.
 *
 * @example
 * ```ts
 * import { ollamaErrorFromMessage } from "./errors.ts";
 * ollamaErrorFromMessage("model 'x' not found").kind; // "model_not_found"
 * ```
 */
export function ollamaErrorFromMessage(
  message: string,
  options: { model?: string; provider?: string; status?: number; body?: string } = {},
): SwebenchError {
  const lower = message.toLowerCase();
  const common = { provider: options.provider ?? "ollama", status: options.status, body: options.body };
  if (lower.includes("not found")) {
    const model = modelFromMessage(message) ?? options.model;
    return new SwebenchError("model_not_found", `Ollama: ${message}`, {
      ...common,
      hint: model ? pullHint(model) : undefined,
    });
  }
  if (
    lower.includes("context length") || lower.includes("context window") || lower.includes("too long") ||
    lower.includes("exceeds the context")
  ) {
    return new SwebenchError("context_length", `Ollama: ${message}`, common);
  }
  if (lower.includes("server busy") || lower.includes("overloaded") || options.status === 503) {
    return new SwebenchError("overloaded", `Ollama: ${message}`, common);
  }
  if (options.status !== undefined && options.status >= 400 && options.status < 500) {
    return new SwebenchError("invalid_request", `Ollama: ${message}`, common);
  }
  return new SwebenchError("server", `Ollama: ${message}`, common);
}

/**
 * The hint for a model that is not present locally.
 *
 * @example
 * ```ts
 * import { pullHint } from "./errors.ts";
 * pullHint("qwen2.5-coder:7b"); // "Run `ollama pull qwen2.5-coder:7b` (or `swebench provider pull qwen2.5-coder:7b`)."
 * ```
 */
export function pullHint(model: string): string {
  return `Run \`ollama pull ${model}\` (or \`swebench provider pull ${model}\`).`;
}

function modelFromMessage(message: string): string | undefined {
  const match = /model ['"]([^'"]+)['"]/.exec(message);
  return match?.[1];
}
