import assert from "node:assert/strict";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { startOllamaSim } from "./mod.ts";

const MODEL = "qwen2.5-coder:7b";
const hello = [{ role: "user", content: "hello" }];

Deno.test("ollama sim: chat plain and streamed (the default) through the ollama client", async () => {
  const text = "Grüße, 世界! 🎉 done";
  await using sim = await startOllamaSim({ respond: () => text, chunkSize: 3 });
  const ollama = new Ollama({ host: sim.url });
  const plain = await ollama.chat({ model: MODEL, messages: hello });
  assert.equal(plain.message.content, text);
  assert.equal(plain.done, true);
  assert.equal(plain.done_reason, "stop");
  assert.equal(plain.prompt_eval_count, 9);
  assert.ok(plain.eval_count > 0);
  for (const k of ["total_duration", "load_duration", "prompt_eval_duration", "eval_duration"] as const) {
    assert.ok(Number.isInteger(plain[k]) && plain[k] > 0, k);
  }
  let got = "";
  let last: { done: boolean; done_reason?: string; eval_count?: number } | undefined;
  for await (const part of await ollama.chat({ model: MODEL, messages: hello, stream: true })) {
    got += part.message.content;
    last = part;
  }
  assert.equal(got, text);
  assert.equal(last?.done, true);
  assert.equal(last?.done_reason, "stop");
  assert.equal(last?.eval_count, plain.eval_count);
  // Raw: stream is the default when `stream` is absent; NDJSON content type.
  const res = await fetch(`${sim.url}/api/chat`, {
    method: "POST",
    body: JSON.stringify({ model: MODEL, messages: hello }),
  });
  assert.equal(res.headers.get("content-type"), "application/x-ndjson");
  const lines = (await res.text()).split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  assert.ok(lines.length > 2);
  assert.equal(lines[lines.length - 1].done, true);
  assert.ok(lines.slice(0, -1).every((l) => l.done === false));
});

Deno.test("ollama sim: generate plain and streamed, with num_predict -> done_reason length", async () => {
  await using sim = await startOllamaSim({ respond: () => "alpha beta gamma delta epsilon" });
  const ollama = new Ollama({ host: sim.url });
  const g = await ollama.generate({ model: MODEL, prompt: "hello", options: { num_predict: 2 } });
  assert.equal(g.response, "alpha beta");
  assert.equal(g.done_reason, "length");
  assert.equal(g.eval_count, 2);
  assert.ok(Array.isArray(g.context));
  let got = "";
  for await (
    const part of await ollama.generate({
      model: MODEL,
      prompt: "hello",
      stream: true,
      options: { stop: [" gamma"] },
    })
  ) {
    got += part.response;
    if (part.done) assert.equal(part.done_reason, "stop");
  }
  assert.equal(got, "alpha beta");
});

Deno.test("ollama sim: num_ctx truncation is silent, like real Ollama, and visible in the request log", async () => {
  await using sim = await startOllamaSim();
  const ollama = new Ollama({ host: sim.url });
  const long = "token ".repeat(5000);
  const a = await ollama.chat({ model: MODEL, messages: [{ role: "user", content: long }] });
  assert.equal(a.prompt_eval_count, 4096, "default num_ctx 4096");
  assert.equal(sim.requests[0].truncated, true);
  assert.equal(sim.requests[0].numCtx, 4096);
  const b = await ollama.chat({
    model: MODEL,
    messages: [{ role: "user", content: long }],
    options: { num_ctx: 8192 },
  });
  assert.ok(b.prompt_eval_count > 5000 && b.prompt_eval_count < 8192);
  assert.equal(sim.requests[1].truncated, undefined);
  const c = await ollama.chat({
    model: MODEL,
    messages: [{ role: "user", content: long }],
    options: { num_ctx: 2048 },
  });
  assert.equal(c.prompt_eval_count, 2048);
  assert.equal(sim.requests[2].truncated, true);
  // num_ctx is capped at the model's context length (contextWindow option).
  sim.setOptions({ contextWindow: 1000 });
  const d = await ollama.chat({
    model: MODEL,
    messages: [{ role: "user", content: long }],
    options: { num_ctx: 8192 },
  });
  assert.equal(d.prompt_eval_count, 1000);
  const ps = await ollama.ps();
  assert.equal(ps.models[0].name, MODEL);
});

Deno.test("ollama sim: unknown model -> ResponseError 404; error line in a 200 stream raises", async () => {
  await using sim = await startOllamaSim({ models: [MODEL] });
  const ollama = new Ollama({ host: sim.url });
  await assert.rejects(ollama.chat({ model: "nope:1b", messages: hello }), (e: unknown) => {
    assert.equal((e as Error).name, "ResponseError");
    assert.equal((e as { status_code: number }).status_code, 404);
    assert.equal((e as Error).message, "model 'nope:1b' not found");
    return true;
  });
  sim.setOptions({ faults: [{ type: "error-event", afterDeltas: 2 }, { type: "status", status: 500 }] });
  let parts = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of await ollama.chat({ model: MODEL, messages: hello, stream: true })) parts++;
    })(),
    /error was encountered/,
  );
  assert.equal(parts, 2);
  await assert.rejects(ollama.chat({ model: MODEL, messages: hello }), (e: unknown) => {
    assert.equal((e as { status_code: number }).status_code, 500);
    return true;
  });
  // "qwen2.5-coder" without a tag means ":latest", which is not installed here.
  await assert.rejects(ollama.chat({ model: "qwen2.5-coder", messages: hello }), /not found/);
});

