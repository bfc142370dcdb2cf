import assert from "node:assert/strict";
import type { Model } from "@anthropic-ai/sdk/resources/messages";
import type { TokenUsage } from "../../src/core/mod.ts";
import {
  catalogWithOverrides,
  costOf,
  defaultCatalog,
  deprecationNotice,
  type ModelEntry,
  worstCaseCost,
} from "../../src/providers/catalog.ts";
import { BUILTIN_PROVIDERS } from "../../src/providers/registry.ts";

const CAPTURES = new URL("../fixtures/captures/", import.meta.url);
const PRICES = new URL("../../scripts/prices/openai-anthropic-2026-07.json", import.meta.url);

/** Close enough for dollar amounts computed in floating point. */
function near(actual: number | undefined, expected: number): void {
  assert.ok(actual !== undefined, `expected ${expected}, got undefined`);
  assert.ok(Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);
}

function usage(partial: Partial<TokenUsage>): TokenUsage {
  const u = { promptTokens: 0, completionTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, ...partial };
  return { totalTokens: u.promptTokens + u.completionTokens, ...u };
}

/** Anthropic's usage object normalised as DESIGN §2 says: input_tokens excludes cache reads and writes. */
function fromAnthropic(raw: {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_creation?: { ephemeral_1h_input_tokens?: number };
}): TokenUsage {
  const read = raw.cache_read_input_tokens ?? 0;
  const write = raw.cache_creation_input_tokens ?? 0;
  return usage({
    promptTokens: raw.input_tokens + read + write,
    completionTokens: raw.output_tokens,
    cacheReadTokens: read,
    cacheWriteTokens: write,
    cacheWrite1hTokens: raw.cache_creation?.ephemeral_1h_input_tokens ?? 0,
  });
}

Deno.test("lookup: Anthropic alias <-> dated id, both ways, to the same entry", () => {
  const catalog = defaultCatalog();
  const alias = catalog.lookup("claude-sonnet-4-5");
  const dated = catalog.lookup("claude-sonnet-4-5-20250929");
  assert.ok(alias && dated);
  assert.equal(alias, dated);
  assert.equal(alias.provider, "anthropic");
  assert.equal(alias.inputPerMTok, 3);
  assert.ok(alias.aliases?.includes("claude-sonnet-4-5-20250929"));
  assert.equal(catalog.lookup("claude-haiku-4-5-20251001")?.id, "claude-haiku-4-5");
  assert.equal(catalog.lookup("claude-opus-4-0")?.id, "claude-opus-4-20250514");
  assert.equal(catalog.lookup("claude-3-opus-latest")?.id, "claude-3-opus-20240229");
  // Vertex-style `@date` and provider paths.
  assert.equal(catalog.lookup("claude-sonnet-4-5@20250929")?.id, "claude-sonnet-4-5");
  assert.equal(catalog.lookup("anthropic/claude-sonnet-4-5")?.id, "claude-sonnet-4-5");
});

Deno.test("lookup: dated OpenAI snapshots resolve by alias or by stripping the date", () => {
  const catalog = defaultCatalog();
  assert.equal(catalog.lookup("gpt-4o-mini-2024-07-18")?.id, "gpt-4o-mini");
  assert.equal(catalog.lookup("gpt-4o-mini-2099-01-01")?.id, "gpt-4o-mini");
  assert.equal(catalog.lookup("gpt-4.1-nano-2025-04-14")?.id, "gpt-4.1-nano");
  assert.equal(catalog.lookup("openai/gpt-4o")?.id, "gpt-4o");
  assert.equal(catalog.lookup("GPT-4o-Mini")?.id, "gpt-4o-mini");
  assert.equal(catalog.lookup(" gpt-5 ")?.id, "gpt-5");
  assert.equal(catalog.lookup("o1")?.id, "o1-2024-12-17");
  // A snapshot priced differently from its alias keeps its own entry.
  assert.equal(catalog.lookup("gpt-4o-2024-05-13")?.inputPerMTok, 5);
  assert.equal(catalog.lookup("gpt-4o")?.inputPerMTok, 2.5);
});

