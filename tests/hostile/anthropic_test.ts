/**
 * Anthropic streams that are unusual but valid: pings anywhere, event types added after our code was written
 * (ignored, per Anthropic's versioning policy), thinking + signature before text, several text blocks, partial
 * usage, error events after a 200, a missing message_stop, proxies without `event:` lines.
 */
import assert from "node:assert/strict";
import {
  anthropicEvents,
  anthropicMessage,
  assertNoKey,
  KEY,
  PLAIN_STYLE,
  sse,
  streamError,
  terminal,
  TEXT,
  textOf,
} from "./_bodies.ts";
import { failed, generateFrom, streamFrom, succeeded } from "./_providers.ts";

const ev = (type: string, rest: Record<string, unknown> = {}, name: string | null = type) =>
  `${name === null ? "" : `event: ${name}\n`}data: ${JSON.stringify({ type, ...rest })}\n\n`;
const start = (usage: Record<string, unknown> = { input_tokens: 10, output_tokens: 1 }) =>
  ev("message_start", {
    message: {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-x",
      content: [],
      stop_reason: null,
      usage,
    },
  });
const blockStart = (index: number, block: Record<string, unknown>) =>
  ev("content_block_start", { index, content_block: block });
const textDelta = (index: number, text: string) =>
  ev("content_block_delta", { index, delta: { type: "text_delta", text } });
const blockStop = (index: number) => ev("content_block_stop", { index });
const messageDelta = (usage: Record<string, unknown> | undefined, stop = "end_turn") =>
  ev("message_delta", { delta: { stop_reason: stop, stop_sequence: null }, ...(usage ? { usage } : {}) });
const STOP = ev("message_stop");

async function finishOf(body: string) {
  const events = await streamFrom("anthropic", { body });
  const last = terminal(events);
  assert.equal(last.type, "finish", JSON.stringify(last));
  assertNoKey(events);
  return { events, last: last as Extract<typeof last, { type: "finish" }>, text: textOf(events) };
}

Deno.test("anthropic: ping events before message_start, between every event, with data and without", async () => {
  const ping = ev("ping");
  const body = ping + "event: ping\ndata: {}\n\n" + start() + ping +
    blockStart(0, { type: "text", text: "" }) + ping +
    textDelta(0, "a") + "event: ping\ndata:\n\n" + textDelta(0, "b") + ping + blockStop(0) +
    messageDelta({ output_tokens: 3 }) +
    ping + STOP + ping;
  const r = await finishOf(body);
  assert.equal(r.text, "ab");
  assert.equal(r.last.usage.totalTokens, 13);
});

Deno.test("anthropic: unknown event types (JSON or not, named or typed) are ignored", async () => {
  const body = start() + ev("content_block_citation_added", { index: 0, citation: {} }) +
    blockStart(0, { type: "text", text: "" }) + "event: message_annotation\ndata: this is not JSON\n\n" +
    textDelta(0, "a") +
    ev("content_block_delta", { index: 0, delta: { type: "citations_delta", citation: {} } }) +
    ev("content_block_delta", { index: 0, delta: { type: "future_delta", text: "NOT TEXT" } }) +
    ev("brand_new_event", { text: "NOT TEXT" }, null) + textDelta(0, "b") + blockStop(0) +
    messageDelta({ output_tokens: 3 }) + STOP;
  assert.equal((await finishOf(body)).text, "ab");
});

