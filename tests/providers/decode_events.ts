/** Test helpers: run an SSE body through a provider's event decoder and read the unified events. */
import type { StreamEvent } from "../../src/core/mod.ts";
import type { PushDecoder } from "../../src/http/push_decoder.ts";
import { createSseParser, type SseEvent } from "../../src/http/sse.ts";

/** Decode an SSE text with `create`'s decoder, fed in pieces of `size` bytes (0 = all at once). */
export function decodeSseWith(
  create: (emit: (event: StreamEvent) => void) => PushDecoder<SseEvent>,
  text: string,
  size = 0,
): StreamEvent[] {
  const events: StreamEvent[] = [];
  const decoder = create((e) => events.push(e));
  const parser = createSseParser((e) => decoder.push(e));
  const bytes = new TextEncoder().encode(text);
  const step = size > 0 ? size : Math.max(1, bytes.length);
  for (let i = 0; i < bytes.length; i += step) parser.push(bytes.subarray(i, i + step));
  parser.end();
  decoder.end();
  return events;
}

/** The terminal events (finish or error): a decoder emits exactly one. */
export function terminals(events: StreamEvent[]): StreamEvent[] {
  return events.filter((e) => e.type === "finish" || e.type === "error");
}

/** The text of the text-delta events. */
export function textOf(events: StreamEvent[]): string {
  return events.map((e) => (e.type === "text-delta" ? e.text : "")).join("");
}

/** A real recorded body of `tests/fixtures/captures/` (`gemini/error-400-api-key-invalid.json`), parsed. */
export async function readCapture(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(new URL(`../fixtures/captures/${path}`, import.meta.url)));
}
