/**
 * Gemini codec: on the real captures (`tests/fixtures/captures/gemini/`), against the official client's request
 * bodies, and over the wire of the Gemini simulator.
 */
import assert from "node:assert/strict";
import { GoogleGenAI } from "@google/genai";
import type { StreamEvent } from "../../../src/core/mod.ts";
import { SwebenchError } from "../../../src/core/mod.ts";
import { decodeSseWith, readCapture, terminals, textOf } from "../decode_events.ts";
import {
  createGeminiEventDecoder,
  decodeGeminiCountTokens,
  decodeGeminiModelPage,
  decodeGeminiResponse,
  decodeGeminiUsage,
  encodeGeminiCountTokens,
  encodeGeminiRequest,
  geminiCountTokensPath,
  geminiErrorFromBody,
  geminiFinishReason,
  geminiModelsPath,
  geminiPath,
  geminiUnsupportedParameter,
  parseGoogleDuration,
} from "../../../src/providers/gemini/codec.ts";
import { geminiQuotaBody, startGeminiSim } from "../../simulator/gemini.ts";

const CAPTURES = new URL("../../fixtures/captures/gemini/", import.meta.url);
const KEY = "AIza-test-key-0000";

const capture = (name: string) => readCapture(`gemini/${name}`);

function decodeSse(text: string, size = 0): StreamEvent[] {
  return decodeSseWith((emit) => createGeminiEventDecoder(emit), text, size);
}

Deno.test("gemini codec: the request body equals what @google/genai sends for the same call", async () => {
  await using sim = await startGeminiSim({ respond: () => "ok", apiKey: KEY });
  const ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: sim.url } });
  await ai.models.generateContent({
    model: "gemini-2.5-flash",
    contents: "Fix the bug",
    config: {
      systemInstruction: "Be terse.",
      maxOutputTokens: 500,
      temperature: 0.2,
      stopSequences: ["STOP"],
    },
  });
  const sdk = sim.requests[0].body;
  const ours = encodeGeminiRequest({
    model: "gemini-2.5-flash",
    system: "Be terse.",
    prompt: "Fix the bug",
    maxTokens: 500,
    temperature: 0.2,
    stop: ["STOP"],
  });
  // The SDK adds role "user" to the system instruction; the API ignores it (the captures have both forms).
  assert.deepEqual(ours.contents, sdk.contents);
  assert.deepEqual(ours.generationConfig, sdk.generationConfig);
  assert.deepEqual(ours.systemInstruction, { parts: sdk.systemInstruction.parts });
});

Deno.test("gemini codec: encode clamps the temperature, caps stop sequences at 5, drops refused parameters", () => {
  const body = encodeGeminiRequest({
    model: "gemini-2.5-pro",
    prompt: "p",
    temperature: 7,
    stop: ["a", "b", "c", "d", "e", "f"],
    extra: { topP: 0.9, reasoning_effort: "high" },
  });
  assert.deepEqual(body.generationConfig, {
    temperature: 2,
    stopSequences: ["a", "b", "c", "d", "e"],
    topP: 0.9,
  });
  assert.equal(body.systemInstruction, undefined, "no system message, no systemInstruction");
  const dropped = encodeGeminiRequest(
    { model: "m", prompt: "p", temperature: 0, stop: ["x"], maxTokens: 10, extra: { topP: 0.5 } },
    { drop: ["temperature", "stop", "topP"] },
  );
  assert.deepEqual(dropped.generationConfig, { maxOutputTokens: 10 });
  assert.deepEqual(encodeGeminiRequest({ model: "m", prompt: "p" }).generationConfig, undefined);
});

