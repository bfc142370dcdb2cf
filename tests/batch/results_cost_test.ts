import assert from "node:assert/strict";
import { batchCost, batchCostFn, batchWorstCaseCost } from "../../src/batch/cost.ts";
import { decodeAnthropicBatchLine, decodeOpenAIBatchLine, failureOf } from "../../src/batch/results.ts";
import type { BatchResult } from "../../src/batch/types.ts";
import { SwebenchError, type TokenUsage } from "../../src/core/mod.ts";
import { costOf, defaultCatalog, worstCaseCost } from "../../src/providers/catalog.ts";

const CAPTURES = new URL("../fixtures/captures/", import.meta.url);

async function captureLines(path: string): Promise<unknown[]> {
  const text = await Deno.readTextFile(new URL(path, CAPTURES));
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

function errored(r: BatchResult): SwebenchError {
  assert.equal(r.type, "errored");
  return (r as { error: SwebenchError }).error;
}

Deno.test("batch results: the recorded OpenAI output lines decode like a normal answer (usage, finish reason, request id)", async () => {
  const [one, two] = (await captureLines("openai-batch/output-gpt-4o-mini.jsonl")).map((l) =>
    decodeOpenAIBatchLine(l)
  );
  assert.equal(one.type, "succeeded");
  if (one.type !== "succeeded" || two.type !== "succeeded") throw new Error("unreachable");
  assert.equal(one.customId, "request-1");
  assert.equal(one.response.content, "Hello! How can I assist you today?");
  assert.equal(one.response.model, "gpt-4o-mini-2024-07-18");
  assert.equal(one.response.usage.promptTokens, 20);
  assert.equal(one.response.usage.completionTokens, 10);
  assert.equal(one.response.finishReason, "stop");
  assert.equal(one.requestId, "07bc45ab4e7e26ac23a0c949973327e7");
  assert.equal(two.response.finishReason, "length");
});

Deno.test("batch results: the recorded Anthropic results decode like a normal message (model first, batch tier)", async () => {
  const [one] = (await captureLines("anthropic-batch/results-claude-sonnet-4-5.jsonl")).map((l) =>
    decodeAnthropicBatchLine(l)
  );
  if (one.type !== "succeeded") throw new Error(`expected succeeded, got ${one.type}`);
  assert.equal(one.customId, "my-first-request");
  assert.equal(one.response.content, "Hello! How can I help you today?");
  assert.equal(one.response.model, "claude-sonnet-4-5-20250929");
  assert.deepEqual([one.response.usage.promptTokens, one.response.usage.completionTokens], [10, 12]);
  assert.equal(one.response.finishReason, "stop");
});

Deno.test("batch results: OpenAI failed requests keep their HTTP classification; expired and cancelled are their own", () => {
  const http400 = decodeOpenAIBatchLine({
    id: "batch_req_1",
    custom_id: "a",
    response: {
      status_code: 400,
      request_id: "req_9",
      body: {
        error: {
          message: "Unsupported parameter: 'max_tokens'",
          type: "invalid_request_error",
          code: "unsupported_parameter",
        },
      },
    },
    error: null,
  });
  const e = errored(http400);
  assert.equal(e.kind, "invalid_request");
  assert.equal(e.status, 400);
  assert.equal(e.code, "unsupported_parameter");
  assert.equal(e.requestId, "req_9");
  assert.match(e.message, /^openai: 400 Unsupported parameter/);
  assert.deepEqual(failureOf(http400 as Exclude<BatchResult, { type: "succeeded" }>), {
    kind: "invalid_request",
    message: e.message,
    status: 400,
    code: "unsupported_parameter",
  });
  assert.equal(
    errored(
      decodeOpenAIBatchLine({
        custom_id: "b",
        response: {
          status_code: 429,
          body: { error: { message: "slow down", code: "rate_limit_exceeded" } },
        },
      }),
    ).kind,
    "rate_limit",
  );
  assert.equal(
    errored(
      decodeOpenAIBatchLine({
        custom_id: "c",
        response: { status_code: 500, body: { error: { message: "boom" } } },
      }),
    ).kind,
    "server",
  );
  const context = decodeOpenAIBatchLine({
    custom_id: "d",
    response: {
      status_code: 400,
      body: {
        error: {
          message: "This model's maximum context length is 128000 tokens",
          code: "context_length_exceeded",
        },
      },
    },
  });
  assert.equal(errored(context).kind, "context_length");
  const expired = decodeOpenAIBatchLine({
    custom_id: "e",
    response: null,
    error: {
      code: "batch_expired",
      message: "This request could not be executed before the completion window expired.",
    },
  });
  assert.deepEqual(expired, {
    customId: "e",
    type: "expired",
    message: "This request could not be executed before the completion window expired.",
  });
  assert.deepEqual(failureOf(expired as Exclude<BatchResult, { type: "succeeded" }>), {
    kind: "expired",
    message: expired.type === "expired" ? expired.message : "",
  });
  assert.equal(
    decodeOpenAIBatchLine({
      custom_id: "f",
      response: null,
      error: { code: "batch_cancelled", message: "x" },
    }).type,
    "canceled",
  );
  const timeout = errored(
    decodeOpenAIBatchLine({
      custom_id: "g",
      response: null,
      error: { code: "request_timeout", message: "The request timed out." },
    }),
  );
  assert.equal(timeout.kind, "timeout");
  assert.equal(timeout.message, "openai: The request timed out. (request_timeout)");
  // A 200 whose body is not a completion fails that request, not the collection.
  const broken = errored(
    decodeOpenAIBatchLine({
      custom_id: "h",
      response: { status_code: 200, request_id: "r", body: { choices: [] } },
    }),
  );
  assert.equal(broken.kind, "server");
  assert.match(broken.message, /^openai: Malformed chat completion/);
  assert.equal(broken.requestId, "r");
});

Deno.test("batch results: Anthropic errored results are classified by their error type; canceled and expired kept", () => {
  const line = (result: unknown) => ({ custom_id: "x", result });
  const err = (type: string, message: string) =>
    errored(
      decodeAnthropicBatchLine(
        line({ type: "errored", error: { type: "error", error: { type, message }, request_id: "req_1" } }),
      ),
    );
  assert.equal(err("overloaded_error", "Overloaded").kind, "overloaded");
  const invalid = err("invalid_request_error", "temperature: Extra inputs are not permitted");
  assert.equal(invalid.kind, "invalid_request");
  assert.equal(invalid.requestId, "req_1");
  assert.equal(invalid.provider, "anthropic");
  assert.equal(
    err("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum").kind,
    "context_length",
  );
  assert.equal(err("api_error", "Internal server error").kind, "server");
  assert.equal(decodeAnthropicBatchLine(line({ type: "canceled" })).type, "canceled");
  const expired = decodeAnthropicBatchLine(line({ type: "expired" }));
  assert.equal(expired.type, "expired");
  assert.equal(failureOf(expired as Exclude<BatchResult, { type: "succeeded" }>).kind, "expired");
});

Deno.test("batch results: a line without custom_id or of an unknown type is a server error (the file cannot be trusted)", () => {
  const bad = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e) => e instanceof SwebenchError && e.kind === "server" && re.test(e.message));
  bad(() => decodeOpenAIBatchLine({ response: null }), /openai: a batch result line has no custom_id/);
  bad(() => decodeAnthropicBatchLine("just text"), /anthropic: a batch result line has no custom_id/);
  bad(
    () => decodeAnthropicBatchLine({ custom_id: "a", result: { type: "pending" } }),
    /unknown type "pending"/,
  );
});

