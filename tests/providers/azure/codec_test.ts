/** Azure codec: both routes, the real captures, content filtering, and the Azure simulator's wire. */
import assert from "node:assert/strict";
import { AzureOpenAI } from "openai";
import type { StreamEvent } from "../../../src/core/mod.ts";
import { SwebenchError } from "../../../src/core/mod.ts";
import { decodeSseWith, readCapture, terminals, textOf } from "../decode_events.ts";
import { errorFromResponse } from "../../../src/http/status.ts";
import {
  azureErrorFromBody,
  azurePath,
  azureUnsupportedParameter,
  createAzureEventDecoder,
  decodeAzureResponse,
  encodeAzureRequest,
  parseAzureEndpoint,
} from "../../../src/providers/azure/codec.ts";
import { startAzureSim } from "../../simulator/azure.ts";

const CAPTURES = new URL("../../fixtures/captures/azure/", import.meta.url);
const KEY = "azure-key-0000000000";

const capture = (name: string) => readCapture(`azure/${name}`);

function decodeSse(text: string): StreamEvent[] {
  return decodeSseWith((emit) => createAzureEventDecoder(emit), text);
}

Deno.test("azure codec: both routes' paths; the deployments route always carries api-version", () => {
  assert.equal(
    azurePath("prod mini", { apiVersion: "2025-04-01-preview" }),
    "/openai/deployments/prod%20mini/chat/completions?api-version=2025-04-01-preview",
  );
  assert.equal(
    azurePath("prod-mini"),
    "/openai/deployments/prod-mini/chat/completions?api-version=2024-10-21",
  );
  assert.equal(
    azurePath("prod-mini", { route: "v1", apiVersion: "2024-10-21" }),
    "/openai/v1/chat/completions",
  );
});

Deno.test("azure codec: AZURE_OPENAI_ENDPOINT forms (resource, /openai, /openai/v1) and bad values", () => {
  assert.deepEqual(parseAzureEndpoint("https://res.openai.azure.com/"), {
    url: "https://res.openai.azure.com",
  });
  assert.deepEqual(parseAzureEndpoint("https://res.openai.azure.com/openai"), {
    url: "https://res.openai.azure.com",
    route: "deployments",
  });
  assert.deepEqual(parseAzureEndpoint(" https://res.openai.azure.com/openai/v1/ "), {
    url: "https://res.openai.azure.com",
    route: "v1",
  });
  for (const bad of ["res.openai.azure.com", "ftp://res", "https://user:pw@res.openai.azure.com"]) {
    assert.throws(
      () => parseAzureEndpoint(bad),
      (e: unknown) =>
        e instanceof SwebenchError && e.kind === "config" && /AZURE_OPENAI_ENDPOINT/.test(e.message),
      bad,
    );
  }
});

Deno.test("azure codec: the underlying model decides the reasoning rules; the deployment is the body's model", () => {
  const request = { model: "prod-reasoner", prompt: "Fix it", maxTokens: 100, temperature: 0, stop: ["x"] };
  const reasoning = encodeAzureRequest(request, { underlyingModel: "o3-mini" });
  assert.equal(reasoning.model, "prod-reasoner");
  assert.equal(reasoning.max_completion_tokens, 100);
  assert.equal(reasoning.temperature, undefined);
  assert.equal(reasoning.stop, undefined);
  const chat = encodeAzureRequest(request, { underlyingModel: "gpt-4o-mini", stream: true });
  assert.equal(chat.max_tokens, 100);
  assert.equal(chat.temperature, 0);
  assert.deepEqual(chat.stream_options, { include_usage: true });
  const dropped = encodeAzureRequest(request, { drop: ["max_tokens", "temperature", "stop"] });
  assert.equal(dropped.max_tokens, undefined);
  assert.equal(
    dropped.max_completion_tokens,
    100,
    "a refused max_tokens becomes max_completion_tokens, never unbounded",
  );
  assert.equal(dropped.temperature, undefined);
  assert.equal(dropped.stop, undefined);
});

Deno.test("azure codec: captured answers on both routes report the underlying dated model", async () => {
  const deployments = decodeAzureResponse(await capture("chat-completion-gpt-4o-mini.json"));
  assert.equal(deployments.model, "gpt-4o-mini-2024-07-18");
  assert.equal(deployments.content, "4200 + 42 equals 4242.");
  assert.equal(deployments.finishReason, "stop");
  const v1 = decodeAzureResponse(await capture("v1-chat-completion-gpt-5-mini.json"));
  assert.equal(v1.model, "gpt-5-mini-2025-08-07");
  assert.equal(v1.content, "4242");
  for (const file of ["stream-gpt-4o-mini.sse", "v1-stream-gpt-5-mini.sse"]) {
    const events = decodeSse(await Deno.readTextFile(new URL(file, CAPTURES)));
    const ends = terminals(events);
    assert.equal(ends.length, 1, file);
    assert.equal(ends[0].type, "finish", file);
    assert.match(textOf(events), /4242/, file);
  }
});

