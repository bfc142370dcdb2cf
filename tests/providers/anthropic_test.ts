/**
 * Anthropic codecs on the real captures in tests/fixtures/captures/anthropic/ (no network).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  anthropicAcceptsSampling,
  anthropicErrorFromBody,
  anthropicFinishReason,
  anthropicStreamDecoder,
  decodeAnthropicResponse,
  encodeAnthropicRequest,
  normalizeAnthropicUsage,
} from "../../src/providers/anthropic/codec.ts";
import {
  createAnthropicProvider,
  decodeAnthropicModelPage,
  normalizeAnthropicBaseUrl,
} from "../../src/providers/anthropic/provider.ts";
import { sseDecoder, type SseEvent } from "../../src/http/mod.ts";
import { type StreamEvent, SwebenchError } from "../../src/core/mod.ts";

const CAPTURES = new URL("../fixtures/captures/anthropic/", import.meta.url);

function readCapture(name: string): string {
  return Deno.readTextFileSync(new URL(name, CAPTURES));
}

/** A `.chunks.jsonl` capture -> SSE events as the server frames them (`event:` = the JSON's type). */
function chunkEvents(name: string): SseEvent[] {
  return readCapture(name).split("\n").filter((l) => l.trim() !== "").map((line) => ({
    event: JSON.parse(line).type,
    data: line,
  }));
}

async function decode(events: SseEvent[]): Promise<StreamEvent[]> {
  return await Array.fromAsync(ReadableStream.from(events).pipeThrough(anthropicStreamDecoder()));
}

async function decodeBytes(chunks: Uint8Array[]): Promise<StreamEvent[]> {
  return await Array.fromAsync(
    ReadableStream.from(chunks).pipeThrough(sseDecoder()).pipeThrough(anthropicStreamDecoder()),
  );
}

function textOf(events: StreamEvent[]): string {
  return events.map((e) => e.type === "text-delta" ? e.text : "").join("");
}

function terminals(events: StreamEvent[]): StreamEvent[] {
  return events.filter((e) => e.type === "finish" || e.type === "error");
}

/** Exactly one terminal event, and it is the last one. */
function assertOneTerminal(events: StreamEvent[]): StreamEvent {
  const t = terminals(events);
  assert.equal(t.length, 1, `terminal events: ${JSON.stringify(t)}`);
  assert.equal(events.at(-1), t[0]);
  return t[0];
}

// ---------------------------------------------------------------------------------------------- encode

Deno.test("encode: minimal request always sends max_tokens, prompt as one user message", () => {
  const body = encodeAnthropicRequest({ model: "claude-sonnet-4-5", prompt: "Hi" });
  assert.deepEqual(body, {
    model: "claude-sonnet-4-5",
    max_tokens: 4096,
    messages: [{ role: "user", content: "Hi" }],
  });
});

Deno.test("encode: system top-level, max tokens, stop sequences, stream flag", () => {
  const body = encodeAnthropicRequest({
    model: "m",
    prompt: "p",
    system: "s",
    maxTokens: 100,
    stop: ["</patch>"],
    temperature: 0.2,
  }, { stream: true });
  assert.deepEqual(body, {
    model: "m",
    max_tokens: 100,
    system: "s",
    messages: [{ role: "user", content: "p" }],
    temperature: 0.2,
    stop_sequences: ["</patch>"],
    stream: true,
  });
  assert.equal(encodeAnthropicRequest({ model: "m", prompt: "p", stream: true }).stream, true);
  assert.equal(
    "stream" in encodeAnthropicRequest({ model: "m", prompt: "p", stream: true }, { stream: false }),
    false,
  );
  assert.equal("stop_sequences" in encodeAnthropicRequest({ model: "m", prompt: "p", stop: [] }), false);
  assert.equal("system" in encodeAnthropicRequest({ model: "m", prompt: "p", system: "" }), false);
});

