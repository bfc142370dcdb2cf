/**
 * Generates `src/providers/catalog_data.json` (the model catalog) from:
 * - LiteLLM's price table as filtered in `scripts/prices/openai-anthropic-2026-07.json` (a copy of the team reference data) (USD per token,
 *   converted here to USD per million tokens);
 * - `scripts/catalog_sources.json`: Anthropic prices transcribed from the vendor's pricing pages (used to verify, and
 *   where they disagree to correct, the LiteLLM figures), model limits and aliases the table lacks;
 * - `scripts/prices/genai-prices-2026-08.json`: Gemini's and the OpenAI-compatible hosts' popular models, a filtered
 *   copy of pydantic/genai-prices (MIT) written by `scripts/extract_genai_prices.ts`; entries are `unverified` (a
 *   third party's transcription of each vendor page, named in the entry), a model without a price is `unpriced`;
 * - the installed `@anthropic-ai/sdk`: its `Model` union (every id it names must resolve in the catalog) and its
 *   deprecation table (end-of-life dates).
 *
 * Run: `deno run -A scripts/gen_catalog.ts` (writes the file) or `--check` (exit 1 when the file is stale).
 *
 * @module
 */
import { type LongContextPricing, MODEL_ENTRY_FIELDS, type ModelEntry } from "../src/providers/catalog.ts";
import type { VendorPriceRow } from "./extract_genai_prices.ts";

/** One LiteLLM table row (the fields used here). */
export interface LiteLLMRow {
  litellm_provider: string;
  mode?: string;
  max_input_tokens?: number;
  max_output_tokens?: number;
  input_cost_per_token?: number;
  output_cost_per_token?: number;
  cache_read_input_token_cost?: number;
  cache_creation_input_token_cost?: number;
  cache_creation_input_token_cost_above_1hr?: number;
  input_cost_per_token_above_200k_tokens?: number;
  output_cost_per_token_above_200k_tokens?: number;
  deprecation_date?: string;
}

/** [input, cacheWrite5m, cacheWrite1h, cacheRead, output] in USD per million tokens; null = not stated. */
export type PriceRow = [number | null, number | null, number | null, number | null, number | null];

/** scripts/catalog_sources.json. */
export interface CatalogSources {
  anthropicPages: { url: string; rows: Record<string, PriceRow> }[];
  anthropicPageAliases: Record<string, string>;
  anthropicLimits: Record<string, { contextWindow?: number; maxOutputTokens?: number; url: string } | string>;
  thirdPartyPrices: Record<
    string,
    { url: string; row: PriceRow; longContext?: { thresholdTokens: number; row: PriceRow } } | string
  >;
  extraAliases: Record<string, string>;
  /** Deprecated model -> the successor its vendor page recommends (and the page). */
  successors?: Record<string, { successor: string; url: string } | string>;
}

/** What the generator reads. */
export interface CatalogInputs {
  litellm: { source: string; models: Record<string, LiteLLMRow> };
  sources: CatalogSources;
  sdk: { version: string; models: string[]; deprecated: Record<string, string> };
  /** Models of vendors outside LiteLLM's copy (Gemini, the OpenAI-compatible hosts): `scripts/prices/genai-prices-*.json`. */
  vendors?: { source: string; models: VendorPriceRow[] };
}

/** The generated file. */
export interface CatalogData {
  $comment: string;
  sources: { litellm: string; anthropicSdk: string; vendorPages: string[] };
  anthropicSdk: {
    version: string;
    models: string[];
    deprecated: Record<string, string>;
    notInLiteLLM: string[];
  };
  unverified: string[];
  models: ModelEntry[];
}

const FIELDS = [
  "inputPerMTok",
  "cacheWrite5mPerMTok",
  "cacheWrite1hPerMTok",
  "cacheReadPerMTok",
  "outputPerMTok",
] as const;
const DATED = /^(.*?)(?:-\d{4}-\d{2}-\d{2}|-\d{8}|-\d{4})$/;

/** USD per token -> USD per million tokens, without float noise. */
export function perMillion(perToken: number | undefined): number | undefined {
  if (perToken === undefined) return undefined;
  return Math.round(perToken * 1e12) / 1e6;
}

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

