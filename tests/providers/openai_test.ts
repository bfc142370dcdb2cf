import assert from "node:assert/strict";
import fc from "fast-check";
import { type StreamEvent, SwebenchError, type UnifiedRequest } from "../../src/core/mod.ts";
import { sseDecoder, type SseEvent } from "../../src/http/sse.ts";
import { collectStream, priceOf } from "../../src/providers/kit/collect.ts";
import {
  createOpenAIProvider,
  decodeOpenAIModelList,
  decodeOpenAIResponse,
  decodeOpenAIUsage,
  encodeOpenAIRequest,
  isOpenAIReasoningModel,
  mapOpenAIFinishReason,
  openAIErrorFromPayload,
  openAIStreamDecoder,
} from "../../src/providers/openai/provider.ts";

const CAPTURES = new URL("../fixtures/captures/", import.meta.url);
const readText = (path: string): Promise<string> => Deno.readTextFile(new URL(path, CAPTURES));
const readJson = async (path: string): Promise<unknown> => JSON.parse(await readText(path));

/** Run SSE events through the decoder. */
async function decodeEvents(events: SseEvent[]): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  await ReadableStream.from(events).pipeThrough(openAIStreamDecoder()).pipeTo(
    new WritableStream({ write: (e) => void out.push(e) }),
  );
  return out;
}

/** Run raw bytes (split into the given pieces) through sseDecoder and the decoder. */
async function decodeBytes(pieces: Uint8Array[]): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (
    const e of ReadableStream.from(pieces).pipeThrough(sseDecoder()).pipeThrough(openAIStreamDecoder())
  ) {
    out.push(e);
  }
  return out;
}

const chunkEvents = (chunks: unknown[]): SseEvent[] => chunks.map((c) => ({ data: JSON.stringify(c) }));
const textOf = (events: StreamEvent[]): string =>
  events.flatMap((e) => e.type === "text-delta" ? [e.text] : []).join("");
