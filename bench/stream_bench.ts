/**
 * Streaming throughput benchmark (issue 7, item 4): events/s through our SSE pipeline (`sseDecoder` +
 * `openAIStreamDecoder` / `anthropicStreamDecoder`) and NDJSON pipeline (`jsonLinesDecoder` + `ollamaStreamDecoder`)
 * vs bare `eventsource-parser` (`TextDecoderStream` -> `EventSourceParserStream`, `JSON.parse` per event) and a bare
 * NDJSON line splitter, on in-memory byte streams.
 *
 * Bodies are built from the real captures in `../shared/data/captures/` (the exact chunk shapes: OpenAI's
 * `obfuscation` padding and usage chunk, Anthropic's `event:` lines, ping and whitespace padding, Ollama's NDJSON
 * lines) with the text of a real ~2 KB patch answer repeated, one token-sized (4-character) piece per delta. Each
 * body is fed in realistic network reads (16 KiB) and in tiny reads (7 bytes). Every contender must produce the
 * same text. Rounds interleave the contenders; we report median events/s and the median per-round ratio.
 *
 * Run: `deno run -A bench/stream_bench.ts [--rounds 7] [--tiny] [--json]`
 *
 * "ours single-stage pipeline" is what the providers' `stream()` runs on each network read: the push decoders
 * (`createSseParser` / `createJsonLinesParser` chained to the vendor's event decoder) in one stream stage.
 *
 * @module
 */
import { EventSourceParserStream } from "eventsource-parser/stream";
import { createSseParser, sseDecoder } from "../src/http/sse.ts";
import { createJsonLinesParser, jsonLinesDecoder } from "../src/http/json_lines.ts";
import { chainPushDecoders, pushDecoderStream } from "../src/http/push_decoder.ts";
import { createOpenAIEventDecoder, openAIStreamDecoder } from "../src/providers/openai/codec.ts";
import { anthropicStreamDecoder, createAnthropicEventDecoder } from "../src/providers/anthropic/codec.ts";
import { createOllamaEventDecoder, ollamaStreamDecoder } from "../src/providers/ollama/codec.ts";
import type { StreamEvent } from "../src/core/mod.ts";
import { mulberry32 } from "../src/swebench/prng.ts";
import {
  DATA_DIR,
  flag,
  fmt,
  loadWorkload,
  markdownTable,
  median,
  option,
  progress,
  runtimeInfo,
} from "./common.ts";

type Format = "openai" | "anthropic" | "ollama";

/** A body to decode: its bytes, how many wire events it has, and the text it carries. */
interface Body {
  format: Format;
  bytes: Uint8Array;
  events: number;
  text: string;
}

/** A pipeline under test: bytes in, the text out. */
interface Contender {
  name: string;
  formats: Format[];
  run: (source: ReadableStream<Uint8Array>, format: Format) => Promise<string>;
}

