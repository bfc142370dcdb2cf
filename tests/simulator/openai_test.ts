import assert from "node:assert/strict";
import OpenAI from "openai";
import { Tiktoken } from "js-tiktoken/lite";
import o200k from "js-tiktoken/ranks/o200k_base";
import cl100k from "js-tiktoken/ranks/cl100k_base";
import { startOpenAISim } from "./mod.ts";

const CAPTURES = new URL("../fixtures/captures/", import.meta.url);
const user = (content: string) => [{ role: "user" as const, content }];

function client(url: string, apiKey = "sk-test-key-000000"): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });
}

Deno.test("openai sim: plain completion through the SDK, with usage and a dated model", async () => {
  await using sim = await startOpenAISim({ respond: () => "Hi there!" });
  const r = await client(sim.url).chat.completions.create({ model: "gpt-4o-mini", messages: user("hello") });
  assert.equal(r.choices[0].message.content, "Hi there!");
  assert.equal(r.choices[0].finish_reason, "stop");
  assert.equal(r.model, "gpt-4o-mini-2024-07-18");
  assert.match(r.id, /^chatcmpl-[A-Za-z0-9]{29}$/);
  // The capture completion-gpt-4o-mini.json: "hello" as one user message is 8 prompt tokens.
  assert.equal(r.usage?.prompt_tokens, 8);
  assert.equal(r.usage?.completion_tokens, 3);
  assert.equal(r.usage?.total_tokens, 11);
  assert.equal(r.usage?.prompt_tokens_details?.cached_tokens, 0);
  assert.equal(r.usage?.completion_tokens_details?.reasoning_tokens, 0);
  assert.equal(sim.requests.length, 1);
  assert.equal(sim.requests[0].path, "/v1/chat/completions");
  assert.equal(sim.requests[0].body.model, "gpt-4o-mini");
  assert.equal(sim.requests[0].n, 0);
});

Deno.test("openai sim: SSE stream through the SDK with include_usage, non-ASCII text", async () => {
  const text = "Grüße, 世界! 🎉 patch ready.";
  await using sim = await startOpenAISim({ respond: () => text, chunkSize: 3 });
  const stream = await client(sim.url).chat.completions.create({
    model: "gpt-4.1-nano",
    messages: user("hello"),
    stream: true,
    stream_options: { include_usage: true },
  });
  let got = "";
  let usage: OpenAI.CompletionUsage | undefined | null;
  let finish: string | null = null;
  let first = true;
  for await (const chunk of stream) {
    if (first) {
      assert.equal(chunk.choices[0].delta.role, "assistant");
      assert.equal(chunk.choices[0].delta.content, "");
      first = false;
    }
    got += chunk.choices[0]?.delta?.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) {
      usage = chunk.usage;
      assert.deepEqual(chunk.choices, []);
    }
  }
  assert.equal(got, text);
  assert.equal(finish, "stop");
  assert.equal(usage?.prompt_tokens, 8);
  assert.ok((usage?.completion_tokens ?? 0) > 0);
});

