// The shared conformance suite against the Ollama simulator, plus Ollama-only behaviour: num_ctx sizing via
// /api/show, context_length before sending, pull progress, /api/ps, the `ollama pull` and `ollama serve` hints,
// OLLAMA_HOST forms.
import assert from "node:assert/strict";
import type { StreamEvent } from "../../src/core/mod.ts";
import {
  createOllamaProvider,
  listRunning,
  OLLAMA_CONNECTION_HINT,
  type OllamaModelInfo,
  type OllamaPullProgress,
  type OllamaResponse,
  ollamaVersion,
  pullModel,
  showModel,
} from "../../src/providers/ollama/provider.ts";
import { startOllamaSim } from "../simulator/mod.ts";
import type { SimRequest, Simulator } from "../simulator/mod.ts";
import { closedPort } from "../cli/helpers.ts";
import {
  assertOneTerminal,
  assertRejectsKind,
  assertStreamError,
  CONFORMANCE_TEXT,
  conformanceRequest,
  conformanceSuite,
  readEvents,
} from "./conformance.ts";

const MODEL = "qwen2.5-coder:7b";

conformanceSuite({
  name: "ollama",
  start: startOllamaSim,
  create: (sim, extra) => createOllamaProvider({ baseUrl: sim.url, cost: extra?.cost }),
  model: MODEL,
  hasRequestId: false, // Ollama sends no request id header
  // "plain" and "stream-flag" assert exactly one request per call and (plain) costUsd undefined without a cost
  // function. This provider sends one /api/show per model before its first call (to size num_ctx) and prices
  // local models at 0 by default; both cases are re-run below with those two expectations changed.
  skip: ["plain", "stream-flag"],
});

const chatCalls = (sim: Simulator): SimRequest[] => sim.requests.filter((r) => r.path === "/api/chat");
const showCalls = (sim: Simulator): SimRequest[] => sim.requests.filter((r) => r.path === "/api/show");

/** A prompt of about `n` o200k tokens ("word " is one token). */
const longPrompt = (n: number): string => "word ".repeat(n);

Deno.test("ollama: plain generate: content, usage, timings, cost 0, one chat call after one /api/show", async () => {
  await using sim = await startOllamaSim({ respond: () => CONFORMANCE_TEXT });
  const provider = createOllamaProvider({ baseUrl: sim.url });
  const r = await provider.generate(conformanceRequest(MODEL)) as OllamaResponse;
  assert.equal(r.content, CONFORMANCE_TEXT);
  assert.equal(r.finishReason, "stop");
  assert.equal(r.rawFinishReason, "stop");
  assert.equal(r.model, MODEL);
  assert.equal(r.provider, "ollama");
  assert.ok(r.usage.promptTokens > 0 && r.usage.completionTokens > 0);
  assert.equal(r.usage.totalTokens, r.usage.promptTokens + r.usage.completionTokens);
  assert.ok(Number.isFinite(r.latencyMs) && r.latencyMs >= 0);
  assert.equal(r.costUsd, 0, "local models cost 0 by default");
  assert.ok(r.timings !== undefined && r.timings.totalMs! > 0 && r.timings.evalMs! > 0);
  assert.equal(chatCalls(sim).length, 1);
  assert.equal(showCalls(sim).length, 1);
  assert.deepEqual(sim.requests.map((q) => q.path), ["/api/show", "/api/chat"]);
  assert.equal(chatCalls(sim)[0].headers.get("authorization"), null, "no auth header without a key");

  // The /api/show answer is cached per model.
  await provider.generate(conformanceRequest(MODEL));
  assert.equal(showCalls(sim).length, 1);
  assert.equal(chatCalls(sim).length, 2);

  // A configured cost function overrides the local 0.
  const priced = createOllamaProvider({ baseUrl: sim.url, cost: () => undefined });
  assert.equal((await priced.generate(conformanceRequest(MODEL))).costUsd, undefined);
});

Deno.test("ollama: generate with stream: true collects the NDJSON stream", async () => {
  await using sim = await startOllamaSim({ respond: () => CONFORMANCE_TEXT, chunkSize: 5 });
  const provider = createOllamaProvider({ baseUrl: sim.url, cost: (_m, u) => u.totalTokens * 1e-6 });
  const r = await provider.generate(conformanceRequest(MODEL, { stream: true }));
  assert.equal(r.content, CONFORMANCE_TEXT);
  assert.equal(r.finishReason, "stop");
  assert.ok(r.usage.promptTokens > 0 && r.usage.completionTokens > 0);
  assert.equal(r.costUsd, r.usage.totalTokens * 1e-6);
  assert.equal(chatCalls(sim).length, 1);
  assert.equal(chatCalls(sim)[0].body.stream, true);
});

