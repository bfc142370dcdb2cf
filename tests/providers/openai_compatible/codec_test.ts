/** The presets as vendors: spec and codec derived from the data, OpenRouter's billed cost on plain and streamed answers. */
import assert from "node:assert/strict";
import type { StreamEvent } from "../../../src/core/mod.ts";
import { defaultCatalog } from "../../../src/providers/catalog.ts";
import { httpProvider } from "../../../src/providers/kit/http_provider.ts";
import { createBilledEventDecoder, presetCodec } from "../../../src/providers/openai_compatible/codec.ts";
import { OPENAI_COMPATIBLE_PRESETS } from "../../../src/providers/openai_compatible/presets.ts";
import { presetSpec } from "../../../src/providers/openai_compatible/spec.ts";
import { catalogEntry, providerIds, specOf } from "../../../src/providers/registry.ts";
import { startOpenAISim } from "../../simulator/mod.ts";

const preset = (id: string) => OPENAI_COMPATIBLE_PRESETS.find((p) => p.id === id)!;

Deno.test("presets: every preset is a registered vendor whose spec comes from its data", () => {
  for (const p of OPENAI_COMPATIBLE_PRESETS) {
    assert.ok(providerIds().includes(p.id), p.id);
    const spec = specOf(p.id)!;
    assert.deepEqual(spec.keyEnv, p.keyEnv);
    assert.equal(spec.defaultBaseUrl, p.defaultBaseUrl);
    assert.equal(spec.defaultModel, p.defaultModel);
    assert.deepEqual(spec.auth, { type: "bearer" });
    assert.equal(spec.normalizeBaseUrl(`${p.defaultBaseUrl}/`, p.id).url, p.defaultBaseUrl);
  }
  assert.throws(() => presetSpec(preset("groq")).normalizeBaseUrl("ftp://x", "groq"), /must be http/);
});

Deno.test("presets: priced only by their own catalog entries, never by another host's price of the same model", () => {
  const catalog = defaultCatalog();
  assert.equal(catalogEntry(catalog, "deepseek", "deepseek-chat")?.provider, "deepseek");
  assert.equal(catalogEntry(catalog, "groq", "openai/gpt-oss-120b")?.provider, "groq");
  // gpt-oss-120b is in the catalog for Cerebras and Fireworks, gpt-4o for OpenAI: not Groq's prices.
  assert.equal(catalogEntry(catalog, "groq", "gpt-4o"), undefined);
  assert.equal(catalogEntry(catalog, "together", "gpt-oss-120b"), undefined);
  // Other vendors keep looking past their own entries (Azure is priced by OpenAI's).
  assert.equal(catalogEntry(catalog, "azure", "gpt-4o-mini-2024-07-18")?.provider, "openai");
});

Deno.test("openrouter: usage accounting asked for; the billed usage.cost is the cost, plain and streamed; no cost means the catalog", async () => {
  await using sim = await startOpenAISim({
    apiKey: "sk-or",
    billedUsdPerToken: 1e-6,
    respond: () => "A short answer.",
  });
  const or = preset("openrouter");
  const make = (p = or) =>
    httpProvider({
      spec: presetSpec(p),
      codec: presetCodec(p),
      options: { baseUrl: `${sim.url}/v1`, apiKey: "sk-or", cost: () => 123 },
    });
  for (const stream of [false, true]) {
    const r = await make().generate({ model: "gpt-4o-mini", prompt: "hi", stream });
    assert.deepEqual(sim.requests.at(-1)?.body.usage, { include: true });
    assert.equal(r.costUsd, r.usage.totalTokens * 1e-6, `stream=${stream}`);
  }
  // DeepSeek sends no usage field and gets no cost from the answer: its cost function prices it.
  const ds = httpProvider({
    spec: presetSpec(preset("deepseek")),
    codec: presetCodec(preset("deepseek")),
    options: { baseUrl: `${sim.url}/v1`, apiKey: "sk-or", cost: () => 123 },
  });
  const r = await ds.generate({ model: "gpt-4o-mini", prompt: "hi" });
  assert.equal(sim.requests.at(-1)?.body.usage, undefined);
  assert.equal(r.costUsd, 123);
});

Deno.test("openrouter: the usage chunk's billed cost reaches the usage and finish events; a chunk without one leaves it unset", () => {
  const body = [
    '{"model":"qwen/qwen3-coder","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}',
    '{"model":"qwen/qwen3-coder","choices":[],"usage":{"prompt_tokens":194,"completion_tokens":2,"total_tokens":196,"cost":0.000095,"is_byok":false}}',
    "[DONE]",
  ];
  const events: StreamEvent[] = [];
  const d = createBilledEventDecoder((e) => events.push(e), { provider: "openrouter" });
  for (const data of body) d.push({ data });
  const finish = events.find((e) => e.type === "finish");
  assert.equal(finish?.type === "finish" && finish.usage.billedUsd, 0.000095);
  // A chunk without cost leaves billedUsd unset.
  const plain: StreamEvent[] = [];
  const p = createBilledEventDecoder((e) => plain.push(e), {});
  p.push({ data: body[0] });
  p.push({ data: body[1].replace(',"cost":0.000095', "") });
  p.push({ data: "[DONE]" });
  const f = plain.find((e) => e.type === "finish");
  assert.equal(f?.type === "finish" ? f.usage.billedUsd : "none", undefined);
});
