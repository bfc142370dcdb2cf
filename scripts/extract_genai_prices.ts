/**
 * Extracts the models the catalog prices for the Gemini provider and the OpenAI-compatible presets from
 * pydantic/genai-prices' `prices/data.json` (MIT) into `scripts/prices/genai-prices-2026-08.json`, the filtered copy
 * that `scripts/gen_catalog.ts` reads (like the LiteLLM copy beside it).
 *
 * Run: `deno run -A scripts/extract_genai_prices.ts <path of genai-prices' prices/data.json> <commit> <date>`.
 *
 * Rules: prices are USD per million tokens as genai-prices states them; a model priced by time (DeepSeek's
 * off-peak hours, Google's rates rising on a date) gets the highest rate of every field (a budget is never
 * exceeded); tiers by prompt size become the catalog's long-context rates (first tier only); a model with no
 * input or output price is written unpriced (cost unknown, never 0).
 *
 * @module
 */

/** The catalog's provider id, genai-prices' provider id, its model id, and the id the vendor's API takes. */
type Pick = [provider: string, genaiProvider: string, genaiModel: string, apiId?: string];

/** Popular coding models per provider (and the presets' default models). */
export const PICKS: readonly Pick[] = [
  ["gemini", "google", "gemini-2.5-pro"],
  ["gemini", "google", "gemini-2.5-flash"],
  ["gemini", "google", "gemini-2.5-flash-lite"],
  ["gemini", "google", "gemini-2.0-flash"],
  ["gemini", "google", "gemini-3-pro-preview"],
  ["gemini", "google", "gemini-3-flash-preview"],
  ["gemini", "google", "gemini-3.1-pro-preview"],
  ["gemini", "google", "gemini-3.1-flash-lite"],
  ["gemini", "google", "gemini-3.5-flash"],
  ["gemini", "google", "gemini-3.5-flash-lite"],
  ["gemini", "google", "gemini-3.6-flash"],
  ["deepseek", "deepseek", "deepseek-chat"],
  ["deepseek", "deepseek", "deepseek-reasoner"],
  ["deepseek", "deepseek", "deepseek-v4-flash"],
  ["deepseek", "deepseek", "deepseek-v4-pro"],
  ["openrouter", "openrouter", "qwen/qwen3-coder"],
  ["openrouter", "openrouter", "qwen/qwen3-coder-plus"],
  ["openrouter", "openrouter", "deepseek/deepseek-v3.2"],
  ["openrouter", "openrouter", "deepseek/deepseek-v4-pro"],
  ["openrouter", "openrouter", "moonshotai/kimi-k2.7-code"],
  ["openrouter", "openrouter", "z-ai/glm-5.2"],
  ["openrouter", "openrouter", "x-ai/grok-code-fast-1"],
  ["openrouter", "openrouter", "openai/gpt-oss-120b"],
  ["openrouter", "openrouter", "mistralai/devstral-2512"],
  ["openrouter", "openrouter", "minimax/minimax-m3"],
  ["groq", "groq", "openai/gpt-oss-120b"],
  ["groq", "groq", "openai/gpt-oss-20b"],
  ["groq", "groq", "moonshotai/kimi-k2-instruct"],
  ["groq", "groq", "qwen/qwen3-32b"],
  ["groq", "groq", "llama-3.3-70b-versatile"],
  ["together", "together", "meta-llama/Llama-3.3-70B-Instruct-Turbo"],
  ["fireworks", "fireworks", "kimi-k2p7-code", "accounts/fireworks/models/kimi-k2p7-code"],
  ["fireworks", "fireworks", "glm-5p2", "accounts/fireworks/models/glm-5p2"],
  ["fireworks", "fireworks", "deepseek-v4-pro", "accounts/fireworks/models/deepseek-v4-pro"],
  ["fireworks", "fireworks", "gpt-oss-120b", "accounts/fireworks/models/gpt-oss-120b"],
  ["fireworks", "fireworks", "minimax-m3", "accounts/fireworks/models/minimax-m3"],
  ["fireworks", "fireworks", "qwen3p7-plus", "accounts/fireworks/models/qwen3p7-plus"],
  ["mistral", "mistral", "devstral-2512"],
  ["mistral", "mistral", "devstral-small"],
  ["mistral", "mistral", "codestral", "codestral-latest"],
  ["mistral", "mistral", "mistral-large-2512"],
  ["mistral", "mistral", "mistral-medium-3", "mistral-medium-latest"],
  ["xai", "x-ai", "grok-code-fast-1"],
  ["xai", "x-ai", "grok-4-0709"],
  ["xai", "x-ai", "grok-4-1-fast-reasoning"],
  ["xai", "x-ai", "grok-4.3"],
  ["xai", "x-ai", "grok-4.5"],
  ["cerebras", "cerebras", "gpt-oss-120b"],
  ["cerebras", "cerebras", "qwen-3-32b"],
  ["cerebras", "cerebras", "qwen-3-coder-480b"],
  ["moonshot", "moonshotai", "kimi-k2.7-code"],
  ["moonshot", "moonshotai", "kimi-k2-0905-preview"],
  ["moonshot", "moonshotai", "kimi-k2-thinking"],
  ["moonshot", "moonshotai", "kimi-k3"],
];

