/**
 * Gemini answers that are unusual but valid: the stream as one JSON array (Google's format without `alt=sse`, from
 * a proxy that drops the query or collects the stream), an error object in a 200 body, keep-alive comments and a
 * proxy's `[DONE]`, usage only on the last event, several candidates, thought parts, a stream that stops before
 * any finish reason.
 */
import assert from "node:assert/strict";
import {
  assertNoKey,
  geminiEvents,
  geminiResponse,
  PLAIN_STYLE,
  sse,
  streamError,
  terminal,
  TEXT,
  textOf,
} from "./_bodies.ts";
import { failed, generateFrom, streamFrom, succeeded } from "./_providers.ts";

const chunk = (text: string | undefined, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    candidates: [{
      ...(text === undefined ? {} : { content: { parts: [{ text }], role: "model" } }),
      index: 0,
      ...extra,
    }],
    modelVersion: "gemini-2.5-flash",
  });
const usage = { promptTokenCount: 7, candidatesTokenCount: 3, totalTokenCount: 10 };

Deno.test("gemini: the stream as one JSON array (no alt=sse) is the same answer, plain or streamed", async () => {
  const array = JSON.stringify(geminiEvents().map((e) => JSON.parse(e.data)), null, 2);
  for (const contentType of ["application/json; charset=UTF-8", "text/event-stream"]) {
    const plain = succeeded(await generateFrom("gemini", { body: array, contentType }));
    assert.equal(plain.content, TEXT);
    assert.equal(plain.finishReason, "stop");
    assert.equal(plain.usage.totalTokens, 55);
    const events = await streamFrom("gemini", { body: array, contentType });
    assert.equal(terminal(events).type, "finish", JSON.stringify(events.at(-1)));
    assert.equal(textOf(events), TEXT);
  }
});

Deno.test("gemini: an error object in a 200 body, or in a JSON-array stream, is classified, never a success", async () => {
  const overloaded = JSON.stringify({
    error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" },
  });
  assert.equal(failed(await generateFrom("gemini", { body: overloaded }), "overloaded").retryable, true);
  const array = `[${chunk("half")},${overloaded}]`;
  failed(await generateFrom("gemini", { body: array }), ["overloaded", "server"]);
});

Deno.test("gemini: keep-alive comments, a proxy's [DONE], usage on the last event only, thought parts skipped", async () => {
  const body = ": ping\n\n" + `data: ${chunk("Hel")}\n\n` + ": keep-alive\n\n" +
    `data: ${
      JSON.stringify({
        candidates: [{ content: { parts: [{ text: "thinking...", thought: true }] }, index: 0 }],
      })
    }\n\n` +
    `data: ${
      chunk("lo", { finishReason: "STOP" }).replace(
        '"modelVersion"',
        `"usageMetadata":${JSON.stringify(usage)},"modelVersion"`,
      )
    }\n\n` +
    "data: [DONE]\n\n";
  const events = await streamFrom("gemini", { body });
  const last = terminal(events);
  assert.ok(last.type === "finish" && last.usage.totalTokens === 10 && last.finishReason === "stop");
  assert.equal(textOf(events), "Hello");
  assertNoKey(events);
});

Deno.test("gemini: several candidates: the answer is candidate 0's, the stream ends when every one has finished", async () => {
  const two = (a: string, b: string, finish: boolean) =>
    JSON.stringify({
      candidates: [
        { content: { parts: [{ text: a }] }, index: 0, ...(finish ? { finishReason: "STOP" } : {}) },
        { content: { parts: [{ text: b }] }, index: 1, ...(finish ? { finishReason: "STOP" } : {}) },
      ],
      usageMetadata: usage,
    });
  const body = sse([{ data: two("A1", "B1", false) }, { data: two("A2", "B2", true) }], PLAIN_STYLE);
  const events = await streamFrom("gemini", { body });
  assert.equal(terminal(events).type, "finish");
  assert.equal(textOf(events), "A1A2");
});

Deno.test("gemini: a stream that ends before any finish reason is a retryable connection error, not a short answer", async () => {
  const body = `data: ${chunk("par")}\n\ndata: ${chunk("tial")}\n\n`;
  const e = streamError(await streamFrom("gemini", { body }), "connection");
  assert.equal(e.retryable, true);
  failed(
    await generateFrom("gemini", { body, contentType: "text/event-stream" }, { stream: true }),
    "connection",
  );
  // A plain call answered with such an event stream: the same.
  failed(await generateFrom("gemini", { body, contentType: "text/event-stream" }), "connection");
  // The canonical answer is complete: a sanity check that the cases above fail for what they lack.
  assert.equal(
    succeeded(await generateFrom("gemini", { body: JSON.stringify(geminiResponse()) })).content,
    TEXT,
  );
});
