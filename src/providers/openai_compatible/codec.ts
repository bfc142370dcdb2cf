/**
 * The codec of a named OpenAI-compatible host: OpenAI's Chat Completions codec, with the preset's body defaults
 * (OpenRouter: `usage: {include: true}`) and, where the preset says its answers carry the billed cost
 * (OpenRouter `usage.cost`), that cost put on the usage (`billedUsd`), which the kit takes as the call's cost.
 *
 * @module
 */
import type { StreamEvent } from "../../core/mod.ts";
import type { PushDecoder } from "../../http/push_decoder.ts";
import type { SseEvent } from "../../http/sse.ts";
import type { VendorCodec } from "../kit/codec.ts";
import { withStartMeta } from "../kit/whole_body.ts";
import { createOpenAIEventDecoder, decodeOpenAIResponse, OPENAI_CODEC } from "../openai/codec.ts";
import { type OpenAICompatiblePreset, openRouterBilledCost } from "./presets.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A usage chunk's text may carry the billed cost: only those chunks are parsed twice. */
const COST_FIELD = /"cost"\s*:/;

/**
 * The OpenAI stream decoder with the billed cost of the usage chunk (`usage.cost`) put on the `usage` and `finish`
 * events as `billedUsd`.
 *
 * @example
 * ```ts
 * import { createBilledEventDecoder } from "./codec.ts";
 * const d = createBilledEventDecoder((e) => console.log(e), {});
 * d.push({ data: '{"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}' });
 * d.push({ data: '{"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"cost":0.00001}}' });
 * d.push({ data: "[DONE]" }); // the finish event's usage has billedUsd 0.00001
 * ```
 */
export function createBilledEventDecoder(
  emit: (event: StreamEvent) => void,
  options: { provider?: string },
): PushDecoder<SseEvent> {
  let billed: number | undefined;
  const inner = createOpenAIEventDecoder((event) => {
    if (billed !== undefined && (event.type === "usage" || event.type === "finish")) {
      emit({ ...event, usage: { ...event.usage, billedUsd: billed } });
      return;
    }
    emit(event);
  }, options);
  return {
    get done() {
      return inner.done;
    },
    push(sse) {
      if (COST_FIELD.test(sse.data)) {
        try {
          const chunk = JSON.parse(sse.data);
          const cost = isRecord(chunk) ? openRouterBilledCost(chunk.usage) : undefined;
          if (cost !== undefined) billed = cost;
        } catch {
          // The inner decoder reports malformed data.
        }
      }
      inner.push(sse);
    },
    end() {
      inner.end();
    },
  };
}

/**
 * The codec of a preset: `OPENAI_CODEC` with the preset's body defaults under the request's own fields, and the
 * billed cost read from the answers when the preset has one.
 *
 * @example
 * ```ts
 * import { OPENAI_COMPATIBLE_PRESETS } from "./presets.ts";
 * import { presetCodec } from "./codec.ts";
 * const openrouter = presetCodec(OPENAI_COMPATIBLE_PRESETS.find((p) => p.id === "openrouter")!);
 * openrouter.encode({ model: "qwen/qwen3-coder", prompt: "hi" }, { stream: false, settings: {} });
 * // { usage: { include: true }, model: "qwen/qwen3-coder", messages: [...], stream: false }
 * ```
 */
export function presetCodec(preset: OpenAICompatiblePreset): VendorCodec {
  const defaults = preset.bodyDefaults;
  const codec: VendorCodec = defaults === undefined ? OPENAI_CODEC : {
    ...OPENAI_CODEC,
    // OpenAI's encoding (parameters the model refused left out), over the preset's defaults.
    encode: (request, ctx) => ({
      ...defaults,
      ...(OPENAI_CODEC.encode(request, ctx) as Record<string, unknown>),
    }),
  };
  if (preset.billedCost !== "usage.cost") return codec;
  return {
    ...codec,
    decodeWhole: (body) => {
      const decoded = decodeOpenAIResponse(body);
      const billed = isRecord(body) ? openRouterBilledCost(body.usage) : undefined;
      return billed === undefined ? decoded : { ...decoded, usage: { ...decoded.usage, billedUsd: billed } };
    },
    eventDecoder: (emit, ctx) =>
      createBilledEventDecoder(withStartMeta(emit, ctx.requestId, ctx.rateLimit), { provider: ctx.provider }),
  };
}