Deno.test("ollama sim: tags, show, pull (streamed progress), ps, version, GET /", async () => {
  await using sim = await startOllamaSim({ models: [MODEL] });
  const ollama = new Ollama({ host: sim.url });
  const tags = await ollama.list();
  assert.deepEqual(tags.models.map((m) => m.name), [MODEL]);
  assert.equal(tags.models[0].details.family, "qwen2");
  const show = await ollama.show({ model: MODEL });
  const info = show.model_info as unknown as Record<string, unknown>;
  assert.equal(info["general.architecture"], "qwen2");
  assert.equal(info["qwen2.context_length"], 32768);
  assert.ok(show.capabilities.includes("completion"));
  await assert.rejects(
    ollama.show({ model: "llama3.2" }),
    (e: unknown) => (e as { status_code: number }).status_code === 404,
  );
  const statuses: string[] = [];
  let sawProgress = false;
  for await (const p of await ollama.pull({ model: "llama3.2", stream: true })) {
    statuses.push(p.status);
    if (p.total && p.completed !== undefined && p.completed < p.total) sawProgress = true;
  }
  assert.equal(statuses[0], "pulling manifest");
  assert.ok(sawProgress);
  assert.deepEqual(statuses.slice(-3), ["verifying sha256 digest", "writing manifest", "success"]);
  assert.ok(
    (await ollama.list()).models.some((m) => m.name === "llama3.2:latest"),
    "pulled model is installed",
  );
  assert.deepEqual((await ollama.ps()).models, []);
  await ollama.generate({ model: "llama3.2", prompt: "hi" });
  const ps = await ollama.ps();
  assert.equal(ps.models[0].name, "llama3.2:latest");
  assert.equal(ps.models[0].size_vram, ps.models[0].size);
  assert.ok(Date.parse(ps.models[0].expires_at as unknown as string) > Date.now());
  assert.equal((await ollama.version()).version, "0.13.5");
  const root = await fetch(sim.url);
  assert.equal(await root.text(), "Ollama is running");
  assert.equal(sim.requests.filter((r) => r.n !== undefined).length, 1, "only generate/chat are model calls");
});

Deno.test("ollama sim: think true streams thinking first; unsupported think values answer 400", async () => {
  await using sim = await startOllamaSim();
  const ollama = new Ollama({ host: sim.url });
  let thinking = "";
  let content = "";
  for await (
    const p of await ollama.chat({ model: "qwen3:32b", messages: hello, think: true, stream: true })
  ) {
    if (p.message.thinking) {
      assert.equal(content, "", "thinking comes before content");
      thinking += p.message.thinking;
    }
    content += p.message.content;
  }
  assert.ok(thinking.length > 0 && content.length > 0);
  await assert.rejects(
    ollama.chat({ model: MODEL, messages: hello, think: true }),
    /does not support thinking/,
  );
  await assert.rejects(
    ollama.chat({ model: "qwen3:32b", messages: hello, think: "low" }),
    /think value "low" is not supported/,
  );
});

Deno.test("ollama sim: OpenAI-compatible /v1/chat/completions through the openai SDK", async () => {
  await using sim = await startOllamaSim({ respond: () => "compatible" });
  const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: "ollama", maxRetries: 0 });
  const r = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: "user", content: "hello" }],
  });
  assert.equal(r.choices[0].message.content, "compatible");
  assert.equal(r.system_fingerprint, "fp_ollama");
  assert.match(r.id, /^chatcmpl-\d+$/);
  assert.deepEqual(Object.keys(r.usage ?? {}).sort(), ["completion_tokens", "prompt_tokens", "total_tokens"]);
  const s = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: "user", content: "hello" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let usage = 0;
  for await (const chunk of s) {
    text += chunk.choices[0]?.delta?.content ?? "";
    if (chunk.usage) usage = chunk.usage.total_tokens;
  }
  assert.equal(text, "compatible");
  assert.ok(usage > 0);
  const models = await client.models.list();
  assert.ok(models.data.length > 0);
  sim.setOptions({ models: [MODEL] });
  await assert.rejects(
    client.chat.completions.create({ model: "other:1b", messages: [{ role: "user", content: "x" }] }),
    (e: unknown) => e instanceof OpenAI.NotFoundError,
  );
});

Deno.test("ollama sim: rate window answers 429 with retry-after", async () => {
  await using sim = await startOllamaSim({ rateLimit: { requests: 1, windowMs: 60_000 } });
  const ollama = new Ollama({ host: sim.url });
  await ollama.chat({ model: MODEL, messages: hello });
  await assert.rejects(ollama.chat({ model: MODEL, messages: hello }), (e: unknown) => {
    assert.equal((e as { status_code: number }).status_code, 429);
    return true;
  });
  const res = await fetch(`${sim.url}/api/chat`, {
    method: "POST",
    body: JSON.stringify({ model: MODEL, messages: hello }),
  });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("retry-after"), "60");
  assert.equal(res.headers.get("x-ratelimit-remaining-requests"), "0");
  assert.deepEqual(await res.json(), { error: "rate limit exceeded" });
});
