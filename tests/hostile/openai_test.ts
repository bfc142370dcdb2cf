/**
 * OpenAI-compatible servers that are unusual but real: Azure's `choices: []` first chunk, n>1, vLLM/llama.cpp
 * without [DONE], usage in every chunk, DeepSeek reasoning_content, tool calls, error events, odd content types.
 */
import assert from "node:assert/strict";
import {
  assertNoKey,
  KEY,
  openAICompletion,
  openAIEvents,
  PLAIN_STYLE,
  sse,
  streamError,
  terminal,
  TEXT,
  textOf,
} from "./_bodies.ts";
import { failed, generateFrom, streamFrom, succeeded } from "./_providers.ts";

const base = { id: "chatcmpl-x", object: "chat.completion.chunk", created: 1, model: "m-1" };
const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`;
const delta = (content: unknown, finish: string | null = null, index = 0) =>
  chunk([{ index, delta: { content }, finish_reason: finish }]);
const usage = { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 };
const DONE = "data: [DONE]\n\n";

async function finishOf(body: string, contentType?: string) {
  const events = await streamFrom("openai", { body, contentType });
  const last = terminal(events);
  assert.equal(last.type, "finish", JSON.stringify(last));
  assertNoKey(events);
  return { events, last: last as Extract<typeof last, { type: "finish" }>, text: textOf(events) };
}

Deno.test("openai: Azure-style first chunk with choices: [] and prompt_filter_results, then a normal stream", async () => {
  const body =
    chunk([], { prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }], model: "" }) +
    delta("Hello") + delta(" world", "stop") + chunk([], { usage }) + DONE;
  const { text, last } = await finishOf(body);
  assert.equal(text, "Hello world");
  assert.equal(last.usage.totalTokens, 12);
  assert.equal(last.model, "m-1"); // the empty model of the first chunk does not stick
});

Deno.test("openai: n>1 choices interleaved: only index 0 is text, its finish_reason wins", async () => {
  const body = chunk([{ index: 1, delta: { role: "assistant", content: "" } }, {
    index: 0,
    delta: { role: "assistant" },
  }]) +
    delta("B-one", null, 1) + delta("A-one") + delta("", "length", 1) + delta("A-two") +
    chunk([{ index: 0, delta: {}, finish_reason: "stop" }]) + DONE;
  const { text, last } = await finishOf(body);
  assert.equal(text, "A-oneA-two");
  assert.equal(last.finishReason, "stop");
});

Deno.test("openai: role-only first chunk, content null, choices without index", async () => {
  const body = chunk([{ delta: { role: "assistant" } }]) + chunk([{ delta: { content: null } }]) +
    chunk([{ delta: { content: "ok" } }]) + chunk([{ delta: {}, finish_reason: "stop" }]) + DONE;
  assert.equal((await finishOf(body)).text, "ok");
});

Deno.test("openai: usage only on the finish chunk; usage (cumulative) on every chunk (vLLM continuous_usage_stats)", async () => {
  let r = await finishOf(
    delta("a") + chunk([{ index: 0, delta: { content: "b" }, finish_reason: "stop" }], { usage }) + DONE,
  );
  assert.equal(r.text, "ab");
  assert.equal(r.last.usage.totalTokens, 12);
  const u = (n: number) => ({ prompt_tokens: 5, completion_tokens: n, total_tokens: 5 + n });
  r = await finishOf(
    chunk([{ index: 0, delta: { content: "a" } }], { usage: u(1) }) +
      chunk([{ index: 0, delta: { content: "b" } }], { usage: u(2) }) +
      chunk([{ index: 0, delta: {}, finish_reason: "stop" }], { usage: u(2) }) + chunk([], { usage: u(2) }) +
      DONE,
  );
  assert.equal(r.text, "ab");
  assert.equal(r.last.usage.totalTokens, 7);
});

Deno.test("openai: finish_reason in the same chunk as the last content; no [DONE] (vLLM, llama.cpp)", async () => {
  let r = await finishOf(delta("Hel") + delta("lo", "stop"));
  assert.equal(r.text, "Hello");
  assert.equal(r.last.finishReason, "stop");
  // No [DONE] but the usage chunk after the finish chunk still counts.
  r = await finishOf(delta("Hel") + delta("lo", "length") + chunk([], { usage }));
  assert.equal(r.last.finishReason, "length");
  assert.equal(r.last.usage.totalTokens, 12);
});

Deno.test("openai: [DONE] with padding, without the space, with CRLF, as the last bytes without a newline", async () => {
  for (
    const done of [
      "data: [DONE]   \n\n",
      "data:[DONE]\n\n",
      "data: [DONE]\r\n\r\n",
      "data: [DONE]",
      "data: [DONE]\t \n",
    ]
  ) {
    const r = await finishOf(delta("x") + delta("y", "stop") + done);
    assert.equal(r.text, "xy");
  }
  // [DONE] before any finish_reason still finishes (stop) when chunks came.
  assert.equal((await finishOf(delta("x") + DONE)).last.finishReason, "stop");
});

Deno.test("openai: an error event mid-stream (bare, `event: error`, vLLM object:error, non-JSON) is one error", async () => {
  const cases: [string, string][] = [
    [
      `data: ${
        JSON.stringify({ error: { message: "The server had an error", type: "server_error", code: null } })
      }\n\n`,
      "server",
    ],
    [
      `event: error\ndata: ${
        JSON.stringify({ error: { message: "Overloaded", type: "overloaded_error" } })
      }\n\n`,
      "overloaded",
    ],
    [
      `data: ${
        JSON.stringify({ object: "error", message: "upstream died", type: "InternalServerError", code: 500 })
      }\n\n`,
      "server",
    ],
    [
      `data: ${
        JSON.stringify({
          error: { message: "Rate limit reached", type: "tokens", code: "rate_limit_exceeded" },
        })
      }\n\n`,
      "rate_limit",
    ],
    ["event: error\ndata: upstream connect error or disconnect/reset before headers\n\n", "server"],
  ];
  for (const [errorEvent, kind] of cases) {
    const events = await streamFrom("openai", {
      body: delta("partial ") + errorEvent + delta("more", "stop") + DONE,
    });
    const error = streamError(events, kind);
    assert.equal(textOf(events), "partial ");
    assert.ok(error.message.length > 0);
  }
  const events = await streamFrom("openai", { body: "event: error\ndata: upstream connect error\n\n" });
  assert.match(streamError(events, "server").message, /upstream connect error/);
});

Deno.test("openai: an error event that echoes the API key is redacted everywhere", async () => {
  const leak = {
    error: {
      message: `Incorrect API key provided: ${KEY}.`,
      type: "invalid_request_error",
      code: "invalid_api_key",
    },
  };
  const events = await streamFrom("openai", { body: delta("x") + `data: ${JSON.stringify(leak)}\n\n` });
  const error = streamError(events, "authentication");
  assert.match(error.message, /Incorrect API key/);
  const plain = await generateFrom("openai", { body: JSON.stringify(leak) });
  failed(plain, "authentication");
});

Deno.test("openai: tool_call deltas are not text; finish_reason tool_calls", async () => {
  const tool = (args: string, first = false) =>
    chunk([{
      index: 0,
      delta: {
        tool_calls: [{
          index: 0,
          ...(first ? { id: "call_1", type: "function" } : {}),
          function: { ...(first ? { name: "f" } : {}), arguments: args },
        }],
      },
    }]);
  const body = delta("I will call.") + tool('{"a":', true) + tool("1}") +
    chunk([{ index: 0, delta: {}, finish_reason: "tool_calls" }]) + DONE;
  const r = await finishOf(body);
  assert.equal(r.text, "I will call.");
  assert.equal(r.last.finishReason, "tool_calls");
});

Deno.test("openai: reasoning deltas (DeepSeek reasoning_content, OpenRouter/vLLM reasoning) are not text", async () => {
  // Decision: reasoning is the model's scratchpad, not its answer; a patch must come from `content` only.
  const body =
    chunk([{ index: 0, delta: { role: "assistant", content: null, reasoning_content: "Let me think" } }]) +
    chunk([{
      index: 0,
      delta: {
        content: null,
        reasoning: "…more",
        reasoning_details: [{ type: "reasoning.text", text: "x" }],
      },
    }]) +
    delta("Answer") + delta("", "stop") + DONE;
  assert.equal((await finishOf(body)).text, "Answer");
});

Deno.test("openai: unknown fields everywhere, system_fingerprint, logprobs, obfuscation", async () => {
  const body = `data: ${
    JSON.stringify({
      ...base,
      system_fingerprint: "fp",
      service_tier: "default",
      x_groq: { id: "q" },
      choices: [{
        index: 0,
        delta: { content: "A", annotations: [], future: { a: 1 } },
        logprobs: { content: [] },
        finish_reason: null,
        stop_reason: null,
      }],
      obfuscation: "abc",
    })
  }\n\n` + delta("B", "stop") + DONE;
  assert.equal((await finishOf(body)).text, "AB");
});

Deno.test("openai: content-type variants and mislabels still give the stream", async () => {
  const body = sse(openAIEvents(), PLAIN_STYLE);
  for (
    const type of [
      "text/event-stream;charset=UTF-8",
      "TEXT/EVENT-STREAM; Charset=utf-8",
      "text/event-stream",
      "text/plain; charset=utf-8",
      "application/x-ndjson",
      "application/json",
      "application/octet-stream",
    ]
  ) {
    const r = await finishOf(body, type);
    assert.equal(r.text, TEXT, type);
  }
  // No content-type at all.
  const events = await streamFrom("openai", { body, contentType: null });
  assert.equal(textOf(events), TEXT);
  assert.equal(terminal(events).type, "finish");
});

Deno.test("openai: a plain call answered with a stream (a proxy that forces stream), labelled or not", async () => {
  for (const type of ["text/event-stream", "application/json"]) {
    const r = succeeded(
      await generateFrom("openai", { body: sse(openAIEvents(), PLAIN_STYLE), contentType: type }),
    );
    assert.equal(r.content, TEXT, type);
    assert.equal(r.usage.totalTokens, 60);
  }
});

Deno.test("openai: a stream call answered with a whole completion (server ignored stream: true)", async () => {
  for (const type of ["application/json", "application/json; charset=utf-8"]) {
    const events = await streamFrom("openai", {
      body: JSON.stringify(openAICompletion()),
      contentType: type,
    });
    assert.equal(textOf(events), TEXT);
    assert.equal(terminal(events).type, "finish");
  }
});

Deno.test("openai: named events the protocol does not define (with non-JSON data) are ignored", async () => {
  const body = "event: ping\ndata: ping\n\n" + "event: heartbeat\ndata: tick\n\n" + delta("a") +
    "event: keep-alive\ndata:\n\n" + "event: message\n" + delta("b", "stop") + DONE;
  assert.equal((await finishOf(body)).text, "ab");
});

Deno.test("openai: a 1 MB single event (one huge delta) and a 1 MB plain body", async () => {
  const big = "✓".repeat(350_000); // 1 MB of UTF-8
  assert.equal((await finishOf(delta(big) + delta("", "stop") + DONE)).text, big);
  const r = succeeded(await generateFrom("openai", { body: JSON.stringify(openAICompletion(big)) }));
  assert.equal(r.content, big);
});

Deno.test("openai: plain 200 bodies that are not a completion throw the right kind", async () => {
  failed(await generateFrom("openai", { body: "" }), "server");
  failed(
    await generateFrom("openai", {
      body: "<html><head><title>Proxy Login</title></head></html>",
      contentType: "text/html",
    }),
    "html_page",
  );
  failed(await generateFrom("openai", { body: '{"choices":[{"message":{"content":"trunc' }), "server");
  failed(await generateFrom("openai", { body: '{"object":"list","data":[]}' }), "server");
  // BOM and whitespace around a valid body are fine.
  const r = succeeded(
    await generateFrom("openai", { body: `\uFEFF \n${JSON.stringify(openAICompletion())}\n\n` }),
  );
  assert.equal(r.content, TEXT);
});

Deno.test("openai: an event-stream label on a JSON body (whole completion, error object) or an HTML page", async () => {
  const whole = await streamFrom("openai", {
    body: JSON.stringify(openAICompletion()),
    contentType: "text/event-stream",
  });
  assert.equal(textOf(whole), TEXT);
  assert.equal(terminal(whole).type, "finish");
  // The error's own kind, not a retryable "stream ended early".
  const tooLong = {
    error: {
      message: "This model's maximum context length is 8192 tokens",
      type: "invalid_request_error",
      code: "context_length_exceeded",
    },
  };
  const events = await streamFrom("openai", {
    body: `\n ${JSON.stringify(tooLong)}\n`,
    contentType: "text/event-stream",
  });
  assert.equal(streamError(events, "context_length").retryable, false);
  const html = await streamFrom("openai", {
    body: "\uFEFF\r\n<!DOCTYPE html><html><head><title>Sign in · Proxy</title></head></html>",
    contentType: "text/event-stream",
  });
  assert.match(streamError(html, "html_page").message, /HTML page \("Sign in · Proxy"\)/);
});

Deno.test("openai: content as an array of parts (Mistral): text parts are the text, thinking parts are not", async () => {
  const parts = (p: unknown[]) => chunk([{ index: 0, delta: { content: p } }]);
  const body = parts([{ type: "thinking", thinking: [{ type: "text", text: "hmm" }] }]) +
    parts([{ type: "text", text: "He" }]) +
    parts([{ type: "text", text: "llo" }, { type: "image_url", image_url: { url: "x" } }]) +
    delta(" world", "stop") + DONE;
  assert.equal((await finishOf(body)).text, "Hello world");
  const completion = openAICompletion();
  (completion.choices as { message: { content: unknown } }[])[0].message.content = [
    { type: "thinking", thinking: [{ type: "text", text: "hmm" }] },
    { type: "text", text: TEXT },
  ];
  assert.equal(succeeded(await generateFrom("openai", { body: JSON.stringify(completion) })).content, TEXT);
});

Deno.test("openai: Groq's x_groq.usage on the last chunk is the usage", async () => {
  const body = delta("a") +
    chunk([{ index: 0, delta: {}, finish_reason: "stop" }], { x_groq: { id: "req_1", usage } }) + DONE;
  assert.equal((await finishOf(body)).last.usage.totalTokens, 12);
});
