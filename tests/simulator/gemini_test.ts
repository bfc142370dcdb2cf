import assert from "node:assert/strict";
import { ApiError, GoogleGenAI } from "@google/genai";
import { getTokenizer, startGeminiSim } from "./mod.ts";

const MODEL = "gemini-2.5-flash";
const KEY = "AIza-test-key-0000";

function client(url: string, apiKey = KEY): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: url } });
}

function post(url: string, body: unknown, headers: Record<string, string> = { "x-goog-api-key": KEY }) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

const hello = { contents: [{ role: "user", parts: [{ text: "hello" }] }] };

Deno.test("gemini sim: generateContent through @google/genai; key in x-goog-api-key, never in the URL", async () => {
  await using sim = await startGeminiSim({ respond: () => "Hi there!", apiKey: KEY });
  const r = await client(sim.url).models.generateContent({
    model: MODEL,
    contents: "Fix the bug",
    config: { systemInstruction: "Be terse.", maxOutputTokens: 500, temperature: 0, stopSequences: ["STOP"] },
  });
  assert.equal(r.text, "Hi there!");
  assert.equal(r.candidates?.[0].finishReason, "STOP");
  assert.equal(r.modelVersion, MODEL);
  const tok = await getTokenizer("o200k_base");
  const prompt = tok.count("Be terse.") + tok.count("Fix the bug");
  assert.equal(r.usageMetadata?.promptTokenCount, prompt);
  assert.equal(r.usageMetadata?.candidatesTokenCount, tok.count("Hi there!"));
  assert.equal(r.usageMetadata?.thoughtsTokenCount, 24, "a thinking model spends thought tokens by default");
  assert.equal(r.usageMetadata?.totalTokenCount, prompt + tok.count("Hi there!") + 24);
  const req = sim.requests[0];
  assert.equal(req.path, `/v1/models/${MODEL}:generateContent`, "@google/genai 3.x defaults to /v1");
  assert.equal(req.headers.get("x-goog-api-key"), KEY);
  assert.equal(req.keyInUrl, undefined);
  assert.equal(req.search, "");
  assert.deepEqual(req.body.generationConfig, {
    temperature: 0,
    maxOutputTokens: 500,
    stopSequences: ["STOP"],
  });
  assert.deepEqual(req.body.systemInstruction, { parts: [{ text: "Be terse." }], role: "user" });
});

Deno.test("gemini sim: the key is also accepted in ?key= (as Google does) and the request says so", async () => {
  await using sim = await startGeminiSim({ apiKey: KEY });
  const res = await post(`${sim.url}/v1beta/models/${MODEL}:generateContent?key=${KEY}`, hello, {});
  assert.equal(res.status, 200);
  await res.body?.cancel();
  assert.equal(sim.requests[0].keyInUrl, true);
  const wrong = await post(`${sim.url}/v1beta/models/${MODEL}:generateContent?key=nope`, hello, {});
  assert.equal(wrong.status, 400);
  assert.equal((await wrong.json()).error.details[0].reason, "API_KEY_INVALID");
});

