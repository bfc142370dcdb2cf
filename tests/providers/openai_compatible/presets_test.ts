/** The OpenAI-compatible presets as data, OpenRouter's billed cost, and "which parameter did the model refuse". */
import assert from "node:assert/strict";
import { SwebenchError } from "../../../src/core/mod.ts";
import { classifyHttpError, errorFromResponse } from "../../../src/http/status.ts";
import { encodeAnthropicRequest } from "../../../src/providers/anthropic/codec.ts";
import {
  ANTHROPIC_DEFAULT_VERSION,
  ANTHROPIC_LEGACY_VERSION,
  anthropicSamplingNote,
  anthropicTakesSampling,
  anthropicUnsupportedParameter,
  applyAnthropicVersion,
} from "../../../src/providers/anthropic/version.ts";
import { defaultCatalog } from "../../../src/providers/catalog.ts";
import { encodeOpenAIRequest } from "../../../src/providers/openai/codec.ts";
import {
  OPENAI_COMPATIBLE_PRESETS,
  openRouterBilledCost,
} from "../../../src/providers/openai_compatible/presets.ts";
import { openAIUnsupportedParameter } from "../../../src/providers/openai_compatible/unsupported.ts";
import { startAnthropicSim } from "../../simulator/anthropic.ts";
import { startOpenAISim } from "../../simulator/openai.ts";

const CAPTURES = new URL("../../fixtures/captures/", import.meta.url);

Deno.test("presets: each names an https base URL on its own host, a key variable and a priced default model", () => {
  const ids = new Set<string>();
  for (const p of OPENAI_COMPATIBLE_PRESETS) {
    assert.ok(!ids.has(p.id), `duplicate ${p.id}`);
    ids.add(p.id);
    assert.ok(!["openai", "anthropic", "ollama", "gold", "gemini", "azure"].includes(p.id), p.id);
    const url = new URL(p.defaultBaseUrl);
    assert.equal(url.protocol, "https:", p.id);
    assert.ok(p.hosts.includes(url.hostname), `${p.id}: ${url.hostname} is one of its hosts`);
    assert.ok(p.keyEnv.length > 0 && p.keyEnv.every((v) => /^[A-Z][A-Z0-9_]*_API_KEY$/.test(v)), p.id);
    const entry = defaultCatalog().lookup(p.defaultModel, p.id);
    assert.ok(entry !== undefined && entry.provider === p.id, `${p.id}: ${p.defaultModel} is in the catalog`);
    assert.ok(
      entry.inputPerMTok !== undefined && entry.outputPerMTok !== undefined,
      `${p.id}: default model priced`,
    );
    assert.match(entry.source ?? "", /genai-prices/);
  }
  for (const required of ["deepseek", "openrouter", "groq", "together", "fireworks", "mistral", "xai"]) {
    assert.ok(ids.has(required), required);
  }
  const keys = OPENAI_COMPATIBLE_PRESETS.flatMap((p) => p.keyEnv);
  assert.equal(new Set(keys).size, keys.length, "no two presets share a key variable");
});

Deno.test("presets: OpenRouter asks for usage accounting and its billed usage.cost is the call's cost", async () => {
  const openrouter = OPENAI_COMPATIBLE_PRESETS.find((p) => p.id === "openrouter")!;
  assert.deepEqual(openrouter.bodyDefaults, { usage: { include: true } });
  assert.equal(openrouter.billedCost, "usage.cost");
  // OpenRouter's documented example (Usage Accounting page): cost 0.95 credits, upstream 19 on a non-BYOK call.
  assert.equal(
    openRouterBilledCost({
      prompt_tokens: 194,
      completion_tokens: 2,
      cost: 0.95,
      cost_details: { upstream_inference_cost: 19 },
    }),
    0.95,
  );
  const byok = openRouterBilledCost({
    cost: 0.01,
    is_byok: true,
    cost_details: { upstream_inference_cost: 0.2 },
  });
  assert.ok(
    byok !== undefined && Math.abs(byok - 0.21) < 1e-12,
    "a BYOK call is also billed upstream to the user's own key",
  );
  assert.equal(openRouterBilledCost({ cost: 0 }), 0, "a free model costs 0, said by the answer");
  for (const none of [undefined, {}, { cost: "0.1" }, { cost: -1 }, { cost: Number.NaN }]) {
    assert.equal(openRouterBilledCost(none), undefined, JSON.stringify(none));
  }
  // The captured OpenRouter 429 body is not an answer: no cost.
  const body = JSON.parse(await Deno.readTextFile(new URL("openai/error-429-openrouter.json", CAPTURES)));
  assert.equal(openRouterBilledCost(body.usage), undefined);
});

