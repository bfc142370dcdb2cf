/**
 * Ollama NDJSON that is unusual but real: thinking fields, empty content lines, CRLF, a last line without newline,
 * error lines inside a 200 stream, extra fields, done_reason load/unload, counts missing from the done line, and
 * servers (or proxies) that stream although `stream: false` was sent.
 */
import assert from "node:assert/strict";
import { assertNoKey, KEY, ndjson, ollamaLines, streamError, terminal, TEXT, textOf } from "./_bodies.ts";
import { failed, generateFrom, streamFrom, succeeded } from "./_providers.ts";

const base = { model: "qwen2.5-coder:7b", created_at: "2025-01-01T00:00:00Z" };
const line = (content: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...base, message: { role: "assistant", content }, done: false, ...extra }) + "\n";
const done = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ...base,
    message: { role: "assistant", content: "" },
    done: true,
    done_reason: "stop",
    prompt_eval_count: 3,
    eval_count: 4,
    ...extra,
  });

async function finishOf(body: string) {
  const events = await streamFrom("ollama", { body });
  const last = terminal(events);
  assert.equal(last.type, "finish", JSON.stringify(last));
  assertNoKey(events);
  return { events, last: last as Extract<typeof last, { type: "finish" }>, text: textOf(events) };
}

Deno.test("ollama: thinking fields and empty content lines are not text", async () => {
  const body = line("", { message: { role: "assistant", content: "", thinking: "hmm 🤔" } }) + line("") +
    line("Hel", { message: { role: "assistant", content: "Hel", thinking: "" } }) + line("") + line("lo") +
    done() + "\n";
  const r = await finishOf(body);
  assert.equal(r.text, "Hello");
  assert.equal(r.last.usage.totalTokens, 7);
});

Deno.test("ollama: CRLF lines, blank lines, a final line without newline, extra fields", async () => {
  const body = line("a", { extra_field: { x: 1 }, images: null }).replace("\n", "\r\n") + "\r\n\r\n   \r\n" +
    line("b").replace("\n", "\r\n") + done({ context: [1, 2, 3], new_metric: 5 });
  const r = await finishOf(body);
  assert.equal(r.text, "ab");
});

Deno.test("ollama: text on the done line itself counts", async () => {
  const body = line("a") + done({ message: { role: "assistant", content: "b" } });
  assert.equal((await finishOf(body)).text, "ab");
});

Deno.test("ollama: an error line mid-stream is one error (never text), kind from its words", async () => {
  const cases: [string, string][] = [
    [JSON.stringify({ error: "an error was encountered while running the model: unexpected EOF" }), "server"],
    [JSON.stringify({ error: "model 'qwen9:1b' not found" }), "model_not_found"],
    [
      JSON.stringify({ error: "server busy, please try again.  maximum pending requests exceeded" }),
      "overloaded",
    ],
    [JSON.stringify({ error: { message: "upstream error", code: 500 } }), "server"],
  ];
  for (const [err, kind] of cases) {
    const events = await streamFrom("ollama", { body: line("partial") + err + "\n" + line("more") + done() });
    streamError(events, kind);
    assert.equal(textOf(events), "partial");
  }
});

Deno.test("ollama: an error line that echoes the bearer key is redacted", async () => {
  const events = await streamFrom("ollama", {
    body: line("x") + JSON.stringify({ error: `unauthorized: token ${KEY}` }) + "\n",
  });
  streamError(events, ["server", "authentication"]);
  const plain = await generateFrom("ollama", {
    body: JSON.stringify({ error: `unauthorized: token ${KEY}` }),
  });
  failed(plain, ["server", "authentication"]);
});

Deno.test("ollama: done_reason load/unload/length and counts missing from the done line", async () => {
  // load / unload: the server's answer to an empty chat (it loaded or unloaded the model). For our calls they end the
  // stream normally; the finish reason is stop with the raw reason kept.
  for (const reason of ["load", "unload"]) {
    const r = await finishOf(line("x") + done({ done_reason: reason }));
    assert.equal(r.last.finishReason, "stop");
    assert.equal(r.last.rawFinishReason, reason);
  }
  assert.equal((await finishOf(line("x") + done({ done_reason: "length" }))).last.finishReason, "length");
  // Ollama leaves out prompt_eval_count when the whole prompt came from its cache: usage counts what was sent.
  const r = await finishOf(
    line("x") +
      JSON.stringify({ ...base, message: { role: "assistant", content: "" }, done: true, eval_count: 4 }),
  );
  assert.equal(r.last.usage.promptTokens, 0);
  assert.equal(r.last.usage.completionTokens, 4);
});

Deno.test("ollama: a stream without its done line is one connection error; a cut mid-line one error", async () => {
  streamError(await streamFrom("ollama", { body: line("a") + line("b") }), "connection");
  streamError(await streamFrom("ollama", { body: "" }), "connection");
  const cut = line("a") + done().slice(0, 30);
  streamError(await streamFrom("ollama", { body: cut }), ["server", "connection"]);
});

Deno.test("ollama: a plain call answered with NDJSON lines (server or proxy that always streams)", async () => {
  const body = ndjson(ollamaLines(), { eol: "lf", blanks: false, pad: false, finalNewline: true });
  for (const type of ["application/x-ndjson", "application/json; charset=utf-8"]) {
    const r = succeeded(await generateFrom("ollama", { body, contentType: type }));
    assert.equal(r.content, TEXT, type);
    assert.equal(r.usage.totalTokens, 42);
  }
  // The same lines without their done line are not a silent success.
  const cut = ndjson(ollamaLines().slice(0, -1), {
    eol: "lf",
    blanks: false,
    pad: false,
    finalNewline: true,
  });
  failed(await generateFrom("ollama", { body: cut, contentType: "application/x-ndjson" }), [
    "connection",
    "server",
  ]);
});

Deno.test("ollama: plain 200 bodies that are not an answer throw the right kind", async () => {
  failed(await generateFrom("ollama", { body: "" }), "server");
  failed(
    await generateFrom("ollama", {
      body: "<html><title>Open WebUI</title></html>",
      contentType: "text/html",
    }),
    "html_page",
  );
  failed(await generateFrom("ollama", { body: '{"model":"m","message":{"content":"tru' }), "server");
  failed(
    await generateFrom("ollama", { body: JSON.stringify({ error: "model 'x' not found" }) }),
    "model_not_found",
  );
  const html = await streamFrom("ollama", {
    body: "<html><title>Open WebUI</title></html>",
    contentType: "text/html",
  });
  streamError(html, "server");
  // BOM and whitespace around a valid body are fine.
  const r = succeeded(
    await generateFrom("ollama", {
      body: `\uFEFF\n${done({ message: { role: "assistant", content: "ok" } })}\n`,
    }),
  );
  assert.equal(r.content, "ok");
});

Deno.test("ollama: a 1 MB single line, streamed and plain", async () => {
  const big = "✓".repeat(350_000);
  const r = await finishOf(line(big) + done() + "\n");
  assert.equal(r.text, big);
  assert.equal(
    succeeded(await generateFrom("ollama", { body: done({ message: { role: "assistant", content: big } }) }))
      .content,
    big,
  );
});