Deno.test("encode: no temperature for Claude models that refuse sampling parameters (Opus 4.7+, Sonnet 5+, ...)", () => {
  for (
    const model of ["claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "claude-opus-4-6", "claude-haiku-4-5"]
  ) {
    assert.equal(anthropicAcceptsSampling(model), true, model);
    assert.equal(encodeAnthropicRequest({ model, prompt: "p", temperature: 0 }).temperature, 0, model);
  }
  for (
    const model of [
      "claude-opus-4-7",
      "claude-opus-4-8",
      "claude-opus-5",
      "claude-opus-5-5",
      "claude-sonnet-5",
      "claude-sonnet-5-5",
      "claude-haiku-5-5",
      "claude-fable-5-1",
      "claude-mythos-preview",
    ]
  ) {
    assert.equal(anthropicAcceptsSampling(model), false, model);
    assert.equal(
      "temperature" in encodeAnthropicRequest({ model, prompt: "p", temperature: 0 }),
      false,
      model,
    );
  }
});

Deno.test("encode: temperature is clamped to 0..1, non-finite dropped", () => {
  const t = (temperature: number) =>
    encodeAnthropicRequest({ model: "m", prompt: "p", temperature }).temperature;
  assert.equal(t(1.7), 1);
  assert.equal(t(2), 1);
  assert.equal(t(-0.5), 0);
  assert.equal(t(0), 0);
  assert.equal(t(0.7), 0.7);
  assert.equal(t(Number.NaN), undefined);
  assert.equal(t(Number.POSITIVE_INFINITY), undefined);
  fc.assert(fc.property(fc.double({ noNaN: true, min: -10, max: 10 }), (x) => {
    const v = t(x) as number;
    return v >= 0 && v <= 1;
  }));
});

Deno.test("encode: cacheControl marks the system block and the cachePrefix of the prompt", () => {
  const body = encodeAnthropicRequest({
    model: "m",
    system: "SYS",
    prompt: "STABLE CONTEXT\nQUESTION",
    extra: { cacheControl: "1h", cachePrefix: "STABLE CONTEXT\n" },
  });
  assert.deepEqual(body.system, [{
    type: "text",
    text: "SYS",
    cache_control: { type: "ephemeral", ttl: "1h" },
  }]);
  assert.deepEqual(body.messages, [{
    role: "user",
    content: [
      { type: "text", text: "STABLE CONTEXT\n", cache_control: { type: "ephemeral", ttl: "1h" } },
      { type: "text", text: "QUESTION" },
    ],
  }]);
});

Deno.test("encode: cacheControl variants (true, 5m, whole prompt, system only, prefix = prompt)", () => {
  // true -> API default TTL (no ttl field); no system, no prefix -> the whole prompt is the stable prefix
  assert.deepEqual(
    encodeAnthropicRequest({ model: "m", prompt: "P", extra: { cacheControl: true } }).messages,
    [
      { role: "user", content: [{ type: "text", text: "P", cache_control: { type: "ephemeral" } }] },
    ],
  );
  // system only: the prompt stays a plain string
  const sysOnly = encodeAnthropicRequest({
    model: "m",
    system: "S",
    prompt: "P",
    extra: { cacheControl: "5m" },
  });
  assert.deepEqual(sysOnly.system, [{
    type: "text",
    text: "S",
    cache_control: { type: "ephemeral", ttl: "5m" },
  }]);
  assert.deepEqual(sysOnly.messages, [{ role: "user", content: "P" }]);
  // a prefix equal to the prompt: one block, never an empty text block
  assert.deepEqual(
    encodeAnthropicRequest({ model: "m", prompt: "P", extra: { cacheControl: "5m", cachePrefix: "P" } })
      .messages,
    [{
      role: "user",
      content: [{ type: "text", text: "P", cache_control: { type: "ephemeral", ttl: "5m" } }],
    }],
  );
  // cachePrefix without cacheControl: ignored
  assert.deepEqual(
    encodeAnthropicRequest({ model: "m", prompt: "PQ", extra: { cachePrefix: "P" } }).messages,
    [
      { role: "user", content: "PQ" },
    ],
  );
  // cacheControl false: nothing
  assert.deepEqual(
    encodeAnthropicRequest({ model: "m", prompt: "P", extra: { cacheControl: false } }).messages,
    [
      { role: "user", content: "P" },
    ],
  );
});

Deno.test("encode: bad cache options are invalid_request errors", () => {
  const bad = (extra: Record<string, unknown>) =>
    assert.throws(
      () => encodeAnthropicRequest({ model: "m", prompt: "hello", extra }),
      (e) => e instanceof SwebenchError && e.kind === "invalid_request",
    );
  bad({ cacheControl: "10m" });
  bad({ cacheControl: "5m", cachePrefix: "nope" });
  bad({ cacheControl: "5m", cachePrefix: 3 });
});

Deno.test("encode: extra.anthropic is merged into the body last", () => {
  const body = encodeAnthropicRequest({
    model: "m",
    prompt: "p",
    extra: { anthropic: { top_k: 5, metadata: { user_id: "u" }, max_tokens: 64 } },
  });
  assert.equal(body.top_k, 5);
  assert.deepEqual(body.metadata, { user_id: "u" });
  assert.equal(body.max_tokens, 64);
  // non-object extra.anthropic is ignored
  assert.equal(
    encodeAnthropicRequest({ model: "m", prompt: "p", extra: { anthropic: [1] } }).max_tokens,
    4096,
  );
});

// ---------------------------------------------------------------------------------------------- decode

Deno.test("decode: message.json capture", () => {
  const body = JSON.parse(readCapture("message.json"));
  const r = decodeAnthropicResponse(body);
  assert.equal(
    r.content,
    "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
  );
  assert.equal(r.model, "claude-sonnet-4-5-20250929");
  assert.equal(r.finishReason, "stop");
  assert.equal(r.rawFinishReason, "end_turn");
  assert.deepEqual(r.usage, {
    promptTokens: 12,
    completionTokens: 29,
    totalTokens: 41,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
  });
  assert.deepEqual(r.raw, body);
});

Deno.test("decode: text blocks concatenated, thinking and tool_use blocks skipped", () => {
  const r = decodeAnthropicResponse({
    type: "message",
    model: "m",
    content: [
      { type: "thinking", thinking: "hmm", signature: "x" },
      { type: "text", text: "a" },
      { type: "tool_use", id: "t", name: "f", input: {} },
      { type: "text", text: "b" },
    ],
    stop_reason: "tool_use",
    usage: { input_tokens: 1, output_tokens: 2, output_tokens_details: { thinking_tokens: 1 } },
  });
  assert.equal(r.content, "ab");
  assert.equal(r.finishReason, "tool_calls");
  assert.equal(r.usage.reasoningTokens, 1);
});

Deno.test("decode: usage with prompt caching counts cache reads and writes in promptTokens", () => {
  const u = normalizeAnthropicUsage({
    input_tokens: 10,
    cache_creation_input_tokens: 300,
    cache_read_input_tokens: 2000,
    cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
    output_tokens: 50,
  });
  assert.deepEqual(u, {
    promptTokens: 2310,
    completionTokens: 50,
    totalTokens: 2360,
    cacheReadTokens: 2000,
    cacheWriteTokens: 300,
    cacheWrite1hTokens: 200,
  });
  assert.deepEqual(normalizeAnthropicUsage(undefined), {
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  });
  // null fields (the SDK's types allow them) count as 0
  assert.equal(normalizeAnthropicUsage({ input_tokens: 5, cache_read_input_tokens: null }).promptTokens, 5);
});

Deno.test("decode: stop reasons", () => {
  const cases: [string | null, string][] = [
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["pause_turn", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
    [null, "stop"],
  ];
  for (const [raw, unified] of cases) assert.equal(anthropicFinishReason(raw), unified, String(raw));
  const r = decodeAnthropicResponse({ type: "message", model: "m", content: [], stop_reason: "max_tokens" });
  assert.equal(r.finishReason, "length");
  assert.equal(r.rawFinishReason, "max_tokens");
});

Deno.test("decode: error-404-count-tokens capture throws model_not_found with the request id", () => {
  const body = JSON.parse(readCapture("error-404-count-tokens.json"));
  assert.throws(() => decodeAnthropicResponse(body), (e) => {
    assert.ok(e instanceof SwebenchError);
    assert.equal(e.kind, "model_not_found");
    assert.equal(e.code, "not_found_error");
    assert.equal(e.requestId, "req_011CVEA3SF7rnb3DuBZytqQa");
    assert.match(e.message, /claude-does-not-exist/);
    return true;
  });
});

Deno.test("decode: malformed bodies are server errors", () => {
  for (const body of [null, "text", 42, [], { type: "message" }, { content: "x" }]) {
    assert.throws(
      () => decodeAnthropicResponse(body),
      (e) => e instanceof SwebenchError && e.kind === "server",
      JSON.stringify(body),
    );
  }
});

Deno.test("error bodies: Anthropic error types and messages map to kinds", () => {
  const cases: [string | undefined, string, string][] = [
    ["overloaded_error", "Overloaded", "overloaded"],
    ["rate_limit_error", "slow down", "rate_limit"],
    ["api_error", "Internal server error", "server"],
    ["timeout_error", "timeout", "timeout"],
    ["authentication_error", "invalid x-api-key", "authentication"],
    ["permission_error", "no access", "authentication"],
    ["not_found_error", "model: x", "model_not_found"],
    ["invalid_request_error", "max_tokens: must be positive", "invalid_request"],
    ["invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum", "context_length"],
    [
      "invalid_request_error",
      "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing.",
      "quota",
    ],
    ["billing_error", "billing", "quota"],
    [undefined, "???", "server"],
    ["something_new", "???", "server"],
  ];
  for (const [type, message, kind] of cases) {
    const e = anthropicErrorFromBody({ type: "error", error: { type, message }, request_id: "req_9" });
    assert.equal(e.kind, kind, message);
    assert.equal(e.requestId, "req_9");
    assert.equal(e.provider, "anthropic");
    assert.match(e.message, /^anthropic: /);
  }
  // with an HTTP status: 529 is overloaded whatever the body says
  assert.equal(
    anthropicErrorFromBody({ type: "error", error: { type: "api_error", message: "x" } }, { status: 529 })
      .kind,
    "overloaded",
  );
  assert.equal(anthropicErrorFromBody({}, { status: 400 }).kind, "invalid_request");
  const e = anthropicErrorFromBody("not an object");
  assert.equal(e.kind, "server");
  assert.equal(anthropicErrorFromBody(null).kind, "server");
});

// ---------------------------------------------------------------------------------------------- streams

const MESSAGE_TEXT =
  "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?";

Deno.test("stream: message.chunks.jsonl capture", async () => {
  const events = await decode(chunkEvents("message.chunks.jsonl"));
  assert.deepEqual(events[0], { type: "start", model: "claude-sonnet-4-5-20250929" });
  assert.equal(textOf(events), MESSAGE_TEXT);
  const finish = assertOneTerminal(events);
  assert.deepEqual(finish, {
    type: "finish",
    finishReason: "stop",
    rawFinishReason: "end_turn",
    model: "claude-sonnet-4-5-20250929",
    usage: {
      promptTokens: 12,
      completionTokens: 30,
      totalTokens: 42,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
    },
  });
  const usages = events.filter((e) => e.type === "usage");
  assert.equal(usages.length, 2);
  assert.equal(usages[0].type === "usage" && usages[0].usage.completionTokens, 1);
});

Deno.test("stream: message_delta usage replaces message_start usage (input_tokens capture)", async () => {
  const events = await decode(chunkEvents("message-delta-input-tokens.chunks.jsonl"));
  assert.equal(textOf(events), "pong");
  const finish = assertOneTerminal(events);
  assert.equal(finish.type, "finish");
  if (finish.type !== "finish") return;
  assert.equal(finish.model, "claude-opus-4-5-20251101");
  assert.deepEqual(finish.usage, {
    promptTokens: 61,
    completionTokens: 2,
    totalTokens: 63,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  });
});

Deno.test("stream: stream-sonnet-4-5.sse capture through sseDecoder (padding, event lines, ping)", async () => {
  const bytes = new TextEncoder().encode(readCapture("stream-sonnet-4-5.sse"));
  const events = await decodeBytes([bytes]);
  assert.equal(textOf(events), "2");
  const finish = assertOneTerminal(events);
  assert.equal(finish.type, "finish");
  if (finish.type !== "finish") return;
  assert.equal(finish.usage.promptTokens, 20);
  assert.equal(finish.usage.completionTokens, 5);
  assert.equal(finish.model, "claude-sonnet-4-5-20250929");
});

Deno.test("stream: random byte splits of the SSE capture give the same events", async () => {
  const bytes = new TextEncoder().encode(readCapture("stream-sonnet-4-5.sse"));
  const expected = await decodeBytes([bytes]);
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }),
      async (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const chunks = points.slice(1).map((end, i) => bytes.slice(points[i], end));
        assert.deepEqual(await decodeBytes(chunks), expected);
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("stream: the start event carries the transport's request id and rate limits", async () => {
  const events = await Array.fromAsync(
    ReadableStream.from(chunkEvents("message.chunks.jsonl")).pipeThrough(
      anthropicStreamDecoder({ requestId: "req_1", rateLimit: { remainingRequests: 3 } }),
    ),
  );
  assert.deepEqual(events[0], {
    type: "start",
    model: "claude-sonnet-4-5-20250929",
    requestId: "req_1",
    rateLimit: { remainingRequests: 3 },
  });
});

Deno.test("stream: every truncation before message_stop ends in one connection error", async () => {
  const all = chunkEvents("message.chunks.jsonl");
  for (let n = 0; n < all.length; n++) {
    const events = await decode(all.slice(0, n));
    const t = assertOneTerminal(events);
    assert.equal(t.type, "error", `prefix ${n}`);
    if (t.type !== "error") continue;
    assert.equal(t.error.kind, "connection");
    assert.match(t.error.message, /stream ended early/);
    assert.ok(t.error.retryable);
  }
});

function errorEvent(type: string, message = "boom"): SseEvent {
  return { event: "error", data: JSON.stringify({ type: "error", error: { type, message } }) };
}

Deno.test("stream: an error event after a 200 is one error, never a truncated success", async () => {
  const all = chunkEvents("message.chunks.jsonl");
  const cases: [string, string][] = [
    ["overloaded_error", "overloaded"],
    ["rate_limit_error", "rate_limit"],
    ["api_error", "server"],
    ["invalid_request_error", "invalid_request"],
  ];
  for (const [type, kind] of cases) {
    // error after 3 deltas, then the rest of the stream (which must be ignored)
    const events = await decode([...all.slice(0, 6), errorEvent(type, "Overloaded"), ...all.slice(6)]);
    const t = assertOneTerminal(events);
    assert.equal(t.type, "error");
    if (t.type !== "error") continue;
    assert.equal(t.error.kind, kind);
    assert.equal(t.error.code, type);
    assert.equal(events.filter((e) => e.type === "finish").length, 0);
  }
  const [only] = terminals(await decode([errorEvent("overloaded_error")]));
  assert.ok(only.type === "error" && only.error.retryable && only.error.kind === "overloaded");
});

Deno.test("stream: pings, thinking, signature and tool input deltas are not text", async () => {
  const ev = (o: unknown): SseEvent => ({ data: JSON.stringify(o) });
  const events = await decode([
    ev({ type: "message_start", message: { model: "m", usage: { input_tokens: 3, output_tokens: 1 } } }),
    ev({ type: "ping" }),
    ev({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } }),
    ev({ type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "secret" } }),
    ev({ type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "sig" } }),
    ev({ type: "content_block_stop", index: 0 }),
    ev({ type: "content_block_start", index: 1, content_block: { type: "text", text: "A" } }),
    ev({ type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "B" } }),
    ev({ type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "" } }),
    ev({
      type: "content_block_start",
      index: 2,
      content_block: { type: "tool_use", id: "t", name: "f", input: {} },
    }),
    ev({ type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"a":' } }),
    ev({ type: "some_future_event" }),
    ev({ type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 9 } }),
    ev({ type: "message_stop" }),
    ev({ type: "message_stop" }),
  ]);
  assert.equal(textOf(events), "AB");
  const t = assertOneTerminal(events);
  assert.ok(t.type === "finish");
  assert.equal(t.finishReason, "tool_calls");
  assert.equal(t.usage.promptTokens, 3);
  assert.equal(t.usage.completionTokens, 9);
});