Deno.test("lookup: unknown models and local models are undefined", () => {
  const catalog = defaultCatalog();
  for (const id of ["qwen2.5-coder:7b", "llama3", "claude-does-not-exist", "", "gpt-4o-mini-xyz"]) {
    assert.equal(catalog.lookup(id), undefined, id);
  }
});

Deno.test("lookup: provider prefers its own entry, falls back to any provider's", () => {
  const catalog = catalogWithOverrides(defaultCatalog(), [
    { id: "gpt-4o", provider: "azure", inputPerMTok: 2.75, outputPerMTok: 11 },
  ]);
  assert.equal(catalog.lookup("gpt-4o", "azure")?.provider, "azure");
  assert.equal(catalog.lookup("gpt-4o", "openai")?.provider, "openai");
  assert.equal(catalog.lookup("gpt-4o-2024-08-06", "openai")?.provider, "openai");
  assert.equal(catalog.lookup("claude-sonnet-4-5", "openrouter")?.provider, "anthropic");
});

type Literal<T> = T extends string ? (string extends T ? never : T) : never;
/** Every model id @anthropic-ai/sdk names: this no longer type-checks when the SDK adds or drops one. */
const SDK_MODELS: Record<Literal<Model>, true> = {
  "claude-fable-5-2": true,
  "claude-mythos-5-2": true,
  "claude-haiku-5-5": true,
  "claude-sonnet-5-5": true,
  "claude-fable-5-1": true,
  "claude-opus-5-5": true,
  "claude-mythos-5-1": true,
  "claude-sonnet-5": true,
  "claude-fable-5": true,
  "claude-mythos-5": true,
  "claude-opus-5": true,
  "claude-opus-4-8": true,
  "claude-opus-4-7": true,
  "claude-mythos-preview": true,
  "claude-opus-4-6": true,
  "claude-sonnet-4-6": true,
  "claude-haiku-4-5": true,
  "claude-haiku-4-5-20251001": true,
  "claude-opus-4-5": true,
  "claude-opus-4-5-20251101": true,
  "claude-sonnet-4-5": true,
  "claude-sonnet-4-5-20250929": true,
};

Deno.test("every model id of @anthropic-ai/sdk resolves; its deprecation dates are in the data", () => {
  const catalog = defaultCatalog();
  for (const id of Object.keys(SDK_MODELS)) {
    const entry = catalog.lookup(id, "anthropic");
    assert.ok(entry, id);
    assert.equal(entry.provider, "anthropic", id);
  }
  assert.equal(catalog.lookup("claude-sonnet-4-5")?.deprecationDate, "2026-11-30");
  assert.equal(catalog.lookup("claude-opus-4-5-20251101")?.deprecationDate, "2027-01-22");
  assert.equal(catalog.lookup("claude-mythos-preview")?.deprecationDate, "2026-06-30");
  // Unpriced SDK models report an unknown cost, never 0.
  assert.equal(catalog.lookup("claude-fable-5-2")?.verification, "unpriced");
  assert.equal(
    costOf(catalog.lookup("claude-fable-5-2"), usage({ promptTokens: 10, completionTokens: 1 })),
    undefined,
  );
});

/** Providers the generated catalog prices: LiteLLM's OpenAI/Anthropic rows, then Gemini and the OpenAI-compatible hosts. */
const CATALOG_PROVIDERS = new Set([
  "openai",
  "anthropic",
  "gemini",
  "deepseek",
  "openrouter",
  "groq",
  "together",
  "fireworks",
  "mistral",
  "xai",
  "cerebras",
  "moonshot",
  "zai",
]);

