/**
 * Named OpenAI-compatible hosts, as data: each is the OpenAI Chat Completions wire with its own base URL, key
 * variable, official hosts and default model. `--base-url` still overrides the URL. Prices of their popular coding
 * models are in the catalog (provider = the preset id; see `scripts/prices/genai-prices-2026-08.json`).
 *
 * Sources of the URLs and variables: each vendor's OpenAI-compatibility page (`docs` below); the key variables
 * are the ones the vendors' own SDKs and LiteLLM read.
 *
 * @module
 */

/**
 * One named OpenAI-compatible host.
 *
 * @example
 * ```ts
 * import { OPENAI_COMPATIBLE_PRESETS } from "./presets.ts";
 * OPENAI_COMPATIBLE_PRESETS.find((p) => p.id === "groq")?.defaultBaseUrl; // "https://api.groq.com/openai/v1"
 * ```
 */
export interface OpenAICompatiblePreset {
  /** Registry id (`-p deepseek`). */
  readonly id: string;
  /** One line for `provider list`, help texts and the README. */
  readonly description: string;
  /** Variables holding the key, first set wins. */
  readonly keyEnv: readonly string[];
  /** Base URL with the version path, as the vendor documents it for OpenAI clients (`/chat/completions` is appended). */
  readonly defaultBaseUrl: string;
  /** Official API hosts (`--allow-net` of the compiled binary; a missing key fails before any request to them). */
  readonly hosts: readonly string[];
  /** Default model (an id the vendor's API takes). */
  readonly defaultModel: string;
  /** Where a key is made. */
  readonly keysUrl: string;
  /** The vendor's OpenAI-compatibility page (source of the URL). */
  readonly docs: string;
  /** Fields every request body carries (OpenRouter: `usage: {include: true}` to get the billed cost). */
  readonly bodyDefaults?: Readonly<Record<string, unknown>>;
  /** The answer's usage carries the billed cost in USD (OpenRouter `usage.cost`): it is the cost of the call. */
  readonly billedCost?: "usage.cost";
}

/**
 * The presets, in the order `provider list` shows them.
 *
 * @example
 * ```ts
 * import { OPENAI_COMPATIBLE_PRESETS } from "./presets.ts";
 * OPENAI_COMPATIBLE_PRESETS.map((p) => p.id); // ["deepseek", "openrouter", "groq", ...]
 * ```
 */