Deno.test("stream: malformed JSON is one server error and ends the stream", async () => {
  const all = chunkEvents("message.chunks.jsonl");
  const events = await decode([
    ...all.slice(0, 4),
    { event: "content_block_delta", data: "{not json" },
    ...all,
  ]);
  const t = assertOneTerminal(events);
  assert.ok(t.type === "error");
  assert.equal(t.error.kind, "server");
});

Deno.test("stream: a message_stop without message_start still finishes once (hostile framing)", async () => {
  const events = await decode([
    { data: "" },
    { data: JSON.stringify({ type: "content_block_delta", delta: { type: "text_delta", text: "x" } }) },
    { data: "[DONE]" },
    { event: "message_stop", data: "{}" },
  ]);
  assert.equal(events[0].type, "start");
  assert.equal(textOf(events), "x");
  const t = assertOneTerminal(events);
  assert.ok(t.type === "finish");
  assert.equal(t.finishReason, "stop");
  assert.equal(t.rawFinishReason, undefined);
});

Deno.test("stream: random splits of the text into deltas give the same text and one finish", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 20 }),
      async (parts) => {
        const ev = (o: unknown): SseEvent => ({ data: JSON.stringify(o) });
        const events = await decode([
          ev({
            type: "message_start",
            message: { model: "m", usage: { input_tokens: 1, output_tokens: 1 } },
          }),
          ...parts.map((text) =>
            ev({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })
          ),
          ev({
            type: "message_delta",
            delta: { stop_reason: "end_turn" },
            usage: { output_tokens: parts.length },
          }),
          ev({ type: "message_stop" }),
        ]);
        assert.equal(textOf(events), parts.join(""));
        const t = assertOneTerminal(events);
        assert.ok(t.type === "finish" && t.usage.completionTokens === parts.length);
      },
    ),
    { numRuns: 50 },
  );
});