Deno.test("data: USD per token -> per million, limits, sources; unverified prices are listed", async () => {
  const table = JSON.parse(await Deno.readTextFile(PRICES)).models;
  const catalog = defaultCatalog();
  const mini = catalog.lookup("gpt-4o-mini")!;
  assert.equal(mini.inputPerMTok, table["gpt-4o-mini"].input_cost_per_token * 1e6);
  assert.equal(mini.outputPerMTok, 0.6);
  assert.equal(mini.cacheReadPerMTok, 0.075);
  assert.equal(mini.contextWindow, table["gpt-4o-mini"].max_input_tokens);
  assert.equal(mini.maxOutputTokens, table["gpt-4o-mini"].max_output_tokens);
  assert.equal(mini.verification, "unverified");
  const sonnet = catalog.lookup("claude-sonnet-4-5")!;
  assert.deepEqual(
    [sonnet.inputPerMTok, sonnet.cacheWrite5mPerMTok, sonnet.cacheWrite1hPerMTok, sonnet.cacheReadPerMTok],
    [3, 3.75, 6, 0.3],
  );
  assert.equal(sonnet.verification, "vendor-page");
  // LiteLLM's 1-hour cache-write price for Claude 3 Haiku (6e-6/token) contradicts the vendor page: corrected.
  const haiku3 = catalog.lookup("claude-3-haiku-20240307")!;
  assert.equal(haiku3.cacheWrite1hPerMTok, 0.5);
  assert.ok(haiku3.notes?.some((n) => n.includes("cacheWrite1hPerMTok 6 in LiteLLM")));
  for (const entry of catalog.entries()) {
    assert.ok(CATALOG_PROVIDERS.has(entry.provider), `${entry.provider}: ${entry.id}`);
    assert.ok(entry.source, entry.id);
    for (const price of [entry.inputPerMTok, entry.outputPerMTok, entry.cacheReadPerMTok]) {
      assert.ok(price === undefined || (Number.isFinite(price) && price >= 0), entry.id);
    }
  }
  const data = JSON.parse(
    await Deno.readTextFile(new URL("../../src/providers/catalog_data.json", import.meta.url)),
  );
  const unverified = catalog.entries().filter((e) => e.verification !== "vendor-page").map((e) => e.id);
  assert.deepEqual(data.unverified, unverified);
  assert.ok(unverified.includes("gpt-4o-mini"));
  assert.ok(!unverified.includes("claude-sonnet-4-5"));
});

Deno.test("costOf: Anthropic capture usage (cache fields normalised into promptTokens)", async () => {
  const sonnet = defaultCatalog().lookup("claude-sonnet-4-5-20250929");
  const message = JSON.parse(await Deno.readTextFile(new URL("anthropic/message.json", CAPTURES)));
  // 12 input, 0 cache, 29 output at $3 / $15 per MTok.
  near(costOf(sonnet, fromAnthropic(message.usage)), (12 * 3 + 29 * 15) / 1e6);
  // Real cache usages (pydantic-ai cassettes): a 5-minute write of 1111 tokens, then a read of them.
  const write = fromAnthropic({
    input_tokens: 3,
    output_tokens: 407,
    cache_creation_input_tokens: 1111,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_1h_input_tokens: 0 },
  });
  assert.equal(write.promptTokens, 1114);
  near(costOf(sonnet, write), (3 * 3 + 1111 * 3.75 + 407 * 15) / 1e6);
  const read = fromAnthropic({ input_tokens: 3, output_tokens: 414, cache_read_input_tokens: 1111 });
  near(costOf(sonnet, read), (3 * 3 + 1111 * 0.3 + 414 * 15) / 1e6);
  // The same write with the 1-hour TTL, and a mixed write.
  const hour = { ...write, cacheWrite1hTokens: 1111 };
  near(costOf(sonnet, hour), (3 * 3 + 1111 * 6 + 407 * 15) / 1e6);
  const mixed = { ...write, cacheWrite1hTokens: 111 };
  near(costOf(sonnet, mixed), (3 * 3 + 1000 * 3.75 + 111 * 6 + 407 * 15) / 1e6);
});

Deno.test("costOf: OpenAI convention, prompt_tokens includes cached_tokens", async () => {
  const mini = defaultCatalog().lookup("gpt-4o-mini-2024-07-18");
  const body = JSON.parse(await Deno.readTextFile(new URL("openai/completion-gpt-4o-mini.json", CAPTURES)));
  const u = usage({
    promptTokens: body.usage.prompt_tokens,
    completionTokens: body.usage.completion_tokens,
    cacheReadTokens: body.usage.prompt_tokens_details.cached_tokens,
  });
  near(costOf(mini, u), (8 * 0.15 + 9 * 0.6) / 1e6);
  // 2000 prompt tokens of which 1500 cached: 500 at the input rate, 1500 at the cached rate.
  near(costOf(mini, usage({ promptTokens: 2000, cacheReadTokens: 1500, completionTokens: 100 })), 247.5e-6);
});