/**
 * Rows of provider files that genai-prices' data.json did not include yet at that commit, transcribed by hand from
 * the YAML file named in `source` (same repository and commit).
 */
export const TRANSCRIBED: readonly Omit<VendorPriceRow, "source">[] = [
  {
    provider: "zai",
    id: "glm-5.2",
    aliases: ["GLM-5.2"],
    contextWindow: 1000000,
    input: 1.4,
    output: 4.4,
    cacheRead: 0.26,
    checked: "2026-08-04",
    pricingUrls: ["https://docs.z.ai/guides/overview/pricing"],
  },
  {
    provider: "zai",
    id: "glm-5.3",
    aliases: ["GLM-5.3"],
    contextWindow: 1000000,
    input: 1.4,
    output: 4.4,
    cacheRead: 0.26,
    checked: "2026-08-19",
    pricingUrls: ["https://docs.z.ai/guides/overview/pricing"],
  },
  {
    provider: "gemini",
    id: "gemini-3.7-flash",
    contextWindow: 1000000,
    input: 1.5,
    output: 7.5,
    cacheRead: 0.15,
    checked: "2026-08-13",
    pricingUrls: ["https://ai.google.dev/gemini-api/docs/pricing"],
    notes: [
      "$0.75 / $3.75 until 2026-12-31, $1.50 / $7.50 from 2027-01-01 in genai-prices; the higher rate is used, so a " +
      "budget is never exceeded",
    ],
  },
];

/** Limits genai-prices does not state: Google's model pages (input / output token limits of the models list). */
const LIMITS: Readonly<Record<string, { contextWindow: number; maxOutputTokens: number; url: string }>> = {
  "gemini/gemini-2.5-pro": {
    contextWindow: 1048576,
    maxOutputTokens: 65536,
    url: "https://ai.google.dev/gemini-api/docs/models#gemini-2.5-pro",
  },
  "gemini/gemini-2.5-flash": {
    contextWindow: 1048576,
    maxOutputTokens: 65536,
    url: "https://ai.google.dev/gemini-api/docs/models#gemini-2.5-flash",
  },
  "gemini/gemini-2.5-flash-lite": {
    contextWindow: 1048576,
    maxOutputTokens: 65536,
    url: "https://ai.google.dev/gemini-api/docs/models#gemini-2.5-flash-lite",
  },
  "gemini/gemini-2.0-flash": {
    contextWindow: 1048576,
    maxOutputTokens: 8192,
    url: "https://ai.google.dev/gemini-api/docs/models#gemini-2.0-flash",
  },
};

/** One extracted row (USD per million tokens). */
export interface VendorPriceRow {
  provider: string;
  id: string;
  aliases?: string[];
  contextWindow?: number;
  maxOutputTokens?: number;
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  longContext?: { thresholdTokens: number; input: number; output: number; cacheRead?: number };
  checked?: string;
  source: string;
  pricingUrls: string[];
  notes?: string[];
}

type Price = number | { base: number; tiers?: { start: number; price: number }[] };
interface PriceSet {
  input_mtok?: Price;
  output_mtok?: Price;
  cache_read_mtok?: Price;
  cache_write_mtok?: Price;
}

function base(p: Price | undefined): number | undefined {
  return p === undefined ? undefined : typeof p === "number" ? p : p.base;
}

function maxOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

/** The equals-matches of a genai-prices `match` clause: the ids the vendor's API answers to. */
function equalsOf(match: unknown): string[] {
  if (typeof match !== "object" || match === null) return [];
  const m = match as Record<string, unknown>;
  if (typeof m.equals === "string") return [m.equals];
  if (Array.isArray(m.or)) return m.or.flatMap(equalsOf);
  return [];
}

