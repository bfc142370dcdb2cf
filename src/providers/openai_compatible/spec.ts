/**
 * The spec of a named OpenAI-compatible host, derived from its preset (`presets.ts`): its base URL (with the
 * version path, as the vendor documents it for OpenAI clients), its key variable as a bearer token, its official
 * hosts and default model. One function for every preset: a new host is a preset entry, not a file.
 *
 * @module
 */
import type { ProviderSpec } from "../kit/spec.ts";
import { isOpenAIReasoningModel } from "../openai/models.ts";
import { normalizeHttpBaseUrl } from "../kit/whole_body.ts";
import type { OpenAICompatiblePreset } from "./presets.ts";

/**
 * The spec of a preset. The key is required for the preset's own hosts; `--base-url` (or the config entry's
 * `baseUrl`) points it elsewhere (a proxy, a simulator), where a key is sent only when one is set.
 *
 * @example
 * ```ts
 * import { OPENAI_COMPATIBLE_PRESETS } from "./presets.ts";
 * import { presetSpec } from "./spec.ts";
 * const deepseek = presetSpec(OPENAI_COMPATIBLE_PRESETS[0]);
 * deepseek.keyEnv; // ["DEEPSEEK_API_KEY"]
 * ```
 */
export function presetSpec(preset: OpenAICompatiblePreset): ProviderSpec {
  const key = preset.keyEnv[0];
  const invalidBaseUrl = `Use a full URL, e.g. ${preset.defaultBaseUrl} (--base-url).`;
  const credentialsInUrl =
    `Put the key in ${key} (or \`swebench provider init ${preset.id}\`), not in the URL.`;
  return {
    id: preset.id,
    description: preset.description,
    keyEnv: preset.keyEnv,
    defaultBaseUrl: preset.defaultBaseUrl,
    normalizeBaseUrl: (raw, name) => ({
      url: normalizeHttpBaseUrl(raw, {
        name,
        invalidHint: invalidBaseUrl,
        credentialsHint: credentialsInUrl,
      }),
    }),
    auth: { type: "bearer" },
    keyRequired: "official-host",
    hosts: preset.hosts,
    local: false,
    defaultModel: preset.defaultModel,
    settings: [],
    // OpenAI's codec leaves temperature out for reasoning models (`openai/o3-mini` on OpenRouter).
    sendsTemperature: (model) => !isOpenAIReasoningModel(model),
    // Another host's price for the same open model is not this host's: only its own catalog entries price it.
    ownPricesOnly: true,
    hints: {
      invalidBaseUrl,
      credentialsInUrl,
      connection: (baseUrl) => `Is ${baseUrl} reachable? ${preset.id}'s API is ${preset.defaultBaseUrl}.`,
      htmlPage: `check the base URL (${preset.id}: ${preset.defaultBaseUrl})`,
    },
  };
}