Deno.test("costOf: never negative, unknown is undefined (not 0), local providers cost 0", () => {
  const mini = defaultCatalog().lookup("gpt-4o-mini");
  // Inconsistent usage (cache larger than prompt): uncached input clamps at 0.
  near(costOf(mini, usage({ promptTokens: 10, cacheReadTokens: 50, completionTokens: 0 })), 50 * 0.075 / 1e6);
  near(costOf(mini, usage({ promptTokens: -5, completionTokens: Number.NaN })), 0);
  assert.equal(costOf(undefined, usage({ promptTokens: 10 })), undefined);
  assert.equal(costOf({ id: "x", provider: "vllm" }, usage({ promptTokens: 10 })), undefined);
  assert.equal(
    costOf({ id: "x", provider: "vllm", inputPerMTok: 1 }, usage({ promptTokens: 10 })),
    undefined,
  );
  // A cache class with no rate makes the cost unknown rather than wrong.
  const gpt4 = defaultCatalog().lookup("gpt-4");
  assert.equal(gpt4?.cacheReadPerMTok, undefined);
  assert.equal(costOf(gpt4, usage({ promptTokens: 100, cacheReadTokens: 50 })), undefined);
  near(costOf(gpt4, usage({ promptTokens: 100, completionTokens: 10 })), (100 * 30 + 10 * 60) / 1e6);
  assert.equal(costOf(undefined, usage({ promptTokens: 10_000 }), "ollama"), 0);
  assert.equal(costOf(mini, usage({ promptTokens: 10_000 }), "ollama"), 0);
  assert.equal(costOf(undefined, usage({ promptTokens: 1 }), "gold"), 0);
  near(
    costOf({ id: "free", provider: "vllm", inputPerMTok: 0, outputPerMTok: 0 }, usage({ promptTokens: 5 })),
    0,
  );
});

Deno.test("costOf / worstCaseCost: long-context rates above the threshold", () => {
  const sonnet = defaultCatalog().lookup("claude-sonnet-4-5")!;
  assert.equal(sonnet.longContext?.thresholdTokens, 200_000);
  near(
    costOf(sonnet, usage({ promptTokens: 200_000, completionTokens: 1000 })),
    (200_000 * 3 + 1000 * 15) / 1e6,
  );
  near(
    costOf(sonnet, usage({ promptTokens: 250_000, completionTokens: 1000 })),
    (250_000 * 6 + 1000 * 22.5) / 1e6,
  );
  // Cache rates scale with the input rate (x2) when the tier sets none.
  near(
    costOf(sonnet, usage({ promptTokens: 250_000, cacheReadTokens: 100_000, completionTokens: 0 })),
    (150_000 * 6 + 100_000 * 0.6) / 1e6,
  );
  near(worstCaseCost(sonnet, 250_000, 1000), (250_000 * 6 + 1000 * 22.5) / 1e6);
});

Deno.test("worstCaseCost: prompt x input + maxTokens x output; undefined when unpriced", () => {
  const mini = defaultCatalog().lookup("gpt-4o-mini");
  near(worstCaseCost(mini, 1000, 1000), (1000 * 0.15 + 1000 * 0.6) / 1e6);
  near(worstCaseCost(mini, 0, 0), 0);
  assert.equal(worstCaseCost(undefined, 1000, 1000), undefined);
  assert.equal(worstCaseCost({ id: "x", provider: "openai" }, 1000, 1000), undefined);
});

