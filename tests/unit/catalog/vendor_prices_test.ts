/** Catalog entries of Gemini and the OpenAI-compatible hosts (from pydantic/genai-prices, see scripts/prices/). */
import assert from "node:assert/strict";
import { costOf, defaultCatalog, worstCaseCost } from "../../../src/providers/catalog.ts";
import { decodeGeminiResponse } from "../../../src/providers/gemini/codec.ts";
import { extract } from "../../../scripts/extract_genai_prices.ts";
import { fromVendorRow } from "../../../scripts/gen_catalog.ts";

const CAPTURES = new URL("../../fixtures/captures/gemini/", import.meta.url);

function near(actual: number | undefined, expected: number): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);
}

Deno.test("vendor prices: every entry names its source and the vendor page; unverified, never a silent 0", () => {
  const vendors = defaultCatalog().entries().filter((e) => e.source?.includes("genai-prices"));
  assert.ok(vendors.length >= 50, `${vendors.length}`);
  for (const e of vendors) {
    assert.match(e.source!, /pydantic\/genai-prices @[0-9a-f]{7} prices\/providers\/\S+\.yml/);
    assert.match(e.source!, /vendor page https:\/\//);
    if (e.verification === "unpriced") {
      assert.equal(e.inputPerMTok, undefined, e.id);
      continue;
    }
    assert.equal(e.verification, "unverified", e.id);
    assert.ok(e.inputPerMTok! > 0 && e.outputPerMTok! > 0, `${e.provider} ${e.id} has a zero price`);
  }
});

Deno.test("vendor prices: Gemini 2.5 Pro long-context rates, thinking billed as output (captured usage)", async () => {
  const catalog = defaultCatalog();
  const pro = catalog.lookup("gemini-2.5-pro", "gemini")!;
  assert.deepEqual([pro.inputPerMTok, pro.outputPerMTok, pro.cacheReadPerMTok], [1.25, 10, 0.125]);
  assert.deepEqual(pro.longContext, {
    thresholdTokens: 200000,
    inputPerMTok: 2.5,
    outputPerMTok: 15,
    cacheReadPerMTok: 0.25,
  });
  assert.equal(pro.contextWindow, 1048576);
  assert.equal(pro.maxOutputTokens, 65536);
  near(worstCaseCost(pro, 300_000, 1000), (300_000 * 2.5 + 1000 * 15) / 1e6);
  const flash = catalog.lookup("gemini-2.5-flash-preview-09-2025", "gemini")!;
  assert.equal(flash.id, "gemini-2.5-flash", "aliases resolve");
  const r = decodeGeminiResponse(
    JSON.parse(await Deno.readTextFile(new URL("generate-content-gemini-2.5-flash.json", CAPTURES))),
  );
  // 13 prompt tokens at $0.30, 77 answer + 25 thought tokens at $2.50.
  near(costOf(flash, r.usage), (13 * 0.3 + 102 * 2.5) / 1e6);
});

Deno.test("vendor prices: one model id served by several hosts is priced per host", () => {
  const catalog = defaultCatalog();
  assert.equal(catalog.lookup("openai/gpt-oss-120b", "groq")?.inputPerMTok, 0.15);
  assert.equal(catalog.lookup("openai/gpt-oss-120b", "openrouter")?.inputPerMTok, 0.039);
  assert.equal(catalog.lookup("gpt-oss-120b", "cerebras")?.inputPerMTok, 0.35);
  assert.equal(catalog.lookup("accounts/fireworks/models/gpt-oss-120b", "fireworks")?.provider, "fireworks");
});

Deno.test("vendor prices: time-dependent rates use the highest, unpriced models cost unknown", () => {
  const catalog = defaultCatalog();
  const chat = catalog.lookup("deepseek-chat", "deepseek")!;
  assert.deepEqual(
    [chat.inputPerMTok, chat.outputPerMTok],
    [0.27, 1.1],
    "the standard rate, not the off-peak one",
  );
  assert.ok(chat.notes?.some((n) => n.includes("highest rate")));
  const coder = catalog.lookup("qwen-3-coder-480b", "cerebras")!;
  assert.equal(coder.verification, "unpriced");
  const usage = {
    promptTokens: 10,
    completionTokens: 10,
    totalTokens: 20,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
  assert.equal(costOf(coder, usage), undefined, "never $0");
  assert.equal(worstCaseCost(coder, 10, 10), undefined);
});

Deno.test("vendor prices: the extraction refuses a missing model, drops aliases of other models, needs both prices", () => {
  const data = [{
    id: "groq",
    pricing_urls: ["https://groq.com/pricing/"],
    models: [],
  }];
  assert.throws(() => extract(data, "0123456789"), /genai-prices has no google\/gemini-2.5-pro/);
  const groq = defaultCatalog().lookup("openai/gpt-oss-120b", "groq")!;
  assert.deepEqual(groq.aliases, undefined, "genai-prices groups a safeguard model with it: not an alias");
  assert.equal(defaultCatalog().lookup("openai/gpt-oss-safeguard-20b", "groq"), undefined);
  const row = fromVendorRow({
    provider: "x",
    id: "m",
    source: "s",
    pricingUrls: ["https://x.example/pricing"],
    input: 1,
  });
  assert.equal(row.verification, "unpriced", "an input price without an output price is not a price");
});
