/**
 * Response bodies with fault injection: streamed frames (SSE or NDJSON) and plain JSON, cut at a byte, stalled,
 * malformed, or ending in a vendor error event.
 *
 * A cut or stalled body is sent with `content-length` of the full body, so that ending it early makes the client
 * see an aborted body (Deno.serve logs nothing for that, unlike an errored stream).
 *
 * @module
 */

import type { SimCore } from "./core.ts";
import type { Fault } from "./types.ts";
import { sleep } from "./util.ts";

/** One event of a streamed body. */
export interface Frame {
  /** The JSON (or `[DONE]`) text, written as is. */
  data: string;
  /** SSE `event:` name. */
  event?: string;
  /** `head` before the text, `delta` text, `tail` after the text. */
  kind: "head" | "delta" | "tail";
}

/** A streamed body to send. */
export interface StreamSpec {
  /** Events in order. */
  frames: Frame[];
  /** Wire format. */
  format: "sse" | "ndjson";
  /** Response headers (content type included). */
  headers: Headers;
  /** The vendor's in-stream error event. */
  errorFrame: (errorType: string | undefined) => Frame;
  /** Fault of this request, if any. */
  fault?: Fault;
  /** SSE line ending (default `\n`; Google ends every line in `\r\n`). */
  eol?: "\n" | "\r\n";
}

const encoder = new TextEncoder();

/**
 * Wire text of one frame.
 *
 * @example
 * ```ts
 * encodeFrame({ data: "{}", event: "ping", kind: "head" }, "sse"); // "event: ping\ndata: {}\n\n"
 * ```
 */
export function encodeFrame(frame: Frame, format: "sse" | "ndjson", eol: "\n" | "\r\n" = "\n"): string {
  if (format === "ndjson") return `${frame.data}\n`;
  return `${frame.event ? `event: ${frame.event}${eol}` : ""}data: ${frame.data}${eol}${eol}`;
}

/** `text` cut in half: invalid JSON. */
function breakJson(text: string): string {
  return text.slice(0, Math.max(1, Math.ceil(text.length / 2)));
}

/** Apply the frame-level faults (error-event, malformed). */
function applyFrameFaults(spec: StreamSpec): Frame[] {
  const { frames, fault } = spec;
  if (fault?.type === "error-event") {
    const k = Math.max(0, fault.afterDeltas ?? 1);
    let seen = 0;
    let at = frames.findIndex((f) => f.kind !== "head");
    if (at < 0) at = frames.length;
    if (k > 0) {
      for (let i = 0; i < frames.length; i++) {
        if (frames[i].kind === "delta" && ++seen === k) {
          at = i + 1;
          break;
        }
        if (frames[i].kind === "tail") {
          at = i;
          break;
        }
      }
    }
    return [...frames.slice(0, at), spec.errorFrame(fault.errorType)];
  }
  if (fault?.type === "malformed") {
    const deltas = frames.map((f, i) => (f.kind === "delta" ? i : -1)).filter((i) => i >= 0);
    const target = deltas.length >= 2
      ? deltas[1]
      : deltas.length === 1
      ? deltas[0]
      : frames.findIndex((f) => f.kind === "tail");
    if (target < 0) return frames;
    const copy = frames.slice();
    copy[target] = { ...copy[target], data: breakJson(copy[target].data) };
    return copy;
  }
  return frames;
}

/** Byte pieces cut at `limit` total bytes. */
function cutPieces(pieces: Uint8Array[], limit: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let total = 0;
  for (const p of pieces) {
    if (total >= limit) break;
    if (total + p.length <= limit) {
      out.push(p);
      total += p.length;
    } else {
      out.push(p.subarray(0, limit - total));
      total = limit;
    }
  }
  return out;
}

/**
 * A body stream that sends `pieces` (with `delayMs` between them), then either ends or, with `stall`, waits until
 * the client cancels or the simulator closes.
 */
function pieceStream(
  pieces: Uint8Array[],
  options: { delayMs: number; signal: AbortSignal; stall: boolean },
): ReadableStream<Uint8Array> {
  let i = 0;
  const cancelled = new AbortController();
  const stop = AbortSignal.any([options.signal, cancelled.signal]);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i > 0 && options.delayMs > 0 && i < pieces.length) await sleep(options.delayMs, stop);
      if (stop.aborted) {
        if (!cancelled.signal.aborted) controller.close();
        return;
      }
      if (i < pieces.length) {
        controller.enqueue(pieces[i++]);
        return;
      }
      if (options.stall) {
        await new Promise<void>((resolve) => {
          if (stop.aborted) return resolve();
          stop.addEventListener("abort", () => resolve(), { once: true });
        });
      }
      if (!cancelled.signal.aborted) controller.close();
    },
    cancel() {
      cancelled.abort();
    },
  });
}

/**
 * Send a streamed body with its fault applied.
 *
 * @example
 * ```ts ignore
 * return streamResponse(core, { frames, format: "sse", headers, errorFrame, fault }, signal);
 * ```
 */
export function streamResponse(core: SimCore, spec: StreamSpec, signal: AbortSignal): Response {
  const frames = applyFrameFaults(spec);
  const pieces = frames.map((f) => encoder.encode(encodeFrame(f, spec.format, spec.eol)));
  return bodyResponse(core, { status: 200, headers: spec.headers, pieces, fault: spec.fault }, signal);
}

/**
 * Send a plain body (JSON text) with its fault applied (cut, stall, malformed).
 *
 * @example
 * ```ts ignore
 * return plainResponse(core, { status: 200, headers, text: JSON.stringify(body), fault }, signal);
 * ```
 */
export function plainResponse(
  core: SimCore,
  options: { status: number; headers: Headers; text: string; bytes?: Uint8Array; fault?: Fault },
  signal: AbortSignal,
): Response {
  const { fault } = options;
  if (fault?.type === "malformed") {
    return new Response(breakJson(options.text), { status: options.status, headers: options.headers });
  }
  if (fault?.type === "cut" || fault?.type === "stall" || fault?.type === "hold") {
    return bodyResponse(core, {
      status: options.status,
      headers: options.headers,
      pieces: [options.bytes ?? encoder.encode(options.text)],
      fault,
    }, signal);
  }
  const body = options.bytes ? (options.bytes as Uint8Array<ArrayBuffer>) : options.text;
  return new Response(body, { status: options.status, headers: options.headers });
}

/** Pieces -> Response, applying cut / stall at byte level, or holding the whole body open. */
function bodyResponse(
  core: SimCore,
  options: { status: number; headers: Headers; pieces: Uint8Array[]; fault?: Fault },
  signal: AbortSignal,
): Response {
  const { fault, headers } = options;
  let pieces = options.pieces;
  let stall = false;
  if (fault?.type === "cut" || fault?.type === "stall") {
    const full = pieces.reduce((n, p) => n + p.length, 0);
    const limit = fault.type === "cut" ? fault.atByte : (fault.afterBytes ?? 0);
    pieces = cutPieces(pieces, Math.max(0, limit));
    stall = fault.type === "stall";
    // Declared full length: ending early is an abort the client can see.
    headers.set("content-length", String(full));
  } else if (fault?.type === "hold") {
    stall = true;
    headers.delete("content-length");
  }
  const delayMs = core.options.chunkDelayMs ?? 0;
  return new Response(pieceStream(pieces, { delayMs, signal, stall }), { status: options.status, headers });
}
