/**
 * Valid-but-unusual bodies for the hostile suite: a WHATWG-valid SSE serializer with every framing freedom the
 * spec allows, an NDJSON serializer, and the canonical streams of OpenAI, Anthropic, Gemini and Ollama built around a
 * text full of multi-byte characters.
 */
import assert from "node:assert/strict";
import type { StreamEvent } from "../../src/core/mod.ts";

/** Generated text used everywhere: emoji (4-byte UTF-8, surrogate pairs), CJK, combining marks, newlines. */
export const TEXT = "Hi 👋 — 世界の修正を適用 ✅ naïve café 🧪🔥\n```diff\n- bug\n+ fix 🎉\n```\nZ̤͔ͧ done.";

/** The API key every hostile test configures; it must never appear in an error, hint, body or raw. */
export const KEY = "sk-hostile-SECRET-0123456789abcdef";

/** Pieces of `text` of `n` code points (never splits a surrogate pair inside one JSON string). */
export function pieces(text: string, n = 3): string[] {
  const cps = [...text];
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += n) out.push(cps.slice(i, i + n).join(""));
  return out;
}

/** JSON with every non-ASCII character escaped as \uXXXX (what Python's json.dumps does by default). */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

// ---------------------------------------------------------------- SSE

/** One event to serialize. */
export interface RawEvent {
  event?: string;
  data: string;
  /** Pretty-printed JSON that may be spread over several data lines (set by the builders for JSON data). */
  multi?: string;
}

/** Every framing freedom of the WHATWG event-stream format. */
export interface SseStyle {
  eol: "lf" | "crlf" | "cr" | "mixed";
  /** After `data:`: one space (usual), none, or two (the second is data). */
  space: "one" | "none" | "two";
  /** `:` comment lines / keep-alives before the first event, between events and inside events. */
  comments: boolean;
  /** A UTF-8 BOM at the start. */
  bom: boolean;
  /** JSON data spread over several `data:` lines (joined with \n: still valid JSON). */
  multiline: boolean;
  /** Whitespace after the data. */
  pad: boolean;
  /** `id:`, `retry:` and unknown field lines. */
  fields: boolean;
  /** Runs of 2-4 blank lines between events. */
  blankRuns: boolean;
  /** How the body ends: a blank line (usual), only the last line's end, or nothing after the last data. */
  end: "blank" | "eol" | "none";
}

/** The usual style: LF, one space, a blank line after each event. */
export const PLAIN_STYLE: SseStyle = {
  eol: "lf",
  space: "one",
  comments: false,
  bom: false,
  multiline: false,
  pad: false,
  fields: false,
  blankRuns: false,
  end: "blank",
};

/** Every freedom at once. */
export const WILD_STYLE: SseStyle = {
  eol: "mixed",
  space: "none",
  comments: true,
  bom: true,
  multiline: true,
  pad: true,
  fields: true,
  blankRuns: true,
  end: "none",
};

/** Serialize events with a style; `random` decides mixed line ends and where comments go. */
export function sse(events: RawEvent[], style: SseStyle, random: () => number = Math.random): string {
  const lines: string[] = [];
  const comment = () => {
    const pick = [": ping", ":", ": keep-alive", `:${" ".repeat(8)}x`, ": OPENROUTER PROCESSING"];
    lines.push(pick[Math.floor(random() * pick.length)]);
  };
  if (style.comments) comment();
  const space = style.space === "one" ? " " : style.space === "two" ? "  " : "";
  events.forEach((e, i) => {
    if (i > 0) {
      lines.push("");
      if (style.blankRuns) { for (let k = Math.floor(random() * 3); k > 0; k--) lines.push(""); }
      if (style.comments && random() < 0.5) {
        comment();
        lines.push("");
      }
    }
    if (style.fields && random() < 0.5) lines.push(`id: ${i}`);
    if (e.event !== undefined) lines.push(`event:${space === "" ? "" : " "}${e.event}`);
    if (style.comments && random() < 0.3) comment();
    if (style.fields && random() < 0.3) lines.push("retry: 3000", "x-unknown-field: whatever");
    const dataLines = style.multiline && e.multi !== undefined ? e.multi.split("\n") : [e.data];
    dataLines.forEach((d, k) => {
      const last = k === dataLines.length - 1;
      lines.push(`data:${space}${d}${last && style.pad ? "  \t " : ""}`);
    });
  });
  let out = style.bom ? "\uFEFF" : "";
  let prev = "";
  lines.forEach((line, i) => {
    let eol = style.eol === "lf" ? "\n" : style.eol === "crlf" ? "\r\n" : style.eol === "cr" ? "\r" : "";
    if (style.eol === "mixed") {
      const choices = line === "" && prev === "\r" ? ["\r", "\r\n"] : ["\n", "\r\n", "\r"];
      eol = choices[Math.floor(random() * choices.length)];
    }
    out += line;
    const isLast = i === lines.length - 1;
    if (!isLast || style.end !== "none") {
      out += eol;
      prev = eol;
    }
  });
  if (style.end === "blank") out += prev === "\r" ? "\r" : prev || "\n";
  return out;
}

