/**
 * Shape fidelity: for each real capture in tests/fixtures/captures/, the simulator's corresponding response has
 * the same set of keys (recursively, values ignored). Streams are compared as the union of key paths over their
 * events (per event type for Anthropic).
 *
 * Not compared: openai/error-429-openrouter.json (an OpenAI-compatible gateway's own error format) and
 * openai/compatible-tool-call.sse (a gateway's tool-call stream); tool-call paths of
 * openai/stream-gpt-4o-mini-0.sse (the simulator answers text, not tool calls). The compatible server's
 * anthropic/message-delta-input-tokens.chunks.jsonl is checked as a subset (it sends fewer usage fields).
 *
 * Gemini: every capture is replayed (same path, same request body). `usageMetadata.serviceTier` is in the newest
 * capture (2026) and not in the 2025 ones: the simulator sends it, and it is the one key allowed beyond the older
 * captures.
 *
 * Azure: every capture is replayed likewise. `choices[].message.annotations` is in the captures from November 2025
 * on and not in the March 2025 one (chat-completion-gpt-4o.json): the one key allowed beyond that capture.
 *
 * Batches: the lines of an OpenAI output file and of an Anthropic results file have the captures' keys (batch
 * objects themselves were not found recorded anywhere; their shape follows the SDK types, see the research note).
 */
import assert from "node:assert/strict";
import { startAnthropicSim, startAzureSim, startGeminiSim, startOllamaSim, startOpenAISim } from "./mod.ts";

const CAPTURES = new URL("../fixtures/captures/", import.meta.url);
const readText = (path: string) => Deno.readTextFile(new URL(path, CAPTURES));
const readJson = async (path: string) => JSON.parse(await readText(path));