// ---------------------------------------------------------------------------------------------- transport (fake fetch)

const KEY = "sk-ant-test-secret-key-0123456789";

interface FakeFetch {
  fetch: typeof fetch;
  requests: { url: URL; method: string; headers: Headers; body: unknown }[];
}

/** A fetch that never touches the network: `handler` answers each request. */
function fakeFetch(handler: (url: URL, body: unknown) => Response | Promise<Response>): FakeFetch {
  const requests: FakeFetch["requests"] = [];
  const f = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    const text = await req.text();
    const body = text === "" ? undefined : JSON.parse(text);
    const url = new URL(req.url);
    requests.push({ url, method: req.method, headers: req.headers, body });
    return await handler(url, body);
  };
  return { fetch: f as typeof fetch, requests };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

const MESSAGE_BODY = () => JSON.parse(readCapture("message.json"));

Deno.test("transport: base URL default, trailing /v1 and slashes not doubled, bad URLs are config errors", async () => {
  assert.equal(createAnthropicProvider({ apiKey: KEY }).baseUrl, "https://api.anthropic.com");
  assert.equal(
    normalizeAnthropicBaseUrl("https://proxy.example.com/anthropic/v1/"),
    "https://proxy.example.com/anthropic",
  );
  assert.equal(normalizeAnthropicBaseUrl(" http://127.0.0.1:9/ "), "http://127.0.0.1:9");
  const fake = fakeFetch(() => json(MESSAGE_BODY()));
  const p = createAnthropicProvider({ apiKey: KEY, baseUrl: "https://gw.example.com/v1", fetch: fake.fetch });
  await p.generate({ model: "claude-sonnet-4-5", prompt: "hi" });
  assert.equal(fake.requests[0].url.href, "https://gw.example.com/v1/messages");
  for (const bad of ["not a url", "ftp://x.example", "https://user:pw@x.example"]) {
    assert.throws(
      () => createAnthropicProvider({ apiKey: KEY, baseUrl: bad }),
      (e) => e instanceof SwebenchError && e.kind === "config" && !e.message.includes("pw@"),
    );
  }
});