Deno.test("azure codec: a filtered prompt (captured 400) is content_filter, not retried, categories named", async () => {
  const e = azureErrorFromBody(await capture("error-400-content-filter.json"), { status: 400 });
  assert.equal(e.kind, "content_filter");
  assert.equal(e.retryable, false);
  assert.equal(e.code, "content_filter");
  assert.match(e.message, /filtered: self_harm \(medium\)/);
  assert.match(e.hint, /not retried/);
  const unknown = azureErrorFromBody(await capture("v1-error-400-unknown-model.json"), { status: 400 });
  assert.equal(unknown.kind, "model_not_found", "the v1 route answers an unknown deployment with a 400");
  const missing = azureErrorFromBody({
    error: { code: "DeploymentNotFound", message: "The API deployment..." },
  }, {
    status: 404,
  });
  assert.equal(missing.kind, "model_not_found");
  const limited = azureErrorFromBody({
    error: { code: "429", message: "Requests ... exceeded token rate limit" },
  }, {
    status: 429,
    headers: new Headers({ "retry-after-ms": "1500", "retry-after": "2" }),
  });
  assert.equal(limited.kind, "rate_limit");
  assert.equal(limited.retryAfterMs, 1500, "retry-after-ms wins over retry-after");
});

Deno.test("azure codec: a filtered answer is a content_filter failure, plain and streamed (simulator)", async () => {
  await using sim = await startAzureSim({
    apiKey: KEY,
    deployments: { "prod-mini": "gpt-4o-mini" },
    respond: () => "Here is how to do the dangerous thing step by step",
    contentFilter: (req) =>
      String(req.body?.messages?.at(-1)?.content).includes("danger") ? { on: "completion" } : undefined,
  });
  const headers = { "content-type": "application/json", "api-key": KEY };
  const request = { model: "prod-mini", prompt: "danger please", maxTokens: 50 };
  const plain = await fetch(`${sim.url}${azurePath("prod-mini")}`, {
    method: "POST",
    headers,
    body: JSON.stringify(encodeAzureRequest(request, { underlyingModel: "gpt-4o-mini" })),
  });
  assert.equal(plain.status, 200);
  const body = await plain.json();
  assert.throws(() => decodeAzureResponse(body), (e: unknown) => {
    assert.ok(e instanceof SwebenchError);
    assert.equal(e.kind, "content_filter");
    assert.match(e.message, /answer was filtered.*violence \(medium\)/);
    return true;
  });
  const streamed = await fetch(`${sim.url}${azurePath("prod-mini", { route: "v1" })}`, {
    method: "POST",
    headers,
    body: JSON.stringify(encodeAzureRequest(request, { underlyingModel: "gpt-4o-mini", stream: true })),
  });
  const events = decodeSse(await streamed.text());
  const ends = terminals(events);
  assert.equal(ends.length, 1);
  assert.ok(
    ends[0].type === "error" && ends[0].error.kind === "content_filter",
    "never a half-answer success",
  );
  const prompt = await fetch(`${sim.url}${azurePath("prod-mini")}`, {
    method: "POST",
    headers,
    body: JSON.stringify(
      encodeAzureRequest({ ...request, prompt: "fine" }, { underlyingModel: "gpt-4o-mini" }),
    ),
  });
  assert.equal(decodeAzureResponse(await prompt.json()).finishReason, "stop");
  for (const req of sim.requests) assert.equal(req.headers.get("api-key"), KEY);
});

Deno.test("azure codec: our request equals what AzureOpenAI sends, on the same path", async () => {
  await using sim = await startAzureSim({ apiKey: KEY, deployments: { "prod-mini": "gpt-4o-mini" } });
  const client = new AzureOpenAI({
    endpoint: sim.url,
    apiKey: KEY,
    apiVersion: "2024-10-21",
    deployment: "prod-mini",
    maxRetries: 0,
  });
  await client.chat.completions.create({
    model: "prod-mini",
    messages: [{ role: "system", content: "sys" }, { role: "user", content: "hi" }],
    max_tokens: 20,
    temperature: 0,
  });
  const ours = encodeAzureRequest(
    { model: "prod-mini", system: "sys", prompt: "hi", maxTokens: 20, temperature: 0 },
    { underlyingModel: "gpt-4o-mini" },
  );
  const sdk = sim.requests[0];
  assert.equal(`${sdk.path}${sdk.search}`, azurePath("prod-mini"));
  assert.deepEqual({ ...ours, stream: undefined }, { ...sdk.body, stream: undefined });
});

Deno.test("azure codec: a refused parameter is named from Azure's 400 (simulator, reasoning deployment)", async () => {
  await using sim = await startAzureSim({ apiKey: KEY, deployments: { "prod-o3": "o3-mini" } });
  // Without the catalog mapping the deployment name says nothing: max_tokens and temperature go out.
  const res = await fetch(`${sim.url}${azurePath("prod-o3")}`, {
    method: "POST",
    headers: { "content-type": "application/json", "api-key": KEY },
    body: JSON.stringify(
      encodeAzureRequest({ model: "prod-o3", prompt: "p", maxTokens: 10, temperature: 0 }),
    ),
  });
  const error = await errorFromResponse(res, { provider: "azure" });
  assert.equal(error.kind, "invalid_request");
  assert.equal(azureUnsupportedParameter(error), "max_tokens");
});