Deno.test("ollama: request body carries num_predict, temperature, stop, keep_alive and extra.ollama", async () => {
  await using sim = await startOllamaSim({ respond: () => CONFORMANCE_TEXT });
  const provider = createOllamaProvider({ baseUrl: sim.url });
  await provider.generate(
    conformanceRequest(MODEL, {
      temperature: 0.1,
      stop: ["lazy"],
      extra: { keepAlive: "15m", ollama: { top_k: 7 } },
    }),
  );
  const body = chatCalls(sim)[0].body;
  assert.equal(body.model, MODEL);
  assert.equal(body.stream, false);
  assert.equal(body.keep_alive, "15m");
  assert.deepEqual(body.messages, [
    { role: "system", content: "You are a test." },
    { role: "user", content: "Say the sentence." },
  ]);
  assert.equal(body.options.num_predict, 256);
  assert.equal(body.options.temperature, 0.1);
  assert.deepEqual(body.options.stop, ["lazy"]);
  assert.equal(body.options.top_k, 7);
  assert.equal(body.options.num_ctx, 2048);
});

Deno.test("ollama: num_ctx is sized from prompt + max tokens, never the silent default truncation", async () => {
  await using sim = await startOllamaSim({ respond: () => "ok" });
  const provider = createOllamaProvider({ baseUrl: sim.url });
  // ~6000 prompt tokens: more than Ollama's 4096 default, so without num_ctx the sim would truncate.
  const request = conformanceRequest(MODEL, { prompt: longPrompt(6000), maxTokens: 1000 });
  const r = await provider.generate(request);
  const chat = chatCalls(sim)[0];
  assert.equal(chat.truncated, undefined, "the prompt was not truncated");
  assert.ok(chat.promptTokens! >= 6000);
  assert.equal(r.usage.promptTokens, chat.promptTokens);
  const numCtx = chat.body.options.num_ctx;
  assert.equal(chat.numCtx, numCtx);
  assert.ok(numCtx >= chat.promptTokens! + 1000, `num_ctx ${numCtx} < prompt ${chat.promptTokens} + 1000`);
  assert.equal(numCtx % 1024, 0);
  assert.ok(numCtx < 32768, "sized, not simply the model maximum");

  // The same through the stream path.
  const events = await readEvents(provider.stream(request));
  assert.equal(assertOneTerminal(events).type, "finish");
  assert.equal(chatCalls(sim)[1].truncated, undefined);
  assert.equal(chatCalls(sim)[1].body.options.num_ctx, numCtx);
});

Deno.test("ollama: num_ctx is capped by the model's context length from /api/show", async () => {
  // The estimate's error margin would ask for more than the model has; the point estimate still fits.
  await using sim = await startOllamaSim({ respond: () => "ok", contextWindow: 7000 });
  const provider = createOllamaProvider({ baseUrl: sim.url });
  await provider.generate(conformanceRequest(MODEL, { prompt: longPrompt(5200), maxTokens: 500 }));
  const chat = chatCalls(sim)[0];
  assert.equal(chat.body.options.num_ctx, 7000);
  assert.equal(chat.truncated, undefined);
  assert.ok(chat.numCtx! >= chat.promptTokens! + 500);
  assert.deepEqual(showCalls(sim)[0].body, { model: MODEL });
});

Deno.test("ollama: a prompt beyond the model's context -> context_length, no chat request sent", async () => {
  await using sim = await startOllamaSim({ contextWindow: 4096 });
  const provider = createOllamaProvider({ baseUrl: sim.url });
  const request = conformanceRequest(MODEL, { prompt: longPrompt(3900), maxTokens: 1024 });
  const e = await assertRejectsKind(provider.generate(request), "context_length");
  assert.match(e.message, /4096/);
  assertStreamError(await readEvents(provider.stream(request)), "context_length");
  assert.equal(chatCalls(sim).length, 0, "nothing was sent to /api/chat");
});

