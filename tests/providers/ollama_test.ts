// Ollama codecs on the real captures (no network) and pure-function properties.
import assert from "node:assert/strict";
import fc from "fast-check";
import type { StreamEvent } from "../../src/core/mod.ts";
import { SwebenchError } from "../../src/core/mod.ts";
import { jsonLinesDecoder } from "../../src/http/json_lines.ts";
import {
  decodeOllamaPs,
  decodeOllamaPullLine,
  decodeOllamaResponse,
  decodeOllamaShow,
  decodeOllamaTags,
  encodeOllamaRequest,
  explicitNumCtx,
  normalizeOllamaHost,
  ollamaErrorFromMessage,
  ollamaStreamDecoder,
  type OllamaStreamFinishEvent,
  ollamaTimings,
  parseOllamaHost,
  sizeNumCtx,
} from "../../src/providers/ollama/codec.ts";

const CAPTURES = new URL("../fixtures/captures/ollama/", import.meta.url);

async function readJson(name: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(new URL(name, CAPTURES)));
}
async function readLines(name: string): Promise<unknown[]> {
  const text = await Deno.readTextFile(new URL(name, CAPTURES));
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}
async function decodeLines(lines: unknown[], model?: string): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const e of ReadableStream.from(lines).pipeThrough(ollamaStreamDecoder({ model }))) {
    events.push(e);
  }
  return events;
}
function terminalCount(events: StreamEvent[]): number {
  return events.filter((e) => e.type === "finish" || e.type === "error").length;
}

// ------------------------------------------------------------------ host

Deno.test("normalizeOllamaHost matches the official client's forms", () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, "http://127.0.0.1:11434"],
    ["", "http://127.0.0.1:11434"],
    ["   ", "http://127.0.0.1:11434"],
    ["127.0.0.1:11434", "http://127.0.0.1:11434"],
    ["127.0.0.1", "http://127.0.0.1:11434"],
    ["localhost:8080", "http://localhost:8080"],
    ["ollama.internal", "http://ollama.internal:11434"],
    [":12345", "http://127.0.0.1:12345"],
    ["0.0.0.0", "http://127.0.0.1:11434"],
    ["0.0.0.0:9999", "http://127.0.0.1:9999"],
    ["http://0.0.0.0:11434", "http://127.0.0.1:11434"],
    ["[::]:11434", "http://127.0.0.1:11434"],
    ["[::1]:11434", "http://[::1]:11434"],
    ["http://127.0.0.1:11434", "http://127.0.0.1:11434"],
    ["http://127.0.0.1:11434/", "http://127.0.0.1:11434"],
    ["http://example.com", "http://example.com:80"],
    ["https://example.com", "https://example.com:443"],
    ["https://example.com/", "https://example.com:443"],
    ["https://example.com:8443/ollama/", "https://example.com:8443/ollama"],
    ["HTTP://Example.COM:11434", "http://example.com:11434"],
  ];
  for (const [input, expected] of cases) assert.equal(normalizeOllamaHost(input), expected, String(input));
});

Deno.test("parseOllamaHost moves credentials out of the URL; bad hosts are config errors", () => {
  assert.deepEqual(parseOllamaHost("https://user:p%40ss@example.com"), {
    url: "https://example.com:443",
    username: "user",
    password: "p@ss",
  });
  assert.equal(normalizeOllamaHost("https://user:secret@example.com").includes("secret"), false);
  for (const bad of ["http://", "ftp://example.com", "http://exa mple.com"]) {
    assert.throws(
      () => normalizeOllamaHost(bad),
      (e) => e instanceof SwebenchError && e.kind === "config",
      bad,
    );
  }
});