Deno.test("openai sim: raw SSE framing ends with [DONE], content type and headers as the real API", async () => {
  await using sim = await startOpenAISim({ rateLimit: { requests: 50, windowMs: 60_000, tokens: 100_000 } });
  const res = await fetch(`${sim.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-x" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: user("hi"), stream: true }),
  });
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  assert.match(res.headers.get("x-request-id") ?? "", /^req_[0-9a-f]{32}$/);
  assert.equal(res.headers.get("x-ratelimit-limit-requests"), "50");
  assert.equal(res.headers.get("x-ratelimit-remaining-requests"), "49");
  assert.match(res.headers.get("x-ratelimit-reset-requests") ?? "", /^(\d+m)?\d+(\.\d+)?s$|^\d+ms$/);
  assert.equal(res.headers.get("x-ratelimit-limit-tokens"), "100000");
  const body = await res.text();
  const events = body.split("\n\n").filter((e) => e !== "");
  assert.ok(events.every((e) => e.startsWith("data: ")));
  assert.equal(events[events.length - 1], "data: [DONE]");
  const finish = JSON.parse(events[events.length - 2].slice(6));
  assert.equal(finish.choices[0].finish_reason, "stop");
  assert.equal("usage" in finish, false, "no usage key without include_usage");
});

Deno.test("openai sim: prompt_tokens equal OpenAI's chat counting (checked with js-tiktoken)", async () => {
  await using sim = await startOpenAISim();
  const messages = [
    { role: "system" as const, content: "You are a helpful assistant that writes patches." },
    {
      role: "user" as const,
      content: "Fix the bug in `foo()` — it returns None; <|endoftext|> is plain text here.",
      name: "dev",
    },
  ];
  const reference = (enc: Tiktoken) =>
    3 + messages.reduce(
      (n, m) =>
        n + 3 + enc.encode(m.role).length + enc.encode(m.content, [], []).length +
        ("name" in m && m.name ? 1 + enc.encode(m.name).length : 0),
      0,
    );
  const c = client(sim.url);
  const a = await c.chat.completions.create({ model: "gpt-4o", messages });
  assert.equal(a.usage?.prompt_tokens, reference(new Tiktoken(o200k)));
  const b = await c.chat.completions.create({ model: "gpt-4", messages });
  assert.equal(b.usage?.prompt_tokens, reference(new Tiktoken(cl100k)));
  assert.notEqual(a.usage?.prompt_tokens, undefined);
});

Deno.test("openai sim: max tokens truncate the text with finish_reason length (max_tokens and max_completion_tokens)", async () => {
  const long = "one two three four five six seven eight nine ten eleven twelve";
  await using sim = await startOpenAISim({ respond: () => long });
  const c = client(sim.url);
  const a = await c.chat.completions.create({ model: "gpt-4o-mini", messages: user("x"), max_tokens: 4 });
  assert.equal(a.choices[0].finish_reason, "length");
  assert.equal(a.usage?.completion_tokens, 4);
  assert.equal(a.choices[0].message.content, "one two three four");
  const b = await c.chat.completions.create({
    model: "o4-mini",
    messages: user("x"),
    max_completion_tokens: 2,
  });
  assert.equal(b.choices[0].finish_reason, "length");
  assert.equal(b.usage?.completion_tokens, 2);
  const s = await c.chat.completions.create({
    model: "gpt-4o-mini",
    messages: user("x"),
    max_tokens: 3,
    stream: true,
  });
  let finish: string | null = null;
  let text = "";
  for await (const chunk of s) {
    text += chunk.choices[0]?.delta?.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(finish, "length");
  assert.equal(text, "one two three");
  const stop = await c.chat.completions.create({
    model: "gpt-4o-mini",
    messages: user("x"),
    stop: [" five"],
  });
  assert.equal(stop.choices[0].message.content, "one two three four");
  assert.equal(stop.choices[0].finish_reason, "stop");
});

Deno.test("openai sim: reasoning models reject max_tokens exactly like the capture, and non-default temperature", async () => {
  await using sim = await startOpenAISim();
  const expected = JSON.parse(
    await Deno.readTextFile(new URL("openai/error-400-unsupported-parameter.json", CAPTURES)),
  );
  for (const model of ["o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini"]) {
    const res = await fetch(`${sim.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: user("hi"), max_tokens: 10 }),
    });
    assert.equal(res.status, 400, model);
    assert.deepEqual(await res.json(), expected);
  }
  const c = client(sim.url);
  await assert.rejects(
    c.chat.completions.create({ model: "o3", messages: user("hi"), temperature: 0.2 }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError);
      assert.equal(e.status, 400);
      assert.equal(e.code, "unsupported_value");
      assert.equal(e.param, "temperature");
      return true;
    },
  );
  const ok = await c.chat.completions.create({ model: "o3", messages: user("hi"), temperature: 1 });
  assert.equal(ok.choices[0].finish_reason, "stop");
  const ok4o = await c.chat.completions.create({
    model: "gpt-4o",
    messages: user("hi"),
    max_tokens: 50,
    temperature: 0,
  });
  assert.equal(ok4o.choices[0].finish_reason, "stop");
});

Deno.test("openai sim: errors arrive as the SDK's classes with the right status and code", async () => {
  await using sim = await startOpenAISim({ apiKey: "sk-right-key-123456", models: ["gpt-4o-mini"] });
  await assert.rejects(
    client(sim.url, "sk-wrong-key-999999").chat.completions.create({
      model: "gpt-4o-mini",
      messages: user("x"),
    }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.AuthenticationError);
      assert.equal(e.status, 401);
      assert.equal(e.code, "invalid_api_key");
      assert.ok(!e.message.includes("sk-wrong-key-999999"), "the key is masked");
      return true;
    },
  );
  const c = client(sim.url, "sk-right-key-123456");
  await assert.rejects(c.chat.completions.create({ model: "gpt-9", messages: user("x") }), (e: unknown) => {
    assert.ok(e instanceof OpenAI.NotFoundError);
    assert.equal(e.code, "model_not_found");
    return true;
  });
  sim.setOptions({
    faults: [
      { type: "status", status: 429, headers: { "retry-after": "1", "retry-after-ms": "1000" } },
      { type: "status", status: 429, code: "insufficient_quota" },
      { type: "status", status: 500 },
      { type: "status", status: 503 },
      {
        type: "status",
        status: 418,
        body: { error: { message: "teapot", type: "x", param: null, code: "tea" } },
      },
    ],
  });
  await assert.rejects(
    c.chat.completions.create({ model: "gpt-4o-mini", messages: user("x") }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.RateLimitError);
      assert.equal(e.status, 429);
      assert.equal(e.code, "rate_limit_exceeded");
      assert.equal(e.headers?.get("retry-after"), "1");
      return true;
    },
  );
  await assert.rejects(
    c.chat.completions.create({ model: "gpt-4o-mini", messages: user("x") }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.RateLimitError);
      assert.equal(e.code, "insufficient_quota");
      assert.equal(e.type, "insufficient_quota");
      return true;
    },
  );
  await assert.rejects(
    c.chat.completions.create({ model: "gpt-4o-mini", messages: user("x") }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.InternalServerError);
      assert.equal(e.status, 500);
      assert.equal(e.type, "server_error");
      return true;
    },
  );
  await assert.rejects(
    c.chat.completions.create({ model: "gpt-4o-mini", messages: user("x") }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.InternalServerError);
      assert.equal(e.status, 503);
      return true;
    },
  );
  await assert.rejects(
    c.chat.completions.create({ model: "gpt-4o-mini", messages: user("x") }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError);
      assert.equal(e.status, 418);
      assert.equal(e.code, "tea");
      return true;
    },
  );
  // Missing key entirely.
  const res = await fetch(`${sim.url}/v1/models`);
  assert.equal(res.status, 401);
  assert.equal((await res.json()).error.type, "invalid_request_error");
});