Deno.test("ollama: an explicit num_ctx is kept, but a prompt that would be truncated is refused", async () => {
  await using sim = await startOllamaSim({ respond: () => "ok" });
  const provider = createOllamaProvider({ baseUrl: sim.url });
  await provider.generate(conformanceRequest(MODEL, { extra: { ollama: { num_ctx: 3072 } } }));
  assert.equal(chatCalls(sim)[0].body.options.num_ctx, 3072);
  assert.equal(showCalls(sim).length, 0, "no lookup needed");
  await assertRejectsKind(
    provider.generate(conformanceRequest(MODEL, { prompt: longPrompt(3000), extra: { numCtx: 2048 } })),
    "context_length",
  );
  assert.equal(chatCalls(sim).length, 1);
});

Deno.test("ollama: a missing model says how to pull it (plain, stream, via /api/show and via /api/chat)", async () => {
  await using sim = await startOllamaSim({ models: [MODEL] });
  const provider = createOllamaProvider({ baseUrl: sim.url });
  const hint = "Run `ollama pull qwen3:0.6b` (or `swebench provider pull qwen3:0.6b`).";
  const e = await assertRejectsKind(provider.generate(conformanceRequest("qwen3:0.6b")), "model_not_found");
  assert.equal(e.hint, hint);
  assert.equal(e.status, 404);
  const se = assertStreamError(
    await readEvents(provider.stream(conformanceRequest("qwen3:0.6b"))),
    "model_not_found",
  );
  assert.equal(se.hint, hint);
  assert.equal(chatCalls(sim).length, 0);

  // /api/show knows the model, but /api/chat answers 404 (the model was removed meanwhile).
  sim.setOptions({ faults: [{ type: "status", status: 404 }, { type: "status", status: 404 }] });
  const e2 = await assertRejectsKind(provider.generate(conformanceRequest(MODEL)), "model_not_found");
  assert.equal(e2.hint, `Run \`ollama pull ${MODEL}\` (or \`swebench provider pull ${MODEL}\`).`);
  const se2 = assertStreamError(
    await readEvents(provider.stream(conformanceRequest(MODEL))),
    "model_not_found",
  );
  assert.match(se2.hint, /ollama pull qwen2\.5-coder:7b/);
});

Deno.test("ollama: 400 invalid option -> invalid_request with Ollama's message", async () => {
  await using sim = await startOllamaSim();
  const provider = createOllamaProvider({ baseUrl: sim.url });
  const e = await assertRejectsKind(
    provider.generate(conformanceRequest("qwen3:8b", { extra: { think: "low" } })),
    "invalid_request",
  );
  assert.match(e.message, /think value "low" is not supported/);
  assert.equal(e.status, 400);
});

Deno.test("ollama: server not running -> connection error with the `ollama serve` hint", async () => {
  const port = closedPort();
  const provider = createOllamaProvider({ baseUrl: `127.0.0.1:${port}` });
  const e = await assertRejectsKind(provider.generate(conformanceRequest(MODEL)), "connection");
  assert.equal(e.hint, OLLAMA_CONNECTION_HINT);
  assert.equal(e.retryable, true);
  const se = assertStreamError(await readEvents(provider.stream(conformanceRequest(MODEL))), "connection");
  assert.equal(se.hint, OLLAMA_CONNECTION_HINT);
  const le = await assertRejectsKind(provider.listModels!(), "connection");
  assert.equal(le.hint, OLLAMA_CONNECTION_HINT);
  const ve = await assertRejectsKind(ollamaVersion({ host: `:${port}` }), "connection");
  assert.equal(ve.hint, OLLAMA_CONNECTION_HINT);
});

Deno.test("ollama: OLLAMA_HOST forms all reach the server", async () => {
  await using sim = await startOllamaSim({ respond: () => "ok" });
  const port = new URL(sim.url).port;
  const forms = [
    `127.0.0.1:${port}`,
    `:${port}`,
    `0.0.0.0:${port}`,
    `http://127.0.0.1:${port}`,
    `http://127.0.0.1:${port}/`,
    `http://localhost:${port}`,
    ` ${sim.url} `,
  ];
  for (const form of forms) {
    const provider = createOllamaProvider({ baseUrl: form });
    assert.match(provider.baseUrl, /^http:\/\/(127\.0\.0\.1|localhost):\d+$/, form);
    assert.equal((await provider.generate(conformanceRequest(MODEL))).content, "ok", form);
    assert.equal(await ollamaVersion({ host: form }), "0.13.5", form);
  }
  assert.equal(createOllamaProvider().baseUrl, "http://127.0.0.1:11434");
});