Deno.test("normalizeOllamaHost: idempotent, never a trailing slash (property)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom("http://", "https://", ""),
      fc.constantFrom("127.0.0.1", "localhost", "ollama.example.com", "0.0.0.0", "[::1]"),
      fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
      fc.constantFrom("", "/", "/ollama", "/ollama/"),
      (scheme, host, port, path) => {
        const input = `${scheme}${host}${port === undefined ? "" : `:${port}`}${scheme ? path : ""}`;
        const once = normalizeOllamaHost(input);
        assert.equal(once.endsWith("/"), false);
        assert.match(once, /^https?:\/\/[^/]+:\d+(\/ollama)?$/);
        assert.equal(normalizeOllamaHost(once), once);
      },
    ),
    { numRuns: 200 },
  );
});

// ------------------------------------------------------------------ request

Deno.test("encodeOllamaRequest: messages, options, keep_alive, extra.ollama merged last", () => {
  const body = encodeOllamaRequest(
    {
      model: "qwen2.5-coder:7b",
      system: "You fix bugs.",
      prompt: "Fix it.",
      maxTokens: 512,
      temperature: 0,
      stop: ["</patch>"],
      extra: { keepAlive: "10m", ollama: { top_k: 20, temperature: 0.2 }, think: false },
    },
    { stream: true, numCtx: 8192 },
  );
  assert.deepEqual(body, {
    model: "qwen2.5-coder:7b",
    messages: [{ role: "system", content: "You fix bugs." }, { role: "user", content: "Fix it." }],
    stream: true,
    options: { num_predict: 512, temperature: 0.2, stop: ["</patch>"], num_ctx: 8192, top_k: 20 },
    keep_alive: "10m",
    think: false,
  });
});

Deno.test("encodeOllamaRequest: minimal request has no options and stream false; no system when empty", () => {
  assert.deepEqual(encodeOllamaRequest({ model: "m", prompt: "hi", system: "" }), {
    model: "m",
    messages: [{ role: "user", content: "hi" }],
    stream: false,
  });
  const streamed = encodeOllamaRequest({ model: "m", prompt: "hi", stream: true, extra: { keep_alive: 0 } });
  assert.equal(streamed.stream, true);
  assert.equal(streamed.keep_alive, 0);
  const explicit = encodeOllamaRequest({
    model: "m",
    prompt: "hi",
    extra: { numCtx: 16384, format: "json" },
  });
  assert.deepEqual(explicit.options, { num_ctx: 16384 });
  assert.equal(explicit.format, "json");
});

Deno.test("explicitNumCtx reads extra.ollama.num_ctx, extra.numCtx, extra.num_ctx", () => {
  assert.equal(explicitNumCtx({ model: "m", prompt: "" }), undefined);
  assert.equal(explicitNumCtx({ model: "m", prompt: "", extra: { ollama: { num_ctx: 1 }, numCtx: 2 } }), 1);
  assert.equal(explicitNumCtx({ model: "m", prompt: "", extra: { numCtx: 2 } }), 2);
  assert.equal(explicitNumCtx({ model: "m", prompt: "", extra: { num_ctx: 3 } }), 3);
});

// ------------------------------------------------------------------ num_ctx

Deno.test("sizeNumCtx: rounding, minimum, cap and context_length", () => {
  assert.equal(sizeNumCtx({ promptTokens: 10, errorBound: 0.2, maxTokens: 10 }), 2048);
  assert.equal(sizeNumCtx({ promptTokens: 3000, errorBound: 0.2, maxTokens: 1000 }), 5120);
  assert.equal(sizeNumCtx({ promptTokens: 3000, errorBound: 0, maxTokens: 1096 }), 4096);
  assert.equal(sizeNumCtx({ promptTokens: 3000, errorBound: 0, maxTokens: 1097 }), 5120);
  // capped by the model when the error bound would go past it, but the point estimate fits
  assert.equal(
    sizeNumCtx({ promptTokens: 7000, errorBound: 0.25, maxTokens: 1000, contextLength: 8192 }),
    8192,
  );
  // no maxTokens: a default reserve, still capped, not enforced
  assert.equal(sizeNumCtx({ promptTokens: 1000, errorBound: 0 }), 5120);
  assert.equal(sizeNumCtx({ promptTokens: 1000, errorBound: 0, contextLength: 4096 }), 4096);
  // a tiny model context below the 2048 minimum
  assert.equal(sizeNumCtx({ promptTokens: 10, errorBound: 0, maxTokens: 10, contextLength: 1024 }), 1024);
  assert.throws(
    () =>
      sizeNumCtx({ promptTokens: 7500, errorBound: 0.1, maxTokens: 1000, contextLength: 8192, model: "m" }),
    (e) => e instanceof SwebenchError && e.kind === "context_length" && /8192/.test(e.message),
  );
});

