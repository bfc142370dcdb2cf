/**
 * The library's synchronous provider factory: every vendor's codec imported here, so `createProvider` returns at
 * once. The CLI and the run layer do not import this module: they call `registry.ts loadProvider`, which loads the
 * chosen vendor's codec only.
 *
 * @module
 */
import type { Provider } from "../core/mod.ts";
import { ANTHROPIC_CODEC } from "./anthropic/codec.ts";
import { AZURE_CODEC } from "./azure/codec.ts";
import { GEMINI_CODEC } from "./gemini/codec.ts";
import type { VendorCodec } from "./kit/codec.ts";
import { OLLAMA_CODEC } from "./ollama/codec.ts";
import { OPENAI_CODEC } from "./openai/codec.ts";
import { presetCodec } from "./openai_compatible/codec.ts";
import { OPENAI_COMPATIBLE_PRESETS } from "./openai_compatible/presets.ts";
import { type CreateProviderOptions, providerOf, vendorOf } from "./registry.ts";

/**
 * Every HTTP vendor's codec by id: what each vendor line of `vendors.ts` loads (a test checks they agree).
 *
 * @example
 * ```ts
 * import { CODECS } from "./create.ts";
 * CODECS.get("anthropic")?.countTokens.type; // "api"
 * ```
 */
export const CODECS: ReadonlyMap<string, VendorCodec> = new Map([
  ["openai", OPENAI_CODEC],
  ["anthropic", ANTHROPIC_CODEC],
  ["ollama", OLLAMA_CODEC],
  ["gemini", GEMINI_CODEC],
  ["azure", AZURE_CODEC],
  ...OPENAI_COMPATIBLE_PRESETS.map((preset): [string, VendorCodec] => [preset.id, presetCodec(preset)]),
]);

/**
 * Create a provider of a given wire protocol. An unknown kind is a usage error naming the known ones.
 *
 * @example
 * ```ts
 * import { createProvider } from "@swebench/runner/lib";
 * const local = createProvider({ kind: "openai", name: "vllm", baseUrl: "http://127.0.0.1:8000/v1" });
 * console.log(local.name);
 * ```
 */
export function createProvider(input: CreateProviderOptions): Provider {
  const vendor = vendorOf(input.kind);
  return providerOf(vendor, CODECS.get(vendor.spec.id), input);
}