export const OPENAI_COMPATIBLE_PRESETS: readonly OpenAICompatiblePreset[] = [
  {
    id: "deepseek",
    description: "DeepSeek API (OpenAI-compatible)",
    keyEnv: ["DEEPSEEK_API_KEY"],
    defaultBaseUrl: "https://api.deepseek.com",
    hosts: ["api.deepseek.com"],
    defaultModel: "deepseek-chat",
    keysUrl: "https://platform.deepseek.com/api_keys",
    docs: "https://api-docs.deepseek.com/",
  },
  {
    id: "openrouter",
    description: "OpenRouter (many vendors' models; billed cost from the answer)",
    keyEnv: ["OPENROUTER_API_KEY"],
    defaultBaseUrl: "https://openrouter.ai/api/v1",
    hosts: ["openrouter.ai"],
    defaultModel: "qwen/qwen3-coder",
    keysUrl: "https://openrouter.ai/settings/keys",
    docs: "https://openrouter.ai/docs/api-reference/overview",
    bodyDefaults: { usage: { include: true } },
    billedCost: "usage.cost",
  },
  {
    id: "groq",
    description: "Groq (OpenAI-compatible)",
    keyEnv: ["GROQ_API_KEY"],
    defaultBaseUrl: "https://api.groq.com/openai/v1",
    hosts: ["api.groq.com"],
    defaultModel: "openai/gpt-oss-120b",
    keysUrl: "https://console.groq.com/keys",
    docs: "https://console.groq.com/docs/openai",
  },
  {
    id: "together",
    description: "Together AI (OpenAI-compatible)",
    keyEnv: ["TOGETHER_API_KEY"],
    defaultBaseUrl: "https://api.together.xyz/v1",
    hosts: ["api.together.xyz"],
    defaultModel: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
    keysUrl: "https://api.together.ai/settings/api-keys",
    docs: "https://docs.together.ai/docs/openai-api-compatibility",
  },
  {
    id: "fireworks",
    description: "Fireworks AI (OpenAI-compatible)",
    keyEnv: ["FIREWORKS_API_KEY"],
    defaultBaseUrl: "https://api.fireworks.ai/inference/v1",
    hosts: ["api.fireworks.ai"],
    defaultModel: "accounts/fireworks/models/kimi-k2p7-code",
    keysUrl: "https://fireworks.ai/account/api-keys",
    docs: "https://docs.fireworks.ai/tools-sdks/openai-compatibility",
  },
  {
    id: "mistral",
    description: "Mistral AI (OpenAI-compatible chat completions)",
    keyEnv: ["MISTRAL_API_KEY"],
    defaultBaseUrl: "https://api.mistral.ai/v1",
    hosts: ["api.mistral.ai"],
    defaultModel: "devstral-2512",
    keysUrl: "https://console.mistral.ai/api-keys",
    docs: "https://docs.mistral.ai/api/",
  },
  {
    id: "xai",
    description: "xAI Grok (OpenAI-compatible)",
    keyEnv: ["XAI_API_KEY"],
    defaultBaseUrl: "https://api.x.ai/v1",
    hosts: ["api.x.ai"],
    defaultModel: "grok-code-fast-1",
    keysUrl: "https://console.x.ai/",
    docs: "https://docs.x.ai/docs/guides/migration",
  },
  {
    id: "cerebras",
    description: "Cerebras Inference (OpenAI-compatible)",
    keyEnv: ["CEREBRAS_API_KEY"],
    defaultBaseUrl: "https://api.cerebras.ai/v1",
    hosts: ["api.cerebras.ai"],
    defaultModel: "gpt-oss-120b",
    keysUrl: "https://cloud.cerebras.ai/",
    docs: "https://inference-docs.cerebras.ai/resources/openai",
  },
  {
    id: "moonshot",
    description: "Moonshot AI Kimi (OpenAI-compatible)",
    keyEnv: ["MOONSHOT_API_KEY"],
    defaultBaseUrl: "https://api.moonshot.ai/v1",
    hosts: ["api.moonshot.ai"],
    defaultModel: "kimi-k2.7-code",
    keysUrl: "https://platform.moonshot.ai/console/api-keys",
    docs: "https://platform.moonshot.ai/docs/guide/start-using-kimi-api",
  },
  {
    id: "zai",
    description: "Z.ai GLM (OpenAI-compatible)",
    keyEnv: ["ZAI_API_KEY"],
    defaultBaseUrl: "https://api.z.ai/api/paas/v4",
    hosts: ["api.z.ai"],
    defaultModel: "glm-5.2",
    keysUrl: "https://z.ai/manage-apikey/apikey-list",
    docs: "https://docs.z.ai/guides/develop/openai/introduction",
  },
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The cost OpenRouter billed for a call, from the answer's `usage.cost` (USD; asked for with
 * `usage: {include: true}`), or `undefined` when the answer carries none. A BYOK call bills the upstream
 * inference to the user's own key: `cost_details.upstream_inference_cost` is added.
 *
 * @example
 * ```ts
 * import { openRouterBilledCost } from "./presets.ts";
 * openRouterBilledCost({ prompt_tokens: 194, completion_tokens: 2, total_tokens: 196, cost: 0.000095 }); // 0.000095
 * ```
 */
export function openRouterBilledCost(usage: unknown): number | undefined {
  if (!isRecord(usage)) return undefined;
  const cost = usage.cost;
  if (typeof cost !== "number" || !Number.isFinite(cost) || cost < 0) return undefined;
  const details = isRecord(usage.cost_details) ? usage.cost_details : {};
  const upstream = details.upstream_inference_cost;
  const byok =
    usage.is_byok === true && typeof upstream === "number" && Number.isFinite(upstream) && upstream > 0
      ? upstream
      : 0;
  return cost + byok;
}
