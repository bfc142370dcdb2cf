/**
 * A scripted in-memory Provider for resilience tests (no network): each call takes the next outcome of a
 * script, records what it billed, and answers or throws like a real provider would.
 *
 * @module
 */
import {
  type CallOptions,
  emptyUsage,
  type Provider,
  type StreamEvent,
  SwebenchError,
  type UnifiedRequest,
  type UnifiedResponse,
} from "../../src/core/mod.ts";

/** What one call of the fake does. */
export type Outcome =
  /** Answer; bill `promptTokens` (<= counted) and `completionTokens` (<= maxTokens). */
  | { type: "ok"; promptTokens: number; completionTokens: number; priced?: boolean }
  /** HTTP error response: nothing billed. */
  | {
    type: "http";
    status: number;
    kind:
      | "rate_limit"
      | "server"
      | "overloaded"
      | "quota"
      | "authentication"
      | "invalid_request"
      | "context_length";
    retryAfterMs?: number;
  }
  /** Stream cut / error event after 200: billed for what was generated, no usage known to the client. */
  | { type: "cut"; promptTokens: number; completionTokens: number }
  /** Connection dropped before headers: the server may or may not have billed (here: `billed`). */
  | { type: "drop"; promptTokens: number; completionTokens: number; billed: boolean };

/** Prices in USD per million tokens. */
export interface Prices {
  input: number;
  output: number;
}

/** A fake provider and its ledger. */
export interface FakeProvider extends Provider {
  /** Sum of what the "provider" billed. */
  readonly billed: number;
  /** Requests received. */
  readonly requests: UnifiedRequest[];
}

/** Price of a usage. */
export function priceOf(prices: Prices, promptTokens: number, completionTokens: number): number {
  return (promptTokens * prices.input + completionTokens * prices.output) / 1e6;
}

/** Create a fake provider that plays `script` (then answers ok forever), billing at `prices`. */
export function fakeProvider(
  options: {
    name?: string;
    kind?: "openai" | "anthropic" | "ollama";
    /** A local server (calls cost nothing and reserve no budget); default: kind is ollama. */
    local?: boolean;
    prices: Prices;
    script: Outcome[] | ((n: number, req: UnifiedRequest) => Outcome);
  },
): FakeProvider {
  let billed = 0;
  const requests: UnifiedRequest[] = [];
  const name = options.name ?? "fake";
  const next = (req: UnifiedRequest): Outcome => {
    const n = requests.length;
    requests.push(req);
    const s = options.script;
    if (typeof s === "function") return s(n, req);
    return s[n] ?? { type: "ok", promptTokens: 1, completionTokens: 1 };
  };
  const provider: FakeProvider = {
    name,
    kind: options.kind ?? "openai",
    local: options.local ?? options.kind === "ollama",
    baseUrl: `http://fake.invalid/${name}`,
    get billed() {
      return billed;
    },
    requests,
    async generate(req: UnifiedRequest, call?: CallOptions): Promise<UnifiedResponse> {
      await new Promise((r) => setTimeout(r, 0));
      if (call?.signal?.aborted) throw new SwebenchError("interrupted", "aborted");
      const o = next(req);
      const max = req.maxTokens ?? Infinity;
      switch (o.type) {
        case "ok": {
          const completion = Math.min(o.completionTokens, max);
          const cost = priceOf(options.prices, o.promptTokens, completion);
          billed += cost;
          const usage = { ...emptyUsage(), promptTokens: o.promptTokens, completionTokens: completion };
          usage.totalTokens = usage.promptTokens + usage.completionTokens;
          const r: UnifiedResponse = {
            content: "diff --git a/x b/x",
            model: req.model,
            provider: name,
            usage,
            latencyMs: 1,
            finishReason: "stop",
          };
          if (o.priced !== false) r.costUsd = cost;
          return r;
        }
        case "http":
          throw new SwebenchError(o.kind, `${name}: ${o.status} scripted`, {
            status: o.status,
            provider: name,
            retryAfterMs: o.retryAfterMs,
          });
        case "cut":
          billed += priceOf(options.prices, o.promptTokens, Math.min(o.completionTokens, max));
          throw new SwebenchError("connection", `${name}: connection lost while reading the response`, {
            provider: name,
          });
        case "drop":
          if (o.billed) billed += priceOf(options.prices, o.promptTokens, Math.min(o.completionTokens, max));
          throw new SwebenchError("connection", `${name}: cannot connect (connection reset)`, {
            provider: name,
          });
      }
    },
    stream(): ReadableStream<StreamEvent> {
      return ReadableStream.from<StreamEvent>([
        { type: "error", error: new SwebenchError("unexpected", "the fake provider does not stream") },
      ]);
    },
  };
  return provider;
}
