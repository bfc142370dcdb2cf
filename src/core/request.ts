/**
 * The unified request every provider accepts.
 *
 * @module
 */

/** Options a provider may honour that have no unified equivalent (Ollama `num_ctx`, OpenAI `reasoning_effort`, ...). */
export type ExtraOptions = Record<string, unknown>;

/**
 * One model call, independent of any wire format.
 *
 * @example
 * ```ts
 * import type { UnifiedRequest } from "@swebench/runner/lib";
 * const req: UnifiedRequest = { model: "gpt-4o-mini", system: "You fix bugs.", prompt: "Fix it.", maxTokens: 1024 };
 * ```
 */
export interface UnifiedRequest {
  /** Model id as the provider knows it (`gpt-4o-mini`, `claude-sonnet-4-5`, `qwen2.5-coder:7b`). */
  model: string;
  /** The user message. */
  prompt: string;
  /** Optional system message. */
  system?: string;
  /** Upper bound on generated tokens. */
  maxTokens?: number;
  /** Sampling temperature; providers clamp or drop it where the model does not accept it. */
  temperature?: number;
  /** Stop sequences. */
  stop?: string[];
  /** Ask the provider to stream (the transport decides how; `Provider.stream` always streams). */
  stream?: boolean;
  /** Provider-only options, passed through by the provider that understands them. */
  extra?: ExtraOptions;
}

/** Per-call transport options. */
export interface CallOptions {
  /** Aborts the call (and its stream). */
  signal?: AbortSignal;
  /** Milliseconds allowed to receive response headers. */
  connectTimeoutMs?: number;
  /** Milliseconds allowed for the whole call, body included. */
  totalTimeoutMs?: number;
  /** Milliseconds allowed between two chunks of a streamed body. */
  idleTimeoutMs?: number;
}