/** Result of one contender on one body and read size (JSON output). */
export interface StreamResult {
  /** Wire format. */
  format: Format;
  /** Bytes per read. */
  readSize: number;
  /** Contender name. */
  contender: string;
  /** Wire events in the body. */
  events: number;
  /** Body size in bytes. */
  bytes: number;
  /** Samples (rounds). */
  samples: number;
  /** Median events per second. */
  eventsPerSec: number;
  /** Median MB/s (10^6 bytes). */
  mbPerSec: number;
  /** Median per-round ratio of this contender's events/s to the bare baseline's (> 1 = faster). */
  ratioToBare: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Bodies from the captures.

const encoder = new TextEncoder();

/** Deterministic pseudo-random numbers (mulberry32). */
const prng = mulberry32;

/** The answer text cut into token-sized pieces, repeated until `deltas` pieces. */
function pieces(answer: string, deltas: number): string[] {
  const base: string[] = [];
  for (let i = 0; i < answer.length; i += 4) base.push(answer.slice(i, i + 4));
  return Array.from({ length: deltas }, (_, i) => base[i % base.length]);
}

function sseEvents(text: string): { event?: string; data: string }[] {
  return text.split(/\n\n+/).filter((block) => block.trim() !== "").map((block) => {
    const lines = block.split("\n");
    const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
    const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
    return event === undefined ? { data } : { event, data };
  });
}

async function openAIBody(answer: string, deltas: number): Promise<Body> {
  const capture = await Deno.readTextFile(new URL("captures/openai/stream-gpt-4o-mini-1.sse", DATA_DIR));
  const events = sseEvents(capture).map((e) => e.data);
  const head = events[0];
  const template = JSON.parse(events[1]);
  const tail = events.slice(events.findIndex((d) => d.includes('"finish_reason":"stop"')));
  const random = prng(1);
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const parts = pieces(answer, deltas);
  const out = [head];
  for (const piece of parts) {
    template.choices[0].delta.content = piece;
    // OpenAI pads each chunk with 1-15 random characters (`obfuscation`).
    template.obfuscation = Array.from(
      { length: 1 + Math.floor(random() * 15) },
      () => alphabet[Math.floor(random() * alphabet.length)],
    ).join("");
    out.push(JSON.stringify(template));
  }
  out.push(...tail);
  const wire = out.map((d) => `data: ${d}\n\n`).join("");
  return { format: "openai", bytes: encoder.encode(wire), events: out.length, text: parts.join("") };
}

async function anthropicBody(answer: string, deltas: number): Promise<Body> {
  const capture = await Deno.readTextFile(new URL("captures/anthropic/stream-sonnet-4-5.sse", DATA_DIR));
  const events = sseEvents(capture);
  const at = events.findIndex((e) => e.event === "content_block_delta");
  const template = events[at];
  // The padding the server puts before the last brace is kept as captured.
  const padded = /^(\{.*"text":)("(?:[^"\\]|\\.)*")(\}\s*\})$/.exec(template.data);
  if (padded === null) throw new Error("unexpected content_block_delta shape in the Anthropic capture");
  const parts = pieces(answer, deltas);
  const out = [...events.slice(0, at)];
  for (const piece of parts) {
    out.push({ event: "content_block_delta", data: `${padded[1]}${JSON.stringify(piece)}${padded[3]}` });
  }
  out.push(...events.slice(at + 1));
  const wire = out.map((e) => `${e.event ? `event: ${e.event}\n` : ""}data: ${e.data}\n\n`).join("");
  return { format: "anthropic", bytes: encoder.encode(wire), events: out.length, text: parts.join("") };
}

async function ollamaBody(answer: string, deltas: number): Promise<Body> {
  const capture = await Deno.readTextFile(new URL("captures/ollama/chat-stream.ndjson", DATA_DIR));
  const lines = capture.split("\n").filter((l) => l.trim() !== "");
  const first = JSON.parse(lines[0]);
  delete first.message.thinking;
  const parts = pieces(answer, deltas);
  const out: string[] = [];
  let t = Date.parse(first.created_at);
  for (const piece of parts) {
    first.message.content = piece;
    first.created_at = new Date(t += 12).toISOString().replace("Z", "454Z");
    out.push(JSON.stringify(first));
  }
  out.push(lines[lines.length - 1]);
  return {
    format: "ollama",
    bytes: encoder.encode(out.map((l) => `${l}\n`).join("")),
    events: out.length,
    text: parts.join(""),
  };
}

/** An in-memory body as a byte stream of `size`-byte reads (views, no copies). */
function source(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(offset, offset += size));
    },
  }, { highWaterMark: 0 });
}

// ---------------------------------------------------------------------------------------------------------------
// Contenders.

// deno-lint-ignore no-explicit-any
type Json = any;

/** Text of one parsed wire event (what a bare client would pick). */
function pick(format: Format, value: Json): string {
  if (format === "openai") return value.choices?.[0]?.delta?.content ?? "";
  if (format === "anthropic") {
    return value.type === "content_block_delta" && value.delta?.type === "text_delta" ? value.delta.text : "";
  }
  return value.message?.content ?? "";
}

async function drainSse(events: ReadableStream<{ data: string }>, format: Format): Promise<string> {
  let text = "";
  for await (const event of events) {
    if (event.data !== "[DONE]") text += pick(format, JSON.parse(event.data));
  }
  return text;
}

async function drainUnified(events: ReadableStream<StreamEvent>): Promise<string> {
  let text = "";
  for await (const event of events) {
    if (event.type === "text-delta") text += event.text;
    else if (event.type === "error") throw event.error;
  }
  return text;
}

/** Bare NDJSON: TextDecoderStream, split on `\n`, JSON.parse per line. */
function bareLines(): TransformStream<string, unknown> {
  let rest = "";
  return new TransformStream<string, unknown>({
    transform(chunk, controller) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      for (const line of lines) if (line !== "") controller.enqueue(JSON.parse(line));
    },
    flush(controller) {
      if (rest !== "") controller.enqueue(JSON.parse(rest));
    },
  });
}

function decoderFor(format: Format): TransformStream<{ data: string; event?: string }, StreamEvent> {
  return format === "openai" ? openAIStreamDecoder() : anthropicStreamDecoder();
}

const BARE_SSE = "bare eventsource-parser + JSON.parse";
const BARE_NDJSON = "bare NDJSON split + JSON.parse";

/** The providers' decoding: bytes -> unified events in one stage (push decoders chained). */
function singleStage(format: Format): TransformStream<Uint8Array, StreamEvent> {
  return pushDecoderStream<Uint8Array, StreamEvent>((emit) =>
    format === "ollama"
      ? chainPushDecoders((lines) => createJsonLinesParser(lines), createOllamaEventDecoder(emit))
      : chainPushDecoders(
        (events) => createSseParser(events),
        format === "openai" ? createOpenAIEventDecoder(emit) : createAnthropicEventDecoder(emit),
      )
  );
}

