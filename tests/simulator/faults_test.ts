import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { Ollama } from "ollama";
import { type Fault, startAnthropicSim, startOllamaSim, startOpenAISim } from "./mod.ts";

const chatBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], ...extra });

async function readAll(res: Response): Promise<{ bytes: Uint8Array; error?: unknown }> {
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  let error: unknown;
  try {
    for (let i = 0; i < 100_000; i++) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch (e) {
    error = e;
  }
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { bytes, error };
}

Deno.test("faults: cut sends exactly atByte bytes of the stream, then the client sees an aborted body", async () => {
  await using sim = await startOpenAISim();
  for (const atByte of [0, 1, 57, 300, 301]) {
    sim.setOptions({ faults: [{ type: "cut", atByte }] });
    const res = await fetch(`${sim.url}/v1/chat/completions`, {
      method: "POST",
      body: chatBody({ stream: true }),
    });
    assert.equal(res.status, 200);
    const { bytes, error } = await readAll(res);
    assert.equal(bytes.length, atByte);
    assert.ok(error instanceof TypeError, `atByte ${atByte}: body errors`);
    assert.ok(new TextDecoder().decode(bytes).startsWith("data: {".slice(0, atByte)));
  }
  // A plain JSON body can be cut too.
  sim.setOptions({ faults: [{ type: "cut", atByte: 40 }] });
  const plain = await fetch(`${sim.url}/v1/chat/completions`, { method: "POST", body: chatBody() });
  const { bytes, error } = await readAll(plain);
  assert.equal(bytes.length, 40);
  assert.ok(error);
});

Deno.test("faults: cut mid-UTF-8 and mid-line in an NDJSON stream; the ollama client raises", async () => {
  await using sim = await startOllamaSim({ respond: () => "éééé ünïcödé ✓✓✓", chunkSize: 4 });
  const body = JSON.stringify({ model: "m:1b", messages: [{ role: "user", content: "x" }] });
  const full = (await readAll(await fetch(`${sim.url}/api/chat`, { method: "POST", body }))).bytes;
  const firstMultiByte = full.indexOf(0xc3);
  assert.ok(firstMultiByte > 0);
  sim.setOptions({ faults: [{ type: "cut", atByte: firstMultiByte + 1 }] });
  const res = await fetch(`${sim.url}/api/chat`, { method: "POST", body });
  const { bytes, error } = await readAll(res);
  assert.equal(bytes.length, firstMultiByte + 1);
  assert.ok(error);
  // Same bytes before the cut (timestamps aside): the cut falls right after the first byte of "é".
  assert.deepEqual(bytes.subarray(-12), full.subarray(firstMultiByte - 11, firstMultiByte + 1));
  assert.equal(bytes[bytes.length - 1], 0xc3);
  assert.throws(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  assert.ok(!new TextDecoder().decode(bytes).includes("\n"), "cut in the middle of the first line");
  sim.setOptions({ faults: [{ type: "cut", atByte: firstMultiByte + 1 }] });
  const ollama = new Ollama({ host: sim.url });
  await assert.rejects(async () => {
    for await (
      const _ of await ollama.chat({
        model: "m:1b",
        messages: [{ role: "user", content: "x" }],
        stream: true,
      })
    ) {
      /* consume */
    }
  });
});

Deno.test("faults: drop closes the connection without a response (network error in every client)", async () => {
  await using oa = await startOpenAISim({ faults: [{ type: "drop" }] });
  await assert.rejects(
    new OpenAI({ baseURL: `${oa.url}/v1`, apiKey: "sk-x", maxRetries: 0 }).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
    }),
    (e: unknown) => e instanceof OpenAI.APIConnectionError,
  );
  assert.equal(oa.requests[0].status, 0);
  await using an = await startAnthropicSim({ faults: [{ type: "drop" }] });
  await assert.rejects(
    new Anthropic({ baseURL: an.url, apiKey: "k", maxRetries: 0 }).messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
    }),
    (e: unknown) => e instanceof Anthropic.APIConnectionError,
  );
  await using ol = await startOllamaSim({ faults: [{ type: "drop" }] });
  await assert.rejects(
    new Ollama({ host: ol.url }).chat({ model: "m:1b", messages: [{ role: "user", content: "x" }] }),
    TypeError,
  );
  await assert.rejects(
    fetch(`${oa.url}/v1/chat/completions`, { method: "POST", body: chatBody() }).then(() => {
      oa.setOptions({ faults: [{ type: "drop" }] });
      return fetch(`${oa.url}/v1/chat/completions`, { method: "POST", body: chatBody() });
    }),
    TypeError,
  );
});

