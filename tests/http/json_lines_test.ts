import assert from "node:assert/strict";
import fc from "fast-check";
import { SwebenchError } from "../../src/core/mod.ts";
import { jsonLinesDecoder } from "../../src/http/mod.ts";
import { captures, decode, failingStream, offsets, split, te } from "./_util.ts";

// Ollama's NDJSON stream, plus the recorded chunk files, which are JSON Lines too.
const FILES = await captures(".ndjson", ".jsonl");

function parse(bytes: Uint8Array | string, cuts: number[] = []): Promise<unknown[]> {
  const b = typeof bytes === "string" ? te.encode(bytes) : bytes;
  return decode(split(b, cuts), jsonLinesDecoder());
}

/** The reference: split the whole text, drop blank lines, JSON.parse each. */
function reference(bytes: Uint8Array): unknown[] {
  return new TextDecoder().decode(bytes).split(/\r?\n/).filter((l) => l.trim() !== "").map((l) =>
    JSON.parse(l)
  );
}

Deno.test("json lines: the real captures decode like a whole-text split", async () => {
  assert.ok(FILES.some(([n]) => n.endsWith(".ndjson")), "expected ollama/chat-stream.ndjson");
  for (const [name, bytes] of FILES) {
    const values = await parse(bytes);
    assert.ok(values.length >= 2, name);
    assert.deepEqual(values, reference(bytes), name);
  }
  const ollama = await parse(FILES.find(([n]) => n === "ollama/chat-stream.ndjson")![1]);
  assert.equal((ollama.at(-1) as { done: boolean }).done, true);
});

Deno.test("json lines: every capture split at every byte offset (large ones sampled) gives the same values", async () => {
  for (const [name, bytes] of FILES) {
    const expected = await parse(bytes);
    // Every offset, except for the 98 KB chunk file (about 1 ms a parse): 150 offsets spread over it.
    for (const at of offsets(bytes.length, bytes.length > 20_000 ? 150 : Infinity)) {
      assert.deepEqual(await parse(bytes, [at]), expected, `${name} split at ${at}`);
    }
  }
});

Deno.test("json lines: CRLF, random multi-way splits (fast-check), byte by byte", async () => {
  for (const [name, raw] of FILES) {
    const crlf = te.encode(new TextDecoder().decode(raw).replaceAll("\n", "\r\n"));
    const expected = await parse(raw);
    for (const bytes of [raw, crlf]) {
      if (bytes.length < 5000) assert.deepEqual(await parse(bytes, offsets(bytes.length)), expected, name);
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 32 }),
          async (cuts) => {
            assert.deepEqual(await parse(bytes, cuts), expected);
          },
        ),
        { numRuns: bytes.length > 20_000 ? 15 : 60 },
      );
    }
    assert.deepEqual(
      await parse(crlf, offsets(crlf.length, 400).filter((o) => crlf[o - 1] === 13)),
      expected,
      `${name} cut between \\r and \\n`,
    );
  }
});

Deno.test("json lines: blank lines, whitespace, missing final newline, UTF-8 split at every offset", async () => {
  const text = '\n{"a":1}\r\n\r\n   \n{"t":"héllo 🌍 日本"}\n  {"b":[1,2]}  \n[3]\n"s"\n42';
  const expected = [{ a: 1 }, { t: "héllo 🌍 日本" }, { b: [1, 2] }, [3], "s", 42];
  const bytes = te.encode(text);
  for (const at of offsets(bytes.length)) {
    assert.deepEqual(await parse(bytes, [at]), expected, `split at ${at}`);
  }
  assert.deepEqual(await parse(bytes, offsets(bytes.length)), expected);
  assert.deepEqual(await parse(""), []);
  assert.deepEqual(await parse("\n\r\n"), []);
  assert.deepEqual(await parse('{"x":1}'), [{ x: 1 }]);
  assert.deepEqual(await parse('\uFEFF{"bom":true}\n'), [{ bom: true }]);
});

Deno.test("json lines: a malformed line errors the stream naming the line, after the good lines", async () => {
  for (const cuts of [[], [3], [20], offsets(40)]) {
    const values: unknown[] = [];
    const stream = ReadableStream.from(
      split(te.encode('{"a":1}\n\n{"model":"qwen3:32b","done":fal\n{"c":3}\n'), cuts),
    )
      .pipeThrough(jsonLinesDecoder({ provider: "ollama" }));
    await assert.rejects(
      async () => {
        for await (const v of stream) values.push(v);
      },
      (e) => {
        assert.ok(e instanceof SwebenchError);
        assert.equal(e.kind, "server");
        assert.match(
          e.message,
          /^ollama: malformed JSON on line 3 of the stream: \{"model":"qwen3:32b","done":fal$/,
        );
        return true;
      },
    );
    assert.deepEqual(values, [{ a: 1 }]);
  }
  // The last line, unterminated and cut short (a truncated stream).
  await assert.rejects(
    () => parse('{"a":1}\n{"done":tr'),
    (e) => e instanceof SwebenchError && e.kind === "server" && /line 2/.test(e.message),
  );
  // A long malformed line is shown as a short excerpt.
  await assert.rejects(
    () => parse(`{"x":"${"y".repeat(10_000)}`),
    (e) => e instanceof SwebenchError && /line 1/.test(e.message) && e.message.length < 200,
  );
});

Deno.test("json lines: a line longer than maxLineLength errors the stream", async () => {
  const chunks = split(te.encode(`{"x":"${"y".repeat(3000)}"}\n`), offsets(3010, 40));
  await assert.rejects(
    () => decode(chunks, jsonLinesDecoder({ maxLineLength: 1000 })),
    (e) => e instanceof SwebenchError && e.kind === "server" && /longer than 1000/.test(e.message),
  );
  assert.equal((await decode(chunks, jsonLinesDecoder({ maxLineLength: 5000 }))).length, 1);
});

Deno.test("json lines: an error of the byte stream reaches the consumer unchanged", async () => {
  const failure = new SwebenchError("connection", "reset");
  const values: unknown[] = [];
  await assert.rejects(
    async () => {
      for await (
        const v of failingStream([te.encode('{"a":1}\n{"b"')], failure).pipeThrough(jsonLinesDecoder())
      ) {
        values.push(v);
      }
    },
    (e) => e === failure,
  );
  assert.deepEqual(values, [{ a: 1 }]);
});