Deno.test("gemini sim: streamGenerateContent?alt=sse through the SDK; CRLF events, cumulative usage, last chunk finishes", async () => {
  const text = "Grüße, 世界! The patch follows.";
  await using sim = await startGeminiSim({ respond: () => text, chunkSize: 5 });
  const stream = await client(sim.url).models.generateContentStream({ model: MODEL, contents: "hi" });
  let got = "";
  const finishes: (string | undefined)[] = [];
  let lastUsage: number | undefined;
  for await (const chunk of stream) {
    got += chunk.text ?? "";
    finishes.push(chunk.candidates?.[0].finishReason);
    const n = chunk.usageMetadata?.candidatesTokenCount ?? 0;
    assert.ok(lastUsage === undefined || n >= lastUsage, "candidatesTokenCount is cumulative");
    lastUsage = n;
  }
  assert.equal(got, text);
  assert.ok(finishes.length > 2);
  assert.deepEqual(finishes.slice(0, -1).filter((f) => f !== undefined), []);
  assert.equal(finishes[finishes.length - 1], "STOP");
  assert.equal(sim.requests[0].search, "?alt=sse");
  const raw = await post(`${sim.url}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, hello);
  assert.equal(raw.headers.get("content-type"), "text/event-stream");
  const body = await raw.text();
  assert.ok(body.startsWith("data: {"));
  assert.ok(body.endsWith("}\r\n\r\n"));
  assert.ok(!body.includes("[DONE]"));
});

Deno.test("gemini sim: countTokens equals promptTokenCount of the same request; not a model call", async () => {
  await using sim = await startGeminiSim();
  const c = client(sim.url);
  const contents = "Please fix the failing test in utils.py";
  const counted = await c.models.countTokens({ model: MODEL, contents });
  const r = await c.models.generateContent({ model: MODEL, contents });
  assert.equal(counted.totalTokens, r.usageMetadata?.promptTokenCount);
  assert.ok((counted.totalTokens ?? 0) > 5);
  assert.equal(sim.requests.filter((q) => q.n !== undefined).length, 1, "countTokens is not a model call");
});

Deno.test("gemini sim: models list with input/output token limits, paged with pageSize/pageToken", async () => {
  await using sim = await startGeminiSim();
  const c = client(sim.url);
  const seen: { name?: string; inputTokenLimit?: number; outputTokenLimit?: number }[] = [];
  for await (const m of await c.models.list({ config: { pageSize: 2 } })) seen.push(m);
  assert.equal(seen.length, 5);
  const flash = seen.find((m) => m.name === `models/${MODEL}`);
  assert.equal(flash?.inputTokenLimit, 1048576);
  assert.equal(flash?.outputTokenLimit, 65536);
  assert.ok(sim.requests.some((q) => q.search.includes("pageToken=")), "the SDK followed nextPageToken");
  const one = await c.models.get({ model: "gemini-2.0-flash" });
  assert.equal(one.outputTokenLimit, 8192);
  await assert.rejects(
    c.models.get({ model: "gemini-nope" }),
    (e: unknown) => e instanceof ApiError && e.status === 404,
  );
});

Deno.test("gemini sim: a thinking model that spends the whole budget returns a candidate without parts", async () => {
  await using sim = await startGeminiSim({ respond: () => "Paris is the capital of France." });
  const c = client(sim.url);
  const r = await c.models.generateContent({
    model: "gemini-2.5-pro",
    contents: "What is the capital of France?",
    config: { maxOutputTokens: 5 },
  });
  const cand = r.candidates?.[0];
  assert.equal(cand?.finishReason, "MAX_TOKENS");
  assert.deepEqual(cand?.content, { role: "model" });
  assert.equal(r.text, undefined);
  assert.equal(r.usageMetadata?.thoughtsTokenCount, 5);
  assert.equal(r.usageMetadata?.candidatesTokenCount, undefined);
  // Room left after thinking: the text is cut at the remaining budget.
  const partial = await c.models.generateContent({
    model: MODEL,
    contents: "x",
    config: { maxOutputTokens: 27 },
  });
  assert.equal(partial.candidates?.[0].finishReason, "MAX_TOKENS");
  assert.equal(partial.usageMetadata?.candidatesTokenCount, 3);
  assert.equal(partial.text, "Paris is the");
  // thinkingBudget 0 turns thinking off; a 2.0 model never thinks.
  const off = await c.models.generateContent({
    model: MODEL,
    contents: "x",
    config: { thinkingConfig: { thinkingBudget: 0 } },
  });
  assert.equal(off.usageMetadata?.thoughtsTokenCount, undefined);
  const old = await c.models.generateContent({ model: "gemini-2.0-flash", contents: "x" });
  assert.equal(old.usageMetadata?.thoughtsTokenCount, undefined);
  assert.equal(old.text, "Paris is the capital of France.");
  // The same outcome in a stream: one chunk, no parts, MAX_TOKENS.
  const chunks = [];
  for await (
    const ch of await c.models.generateContentStream({
      model: "gemini-2.5-pro",
      contents: "x",
      config: { maxOutputTokens: 5 },
    })
  ) chunks.push(ch);
  assert.equal(chunks.length, 1);
  assert.equal(chunks[0].candidates?.[0].finishReason, "MAX_TOKENS");
  assert.equal(chunks[0].text, undefined);
});

Deno.test("gemini sim: SAFETY, RECITATION and a blocked prompt come back as 200s without text", async () => {
  const reasons = ["SAFETY", "RECITATION", "PROHIBITED_CONTENT"];
  let i = 0;
  await using sim = await startGeminiSim({
    finishReason: () => reasons[i++],
    blockPrompt: (req) => (req.body.contents[0].parts[0].text === "blocked" ? "SAFETY" : undefined),
  });
  const c = client(sim.url);
  for (const reason of reasons) {
    const r = await c.models.generateContent({ model: MODEL, contents: "x" });
    assert.equal(r.candidates?.[0].finishReason, reason);
    assert.equal(r.text, undefined, reason);
    assert.equal(r.usageMetadata?.candidatesTokenCount, undefined);
    if (reason === "SAFETY") assert.ok(r.candidates?.[0].safetyRatings?.some((x) => x.blocked === true));
  }
  assert.ok(sim.requests[0].status === 200);
  const safety = JSON.parse(JSON.stringify(await c.models.generateContent({ model: MODEL, contents: "x" })));
  assert.equal(safety.candidates[0].finishReason, "STOP", "the callback's undefined answers normally");
  const blocked = await c.models.generateContent({ model: MODEL, contents: "blocked" });
  assert.equal(blocked.candidates, undefined);
  assert.equal(blocked.promptFeedback?.blockReason, "SAFETY");
});

Deno.test("gemini sim: RESOURCE_EXHAUSTED 429 carries RetryInfo.retryDelay and no retry-after header", async () => {
  await using sim = await startGeminiSim({
    rateLimit: { requests: 1, windowMs: 60_000 },
    faults: (n) => (n === 2 ? { type: "status", status: 429, retryDelay: "7s" } : undefined),
  });
  const ok = await post(`${sim.url}/v1beta/models/${MODEL}:generateContent`, hello);
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  const limited = await post(`${sim.url}/v1beta/models/${MODEL}:generateContent`, hello);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), null);
  assert.equal(limited.headers.get("content-type"), "application/json; charset=UTF-8");
  const body = await limited.json();
  assert.equal(body.error.status, "RESOURCE_EXHAUSTED");
  assert.equal(body.error.code, 429);
  const retry = body.error.details.find((d: { "@type": string }) => d["@type"].endsWith("RetryInfo"));
  assert.equal(retry.retryDelay, "60s");
  await assert.rejects(
    client(sim.url).models.generateContent({ model: MODEL, contents: "x" }),
    (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 429);
      assert.match(e.message, /"retryDelay":"7s"/);
      return true;
    },
  );
});

Deno.test("gemini sim: authentication errors in Google's format (API_KEY_INVALID is a 400)", async () => {
  await using sim = await startGeminiSim({ apiKey: KEY });
  await assert.rejects(
    client(sim.url, "AIza-wrong").models.generateContent({ model: MODEL, contents: "x" }),
    (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 400);
      assert.match(e.message, /API_KEY_INVALID/);
      return true;
    },
  );
  const none = await post(`${sim.url}/v1beta/models/${MODEL}:generateContent`, hello, {});
  assert.equal(none.status, 403);
  assert.equal((await none.json()).error.status, "PERMISSION_DENIED");
  const bearer = await post(`${sim.url}/v1beta/models/${MODEL}:generateContent`, hello, {
    authorization: "Bearer ya29.bad",
  });
  assert.equal(bearer.status, 401);
  assert.equal((await bearer.json()).error.status, "UNAUTHENTICATED");
  const streamBad = await post(`${sim.url}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, hello, {
    "x-goog-api-key": "nope",
  });
  assert.equal(streamBad.status, 400);
  assert.equal(
    streamBad.headers.get("content-type"),
    "text/event-stream",
    "Google's stream errors keep the SSE type",
  );
  assert.equal(JSON.parse(await streamBad.text()).error.details[0].reason, "API_KEY_INVALID");
});