Deno.test("gemini codec: paths carry the model and alt=sse, never the key", () => {
  assert.equal(geminiPath("gemini-2.5-flash"), "/v1beta/models/gemini-2.5-flash:generateContent");
  assert.equal(
    geminiPath("models/gemini-2.5-flash", { stream: true, apiVersion: "v1" }),
    "/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
  );
  assert.equal(geminiCountTokensPath("gemini-2.5-pro"), "/v1beta/models/gemini-2.5-pro:countTokens");
  assert.equal(geminiModelsPath({ pageToken: "a b" }), "/v1beta/models?pageSize=1000&pageToken=a+b");
  assert.equal(geminiPath("tuned/x y"), "/v1beta/models/tuned%2Fx%20y:generateContent");
});

Deno.test("gemini codec: whole answers of the captures (text, thoughts billed as output, raw finish kept)", async () => {
  const ok = decodeGeminiResponse(await capture("generate-content-gemini-2.5-flash.json"));
  assert.match(ok.content, /4200 \+ 42 = \*\*4242\*\*/);
  assert.equal(ok.model, "gemini-2.5-flash");
  assert.equal(ok.finishReason, "stop");
  assert.equal(ok.rawFinishReason, "STOP");
  assert.deepEqual(ok.usage, {
    promptTokens: 13,
    completionTokens: 77 + 25,
    totalTokens: 115,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 25,
  });
  const cut = decodeGeminiResponse(await capture("generate-content-max-tokens-gemini-2.5-flash.json"));
  assert.equal(cut.finishReason, "length");
  assert.equal(cut.rawFinishReason, "MAX_TOKENS");
  assert.equal(cut.content, "Here is a list of all 50 U");
  assert.equal(
    cut.usage.completionTokens,
    48,
    "10 answer + 38 thought tokens: the 50-token budget, both billed",
  );
});

Deno.test("gemini codec: a thinking model that spent the whole budget is a length outcome with no text", async () => {
  const r = decodeGeminiResponse(await capture("generate-content-thinking-ate-max-tokens.json"));
  assert.equal(r.finishReason, "length", "not an empty success");
  assert.equal(r.rawFinishReason, "MAX_TOKENS");
  assert.equal(r.content, "");
  assert.equal(r.model, "gemini-2.5-pro");
  assert.equal(r.usage.completionTokens, 2);
  assert.equal(r.usage.reasoningTokens, 2);
  assert.equal(r.usage.promptTokens, 15);
});

Deno.test("gemini codec: usage counts implicit cache reads as part of the prompt", () => {
  const u = decodeGeminiUsage({
    promptTokenCount: 1000,
    cachedContentTokenCount: 800,
    candidatesTokenCount: 5,
  });
  assert.equal(u.promptTokens, 1000);
  assert.equal(u.cacheReadTokens, 800);
  assert.equal(u.completionTokens, 5);
  assert.equal(u.reasoningTokens, undefined, "no thoughts reported, none invented");
  assert.equal(decodeGeminiUsage(undefined).totalTokens, 0);
});

Deno.test("gemini codec: the captured streams decode to one finish, at every split", async () => {
  const cases: [string, string, string, number][] = [
    ["stream-gemini-2.5-flash.sse", "stop", "4242", 63 + 75],
    ["stream-gemini-2.0-flash-exp.sse", "stop", "The capital of France is Paris.\n", 8],
    ["stream-max-tokens-gemini-2.5-flash.sse", "length", "Here are all 50 U.S.", 10 + 38],
  ];
  for (const [file, reason, text, completion] of cases) {
    const sse = await Deno.readTextFile(new URL(file, CAPTURES));
    for (const size of [0, 1, 7, 64]) {
      const events = decodeSse(sse, size);
      const ends = terminals(events);
      assert.equal(ends.length, 1, `${file} @${size}: exactly one terminal event`);
      const end = ends[0];
      assert.equal(end.type, "finish", `${file} @${size}`);
      if (end.type !== "finish") continue;
      assert.equal(end.finishReason, reason);
      assert.equal(end.usage.completionTokens, completion, file);
      assert.ok(textOf(events).includes(text), `${file}: ${textOf(events)}`);
      assert.equal(events[0].type, "start");
    }
  }
  // 2.0 changes promptTokenCount on the last chunk (15, then 13): the last value is the one billed.
  const legacy = decodeSse(await Deno.readTextFile(new URL("stream-gemini-2.0-flash-exp.sse", CAPTURES)));
  const finish = terminals(legacy)[0];
  assert.ok(finish.type === "finish" && finish.usage.promptTokens === 13);
});

