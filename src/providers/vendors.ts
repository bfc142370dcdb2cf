/**
 * The vendors: one line each. An HTTP vendor is a spec and a codec loader (the kit's `httpProvider` does the rest);
 * a vendor that is not HTTP (gold) is a spec and a factory. The specs are imported here, the codecs only when a
 * provider of that vendor is made (`registry.ts loadProvider`): a run loads the wire format it speaks, not every
 * vendor's. The registry, the CLI's lists and the compile task's permissions read this list, in this order; the
 * library's synchronous `createProvider` (`create.ts`) imports every codec itself.
 *
 * @module
 */
import type { Provider } from "../core/mod.ts";
import { AZURE_SPEC } from "./azure/spec.ts";
import { ANTHROPIC_SPEC } from "./anthropic/spec.ts";
import { GEMINI_SPEC } from "./gemini/spec.ts";
import { createGoldProvider } from "./gold/provider.ts";
import { GOLD_SPEC } from "./gold/spec.ts";
import type { VendorCodec } from "./kit/codec.ts";
import type { HttpProviderOptions } from "./kit/http_provider.ts";
import type { ProviderSpec } from "./kit/spec.ts";
import { OLLAMA_SPEC } from "./ollama/spec.ts";
import { OPENAI_SPEC } from "./openai/spec.ts";
import { OPENAI_COMPATIBLE_PRESETS } from "./openai_compatible/presets.ts";
import { presetSpec } from "./openai_compatible/spec.ts";

/**
 * One vendor: its spec, and either its codec's loader (HTTP, through the kit) or its own factory. `countsByApi`
 * says, without loading the codec, that its `countTokens` is of type `api` (the vendor's count endpoint); a test
 * checks it against every codec.
 *
 * @example
 * ```ts
 * import type { Vendor } from "./vendors.ts";
 * import { OPENAI_SPEC } from "./openai/spec.ts";
 * const preset: Vendor = {
 *   spec: { ...OPENAI_SPEC, id: "acme-openai", hosts: ["api.acme.example"] },
 *   codec: () => import("./openai/codec.ts").then((m) => m.OPENAI_CODEC),
 * };
 * ```
 */
export type Vendor =
  | {
    readonly spec: ProviderSpec;
    readonly codec: () => Promise<VendorCodec>;
    readonly countsByApi?: boolean;
    readonly create?: undefined;
  }
  | {
    readonly spec: ProviderSpec;
    readonly create: (options: HttpProviderOptions) => Provider;
    readonly codec?: undefined;
    readonly countsByApi?: undefined;
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
  { spec: OPENAI_SPEC, codec: () => import("./openai/codec.ts").then((m) => m.OPENAI_CODEC) },
  {
    spec: ANTHROPIC_SPEC,
    codec: () => import("./anthropic/codec.ts").then((m) => m.ANTHROPIC_CODEC),
    countsByApi: true,
  },
  { spec: OLLAMA_SPEC, codec: () => import("./ollama/codec.ts").then((m) => m.OLLAMA_CODEC) },
  {
    spec: GEMINI_SPEC,
    codec: () => import("./gemini/codec.ts").then((m) => m.GEMINI_CODEC),
    countsByApi: true,
  },
  { spec: AZURE_SPEC, codec: () => import("./azure/codec.ts").then((m) => m.AZURE_CODEC) },
  // The named OpenAI-compatible hosts: one vendor per preset (data in openai_compatible/presets.ts).
  ...OPENAI_COMPATIBLE_PRESETS.map((preset): Vendor => ({
    spec: presetSpec(preset),
    codec: () => import("./openai_compatible/codec.ts").then((m) => m.presetCodec(preset)),
  })),
  { spec: GOLD_SPEC, create: () => createGoldProvider() },
];