Deno.test("gemini sim: INVALID_ARGUMENT for unknown fields and bad config, NOT_FOUND for a model, context window", async () => {
  await using sim = await startGeminiSim({ models: [MODEL], contextWindow: 10 });
  const url = `${sim.url}/v1beta/models/${MODEL}:generateContent`;
  const unknown = await post(url, { ...hello, max_tokens: 5 });
  assert.equal(unknown.status, 400);
  const u = await unknown.json();
  assert.equal(u.error.status, "INVALID_ARGUMENT");
  assert.match(u.error.message, /Unknown name "max_tokens"/);
  const badConfig = await post(url, { ...hello, generationConfig: { max_tokens: 5 } });
  assert.match((await badConfig.json()).error.message, /Unknown name "max_tokens" at 'generation_config'/);
  const snake = await post(url, { ...hello, generation_config: { max_output_tokens: 5 } });
  assert.equal(snake.status, 200, "snake_case names are accepted as protobuf JSON does");
  await snake.body?.cancel();
  const empty = await post(url, { contents: [] });
  assert.match((await empty.json()).error.message, /contents is not specified/);
  const tooMany = await post(url, { ...hello, generationConfig: { maxOutputTokens: 70000 } });
  assert.equal(tooMany.status, 400);
  await tooMany.body?.cancel();
  const long = await post(url, { contents: [{ role: "user", parts: [{ text: "word ".repeat(40) }] }] });
  assert.equal(long.status, 400);
  assert.match(
    (await long.json()).error.message,
    /The input token count \(\d+\) exceeds the maximum number of tokens allowed \(10\)/,
  );
  await assert.rejects(
    client(sim.url).models.generateContent({ model: "gemini-9-ultra", contents: "x" }),
    (e: unknown) => e instanceof ApiError && e.status === 404 && /NOT_FOUND/.test(e.message),
  );
});