function contenders(): Contender[] {
  return [
    {
      name: BARE_SSE,
      formats: ["openai", "anthropic"],
      run: (s, f) =>
        drainSse(s.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()), f),
    },
    {
      name: "ours sseDecoder + JSON.parse",
      formats: ["openai", "anthropic"],
      run: (s, f) => drainSse(s.pipeThrough(sseDecoder()), f),
    },
    {
      name: "ours full pipeline",
      formats: ["openai", "anthropic", "ollama"],
      run: (s, f) =>
        f === "ollama"
          ? drainUnified(s.pipeThrough(jsonLinesDecoder()).pipeThrough(ollamaStreamDecoder()))
          : drainUnified(s.pipeThrough(sseDecoder()).pipeThrough(decoderFor(f))),
    },
    {
      name: "ours single-stage pipeline",
      formats: ["openai", "anthropic", "ollama"],
      run: (s, f) => drainUnified(s.pipeThrough(singleStage(f))),
    },
    {
      name: BARE_NDJSON,
      formats: ["ollama"],
      run: async (s, f) => {
        let text = "";
        for await (const v of s.pipeThrough(new TextDecoderStream()).pipeThrough(bareLines())) {
          text += pick(f, v);
        }
        return text;
      },
    },
    {
      name: "ours jsonLinesDecoder",
      formats: ["ollama"],
      run: async (s, f) => {
        let text = "";
        for await (const v of s.pipeThrough(jsonLinesDecoder())) text += pick(f, v);
        return text;
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Measurement.

interface Case {
  body: Body;
  readSize: number;
  reps: number;
  contenders: Contender[];
  samples: Map<string, number[]>; // events/s per round
}

async function measure(c: Case, contender: Contender): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < c.reps; i++) {
    const text = await contender.run(source(c.body.bytes, c.readSize), c.body.format);
    if (text.length !== c.body.text.length) throw new Error(`${contender.name}: wrong text length`);
  }
  const seconds = (performance.now() - t0) / 1000;
  return (c.body.events * c.reps) / seconds;
}

async function main(): Promise<void> {
  const tiny = flag("tiny");
  const json = flag("json");
  const rounds = Number(option("rounds", tiny ? "1" : "7"));
  const work = await loadWorkload();
  const bigDeltas = tiny ? 200 : 20_000;
  const smallDeltas = tiny ? 20 : 1_000;
  const reads = [{ size: 16 * 1024, deltas: bigDeltas, reps: tiny ? 1 : 3 }, {
    size: 7,
    deltas: smallDeltas,
    reps: 1,
  }];
  const started = performance.now();
  const cases: Case[] = [];
  for (const read of reads) {
    for (const make of [openAIBody, anthropicBody, ollamaBody]) {
      const body = await make(work.answer, read.deltas);
      const list = contenders().filter((c) => c.formats.includes(body.format));
      cases.push({ body, readSize: read.size, reps: read.reps, contenders: list, samples: new Map() });
    }
  }
  // Warm-up and correctness: every contender must return the body's exact text.
  for (const c of cases) {
    for (const contender of c.contenders) {
      const text = await contender.run(source(c.body.bytes, c.readSize), c.body.format);
      if (text !== c.body.text) throw new Error(`${contender.name} (${c.body.format}): wrong text`);
    }
  }
  for (let round = 0; round < rounds; round++) {
    progress(`stream: round ${round + 1}/${rounds} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    for (const c of cases) {
      const k = c.contenders.length;
      for (let j = 0; j < k; j++) {
        const contender = c.contenders[(j + round) % k];
        const rate = await measure(c, contender);
        c.samples.set(contender.name, [...(c.samples.get(contender.name) ?? []), rate]);
      }
    }
  }
  const results: StreamResult[] = [];
  for (const c of cases) {
    const bare = c.samples.get(c.body.format === "ollama" ? BARE_NDJSON : BARE_SSE) ?? [];
    for (const contender of c.contenders) {
      const rates = c.samples.get(contender.name) ?? [];
      const eventsPerSec = median(rates);
      results.push({
        format: c.body.format,
        readSize: c.readSize,
        contender: contender.name,
        events: c.body.events,
        bytes: c.body.bytes.length,
        samples: rates.length,
        eventsPerSec,
        mbPerSec: (eventsPerSec * c.body.bytes.length) / c.body.events / 1e6,
        ratioToBare: median(rates.map((r, i) => r / bare[i])),
      });
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  if (json) {
    console.log(
      JSON.stringify(
        { bench: "stream", runtime: runtimeInfo(), rounds, elapsedSeconds: elapsed, results },
        null,
        2,
      ),
    );
    return;
  }
  console.log(
    `## Streaming throughput (${rounds} interleaved rounds; bodies from the real captures, ` +
      `${bigDeltas} / ${smallDeltas} text deltas for 16 KiB / 7-byte reads; ${elapsed.toFixed(0)} s)\n`,
  );
  console.log(markdownTable(
    ["format", "read", "contender", "events", "events/s", "MB/s", "vs bare"],
    results.map((r) => [
      r.format === "ollama" ? "ollama NDJSON" : `${r.format} SSE`,
      r.readSize >= 1024 ? `${r.readSize / 1024} KiB` : `${r.readSize} B`,
      r.contender,
      fmt(r.events),
      fmt(r.eventsPerSec),
      fmt(r.mbPerSec, 1),
      `${r.ratioToBare.toFixed(2)}x`,
    ]),
  ));
}

if (import.meta.main) await main();