Deno.test("unsupported parameter: OpenAI's wordings (capture and simulator), and 400s that name none", async () => {
  const captured = JSON.parse(
    await Deno.readTextFile(new URL("openai/error-400-unsupported-parameter.json", CAPTURES)),
  );
  const e = classifyHttpError({ status: 400, provider: "openai", body: JSON.stringify(captured) });
  assert.equal(openAIUnsupportedParameter(e), "max_tokens");
  await using sim = await startOpenAISim({ apiKey: "sk-test" });
  const res = await fetch(`${sim.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body: JSON.stringify({ ...encodeOpenAIRequest({ model: "o3-mini", prompt: "p" }), temperature: 0 }),
  });
  assert.equal(
    openAIUnsupportedParameter(await errorFromResponse(res, { provider: "openai" })),
    "temperature",
  );
  const err = (
    message: string,
    status = 400,
    kind: "invalid_request" | "context_length" | "server" = "invalid_request",
  ) => new SwebenchError(kind, `x: ${status} ${message}`, { status });
  assert.equal(openAIUnsupportedParameter(err("Argument not supported on this model: stop")), "stop");
  assert.equal(
    openAIUnsupportedParameter(err("Model grok-4 does not support parameter presencePenalty.")),
    "presence_penalty",
  );
  assert.equal(openAIUnsupportedParameter(err("body.top_p: Extra inputs are not permitted", 422)), "top_p");
  assert.equal(openAIUnsupportedParameter(err("'stop' is not supported with this model.")), "stop");
  assert.equal(
    openAIUnsupportedParameter(err("Unsupported parameter: 'messages' is required")),
    undefined,
    "not droppable",
  );
  assert.equal(
    openAIUnsupportedParameter(
      err("This model's maximum context length is 8192 tokens", 400, "context_length"),
    ),
    undefined,
  );
  assert.equal(
    openAIUnsupportedParameter(err("Unsupported parameter: 'temperature'", 500, "server")),
    undefined,
  );
});

Deno.test("anthropic 2026-10-21: no sampling parameter is sent; the plan says why; 2023-06-01 keeps them", async () => {
  assert.equal(ANTHROPIC_DEFAULT_VERSION, "2026-10-21");
  assert.equal(anthropicTakesSampling(ANTHROPIC_LEGACY_VERSION), true);
  assert.equal(anthropicTakesSampling(undefined), false, "the default version takes none");
  await using sim = await startAnthropicSim({ apiKey: "sk-ant-test" });
  const send = async (body: Record<string, unknown>, version: string) =>
    await fetch(`${sim.url}/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": "sk-ant-test",
        "anthropic-version": version,
      },
      body: JSON.stringify(body),
    });
  const request = {
    model: "claude-sonnet-4-5",
    prompt: "p",
    maxTokens: 10,
    temperature: 0,
    extra: { anthropic: { top_k: 5 } },
  };
  const raw = encodeAnthropicRequest(request);
  const refused = await send(raw, ANTHROPIC_DEFAULT_VERSION);
  assert.equal(refused.status, 400, "the API refuses sampling parameters under 2026-10-21");
  const error = await errorFromResponse(refused, { provider: "anthropic" });
  assert.equal(anthropicUnsupportedParameter(error), "temperature");
  const body = encodeAnthropicRequest(request);
  assert.deepEqual(applyAnthropicVersion(body, ANTHROPIC_DEFAULT_VERSION), ["temperature", "top_k"]);
  const ok = await send(body, ANTHROPIC_DEFAULT_VERSION);
  assert.equal(ok.status, 200, await ok.clone().text());
  await ok.body?.cancel();
  const legacy = encodeAnthropicRequest({ ...request, extra: {} });
  assert.deepEqual(applyAnthropicVersion(legacy, ANTHROPIC_LEGACY_VERSION), []);
  const old = await send(legacy, ANTHROPIC_LEGACY_VERSION);
  assert.equal(old.status, 200, "2023-06-01 behaves as before");
  await old.body?.cancel();
  assert.match(
    anthropicSamplingNote(ANTHROPIC_DEFAULT_VERSION, 0)!,
    /takes no temperature: sampling is the model's own/,
  );
  assert.equal(anthropicSamplingNote(ANTHROPIC_LEGACY_VERSION, 0), undefined);
  assert.equal(anthropicSamplingNote(ANTHROPIC_DEFAULT_VERSION, undefined), undefined);
  assert.equal(
    anthropicUnsupportedParameter(
      new SwebenchError("invalid_request", "anthropic: 400 `temperature` is deprecated for this model.", {
        status: 400,
      }),
    ),
    "temperature",
  );
});