Deno.test("gemini codec: a stream that ends without a finish reason is a retryable connection error", () => {
  const events = decodeSse(
    'data: {"candidates":[{"content":{"parts":[{"text":"half"}],"role":"model"}}]}\r\n\r\n',
  );
  const ends = terminals(events);
  assert.equal(ends.length, 1);
  assert.ok(ends[0].type === "error" && ends[0].error.kind === "connection" && ends[0].error.retryable);
  const malformed = terminals(decodeSse('data: {"candidates": [\r\n\r\n'));
  assert.ok(malformed[0].type === "error" && malformed[0].error.kind === "server");
});

Deno.test("gemini codec: an error event inside a 200 stream is retryable, never a truncated success", () => {
  for (
    const [status, name, kind] of [[500, "INTERNAL", "server"], [503, "UNAVAILABLE", "overloaded"], [
      400,
      "INVALID_ARGUMENT",
      "server",
    ]] as const
  ) {
    const body = JSON.stringify({ error: { code: status, message: "boom", status: name } });
    const events = decodeSse(
      `data: {"candidates":[{"content":{"parts":[{"text":"one "}],"role":"model"}}]}\r\n\r\ndata: ${body}\r\n\r\n` +
        `data: {"candidates":[{"content":{"parts":[{"text":"two"}]},"finishReason":"STOP"}]}\r\n\r\n`,
    );
    const ends = terminals(events);
    assert.equal(ends.length, 1);
    assert.equal(ends[0].type, "error");
    if (ends[0].type !== "error") continue;
    assert.equal(ends[0].error.kind, kind, name);
    assert.ok(ends[0].error.retryable);
    assert.equal(ends[0].error.status, undefined, "the HTTP status was 200: the call may have been billed");
    assert.equal(textOf(events), "one ", "nothing after the error");
  }
  const quota = decodeSse(`data: ${JSON.stringify(geminiQuotaBody("gemini-2.5-flash", "7s"))}\r\n\r\n`);
  const end = terminals(quota)[0];
  assert.ok(end.type === "error" && end.error.kind === "rate_limit" && end.error.retryAfterMs === 7000);
});

Deno.test("gemini codec: filtered answers and blocked prompts are content_filter failures, never retried", () => {
  const answer = () =>
    decodeGeminiResponse({
      candidates: [{
        finishReason: "SAFETY",
        index: 0,
        safetyRatings: [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true }],
      }],
      usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 },
    });
  assert.throws(answer, (e: unknown) => {
    assert.ok(e instanceof SwebenchError);
    assert.equal(e.kind, "content_filter");
    assert.equal(e.retryable, false);
    assert.match(e.message, /answer was blocked \(SAFETY \(HARM_CATEGORY_DANGEROUS_CONTENT\)\)/);
    return true;
  });
  assert.throws(
    () => decodeGeminiResponse({ promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, usageMetadata: {} }),
    (e: unknown) =>
      e instanceof SwebenchError && e.kind === "content_filter" && /prompt was blocked/.test(e.message),
  );
  assert.equal(geminiFinishReason("RECITATION"), "content_filter");
  const streamed = decodeSse(
    'data: {"candidates":[{"content":{"parts":[{"text":"par"}]}}]}\r\n\r\n' +
      'data: {"candidates":[{"finishReason":"RECITATION"}]}\r\n\r\n',
  );
  const ends = terminals(streamed);
  assert.equal(ends.length, 1);
  assert.ok(ends[0].type === "error" && ends[0].error.kind === "content_filter");
});