const terminals = (events: StreamEvent[]) => events.filter((e) => e.type === "finish" || e.type === "error");

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const p of points) {
    pieces.push(bytes.subarray(start, p));
    start = p;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

// ---------------------------------------------------------------- encode

const req: UnifiedRequest = {
  model: "gpt-4o-mini",
  system: "You fix bugs.",
  prompt: "Fix it.",
  maxTokens: 100,
  temperature: 0.2,
  stop: ["</patch>"],
};

Deno.test("encode: chat model gets system then user, max_tokens, temperature, stop, stream false", () => {
  const body = encodeOpenAIRequest(req);
  assert.deepEqual(body, {
    model: "gpt-4o-mini",
    messages: [{ role: "system", content: "You fix bugs." }, { role: "user", content: "Fix it." }],
    max_tokens: 100,
    temperature: 0.2,
    stop: ["</patch>"],
    stream: false,
  });
});

Deno.test("encode: no system, no optional fields", () => {
  assert.deepEqual(encodeOpenAIRequest({ model: "m", prompt: "p" }), {
    model: "m",
    messages: [{ role: "user", content: "p" }],
    stream: false,
  });
});

Deno.test("encode: temperature clamped to 0..2, stop cut to 4 sequences", () => {
  const body = encodeOpenAIRequest({ ...req, temperature: 5, stop: ["a", "b", "c", "d", "e"] });
  assert.equal(body.temperature, 2);
  assert.deepEqual(body.stop, ["a", "b", "c", "d"]);
  assert.equal(encodeOpenAIRequest({ ...req, temperature: -1 }).temperature, 0);
  assert.equal("stop" in encodeOpenAIRequest({ ...req, stop: [] }), false);
});

Deno.test("encode: stream asks for usage", () => {
  const body = encodeOpenAIRequest(req, { stream: true });
  assert.equal(body.stream, true);
  assert.deepEqual(body.stream_options, { include_usage: true });
});

Deno.test("encode: reasoning model detection", () => {
  for (
    const m of [
      "o1",
      "o1-mini",
      "o3",
      "o3-mini",
      "o4-mini",
      "o3-pro-2025-06-10",
      "gpt-5",
      "gpt-5-mini",
      "gpt-5.1",
      "openai/o3-mini",
      "gpt-5-nano-2025-08-07",
    ]
  ) {
    assert.equal(isOpenAIReasoningModel(m), true, m);
  }
  for (
    const m of [
      "gpt-4o",
      "gpt-4o-mini",
      "gpt-4.1-nano",
      "gpt-5-chat-latest",
      "qwen3:32b",
      "omni-moderation",
      "o",
      "gpt-50",
    ]
  ) {
    assert.equal(isOpenAIReasoningModel(m), false, m);
  }
});

Deno.test("encode: reasoning models never send the parameter of the captured 400 unsupported_parameter", async () => {
  const capture = await readJson("openai/error-400-unsupported-parameter.json") as {
    error: { param: string };
  };
  const rejected = capture.error.param; // "max_tokens"
  for (const model of ["o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini"]) {
    const body = encodeOpenAIRequest({ ...req, model }, { stream: true });
    assert.equal(rejected in body, false, model);
    assert.equal(body.max_completion_tokens, 100);
    assert.equal("temperature" in body, false);
    assert.equal("stop" in body, false);
    assert.equal((body.messages as { role: string }[])[0].role, "system");
  }
});

Deno.test("encode: property: reasoning bodies never carry max_tokens/temperature/stop", () => {
  const model = fc.tuple(
    fc.constantFrom("o1", "o3", "o4-mini", "gpt-5", "gpt-5-mini", "openai/o3"),
    fc.constantFrom("", "-2025-01-31", "-high"),
  )
    .map(([a, b]) => a + b);
  fc.assert(
    fc.property(
      model,
      fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
      fc.option(fc.double({ min: -5, max: 5, noNaN: true }), { nil: undefined }),
      fc.option(fc.array(fc.string(), { maxLength: 6 }), { nil: undefined }),
      fc.boolean(),
      (m, maxTokens, temperature, stop, stream) => {
        const body = encodeOpenAIRequest({ model: m, prompt: "x", maxTokens, temperature, stop }, { stream });
        assert.equal("max_tokens" in body, false);
        assert.equal("temperature" in body, false);
        assert.equal("stop" in body, false);
        assert.equal(body.max_completion_tokens, maxTokens);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("encode: o1-mini/o1-preview get the system text as a user message", () => {
  const body = encodeOpenAIRequest({ ...req, model: "o1-mini" });
  assert.deepEqual((body.messages as { role: string }[]).map((m) => m.role), ["user", "user"]);
});

Deno.test("encode: known extra keys pass through, others are dropped, extra.openai merges last", () => {
  const body = encodeOpenAIRequest(
    {
      ...req,
      model: "o3-mini",
      extra: {
        reasoning_effort: "high",
        seed: 7,
        topP: 0.9,
        num_ctx: 8192,
        cache_control: true,
        goldPatch: "diff",
        openai: { service_tier: "flex", stream_options: { include_obfuscation: false } },
      },
    },
    { stream: true },
  );
  assert.equal(body.reasoning_effort, "high");
  assert.equal(body.seed, 7);
  assert.equal(body.top_p, 0.9);
  assert.equal(body.service_tier, "flex");
  assert.equal("num_ctx" in body, false);
  assert.equal("cache_control" in body, false);
  assert.equal("goldPatch" in body, false);
  assert.equal("openai" in body, false);
  assert.deepEqual(body.stream_options, { include_obfuscation: false, include_usage: true });
  assert.equal(body.stream, true);
});

Deno.test("encode: extra.openai may override fields (explicit escape hatch); stream flag stays the caller's", () => {
  const body = encodeOpenAIRequest({ ...req, extra: { openai: { max_tokens: 5, stream: true, n: 1 } } });
  assert.equal(body.max_tokens, 5);
  assert.equal(body.n, 1);
  assert.equal(body.stream, false);
  assert.equal("stream_options" in body, false);
});

Deno.test("encode: matches the captured request body of completion-gpt-4o-mini (max_completion_tokens variant)", async () => {
  const meta = await readJson("openai/completion-gpt-4o-mini.meta.json") as {
    request_body: Record<string, unknown>;
  };
  const body = encodeOpenAIRequest({
    model: "gpt-4o-mini",
    prompt: "hello",
    extra: { openai: { max_completion_tokens: 100 } },
  });
  assert.deepEqual(body, meta.request_body);
});

Deno.test("encode: matches the captured streamed request's stream fields and messages", async () => {
  const meta = await readJson("openai/stream-gpt-4o-mini-0.meta.json") as {
    request_body: Record<string, unknown>;
  };
  const body = encodeOpenAIRequest({
    model: "gpt-4o-mini",
    prompt: "What is the capital of the UK? Use the tool, then answer.",
  }, {
    stream: true,
  });
  assert.deepEqual(body.messages, meta.request_body.messages);
  assert.equal(body.stream, meta.request_body.stream);
  assert.deepEqual(body.stream_options, meta.request_body.stream_options);
});

// ---------------------------------------------------------------- decode

Deno.test("decode: chat-completion.json (gpt-4.1-nano)", async () => {
  const body = await readJson("openai/chat-completion.json") as {
    choices: { message: { content: string } }[];
  };
  const r = decodeOpenAIResponse(body);
  assert.equal(r.content, body.choices[0].message.content);
  assert.ok(r.content.startsWith("**Holiday Name:** Galaxy Day"));
  assert.equal(r.model, "gpt-4.1-nano-2025-04-14");
  assert.equal(r.finishReason, "stop");
  assert.equal(r.rawFinishReason, "stop");
  assert.deepEqual(r.usage, {
    promptTokens: 16,
    completionTokens: 363,
    totalTokens: 379,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  });
  assert.equal(r.raw, body);
});

Deno.test("decode: completion-gpt-4o-mini.json", async () => {
  const r = decodeOpenAIResponse(await readJson("openai/completion-gpt-4o-mini.json"));
  assert.equal(r.content, "Hello! How can I assist you today?");
  assert.equal(r.model, "gpt-4o-mini-2024-07-18");
  assert.equal(r.usage.promptTokens, 8);
  assert.equal(r.usage.completionTokens, 9);
  assert.equal(r.usage.totalTokens, 17);
  assert.equal(r.finishReason, "stop");
});

Deno.test("decode: Ollama /v1 chat completion (reasoning only, finish length, no details)", async () => {
  const r = decodeOpenAIResponse(await readJson("ollama/v1-chat-completion.json"));
  assert.equal(r.content, "");
  assert.equal(r.model, "qwen3:32b");
  assert.equal(r.finishReason, "length");
  assert.deepEqual(r.usage, {
    promptTokens: 13,
    completionTokens: 20,
    totalTokens: 33,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  });
});

Deno.test("decode: cached and reasoning tokens are normalised without double counting", () => {
  const u = decodeOpenAIUsage({
    prompt_tokens: 2006,
    completion_tokens: 300,
    total_tokens: 2306,
    prompt_tokens_details: { cached_tokens: 1920 },
    completion_tokens_details: { reasoning_tokens: 256 },
  });
  assert.deepEqual(u, {
    promptTokens: 2006,
    completionTokens: 300,
    totalTokens: 2306,
    cacheReadTokens: 1920,
    cacheWriteTokens: 0,
    reasoningTokens: 256,
  });
  assert.equal(
    decodeOpenAIUsage({ prompt_tokens: 10, completion_tokens: 2, prompt_cache_hit_tokens: 8 })
      .cacheReadTokens,
    8,
  );
  assert.equal(decodeOpenAIUsage({ prompt_tokens: 10, completion_tokens: 2 }).totalTokens, 12);
  assert.deepEqual(decodeOpenAIUsage(null), {
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  });
  assert.equal(decodeOpenAIUsage({ prompt_tokens: -1, completion_tokens: "2" }).promptTokens, 0);
});

Deno.test("decode: finish reasons", () => {
  assert.equal(mapOpenAIFinishReason("stop"), "stop");
  assert.equal(mapOpenAIFinishReason("length"), "length");
  assert.equal(mapOpenAIFinishReason("content_filter"), "content_filter");
  assert.equal(mapOpenAIFinishReason("tool_calls"), "tool_calls");
  assert.equal(mapOpenAIFinishReason("function_call"), "tool_calls");
  assert.equal(mapOpenAIFinishReason("error"), "error");
  assert.equal(mapOpenAIFinishReason("eos"), "stop");
  assert.equal(mapOpenAIFinishReason(null), "stop");
  const r = decodeOpenAIResponse({
    model: "m",
    choices: [{ index: 0, message: { content: null, tool_calls: [] }, finish_reason: "function_call" }],
  });
  assert.equal(r.finishReason, "tool_calls");
  assert.equal(r.rawFinishReason, "function_call");
  assert.equal(r.content, "");
});

Deno.test("decode: a refusal is content_filter", () => {
  const r = decodeOpenAIResponse({
    model: "gpt-4o",
    choices: [{
      index: 0,
      message: { content: null, refusal: "I can't help with that." },
      finish_reason: "stop",
    }],
    usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 },
  });
  assert.equal(r.finishReason, "content_filter");
  assert.equal(r.rawFinishReason, "stop");
});

Deno.test("decode: legacy text choice (some compatible servers)", () => {
  assert.equal(
    decodeOpenAIResponse({ model: "m", choices: [{ text: "hi", finish_reason: "stop" }] }).content,
    "hi",
  );
});

Deno.test("decode: malformed bodies throw server errors", () => {
  for (const body of [null, "text", [], {}, { choices: [] }, { choices: [null] }, 42]) {
    assert.throws(() => decodeOpenAIResponse(body), (e) => e instanceof SwebenchError && e.kind === "server");
  }
});

Deno.test("decode: an error body with status 200 throws the classified error", async () => {
  const err400 = await readJson("openai/error-400-unsupported-parameter.json");
  assert.throws(
    () => decodeOpenAIResponse(err400),
    (e) => e instanceof SwebenchError && e.kind === "invalid_request",
  );
  const router = await readJson("openai/error-429-openrouter.json");
  assert.throws(
    () => decodeOpenAIResponse(router),
    (e) =>
      e instanceof SwebenchError && e.kind === "rate_limit" && e.status === 429 &&
      e.message.includes("temporarily rate-limited upstream"),
  );
});

Deno.test("error payloads map to kinds", () => {
  const cases: [unknown, string][] = [
    [{
      error: {
        message: "You exceeded your current quota",
        type: "insufficient_quota",
        code: "insufficient_quota",
      },
    }, "quota"],
    [{
      error: {
        message: "This model's maximum context length is 128000 tokens",
        type: "invalid_request_error",
        code: "context_length_exceeded",
      },
    }, "context_length"],
    [{
      error: {
        message: "Incorrect API key provided",
        type: "invalid_request_error",
        code: "invalid_api_key",
      },
    }, "authentication"],
    [{ error: { message: "Rate limit reached", type: "tokens", code: "rate_limit_exceeded" } }, "rate_limit"],
    [{ error: { message: "Overloaded", type: "overloaded_error" } }, "overloaded"],
    [{
      error: {
        message: "The model `x` does not exist",
        type: "invalid_request_error",
        code: "model_not_found",
      },
    }, "model_not_found"],
    [{ error: { message: "boom", type: "server_error" } }, "server"],
    [{ error: { message: "upstream", code: 502 } }, "server"],
    [{ error: { message: "busy", code: 503 } }, "overloaded"],
    [{ error: { message: "no key", code: 401 } }, "authentication"],
    [{ error: { message: "bad", code: 400 } }, "invalid_request"],
    [{ error: "model 'x' not found" }, "server"],
    [{
      object: "error",
      message: "This model's maximum context length is 4096 tokens.",
      type: "BadRequestError",
      code: 400,
    }, "context_length"],
    [{ object: "error", message: "bad param", type: "BadRequestError", code: 400 }, "invalid_request"],
    ["garbage", "server"],
  ];
  for (const [payload, kind] of cases) {
    const e = openAIErrorFromPayload(payload, { provider: "openai" });
    assert.equal(e.kind, kind, JSON.stringify(payload));
    assert.equal(e.provider, "openai");
    assert.ok(e.body !== undefined);
  }
});

// ---------------------------------------------------------------- stream

Deno.test("stream: chat-completion.chunks.jsonl (no [DONE] in the file: finish after finish_reason)", async () => {
  const lines = (await readText("openai/chat-completion.chunks.jsonl")).split("\n").filter((l) =>
    l.trim() !== ""
  );
  const events = await decodeEvents(lines.map((data) => ({ data })));
  assert.deepEqual(events[0], { type: "start", model: "gpt-4.1-nano-2025-04-14" });
  const text = textOf(events);
  assert.ok(text.startsWith("**Holiday Name:**"));
  assert.ok(!text.includes("obfuscation"));
  const t = terminals(events);
  assert.equal(t.length, 1);
  assert.deepEqual(events.at(-1), {
    type: "finish",
    finishReason: "stop",
    rawFinishReason: "stop",
    model: "gpt-4.1-nano-2025-04-14",
    usage: {
      promptTokens: 16,
      completionTokens: 300,
      totalTokens: 316,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    },
  });
  assert.equal(events.filter((e) => e.type === "usage").length, 1);
  // With [DONE] appended: same events.
  const withDone = await decodeEvents([...lines.map((data) => ({ data })), { data: "[DONE]" }]);
  assert.deepEqual(withDone, events);
});

Deno.test("stream: stream-gpt-4o-mini-1.sse raw bytes (text answer, usage after finish_reason)", async () => {
  const bytes = await Deno.readFile(new URL("openai/stream-gpt-4o-mini-1.sse", CAPTURES));
  const events = await decodeBytes([bytes]);
  assert.equal(events[0].type, "start");
  assert.equal(textOf(events), "The capital of the UK is London.");
  const last = events.at(-1)!;
  assert.equal(terminals(events).length, 1);
  assert.equal(last.type, "finish");
  if (last.type !== "finish") return;
  assert.equal(last.finishReason, "stop");
  assert.equal(last.usage.promptTokens, 78);
  assert.equal(last.usage.completionTokens, 9);
  assert.equal(last.usage.totalTokens, 87);
});

Deno.test("stream: stream-gpt-4o-mini-0.sse (tool call only): no text, finish tool_calls", async () => {
  const events = await decodeBytes([
    await Deno.readFile(new URL("openai/stream-gpt-4o-mini-0.sse", CAPTURES)),
  ]);
  assert.equal(textOf(events), "");
  const last = events.at(-1)!;
  assert.equal(last.type, "finish");
  if (last.type !== "finish") return;
  assert.equal(last.finishReason, "tool_calls");
  assert.equal(last.usage.totalTokens, 68);
});

Deno.test("stream: compatible-tool-call.sse (gateway, no usage): text kept, tool deltas ignored", async () => {
  const events = await decodeBytes([
    await Deno.readFile(new URL("openai/compatible-tool-call.sse", CAPTURES)),
  ]);
  assert.equal(textOf(events), "Reading it.");
  const last = events.at(-1)!;
  assert.equal(last.type, "finish");
  if (last.type !== "finish") return;
  assert.equal(last.finishReason, "tool_calls");
  assert.equal(last.model, "claude-haiku-4-5-20251001");
  assert.equal(last.usage.totalTokens, 0);
});

Deno.test("stream: Ollama /v1 SSE (reasoning deltas, [DONE] without finish_reason): finish stop, no text", async () => {
  const events = await decodeBytes([await Deno.readFile(new URL("ollama/v1-chat-stream.sse", CAPTURES))]);
  assert.equal(textOf(events), "");
  assert.deepEqual(events, [
    { type: "start", model: "qwen3:32b" },
    {
      type: "finish",
      finishReason: "stop",
      model: "qwen3:32b",
      usage: {
        promptTokens: 0,
        completionTokens: 0,
        totalTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      },
    },
  ]);
});

Deno.test("stream: property: any byte split of a capture decodes to the same events", async () => {
  const files = [
    "openai/stream-gpt-4o-mini-1.sse",
    "openai/stream-gpt-4o-mini-0.sse",
    "openai/compatible-tool-call.sse",
  ];
  for (const file of files) {
    const bytes = await Deno.readFile(new URL(file, CAPTURES));
    const expected = await decodeBytes([bytes]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 12 }), async (cuts) => {
        assert.deepEqual(await decodeBytes(splitAt(bytes, cuts)), expected);
      }),
      { numRuns: 40 },
    );
  }
});

Deno.test("stream: CRLF framing, comments/pings and padding decode the same", async () => {
  const text = await readText("openai/stream-gpt-4o-mini-1.sse");
  const expected = await decodeBytes([new TextEncoder().encode(text)]);
  const variant = ": ping\r\n\r\n" + text.replaceAll("\n", "\r\n").replaceAll("data: ", "data:") +
    "\r\n: trailing\r\n";
  assert.deepEqual(await decodeBytes([new TextEncoder().encode(variant)]), expected);
});

Deno.test("stream: every truncation before the finish chunk is one connection error; after it, a finish", async () => {
  const lines = (await readText("openai/stream-gpt-4o-mini-1.sse")).split("\n").filter((l) =>
    l.startsWith("data: ")
  )
    .map((l) => ({ data: l.slice(6) }));
  const finishAt = lines.findIndex((e) => e.data.includes('"finish_reason":"stop"'));
  for (let n = 0; n <= lines.length; n++) {
    const events = await decodeEvents(lines.slice(0, n));
    const t = terminals(events);
    assert.equal(t.length, 1, `prefix ${n}`);
    if (n <= finishAt) {
      assert.equal(t[0].type, "error", `prefix ${n}`);
      if (t[0].type === "error") {
        assert.equal(t[0].error.kind, "connection");
        assert.match(t[0].error.message, /stream ended early/);
      }
    } else {
      assert.equal(t[0].type, "finish", `prefix ${n}`);
    }
  }
});

Deno.test("stream: an error event after deltas is one error, never a truncated success", async () => {
  const chunks = [
    { model: "gpt-4o-mini", choices: [{ index: 0, delta: { content: "Hel" } }] },
    { error: { message: "The server had an error while processing your request.", type: "server_error" } },
    { model: "gpt-4o-mini", choices: [{ index: 0, delta: { content: "lo" }, finish_reason: "stop" }] },
  ];
  const events = await decodeEvents([...chunkEvents(chunks), { data: "[DONE]" }]);
  assert.deepEqual(events.map((e) => e.type), ["start", "text-delta", "error"]);
  const last = events.at(-1)!;
  if (last.type === "error") {
    assert.equal(last.error.kind, "server");
    assert.match(last.error.message, /error event in the stream/);
  }
});

Deno.test("stream: overloaded / rate-limit error events keep their kind; `event: error` framing too", async () => {
  let events = await decodeEvents(
    chunkEvents([{ error: { message: "Overloaded", type: "overloaded_error" } }]),
  );
  assert.deepEqual(events.map((e) => e.type), ["error"]);
  assert.equal(events[0].type === "error" && events[0].error.kind, "overloaded");
  events = await decodeEvents([{
    event: "error",
    data: JSON.stringify({ message: "slow down", type: "rate_limit_error" }),
  }]);
  assert.equal(events[0].type === "error" && events[0].error.kind, "rate_limit");
  events = await decodeEvents(
    chunkEvents([{ object: "error", message: "context", type: "BadRequestError", code: 400 }]),
  );
  assert.equal(events[0].type === "error" && events[0].error.kind, "invalid_request");
});

Deno.test("stream: a chunk that is not JSON is one server error", async () => {
  const events = await decodeEvents([
    { data: JSON.stringify({ model: "m", choices: [{ index: 0, delta: { content: "a" } }] }) },
    { data: "{not json" },
    { data: "[DONE]" },
  ]);
  assert.deepEqual(events.map((e) => e.type), ["start", "text-delta", "error"]);
  assert.equal(events[2].type === "error" && events[2].error.kind, "server");
});

Deno.test("stream: [DONE] before any chunk is an error; empty input is 'stream ended early'", async () => {
  let events = await decodeEvents([{ data: "[DONE]" }]);
  assert.deepEqual(events.map((e) => e.type), ["error"]);
  events = await decodeEvents([]);
  assert.deepEqual(events.map((e) => e.type), ["error"]);
  assert.equal(events[0].type === "error" && events[0].error.kind, "connection");
});

Deno.test("stream: refusal deltas finish with content_filter; other choices and blank data ignored", async () => {
  const events = await decodeEvents([
    ...chunkEvents([
      { model: "gpt-4o", choices: [{ index: 0, delta: { role: "assistant", refusal: "I can't" } }] },
      { model: "gpt-4o", choices: [{ index: 1, delta: { content: "other choice" } }] },
    ]),
    { data: "  " },
    { event: "ping", data: "{}" },
    ...chunkEvents([
      { model: "gpt-4o", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
      { model: "gpt-4o", choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
    ]),
    { data: "[DONE]" },
    { data: "after done is ignored" },
  ]);
  assert.deepEqual(events.map((e) => e.type), ["start", "usage", "finish"]);
  const last = events.at(-1)!;
  assert.equal(last.type === "finish" && last.finishReason, "content_filter");
  assert.equal(last.type === "finish" && last.usage.totalTokens, 5);
});

Deno.test("stream: a first chunk without a model still starts; the model is picked up later", async () => {
  const events = await decodeEvents([
    ...chunkEvents([
      { choices: [{ index: 0, delta: { content: "x" } }] },
      { model: "late-model", choices: [{ index: 0, delta: {}, finish_reason: "length" }] },
    ]),
    { data: "[DONE]" },
  ]);
  assert.deepEqual(events[0], { type: "start" });
  const last = events.at(-1)!;
  assert.equal(last.type === "finish" && last.model, "late-model");
  assert.equal(last.type === "finish" && last.finishReason, "length");
});

Deno.test("stream: continuous usage (vLLM) gives several usage events and the last one in finish", async () => {
  const events = await decodeEvents([
    ...chunkEvents([
      {
        model: "m",
        choices: [{ index: 0, delta: { content: "a" } }],
        usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 },
      },
      {
        model: "m",
        choices: [{ index: 0, delta: { content: "b" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
      },
    ]),
    { data: "[DONE]" },
  ]);
  assert.equal(events.filter((e) => e.type === "usage").length, 2);
  const last = events.at(-1)!;
  assert.equal(last.type === "finish" && last.usage.completionTokens, 2);
});

// ---------------------------------------------------------------- transport (injected fetch, no network)

interface Call {
  url: string;
  method: string;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

/** A fake fetch that records calls and answers with `respond`. */
function fakeFetch(
  respond: (call: Call) => Response | Promise<Response>,
): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = new Headers(init?.headers);
    const text = typeof init?.body === "string" ? init.body : undefined;
    const call: Call = {
      url,
      method: init?.method ?? "GET",
      headers,
      body: text ? JSON.parse(text) : undefined,
    };
    calls.push(call);
    return await respond(call);
  }) as typeof fetch;
  return { fetch: fetchFn, calls };
}

const COMPLETION = {
  id: "chatcmpl-1",
  object: "chat.completion",
  model: "gpt-4o-mini-2024-07-18",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello!" }, finish_reason: "stop" }],
  usage: {
    prompt_tokens: 8,
    completion_tokens: 2,
    total_tokens: 10,
    prompt_tokens_details: { cached_tokens: 0 },
  },
};
const json = (body: unknown, init: ResponseInit = {}): Response =>
  new Response(JSON.stringify(body), {
    ...init,
    headers: { "content-type": "application/json", ...(init.headers as Record<string, string> ?? {}) },
  });
const KEY = "sk-proj-SECRETSECRETSECRET0123456789";

async function readAll(stream: ReadableStream<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

Deno.test("transport: api.openai.com without a key fails with kind config before any request", async () => {
  const fake = fakeFetch(() => json(COMPLETION));
  const p = createOpenAIProvider({ fetch: fake.fetch });
  assert.equal(p.baseUrl, "https://api.openai.com/v1");
  await assert.rejects(p.generate({ model: "gpt-4o-mini", prompt: "hi" }), (e) => {
    assert.ok(e instanceof SwebenchError);
    assert.equal(e.kind, "config");
    assert.match(e.message, /OPENAI_API_KEY/);
    assert.match(e.hint, /swebench provider init openai/);
    return true;
  });
  const events = await readAll(p.stream({ model: "gpt-4o-mini", prompt: "hi" }));
  assert.equal(events.length, 1);
  assert.equal(events[0].type === "error" && events[0].error.kind, "config");
  await assert.rejects(p.listModels!(), (e) => e instanceof SwebenchError && e.kind === "config");
  assert.equal(fake.calls.length, 0);
});

Deno.test("transport: a local server needs no key and gets no Authorization header; trailing slash tolerated", async () => {
  const fake = fakeFetch(() => json(COMPLETION));
  const p = createOpenAIProvider({ name: "vllm", baseUrl: "http://127.0.0.1:8000/v1//", fetch: fake.fetch });
  assert.equal(p.name, "vllm");
  assert.equal(p.baseUrl, "http://127.0.0.1:8000/v1");
  const r = await p.generate({ model: "qwen", prompt: "hi" });
  assert.equal(r.provider, "vllm");
  assert.equal(fake.calls[0].url, "http://127.0.0.1:8000/v1/chat/completions");
  assert.equal(fake.calls[0].headers.get("authorization"), null);
});

Deno.test("transport: headers (bearer, organization, project, user headers) and the wire body", async () => {
  const fake = fakeFetch(() =>
    json(COMPLETION, {
      headers: {
        "x-request-id": "req_123",
        "x-ratelimit-remaining-requests": "99",
        "x-ratelimit-reset-requests": "1s",
      },
    })
  );
  const p = createOpenAIProvider({
    apiKey: KEY,
    organization: "org-1",
    project: "proj-1",
    headers: { "X-Title": "swebench" },
    fetch: fake.fetch,
  });
  const r = await p.generate({
    model: "o4-mini",
    system: "s",
    prompt: "p",
    maxTokens: 64,
    temperature: 0.5,
    stop: ["x"],
  });
  const call = fake.calls[0];
  assert.equal(call.method, "POST");
  assert.equal(call.url, "https://api.openai.com/v1/chat/completions");
  assert.equal(call.headers.get("authorization"), `Bearer ${KEY}`);
  assert.equal(call.headers.get("openai-organization"), "org-1");
  assert.equal(call.headers.get("openai-project"), "proj-1");
  assert.equal(call.headers.get("x-title"), "swebench");
  assert.equal(call.headers.get("content-type"), "application/json");
  assert.deepEqual(call.body, {
    model: "o4-mini",
    messages: [{ role: "system", content: "s" }, { role: "user", content: "p" }],
    max_completion_tokens: 64,
    stream: false,
  });
  assert.equal(r.requestId, "req_123");
  assert.equal(r.rateLimit?.remainingRequests, 99);
  assert.equal(r.rateLimit?.resetRequestsMs, 1000);
  assert.equal(r.content, "Hello!");
  assert.equal(r.model, "gpt-4o-mini-2024-07-18");
  assert.ok(r.latencyMs >= 0);
  assert.deepEqual(r.raw, COMPLETION);
  for (const [k, v] of call.headers) if (k !== "authorization") assert.ok(!v.includes(KEY));
});

Deno.test("transport: error bodies map to the taxonomy and never carry the key", async (t) => {
  const router = await readJson("openai/error-429-openrouter.json");
  const cases: { status: number; body: unknown; kind: string; headers?: Record<string, string> }[] = [
    {
      status: 401,
      body: {
        error: {
          message:
            `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: "invalid_request_error",
          code: "invalid_api_key",
        },
      },
      kind: "authentication",
    },
    {
      status: 429,
      body: {
        error: {
          message: "You exceeded your current quota, please check your plan and billing details.",
          type: "insufficient_quota",
          code: "insufficient_quota",
        },
      },
      kind: "quota",
    },
    {
      status: 429,
      body: {
        error: {
          message: "Rate limit reached for gpt-4o-mini",
          type: "requests",
          code: "rate_limit_exceeded",
        },
      },
      kind: "rate_limit",
      headers: { "retry-after-ms": "1500" },
    },
    {
      status: 400,
      body: {
        error: {
          message:
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 200000 tokens.",
          type: "invalid_request_error",
          param: "messages",
          code: "context_length_exceeded",
        },
      },
      kind: "context_length",
    },
    {
      status: 400,
      body: await readJson("openai/error-400-unsupported-parameter.json"),
      kind: "invalid_request",
    },
    {
      status: 404,
      body: {
        error: {
          message: "The model `gpt-9` does not exist or you do not have access to it.",
          type: "invalid_request_error",
          code: "model_not_found",
        },
      },
      kind: "model_not_found",
    },
    { status: 429, body: router, kind: "rate_limit" },
    {
      status: 500,
      body: { error: { message: "The server had an error", type: "server_error" } },
      kind: "server",
    },
    { status: 503, body: "<html><title>503 Service Unavailable</title></html>", kind: "overloaded" },
  ];
  for (const c of cases) {
    await t.step(`${c.status} ${c.kind}`, async () => {
      const fake = fakeFetch(() =>
        typeof c.body === "string"
          ? new Response(c.body, { status: c.status, headers: { "content-type": "text/html", ...c.headers } })
          : json(c.body, { status: c.status, headers: { "x-request-id": "req_e", ...c.headers } })
      );
      const p = createOpenAIProvider({ apiKey: KEY, fetch: fake.fetch });
      const e = await p.generate({ model: "gpt-4o-mini", prompt: "hi" }).then(() => undefined, (e) => e);
      assert.ok(e instanceof SwebenchError);
      assert.equal(e.kind, c.kind);
      assert.equal(e.status, c.status);
      assert.equal(e.provider, "openai");
      for (const text of [e.message, e.hint, e.body ?? "", JSON.stringify(e.toJSON(true))]) {
        assert.ok(!text.includes(KEY));
      }
      if (c.headers?.["retry-after-ms"]) assert.equal(e.retryAfterMs, 1500);
      if (c.body === router) assert.match(e.message, /temporarily rate-limited upstream/);
      const events = await readAll(p.stream({ model: "gpt-4o-mini", prompt: "hi" }));
      assert.equal(events.length, 1);
      assert.equal(events[0].type === "error" && events[0].error.kind, c.kind);
    });
  }
});

Deno.test("transport: a server echoing the key never puts it in raw or content", async () => {
  const fake = fakeFetch(() =>
    json({
      ...COMPLETION,
      echo: `Bearer ${KEY}`,
      choices: [{ index: 0, message: { content: `key ${KEY}` }, finish_reason: "stop" }],
    })
  );
  const p = createOpenAIProvider({ apiKey: KEY, fetch: fake.fetch });
  const r = await p.generate({ model: "gpt-4o-mini", prompt: "hi" });
  assert.ok(!JSON.stringify(r).includes(KEY));
});

Deno.test("transport: a user Authorization header (gateway) is treated as a secret too", async () => {
  const token = "gateway-token-abcdef123456";
  const fake = fakeFetch(() => json({ error: { message: `bad token ${token}` } }, { status: 401 }));
  const p = createOpenAIProvider({
    baseUrl: "http://127.0.0.1:9/v1",
    headers: { Authorization: `Bearer ${token}` },
    fetch: fake.fetch,
  });
  const e = await p.generate({ model: "m", prompt: "hi" }).then(() => undefined, (e) => e);
  assert.ok(e instanceof SwebenchError && e.kind === "authentication");
  assert.ok(!JSON.stringify(e.toJSON(true)).includes(token));
  assert.equal(fake.calls[0].headers.get("authorization"), `Bearer ${token}`);
});

Deno.test("transport: 200 with an invalid JSON body or an error body", async () => {
  let p = createOpenAIProvider({
    apiKey: KEY,
    fetch: fakeFetch(() => new Response("{oops", { headers: { "content-type": "application/json" } })).fetch,
  });
  await assert.rejects(
    p.generate({ model: "m", prompt: "hi" }),
    (e) => e instanceof SwebenchError && e.kind === "server" && e.provider === "openai",
  );
  p = createOpenAIProvider({
    apiKey: KEY,
    fetch: fakeFetch(() => json({ error: { message: "Overloaded", type: "overloaded_error" } })).fetch,
  });
  await assert.rejects(
    p.generate({ model: "m", prompt: "hi" }),
    (e) => e instanceof SwebenchError && e.kind === "overloaded",
  );
});

Deno.test("transport: a stream request answered with a whole JSON completion still streams", async () => {
  const fake = fakeFetch(() => json(COMPLETION, { headers: { "x-request-id": "req_w" } }));
  const p = createOpenAIProvider({ apiKey: KEY, fetch: fake.fetch });
  const events = await readAll(p.stream({ model: "gpt-4o-mini", prompt: "hi" }));
  assert.deepEqual(events.map((e) => e.type), ["start", "text-delta", "usage", "finish"]);
  assert.equal(events[0].type === "start" && events[0].requestId, "req_w");
  assert.equal(fake.calls[0].body?.stream, true);
  assert.deepEqual(fake.calls[0].body?.stream_options, { include_usage: true });
  assert.equal(fake.calls[0].headers.get("accept"), "text/event-stream");
});

Deno.test("transport: a plain request answered with SSE is collected; request.stream collects too", async () => {
  const sse = await Deno.readFile(new URL("openai/stream-gpt-4o-mini-1.sse", CAPTURES));
  const fake = fakeFetch(() =>
    new Response(sse, { headers: { "content-type": "text/event-stream", "x-request-id": "req_s" } })
  );
  const p = createOpenAIProvider({ apiKey: KEY, fetch: fake.fetch, cost: (_m, u) => u.totalTokens / 1000 });
  for (const stream of [false, true]) {
    const r = await p.generate({ model: "gpt-4o-mini", prompt: "hi", stream });
    assert.equal(r.content, "The capital of the UK is London.");
    assert.equal(r.usage.totalTokens, 87);
    assert.equal(r.costUsd, 0.087);
    assert.equal(r.requestId, "req_s");
    assert.equal(r.model, "gpt-4o-mini-2024-07-18");
    assert.ok(Array.isArray(r.raw));
  }
});

Deno.test("transport: stream start carries request id and rate limit; cancelling mid-stream is clean", async () => {
  const sse = await Deno.readFile(new URL("openai/stream-gpt-4o-mini-1.sse", CAPTURES));
  const fake = fakeFetch(() =>
    new Response(sse, {
      headers: {
        "content-type": "text/event-stream",
        "x-request-id": "req_t",
        "x-ratelimit-limit-tokens": "1000",
      },
    })
  );
  const p = createOpenAIProvider({ apiKey: KEY, fetch: fake.fetch });
  const events = await readAll(p.stream({ model: "gpt-4o-mini", prompt: "hi" }));
  assert.deepEqual(events[0], {
    type: "start",
    model: "gpt-4o-mini-2024-07-18",
    requestId: "req_t",
    rateLimit: { limitTokens: 1000 },
  });
  const reader = p.stream({ model: "gpt-4o-mini", prompt: "hi" }).getReader();
  assert.equal((await reader.read()).value?.type, "start");
  await reader.cancel();
});

Deno.test("transport: a body that errors mid-stream becomes one connection error", async () => {
  const sse = new TextEncoder().encode((await readText("openai/stream-gpt-4o-mini-1.sse")).slice(0, 900));
  const fake = fakeFetch(() =>
    new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(sse);
          c.error(new TypeError("error reading a body from connection"));
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    )
  );
  const p = createOpenAIProvider({ apiKey: KEY, fetch: fake.fetch });
  const events = await readAll(p.stream({ model: "gpt-4o-mini", prompt: "hi" }));
  const t = terminals(events);
  assert.equal(t.length, 1);
  assert.equal(t[0].type === "error" && t[0].error.kind, "connection");
  assert.equal(t[0].type === "error" && t[0].error.provider, "openai");
  await assert.rejects(
    p.generate({ model: "gpt-4o-mini", prompt: "hi", stream: true }),
    (e) => e instanceof SwebenchError && e.kind === "connection",
  );
});

Deno.test("transport: invalid base URLs are config errors", () => {
  for (const baseUrl of ["not a url", "ftp://x/v1", "https://user:pw@api.example.com/v1"]) {
    assert.throws(
      () => createOpenAIProvider({ baseUrl }),
      (e) => e instanceof SwebenchError && e.kind === "config",
    );
  }
});

Deno.test("transport: listModels decodes /models (OpenAI, OpenRouter, vLLM shapes)", async () => {
  const fake = fakeFetch(() =>
    json({
      object: "list",
      data: [
        { id: "gpt-4o-mini", object: "model", created: 1721172741, owned_by: "system" },
        { id: "openai/gpt-4o", name: "OpenAI: GPT-4o", context_length: 128000 },
        { id: "Qwen/Qwen2.5-Coder-7B", max_model_len: 32768 },
        { nope: true },
        null,
        "text",
      ],
    })
  );
  const p = createOpenAIProvider({ apiKey: KEY, fetch: fake.fetch });
  const models = await p.listModels!();
  assert.equal(fake.calls[0].url, "https://api.openai.com/v1/models");
  assert.equal(fake.calls[0].method, "GET");
  assert.deepEqual(models, [
    { id: "gpt-4o-mini", createdAt: "2024-07-16T23:32:21.000Z" },
    { id: "openai/gpt-4o", displayName: "OpenAI: GPT-4o", contextWindow: 128000 },
    { id: "Qwen/Qwen2.5-Coder-7B", contextWindow: 32768 },
  ]);
  assert.deepEqual(decodeOpenAIModelList([{ id: "a" }]), [{ id: "a" }]);
  assert.throws(() => decodeOpenAIModelList({}), (e) => e instanceof SwebenchError && e.kind === "server");
  const bad = createOpenAIProvider({ apiKey: KEY, fetch: fakeFetch(() => new Response("nope")).fetch });
  await assert.rejects(bad.listModels!(), (e) => e instanceof SwebenchError && e.kind === "server");
  const denied = createOpenAIProvider({
    apiKey: KEY,
    fetch: fakeFetch(() => json({ error: { message: "no" } }, { status: 401 })).fetch,
  });
  await assert.rejects(
    denied.listModels!(),
    (e) => e instanceof SwebenchError && e.kind === "authentication",
  );
});

Deno.test("transport: a failing fetch is a connection error; an aborted signal is interrupted", async () => {
  const p = createOpenAIProvider({
    apiKey: KEY,
    fetch: (() => Promise.reject(new TypeError("error sending request: connection refused"))) as typeof fetch,
  });
  await assert.rejects(
    p.generate({ model: "m", prompt: "hi" }),
    (e) => e instanceof SwebenchError && e.kind === "connection",
  );
  const events = await readAll(p.stream({ model: "m", prompt: "hi" }));
  assert.equal(events.length, 1);
  assert.equal(events[0].type === "error" && events[0].error.kind, "connection");
  const q = createOpenAIProvider({ apiKey: KEY, fetch: fakeFetch(() => json(COMPLETION)).fetch });
  await assert.rejects(
    q.generate({ model: "m", prompt: "hi" }, { signal: AbortSignal.abort() }),
    (e) => e instanceof SwebenchError && e.kind === "interrupted",
  );
});

Deno.test("transport: countTokens is exact for OpenAI models (equals the captured prompt_tokens), an estimate otherwise", async () => {
  const p = createOpenAIProvider({ apiKey: KEY, fetch: fakeFetch(() => json(COMPLETION)).fetch });
  const capture = await readJson("openai/completion-gpt-4o-mini.json") as {
    usage: { prompt_tokens: number };
  };
  assert.deepEqual(await p.countTokens!({ model: "gpt-4o-mini", prompt: "hello" }), {
    tokens: capture.usage.prompt_tokens,
    method: "exact",
    errorBound: 0,
  });
  const estimate = await p.countTokens!({ model: "qwen2.5-coder:7b", system: "s", prompt: "hello world" });
  assert.equal(estimate.method, "estimate");
  assert.ok(estimate.tokens > 0 && estimate.errorBound > 0);
  const failing = createOpenAIProvider({
    apiKey: KEY,
    tokenCounter: () => Promise.reject(new Error("no encoding")),
  });
  await assert.rejects(
    failing.countTokens!({ model: "m", prompt: "x" }),
    (e) => e instanceof SwebenchError && e.kind === "unexpected",
  );
});

// ---------------------------------------------------------------- collectStream

Deno.test("collectStream: builds the response; error events throw; a stream without a terminal is connection", async () => {
  const usage = {
    promptTokens: 3,
    completionTokens: 2,
    totalTokens: 5,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
  const ok: StreamEvent[] = [
    { type: "start", model: "m-1", requestId: "r1", rateLimit: { remainingRequests: 1 } },
    { type: "text-delta", text: "a" },
    { type: "text-delta", text: "b" },
    { type: "usage", usage },
    { type: "finish", finishReason: "length", rawFinishReason: "length", usage },
  ];
  const r = await collectStream(ReadableStream.from(ok), {
    provider: "x",
    model: "m",
    cost: (_m, u) => u.totalTokens,
  });
  assert.equal(r.content, "ab");
  assert.equal(r.model, "m-1");
  assert.equal(r.provider, "x");
  assert.equal(r.finishReason, "length");
  assert.equal(r.rawFinishReason, "length");
  assert.equal(r.requestId, "r1");
  assert.deepEqual(r.rateLimit, { remainingRequests: 1 });
  assert.equal(r.costUsd, 5);
  // raw keeps the stream's start, usage and finish events; the text is in `content`.
  assert.deepEqual(r.raw, ok.filter((e) => e.type !== "text-delta"));
  const err = new SwebenchError("overloaded", "busy");
  await assert.rejects(
    collectStream(ReadableStream.from<StreamEvent>([{ type: "start" }, { type: "error", error: err }]), {
      provider: "x",
    }),
    (e) => e === err,
  );
  await assert.rejects(
    collectStream(ReadableStream.from<StreamEvent>([{ type: "start" }]), { provider: "x" }),
    (e) => e instanceof SwebenchError && e.kind === "connection",
  );
  const throwing = new ReadableStream<StreamEvent>({ pull: (c) => c.error(new TypeError("reset")) });
  await assert.rejects(
    collectStream(throwing, { provider: "x" }),
    (e) => e instanceof SwebenchError && e.kind === "connection",
  );
  const noUsage = await collectStream(
    ReadableStream.from<StreamEvent>([{ type: "finish", finishReason: "stop", usage }]),
    {
      provider: "x",
      model: "fallback",
      cost: () => {
        throw new Error("pricing bug");
      },
      requestId: "meta-id",
    },
  );
  assert.equal(noUsage.model, "fallback");
  assert.equal(noUsage.costUsd, undefined);
  assert.equal(noUsage.requestId, "meta-id");
});

Deno.test("priceOf: undefined for no function, NaN, throws", () => {
  const usage = {
    promptTokens: 1,
    completionTokens: 1,
    totalTokens: 2,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
  assert.equal(priceOf(undefined, "m", usage), undefined);
  assert.equal(priceOf(() => NaN, "m", usage), undefined);
  assert.equal(priceOf(() => 0, "m", usage), 0);
  assert.equal(priceOf(() => 0.5, "m", usage), 0.5);
});

Deno.test("transport: odd 200s on a stream request (no body, invalid JSON) are one server error", async () => {
  for (
    const make of [
      () => new Response(null, { headers: { "content-type": "text/event-stream" } }),
      () =>
        new Response("{nope", {
          headers: { "content-type": "application/json", "x-ratelimit-limit-requests": "5" },
        }),
    ]
  ) {
    const p = createOpenAIProvider({ apiKey: KEY, fetch: fakeFetch(make).fetch });
    const events = await readAll(p.stream({ model: "m", prompt: "hi" }));
    assert.equal(events.length, 1);
    assert.equal(events[0].type === "error" && events[0].error.kind, "server");
    assert.equal(events[0].type === "error" && events[0].error.provider, "openai");
  }
  const p = createOpenAIProvider({
    apiKey: KEY,
    fetch: fakeFetch(() => json(COMPLETION, { headers: { "x-ratelimit-limit-requests": "5" } })).fetch,
  });
  const events = await readAll(p.stream({ model: "m", prompt: "hi" }));
  assert.equal(events[0].type === "start" && events[0].rateLimit?.limitRequests, 5);
});

Deno.test("transport: cancelling a stream while the request is in flight", async (t) => {
  await t.step("the fetch honours the abort", async () => {
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => started = resolve);
    const fetchFn = ((_input: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        started();
        init?.signal?.addEventListener("abort", () => reject(init.signal!.reason), { once: true });
      })) as typeof fetch;
    const p = createOpenAIProvider({ apiKey: KEY, fetch: fetchFn });
    const reader = p.stream({ model: "m", prompt: "hi" }).getReader();
    const pending = reader.read();
    await inFlight;
    await reader.cancel("user");
    assert.equal((await pending).done, true);
  });
  await t.step("the fetch ignores the abort and answers later", async () => {
    let answer!: (r: Response) => void;
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => started = resolve);
    let cancelled = false;
    const fetchFn = (() =>
      new Promise<Response>((resolve) => {
        answer = resolve;
        started();
      })) as typeof fetch;
    const p = createOpenAIProvider({ apiKey: KEY, fetch: fetchFn });
    const reader = p.stream({ model: "m", prompt: "hi" }).getReader();
    const pending = reader.read();
    await inFlight;
    await reader.cancel("user");
    answer(
      new Response(new ReadableStream({ cancel: () => void (cancelled = true) }), {
        headers: { "content-type": "text/event-stream" },
      }),
    );
    assert.equal((await pending).done, true);
    // Let the transport see the late response and cancel its body.
    for (let i = 0; i < 20 && !cancelled; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(cancelled, true);
  });
});

Deno.test("encode: undefined extra values are skipped", () => {
  const body = encodeOpenAIRequest({
    model: "m",
    prompt: "p",
    extra: { seed: undefined, top_p: 0.5, openai: null },
  });
  assert.equal("seed" in body, false);
  assert.equal(body.top_p, 0.5);
});

Deno.test("transport: a real socket with odd framing (CRLF, pings, comments, padding, 1-7 byte writes)", async () => {
  const text = await readText("openai/stream-gpt-4o-mini-1.sse");
  const odd = ": hello\r\n\r\nevent: ping\r\ndata: {}\r\n\r\n" +
    text.split("\n\n").filter((e) => e.trim() !== "").map((e) =>
      `${e.replace("data: ", "data:")}\r\n: pad${" ".repeat(64)}\r\n\r\n`
    )
      .join("");
  const bytes = new TextEncoder().encode(odd);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    let offset = 0;
    let size = 1;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(offset, offset + size));
        offset += size;
        size = size % 7 + 1;
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "x-request-id": "req_sock" },
    });
  });
  try {
    const p = createOpenAIProvider({ baseUrl: `http://127.0.0.1:${server.addr.port}/v1`, apiKey: KEY });
    const events = await readAll(p.stream({ model: "gpt-4o-mini", prompt: "hi" }, { idleTimeoutMs: 5000 }));
    assert.equal(textOf(events), "The capital of the UK is London.");
    assert.equal(terminals(events).length, 1);
    const last = events.at(-1)!;
    assert.equal(last.type === "finish" && last.usage.totalTokens, 87);
    const r = await p.generate({ model: "gpt-4o-mini", prompt: "hi", stream: true });
    assert.equal(r.content, "The capital of the UK is London.");
    assert.equal(r.requestId, "req_sock");
  } finally {
    await server.shutdown();
  }
});
