/**
 * Property tests of the decoders against every framing freedom of SSE and NDJSON, at random byte splits
 * (mid-UTF-8 included): the same text, usage and exactly one finish, whatever the framing.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type StreamEvent, toSwebenchError } from "../../src/core/mod.ts";
import { jsonLinesDecoder } from "../../src/http/json_lines.ts";
import { sseDecoder } from "../../src/http/sse.ts";
import { anthropicStreamDecoder } from "../../src/providers/anthropic/codec.ts";
import { ollamaStreamDecoder } from "../../src/providers/ollama/codec.ts";
import { openAIStreamDecoder } from "../../src/providers/openai/codec.ts";
import {
  anthropicEvents,
  ndjson,
  type NdjsonStyle,
  ollamaLines,
  openAIEvents,
  type RawEvent,
  sse,
  type SseStyle,
  terminal,
  TEXT,
  textOf,
} from "./_bodies.ts";
import { rng } from "./_server.ts";

const te = new TextEncoder();

const sseStyle: fc.Arbitrary<SseStyle> = fc.record({
  eol: fc.constantFrom("lf", "crlf", "cr", "mixed"),
  space: fc.constantFrom("one", "none", "two"),
  comments: fc.boolean(),
  bom: fc.boolean(),
  multiline: fc.boolean(),
  pad: fc.boolean(),
  fields: fc.boolean(),
  blankRuns: fc.boolean(),
  end: fc.constantFrom("blank", "eol", "none"),
}) as fc.Arbitrary<SseStyle>;

const ndjsonStyle: fc.Arbitrary<NdjsonStyle> = fc.record({
  eol: fc.constantFrom("lf", "crlf", "mixed"),
  blanks: fc.boolean(),
  pad: fc.boolean(),
  finalNewline: fc.boolean(),
}) as fc.Arbitrary<NdjsonStyle>;

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const p of points) {
    out.push(bytes.subarray(start, p));
    start = p;
  }
  out.push(bytes.subarray(start));
  return out;
}

async function run(
  chunks: Uint8Array[],
  decoder: (bytes: ReadableStream<Uint8Array>) => ReadableStream<StreamEvent>,
): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  try {
    for await (const e of decoder(ReadableStream.from(chunks))) out.push(e);
  } catch (error) {
    // At this level a malformed line errors the pipe (the provider turns that into one error event).
    out.push({ type: "error", error: toSwebenchError(error, "connection") });
  }
  return out;
}

const viaOpenAI = (b: ReadableStream<Uint8Array>) =>
  b.pipeThrough(sseDecoder()).pipeThrough(openAIStreamDecoder());
const viaAnthropic = (b: ReadableStream<Uint8Array>) =>
  b.pipeThrough(sseDecoder()).pipeThrough(anthropicStreamDecoder());
const viaOllama = (b: ReadableStream<Uint8Array>) =>
  b.pipeThrough(jsonLinesDecoder()).pipeThrough(ollamaStreamDecoder());

const cuts = fc.array(fc.nat({ max: 1 << 20 }), { maxLength: 40 });

async function sseProperty(events: RawEvent[], via: typeof viaOpenAI, check: (last: StreamEvent) => void) {
  await fc.assert(
    fc.asyncProperty(sseStyle, fc.integer(), cuts, async (style, seed, at) => {
      const bytes = te.encode(sse(events, style, rng(seed)));
      const out = await run(splitAt(bytes, at), via);
      assert.equal(textOf(out), TEXT);
      const last = terminal(out);
      assert.equal(last.type, "finish", JSON.stringify(last));
      check(last);
    }),
    { numRuns: 120 },
  );
}

Deno.test("property: OpenAI SSE in any valid framing, split anywhere, gives the same text and one finish", async () => {
  for (const ascii of [false, true]) {
    await sseProperty(openAIEvents({ ascii }), viaOpenAI, (last) => {
      assert.equal(last.type === "finish" && last.usage.totalTokens, 60);
      assert.equal(last.type === "finish" && last.finishReason, "stop");
    });
  }
});

Deno.test("property: Anthropic SSE in any valid framing, split anywhere, gives the same text and one finish", async () => {
  for (const ascii of [false, true]) {
    await sseProperty(anthropicEvents({ ascii }), viaAnthropic, (last) => {
      assert.equal(last.type === "finish" && last.usage.promptTokens, 25);
      assert.equal(last.type === "finish" && last.usage.completionTokens, 40);
      assert.equal(last.type === "finish" && last.rawFinishReason, "end_turn");
    });
  }
});

Deno.test("property: Ollama NDJSON in any valid framing, split anywhere, gives the same text and one finish", async () => {
  await fc.assert(
    fc.asyncProperty(ndjsonStyle, fc.boolean(), fc.integer(), cuts, async (style, thinking, seed, at) => {
      const bytes = te.encode(ndjson(ollamaLines({ thinking }), style, rng(seed)));
      const out = await run(splitAt(bytes, at), viaOllama);
      assert.equal(textOf(out), TEXT);
      const last = terminal(out);
      assert.equal(last.type === "finish" && last.usage.totalTokens, 42);
    }),
    { numRuns: 150 },
  );
});

Deno.test("property: any strict prefix of a stream (cut anywhere before its terminal marker) is one error, never a finish", async () => {
  // The terminal marker's position: OpenAI's finish chunk, Anthropic's message_stop, Ollama's done line.
  const openai = te.encode(sse(openAIEvents(), { ...WILD, end: "blank" }, rng(7)));
  const openaiFinish = new TextDecoder().decode(openai).indexOf('"finish_reason": "stop"');
  const anthropic = te.encode(sse(anthropicEvents(), { ...WILD, end: "blank" }, rng(8)));
  const anthropicStop = new TextDecoder().decode(anthropic).lastIndexOf("message_stop");
  const ollama = te.encode(
    ndjson(ollamaLines(), { eol: "crlf", blanks: true, pad: true, finalNewline: true }, rng(9)),
  );
  const ollamaDone = new TextDecoder().decode(ollama).indexOf('"done":true');
  assert.ok(openaiFinish > 0 && anthropicStop > 0 && ollamaDone > 0);
  const cases: [Uint8Array, number, typeof viaOpenAI][] = [
    [openai, openaiFinish, viaOpenAI],
    [anthropic, anthropicStop, viaAnthropic],
    [ollama, ollamaDone, viaOllama],
  ];
  for (const [bytes, marker, via] of cases) {
    // Byte offsets of the marker in the encoded body (the text before it is multi-byte).
    const limit = te.encode(new TextDecoder().decode(bytes).slice(0, marker)).length;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: limit }), cuts, async (end, at) => {
        const out = await run(splitAt(bytes.subarray(0, end), at), via);
        const last = terminal(out);
        assert.equal(last.type, "error", `cut at ${end}: ${JSON.stringify(last)}`);
      }),
      { numRuns: 150 },
    );
  }
});

const WILD: SseStyle = {
  eol: "mixed",
  space: "two",
  comments: true,
  bom: true,
  multiline: true,
  pad: true,
  fields: true,
  blankRuns: true,
  end: "blank",
};