/** A JSON data event (pretty form kept for multi-line framing). */
export function jsonEvent(value: unknown, event?: string, ascii = false): RawEvent {
  const data = ascii ? asciiJson(value) : JSON.stringify(value);
  const e: RawEvent = { data, multi: JSON.stringify(value, null, 1) };
  if (event !== undefined) e.event = event;
  return e;
}

// ---------------------------------------------------------------- OpenAI

/** Usage of the canonical OpenAI stream. */
export const OPENAI_USAGE = {
  prompt_tokens: 31,
  completion_tokens: 29,
  total_tokens: 60,
  prompt_tokens_details: { cached_tokens: 0 },
};

/** The canonical OpenAI stream: role chunk, content deltas, finish chunk, usage chunk, [DONE]. */
export function openAIEvents(options: { ascii?: boolean; text?: string } = {}): RawEvent[] {
  const base = {
    id: "chatcmpl-h",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o-mini-2024-07-18",
  };
  const events: RawEvent[] = [
    jsonEvent({
      ...base,
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }],
      usage: null,
    }),
  ];
  for (const p of pieces(options.text ?? TEXT)) {
    events.push(
      jsonEvent(
        {
          ...base,
          choices: [{ index: 0, delta: { content: p }, finish_reason: null }],
          usage: null,
          obfuscation: "x",
        },
        undefined,
        options.ascii,
      ),
    );
  }
  events.push(jsonEvent({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: null }));
  events.push(jsonEvent({ ...base, choices: [], usage: OPENAI_USAGE }));
  events.push({ data: "[DONE]" });
  return events;
}

/** A plain chat.completion body. */
export function openAICompletion(text = TEXT): Record<string, unknown> {
  return {
    id: "chatcmpl-h",
    object: "chat.completion",
    created: 1,
    model: "gpt-4o-mini-2024-07-18",
    choices: [{
      index: 0,
      message: { role: "assistant", content: text, refusal: null },
      finish_reason: "stop",
    }],
    usage: OPENAI_USAGE,
  };
}

// ---------------------------------------------------------------- Anthropic

/** The canonical Anthropic stream: message_start, ping, text block deltas, message_delta, message_stop. */
export function anthropicEvents(options: { ascii?: boolean; text?: string } = {}): RawEvent[] {
  const ev = (type: string, rest: Record<string, unknown> = {}) =>
    jsonEvent({ type, ...rest }, type, options.ascii);
  const events: RawEvent[] = [
    ev("message_start", {
      message: {
        id: "msg_h",
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5-20250929",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 25,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 1,
        },
      },
    }),
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ev("ping"),
  ];
  for (const p of pieces(options.text ?? TEXT)) {
    events.push(ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: p } }));
  }
  events.push(
    ev("content_block_stop", { index: 0 }),
    ev("message_delta", {
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 40 },
    }),
    ev("message_stop"),
  );
  return events;
}

/** A plain Anthropic message body. */
export function anthropicMessage(text = TEXT): Record<string, unknown> {
  return {
    id: "msg_h",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5-20250929",
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 25, output_tokens: 40 },
  };
}

// ---------------------------------------------------------------- Gemini

/** Usage of the canonical Gemini answer: 20 prompt, 30 answer and 5 thought tokens (thoughts billed as output). */
function geminiUsage(candidates: number): Record<string, unknown> {
  return {
    promptTokenCount: 20,
    candidatesTokenCount: candidates,
    totalTokenCount: 25 + candidates,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: 20 }],
    thoughtsTokenCount: 5,
  };
}