Deno.test("ollama: credentials in OLLAMA_HOST and an apiKey go only into the Authorization header", async () => {
  await using sim = await startOllamaSim({ respond: () => "ok" });
  const port = new URL(sim.url).port;
  const basic = createOllamaProvider({ baseUrl: `http://alice:s3cret-pass@127.0.0.1:${port}` });
  assert.ok(!basic.baseUrl.includes("s3cret"));
  const r = await basic.generate(conformanceRequest(MODEL));
  assert.ok(!JSON.stringify(r).includes("s3cret"));
  const keyed = createOllamaProvider({ baseUrl: sim.url, apiKey: "ollama-key-0123456789" });
  await keyed.generate(conformanceRequest(MODEL));
  const expected = [`Basic ${btoa("alice:s3cret-pass")}`, "Bearer ollama-key-0123456789"];
  for (const request of chatCalls(sim)) {
    assert.ok(expected.includes(request.headers.get("authorization") ?? ""));
    assert.ok(
      !JSON.stringify(request.body).includes("s3cret") &&
        !JSON.stringify(request.body).includes("ollama-key"),
    );
  }

  // A connection error never shows the password.
  const closed = closedPort();
  const e = await assertRejectsKind(
    createOllamaProvider({ baseUrl: `http://alice:s3cret-pass@127.0.0.1:${closed}` }).generate(
      conformanceRequest(MODEL),
    ),
    "connection",
  );
  assert.ok(!JSON.stringify(e.toJSON(true)).includes("s3cret"));
});

Deno.test("ollama: listModels from /api/tags with size and details", async () => {
  await using sim = await startOllamaSim({ models: [MODEL, "qwen3:32b"] });
  const provider = createOllamaProvider({ baseUrl: sim.url });
  const models = await provider.listModels!() as OllamaModelInfo[];
  assert.deepEqual(models.map((m) => m.id), [MODEL, "qwen3:32b"]);
  assert.ok(models[0].sizeBytes! > 0);
  assert.ok(models[0].createdAt);
  assert.equal(models[0].details?.family, "qwen2");
  assert.equal(models[1].details?.parameterSize, "32B");
  assert.equal(models[0].details?.quantization, "Q4_K_M");
});

Deno.test("ollama: countTokens is an estimate with its error bound", async () => {
  const provider = createOllamaProvider({ baseUrl: "127.0.0.1:1" });
  const count = await provider.countTokens!(conformanceRequest(MODEL, { prompt: longPrompt(1000) }));
  assert.equal(count.method, "estimate");
  assert.ok(count.errorBound >= 0.25);
  assert.ok(count.tokens >= 1000 && count.tokens <= 1300, `tokens ${count.tokens}`);
  const injected = createOllamaProvider({
    baseUrl: "127.0.0.1:1",
    tokenCounter: () => Promise.resolve({ errorBound: 0.4, countChat: () => 42 }),
  });
  assert.deepEqual(await injected.countTokens!(conformanceRequest(MODEL)), {
    tokens: 42,
    method: "estimate",
    errorBound: 0.4,
  });
  const broken = createOllamaProvider({
    baseUrl: "127.0.0.1:1",
    tokenCounter: () => Promise.reject(new Error("x")),
  });
  const fallback = await broken.countTokens!(conformanceRequest(MODEL, { prompt: "abcdef" }));
  assert.equal(fallback.method, "estimate");
  assert.ok(fallback.tokens > 0 && fallback.errorBound >= 0.5);
});

Deno.test("ollama: pullModel streams /api/pull progress until success", async () => {
  await using sim = await startOllamaSim({ models: [MODEL] });
  const progress: OllamaPullProgress[] = [];
  for await (const p of pullModel({ host: sim.url, model: "qwen3:8b" })) {
    progress.push(p);
    assert.ok(progress.length < 100);
  }
  assert.equal(progress[0].status, "pulling manifest");
  assert.equal(progress.at(-1)?.status, "success");
  const layer = progress.filter((p) => p.total !== undefined);
  assert.ok(layer.length >= 4);
  assert.ok(layer.every((p) => p.digest?.startsWith("sha256:") && p.completed! <= p.total!));
  assert.deepEqual(sim.requests.at(-1)?.body, { model: "qwen3:8b", stream: true });
  // Now pulled: listed and usable.
  const provider = createOllamaProvider({ baseUrl: sim.url });
  assert.ok((await provider.listModels!()).some((m) => m.id === "qwen3:8b"));
});