/** Builds the rows for {@linkcode PICKS} from genai-prices' data.json (pure). */
export function extract(data: unknown, commit: string): VendorPriceRow[] {
  const providers = data as {
    id: string;
    pricing_urls?: string[];
    models: {
      id: string;
      match: unknown;
      context_window?: number;
      prices_checked?: string;
      prices: PriceSet | { prices: PriceSet; constraint?: unknown }[];
    }[];
  }[];
  const rows: VendorPriceRow[] = [];
  for (const [provider, genaiProvider, genaiModel, apiId] of PICKS) {
    const p = providers.find((x) => x.id === genaiProvider);
    const m = p?.models.find((x) => x.id === genaiModel);
    if (!p || !m) throw new Error(`genai-prices has no ${genaiProvider}/${genaiModel}`);
    const sets = Array.isArray(m.prices) ? m.prices.map((x) => x.prices) : [m.prices];
    const notes: string[] = [];
    if (sets.length > 1) {
      notes.push(
        "priced by time of day or by date in genai-prices; the highest rate of each field is used, so a budget is " +
          "never exceeded",
      );
    }
    const field = (k: keyof PriceSet) =>
      sets.reduce<number | undefined>((acc, s) => maxOf(acc, base(s[k])), undefined);
    const id = apiId ?? genaiModel;
    // genai-prices' matches sometimes group different models (groq's gpt-oss-120b also matches a safeguard model):
    // an alias must extend the id's stem (the id without a date or `-latest`).
    const stem = id.replace(/(?:-latest|-\d{4}(?:-\d{2}){0,2}|-\d{8})$/, "");
    const aliases = [...new Set(equalsOf(m.match))].filter((a) =>
      a !== id && !a.endsWith(":free") && stem.length >= 6 && a.startsWith(stem)
    );
    const row: VendorPriceRow = {
      provider,
      id,
      source: `pydantic/genai-prices @${
        commit.slice(0, 7)
      } prices/providers/${genaiProvider}.yml, model "${genaiModel}"`,
      pricingUrls: p.pricing_urls ?? [],
    };
    if (aliases.length > 0) row.aliases = aliases;
    if (m.context_window !== undefined) row.contextWindow = m.context_window;
    const limits = LIMITS[`${provider}/${id}`];
    if (limits) {
      row.contextWindow = limits.contextWindow;
      row.maxOutputTokens = limits.maxOutputTokens;
      notes.push(`limits from ${limits.url}`);
    }
    const input = field("input_mtok");
    const output = field("output_mtok");
    if (input !== undefined) row.input = input;
    if (output !== undefined) row.output = output;
    const read = field("cache_read_mtok");
    if (read !== undefined) row.cacheRead = read;
    const write = field("cache_write_mtok");
    if (write !== undefined) row.cacheWrite = write;
    const tiered = sets.find((s) => typeof s.input_mtok === "object");
    if (tiered) {
      const tierOf = (p: Price | undefined) => (typeof p === "object" ? p.tiers?.[0] : undefined);
      const inTier = tierOf(tiered.input_mtok);
      if (inTier) {
        row.longContext = {
          thresholdTokens: inTier.start,
          input: inTier.price,
          output: tierOf(tiered.output_mtok)?.price ?? base(tiered.output_mtok)!,
        };
        const readTier = tierOf(tiered.cache_read_mtok);
        if (readTier) row.longContext.cacheRead = readTier.price;
      }
    }
    if (m.prices_checked !== undefined) row.checked = m.prices_checked;
    if (notes.length > 0) row.notes = notes;
    rows.push(row);
  }
  for (const row of TRANSCRIBED) {
    const file = row.provider === "zai" ? "zai" : "google";
    rows.push({
      ...row,
      source: `pydantic/genai-prices @${commit.slice(0, 7)} prices/providers/${file}.yml, model "${
        row.aliases?.[0] ?? row.id
      }" (transcribed: not in data.json at that commit)`,
    });
  }
  return rows;
}

if (import.meta.main) {
  const [path, commit, date] = Deno.args;
  if (!path || !commit || !date) {
    console.error(
      "usage: deno run -A scripts/extract_genai_prices.ts <prices/data.json> <commit> <commit date>",
    );
    Deno.exit(2);
  }
  const rows = extract(JSON.parse(await Deno.readTextFile(path)), commit);
  const out = {
    $comment:
      "Filtered copy of pydantic/genai-prices prices/data.json (MIT, https://github.com/pydantic/genai-prices), " +
      "written by scripts/extract_genai_prices.ts. USD per million tokens.",
    source: `pydantic/genai-prices ${commit} (${date}), prices/data.json`,
    models: rows,
  };
  const target = new URL("./prices/genai-prices-2026-08.json", import.meta.url);
  await Deno.writeTextFile(target, JSON.stringify(out, null, 2) + "\n");
  console.log(`wrote ${rows.length} models to ${target.pathname}`);
}
