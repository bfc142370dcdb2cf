import assert from "node:assert/strict";
import {
  buildCatalogData,
  CATALOG_DATA_PATH,
  type CatalogInputs,
  isoDate,
  perMillion,
  readInputs,
  renderCatalogData,
} from "../../../scripts/gen_catalog.ts";

Deno.test("catalog_data.json is the generator's current output (run scripts/gen_catalog.ts when this fails)", async () => {
  const expected = renderCatalogData(buildCatalogData(await readInputs()));
  assert.equal(await Deno.readTextFile(CATALOG_DATA_PATH), expected);
});

Deno.test("perMillion and isoDate", () => {
  assert.equal(perMillion(3.75e-6), 3.75);
  assert.equal(perMillion(1.5e-7), 0.15);
  assert.equal(perMillion(2.75e-7), 0.275);
  assert.equal(perMillion(undefined), undefined);
  assert.equal(isoDate("November 30th, 2026"), "2026-11-30");
  assert.equal(isoDate("January 22nd, 2027"), "2027-01-22");
  assert.equal(isoDate("June 1st, 2026"), "2026-06-01");
  assert.throws(() => isoDate("soon"), /unrecognised date/);
});

function inputs(): CatalogInputs {
  return {
    litellm: {
      source: "test",
      models: {
        "claude-x-1": {
          litellm_provider: "anthropic",
          mode: "chat",
          input_cost_per_token: 1e-6,
          output_cost_per_token: 5e-6,
          cache_read_input_token_cost: 1e-7,
          cache_creation_input_token_cost: 1.25e-6,
          cache_creation_input_token_cost_above_1hr: 9e-6,
        },
        "claude-x-1-20260101": {
          litellm_provider: "anthropic",
          mode: "chat",
          input_cost_per_token: 1e-6,
          output_cost_per_token: 5e-6,
          cache_read_input_token_cost: 1e-7,
          cache_creation_input_token_cost: 1.25e-6,
          cache_creation_input_token_cost_above_1hr: 9e-6,
        },
        "gpt-y": {
          litellm_provider: "openai",
          mode: "responses",
          input_cost_per_token: 2e-6,
          output_cost_per_token: 8e-6,
        },
      },
    },
    sources: {
      anthropicPages: [{ url: "https://vendor.test/pricing", rows: { "claude-x-1": [1, 1.25, 2, 0.1, 5] } }],
      anthropicPageAliases: {},
      anthropicLimits: {},
      thirdPartyPrices: {},
      extraAliases: { "claude-x-latest": "claude-x-1" },
    },
    sdk: {
      version: "9.9.9",
      models: ["claude-x-1", "claude-new"],
      deprecated: { "claude-x-1": "March 3rd, 2030", "claude-x-1-20260101": "March 3rd, 2030" },
    },
  };
}

Deno.test("buildCatalogData: verifies and corrects against the vendor page, folds snapshots, adds SDK models", () => {
  const data = buildCatalogData(inputs());
  const byId = new Map(data.models.map((m) => [m.id, m]));
  const x = byId.get("claude-x-1")!;
  assert.equal(x.cacheWrite1hPerMTok, 2); // corrected from LiteLLM's 9
  assert.equal(x.verification, "vendor-page");
  assert.ok(x.notes?.some((n) => n.includes("cacheWrite1hPerMTok 9 in LiteLLM, 2 on the vendor page")));
  assert.deepEqual(x.aliases, ["claude-x-1-20260101", "claude-x-latest"]);
  assert.equal(x.deprecationDate, "2030-03-03");
  assert.equal(byId.has("claude-x-1-20260101"), false);
  const fresh = byId.get("claude-new")!;
  assert.equal(fresh.verification, "unpriced");
  assert.equal(fresh.inputPerMTok, undefined);
  assert.equal(byId.get("gpt-y")?.mode, "responses");
  assert.deepEqual(data.anthropicSdk.notInLiteLLM, ["claude-new"]);
  assert.deepEqual(data.unverified, ["claude-new", "gpt-y"]);
  assert.deepEqual(buildCatalogData(inputs()), data); // deterministic
  // A snapshot whose figures differ (here: no deprecation date) keeps its own entry.
  const split = inputs();
  split.sdk.deprecated = { "claude-x-1": "March 3rd, 2030" };
  const separate = buildCatalogData(split);
  assert.ok(separate.models.some((m) => m.id === "claude-x-1-20260101"));
});

Deno.test("buildCatalogData: fails loudly on aliases or deprecations naming unknown models", () => {
  const badAlias = inputs();
  badAlias.sources.extraAliases = { a: "missing-model" };
  assert.throws(() => buildCatalogData(badAlias), /no such model/);
  const badDeprecation = inputs();
  badDeprecation.sdk.deprecated = { "claude-ghost": "May 1st, 2026" };
  assert.throws(() => buildCatalogData(badDeprecation), /not in the catalog/);
});

Deno.test("buildCatalogData: a successor from the vendor page is set on the model and its snapshots; unknown ones fail", () => {
  const withSuccessor = inputs();
  withSuccessor.sources.successors = {
    "claude-x-1": { successor: "claude-new", url: "https://vendor.test/x-1" },
  };
  const x = buildCatalogData(withSuccessor).models.find((m) => m.id === "claude-x-1")!;
  assert.equal(x.successor, "claude-new");
  assert.match(x.source ?? "", /successor from https:\/\/vendor\.test\/x-1/);
  assert.deepEqual(
    x.aliases,
    ["claude-x-1-20260101", "claude-x-latest"],
    "the dated snapshot still folds in",
  );
  const ghost = inputs();
  ghost.sources.successors = { "claude-x-1": { successor: "claude-ghost", url: "u" } };
  assert.throws(() => buildCatalogData(ghost), /claude-ghost is not in the catalog/);
});
