import assert from "node:assert/strict";
import fc from "fast-check";
import { SwebenchError } from "../../src/core/mod.ts";
import { sseDecoder, type SseEvent } from "../../src/http/mod.ts";
import { captures, decode, failingStream, offsets, split, te } from "./_util.ts";

const SSE = await captures(".sse");

function parse(text: string | Uint8Array, cuts: number[] = []): Promise<SseEvent[]> {
  const bytes = typeof text === "string" ? te.encode(text) : text;
  return decode(split(bytes, cuts), sseDecoder());
}

function variant(bytes: Uint8Array, eol: "\r\n" | "\r"): Uint8Array {
  return te.encode(new TextDecoder().decode(bytes).replaceAll("\n", eol));
}

Deno.test("sse: the real captures decode to the expected events", async () => {
  assert.ok(SSE.length >= 5, "expected the .sse captures");
  for (const [name, bytes] of SSE) {
    const events = await parse(bytes);
    // A real Gemini stream (?alt=sse) is one to three whole candidates, with no [DONE]; the others have >= 4 events.
    assert.ok(events.length >= (name.startsWith("gemini/") ? 1 : 4), name);
    for (const e of events) {
      assert.equal(typeof e.data, "string");
      if (e.data !== "[DONE]") JSON.parse(e.data); // padding after the JSON is fine for JSON.parse
    }
    if (name.startsWith("anthropic/")) {
      assert.deepEqual(events.map((e) => e.event), [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
      ]);
      for (const e of events) assert.equal(JSON.parse(e.data).type, e.event === "ping" ? "ping" : e.event);
    } else if (name.startsWith("gemini/")) {
      for (const e of events) {
        assert.ok(!("event" in e), name);
        assert.ok(Array.isArray(JSON.parse(e.data).candidates), name);
      }
      assert.ok(JSON.parse(events.at(-1)!.data).usageMetadata, `${name}: usage on the last event`);
    } else {
      // OpenAI-style: unnamed events ending in [DONE]; compatible-tool-call.sse ends without the final blank line.
      assert.equal(events.at(-1)!.data, "[DONE]", name);
      assert.ok(events.every((e) => !("event" in e) && !("id" in e)), name);
    }
  }
});

Deno.test("sse: every capture split at every byte offset gives the same events", async () => {
  for (const [name, bytes] of SSE) {
    const expected = await parse(bytes);
    for (const at of offsets(bytes.length)) {
      assert.deepEqual(await parse(bytes, [at]), expected, `${name} split at ${at}`);
    }
  }
});

Deno.test("sse: CRLF and CR line ends give the same events, split at every offset (CRLF)", async () => {
  for (const [name, bytes] of SSE) {
    const expected = await parse(bytes);
    const crlf = variant(bytes, "\r\n");
    assert.deepEqual(await parse(variant(bytes, "\r")), expected, `${name} CR`);
    for (const at of offsets(crlf.length)) {
      assert.deepEqual(await parse(crlf, [at]), expected, `${name} CRLF split at ${at}`);
    }
  }
});

Deno.test("sse: random multi-way splits (fast-check) and one byte at a time give the same events", async () => {
  for (const [name, raw] of SSE) {
    for (const bytes of [raw, variant(raw, "\r\n")]) {
      const expected = await parse(bytes);
      assert.deepEqual(await parse(bytes, offsets(bytes.length)), expected, `${name} byte by byte`);
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 24 }),
          async (cuts) => {
            assert.deepEqual(await parse(bytes, cuts), expected);
          },
        ),
        { numRuns: 60 },
      );
    }
  }
});

Deno.test("sse: a capture cut short never yields a different well-formed event", async () => {
  for (const [name, bytes] of SSE) {
    const full = await parse(bytes);
    // 300 cuts spread over the body, and every cut in its last 400 bytes (where the terminal events are).
    const cuts = new Set([
      ...offsets(bytes.length, 300),
      ...offsets(400).map((i) => Math.max(0, bytes.length - i)),
    ]);
    for (const at of cuts) {
      const events = await parse(bytes.subarray(0, at));
      assert.ok(events.length <= full.length, `${name} cut at ${at}`);
      events.forEach((e, i) => {
        if (i < events.length - 1) return assert.deepEqual(e, full[i]);
        if (e.data === full[i].data) return;
        // The partial last line is passed on, and cannot be mistaken for a complete event.
        assert.ok(full[i].data.startsWith(e.data), `${name} cut at ${at}`);
        assert.throws(() => JSON.parse(e.data), SyntaxError, `${name} cut at ${at}: ${e.data}`);
      });
    }
  }
});

