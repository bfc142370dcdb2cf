/** sniffBody and looksLikeEventStream on hostile byte layouts (BOM split byte by byte, whitespace runs, errors). */
import assert from "node:assert/strict";
import { sniffBody } from "../../src/http/sniff.ts";
import { looksLikeEventStream } from "../../src/http/sse.ts";

const te = new TextEncoder();
const bytes = (text: string, size = 1): Uint8Array[] => {
  const all = te.encode(text);
  return Array.from(
    { length: Math.ceil(all.length / size) },
    (_, i) => all.subarray(i * size, (i + 1) * size),
  );
};

Deno.test("sniffBody: first meaningful character through BOMs and whitespace, whole body given back", async () => {
  const cases: [string, string][] = [
    ['{"a":1}', "{"],
    ['\uFEFF \r\n\t{"a":1}', "{"],
    ["\uFEFF<html>", "<"],
    ["\n\n: ping\n\ndata: x\n\n", ":"],
    ["data: [DONE]\n\n", "d"],
    ["   \n ", ""],
    ["", ""],
    ["\uFEFF", ""],
  ];
  for (const [text, first] of cases) {
    for (const size of [1, 2, 1000]) {
      const sniffed = await sniffBody(ReadableStream.from(bytes(text, size)));
      assert.equal(sniffed.first, first, JSON.stringify(text));
      assert.equal(
        await new Response(sniffed.body).text(),
        text.replace(/^\uFEFF/, ""),
        JSON.stringify(text),
      );
    }
  }
});

Deno.test("sniffBody: an error before the first byte rejects; after it, the given-back body errors", async () => {
  const failing = (chunks: Uint8Array[]) => {
    let i = 0;
    return new ReadableStream<Uint8Array>({
      pull(c) {
        if (i < chunks.length) c.enqueue(chunks[i++]);
        else c.error(new TypeError("connection reset"));
      },
    });
  };
  await assert.rejects(() => sniffBody(failing(bytes("  "))), /connection reset/);
  const sniffed = await sniffBody(failing(bytes("data: x")));
  assert.equal(sniffed.first, "d");
  await assert.rejects(() => new Response(sniffed.body).text(), /connection reset/);
});

Deno.test("sniffBody: cancelling the given-back body cancels the source", async () => {
  let cancelled: unknown;
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(te.encode("data: x\n\n"));
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  const sniffed = await sniffBody(source);
  await sniffed.body.cancel("stop");
  assert.equal(cancelled, "stop");
});

Deno.test("looksLikeEventStream: SSE fields and comments, never JSON or HTML", () => {
  for (
    const yes of ["data: {}", "\uFEFFdata:{}", "\n\nevent: x\ndata: y", ": ping\n", "id: 1\n", "retry: 10\n"]
  ) {
    assert.ok(looksLikeEventStream(yes), yes);
  }
  for (const no of ['{"data": 1}', "[1]", "<html>", "", "   ", "datum: x", '"data:"']) {
    assert.ok(!looksLikeEventStream(no), no);
  }
});
