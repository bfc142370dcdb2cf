/**
 * Unified stream events. Every provider stream ends in exactly one `finish` or one `error` event.
 *
 * @module
 */
import type { SwebenchError } from "./errors.ts";
import type { FinishReason, RateLimitSnapshot, TokenUsage } from "./response.ts";

/** The stream opened: headers arrived. */
export interface StreamStartEvent {
  /** Event type. */
  type: "start";
  /** Model id reported by the provider, when known at the start. */
  model?: string;
  /** Provider request id. */
  requestId?: string;
  /** Rate-limit headers of the response. */
  rateLimit?: RateLimitSnapshot;
}
/** A piece of generated text. */
export interface StreamTextDeltaEvent {
  /** Event type. */
  type: "text-delta";
  /** The new text. */
  text: string;
}
/** Usage so far (cumulative, not incremental). */
export interface StreamUsageEvent {
  /** Event type. */
  type: "usage";
  /** Cumulative usage so far. */
  usage: TokenUsage;
}
/** The generation ended normally. */
export interface StreamFinishEvent {
  /** Event type. */
  type: "finish";
  /** Normalised finish reason. */
  finishReason: FinishReason;
  /** The provider's own finish value. */
  rawFinishReason?: string;
  /** Final usage. */
  usage: TokenUsage;
  /** Model id reported by the provider. */
  model?: string;
}
/** The stream failed; no further event follows. */
export interface StreamErrorEvent {
  /** Event type. */
  type: "error";
  /** What went wrong. */
  error: SwebenchError;
}

/**
 * One unified stream event.
 *
 * @example
 * ```ts
 * import type { StreamEvent } from "@swebench/runner/lib";
 * function onEvent(e: StreamEvent) {
 *   if (e.type === "text-delta") console.log(e.text);
 * }
 * ```
 */
export type StreamEvent =
  | StreamStartEvent
  | StreamTextDeltaEvent
  | StreamUsageEvent
  | StreamFinishEvent
  | StreamErrorEvent;
