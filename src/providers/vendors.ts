/**
 * The vendors: one line each. An HTTP vendor is a spec and a codec (the kit's `httpProvider` does the rest); a
 * vendor that is not HTTP (gold) is a spec and a factory. The registry, the CLI's lists and the compile task's
 * permissions read this list, in this order.
 *
 * @module
 */
import type { Provider } from "../core/mod.ts";
import { AZURE_CODEC } from "./azure/codec.ts";
import { AZURE_SPEC } from "./azure/spec.ts";
import { ANTHROPIC_CODEC } from "./anthropic/codec.ts";
import { ANTHROPIC_SPEC } from "./anthropic/spec.ts";
import { GEMINI_CODEC } from "./gemini/codec.ts";
import { GEMINI_SPEC } from "./gemini/spec.ts";
import { createGoldProvider } from "./gold/provider.ts";
import { GOLD_SPEC } from "./gold/spec.ts";
import type { VendorCodec } from "./kit/codec.ts";
import type { HttpProviderOptions } from "./kit/http_provider.ts";
import type { ProviderSpec } from "./kit/spec.ts";
import { OLLAMA_CODEC } from "./ollama/codec.ts";
import { OLLAMA_SPEC } from "./ollama/spec.ts";
import { OPENAI_CODEC } from "./openai/codec.ts";
import { OPENAI_SPEC } from "./openai/spec.ts";
import { presetCodec } from "./openai_compatible/codec.ts";
import { OPENAI_COMPATIBLE_PRESETS } from "./openai_compatible/presets.ts";
import { presetSpec } from "./openai_compatible/spec.ts";

/**
 * One vendor: its spec, and either its codec (HTTP, through the kit) or its own factory.
 *
 * @example
 * ```ts
 * import type { Vendor } from "./vendors.ts";
 * import { OPENAI_SPEC } from "./openai/spec.ts";
 * import { OPENAI_CODEC } from "./openai/codec.ts";
 * const preset: Vendor = { spec: { ...OPENAI_SPEC, id: "acme-openai", hosts: ["api.acme.example"] }, codec: OPENAI_CODEC };
 * ```
 */
export type Vendor =
  | { readonly spec: ProviderSpec; readonly codec: VendorCodec; readonly create?: undefined }
  | {
    readonly spec: ProviderSpec;
    readonly create: (options: HttpProviderOptions) => Provider;
    readonly codec?: undefined;
  };

/**
 * Every vendor, in the order lists show them.
 *
 * @example
 * ```ts
 * import { VENDORS } from "./vendors.ts";
 * VENDORS.map((v) => v.spec.id); // ["openai", "anthropic", "ollama", "gemini", "azure", "deepseek", ..., "gold"]
 * ```
 */
export const VENDORS: readonly Vendor[] = [
  { spec: OPENAI_SPEC, codec: OPENAI_CODEC },
  { spec: ANTHROPIC_SPEC, codec: ANTHROPIC_CODEC },
  { spec: OLLAMA_SPEC, codec: OLLAMA_CODEC },
  { spec: GEMINI_SPEC, codec: GEMINI_CODEC },
  { spec: AZURE_SPEC, codec: AZURE_CODEC },
  // The named OpenAI-compatible hosts: one vendor per preset (data in openai_compatible/presets.ts).
  ...OPENAI_COMPATIBLE_PRESETS.map((preset): Vendor => ({
    spec: presetSpec(preset),
    codec: presetCodec(preset),
  })),
  { spec: GOLD_SPEC, create: () => createGoldProvider() },
];
