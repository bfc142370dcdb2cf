import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { startAnthropicSim } from "./mod.ts";

const MODEL = "claude-haiku-4-5";
const hello = [{ role: "user" as const, content: "hello" }];

function client(url: string, apiKey = "sk-ant-test-000000"): Anthropic {
  return new Anthropic({ baseURL: url, apiKey, maxRetries: 0 });
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": "k",
      "anthropic-version": "2023-06-01",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

Deno.test("anthropic sim: plain message through the SDK, usage with cache fields, dated model", async () => {
  await using sim = await startAnthropicSim({ respond: () => "Hi there!" });
  const msg = await client(sim.url).messages.create({ model: MODEL, max_tokens: 100, messages: hello });
  assert.deepEqual(msg.content, [{ type: "text", text: "Hi there!" }]);
  assert.equal(msg.stop_reason, "end_turn");
  assert.equal(msg.model, "claude-haiku-4-5-20251001");
  assert.match(msg.id, /^msg_01[A-Za-z0-9]{22}$/);
  assert.equal(msg.usage.input_tokens, 8);
  assert.equal(msg.usage.output_tokens, 3);
  assert.equal(msg.usage.cache_read_input_tokens, 0);
  assert.equal(msg.usage.cache_creation_input_tokens, 0);
  const req = sim.requests[0];
  assert.ok(req.headers.get("anthropic-version"));
});

Deno.test("anthropic sim: streamed message through the SDK (raw events and the MessageStream helper)", async () => {
  const text = "Grüße, 世界! 🎉";
  await using sim = await startAnthropicSim({ respond: () => text, chunkSize: 2 });
  const c = client(sim.url);
  const events: string[] = [];
  let got = "";
  const stream = await c.messages.create({ model: MODEL, max_tokens: 100, messages: hello, stream: true });
  for await (const ev of stream) {
    events.push(ev.type);
    if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") got += ev.delta.text;
    if (ev.type === "message_delta") {
      assert.equal(ev.delta.stop_reason, "end_turn");
      assert.equal(ev.usage.input_tokens, 8);
      assert.ok(ev.usage.output_tokens > 1);
    }
  }
  assert.equal(got, text);
  assert.equal(events[0], "message_start");
  assert.equal(events[1], "content_block_start");
  assert.deepEqual(events.slice(-3), ["content_block_stop", "message_delta", "message_stop"]);
  const final = await c.messages.stream({ model: MODEL, max_tokens: 100, messages: hello }).finalMessage();
  assert.deepEqual(final.content, [{ type: "text", text }]);
  assert.equal(final.usage.input_tokens, 8);
});

Deno.test("anthropic sim: raw SSE has event lines, ping, padding and the stream content type", async () => {
  await using sim = await startAnthropicSim();
  const res = await post(sim.url, { model: MODEL, max_tokens: 50, messages: hello, stream: true });
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  assert.match(res.headers.get("request-id") ?? "", /^req_011C[A-Za-z0-9]{20}$/);
  const raw = await res.text();
  const blocks = raw.split("\n\n").filter((b) => b !== "");
  for (const b of blocks) {
    const [ev, data] = b.split("\n");
    assert.match(ev, /^event: [a-z_]+$/);
    assert.match(data, /^data: \{/);
    assert.equal(JSON.parse(data.slice(6)).type, ev.slice(7));
  }
  assert.ok(raw.includes(`event: ping\ndata: {"type": "ping"}\n\n`));
  assert.match(raw, /"index":0 +\}\n/, "server whitespace padding before the closing brace");
});

Deno.test("anthropic sim: header checks and validation answer in Anthropic's error format", async () => {
  await using sim = await startAnthropicSim({ apiKey: "sk-ant-right", models: [MODEL] });
  const noKey = await fetch(`${sim.url}/v1/messages`, {
    method: "POST",
    headers: { "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: MODEL, max_tokens: 5, messages: hello }),
  });
  assert.equal(noKey.status, 401);
  assert.deepEqual(Object.keys(await noKey.json()).sort(), ["error", "request_id", "type"]);
  const noVersion = await post(sim.url, { model: MODEL, max_tokens: 5, messages: hello }, {
    "x-api-key": "sk-ant-right",
    "anthropic-version": "",
  });
  assert.equal(noVersion.status, 400);
  assert.match((await noVersion.json()).error.message, /anthropic-version/);
  const noMax = await post(sim.url, { model: MODEL, messages: hello }, { "x-api-key": "sk-ant-right" });
  assert.equal(noMax.status, 400);
  const body = await noMax.json();
  assert.equal(body.type, "error");
  assert.equal(body.error.type, "invalid_request_error");
  assert.match(body.error.message, /max_tokens/);
  await assert.rejects(
    client(sim.url, "sk-ant-wrong").messages.create({ model: MODEL, max_tokens: 5, messages: hello }),
    (e: unknown) => {
      assert.ok(e instanceof Anthropic.AuthenticationError);
      assert.equal(e.status, 401);
      return true;
    },
  );
  await assert.rejects(
    client(sim.url, "sk-ant-right").messages.create({ model: "claude-nope", max_tokens: 5, messages: hello }),
    (e: unknown) => e instanceof Anthropic.NotFoundError && e.status === 404,
  );
});

Deno.test("anthropic sim: 529 overloaded, 429 and 500 arrive as SDK errors with status", async () => {
  await using sim = await startAnthropicSim({
    faults: [
      { type: "status", status: 529 },
      { type: "status", status: 429, headers: { "retry-after": "1" } },
      { type: "status", status: 500 },
    ],
  });
  const c = client(sim.url);
  await assert.rejects(c.messages.create({ model: MODEL, max_tokens: 5, messages: hello }), (e: unknown) => {
    assert.ok(e instanceof Anthropic.APIError);
    assert.equal(e.status, 529);
    assert.equal((e.error as { error: { type: string } }).error.type, "overloaded_error");
    return true;
  });
  await assert.rejects(c.messages.create({ model: MODEL, max_tokens: 5, messages: hello }), (e: unknown) => {
    assert.ok(e instanceof Anthropic.RateLimitError);
    assert.equal(e.headers?.get("retry-after"), "1");
    return true;
  });
  await assert.rejects(
    c.messages.create({ model: MODEL, max_tokens: 5, messages: hello }),
    (e: unknown) => e instanceof Anthropic.InternalServerError && e.status === 500,
  );
});

Deno.test("anthropic sim: an error event after a 200 raises in the SDK's stream iteration", async () => {
  await using sim = await startAnthropicSim({ faults: [{ type: "error-event", afterDeltas: 1 }] });
  const stream = await client(sim.url).messages.create({
    model: MODEL,
    max_tokens: 50,
    messages: hello,
    stream: true,
  });
  let deltas = 0;
  await assert.rejects(
    (async () => {
      for await (const ev of stream) if (ev.type === "content_block_delta") deltas++;
    })(),
    (e: unknown) => {
      assert.ok(e instanceof Anthropic.APIError);
      assert.match(e.message, /overloaded_error/);
      return true;
    },
  );
  assert.equal(deltas, 1);
});

Deno.test("anthropic sim: max_tokens and stop_sequences set stop_reason", async () => {
  await using sim = await startAnthropicSim({ respond: () => "alpha beta gamma delta epsilon" });
  const c = client(sim.url);
  const cut = await c.messages.create({ model: MODEL, max_tokens: 2, messages: hello });
  assert.equal(cut.stop_reason, "max_tokens");
  assert.equal(cut.usage.output_tokens, 2);
  const stop = await c.messages.create({
    model: MODEL,
    max_tokens: 50,
    messages: hello,
    stop_sequences: [" gamma"],
  });
  assert.equal(stop.stop_reason, "stop_sequence");
  assert.equal(stop.stop_sequence, " gamma");
  assert.deepEqual(stop.content, [{ type: "text", text: "alpha beta" }]);
});

Deno.test("anthropic sim: cache_control writes a prefix on first sight and reads it after", async () => {
  await using sim = await startAnthropicSim();
  const c = client(sim.url);
  const system = [{
    type: "text" as const,
    text: "Repository context. ".repeat(50),
    cache_control: { type: "ephemeral" as const },
  }];
  const ask = (q: string) =>
    c.messages.create({ model: MODEL, max_tokens: 20, system, messages: [{ role: "user", content: q }] });
  const first = await ask("question one");
  assert.ok(first.usage.cache_creation_input_tokens! > 100);
  assert.equal(first.usage.cache_read_input_tokens, 0);
  assert.equal(
    first.usage.cache_creation?.ephemeral_5m_input_tokens,
    first.usage.cache_creation_input_tokens,
  );
  const second = await ask("question two, longer");
  assert.equal(second.usage.cache_read_input_tokens, first.usage.cache_creation_input_tokens);
  assert.equal(second.usage.cache_creation_input_tokens, 0);
  // Input tokens exclude the cached part; count_tokens gives the whole prompt.
  const counted = await c.messages.countTokens({
    model: MODEL,
    system,
    messages: [{ role: "user", content: "question two, longer" }],
  });
  assert.equal(
    counted.input_tokens,
    second.usage.input_tokens + (second.usage.cache_read_input_tokens ?? 0),
  );
  const oneHour = await c.messages.create({
    model: MODEL,
    max_tokens: 20,
    messages: [{
      role: "user",
      content: [{
        type: "text",
        text: "Other prefix. ".repeat(40),
        cache_control: { type: "ephemeral", ttl: "1h" },
      }],
    }],
  });
  assert.equal(
    oneHour.usage.cache_creation?.ephemeral_1h_input_tokens,
    oneHour.usage.cache_creation_input_tokens,
  );
  assert.ok(oneHour.usage.cache_creation_input_tokens! > 0);
});

Deno.test("anthropic sim: count_tokens matches messages usage and 404s like the capture", async () => {
  await using sim = await startAnthropicSim({ models: [MODEL] });
  const c = client(sim.url);
  const messages = [{ role: "user" as const, content: "Please fix the failing test in utils.py" }];
  const counted = await c.messages.countTokens({ model: MODEL, system: "Be terse.", messages });
  const msg = await c.messages.create({ model: MODEL, max_tokens: 5, system: "Be terse.", messages });
  assert.equal(counted.input_tokens, msg.usage.input_tokens);
  const res = await fetch(`${sim.url}/v1/messages/count_tokens?beta=true`, {
    method: "POST",
    headers: { "x-api-key": "k", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "claude-does-not-exist", messages: [{ role: "user", content: "hello" }] }),
  });
  assert.equal(res.status, 404);
  const body = await res.json();
  assert.equal(body.error.message, "model: claude-does-not-exist");
  assert.equal(body.error.type, "not_found_error");
  assert.equal(sim.requests.filter((r) => r.n !== undefined).length, 1, "count_tokens is not a model call");
});

Deno.test("anthropic sim: models list in Anthropic's page shape through the SDK", async () => {
  await using sim = await startAnthropicSim();
  const c = client(sim.url);
  const ids: string[] = [];
  for await (const m of c.models.list({ limit: 2 })) ids.push(m.id);
  assert.ok(ids.includes("claude-haiku-4-5-20251001"));
  assert.equal(new Set(ids).size, ids.length);
  const page = await (await fetch(`${sim.url}/v1/models?limit=2`, {
    headers: { "x-api-key": "k", "anthropic-version": "2023-06-01" },
  })).json();
  assert.deepEqual(Object.keys(page).sort(), ["data", "first_id", "has_more", "last_id"]);
  assert.equal(page.has_more, true);
  assert.equal(page.first_id, page.data[0].id);
  const one = await c.models.retrieve("claude-haiku-4-5");
  assert.equal(one.id, "claude-haiku-4-5-20251001");
});

Deno.test("anthropic sim: rate window sends anthropic-ratelimit-* (RFC 3339) and 429 with retry-after", async () => {
  await using sim = await startAnthropicSim({ rateLimit: { requests: 1, windowMs: 60_000, tokens: 10_000 } });
  const c = client(sim.url);
  const { response } = await c.messages.create({ model: MODEL, max_tokens: 10, messages: hello })
    .withResponse();
  assert.equal(response.headers.get("anthropic-ratelimit-requests-limit"), "1");
  assert.equal(response.headers.get("anthropic-ratelimit-requests-remaining"), "0");
  const reset = response.headers.get("anthropic-ratelimit-requests-reset") ?? "";
  assert.match(reset, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.ok(Date.parse(reset) > Date.now());
  assert.equal(response.headers.get("anthropic-ratelimit-tokens-remaining"), String(10_000 - 8 - 10));
  assert.ok(response.headers.get("anthropic-ratelimit-input-tokens-limit"));
  assert.ok(response.headers.get("anthropic-ratelimit-output-tokens-reset"));
  await assert.rejects(c.messages.create({ model: MODEL, max_tokens: 10, messages: hello }), (e: unknown) => {
    assert.ok(e instanceof Anthropic.RateLimitError);
    assert.equal(e.headers?.get("retry-after"), "60");
    assert.equal(e.headers?.get("anthropic-ratelimit-requests-remaining"), "0");
    return true;
  });
});

Deno.test("anthropic sim: context window -> prompt is too long", async () => {
  await using sim = await startAnthropicSim({ contextWindow: 20 });
  await assert.rejects(
    client(sim.url).messages.create({
      model: MODEL,
      max_tokens: 5,
      messages: [{ role: "user", content: "word ".repeat(40) }],
    }),
    (e: unknown) => {
      assert.ok(e instanceof Anthropic.BadRequestError);
      assert.match(e.message, /prompt is too long: \d+ tokens > 20 maximum/);
      return true;
    },
  );
});

Deno.test("anthropic sim: @anthropic-ai/sdk 1.x sends anthropic-version 2026-10-21 and the key as Bearer", async () => {
  await using sim = await startAnthropicSim({ apiKey: "sk-ant-right" });
  await client(sim.url, "sk-ant-right").messages.create({ model: MODEL, max_tokens: 5, messages: hello });
  const h = sim.requests[0].headers;
  assert.equal(h.get("anthropic-version"), "2026-10-21");
  assert.equal(h.get("authorization"), "Bearer sk-ant-right");
  assert.equal(h.get("x-api-key"), null);
  assert.equal(sim.requests[0].apiVersion, "2026-10-21");
});

Deno.test("anthropic sim: under 2026-10-21 temperature, top_p and top_k are refused (even at defaults)", async () => {
  await using sim = await startAnthropicSim();
  const c = client(sim.url);
  for (const extra of [{ temperature: 1 }, { temperature: 0 }, { top_p: 0.9 }, { top_k: 40 }]) {
    const name = Object.keys(extra)[0];
    // The 1.x types have no sampling parameters: a caller that still sends one builds the body itself.
    const params = {
      model: MODEL,
      max_tokens: 5,
      messages: hello,
      ...extra,
    } as Anthropic.MessageCreateParamsNonStreaming;
    await assert.rejects(c.messages.create(params), (e: unknown) => {
      assert.ok(e instanceof Anthropic.BadRequestError, name);
      assert.equal((e.error as { error: { type: string } }).error.type, "invalid_request_error");
      assert.match(e.message, new RegExp(`${name}: Extra inputs are not permitted`));
      return true;
    });
    const counted = await fetch(`${sim.url}/v1/messages/count_tokens`, {
      method: "POST",
      headers: { "x-api-key": "k", "anthropic-version": "2026-10-21" },
      body: JSON.stringify({ model: MODEL, messages: hello, ...extra }),
    });
    assert.equal(counted.status, 400, `count_tokens refuses ${name} too`);
    await counted.body?.cancel();
  }
  const ok = await c.messages.create({ model: MODEL, max_tokens: 5, messages: hello });
  assert.equal(ok.type, "message");
});

Deno.test("anthropic sim: under 2026-10-21 a document in an assistant message and user citations are refused", async () => {
  await using sim = await startAnthropicSim();
  const doc = { type: "document", source: { type: "text", media_type: "text/plain", data: "README" } };
  const cited = {
    type: "text",
    text: "as the doc says",
    citations: [{
      type: "char_location",
      cited_text: "R",
      document_index: 0,
      start_char_index: 0,
      end_char_index: 1,
    }],
  };
  const cases: [string, unknown[]][] = [
    ["document", [{ role: "user", content: "hi" }, { role: "assistant", content: [doc] }, {
      role: "user",
      content: "go",
    }]],
    ["citations", [{ role: "user", content: [cited] }]],
  ];
  for (const [what, messages] of cases) {
    for (const version of ["2026-10-21", "2023-06-01"]) {
      const res = await post(sim.url, { model: MODEL, max_tokens: 5, messages }, {
        "anthropic-version": version,
      });
      const body = await res.json();
      if (version === "2026-10-21") {
        assert.equal(res.status, 400, `${what} under ${version}`);
        assert.equal(body.error.type, "invalid_request_error");
        assert.match(
          body.error.message,
          what === "document" ? /^messages\.1\.content\.0: document/ : /citations/,
        );
      } else {
        assert.equal(res.status, 200, `${what} under ${version}: behaves as before`);
      }
    }
  }
  // A document in a user message and empty citations stay fine under the new version.
  const fine = await post(sim.url, {
    model: MODEL,
    max_tokens: 5,
    messages: [{ role: "user", content: [doc, { type: "text", text: "x", citations: [] }] }],
  }, { "anthropic-version": "2026-10-21" });
  assert.equal(fine.status, 200);
  await fine.body?.cancel();
});

Deno.test("anthropic sim: under 2023-06-01 sampling parameters work as before (SDK with the old version header)", async () => {
  await using sim = await startAnthropicSim({ respond: () => "ok" });
  const old = new Anthropic({
    baseURL: sim.url,
    apiKey: "k",
    maxRetries: 0,
    defaultHeaders: { "anthropic-version": "2023-06-01" },
  });
  const params = {
    model: MODEL,
    max_tokens: 5,
    messages: hello,
    temperature: 0.2,
    top_k: 5,
  } as Anthropic.MessageCreateParamsNonStreaming;
  const r = await old.messages.create(params);
  assert.deepEqual(r.content, [{ type: "text", text: "ok" }]);
  assert.equal(sim.requests[0].headers.get("anthropic-version"), "2023-06-01");
  assert.equal(sim.requests[0].body.temperature, 0.2);
  const tooHot = await post(sim.url, { model: MODEL, max_tokens: 5, messages: hello, temperature: 1.5 });
  assert.equal(tooHot.status, 400, "the 0..1 range check of 2023-06-01 is unchanged");
  await tooHot.body?.cancel();
});