/**
 * The canonical Gemini stream (`:streamGenerateContent?alt=sse`, as `tests/fixtures/captures/gemini/
 * stream-gemini-2.5-flash.sse`): each event a whole GenerateContentResponse with one text part and the cumulative
 * usage, the last one with `finishReason: STOP`; no [DONE].
 */
export function geminiEvents(options: { ascii?: boolean; text?: string } = {}): RawEvent[] {
  const parts = pieces(options.text ?? TEXT);
  return parts.map((p, i) => {
    const last = i === parts.length - 1;
    const candidate: Record<string, unknown> = { content: { parts: [{ text: p }], role: "model" }, index: 0 };
    if (last) candidate.finishReason = "STOP";
    return jsonEvent(
      {
        candidates: [candidate],
        usageMetadata: geminiUsage(last ? 30 : i + 1),
        modelVersion: "gemini-2.5-flash",
        responseId: "h",
      },
      undefined,
      options.ascii,
    );
  });
}

/** A plain generateContent body. */
export function geminiResponse(text = TEXT): Record<string, unknown> {
  return {
    candidates: [{ content: { parts: [{ text }], role: "model" }, finishReason: "STOP", index: 0 }],
    usageMetadata: geminiUsage(30),
    modelVersion: "gemini-2.5-flash",
    responseId: "h",
  };
}

// ---------------------------------------------------------------- Azure OpenAI

/** Azure's verdict on one piece of text: every category checked, none filtered (`filtered` names the exception). */
export function azureFilterResults(filtered?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of ["hate", "self_harm", "sexual", "violence"]) {
    out[c] = { filtered: c === filtered, severity: c === filtered ? "medium" : "safe" };
  }
  return out;
}

/**
 * An Azure OpenAI stream as `tests/fixtures/captures/azure/stream-gpt-4o-mini.sse` has it: a first chunk with
 * `choices: []`, `model: ""` and `prompt_filter_results`, content chunks with `content_filter_results`, the finish
 * chunk, the usage chunk, [DONE]. `filtered`: the answer is stopped by the content filter halfway (that category
 * marked filtered, `finish_reason: content_filter`).
 */
export function azureEvents(options: { ascii?: boolean; text?: string; filtered?: string } = {}): RawEvent[] {
  const base = {
    id: "chatcmpl-az",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o-mini-2024-07-18",
    system_fingerprint: "fp_efad92c60b",
  };
  const events: RawEvent[] = [
    jsonEvent({
      choices: [],
      created: 0,
      id: "",
      model: "",
      object: "",
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: azureFilterResults() }],
    }),
    jsonEvent({
      ...base,
      choices: [{
        content_filter_results: {},
        delta: { content: "", refusal: null, role: "assistant" },
        finish_reason: null,
        index: 0,
        logprobs: null,
      }],
    }),
  ];
  const parts = pieces(options.text ?? TEXT);
  const shown = options.filtered === undefined ? parts : parts.slice(0, Math.ceil(parts.length / 2));
  shown.forEach((p, i) => {
    const last = options.filtered !== undefined && i === shown.length - 1;
    events.push(jsonEvent(
      {
        ...base,
        choices: [{
          content_filter_results: azureFilterResults(last ? options.filtered : undefined),
          delta: { content: p },
          finish_reason: null,
          index: 0,
          logprobs: null,
        }],
      },
      undefined,
      options.ascii,
    ));
  });
  events.push(jsonEvent({
    ...base,
    choices: [{
      content_filter_results: {},
      delta: {},
      finish_reason: options.filtered === undefined ? "stop" : "content_filter",
      index: 0,
      logprobs: null,
    }],
  }));
  events.push(jsonEvent({ ...base, choices: [], usage: OPENAI_USAGE }));
  events.push({ data: "[DONE]" });
  return events;
}

/** A plain Azure chat.completion body (the capture's shape: filter results on the prompt and the choice). */
export function azureCompletion(text = TEXT, filtered?: string): Record<string, unknown> {
  return {
    ...openAICompletion(text),
    prompt_filter_results: [{ prompt_index: 0, content_filter_results: azureFilterResults() }],
    choices: [{
      content_filter_results: azureFilterResults(filtered),
      index: 0,
      message: { role: "assistant", content: text, refusal: null },
      finish_reason: filtered === undefined ? "stop" : "content_filter",
    }],
  };
}