Deno.test("sizeNumCtx: always >= prompt + max tokens when it fits, multiple of 1024 unless capped (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 200_000 }),
      fc.integer({ min: 0, max: 32_000 }),
      fc.double({ min: 0, max: 0.5, noNaN: true }),
      fc.option(fc.integer({ min: 512, max: 262_144 }), { nil: undefined }),
      (prompt, max, bound, ctx) => {
        let size: number;
        try {
          size = sizeNumCtx({ promptTokens: prompt, errorBound: bound, maxTokens: max, contextLength: ctx });
        } catch (e) {
          assert.ok(e instanceof SwebenchError && e.kind === "context_length");
          assert.ok(ctx !== undefined && prompt + max > ctx);
          return;
        }
        assert.ok(size >= Math.min(prompt + max, ctx ?? Infinity));
        assert.ok(size >= prompt + max);
        if (ctx !== undefined) assert.ok(size <= ctx);
        if (ctx === undefined || size < ctx) {
          assert.equal(size % 1024, 0);
          assert.ok(size >= 2048);
          assert.ok(size >= Math.ceil(prompt * (1 + bound)) + max);
        }
      },
    ),
    { numRuns: 500 },
  );
});

// ------------------------------------------------------------------ plain responses (captures)

Deno.test("capture chat.json: content excludes thinking, done_reason length, usage and timings", async () => {
  const r = decodeOllamaResponse(await readJson("chat.json"));
  assert.equal(r.content, "");
  assert.equal(r.model, "qwen3:32b");
  assert.equal(r.finishReason, "length");
  assert.equal(r.rawFinishReason, "length");
  assert.deepEqual(r.usage, {
    promptTokens: 22,
    completionTokens: 20,
    totalTokens: 42,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  });
  assert.ok(r.timings);
  assert.equal(r.timings.totalMs, 371.277452);
  assert.equal(r.timings.loadMs, 59.26005);
  assert.equal(r.timings.promptEvalMs, 33.387435);
  assert.equal(r.timings.evalMs, 267.475275);
  assert.ok(Math.abs(r.timings.tokensPerSecond! - 20 / 0.267475275) < 1e-9);
  assert.equal((r.raw as Record<string, unknown>).total_duration, 371277452);
});

Deno.test("capture generate.json: /api/generate's `response` field is the content", async () => {
  const body = await readJson("generate.json") as Record<string, unknown>;
  const r = decodeOllamaResponse(body);
  assert.equal(r.content, "");
  assert.equal(r.finishReason, "length");
  assert.equal(r.usage.promptTokens, 15);
  assert.equal(r.usage.completionTokens, 10);
  assert.equal(r.timings?.totalMs, 199.697039);
  const withText = decodeOllamaResponse({ ...body, response: "Paris" });
  assert.equal(withText.content, "Paris");
});

Deno.test("decodeOllamaResponse: finish reasons (unknown -> stop with raw kept), missing counts", () => {
  const base = { model: "m", message: { role: "assistant", content: "hi" }, done: true };
  assert.equal(decodeOllamaResponse({ ...base, done_reason: "stop" }).finishReason, "stop");
  const unload = decodeOllamaResponse({ ...base, done_reason: "unload" });
  assert.equal(unload.finishReason, "stop");
  assert.equal(unload.rawFinishReason, "unload");
  const bare = decodeOllamaResponse(base);
  assert.equal(bare.finishReason, "stop");
  assert.equal(bare.rawFinishReason, undefined);
  assert.equal(bare.usage.totalTokens, 0);
  assert.equal(bare.timings, undefined);
  assert.equal(ollamaTimings("x"), undefined);
  assert.equal(bare.content, "hi");
  assert.throws(() => decodeOllamaResponse("nope"), (e) => e instanceof SwebenchError && e.kind === "server");
  assert.throws(() => decodeOllamaResponse(null), (e) => e instanceof SwebenchError && e.kind === "server");
});

