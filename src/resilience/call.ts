/**
 * The call-layer contract between the batch runner and resilience: one model call for one instance.
 *
 * @module
 */
import type { SwebenchError, UnifiedRequest, UnifiedResponse } from "../core/mod.ts";

/** What the runner tells the call layer about one call. */
export interface CallContext {
  /** The instance the call is for. */
  instanceId: string;
  /** Counted prompt tokens (for budget reservation and rate limiting). */
  promptTokens: number;
  /** Aborted when the run is interrupted. */
  signal: AbortSignal;
  /** Stream the response (the partial stream is never used: a failed stream is retried whole). */
  stream: boolean;
  /**
   * Aborted when the run starts nothing new (first Ctrl-C, SIGTERM, SIGHUP): the attempt in flight finishes, but
   * no retry and no wait for budget room starts another one (they end as `interrupted`).
   */
  stopSignal?: AbortSignal;
  /**
   * Told when a budget reservation of `usd` is booked whole as spent because the attempt's cost is unknown (it may
   * have been billed: a dropped connection, a cut stream, an answer without usage). The run log records the sum,
   * so that the next run's budget counts it.
   */
  onKept?: (usd: number) => void;
  /**
   * The run's first call(s), sent one at a time until one succeeds: an address where nothing answers (connection
   * refused, unknown host) is then not retried, so the run stops after that one attempt; and failures do not count
   * for the circuit breaker (with one call in flight there is nothing for it to hold back).
   */
  probe?: boolean;
  /** Report a retry (for progress). */
  onRetry?: (info: { attempt: number; error: SwebenchError; waitMs: number }) => void;
  /** Report a notice (breaker state changes, long waits, fallbacks). */
  onNotice?: (message: string) => void;
}

/** What the call layer returns. */
export interface CallResult {
  /** The response. */
  response: UnifiedResponse;
  /** Attempts made, all models included (1 = first try worked). */
  attempts: number;
  /** Provider and model that answered (differs from the run's when a fallback answered). */
  answeredBy?: { provider: string; model: string };
}

/**
 * One model call with whatever resilience is wanted around it. Throws {@linkcode SwebenchError};
 * a thrown error may carry `attempts` (number of attempts made).
 */
export type CallFn = (request: UnifiedRequest, context: CallContext) => Promise<CallResult>;