Deno.test("sse: comments, event/id fields, multi-line data, padding, BOM", async () => {
  const text = "\uFEFF: ping\n" +
    ": another comment\n\n" +
    'event: message_start\nid: 7\ndata: {"a":1}   \n\n' +
    "data: line one\ndata: line two\ndata:\ndata:no-space\n\n" +
    'event: ping\ndata: {"type": "ping"}\n\n' +
    "retry: 1000\nunknown: field\n\n" +
    "data:  two leading spaces\n\n";
  const expected: SseEvent[] = [
    { event: "message_start", data: '{"a":1}   ', id: "7" },
    { data: "line one\nline two\n\nno-space" },
    { event: "ping", data: '{"type": "ping"}' },
    { data: " two leading spaces" },
  ];
  const bytes = te.encode(text);
  assert.deepEqual(await parse(bytes), expected);
  assert.deepEqual(await parse(variant(bytes, "\r\n")), expected);
  for (const at of offsets(bytes.length)) {
    assert.deepEqual(await parse(bytes, [at]), expected, `split at ${at}`);
  }
  assert.deepEqual(JSON.parse(expected[0].data), { a: 1 });
});

Deno.test("sse: the last event is dispatched without a final blank line or newline", async () => {
  for (
    const tail of ["data: [DONE]\n", "data: [DONE]", "data: [DONE]\r\n", "data: [DONE]\r", "data: [DONE]\n\n"]
  ) {
    const text = `data: {"x":1}\n\n${tail}`;
    const expected = [{ data: '{"x":1}' }, { data: "[DONE]" }];
    for (const at of offsets(text.length)) {
      assert.deepEqual(await parse(text, [at]), expected, `${JSON.stringify(tail)} split at ${at}`);
    }
  }
  assert.deepEqual(await parse("event: message_stop\ndata: {}"), [{ event: "message_stop", data: "{}" }]);
  assert.deepEqual(await parse(""), []);
  assert.deepEqual(await parse(": only a comment\n"), []);
});

Deno.test("sse: UTF-8 sequences split at every byte offset", async () => {
  const text = 'data: {"text":"héllo wörld 🌍 日本語 ✓"}\n\nevent: x\ndata: ß€𝄞\n\n';
  const expected = [{ data: '{"text":"héllo wörld 🌍 日本語 ✓"}' }, { event: "x", data: "ß€𝄞" }];
  const bytes = te.encode(text);
  assert.deepEqual(await parse(bytes, offsets(bytes.length)), expected);
  for (const at of offsets(bytes.length)) {
    assert.deepEqual(await parse(bytes, [at]), expected, `split at ${at}`);
  }
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 16 }), async (cuts) => {
      assert.deepEqual(await parse(bytes, cuts), expected);
    }),
    { numRuns: 100 },
  );
});

Deno.test("sse: an error of the byte stream reaches the consumer unchanged, after the events before it", async () => {
  const failure = new SwebenchError("timeout", "idle timeout");
  const events: SseEvent[] = [];
  const stream = failingStream([te.encode('data: {"a":1}\n\ndata: {"b"')], failure).pipeThrough(sseDecoder());
  await assert.rejects(
    async () => {
      for await (const e of stream) events.push(e);
    },
    (e) => e === failure,
  );
  assert.deepEqual(events, [{ data: '{"a":1}' }]);
});

Deno.test("sse: an oversized event errors the stream with a server SwebenchError", async () => {
  // A hostile server streaming one endless line: the parser buffers it across chunks until the limit.
  const big = te.encode(`data: ${"x".repeat(5000)}\n\n`);
  const chunks = split(big, Array.from({ length: 60 }, (_, i) => i * 100));
  await assert.rejects(
    () => decode(chunks, sseDecoder({ maxBufferSize: 1000 })),
    (e) => e instanceof SwebenchError && e.kind === "server" && /larger than 1000/.test(e.message),
  );
  // Under the limit it passes.
  assert.equal((await decode(chunks, sseDecoder({ maxBufferSize: 10000 }))).length, 1);
});

Deno.test("sse: cancelling the consumer side releases the source", async () => {
  let cancelled = false;
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(te.encode("data: 1\n\ndata: 2\n\n"));
    },
    cancel() {
      cancelled = true;
    },
  });
  const reader = source.pipeThrough(sseDecoder()).getReader();
  assert.deepEqual(await reader.read(), { done: false, value: { data: "1" } });
  await reader.cancel("done");
  // Cancellation travels up the pipe chain asynchronously.
  for (let i = 0; i < 50 && !cancelled; i++) await new Promise((r) => setTimeout(r, 1));
  assert.equal(cancelled, true);
});