Deno.test("capture error bodies: 404 model not found -> pull hint, 400 invalid option -> error", async () => {
  const notFound = await readJson("error-404-model-not-found.json");
  assert.throws(
    () => decodeOllamaResponse(notFound),
    (e) =>
      e instanceof SwebenchError && e.kind === "model_not_found" &&
      e.hint ===
        "Run `ollama pull nonexistent-model-12345` (or `swebench provider pull nonexistent-model-12345`).",
  );
  const invalid = await readJson("error-400-invalid-option.json") as { error: string };
  assert.match(invalid.error, /think value/);
  assert.equal(ollamaErrorFromMessage(invalid.error, { status: 400 }).kind, "invalid_request");
  assert.equal(ollamaErrorFromMessage(invalid.error).kind, "server");
});

Deno.test("ollamaErrorFromMessage classes", () => {
  assert.equal(ollamaErrorFromMessage("model 'x' not found").kind, "model_not_found");
  assert.equal(
    ollamaErrorFromMessage("not found").hint,
    "Unknown model: list the available ones with `swebench provider models <name>`.",
  );
  assert.equal(ollamaErrorFromMessage("server busy", { status: 503 }).kind, "overloaded");
  assert.match(ollamaErrorFromMessage("model not found", { model: "y:1b" }).hint, /ollama pull y:1b/);
  assert.equal(ollamaErrorFromMessage("input length exceeds the context length").kind, "context_length");
  assert.equal(
    ollamaErrorFromMessage("server busy, please try again.  maximum pending requests exceeded").kind,
    "overloaded",
  );
  assert.equal(ollamaErrorFromMessage("llama runner process has terminated").kind, "server");
});

// ------------------------------------------------------------------ streams (captures)

Deno.test("capture chat-stream.ndjson: thinking ignored, one usage and one finish", async () => {
  const events = await decodeLines(await readLines("chat-stream.ndjson"));
  assert.deepEqual(events.map((e) => e.type), ["start", "usage", "finish"]);
  assert.deepEqual(events[0], { type: "start", model: "qwen3:32b" });
  const usage = events[1];
  assert.equal(usage.type, "usage");
  assert.equal(usage.type === "usage" && usage.usage.totalTokens, 42);
  const finish = events[2] as OllamaStreamFinishEvent;
  assert.equal(finish.finishReason, "length");
  assert.equal(finish.rawFinishReason, "length");
  assert.equal(finish.model, "qwen3:32b");
  assert.equal(finish.usage.promptTokens, 22);
  assert.equal(finish.usage.completionTokens, 20);
  assert.equal(finish.timings?.totalMs, 328.3939);
});

Deno.test("stream: text deltas in order, nothing after done:true", async () => {
  const lines = [
    { model: "m", message: { role: "assistant", content: "Hel" }, done: false },
    { model: "m", message: { role: "assistant", content: "", thinking: "hmm" }, done: false },
    { model: "m", message: { role: "assistant", content: "lo" }, done: false },
    {
      model: "m",
      message: { role: "assistant", content: "" },
      done: true,
      done_reason: "stop",
      eval_count: 2,
    },
    { model: "m", message: { role: "assistant", content: "late" }, done: false },
    { error: "late error" },
  ];
  const events = await decodeLines(lines);
  assert.deepEqual(events.map((e) => e.type), ["start", "text-delta", "text-delta", "usage", "finish"]);
  assert.equal(
    events.filter((e) => e.type === "text-delta").map((e) => e.type === "text-delta" && e.text).join(""),
    "Hello",
  );
});