Deno.test("transport: a missing key for api.anthropic.com is a config error before any request", async () => {
  const fake = fakeFetch(() => json(MESSAGE_BODY()));
  const p = createAnthropicProvider({ fetch: fake.fetch, apiKey: "  " });
  const check = (e: unknown) => {
    assert.ok(e instanceof SwebenchError);
    assert.equal(e.kind, "config");
    assert.match(e.message, /ANTHROPIC_API_KEY/);
    assert.match(e.hint, /swebench provider init anthropic/);
    return true;
  };
  await assert.rejects(p.generate({ model: "m", prompt: "p" }), check);
  await assert.rejects(p.generate({ model: "m", prompt: "p", stream: true }), check);
  await assert.rejects(p.listModels(), check);
  const events = await Array.fromAsync(p.stream({ model: "m", prompt: "p" }));
  assert.equal(events.length, 1);
  assert.ok(events[0].type === "error" && check(events[0].error));
  // countTokens has an offline answer
  const count = await p.countTokens({
    model: "claude-sonnet-4-5",
    system: "You fix bugs.",
    prompt: "hello world",
  });
  assert.equal(count.method, "estimate");
  assert.ok(count.tokens > 0 && count.errorBound > 0 && count.errorBound < 1);
  assert.equal(fake.requests.length, 0);
});

Deno.test("transport: headers (x-api-key, version, beta, user headers); the key only in x-api-key", async () => {
  const fake = fakeFetch(() => json(MESSAGE_BODY()));
  const p = createAnthropicProvider({
    apiKey: KEY,
    beta: "extended-cache-ttl-2025-04-11",
    headers: { "x-trace": "t1" },
    fetch: fake.fetch,
  });
  await p.generate({ model: "claude-sonnet-4-5", prompt: "hi" });
  const h = fake.requests[0].headers;
  assert.equal(h.get("x-api-key"), KEY);
  assert.equal(h.get("anthropic-version"), "2026-10-21");
  assert.equal(h.get("anthropic-beta"), "extended-cache-ttl-2025-04-11");
  assert.equal(h.get("x-trace"), "t1");
  assert.equal(h.get("content-type"), "application/json");
  assert.equal([...h].filter(([, v]) => v.includes(KEY)).length, 1);
  assert.ok(!JSON.stringify(fake.requests[0].body).includes(KEY));
  assert.ok(!fake.requests[0].url.href.includes(KEY));

  // a custom base URL may run without a key: no x-api-key header, the version still sent
  const local = fakeFetch(() => json(MESSAGE_BODY()));
  await createAnthropicProvider({ baseUrl: "http://127.0.0.1:1", version: "2024-01-01", fetch: local.fetch })
    .generate({ model: "m", prompt: "p" });
  assert.equal(local.requests[0].headers.get("x-api-key"), null);
  assert.equal(local.requests[0].headers.get("anthropic-version"), "2024-01-01");
  assert.equal(local.requests[0].headers.get("anthropic-beta"), null);
});

