/**
 * Issue 11 item 4: a success body is capped in proportion to max tokens (1 KiB per token, at least 16 MiB), a
 * stream by its bytes too; past the cap the call fails as a server error without reading the body whole. The run
 * log keeps at most 1 MiB of characters of one output and says how long it was.
 */
import assert from "node:assert/strict";
import { generateArgs, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";

const { lines: rows } = await realRows("lite-test.jsonl", 1);
const KEY = "sk-test-size-000000000000";
const MiB = 2 ** 20;

/** A body of `head`, `size` bytes of `a`s in 64 KiB chunks, then `tail`, without a content-length. */
function body(head: string, size: number, tail: string, sse = false): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const piece = sse
    ? `data: ${
      JSON.stringify({
        id: "c",
        object: "chat.completion.chunk",
        model: "gpt-4o-mini",
        choices: [{ index: 0, delta: { content: "a".repeat(60_000) }, finish_reason: null }],
      })
    }\n\n`
    : "a".repeat(65_536);
  const chunk = enc.encode(piece);
  let started = false;
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (!started) {
        started = true;
        c.enqueue(enc.encode(head));
      } else if (sent < size) {
        c.enqueue(chunk);
        sent += chunk.length;
      } else {
        c.enqueue(enc.encode(tail));
        c.close();
      }
    },
  });
}

const HEAD =
  `{"id":"x","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"`;
const TAIL = `"}}],"usage":{"prompt_tokens":10,"completion_tokens":10,"total_tokens":20}}`;

function server(size: number) {
  let calls = 0;
  const s = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const stream = (await req.json()).stream === true;
    calls++;
    return stream
      ? new Response(body("", size, "data: [DONE]\n\n", true), {
        headers: { "content-type": "text/event-stream" },
      })
      : new Response(body(HEAD, size, TAIL), { headers: { "content-type": "application/json" } });
  });
  return { url: `http://127.0.0.1:${s.addr.port}/v1`, calls: () => calls, close: () => s.shutdown() };
}

Deno.test("an answer past the cap (plain or streamed) fails the call as a server error, never read whole", async () => {
  const s = server(40 * MiB);
  try {
    const { dir, data } = await tempDataset(rows);
    for (const stream of [false, true]) {
      const out = `${dir}/p${stream}.jsonl`;
      const args = generateArgs("openai", "gpt-4o-mini", data, out, "-y", "--max-tokens", "4096");
      if (stream) args.push("--stream");
      const r = await runCli(args, { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: s.url } });
      assert.equal(r.code, 4, r.stderr);
      assert.match(
        r.stderr,
        /failed django__django-\d+: server: openai: the answer from http:\/\/127\.0\.0\.1:\d+ is larger than 16 MiB, the most this call's max tokens allow; it was not read further/,
      );
      const [rec] = await readJsonl(`${out}.runlog.jsonl`);
      assert.equal(rec.status, "failed");
      assert.equal((rec.error as { code: string }).code, "response_too_large");
      assert.ok((await Deno.stat(`${out}.runlog.jsonl`)).size < 10_000, "nothing of the answer is logged");
    }
  } finally {
    await s.close();
  }
});

Deno.test("an answer under the cap is used whole; the run log keeps 1 MiB of it and its length", async () => {
  const s = server(3 * MiB);
  try {
    const { dir, data } = await tempDataset(rows);
    const out = `${dir}/p.jsonl`;
    const r = await runCli(
      generateArgs("openai", "gpt-4o-mini", data, out, "-y", "--max-tokens", "4096"),
      { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: s.url } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(s.calls(), 1);
    const [rec] = await readJsonl(`${out}.runlog.jsonl`);
    assert.equal(rec.status, "ok");
    assert.equal((rec.output as string).length, 1_048_576);
    assert.equal(rec.outputChars, 3 * MiB);
  } finally {
    await s.close();
  }
});