Deno.test("stream: /api/generate lines (`response`) decode too", async () => {
  const events = await decodeLines([
    { model: "m", response: "a", done: false },
    { model: "m", response: "b", done: true, done_reason: "stop" },
  ]);
  assert.deepEqual(events.map((e) => e.type), ["start", "text-delta", "text-delta", "usage", "finish"]);
});

Deno.test("stream: an {error} line inside a 200 stream is one error event, never text", async () => {
  const events = await decodeLines([
    { model: "m", message: { role: "assistant", content: "partial" }, done: false },
    { error: "an error was encountered while running the model: unexpected EOF" },
    { model: "m", message: { role: "assistant", content: "more" }, done: true },
  ]);
  assert.deepEqual(events.map((e) => e.type), ["start", "text-delta", "error"]);
  const error = events[2];
  assert.ok(error.type === "error" && error.error.kind === "server");
  assert.ok(!events.some((e) => e.type === "text-delta" && e.text.includes("error")));

  const notFound = await decodeLines([{ error: "model 'q:1b' not found" }], "q:1b");
  assert.equal(notFound.length, 1);
  assert.ok(notFound[0].type === "error" && notFound[0].error.kind === "model_not_found");
  assert.match(notFound[0].type === "error" ? notFound[0].error.hint : "", /ollama pull q:1b/);

  const objectError = await decodeLines([{ error: { message: "boom" } }]);
  assert.ok(objectError[0].type === "error" && objectError[0].error.kind === "server");
});

Deno.test("stream: ending without done:true -> one connection error 'stream ended early'", async () => {
  const lines = await readLines("chat-stream.ndjson");
  const events = await decodeLines(lines.slice(0, 1));
  assert.deepEqual(events.map((e) => e.type), ["start", "error"]);
  const last = events[1];
  assert.ok(
    last.type === "error" && last.error.kind === "connection" &&
      /stream ended early/.test(last.error.message),
  );
  const empty = await decodeLines([]);
  assert.equal(empty.length, 1);
  assert.ok(empty[0].type === "error" && empty[0].error.kind === "connection");
});

Deno.test("stream: a non-object line is one server error", async () => {
  const events = await decodeLines([{ model: "m", message: { content: "x" }, done: false }, 42, {
    done: true,
  }]);
  assert.deepEqual(events.map((e) => e.type), ["start", "text-delta", "error"]);
});

Deno.test("stream: exactly one terminal event for any line sequence (property)", async () => {
  const line = fc.oneof(
    fc.record({
      model: fc.constant("m"),
      message: fc.record({ role: fc.constant("assistant"), content: fc.string({ maxLength: 5 }) }),
      done: fc.boolean(),
    }),
    fc.record({ error: fc.string({ maxLength: 10 }) }),
    fc.constant(null),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 8 }), async (lines) => {
      const events = await decodeLines(lines);
      assert.equal(terminalCount(events), 1);
      const last = events[events.length - 1];
      assert.ok(last.type === "finish" || last.type === "error");
      assert.ok(events.filter((e) => e.type === "start").length <= 1);
    }),
    { numRuns: 150 },
  );
});

// ------------------------------------------------------------------ lists (captures)

Deno.test("capture tags.json -> models with size and details", async () => {
  const models = decodeOllamaTags(await readJson("tags.json"));
  assert.equal(models.length, 2);
  assert.deepEqual(models[0], {
    name: "qwen3:32b",
    sizeBytes: 20201253829,
    modifiedAt: "2025-08-26T21:46:36.388995313+03:00",
    digest: "030ee887880fc378860c2dd35101da424377520441ae4bfe7be6deff8ade7840",
    details: { format: "gguf", family: "qwen3", parameterSize: "32.8B", quantization: "Q4_K_M" },
  });
  assert.equal(models[1].name, "devstral-vibe:latest");
  assert.equal(models[1].details.family, "mistral3");
  assert.deepEqual(decodeOllamaTags({}), []);
  assert.deepEqual(decodeOllamaTags({ models: [null, { size: 1 }] }), []);
});