Deno.test("faults: stall sends afterBytes then waits until the client aborts", async () => {
  await using sim = await startOpenAISim({ faults: [{ type: "stall", afterBytes: 10 }] });
  const ac = new AbortController();
  const res = await fetch(`${sim.url}/v1/chat/completions`, {
    method: "POST",
    body: chatBody({ stream: true }),
    signal: ac.signal,
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.equal(first.value?.length, 10);
  const pending = reader.read();
  setTimeout(() => ac.abort(), 30);
  await assert.rejects(pending);
});

Deno.test("faults: close() ends stalled streams and pending latency, and is idempotent", async () => {
  const sim = await startOpenAISim({ faults: [{ type: "stall" }, { type: "latency", ms: 60_000 }] });
  const stalled = await fetch(`${sim.url}/v1/chat/completions`, {
    method: "POST",
    body: chatBody({ stream: true }),
  });
  assert.equal(stalled.status, 200);
  const read = readAll(stalled);
  const slow = fetch(`${sim.url}/v1/chat/completions`, { method: "POST", body: chatBody() }).then(
    async (r) => {
      await r.body?.cancel();
      return r.status;
    },
    (e) => e,
  );
  await new Promise((r) => setTimeout(r, 20));
  await Promise.all([sim.close(), sim.close()]);
  const { bytes, error } = await read;
  assert.equal(bytes.length, 0);
  assert.ok(error, "stalled body aborts when the sim closes");
  const s = await slow;
  assert.ok(s === 503 || s instanceof TypeError);
  await sim.close();
});

Deno.test("faults: malformed plain JSON and a broken stream line", async () => {
  await using sim = await startOpenAISim({ faults: [{ type: "malformed" }, { type: "malformed" }] });
  const plain = await fetch(`${sim.url}/v1/chat/completions`, { method: "POST", body: chatBody() });
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get("content-type"), "application/json");
  const text = await plain.text();
  assert.throws(() => JSON.parse(text));
  // logLevel off: the SDK would log the unparsable line before throwing.
  const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: "sk-x", maxRetries: 0, logLevel: "off" });
  const stream = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "x" }],
    stream: true,
  });
  let deltas = 0;
  await assert.rejects(async () => {
    for await (const _ of stream) deltas++;
  }, SyntaxError);
  assert.equal(deltas, 2, "role chunk and first delta, then the broken line");
});

Deno.test("faults: a function picks faults by model-call index; setOptions restarts the index", async () => {
  const seen: number[] = [];
  await using sim = await startOpenAISim({
    faults: (n, req) => {
      seen.push(n);
      assert.equal(req.path, "/v1/chat/completions");
      return n % 2 === 1 ? { type: "status", status: 500 } : undefined;
    },
  });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await fetch(`${sim.url}/v1/chat/completions`, { method: "POST", body: chatBody() });
    statuses.push(r.status);
    await r.body?.cancel();
  }
  const models = await fetch(`${sim.url}/v1/models`);
  await models.body?.cancel();
  assert.deepEqual(statuses, [200, 500, 200, 500]);
  assert.deepEqual(seen, [0, 1, 2, 3], "GET /v1/models is not a model call");
  const faults: Fault[] = [{ type: "status", status: 503 }];
  sim.setOptions({ faults });
  const r = await fetch(`${sim.url}/v1/chat/completions`, { method: "POST", body: chatBody() });
  assert.equal(r.status, 503);
  await r.body?.cancel();
  assert.equal(sim.requests[sim.requests.length - 1].n, 0);
  assert.deepEqual(sim.requests[sim.requests.length - 1].fault, faults[0]);
});

Deno.test("faults: latency delays the headers; error-event on a plain request becomes a status", async () => {
  await using sim = await startAnthropicSim({
    faults: [{ type: "latency", ms: 100 }, { type: "error-event" }],
  });
  const client = new Anthropic({ baseURL: sim.url, apiKey: "k", maxRetries: 0 });
  const t0 = performance.now();
  const m = await client.messages.create({
    model: "claude-haiku-4-5",
    max_tokens: 5,
    messages: [{ role: "user", content: "x" }],
  });
  assert.ok(performance.now() - t0 >= 90, "waited for the latency");
  assert.equal(m.type, "message");
  await assert.rejects(
    client.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
    }),
    (e: unknown) => e instanceof Anthropic.APIError && e.status === 529,
  );
});

Deno.test("faults: 64 concurrent streams with chunk delays all complete", async () => {
  await using sim = await startOpenAISim({ chunkDelayMs: 1, respond: () => "x".repeat(40) });
  const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: "sk-x", maxRetries: 0 });
  const texts = await Promise.all(Array.from({ length: 64 }, async () => {
    const s = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    let t = "";
    for await (const c of s) t += c.choices[0]?.delta?.content ?? "";
    return t;
  }));
  assert.ok(texts.every((t) => t === "x".repeat(40)));
  assert.equal(sim.requests.length, 64);
});