Deno.test("ollama: pullModel: an error line throws, an early end throws, a consumer may stop early", async () => {
  const ndjson = (text: string, status = 200): typeof fetch => () =>
    Promise.resolve(new Response(text, { status, headers: { "content-type": "application/x-ndjson" } }));
  const drain = async (it: AsyncIterable<OllamaPullProgress>): Promise<OllamaPullProgress[]> => {
    const out: OllamaPullProgress[] = [];
    for await (const p of it) out.push(p);
    return out;
  };
  const seen: OllamaPullProgress[] = [];
  const notFound = await assertRejectsKind(
    (async () => {
      for await (
        const p of pullModel({
          model: "nope:1b",
          fetch: ndjson(
            '{"status":"pulling manifest"}\n{"error":"pull model manifest: file does not exist"}\n',
          ),
        })
      ) seen.push(p);
    })(),
    "model_not_found",
  );
  assert.deepEqual(seen, [{ status: "pulling manifest" }]);
  assert.match(notFound.message, /nope:1b/);
  await assertRejectsKind(
    drain(pullModel({ model: "m", fetch: ndjson('{"status":"pulling manifest"}\n') })),
    "connection",
  );
  await assertRejectsKind(drain(pullModel({ model: "m", fetch: ndjson('{"error":"boom"}', 500) })), "server");
  await assertRejectsKind(drain(pullModel({ model: "m", fetch: ndjson("{not json\n") })), "server");

  await using sim = await startOllamaSim();
  for await (const p of pullModel({ host: sim.url, model: "qwen3:8b" })) {
    assert.equal(p.status, "pulling manifest");
    break; // the generator cancels the body
  }
  const controller = new AbortController();
  controller.abort();
  await assertRejectsKind(
    drain(pullModel({ host: sim.url, model: "qwen3:8b", signal: controller.signal })),
    "interrupted",
  );
});

Deno.test("ollama: listRunning from /api/ps shows loaded models with memory and context length", async () => {
  await using sim = await startOllamaSim({ respond: () => "ok" });
  assert.deepEqual(await listRunning({ host: sim.url }), []);
  const provider = createOllamaProvider({ baseUrl: sim.url });
  await provider.generate(conformanceRequest(MODEL, { prompt: longPrompt(3000) }));
  const running = await listRunning({ host: sim.url });
  assert.equal(running.length, 1);
  assert.equal(running[0].name, MODEL);
  assert.ok(running[0].sizeBytes > 0 && running[0].sizeVramBytes > 0);
  assert.equal(running[0].contextLength, chatCalls(sim)[0].body.options.num_ctx);
  assert.ok(running[0].expiresAt && !Number.isNaN(Date.parse(running[0].expiresAt)));
});

Deno.test("ollama: showModel and ollamaVersion", async () => {
  await using sim = await startOllamaSim({ models: [MODEL] });
  const info = await showModel({ host: sim.url, model: MODEL });
  assert.equal(info.contextLength, 32768);
  assert.equal(info.family, "qwen2");
  assert.equal(info.parameterSize, "7B");
  assert.equal(info.quantization, "Q4_K_M");
  const e = await assertRejectsKind(showModel({ host: sim.url, model: "missing:1b" }), "model_not_found");
  assert.match(e.hint, /ollama pull missing:1b/);
  assert.equal(await ollamaVersion({ host: sim.url }), "0.13.5");
  await assertRejectsKind(
    ollamaVersion({ fetch: () => Promise.resolve(new Response("{}", { status: 200 })) }),
    "server",
  );
  await assertRejectsKind(
    listRunning({ fetch: () => Promise.resolve(new Response("<html>", { status: 200 })) }),
    "html_page",
  );
});

Deno.test("ollama: /api/show failing with a server error still sends the call, sized without a cap", async () => {
  await using sim = await startOllamaSim({ respond: () => "ok" });
  const realFetch = fetch;
  let shows = 0;
  const flaky: typeof fetch = (input, init) => {
    if (String(input).endsWith("/api/show")) {
      shows++;
      return Promise.resolve(new Response('{"error":"boom"}', { status: 500 }));
    }
    return realFetch(input, init);
  };
  const provider = createOllamaProvider({ baseUrl: sim.url, fetch: flaky });
  const r = await provider.generate(conformanceRequest(MODEL, { prompt: longPrompt(5000), maxTokens: 100 }));
  assert.equal(r.content, "ok");
  const chat = chatCalls(sim)[0];
  assert.ok(chat.body.options.num_ctx >= chat.promptTokens! + 100);
  assert.equal(chat.truncated, undefined);
  await provider.generate(conformanceRequest(MODEL));
  assert.equal(shows, 2, "a failed lookup is not cached");
});