Deno.test("transport: generate keeps request-id, rate limits, usage and cost", async () => {
  const reset = new Date(Date.now() + 30_000).toISOString();
  const fake = fakeFetch(() =>
    json(MESSAGE_BODY(), 200, {
      "request-id": "req_abc",
      "anthropic-ratelimit-requests-limit": "50",
      "anthropic-ratelimit-requests-remaining": "49",
      "anthropic-ratelimit-requests-reset": reset,
    })
  );
  const seen: string[] = [];
  const p = createAnthropicProvider({
    apiKey: KEY,
    fetch: fake.fetch,
    cost: (model, u) => {
      seen.push(model);
      return u.promptTokens * 3e-6 + u.completionTokens * 15e-6;
    },
  });
  const r = await p.generate({ model: "claude-sonnet-4-5", prompt: "hi", maxTokens: 64 });
  assert.equal(r.provider, "anthropic");
  assert.equal(r.model, "claude-sonnet-4-5-20250929");
  assert.equal(r.requestId, "req_abc");
  assert.equal(r.rateLimit?.limitRequests, 50);
  assert.equal(r.rateLimit?.remainingRequests, 49);
  assert.ok((r.rateLimit?.resetRequestsMs ?? 0) > 0);
  assert.equal(r.costUsd, 12 * 3e-6 + 29 * 15e-6);
  assert.deepEqual(seen, ["claude-sonnet-4-5-20250929"]);
  assert.deepEqual(fake.requests[0].body, {
    model: "claude-sonnet-4-5",
    max_tokens: 64,
    messages: [{ role: "user", content: "hi" }],
  });
});

Deno.test("transport: HTTP errors map to kinds, keep request ids, never show the key", async () => {
  const cases: [number, unknown, string][] = [
    [529, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, "overloaded"],
    [400, {
      type: "error",
      error: {
        type: "invalid_request_error",
        message: "Your credit balance is too low to access the Anthropic API.",
      },
    }, "quota"],
    [400, {
      type: "error",
      error: { type: "invalid_request_error", message: "prompt is too long: 250000 tokens > 200000 maximum" },
    }, "context_length"],
    [
      401,
      { type: "error", error: { type: "authentication_error", message: `invalid x-api-key ${KEY}` } },
      "authentication",
    ],
    [404, JSON.parse(readCapture("error-404-count-tokens.json")), "model_not_found"],
  ];
  for (const [status, body, kind] of cases) {
    const fake = fakeFetch(() => json(body, status, { "request-id": "req_h" }));
    const p = createAnthropicProvider({ apiKey: KEY, fetch: fake.fetch });
    const e = await p.generate({ model: "m", prompt: "p" }).catch((e) => e);
    assert.ok(e instanceof SwebenchError, String(e));
    assert.equal(e.kind, kind, `${status}: ${e.message}`);
    assert.equal(e.status, status);
    assert.equal(e.requestId, "req_h");
    assert.ok(!JSON.stringify(e.toJSON(true)).includes(KEY), "no key in the error");
    const events = await Array.fromAsync(p.stream({ model: "m", prompt: "p" }));
    const t = assertOneTerminal(events);
    assert.ok(t.type === "error" && t.error.kind === kind);
  }
});

Deno.test("transport: a 200 with invalid JSON or an error object is an error, with the request id", async () => {
  const bad = fakeFetch(() =>
    new Response("{oops", { headers: { "content-type": "application/json", "request-id": "r1" } })
  );
  const e1 = await createAnthropicProvider({ apiKey: KEY, fetch: bad.fetch }).generate({
    model: "m",
    prompt: "p",
  })
    .catch((e) => e);
  assert.ok(e1 instanceof SwebenchError && e1.kind === "server" && e1.requestId === "r1");
  const err = fakeFetch(() =>
    json({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, 200, {
      "request-id": "r2",
    })
  );
  const e2 = await createAnthropicProvider({ apiKey: KEY, fetch: err.fetch }).generate({
    model: "m",
    prompt: "p",
  })
    .catch((e) => e);
  assert.ok(e2 instanceof SwebenchError && e2.kind === "overloaded" && e2.requestId === "r2");
  const events = await Array.fromAsync(
    createAnthropicProvider({ apiKey: KEY, fetch: err.fetch }).stream({ model: "m", prompt: "p" }),
  );
  const t = assertOneTerminal(events);
  assert.ok(t.type === "error" && t.error.kind === "overloaded");
});

const SSE_BYTES = () => new TextEncoder().encode(readCapture("stream-sonnet-4-5.sse"));

Deno.test("transport: stream over the real SSE capture; generate with stream: true collects it", async () => {
  const fake = fakeFetch(() =>
    new Response(SSE_BYTES(), { headers: { "content-type": "text/event-stream", "request-id": "req_s" } })
  );
  const p = createAnthropicProvider({ apiKey: KEY, fetch: fake.fetch, cost: (_m, u) => u.totalTokens });
  const events = await Array.fromAsync(p.stream({ model: "claude-sonnet-4-5", prompt: "1+1?" }));
  assert.deepEqual(events[0], { type: "start", model: "claude-sonnet-4-5-20250929", requestId: "req_s" });
  assert.equal(textOf(events), "2");
  assert.equal(assertOneTerminal(events).type, "finish");
  assert.equal(fake.requests[0].body && (fake.requests[0].body as { stream?: boolean }).stream, true);
  assert.equal(fake.requests[0].headers.get("accept"), "text/event-stream");
  const r = await p.generate({ model: "claude-sonnet-4-5", prompt: "1+1?", stream: true });
  assert.equal(r.content, "2");
  assert.equal(r.requestId, "req_s");
  assert.equal(r.usage.totalTokens, 25);
  assert.equal(r.costUsd, 25);
});

Deno.test("transport: servers that ignore the stream flag (JSON to a stream, SSE to a plain call)", async () => {
  const asJson = fakeFetch(() =>
    json(MESSAGE_BODY(), 200, { "request-id": "rj", "anthropic-ratelimit-requests-remaining": "7" })
  );
  const events = await Array.fromAsync(
    createAnthropicProvider({ apiKey: KEY, fetch: asJson.fetch }).stream({ model: "m", prompt: "p" }),
  );
  assert.equal(events[0].type === "start" && events[0].requestId, "rj");
  assert.equal(events[0].type === "start" && events[0].rateLimit?.remainingRequests, 7);
  assert.equal(textOf(events), MESSAGE_TEXT.replace("thank you", "thanks"));
  assert.equal(assertOneTerminal(events).type, "finish");
  const broken = fakeFetch(() => new Response("nope", { headers: { "content-type": "application/json" } }));
  const bad = await Array.fromAsync(
    createAnthropicProvider({ apiKey: KEY, fetch: broken.fetch }).stream({ model: "m", prompt: "p" }),
  );
  assert.ok(assertOneTerminal(bad).type === "error");
  const asSse = fakeFetch(() =>
    new Response(SSE_BYTES(), { headers: { "content-type": "text/event-stream" } })
  );
  const r = await createAnthropicProvider({ apiKey: KEY, fetch: asSse.fetch }).generate({
    model: "m",
    prompt: "p",
  });
  assert.equal(r.content, "2");
});

Deno.test("transport: a stream cut mid-body is one connection error; fetch failures are connection errors", async () => {
  const bytes = SSE_BYTES();
  const cut = fakeFetch(() =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(bytes.slice(0, 700));
          c.error(new TypeError("connection reset"));
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    )
  );
  const events = await Array.fromAsync(
    createAnthropicProvider({ apiKey: KEY, fetch: cut.fetch }).stream({
      model: "m",
      prompt: "p",
    }),
  );
  const t = assertOneTerminal(events);
  assert.ok(t.type === "error" && t.error.kind === "connection", JSON.stringify(t));
  const down = fakeFetch(() => Promise.reject(new TypeError("fetch failed")));
  await assert.rejects(
    createAnthropicProvider({ apiKey: KEY, fetch: down.fetch }).generate({ model: "m", prompt: "p" }),
    (e) => e instanceof SwebenchError && e.kind === "connection",
  );
});