/** Key paths of a JSON value: `a`, `a.b`, `a.c[].d` (array elements merged). */
function keyPaths(value: unknown, prefix = "", out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) keyPaths(item, `${prefix}[]`, out);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${k}` : k;
      out.add(path);
      keyPaths(v, path, out);
    }
  }
  return out;
}

function union(values: unknown[], skip?: (path: string) => boolean): string[] {
  const all = new Set<string>();
  for (const v of values) for (const p of keyPaths(v)) if (!skip?.(p)) all.add(p);
  return [...all].sort();
}

/** SSE text -> [{event, data}] with data parsed unless it is [DONE]. */
function parseSse(text: string): { event?: string; data: unknown }[] {
  const out: { event?: string; data: unknown }[] = [];
  for (const block of text.replace(/\r\n/g, "\n").split("\n\n")) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (data.length === 0) continue;
    const joined = data.join("\n");
    out.push({ event, data: joined === "[DONE]" ? "[DONE]" : JSON.parse(joined) });
  }
  return out;
}

const ndjson = (text: string) => text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

const ANTHROPIC_HEADERS = { "x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01" };
const isTool = (p: string) => p.includes("tool_calls");

Deno.test("shape: OpenAI plain completions match the captures' keys", async () => {
  await using sim = await startOpenAISim();
  const capture = await readJson("openai/chat-completion.json");
  const res = await postJson(`${sim.url}/v1/chat/completions`, {
    model: "gpt-4.1-nano",
    messages: [{ role: "user", content: "Invent a new holiday and describe its traditions." }],
  });
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.deepEqual(union([await res.json()]), union([capture]));

  const meta = await readJson("openai/completion-gpt-4o-mini.meta.json");
  const res2 = await postJson(`${sim.url}/v1/chat/completions`, meta.request_body);
  assert.equal(res2.headers.get("content-type"), meta.headers["content-type"][0]);
  const body2 = await res2.json();
  assert.deepEqual(union([body2]), union([await readJson("openai/completion-gpt-4o-mini.json")]));
  assert.equal(body2.usage.prompt_tokens, 8, "same prompt_tokens as the real API for this request");
});

Deno.test("shape: OpenAI streams match the captures' chunk keys", async () => {
  await using sim = await startOpenAISim();
  const captureChunks = ndjson(await readText("openai/chat-completion.chunks.jsonl"));
  const res = await postJson(`${sim.url}/v1/chat/completions`, {
    model: "gpt-4.1-nano",
    messages: [{ role: "user", content: "hi" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const events = parseSse(await res.text());
  assert.equal(events[events.length - 1].data, "[DONE]");
  const chunks = events.slice(0, -1).map((e) => e.data);
  assert.deepEqual(union(chunks), union(captureChunks));
  // Same sequence: role chunk first, usage chunk last with choices [].
  assert.deepEqual(Object.keys((chunks[0] as { choices: { delta: object }[] }).choices[0].delta), [
    "role",
    "content",
    "refusal",
  ]);
  assert.deepEqual((chunks[chunks.length - 1] as { choices: unknown[] }).choices, []);

  for (const name of ["stream-gpt-4o-mini-0", "stream-gpt-4o-mini-1"]) {
    const meta = await readJson(`openai/${name}.meta.json`);
    const capture = parseSse(await readText(`openai/${name}.sse`));
    const r = await postJson(`${sim.url}/v1/chat/completions`, meta.request_body);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), meta.headers["content-type"][0]);
    const mine = parseSse(await r.text());
    assert.equal(mine[mine.length - 1].data, "[DONE]");
    assert.equal(capture[capture.length - 1].data, "[DONE]");
    assert.deepEqual(
      union(mine.slice(0, -1).map((e) => e.data), isTool),
      union(capture.slice(0, -1).map((e) => e.data), isTool),
      name,
    );
  }
});

Deno.test("shape: OpenAI reasoning-model 400 equals the capture", async () => {
  await using sim = await startOpenAISim();
  const res = await postJson(`${sim.url}/v1/chat/completions`, {
    model: "o3-mini",
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 100,
  });
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), await readJson("openai/error-400-unsupported-parameter.json"));
});

Deno.test("shape: Anthropic message, stream events and errors match the captures", async () => {
  await using sim = await startAnthropicSim({ models: ["claude-sonnet-4-5", "claude-haiku-4-5"] });
  const plain = await postJson(`${sim.url}/v1/messages`, {
    model: "claude-sonnet-4-5",
    max_tokens: 100,
    messages: [{ role: "user", content: "How are you?" }],
  }, ANTHROPIC_HEADERS);
  const body = await plain.json();
  assert.deepEqual(union([body]), union([await readJson("anthropic/message.json")]));
  assert.equal(body.model, "claude-sonnet-4-5-20250929");

  const byType = (events: { type: string }[]) => {
    const m = new Map<string, { type: string }[]>();
    for (const e of events) m.set(e.type, [...(m.get(e.type) ?? []), e]);
    return m;
  };
  const meta = await readJson("anthropic/stream-sonnet-4-5.meta.json");
  const res = await postJson(`${sim.url}/v1/messages?beta=true`, meta.request_body, ANTHROPIC_HEADERS);
  assert.equal(res.headers.get("content-type"), meta.headers["content-type"][0]);
  assert.equal(res.headers.get("cache-control"), "no-cache");
  const mineSse = parseSse(await res.text());
  const capSse = parseSse(await readText("anthropic/stream-sonnet-4-5.sse"));
  const dedupe = (names: (string | undefined)[]) => names.filter((n, i) => n !== names[i - 1]);
  assert.deepEqual(
    dedupe(mineSse.map((e) => e.event)),
    dedupe(capSse.map((e) => e.event)),
    "same event sequence",
  );
  const chunks = ndjson(await readText("anthropic/message.chunks.jsonl"));
  const mine = byType(mineSse.map((e) => e.data as { type: string }));
  for (const [type, caps] of byType(chunks)) {
    assert.deepEqual(union(mine.get(type) ?? []), union(caps), type);
  }
  for (const [type, caps] of byType(capSse.map((e) => e.data as { type: string }))) {
    assert.deepEqual(union(mine.get(type) ?? []), union(caps), `sse ${type}`);
  }
  // A compatible server's stream sends fewer usage fields: its keys are a subset of ours.
  const compat = ndjson(await readText("anthropic/message-delta-input-tokens.chunks.jsonl"));
  for (const [type, caps] of byType(compat)) {
    const ours = new Set(union(mine.get(type) ?? []));
    for (const p of union(caps)) assert.ok(ours.has(p), `${type}: ${p}`);
  }

  const err = await postJson(`${sim.url}/v1/messages/count_tokens?beta=true`, {
    model: "claude-does-not-exist",
    messages: [{ role: "user", content: [{ type: "text", text: "hello" }] }],
  }, ANTHROPIC_HEADERS);
  assert.equal(err.status, 404);
  const errBody = await err.json();
  const capErr = await readJson("anthropic/error-404-count-tokens.json");
  assert.deepEqual(union([errBody]), union([capErr]));
  assert.deepEqual(errBody.error, capErr.error);
  assert.match(errBody.request_id, /^req_011C[A-Za-z0-9]{20}$/);
});

Deno.test("shape: Ollama native endpoints match the captures", async () => {
  await using sim = await startOllamaSim({ models: ["qwen3:32b", "devstral-vibe:latest"] });
  const think = { model: "qwen3:32b", messages: [{ role: "user", content: "What is 2+2?" }], think: true };
  const chat = await postJson(`${sim.url}/api/chat`, { ...think, stream: false });
  assert.equal(chat.headers.get("content-type"), "application/json; charset=utf-8");
  assert.deepEqual(union([await chat.json()]), union([await readJson("ollama/chat.json")]));

  const stream = await postJson(`${sim.url}/api/chat`, think);
  assert.equal(stream.headers.get("content-type"), "application/x-ndjson");
  const lines = ndjson(await stream.text());
  const capLines = ndjson(await readText("ollama/chat-stream.ndjson"));
  assert.deepEqual(union([lines[0]]), union([capLines[0]]), "first line");
  assert.deepEqual(union([lines[lines.length - 1]]), union([capLines[capLines.length - 1]]), "done line");

  const gen = await postJson(`${sim.url}/api/generate`, {
    model: "qwen3:32b",
    prompt: "The capital of France is",
    think: true,
    stream: false,
  });
  const genBody = await gen.json();
  const capGen = await readJson("ollama/generate.json");
  assert.deepEqual(union([genBody]), union([capGen]));
  assert.equal(genBody.prompt_eval_count, 5 + 5 + 3, "template: 5 per message + content tokens + 3");

  assert.deepEqual(
    union([await (await fetch(`${sim.url}/api/tags`)).json()]),
    union([await readJson("ollama/tags.json")]),
  );
  assert.deepEqual(
    union([await (await fetch(`${sim.url}/api/ps`)).json()]),
    union([await readJson("ollama/ps.json")]),
  );

  const nf = await postJson(`${sim.url}/api/chat`, {
    model: "nonexistent-model-12345",
    messages: [],
    stream: false,
  });
  assert.equal(nf.status, 404);
  const capNf = await readJson("ollama/error-404-model-not-found.json");
  assert.deepEqual(await nf.json(), capNf);

  const bad = await postJson(`${sim.url}/api/chat`, { ...think, think: "low", stream: false });
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), await readJson("ollama/error-400-invalid-option.json"));
});

Deno.test("shape: Ollama OpenAI-compatible endpoint matches the captures", async () => {
  await using sim = await startOllamaSim();
  const req = {
    model: "qwen3:32b",
    messages: [{ role: "user", content: "Say hello" }],
    reasoning_effort: "low",
  };
  const plain = await postJson(`${sim.url}/v1/chat/completions`, req);
  assert.deepEqual(union([await plain.json()]), union([await readJson("ollama/v1-chat-completion.json")]));
  const stream = await postJson(`${sim.url}/v1/chat/completions`, { ...req, stream: true });
  assert.equal(stream.headers.get("content-type"), "text/event-stream");
  const mine = parseSse(await stream.text());
  const cap = parseSse(await readText("ollama/v1-chat-stream.sse"));
  assert.equal(mine[mine.length - 1].data, "[DONE]");
  assert.deepEqual(union(mine.slice(0, -1).map((e) => e.data)), union(cap.slice(0, -1).map((e) => e.data)));
});

const GEMINI_NEW_KEYS = new Set(["usageMetadata.serviceTier"]);

/** Replay one Gemini capture against the simulator: same path and body. */
async function replayGemini(url: string, name: string): Promise<Response> {
  const meta = await readJson(`gemini/${name}.meta.json`);
  const uri = new URL(meta.request_uri);
  return await postJson(`${url}${uri.pathname}${uri.search}`, meta.request_body, {
    "x-goog-api-key": "AIza-test",
  });
}

Deno.test("shape: Gemini generateContent, countTokens and thinking-ate-the-budget match the captures' keys", async () => {
  await using sim = await startGeminiSim({
    respond: () => "Here is a list of all 50 U.S. states, in order. ".repeat(4),
  });
  for (const name of ["generate-content-gemini-2.5-flash", "generate-content-max-tokens-gemini-2.5-flash"]) {
    const res = await replayGemini(sim.url, name);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json; charset=UTF-8");
    const mine = await res.json();
    const cap = await readJson(`gemini/${name}.json`);
    assert.deepEqual(union([mine], (p) => GEMINI_NEW_KEYS.has(p)), union([cap]), name);
    assert.equal(mine.candidates[0].finishReason, cap.candidates[0].finishReason, name);
  }
  const ate = await (await replayGemini(sim.url, "generate-content-thinking-ate-max-tokens")).json();
  const capAte = await readJson("gemini/generate-content-thinking-ate-max-tokens.json");
  assert.deepEqual(union([ate]), union([capAte]), "thinking ate the budget: exactly the capture's keys");
  assert.deepEqual(ate.candidates, capAte.candidates);
  const count = await (await replayGemini(sim.url, "count-tokens-gemini-2.5-flash")).json();
  assert.deepEqual(union([count]), union([await readJson("gemini/count-tokens-gemini-2.5-flash.json")]));
});

Deno.test("shape: Gemini SSE streams match the captures' keys (2.5 and the older 2.0 shape)", async () => {
  await using sim = await startGeminiSim({
    respond: () => "The capital of France is Paris. ".repeat(5),
    chunkSize: 20,
  });
  for (
    const name of [
      "stream-gemini-2.5-flash",
      "stream-max-tokens-gemini-2.5-flash",
      "stream-gemini-2.0-flash-exp",
    ]
  ) {
    const meta = await readJson(`gemini/${name}.meta.json`);
    const res = await replayGemini(sim.url, name);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), meta.headers["content-type"][0]);
    assert.equal(res.headers.get("content-disposition"), "attachment");
    const text = await res.text();
    assert.ok(text.includes("\r\n\r\n") && !/[^\r]\n/.test(text), `${name}: CRLF line ends as the capture`);
    const mine = parseSse(text).map((e) => e.data);
    const cap = parseSse(await readText(`gemini/${name}.sse`)).map((e) => e.data);
    assert.deepEqual(union(mine, (p) => GEMINI_NEW_KEYS.has(p)), union(cap), name);
    const finish = (events: unknown[]) =>
      (events[events.length - 1] as { candidates: { finishReason: string }[] }).candidates[0].finishReason;
    assert.equal(finish(mine), finish(cap), name);
  }
});

Deno.test("shape: Gemini errors equal the captures (API_KEY_INVALID 400, NOT_FOUND 404, plain and stream)", async () => {
  await using sim = await startGeminiSim({ apiKey: "AIza-right", models: ["gemini-2.5-flash"] });
  for (const name of ["error-400-api-key-invalid", "error-400-api-key-invalid-stream"]) {
    const meta = await readJson(`gemini/${name}.meta.json`);
    const res = await replayGemini(sim.url, name);
    assert.equal(res.status, meta.status.code, name);
    assert.equal(res.headers.get("content-type"), meta.headers["content-type"][0], name);
    assert.deepEqual(JSON.parse(await res.text()), await readJson(`gemini/${name}.json`), name);
  }
  sim.setOptions({ apiKey: undefined, models: undefined });
  for (const name of ["error-404-model-not-found", "error-404-model-not-found-stream"]) {
    const meta = await readJson(`gemini/${name}.meta.json`);
    sim.setOptions({ models: ["gemini-2.5-flash"] });
    const res = await replayGemini(sim.url, name);
    assert.equal(res.status, 404, name);
    assert.equal(res.headers.get("content-type"), meta.headers["content-type"][0], name);
    assert.deepEqual(JSON.parse(await res.text()), await readJson(`gemini/${name}.json`), name);
  }
});

/** Replay one Azure capture against the simulator: same path, query and body. */
async function replayAzure(url: string, name: string): Promise<Response> {
  const meta = await readJson(`azure/${name}.meta.json`);
  const uri = new URL(meta.request_uri);
  return await postJson(`${url}${uri.pathname}${uri.search}`, meta.request_body, { "api-key": "azure-test" });
}

Deno.test("shape: Azure plain completions on both routes match the captures' keys", async () => {
  await using sim = await startAzureSim();
  for (
    const name of ["chat-completion-gpt-4o-mini", "v1-chat-completion-gpt-5-mini", "chat-completion-gpt-4o"]
  ) {
    const meta = await readJson(`azure/${name}.meta.json`);
    const res = await replayAzure(sim.url, name);
    assert.equal(res.status, 200, name);
    assert.equal(res.headers.get("content-type"), meta.headers["content-type"][0], name);
    if (meta.headers["x-ms-deployment-name"]) {
      assert.equal(res.headers.get("x-ms-deployment-name"), meta.headers["x-ms-deployment-name"][0]);
    }
    const mine = await res.json();
    const cap = await readJson(`azure/${name}.json`);
    const skip = name === "chat-completion-gpt-4o"
      ? (p: string) => p === "choices[].message.annotations"
      : undefined;
    assert.deepEqual(union([mine], skip), union([cap]), name);
    assert.equal(
      mine.system_fingerprint === null,
      cap.system_fingerprint === null,
      `${name}: null fingerprint`,
    );
    assert.equal(mine.model.split("-20")[0], cap.model.split("-20")[0], `${name}: the underlying model`);
  }
});

Deno.test("shape: Azure streams on both routes match the captures' chunk keys and order", async () => {
  await using sim = await startAzureSim({ respond: () => "4200 + 42 equals 4242." });
  for (const name of ["stream-gpt-4o-mini", "v1-stream-gpt-5-mini"]) {
    const meta = await readJson(`azure/${name}.meta.json`);
    const res = await replayAzure(sim.url, name);
    assert.equal(res.headers.get("content-type"), meta.headers["content-type"][0], name);
    const mine = parseSse(await res.text());
    const cap = parseSse(await readText(`azure/${name}.sse`));
    assert.equal(mine[mine.length - 1].data, "[DONE]");
    const data = (events: { data: unknown }[]) => events.slice(0, -1).map((e) => e.data);
    assert.deepEqual(union(data(mine)), union(data(cap)), name);
    // First event: the prompt's filter verdicts alone; then the role chunk.
    assert.deepEqual(union([data(mine)[0]]), union([data(cap)[0]]), `${name}: first event`);
    assert.deepEqual(union([data(mine)[1]]), union([data(cap)[1]]), `${name}: role chunk`);
  }
});

Deno.test("shape: Azure errors equal the captures (content filter 400, v1 unknown model 400)", async () => {
  await using sim = await startAzureSim({
    deployments: { "gpt-4o-mini": "gpt-4o-mini", "gpt-5-mini": "gpt-5-mini" },
    contentFilter: (
      req,
    ) => (String(req.body.messages[0].content).includes("fentanyl") ? { on: "prompt" } : undefined),
  });
  for (const name of ["error-400-content-filter", "v1-error-400-unknown-model"]) {
    const res = await replayAzure(sim.url, name);
    assert.equal(res.status, 400, name);
    assert.deepEqual(await res.json(), await readJson(`azure/${name}.json`), name);
  }
});

Deno.test("shape: OpenAI batch output lines and Anthropic batch results match the captures' keys", async () => {
  await using oa = await startOpenAISim({ respond: () => "Hello! How can I assist you today? ".repeat(3) });
  const lines = [1, 2].map((i) =>
    JSON.stringify({
      custom_id: `request-${i}`,
      method: "POST",
      url: "/v1/chat/completions",
      body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello world!" }], max_tokens: 10 },
    })
  );
  const form = new FormData();
  form.set("purpose", "batch");
  form.set("file", new File([lines.join("\n")], "in.jsonl"));
  const file = await (await fetch(`${oa.url}/v1/files`, { method: "POST", body: form })).json();
  const batch = await (await postJson(`${oa.url}/v1/batches`, {
    input_file_id: file.id,
    endpoint: "/v1/chat/completions",
    completion_window: "24h",
  })).json();
  oa.batches.finish(batch.id);
  const done = await (await fetch(`${oa.url}/v1/batches/${batch.id}`)).json();
  const out = ndjson(await (await fetch(`${oa.url}/v1/files/${done.output_file_id}/content`)).text());
  const cap = ndjson(await readText("openai-batch/output-gpt-4o-mini.jsonl"));
  assert.deepEqual(union(out), union(cap));
  assert.equal(
    out[0].response.body.choices[0].finish_reason,
    "length",
    "max_tokens 10 cuts the answer, as request-2",
  );

  await using an = await startAnthropicSim({ respond: () => "Hello! How can I help you today?" });
  const created = await (await postJson(`${an.url}/v1/messages/batches`, {
    requests: ["my-first-request", "my-second-request"].map((custom_id) => ({
      custom_id,
      params: {
        model: "claude-sonnet-4-5",
        max_tokens: 1024,
        messages: [{ role: "user", content: "Hello" }],
      },
    })),
  }, ANTHROPIC_HEADERS)).json();
  an.batches.finish(created.id);
  const res = await fetch(`${an.url}/v1/messages/batches/${created.id}/results`, {
    headers: ANTHROPIC_HEADERS,
  });
  const mine = ndjson(await res.text());
  const capA = ndjson(await readText("anthropic-batch/results-claude-sonnet-4-5.jsonl"));
  assert.deepEqual(union(mine), union(capA));
  assert.deepEqual(
    Object.keys(mine[0].result.message),
    Object.keys(capA[0].result.message),
    "model first, then id",
  );
  assert.equal(mine[0].result.message.usage.service_tier, "batch");
  assert.equal(mine[0].result.message.model, capA[0].result.message.model);
});