Deno.test("gemini codec: Google's error bodies map to kinds (captures and the simulator's bodies)", async () => {
  const invalidKey = geminiErrorFromBody(await capture("error-400-api-key-invalid.json"), { status: 400 });
  assert.equal(invalidKey.kind, "authentication", "API_KEY_INVALID is a 400, but an authentication failure");
  assert.equal(invalidKey.code, "API_KEY_INVALID");
  assert.match(invalidKey.hint, /GEMINI_API_KEY/);
  assert.match(invalidKey.message, /^gemini: 400 API key not valid/);
  const streamKey = geminiErrorFromBody(await capture("error-400-api-key-invalid-stream.json"), {
    status: 400,
  });
  assert.equal(streamKey.kind, "authentication");
  const missing = geminiErrorFromBody(await capture("error-404-model-not-found.json"), { status: 404 });
  assert.equal(missing.kind, "model_not_found");
  const quota = geminiErrorFromBody(geminiQuotaBody("gemini-2.5-pro", "32s"), { status: 429 });
  assert.equal(
    quota.kind,
    "rate_limit",
    "'exceeded your current quota' in a 429 RESOURCE_EXHAUSTED is a rate limit",
  );
  assert.equal(quota.retryAfterMs, 32_000, "RetryInfo.retryDelay; there is no retry-after header");
  const header = geminiErrorFromBody(geminiQuotaBody("m", "32s"), {
    status: 429,
    headers: new Headers({ "retry-after": "3" }),
  });
  assert.equal(header.retryAfterMs, 3000, "a retry-after header (a proxy's) wins");
  const cases: [number, string, string, string][] = [
    [401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", "authentication"],
    [403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers", "authentication"],
    [
      400,
      "INVALID_ARGUMENT",
      'Invalid JSON payload received. Unknown name "max_tokens": Cannot find field.',
      "invalid_request",
    ],
    [
      400,
      "INVALID_ARGUMENT",
      "The input token count (1048577) exceeds the maximum number of tokens allowed (1048576).",
      "context_length",
    ],
    [503, "UNAVAILABLE", "The model is overloaded. Please try again later.", "overloaded"],
    [500, "INTERNAL", "An internal error has occurred.", "server"],
    [504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.", "timeout"],
  ];
  for (const [status, name, message, kind] of cases) {
    const e = geminiErrorFromBody({ error: { code: status, message, status: name } }, { status });
    assert.equal(e.kind, kind, `${status} ${name}`);
  }
  const unavailable = geminiErrorFromBody({ error: { code: 503, message: "x", status: "UNAVAILABLE" } }, {
    status: 503,
  });
  assert.ok(unavailable.retryable);
  const secret = geminiErrorFromBody({
    error: { code: 400, message: `bad key ${KEY}`, status: "INVALID_ARGUMENT" },
  }, {
    status: 400,
    secrets: [KEY],
  });
  assert.ok(!secret.message.includes(KEY) && !(secret.body ?? "").includes(KEY), "keys are redacted");
  assert.equal(parseGoogleDuration("1.5s"), 1500);
  assert.equal(parseGoogleDuration({ seconds: 2, nanos: 500_000_000 }), 2500);
  assert.equal(parseGoogleDuration("soon"), undefined);
});

Deno.test("gemini codec: a 400 naming a generationConfig field says which parameter to drop", () => {
  const e = (message: string, kind: "invalid_request" | "server" = "invalid_request") =>
    new SwebenchError(kind, `gemini: 400 ${message}`, { status: 400 });
  assert.equal(
    geminiUnsupportedParameter(
      e(`Invalid JSON payload received. Unknown name "stopSequences" at 'generation_config': Cannot find field.`),
    ),
    "stop",
  );
  assert.equal(
    geminiUnsupportedParameter(
      e(`Invalid JSON payload received. Unknown name "top_k" at 'generation_config': Cannot find field.`),
    ),
    "topK",
  );
  assert.equal(geminiUnsupportedParameter(e("Stop sequences are not supported for this model.")), "stop");
  assert.equal(geminiUnsupportedParameter(e("temperature is not supported for this model")), "temperature");
  assert.equal(
    geminiUnsupportedParameter(
      e('Invalid JSON payload received. Unknown name "max_tokens": Cannot find field.'),
    ),
    undefined,
  );
  assert.equal(
    geminiUnsupportedParameter(e("Stop sequences are not supported for this model.", "server")),
    undefined,
  );
});

Deno.test("gemini codec: over the simulator's wire (plain, stream, count, models; key never in the URL)", async () => {
  await using sim = await startGeminiSim({ respond: () => "diff --git a/x b/x", apiKey: KEY, chunkSize: 3 });
  const request = {
    model: "gemini-2.5-flash",
    system: "sys",
    prompt: "Fix it",
    maxTokens: 400,
    temperature: 0,
  };
  const headers = { "content-type": "application/json", "x-goog-api-key": KEY };
  const plain = await fetch(`${sim.url}${geminiPath(request.model)}`, {
    method: "POST",
    headers,
    body: JSON.stringify(encodeGeminiRequest(request)),
  });
  assert.equal(plain.status, 200);
  const r = decodeGeminiResponse(await plain.json());
  assert.equal(r.content, "diff --git a/x b/x");
  const streamed = await fetch(`${sim.url}${geminiPath(request.model, { stream: true })}`, {
    method: "POST",
    headers,
    body: JSON.stringify(encodeGeminiRequest(request)),
  });
  const events = decodeSse(await streamed.text());
  assert.equal(textOf(events), r.content);
  const end = terminals(events)[0];
  assert.ok(end.type === "finish");
  assert.deepEqual(end.usage, r.usage, "stream and plain answers bill the same");
  const counted = await fetch(`${sim.url}${geminiCountTokensPath(request.model)}`, {
    method: "POST",
    headers,
    body: JSON.stringify(encodeGeminiCountTokens(request)),
  });
  assert.equal(decodeGeminiCountTokens(await counted.json()), r.usage.promptTokens, "countTokens is exact");
  const thinking = await fetch(`${sim.url}${geminiPath("gemini-2.5-pro")}`, {
    method: "POST",
    headers,
    body: JSON.stringify(encodeGeminiRequest({ ...request, model: "gemini-2.5-pro", maxTokens: 5 })),
  });
  const starved = decodeGeminiResponse(await thinking.json());
  assert.equal(starved.finishReason, "length");
  assert.equal(starved.content, "");
  for (const req of sim.requests) {
    assert.equal(req.keyInUrl, undefined, `${req.path}: the key never goes in the URL`);
    assert.equal(req.headers.get("x-goog-api-key"), KEY);
  }
});

Deno.test("gemini codec: the model list follows pageToken and keeps input/output limits", async () => {
  const many = Array.from({ length: 5 }, (_, i) => ({
    id: `gemini-test-${i}`,
    version: "001",
    displayName: `Test ${i}`,
    inputTokenLimit: 1000 + i,
    outputTokenLimit: 100 + i,
    thinking: false,
    topK: 40,
  }));
  await using sim = await startGeminiSim({ apiKey: KEY, modelInfo: many });
  const seen: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 10; page++) {
    const path = geminiModelsPath({ pageToken: token }).replace("pageSize=1000", "pageSize=2");
    const res = await fetch(`${sim.url}${path}`, { headers: { "x-goog-api-key": KEY } });
    const decoded = decodeGeminiModelPage(await res.json());
    for (const m of decoded.models) {
      seen.push(m.id);
      assert.equal(m.contextWindow, 1000 + Number(m.id.at(-1)));
      assert.equal(m.maxOutputTokens, 100 + Number(m.id.at(-1)));
    }
    token = decoded.next?.pageToken;
    if (token === undefined) break;
  }
  assert.deepEqual(seen, many.map((m) => m.id));
  const embeddings = decodeGeminiModelPage({
    models: [{ name: "models/text-embedding-004", supportedGenerationMethods: ["embedContent"] }],
  });
  assert.deepEqual(embeddings.models, [], "models that cannot generateContent are left out");
});