Deno.test("anthropic: thinking blocks with signature deltas, redacted thinking, tool_use: none of it is text", async () => {
  const body = start() + blockStart(0, { type: "thinking", thinking: "", signature: "" }) +
    ev("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "Let me think 🤔" } }) +
    ev("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "EqQBCgIYAhIM" } }) +
    blockStop(0) +
    blockStart(1, { type: "redacted_thinking", data: "EmwKAhgBEgy" }) + blockStop(1) +
    blockStart(2, { type: "text", text: "" }) + textDelta(2, "Answer") + blockStop(2) +
    blockStart(3, { type: "tool_use", id: "toolu_1", name: "f", input: {} }) +
    ev("content_block_delta", { index: 3, delta: { type: "input_json_delta", partial_json: '{"a":1}' } }) +
    blockStop(3) +
    messageDelta({ output_tokens: 50 }, "tool_use") + STOP;
  const r = await finishOf(body);
  assert.equal(r.text, "Answer");
  assert.equal(r.last.finishReason, "tool_calls");
});

Deno.test("anthropic: several text blocks are concatenated in order", async () => {
  const body = start() + blockStart(0, { type: "text", text: "" }) + textDelta(0, "one ") + blockStop(0) +
    blockStart(1, { type: "text", text: "" }) + textDelta(1, "two") + blockStop(1) +
    messageDelta({ output_tokens: 2 }) + STOP;
  assert.equal((await finishOf(body)).text, "one two");
});

Deno.test("anthropic: message_delta usage partially present keeps message_start's other fields; full usage replaces", async () => {
  let r = await finishOf(
    start({
      input_tokens: 100,
      cache_read_input_tokens: 20,
      cache_creation_input_tokens: 5,
      output_tokens: 1,
    }) +
      blockStart(0, { type: "text", text: "" }) + textDelta(0, "x") + messageDelta({ output_tokens: 9 }) +
      STOP,
  );
  assert.equal(r.last.usage.promptTokens, 125);
  assert.equal(r.last.usage.completionTokens, 9);
  assert.equal(r.last.usage.cacheReadTokens, 20);
  // No usage at all on message_delta; then message_delta with the newer cumulative input fields too.
  r = await finishOf(start() + textDelta(0, "x") + messageDelta(undefined) + STOP);
  assert.equal(r.last.usage.promptTokens, 10);
  assert.equal(r.last.usage.completionTokens, 1);
  r = await finishOf(
    start() + textDelta(0, "x") +
      messageDelta({
        input_tokens: 12,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
        output_tokens: 4,
      }) + STOP,
  );
  assert.equal(r.last.usage.totalTokens, 16);
});

Deno.test("anthropic: error events after a 200 are one error of the right kind, never a truncated success", async () => {
  const err = (type: string, message = "x") => ev("error", { error: { type, message }, request_id: "req_e" });
  const cases: [string, string][] = [
    [err("overloaded_error", "Overloaded"), "overloaded"],
    [err("api_error", "Internal server error"), "server"],
    [err("rate_limit_error"), "rate_limit"],
    [ev("error", { error: { type: "overloaded_error", message: "Overloaded" } }, null), "overloaded"],
    ["event: error\ndata: upstream request timeout\n\n", ["server", "timeout"] as unknown as string],
  ];
  for (const [error, kind] of cases) {
    const events = await streamFrom("anthropic", {
      body: start() + blockStart(0, { type: "text", text: "" }) + textDelta(0, "partial") + error +
        textDelta(0, " more") + STOP,
    });
    const e = streamError(events, kind);
    assert.equal(textOf(events), "partial");
    assert.ok(e.retryable, e.kind);
  }
});

Deno.test("anthropic: an error event that echoes the key is redacted", async () => {
  const body = start() +
    ev("error", { error: { type: "authentication_error", message: `invalid x-api-key ${KEY}` } });
  const e = streamError(await streamFrom("anthropic", { body }), "authentication");
  assert.match(e.message, /invalid x-api-key/);
  const plain = await generateFrom("anthropic", {
    body: JSON.stringify({
      type: "error",
      error: { type: "authentication_error", message: `bad key ${KEY}` },
    }),
  });
  failed(plain, "authentication");
});

Deno.test("anthropic: message_stop missing is one connection error (with or without message_delta)", async () => {
  for (
    const body of [
      start() + blockStart(0, { type: "text", text: "" }) + textDelta(0, "x") + blockStop(0) +
      messageDelta({ output_tokens: 2 }),
      start() + textDelta(0, "x"),
      start(),
      "",
      ": just a comment\n\n",
    ]
  ) {
    streamError(await streamFrom("anthropic", { body }), "connection");
  }
});

Deno.test("anthropic: a proxy that drops `event:` lines (type only in data) still works", async () => {
  const body = sse(anthropicEvents(), PLAIN_STYLE).split("\n").filter((l) => !l.startsWith("event:")).join(
    "\n",
  );
  const r = await finishOf(body);
  assert.equal(r.text, TEXT);
  assert.equal(r.last.usage.totalTokens, 65);
});

Deno.test("anthropic: a proxy that labels the stream as JSON, and a plain call answered with a stream", async () => {
  const body = sse(anthropicEvents(), PLAIN_STYLE);
  for (
    const type of [
      "application/json",
      "application/x-ndjson",
      "text/plain",
      "text/event-stream;charset=UTF-8",
    ]
  ) {
    const events = await streamFrom("anthropic", { body, contentType: type });
    assert.equal(textOf(events), TEXT, type);
    assert.equal(terminal(events).type, "finish", type);
  }
  for (const type of ["text/event-stream", "application/json"]) {
    const r = succeeded(await generateFrom("anthropic", { body, contentType: type }));
    assert.equal(r.content, TEXT, type);
  }
});

Deno.test("anthropic: a stream call answered with a whole message; plain bodies that are not a message", async () => {
  const events = await streamFrom("anthropic", {
    body: JSON.stringify(anthropicMessage()),
    contentType: "application/json",
  });
  assert.equal(textOf(events), TEXT);
  assert.equal(terminal(events).type, "finish");
  failed(await generateFrom("anthropic", { body: "" }), "server");
  // A login page with status 200: a proxy or captive portal, named as such (html_page: not retried, not done).
  failed(
    await generateFrom("anthropic", { body: "<html><title>Login</title></html>", contentType: "text/html" }),
    "html_page",
  );
  failed(await generateFrom("anthropic", { body: '{"type":"message","content":[{"type":"te' }), "server");
  const html = await streamFrom("anthropic", {
    body: "<html><title>Login</title></html>",
    contentType: "text/html",
  });
  assert.match(streamError(html, "html_page").message, /HTML page .* a proxy or login page is in the way/);
});

Deno.test("anthropic: an event-stream label on a JSON body (whole message, error body) or an HTML page", async () => {
  const whole = await streamFrom("anthropic", {
    body: JSON.stringify(anthropicMessage()),
    contentType: "text/event-stream",
  });
  assert.equal(textOf(whole), TEXT);
  assert.equal(terminal(whole).type, "finish");
  const error = {
    type: "error",
    error: { type: "invalid_request_error", message: "prompt is too long: 210000 tokens > 200000 maximum" },
  };
  const events = await streamFrom("anthropic", {
    body: JSON.stringify(error),
    contentType: "text/event-stream",
  });
  assert.equal(streamError(events, "context_length").retryable, false);
  const html = await streamFrom("anthropic", {
    body: "<html><title>Blocked</title></html>",
    contentType: "text/event-stream",
  });
  assert.match(streamError(html, "html_page").message, /HTML page .* a proxy or login page is in the way/);
});

Deno.test("anthropic: a 1 MB single delta event and a 1 MB plain message", async () => {
  const big = "✓".repeat(350_000);
  const r = await finishOf(
    start() + blockStart(0, { type: "text", text: "" }) + textDelta(0, big) +
      messageDelta({ output_tokens: 1 }) + STOP,
  );
  assert.equal(r.text, big);
  assert.equal(
    succeeded(await generateFrom("anthropic", { body: JSON.stringify(anthropicMessage(big)) })).content,
    big,
  );
});