/** "November 30th, 2026" -> "2026-11-30". */
export function isoDate(text: string): string {
  const m = /^([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,\s*(\d{4})$/.exec(text.trim());
  const month = m ? MONTHS.indexOf(m[1].toLowerCase()) : -1;
  if (!m || month < 0) throw new Error(`unrecognised date: ${text}`);
  return `${m[3]}-${String(month + 1).padStart(2, "0")}-${m[2].padStart(2, "0")}`;
}

function pageRowFor(id: string, sources: CatalogSources): { url: string; row: PriceRow } | undefined {
  const base = id.replace(/-\d{8}$/, "");
  const key = sources.anthropicPageAliases[base] ?? base;
  for (const page of sources.anthropicPages) {
    const row = page.rows[key];
    if (row) return { url: page.url, row };
  }
  return undefined;
}

function fromLiteLLM(id: string, row: LiteLLMRow): ModelEntry {
  const entry: ModelEntry = {
    id,
    provider: row.litellm_provider,
    contextWindow: row.max_input_tokens,
    maxOutputTokens: row.max_output_tokens,
    inputPerMTok: perMillion(row.input_cost_per_token),
    outputPerMTok: perMillion(row.output_cost_per_token),
    cacheReadPerMTok: perMillion(row.cache_read_input_token_cost),
    cacheWrite5mPerMTok: perMillion(row.cache_creation_input_token_cost),
    cacheWrite1hPerMTok: perMillion(row.cache_creation_input_token_cost_above_1hr),
    deprecationDate: row.deprecation_date,
    source: `LiteLLM price table, key "${id}"`,
    mode: row.mode === "responses" ? "responses" : "chat",
    verification: "unverified",
    notes: [],
  };
  if (row.input_cost_per_token_above_200k_tokens !== undefined) {
    const long: LongContextPricing = {
      thresholdTokens: 200_000,
      inputPerMTok: perMillion(row.input_cost_per_token_above_200k_tokens)!,
      outputPerMTok: perMillion(row.output_cost_per_token_above_200k_tokens ?? row.output_cost_per_token)!,
    };
    entry.longContext = long;
    entry.notes!.push(
      "long-context rates (prompt > 200k tokens) from LiteLLM, not checked against a vendor page",
    );
  }
  if (entry.provider === "openai") {
    entry.notes!.push("prices from LiteLLM only: no vendor page was available to check them");
  }
  return entry;
}

/** A vendor price row (see `scripts/extract_genai_prices.ts`) -> catalog entry; no price means unpriced, never 0. */
export function fromVendorRow(row: VendorPriceRow): ModelEntry {
  const entry: ModelEntry = {
    id: row.id,
    provider: row.provider,
    aliases: row.aliases,
    contextWindow: row.contextWindow,
    maxOutputTokens: row.maxOutputTokens,
    inputPerMTok: row.input,
    outputPerMTok: row.output,
    cacheReadPerMTok: row.cacheRead,
    cacheWrite5mPerMTok: row.cacheWrite,
    source: `${row.source}${row.checked ? ` (prices checked ${row.checked})` : ""}; vendor page ${
      row.pricingUrls.join(", ")
    }`,
    mode: "chat",
    verification: "unverified",
    notes: [...(row.notes ?? [])],
  };
  if (row.longContext) {
    entry.longContext = {
      thresholdTokens: row.longContext.thresholdTokens,
      inputPerMTok: row.longContext.input,
      outputPerMTok: row.longContext.output,
      cacheReadPerMTok: row.longContext.cacheRead,
    };
  }
  if (row.input === undefined || row.output === undefined) {
    entry.verification = "unpriced";
    entry.notes!.push("no price found: cost is reported as unknown");
  }
  return entry;
}

/** Compares (and corrects) an Anthropic entry's five prices with a vendor page row. */
function verifyAnthropic(entry: ModelEntry, page: { url: string; row: PriceRow }): void {
  let stated = 0;
  const corrections: string[] = [];
  FIELDS.forEach((field, i) => {
    const official = page.row[i];
    if (official === null) return;
    stated++;
    const listed = entry[field];
    if (listed === undefined || Math.abs(listed - official) > 1e-9) {
      corrections.push(`${field} ${listed ?? "absent"} in LiteLLM, ${official} on the vendor page (used)`);
      entry[field] = official;
    }
  });
  entry.verification = stated === FIELDS.length ? "vendor-page" : "vendor-page-partial";
  entry.source += `; checked against ${page.url}`;
  if (stated < FIELDS.length) {
    const missing = FIELDS.filter((_, i) => page.row[i] === null).join(", ");
    entry.notes!.push(`not stated on the vendor page (unverified): ${missing}`);
  }
  entry.notes!.push(...corrections);
}

function sameFigures(a: ModelEntry, b: ModelEntry): boolean {
  const strip = ({ id: _id, aliases: _a, source: _s, notes: _n, ...rest }: ModelEntry) => rest;
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

const KEY_ORDER = MODEL_ENTRY_FIELDS;

/** Fixed key order; drops undefined fields and empty lists so the JSON stays small and stable. */
function compact(entry: ModelEntry): ModelEntry {
  const out: Record<string, unknown> = {};
  for (const key of KEY_ORDER) {
    const value = entry[key];
    if (value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out as unknown as ModelEntry;
}

/** Builds the catalog data (pure: same inputs, same output). */
export function buildCatalogData(inputs: CatalogInputs): CatalogData {
  const { litellm, sources, sdk } = inputs;
  const byId = new Map<string, ModelEntry>();
  for (const id of Object.keys(litellm.models).sort()) {
    const entry = fromLiteLLM(id, litellm.models[id]);
    if (entry.provider === "anthropic") {
      const page = pageRowFor(id, sources);
      if (page) verifyAnthropic(entry, page);
      else entry.notes!.push("no vendor page row found: prices from LiteLLM only");
    }
    byId.set(id, entry);
  }

  // Models the SDK names that the LiteLLM table lacks.
  const notInLiteLLM = sdk.models.filter((id) => !byId.has(id)).sort();
  for (const id of notInLiteLLM) {
    const entry: ModelEntry = {
      id,
      provider: "anthropic",
      source: `@anthropic-ai/sdk ${sdk.version} Model type (not in the LiteLLM table)`,
      verification: "unpriced",
      notes: [],
    };
    const limits = sources.anthropicLimits[id];
    if (limits && typeof limits !== "string") {
      entry.contextWindow = limits.contextWindow;
      entry.maxOutputTokens = limits.maxOutputTokens;
      entry.source += `; limits from ${limits.url}`;
    }
    const page = pageRowFor(id, sources);
    const third = sources.thirdPartyPrices[id];
    if (third && typeof third !== "string") {
      FIELDS.forEach((field, i) => {
        const value = third.row[i];
        if (value !== null) entry[field] = value;
      });
      if (third.longContext) {
        const [input, w5, w1, read, output] = third.longContext.row;
        entry.longContext = {
          thresholdTokens: third.longContext.thresholdTokens,
          inputPerMTok: input!,
          outputPerMTok: output!,
          cacheReadPerMTok: read ?? undefined,
          cacheWrite5mPerMTok: w5 ?? undefined,
          cacheWrite1hPerMTok: w1 ?? undefined,
        };
      }
      entry.verification = "unverified";
      entry.source += `; prices from ${third.url} (third party, unverified)`;
    }
    if (page) {
      if (entry.verification === "unpriced") {
        FIELDS.forEach((field, i) => {
          const value = page.row[i];
          if (value !== null) entry[field] = value;
        });
      }
      verifyAnthropic(entry, page);
      if (third && typeof third !== "string") {
        entry.notes!.push(`rates not on the vendor page come from ${third.url} (unverified)`);
      }
    }
    if (entry.inputPerMTok === undefined || entry.outputPerMTok === undefined) {
      entry.verification = "unpriced";
      entry.notes!.push("no price found: cost is reported as unknown");
    }
    byId.set(id, entry);
  }

  // Deprecation (end-of-life) dates from the SDK's table.
  for (const [id, when] of Object.entries(sdk.deprecated)) {
    const entry = byId.get(id);
    if (!entry) throw new Error(`@anthropic-ai/sdk deprecates ${id}, which is not in the catalog`);
    const date = isoDate(when);
    if (entry.deprecationDate && entry.deprecationDate !== date) {
      entry.notes!.push(
        `deprecation date ${entry.deprecationDate} in LiteLLM, ${date} in @anthropic-ai/sdk (used)`,
      );
    }
    entry.deprecationDate = date;
    entry.source += `; end-of-life date from @anthropic-ai/sdk ${sdk.version}`;
  }

  // Successors the vendor names for deprecated models (set on the model and its dated snapshots).
  for (const [id, s] of Object.entries(sources.successors ?? {})) {
    if (id.startsWith("$") || typeof s === "string") continue;
    if (!byId.has(s.successor)) throw new Error(`successor of ${id}: ${s.successor} is not in the catalog`);
    const targets = [...byId.values()].filter((e) => e.id === id || e.id.replace(/-\d{8}$/, "") === id);
    if (targets.length === 0) throw new Error(`successor given for ${id}, which is not in the catalog`);
    for (const entry of targets) {
      entry.successor = s.successor;
      entry.source += `; successor from ${s.url}`;
    }
  }

  // Vendors outside the LiteLLM copy: one entry per row, unverified (a third party's transcription of the pages).
  for (const row of inputs.vendors?.models ?? []) {
    // Keyed by provider too: one id may be served by several hosts at different prices (openai/gpt-oss-120b).
    const key = `${row.provider} ${row.id}`;
    if (byId.has(key)) throw new Error(`vendor price row ${row.provider}/${row.id} appears twice`);
    byId.set(key, fromVendorRow(row));
  }

  // Fold dated snapshots into their undated id when every figure is the same.
  for (const id of [...byId.keys()].sort()) {
    const entry = byId.get(id)!;
    const m = DATED.exec(id);
    const base = m && byId.get(m[1]);
    if (!base || base === entry || !sameFigures(base, entry)) continue;
    base.aliases = [...(base.aliases ?? []), id, ...(entry.aliases ?? [])];
    byId.delete(id);
  }

  for (const [alias, target] of Object.entries(sources.extraAliases)) {
    if (alias.startsWith("$")) continue;
    const entry = byId.get(target);
    if (!entry) throw new Error(`alias ${alias} -> ${target}: no such model`);
    entry.aliases = [...(entry.aliases ?? []), alias];
  }

  const models = [...byId.values()]
    .sort((a, b) => a.provider.localeCompare(b.provider) || a.id.localeCompare(b.id))
    .map(compact);
  const vendorPages = sources.anthropicPages.map((p) => p.url);
  if (inputs.vendors) vendorPages.push(inputs.vendors.source);
  return {
    $comment: "Generated by scripts/gen_catalog.ts; do not edit by hand. Prices: USD per million tokens.",
    sources: {
      litellm: litellm.source,
      anthropicSdk: `@anthropic-ai/sdk ${sdk.version} (Model type, internal/data/deprecated-models)`,
      vendorPages,
    },
    anthropicSdk: { ...sdk, models: [...sdk.models], notInLiteLLM },
    unverified: models.filter((m) => m.verification !== "vendor-page").map((m) => m.id),
    models,
  };
}

/** Reads the SDK's model union and deprecation table from the installed package. */
export async function readAnthropicSdk(): Promise<CatalogInputs["sdk"]> {
  const dir = new URL(".", import.meta.resolve("@anthropic-ai/sdk"));
  const pkg = JSON.parse(await Deno.readTextFile(new URL("package.json", dir)));
  const dts = await Deno.readTextFile(new URL("resources/messages/messages.d.ts", dir));
  const union = /export type Model =([^;]+);/.exec(dts);
  if (!union) throw new Error("Model type not found in @anthropic-ai/sdk");
  const models = [...union[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
  const table = await Deno.readTextFile(new URL("internal/data/deprecated-models.mjs", dir));
  const deprecated = Object.fromEntries(
    [...table.matchAll(/'([^']+)':\s*'([^']+)'/g)].map((m) => [m[1], m[2]]),
  );
  return { version: pkg.version, models, deprecated };
}

/** Reads every input from its default location. */
export async function readInputs(): Promise<CatalogInputs> {
  const prices = new URL("./prices/openai-anthropic-2026-07.json", import.meta.url);
  const sources = new URL("./catalog_sources.json", import.meta.url);
  const vendors = new URL("./prices/genai-prices-2026-08.json", import.meta.url);
  return {
    litellm: JSON.parse(await Deno.readTextFile(prices)),
    sources: JSON.parse(await Deno.readTextFile(sources)),
    sdk: await readAnthropicSdk(),
    vendors: JSON.parse(await Deno.readTextFile(vendors)),
  };
}

/** The data file's text for some inputs. */
export function renderCatalogData(data: CatalogData): string {
  return JSON.stringify(data, null, 2) + "\n";
}

/** Where the generated file lives. */
export const CATALOG_DATA_PATH: URL = new URL("../src/providers/catalog_data.json", import.meta.url);

if (import.meta.main) {
  const text = renderCatalogData(buildCatalogData(await readInputs()));
  if (Deno.args.includes("--check")) {
    const current = await Deno.readTextFile(CATALOG_DATA_PATH).catch(() => "");
    if (current !== text) {
      console.error("src/providers/catalog_data.json is stale: run `deno run -A scripts/gen_catalog.ts`");
      Deno.exit(1);
    }
    console.log("catalog_data.json is up to date");
  } else {
    await Deno.writeTextFile(CATALOG_DATA_PATH, text);
    const data = JSON.parse(text) as CatalogData;
    console.log(`wrote ${data.models.length} models; ${data.unverified.length} not fully verified`);
  }
}