Deno.test("catalogWithOverrides: override fields by id, add models, keep the base untouched", () => {
  const base = defaultCatalog();
  const overrides: ModelEntry[] = [
    { id: "gpt-4o-mini", provider: "openai", inputPerMTok: 0.1 },
    { id: "claude-sonnet-4-5", provider: "anthropic", contextWindow: 1_000_000 },
    { id: "my-local-coder", provider: "vllm", contextWindow: 32768, inputPerMTok: 0, outputPerMTok: 0 },
    { id: "GPT-4O-MINI-2024-07-18", provider: "openai", inputPerMTok: 0.2, outputPerMTok: 0.8 },
  ];
  const catalog = catalogWithOverrides(base, overrides);
  const mini = catalog.lookup("gpt-4o-mini")!;
  assert.equal(mini.inputPerMTok, 0.1);
  assert.equal(mini.outputPerMTok, 0.6); // kept
  assert.equal(mini.verification, "user");
  assert.equal(mini.source, "user config");
  const sonnet = catalog.lookup("claude-sonnet-4-5-20250929")!;
  assert.equal(sonnet.contextWindow, 1_000_000);
  assert.equal(sonnet.verification, "vendor-page"); // prices untouched
  assert.ok(sonnet.notes?.includes("user config sets: contextWindow"));
  const local = catalog.lookup("my-local-coder", "vllm")!;
  assert.equal(local.source, "user config");
  near(costOf(local, usage({ promptTokens: 1000, completionTokens: 10 })), 0);
  // A new entry under a base alias wins over the alias.
  assert.equal(catalog.lookup("gpt-4o-mini-2024-07-18")?.inputPerMTok, 0.2);
  // The base catalog is unchanged; no overrides returns it as is.
  assert.equal(base.lookup("gpt-4o-mini")?.inputPerMTok, 0.15);
  assert.equal(catalogWithOverrides(base, []), base);
  assert.equal(catalog.entries().length, base.entries().length + 2);
  assert.throws(() => {
    (catalog.lookup("gpt-4o") as { inputPerMTok: number }).inputPerMTok = 0;
  });
});

Deno.test("deprecationNotice: past or within 30 days warns, naming the successor; later or undated does not", () => {
  const catalog = defaultCatalog();
  const sonnet = catalog.lookup("claude-sonnet-4-5-20250929");
  assert.equal(sonnet?.successor, "claude-sonnet-5-5");
  const at = (iso: string) => new Date(`${iso}T12:00:00Z`);
  const retired = deprecationNotice(sonnet, "claude-sonnet-4-5", at("2026-12-02"))!;
  assert.equal(retired.retired, true);
  assert.equal(
    retired.message,
    "claude-sonnet-4-5 was retired on 2026-11-30: requests to it fail. Its successor is claude-sonnet-5-5.",
  );
  const soon = deprecationNotice(sonnet, "claude-sonnet-4-5", at("2026-11-20"))!;
  assert.equal(soon.retired, false);
  assert.equal(soon.daysLeft, 10);
  assert.match(soon.message, /retires on 2026-11-30 \(in 10 days\)/);
  assert.equal(
    deprecationNotice(sonnet, "claude-sonnet-4-5", at("2026-10-30")),
    undefined,
    "31 days ahead: quiet",
  );
  const opus = catalog.lookup("claude-opus-4-5");
  assert.equal(deprecationNotice(opus, "claude-opus-4-5", at("2026-12-02")), undefined);
  assert.equal(deprecationNotice(opus, "claude-opus-4-5", at("2027-01-01"))?.successor, "claude-opus-5-5");
  assert.equal(deprecationNotice(catalog.lookup("claude-sonnet-5-5"), "claude-sonnet-5-5"), undefined);
  const bad = { id: "m", provider: "openai", deprecationDate: "next year" };
  assert.equal(deprecationNotice(bad, "m"), undefined, "a date that cannot be read is no warning");
});

Deno.test("the default Anthropic model is a current, priced model with no end of life in sight", () => {
  const model = BUILTIN_PROVIDERS.anthropic.defaultModel;
  const entry = defaultCatalog().lookup(model, "anthropic");
  assert.ok(entry, model);
  assert.equal(entry.verification, "vendor-page");
  assert.ok(entry.inputPerMTok !== undefined && entry.outputPerMTok !== undefined);
  assert.equal(deprecationNotice(entry, model), undefined, `${model} retires on ${entry.deprecationDate}`);
});