Deno.test("transport: cancelling the event stream stops reading", async () => {
  let cancelled = false;
  const fake = fakeFetch(() =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(SSE_BYTES().slice(0, 500));
        },
        cancel() {
          cancelled = true;
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    )
  );
  const reader = createAnthropicProvider({ apiKey: KEY, fetch: fake.fetch }).stream({
    model: "m",
    prompt: "p",
  })
    .getReader();
  assert.equal((await reader.read()).value?.type, "start");
  await reader.cancel();
  // cancellation travels through the decoder pipes asynchronously: wait a bounded number of turns
  for (let i = 0; i < 50 && !cancelled; i++) await new Promise((r) => setTimeout(r, 0));
  assert.ok(cancelled, "the response body was cancelled");
});

Deno.test("transport: cancelled while waiting for headers or for the next event: no leak, no late events", async () => {
  let open!: () => void;
  const gate = new Promise<void>((r) => open = r);
  let bodyCancelled = false;
  // ignores the abort signal, like a server answering late
  let called!: () => void;
  const fetchCalled = new Promise<void>((r) => called = r);
  const slow = (async () => {
    called();
    await gate;
    return new Response(
      new ReadableStream<Uint8Array>({
        cancel() {
          bodyCancelled = true;
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
  }) as typeof fetch;
  const reader = createAnthropicProvider({ apiKey: KEY, fetch: slow }).stream({
    model: "m",
    prompt: "p",
  })
    .getReader();
  const pending = reader.read();
  await fetchCalled;
  await reader.cancel("user");
  open();
  assert.equal((await pending).done, true);
  for (let i = 0; i < 50 && !bodyCancelled; i++) await new Promise((r) => setTimeout(r, 0));
  assert.ok(bodyCancelled, "a response that arrives after cancel is cancelled");

  // a read pending on a stalled body when the consumer cancels
  const stalled = fakeFetch(() =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(SSE_BYTES().slice(0, 500));
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    )
  );
  const r2 = createAnthropicProvider({ apiKey: KEY, fetch: stalled.fetch }).stream({
    model: "m",
    prompt: "p",
  })
    .getReader();
  assert.equal((await r2.read()).value?.type, "start");
  const next = r2.read();
  await r2.cancel();
  assert.equal((await next).done, true);
});

Deno.test("transport: an empty 200 body is one server error; secret user headers are redacted", async () => {
  const empty = fakeFetch(() => new Response(null, { headers: { "content-type": "text/event-stream" } }));
  const events = await Array.fromAsync(
    createAnthropicProvider({ apiKey: KEY, fetch: empty.fetch }).stream({ model: "m", prompt: "p" }),
  );
  const t = assertOneTerminal(events);
  assert.ok(t.type === "error" && t.error.kind === "server");

  const token = "gateway-token-abcdef123456";
  const echo = fakeFetch((_url) =>
    json(
      { type: "error", error: { type: "permission_error", message: `token ${token} may not use this` } },
      403,
    )
  );
  const p = createAnthropicProvider({
    apiKey: KEY,
    headers: { "x-gateway-token": token, authorization: `Bearer ${token}` },
    fetch: echo.fetch,
  });
  const e = await p.generate({ model: "m", prompt: "p" }).catch((e) => e);
  assert.ok(e instanceof SwebenchError && e.kind === "authentication");
  assert.ok(!JSON.stringify(e.toJSON(true)).includes(token), e.message);
  assert.match(e.message, /\*\*\*/);
});

Deno.test("transport: the offline estimate always states a bound", async () => {
  const p = createAnthropicProvider({});
  for (const model of ["claude-sonnet-4-5", "claude-opus-4-7", "gpt-4o-mini"]) {
    const c = await p.countTokens({ model, prompt: "hello ".repeat(100) });
    assert.equal(c.method, "estimate");
    assert.ok(c.errorBound > 0, model);
  }
});

Deno.test("transport: listModels follows after_id pages and is bounded", async () => {
  const pages: Record<string, unknown> = {
    "": {
      data: [{ id: "a", display_name: "A", created_at: "2025-01-01T00:00:00Z", max_input_tokens: 200000 }],
      has_more: true,
      last_id: "a",
    },
    a: { data: [{ id: "b" }, { id: "a" }], has_more: true, last_id: "b" },
    b: { data: [{ id: "c" }], has_more: false, last_id: "c" },
  };
  const fake = fakeFetch((url) => json(pages[url.searchParams.get("after_id") ?? ""]));
  const models = await createAnthropicProvider({ apiKey: KEY, fetch: fake.fetch }).listModels();
  assert.deepEqual(models, [
    { id: "a", displayName: "A", createdAt: "2025-01-01T00:00:00Z", contextWindow: 200000 },
    { id: "b" },
    { id: "c" },
  ]);
  assert.equal(fake.requests.length, 3);
  assert.equal(fake.requests[0].url.pathname, "/v1/models");
  assert.equal(fake.requests[1].url.searchParams.get("after_id"), "a");

  // a server that always says has_more: bounded
  let n = 0;
  const endless = fakeFetch(() => json({ data: [{ id: `m${n++}` }], has_more: true }));
  const many = await createAnthropicProvider({ apiKey: KEY, fetch: endless.fetch }).listModels();
  assert.ok(endless.requests.length <= 50 && many.length === endless.requests.length);
  // the same last_id again: stops
  const stuck = fakeFetch(() => json({ data: [{ id: "x" }], has_more: true, last_id: "x" }));
  await createAnthropicProvider({ apiKey: KEY, fetch: stuck.fetch }).listModels();
  assert.equal(stuck.requests.length, 2);
  // no data array
  const broken = fakeFetch(() => json({ models: [] }));
  await assert.rejects(
    createAnthropicProvider({ apiKey: KEY, fetch: broken.fetch }).listModels(),
    (e) => e instanceof SwebenchError && e.kind === "server",
  );
  assert.deepEqual(decodeAnthropicModelPage({ data: [null, { id: "" }, { id: "z" }] }), {
    models: [{ id: "z" }],
    hasMore: false,
    lastId: "z",
  });
});

Deno.test("transport: countTokens exact, cached per request hash, errors and offline fallback", async () => {
  const fake = fakeFetch((_url, body) => json({ input_tokens: 10 + JSON.stringify(body).length }));
  const p = createAnthropicProvider({ apiKey: KEY, fetch: fake.fetch });
  const req = { model: "claude-sonnet-4-5", system: "S", prompt: "hello", maxTokens: 9, temperature: 2 };
  const first = await p.countTokens(req);
  assert.equal(first.method, "exact");
  assert.equal(first.errorBound, 0);
  assert.equal(fake.requests[0].url.pathname, "/v1/messages/count_tokens");
  assert.deepEqual(fake.requests[0].body, {
    model: "claude-sonnet-4-5",
    system: "S",
    messages: [{ role: "user", content: "hello" }],
  });
  assert.deepEqual(
    await p.countTokens({ ...req, maxTokens: 100 }),
    first,
    "same model+system+prompt: cached",
  );
  assert.equal(fake.requests.length, 1);
  await Promise.all([p.countTokens({ ...req, prompt: "other" }), p.countTokens({ ...req, prompt: "other" })]);
  assert.equal(fake.requests.length, 2, "concurrent identical counts share one request");
  await p.countTokens({ ...req, system: undefined });
  assert.equal(fake.requests.length, 3);

  // an API error (unknown model) is reported, not estimated, and not cached
  const notFound = fakeFetch(() => json(JSON.parse(readCapture("error-404-count-tokens.json")), 404));
  const q = createAnthropicProvider({ apiKey: KEY, fetch: notFound.fetch });
  for (let i = 0; i < 2; i++) {
    await assert.rejects(
      q.countTokens({ model: "claude-does-not-exist", prompt: "hello" }),
      (e) =>
        e instanceof SwebenchError && e.kind === "model_not_found" &&
        e.requestId === "req_011CVEA3SF7rnb3DuBZytqQa",
    );
  }
  assert.equal(notFound.requests.length, 2);

  // no network: the estimate, with its bound
  const down = fakeFetch(() => Promise.reject(new TypeError("fetch failed")));
  const offline = await createAnthropicProvider({ apiKey: KEY, fetch: down.fetch })
    .countTokens({ model: "claude-sonnet-4-5", prompt: "hello world" });
  assert.equal(offline.method, "estimate");
  assert.equal(offline.errorBound, 0.25);
  assert.ok(offline.tokens > 0);

  // a body without input_tokens
  const odd = fakeFetch(() => json({ tokens: 3 }));
  await assert.rejects(
    createAnthropicProvider({ apiKey: KEY, fetch: odd.fetch }).countTokens({ model: "m", prompt: "p" }),
    (e) => e instanceof SwebenchError && e.kind === "server",
  );
});
