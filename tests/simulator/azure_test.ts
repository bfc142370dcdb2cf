import assert from "node:assert/strict";
import OpenAI, { AzureOpenAI } from "openai";
import { startAzureSim } from "./mod.ts";

const KEY = "azure-key-0000000000";
const VERSION = "2024-10-21";
const user = (content: string) => [{ role: "user" as const, content }];

function azure(url: string, deployment?: string, apiKey = KEY): AzureOpenAI {
  return new AzureOpenAI({ endpoint: url, apiKey, apiVersion: VERSION, deployment, maxRetries: 0 });
}

/** The v1 route as Microsoft documents it: the plain OpenAI client, base URL `/openai/v1/`, the key as Bearer. */
function v1(url: string, apiKey = KEY): OpenAI {
  return new OpenAI({ baseURL: `${url}/openai/v1/`, apiKey, maxRetries: 0 });
}

Deno.test("azure sim: deployments route through AzureOpenAI; api-key header, api-version, the underlying model reported", async () => {
  await using sim = await startAzureSim({
    apiKey: KEY,
    deployments: { "prod-mini": "gpt-4o-mini" },
    respond: () => "Hi!",
  });
  const { data: r, response } = await azure(sim.url, "prod-mini").chat.completions.create({
    model: "whatever-the-caller-says",
    messages: user("hello"),
  }).withResponse();
  assert.equal(r.choices[0].message.content, "Hi!");
  assert.equal(
    r.model,
    "gpt-4o-mini-2024-07-18",
    "the API reports the deployment's model, not the deployment",
  );
  assert.equal(r.usage?.prompt_tokens, 8);
  const raw = r as unknown as Record<string, unknown> & { choices: Record<string, unknown>[] };
  assert.equal((raw.prompt_filter_results as unknown[]).length, 1);
  assert.deepEqual(Object.keys(raw.choices[0].content_filter_results as object).sort(), [
    "hate",
    "protected_material_code",
    "protected_material_text",
    "self_harm",
    "sexual",
    "violence",
  ]);
  assert.equal("service_tier" in raw, false);
  assert.equal(response.headers.get("x-ms-deployment-name"), "prod-mini");
  assert.match(response.headers.get("apim-request-id") ?? "", /^[0-9a-f-]{36}$/);
  const req = sim.requests[0];
  assert.equal(req.path, "/openai/deployments/prod-mini/chat/completions");
  assert.equal(req.search, `?api-version=${VERSION}`);
  assert.equal(req.headers.get("api-key"), KEY);
  assert.equal(req.headers.get("authorization"), null);
  // Without a fixed deployment, AzureOpenAI puts `model` in the path.
  await azure(sim.url).chat.completions.create({ model: "prod-mini", messages: user("x") });
  assert.equal(sim.requests[1].path, "/openai/deployments/prod-mini/chat/completions");
});

Deno.test("azure sim: the v1 route (deployment in `model`, no api-version) through the OpenAI client", async () => {
  await using sim = await startAzureSim({ apiKey: KEY, deployments: { "gpt-5-mini": "gpt-5-mini" } });
  const r = await v1(sim.url).chat.completions.create({ model: "gpt-5-mini", messages: user("hi") });
  assert.equal(r.model, "gpt-5-mini-2025-08-07");
  assert.equal(r.system_fingerprint, null);
  assert.equal(sim.requests[0].path, "/openai/v1/chat/completions");
  assert.equal(sim.requests[0].search, "");
  assert.equal(sim.requests[0].headers.get("authorization"), `Bearer ${KEY}`);
  await assert.rejects(
    v1(sim.url).chat.completions.create({ model: "gpt-9", messages: user("hi") }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError, "v1 answers an unknown deployment with 400, not 404");
      assert.equal(e.code, "unknown_model");
      return true;
    },
  );
  // Reasoning models keep OpenAI's parameter rules.
  await assert.rejects(
    v1(sim.url).chat.completions.create({ model: "gpt-5-mini", messages: user("hi"), max_tokens: 5 }),
    (e: unknown) => e instanceof OpenAI.BadRequestError && e.code === "unsupported_parameter",
  );
});