// ---------------------------------------------------------------- Ollama

/** NDJSON framing freedoms. */
export interface NdjsonStyle {
  eol: "lf" | "crlf" | "mixed";
  /** Blank and whitespace-only lines between objects. */
  blanks: boolean;
  /** Whitespace before and after the JSON. */
  pad: boolean;
  /** The last line ends with a newline. */
  finalNewline: boolean;
}

/** The canonical Ollama chat stream lines (objects). */
export function ollamaLines(options: { text?: string; thinking?: boolean } = {}): Record<string, unknown>[] {
  const base = { model: "qwen2.5-coder:7b", created_at: "2025-01-01T00:00:00.000000Z" };
  const lines: Record<string, unknown>[] = [];
  if (options.thinking) {
    for (const t of ["Let me ", "think 🤔 ", "about it."]) {
      lines.push({ ...base, message: { role: "assistant", content: "", thinking: t }, done: false });
    }
  }
  for (const p of pieces(options.text ?? TEXT)) {
    lines.push({ ...base, message: { role: "assistant", content: p }, done: false });
  }
  lines.push({
    ...base,
    message: { role: "assistant", content: "" },
    done_reason: "stop",
    done: true,
    total_duration: 328393900,
    load_duration: 12000000,
    prompt_eval_count: 22,
    prompt_eval_duration: 5000000,
    eval_count: 20,
    eval_duration: 265432931,
  });
  return lines;
}

/** Serialize NDJSON with a style. */
export function ndjson(lines: unknown[], style: NdjsonStyle, random: () => number = Math.random): string {
  let out = "";
  lines.forEach((line, i) => {
    const eol = style.eol === "lf" ? "\n" : style.eol === "crlf" ? "\r\n" : random() < 0.5 ? "\n" : "\r\n";
    if (style.blanks && random() < 0.4) out += random() < 0.5 ? eol : `  \t${eol}`;
    const json = JSON.stringify(line);
    out += style.pad ? ` ${json} \t` : json;
    if (i < lines.length - 1 || style.finalNewline) out += eol;
  });
  return out;
}

// ---------------------------------------------------------------- checks

/** Text deltas joined. */
export const textOf = (events: StreamEvent[]): string =>
  events.flatMap((e) => (e.type === "text-delta" ? [e.text] : [])).join("");

/** Assert the stream ended in exactly one terminal event, last; return it. */
export function terminal(events: StreamEvent[]): StreamEvent & { type: "finish" | "error" } {
  const terminals = events.filter((e) => e.type === "finish" || e.type === "error");
  assert.equal(terminals.length, 1, `exactly one terminal event, got ${events.map((e) => e.type).join(",")}`);
  const last = events.at(-1)!;
  assert.ok(last.type === "finish" || last.type === "error", `terminal event last, got ${last.type}`);
  return last as StreamEvent & { type: "finish" | "error" };
}

/** Assert the stream ended in one error of `kind`; return the error. */
export function streamError(events: StreamEvent[], kind: string | string[]) {
  const t = terminal(events);
  assert.equal(t.type, "error", `expected an error, got finish with text ${JSON.stringify(textOf(events))}`);
  const error = (t as { error: import("../../src/core/mod.ts").SwebenchError }).error;
  const kinds = Array.isArray(kind) ? kind : [kind];
  assert.ok(kinds.includes(error.kind), `kind ${error.kind} (${error.message}) not in ${kinds.join("/")}`);
  assertNoKey(error);
  return error;
}

/** Assert `value` (an error with message, hint, body, cause; or any data) does not contain the key. */
export function assertNoKey(value: unknown, key = KEY): void {
  const seen = new Set<unknown>();
  const texts: string[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 6 || v === null || v === undefined || seen.has(v)) return;
    if (typeof v === "string") return void texts.push(v);
    if (typeof v !== "object") return;
    seen.add(v);
    if (v instanceof Error) {
      texts.push(v.message, v.stack ?? "");
      walk((v as { hint?: unknown }).hint, depth + 1);
      walk((v as { body?: unknown }).body, depth + 1);
      walk(v.cause, depth + 1);
    }
    for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], depth + 1);
  };
  walk(value, 0);
  for (const t of texts) {
    assert.ok(!t.includes(key) && !t.includes(key.slice(3)), `the API key leaked: ${t.slice(0, 200)}`);
  }
}