Deno.test("ollama: thinking text never leaks into the content", async () => {
  await using sim = await startOllamaSim({ respond: () => "answer", chunkSize: 3 });
  const provider = createOllamaProvider({ baseUrl: sim.url });
  const r = await provider.generate(conformanceRequest("qwen3:8b", { extra: { think: true } }));
  assert.equal(r.content, "answer");
  const events: StreamEvent[] = await readEvents(
    provider.stream(conformanceRequest("qwen3:8b", { extra: { think: true } })),
  );
  const text = events.flatMap((e) => e.type === "text-delta" ? [e.text] : []).join("");
  assert.equal(text, "answer");
  assert.equal(chatCalls(sim)[0].body.think, true);
});

Deno.test("ollama: a consumer cancelling the stream closes the call", async () => {
  await using sim = await startOllamaSim({ respond: () => CONFORMANCE_TEXT, chunkSize: 2, chunkDelayMs: 5 });
  const provider = createOllamaProvider({ baseUrl: sim.url });
  const reader = provider.stream(conformanceRequest(MODEL)).getReader();
  const first = await reader.read();
  assert.equal(first.value?.type, "start");
  await reader.cancel("enough");
  assert.equal((await reader.read()).done, true);
});

Deno.test("ollama: a 200 without a body -> one server error (stream), pull rejects", async () => {
  const noBody: typeof fetch = (input) =>
    Promise.resolve(
      String(input).endsWith("/api/show")
        ? new Response(
          JSON.stringify({ model_info: { "general.architecture": "qwen2", "qwen2.context_length": 8192 } }),
        )
        : new Response(null, { status: 200 }),
    );
  const provider = createOllamaProvider({ fetch: noBody });
  assertStreamError(await readEvents(provider.stream(conformanceRequest(MODEL))), "server");
  await assertRejectsKind(
    (async () => {
      for await (const _ of pullModel({ model: "m", fetch: noBody })) { /* nothing arrives */ }
    })(),
    "server",
  );
});

Deno.test("ollama: user headers are sent; secret-looking ones are redacted from errors", async () => {
  await using sim = await startOllamaSim({ respond: () => "ok" });
  const secret = "hdr-secret-0123456789";
  const provider = createOllamaProvider({
    baseUrl: sim.url,
    headers: { "X-Api-Key": secret, "X-Trace": "t1" },
  });
  await provider.generate(conformanceRequest(MODEL));
  assert.equal(chatCalls(sim)[0].headers.get("x-api-key"), secret);
  assert.equal(chatCalls(sim)[0].headers.get("x-trace"), "t1");
  sim.setOptions({ faults: [{ type: "status", status: 400, message: `bad header ${secret}` }] });
  const e = await assertRejectsKind(provider.generate(conformanceRequest(MODEL)), "invalid_request");
  assert.ok(!JSON.stringify(e.toJSON(true)).includes(secret), e.message);
});

Deno.test("ollama: a shared /api/show lookup aborted by one caller does not fail another", async () => {
  await using sim = await startOllamaSim({ respond: () => "ok" });
  const realFetch = fetch;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  let started: () => void = () => {};
  const firstShowStarted = new Promise<void>((resolve) => started = resolve);
  let shows = 0;
  const slowShow: typeof fetch = async (input, init) => {
    if (String(input).endsWith("/api/show") && shows++ === 0) {
      started();
      await gate;
      init?.signal?.throwIfAborted();
    }
    return await realFetch(input, init);
  };
  const provider = createOllamaProvider({
    baseUrl: sim.url,
    fetch: slowShow,
    tokenCounter: () => Promise.resolve({ errorBound: 0.25, countChat: () => 20 }),
  });
  const controller = new AbortController();
  const first = provider.generate(conformanceRequest(MODEL), { signal: controller.signal });
  await firstShowStarted;
  const second = provider.generate(conformanceRequest(MODEL));
  await new Promise((resolve) => setTimeout(resolve, 10)); // no I/O before the second call awaits the lookup
  controller.abort();
  release();
  await assertRejectsKind(first, "interrupted");
  assert.equal((await second).content, "ok");
  assert.equal(shows, 2);
});