Deno.test("capture ps.json -> running models with memory and context length", async () => {
  const running = decodeOllamaPs(await readJson("ps.json"));
  assert.deepEqual(running, [{
    name: "qwen3:32b",
    sizeBytes: 21579390080,
    sizeVramBytes: 21579390080,
    contextLength: 4096,
    expiresAt: "2318-04-22T19:29:44.962381934+03:00",
    details: { format: "gguf", family: "qwen3", parameterSize: "32.8B", quantization: "Q4_K_M" },
  }]);
  assert.deepEqual(decodeOllamaPs(null), []);
  assert.deepEqual(decodeOllamaPs({ models: [1, { size: 3 }, { model: "m" }] }), [
    { name: "m", sizeBytes: 0, sizeVramBytes: 0, details: {} },
  ]);
});

Deno.test("decodeOllamaShow: <arch>.context_length, fallback key, details", () => {
  assert.deepEqual(
    decodeOllamaShow({
      details: { family: "qwen2", parameter_size: "7.6B", quantization_level: "Q4_K_M" },
      model_info: {
        "general.architecture": "qwen2",
        "qwen2.context_length": 32768,
        "llama.context_length": 1,
      },
      capabilities: ["completion", "tools", 3],
    }),
    {
      contextLength: 32768,
      family: "qwen2",
      parameterSize: "7.6B",
      quantization: "Q4_K_M",
      capabilities: ["completion", "tools"],
    },
  );
  assert.deepEqual(decodeOllamaShow({ model_info: { "gemma3.context_length": 131072 } }), {
    contextLength: 131072,
  });
  assert.deepEqual(decodeOllamaShow({}), {});
});

Deno.test("decodeOllamaPullLine: progress, error lines throw", () => {
  assert.deepEqual(
    decodeOllamaPullLine({ status: "pulling abc", digest: "sha256:abc", total: 10, completed: 4 }),
    {
      status: "pulling abc",
      digest: "sha256:abc",
      total: 10,
      completed: 4,
    },
  );
  assert.deepEqual(decodeOllamaPullLine({ status: "success" }), { status: "success" });
  assert.throws(
    () => decodeOllamaPullLine({ error: "pull model manifest: file does not exist" }, { model: "nope" }),
    (e) => e instanceof SwebenchError && e.kind === "model_not_found" && /nope/.test(e.message),
  );
  assert.throws(
    () => decodeOllamaPullLine({ error: "max retries exceeded: EOF" }),
    (e) => e instanceof SwebenchError && e.kind === "server",
  );
  assert.throws(() => decodeOllamaPullLine("x"), (e) => e instanceof SwebenchError);
});

Deno.test("stream: random byte splits, CRLF and blank lines decode to the same events (property)", async () => {
  const lines = [
    { model: "m", message: { role: "assistant", content: "héllo " }, done: false },
    { model: "m", message: { role: "assistant", content: "wörld 🦙" }, done: false },
    {
      model: "m",
      message: { role: "assistant", content: "" },
      done: true,
      done_reason: "stop",
      prompt_eval_count: 5,
      eval_count: 4,
    },
  ];
  const expected = await decodeLines(lines);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("\n", "\r\n"),
      fc.boolean(),
      fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 12 }),
      async (eol, blanks, cuts) => {
        const text = lines.map((l) => JSON.stringify(l)).join(blanks ? `${eol}${eol}` : eol) + eol;
        const bytes = new TextEncoder().encode(text);
        const points = [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let start = 0;
        for (const p of points) {
          chunks.push(bytes.slice(start, p));
          start = p;
        }
        chunks.push(bytes.slice(start));
        const events: StreamEvent[] = [];
        const stream = ReadableStream.from(chunks).pipeThrough(jsonLinesDecoder()).pipeThrough(
          ollamaStreamDecoder(),
        );
        for await (const e of stream) events.push(e);
        assert.deepEqual(events, expected);
      },
    ),
    { numRuns: 150 },
  );
});