const usage = (u: Partial<TokenUsage>): TokenUsage => ({
  promptTokens: 0,
  completionTokens: 0,
  totalTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  ...u,
});

Deno.test("batch cost: half of the list price, cache reads and writes at half their own rates, worst case halved", () => {
  const catalog = defaultCatalog();
  const mini = catalog.lookup("gpt-4o-mini")!;
  const plain = usage({ promptTokens: 10_000, completionTokens: 1_000 });
  assert.equal(batchCost(mini, plain), costOf(mini, plain)! / 2);
  // gpt-4o-mini: $0.15 / $0.60 per MTok -> batch $0.075 / $0.30.
  assert.ok(Math.abs(batchCost(mini, plain)! - (10_000 * 0.075 + 1_000 * 0.3) / 1e6) < 1e-12);
  const sonnet = catalog.lookup("claude-sonnet-4-5")!;
  const cached = usage({
    promptTokens: 12_000,
    cacheReadTokens: 8_000,
    cacheWriteTokens: 2_000,
    completionTokens: 500,
  });
  const list =
    (2_000 * sonnet.inputPerMTok! + 8_000 * sonnet.cacheReadPerMTok! + 2_000 * sonnet.cacheWrite5mPerMTok! +
      500 * sonnet.outputPerMTok!) / 1e6;
  assert.ok(Math.abs(batchCost(sonnet, cached)! - list / 2) < 1e-12, "the cache discount applies on top");
  assert.equal(batchWorstCaseCost(mini, 10_000, 4_096), worstCaseCost(mini, 10_000, 4_096)! / 2);
  assert.equal(batchCost(undefined, plain), undefined, "unpriced stays unknown, never 0");
  assert.equal(batchWorstCaseCost({ id: "x", provider: "openai" }, 1, 1), undefined);
  const fn = batchCostFn((_m, u) => u.promptTokens === 0 ? undefined : u.promptTokens * 1e-6);
  assert.equal(fn("m", usage({ promptTokens: 1_000 })), 0.0005);
  assert.equal(fn("m", usage({})), undefined);
});