Deno.test("openai sim: context window -> 400 context_length_exceeded", async () => {
  await using sim = await startOpenAISim({ contextWindow: 50 });
  const c = client(sim.url);
  await assert.rejects(
    c.chat.completions.create({ model: "gpt-4o-mini", messages: user("word ".repeat(60)) }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError);
      assert.equal(e.code, "context_length_exceeded");
      assert.match(e.message, /maximum context length is 50 tokens/);
      return true;
    },
  );
  await assert.rejects(
    c.chat.completions.create({ model: "gpt-4o-mini", messages: user("short"), max_tokens: 100 }),
    (e: unknown) => e instanceof OpenAI.BadRequestError && e.code === "context_length_exceeded",
  );
  const ok = await c.chat.completions.create({
    model: "gpt-4o-mini",
    messages: user("short"),
    max_tokens: 20,
  });
  assert.equal(ok.choices[0].finish_reason, "stop");
});

Deno.test("openai sim: an error event after 200 raises in the SDK's stream iteration", async () => {
  await using sim = await startOpenAISim({ faults: [{ type: "error-event", afterDeltas: 2 }] });
  const stream = await client(sim.url).chat.completions.create({
    model: "gpt-4o-mini",
    messages: user("x"),
    stream: true,
  });
  let deltas = 0;
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) deltas++;
    })(),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError);
      assert.match(e.message, /server had an error/);
      return true;
    },
  );
  assert.equal(deltas, 2);
});

Deno.test("openai sim: rate window answers 429 with headers, retry-after and retry-after-ms, then recovers", async () => {
  await using sim = await startOpenAISim({ rateLimit: { requests: 2, windowMs: 300 } });
  const c = client(sim.url);
  const ok = await c.chat.completions.create({ model: "gpt-4o-mini", messages: user("x") }).withResponse();
  assert.equal(ok.response.headers.get("x-ratelimit-remaining-requests"), "1");
  await c.chat.completions.create({ model: "gpt-4o-mini", messages: user("x") });
  const err = await c.chat.completions.create({ model: "gpt-4o-mini", messages: user("x") }).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(err instanceof OpenAI.RateLimitError);
  assert.equal(err.headers?.get("x-ratelimit-remaining-requests"), "0");
  assert.equal(err.headers?.get("retry-after"), "1");
  const ms = Number(err.headers?.get("retry-after-ms"));
  assert.ok(ms > 0 && ms <= 300, `retry-after-ms ${ms}`);
  await new Promise((r) => setTimeout(r, ms + 20));
  const again = await c.chat.completions.create({ model: "gpt-4o-mini", messages: user("x") });
  assert.equal(again.choices[0].finish_reason, "stop");
  assert.deepEqual(sim.requests.map((r) => r.status), [200, 200, 429, 200]);
});

Deno.test("openai sim: token window counts prompt + max tokens", async () => {
  await using sim = await startOpenAISim({ rateLimit: { requests: 100, windowMs: 60_000, tokens: 120 } });
  const c = client(sim.url);
  const r = await c.chat.completions.create({ model: "gpt-4o-mini", messages: user("hello"), max_tokens: 92 })
    .withResponse();
  assert.equal(r.response.headers.get("x-ratelimit-remaining-tokens"), "20");
  await assert.rejects(
    c.chat.completions.create({ model: "gpt-4o-mini", messages: user("hello"), max_tokens: 20 }),
    (e: unknown) => e instanceof OpenAI.RateLimitError && e.type === "tokens",
  );
});

Deno.test("openai sim: GET /v1/models lists models in OpenAI's shape", async () => {
  await using sim = await startOpenAISim({ models: ["gpt-4o-mini", "o4-mini"] });
  const c = client(sim.url);
  const ids: string[] = [];
  for await (const m of c.models.list()) ids.push(m.id);
  assert.deepEqual(ids, ["gpt-4o-mini", "o4-mini"]);
  const one = await c.models.retrieve("o4-mini");
  assert.equal(one.object, "model");
  await assert.rejects(c.models.retrieve("nope"), (e: unknown) => e instanceof OpenAI.NotFoundError);
  const bad = await fetch(`${sim.url}/v1/nothing`, { method: "POST" });
  assert.equal(bad.status, 404);
  assert.match((await bad.json()).error.message, /Invalid URL/);
});