Deno.test("gemini sim: UNAVAILABLE and INTERNAL status faults, then an error event inside a 200 stream", async () => {
  await using sim = await startGeminiSim({
    respond: () => "one two three four five six",
    chunkSize: 4,
    faults: [
      { type: "status", status: 503 },
      { type: "status", status: 500 },
      { type: "error-event", afterDeltas: 1 },
    ],
  });
  const c = client(sim.url);
  for (const [status, name] of [[503, "UNAVAILABLE"], [500, "INTERNAL"]] as const) {
    await assert.rejects(c.models.generateContent({ model: MODEL, contents: "x" }), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, status);
      assert.match(e.message, new RegExp(name));
      return true;
    });
  }
  let text = "";
  await assert.rejects(
    (async () => {
      for await (const ch of await c.models.generateContentStream({ model: MODEL, contents: "x" })) {
        text += ch.text ?? "";
      }
    })(),
    (e: unknown) => e instanceof ApiError && e.status === 500,
  );
  assert.equal(text, "one ", "one chunk arrived before the error event: never a truncated success");
  assert.equal(sim.requests[2].status, 200);
});

Deno.test("gemini sim: drop, cut and malformed faults reach the SDK as errors", async () => {
  await using sim = await startGeminiSim({
    faults: [{ type: "drop" }, { type: "cut", atByte: 30 }, { type: "malformed" }, { type: "malformed" }],
  });
  const c = client(sim.url);
  await assert.rejects(c.models.generateContent({ model: MODEL, contents: "x" }));
  assert.equal(sim.requests[0].status, 0);
  await assert.rejects(c.models.generateContent({ model: MODEL, contents: "x" }));
  await assert.rejects(c.models.generateContent({ model: MODEL, contents: "x" }), SyntaxError);
  await assert.rejects(async () => {
    for await (const _ of await c.models.generateContentStream({ model: MODEL, contents: "x" })) {
      /* read */
    }
  });
});
