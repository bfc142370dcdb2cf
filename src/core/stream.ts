/**
 * Unified stream events. Every provider stream ends in exactly one `finish` or one `error` event.
 *
 * @module
 */
import type { SwebenchError } from "./errors.ts";
import type { FinishReason, RateLimitSnapshot, TokenUsage } from "./response.ts";

/** The stream opened: headers arrived. */
export interface StreamStartEvent {
  type: "start";
  model?: string;
  requestId?: string;
  rateLimit?: RateLimitSnapshot;
}
/** A piece of generated text. */
export interface StreamTextDeltaEvent {
  type: "text-delta";
  text: string;
}
/** Usage so far (cumulative, not incremental). */
export interface StreamUsageEvent {
  type: "usage";
  usage: TokenUsage;
}
/** The generation ended normally. */
export interface StreamFinishEvent {
  type: "finish";
  finishReason: FinishReason;
  rawFinishReason?: string;
  usage: TokenUsage;
  model?: string;
}
/** The stream failed; no further event follows. */
export interface StreamErrorEvent {
  type: "error";
  error: SwebenchError;
}

/**
 * One unified stream event.
 *
 * @example
 * ```ts
 * import type { StreamEvent } from "@swebench/runner";
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
