/**
 * The conformance suite over the named OpenAI-compatible hosts, each built as `vendors.ts` builds it (the preset's
 * spec and codec on the kit) and pointed at the OpenAI simulator as `--base-url` would: DeepSeek (the plain
 * preset) and OpenRouter (body defaults and the billed cost).
 */
import { httpProvider } from "../../src/providers/kit/http_provider.ts";
import { presetCodec } from "../../src/providers/openai_compatible/codec.ts";
import { OPENAI_COMPATIBLE_PRESETS } from "../../src/providers/openai_compatible/presets.ts";
import { presetSpec } from "../../src/providers/openai_compatible/spec.ts";
import { startOpenAISim } from "../simulator/mod.ts";
import { conformanceSuite } from "./conformance.ts";

const KEY = "sk-preset-conformance-0123456789abcdef";

for (const id of ["deepseek", "openrouter"]) {
  const preset = OPENAI_COMPATIBLE_PRESETS.find((p) => p.id === id)!;
  conformanceSuite({
    name: `${id} (preset)`,
    start: startOpenAISim,
    create: (sim, extra) =>
      httpProvider({
        spec: presetSpec(preset),
        codec: presetCodec(preset),
        options: { baseUrl: `${sim.url}/v1`, apiKey: extra?.apiKey ?? KEY, cost: extra?.cost },
      }),
    // The simulator's model list has OpenAI's ids; the wire does not depend on the model.
    model: "gpt-4o-mini",
    validKey: KEY,
    streamErrors: [{ errorType: "rate_limit_exceeded", kind: "rate_limit" }],
  });
}