Deno.test("azure sim: streams through the SDK: prompt_filter_results first, content_filter_results per chunk", async () => {
  await using sim = await startAzureSim({ respond: () => "one two three four", chunkSize: 4 });
  const stream = await azure(sim.url, "gpt-4o-mini").chat.completions.create({
    model: "gpt-4o-mini",
    messages: user("x"),
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks: Record<string, unknown>[] = [];
  let text = "";
  for await (const ch of stream) {
    chunks.push(ch as unknown as Record<string, unknown>);
    text += ch.choices[0]?.delta?.content ?? "";
  }
  assert.equal(text, "one two three four");
  assert.deepEqual(chunks[0].choices, []);
  assert.equal(chunks[0].id, "");
  assert.ok(Array.isArray(chunks[0].prompt_filter_results));
  const withText = chunks.filter((c) => (c.choices as { delta?: { content?: string } }[])[0]?.delta?.content);
  assert.ok(withText.every((c) => "content_filter_results" in (c.choices as object[])[0]));
  const last = chunks[chunks.length - 1] as { choices: unknown[]; usage: { prompt_tokens: number } };
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage.prompt_tokens, 8);
});

Deno.test("azure sim: a filtered prompt is a 400 content_filter with innererror; a filtered answer ends content_filter", async () => {
  await using sim = await startAzureSim({
    respond: () => "alpha beta gamma delta epsilon zeta",
    contentFilter: (req) => {
      const text = String(req.body.messages[0].content);
      return text === "bad prompt"
        ? { on: "prompt" }
        : text === "bad answer"
        ? { on: "completion" }
        : undefined;
    },
  });
  const c = azure(sim.url, "gpt-4o-mini");
  await assert.rejects(
    c.chat.completions.create({ model: "m", messages: user("bad prompt") }),
    (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError);
      assert.equal(e.code, "content_filter");
      assert.equal(e.param, "prompt");
      const inner =
        (e.error as { innererror: { code: string; content_filter_result: Record<string, unknown> } })
          .innererror;
      assert.equal(inner.code, "ResponsibleAIPolicyViolation");
      assert.deepEqual(inner.content_filter_result.self_harm, { filtered: true, severity: "medium" });
      return true;
    },
  );
  const plain = await c.chat.completions.create({ model: "m", messages: user("bad answer") });
  assert.equal(plain.choices[0].finish_reason, "content_filter");
  assert.equal(plain.choices[0].message.content, null);
  const verdict = (plain.choices[0] as unknown as { content_filter_results: Record<string, unknown> })
    .content_filter_results;
  assert.deepEqual(verdict.violence, { filtered: true, severity: "medium" });
  let text = "";
  let finish: string | null = null;
  for await (
    const ch of await c.chat.completions.create({ model: "m", messages: user("bad answer"), stream: true })
  ) {
    text += ch.choices[0]?.delta?.content ?? "";
    finish = ch.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(finish, "content_filter");
  assert.ok(
    text.length > 0 && text.length < "alpha beta gamma delta epsilon zeta".length,
    "the stream stops halfway",
  );
  const ok = await c.chat.completions.create({ model: "m", messages: user("fine") });
  assert.equal(ok.choices[0].finish_reason, "stop");
});

Deno.test("azure sim: 429 with retry-after-ms and retry-after, x-ratelimit headers, Azure's error body", async () => {
  await using sim = await startAzureSim({ rateLimit: { requests: 1, windowMs: 30_000, tokens: 1000 } });
  const c = azure(sim.url, "gpt-4o-mini");
  const { response } = await c.chat.completions.create({ model: "m", messages: user("x") }).withResponse();
  assert.equal(response.headers.get("x-ratelimit-limit-requests"), "1");
  assert.equal(response.headers.get("x-ratelimit-remaining-requests"), "0");
  assert.equal(response.headers.get("x-ratelimit-limit-tokens"), "1000");
  assert.equal(response.headers.get("x-ratelimit-reset-requests"), null, "Azure sends no reset headers");
  await assert.rejects(c.chat.completions.create({ model: "m", messages: user("x") }), (e: unknown) => {
    assert.ok(e instanceof OpenAI.RateLimitError);
    const ms = Number(e.headers?.get("retry-after-ms"));
    assert.ok(ms > 25_000 && ms <= 30_000, String(ms));
    assert.equal(e.headers?.get("retry-after"), String(Math.ceil(ms / 1000)));
    assert.equal(e.code, "429");
    assert.match(e.message, /exceeded call rate limit/);
    return true;
  });
});

Deno.test("azure sim: auth, missing deployment, missing api-version, Entra bearer, faults", async () => {
  await using sim = await startAzureSim({
    apiKey: KEY,
    entraToken: "entra-token",
    deployments: { dep: "gpt-4o" },
  });
  await assert.rejects(
    azure(sim.url, "dep", "wrong-key").chat.completions.create({ model: "m", messages: user("x") }),
    (e: unknown) => e instanceof OpenAI.AuthenticationError && /Access denied/.test(e.message),
  );
  await assert.rejects(
    azure(sim.url, "nope").chat.completions.create({ model: "m", messages: user("x") }),
    (e: unknown) => e instanceof OpenAI.NotFoundError && e.code === "DeploymentNotFound",
  );
  const noVersion = await fetch(`${sim.url}/openai/deployments/dep/chat/completions`, {
    method: "POST",
    headers: { "api-key": KEY, "content-type": "application/json" },
    body: JSON.stringify({ messages: user("x") }),
  });
  assert.equal(noVersion.status, 404);
  await noVersion.body?.cancel();
  const entra = new AzureOpenAI({
    endpoint: sim.url,
    apiVersion: VERSION,
    deployment: "dep",
    azureADTokenProvider: () => Promise.resolve("entra-token"),
    maxRetries: 0,
  });
  const r = await entra.chat.completions.create({ model: "m", messages: user("x") });
  assert.equal(r.model, "gpt-4o-2024-08-06");
  assert.equal(sim.requests[sim.requests.length - 1].headers.get("authorization"), "Bearer entra-token");

  sim.setOptions({
    faults: [{ type: "status", status: 503 }, { type: "error-event", afterDeltas: 1 }, { type: "drop" }],
  });
  const c = azure(sim.url, "dep");
  await assert.rejects(
    c.chat.completions.create({ model: "m", messages: user("x") }),
    (e: unknown) =>
      e instanceof OpenAI.InternalServerError && e.status === 503 && e.code === "ServiceUnavailable",
  );
  const s = await c.chat.completions.create({ model: "m", messages: user("x"), stream: true });
  await assert.rejects(async () => {
    for await (const _ of s) { /* read */ }
  }, (e: unknown) => e instanceof OpenAI.APIError);
  // AzureOpenAI sets redirect: "manual" when it sends api-key, so the simulator's drop (a 307 to a closed port)
  // reaches it as a 307, still an error and never a success.
  await assert.rejects(c.chat.completions.create({ model: "m", messages: user("x") }));
  assert.equal(sim.requests[sim.requests.length - 1].status, 0);
});
