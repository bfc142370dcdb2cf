/**
 * Collect a unified event stream into one {@linkcode UnifiedResponse}: how `generate()` serves a request with
 * `stream: true`. Shared by every provider.
 *
 * @module
 */
import {
  emptyUsage,
  type FinishReason,
  type RateLimitSnapshot,
  type StreamEvent,
  SwebenchError,
  type TokenUsage,
  toSwebenchError,
  type UnifiedResponse,
} from "../../core/mod.ts";
import type { CostFn } from "./options.ts";

/** What {@linkcode collectStream} needs besides the events. */
export interface CollectMeta {
  /** Provider name for the response. */
  provider: string;
  /** Requested model, used when the stream reports none. */
  model?: string;
  /** `performance.now()` when the call was sent (default: when collecting starts). */
  startedAt?: number;
  /** Prices the call (sets `costUsd`). */
  cost?: CostFn;
  /** Request id, when the transport knows it and the start event does not carry it. */
  requestId?: string;
  /** Rate-limit snapshot, when the transport knows it and the start event does not carry it. */
  rateLimit?: RateLimitSnapshot;
}

/**
 * Read a provider's event stream to its terminal event and build the response: text deltas concatenated, usage
 * and finish reason from the `finish` event, model/request id/rate limit from `start`, latency from `startedAt`
 * to the last event, cost from `meta.cost`, `raw` = the list of `start`, `usage` and `finish` events (the text
 * deltas are in `content` already, so long answers are not kept twice). An `error` event is thrown as its
 * {@linkcode SwebenchError}; a stream that ends without a terminal event (or throws) throws kind `connection`.
 *
 * @example
 * ```ts
 * import { collectStream } from "./collect.ts";
 * import type { Provider } from "../../core/mod.ts";
 * async function ask(p: Provider) {
 *   const started = performance.now();
 *   const events = p.stream({ model: "gpt-4o-mini", prompt: "hi" });
 *   return await collectStream(events, { provider: p.name, model: "gpt-4o-mini", startedAt: started });
 * }
 * ```
 */
export async function collectStream(
  events: ReadableStream<StreamEvent>,
  meta: CollectMeta,
): Promise<UnifiedResponse> {
  const startedAt = meta.startedAt ?? performance.now();
  const raw: StreamEvent[] = [];
  const parts: string[] = [];
  let model = meta.model;
  let requestId = meta.requestId;
  let rateLimit = meta.rateLimit;
  let usage: TokenUsage | undefined;
  let finish: { finishReason: FinishReason; rawFinishReason?: string } | undefined;
  const reader = events.getReader();
  try {
    while (true) {
      let result: ReadableStreamReadResult<StreamEvent>;
      try {
        result = await reader.read();
      } catch (error) {
        throw toSwebenchError(error, "connection");
      }
      if (result.done) break;
      const event = result.value;
      if (event.type === "error") throw event.error;
      if (event.type === "start") {
        raw.push(event);
        if (event.model) model = event.model;
        requestId = event.requestId ?? requestId;
        rateLimit = event.rateLimit ?? rateLimit;
      } else if (event.type === "text-delta") {
        parts.push(event.text);
      } else if (event.type === "usage") {
        raw.push(event);
        usage = event.usage;
      } else if (event.type === "finish") {
        raw.push(event);
        usage = event.usage;
        if (event.model) model = event.model;
        finish = { finishReason: event.finishReason };
        if (event.rawFinishReason !== undefined) finish.rawFinishReason = event.rawFinishReason;
        break;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  if (finish === undefined) {
    throw new SwebenchError("connection", "The stream ended early (no finish event).", {
      provider: meta.provider,
    });
  }
  const finalUsage = usage ?? emptyUsage();
  const finalModel = model ?? "";
  const response: UnifiedResponse = {
    content: parts.join(""),
    model: finalModel,
    provider: meta.provider,
    usage: finalUsage,
    latencyMs: Math.max(0, performance.now() - startedAt),
    finishReason: finish.finishReason,
    raw,
  };
  if (finish.rawFinishReason !== undefined) response.rawFinishReason = finish.rawFinishReason;
  const cost = priceOf(meta.cost, finalModel, finalUsage);
  if (cost !== undefined) response.costUsd = cost;
  if (requestId !== undefined) response.requestId = requestId;
  if (rateLimit !== undefined) response.rateLimit = rateLimit;
  return response;
}

/**
 * The cost of a call: the usage's `billedUsd` when the provider reported what it billed, else the cost function
 * applied defensively: a throwing or non-finite result counts as unpriced (`undefined`), so a pricing bug never
 * loses a paid-for response.
 *
 * @example
 * ```ts
 * import { priceOf } from "./collect.ts";
 * priceOf((_m, u) => u.totalTokens * 1e-6, "m", { promptTokens: 1, completionTokens: 1, totalTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 });
 * ```
 */
export function priceOf(cost: CostFn | undefined, model: string, usage: TokenUsage): number | undefined {
  // What the provider billed is the cost (OpenRouter's usage.cost), whatever the catalog says.
  if (typeof usage.billedUsd === "number" && Number.isFinite(usage.billedUsd) && usage.billedUsd >= 0) {
    return usage.billedUsd;
  }
  if (cost === undefined) return undefined;
  try {
    const value = cost(model, usage);
    if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
    // A server that sends no usage (some compatible servers ignore include_usage) leaves every count at 0: for a
    // priced model that is "unknown", never a silent $0 that would hand the call's reservation back to a budget.
    if (value === 0 && usage.promptTokens === 0 && usage.completionTokens === 0) {
      const probe = cost(model, { ...usage, promptTokens: 1000, completionTokens: 1000, totalTokens: 2000 });
      if (typeof probe === "number" && probe > 0) return undefined;
    }
    return value;
  } catch {
    return undefined;
  }
}
