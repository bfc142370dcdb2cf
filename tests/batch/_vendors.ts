/**
 * Both batch wires side by side for the batch tests: a simulator with answers that echo the prompt, our client
 * over it, and the path a create request takes.
 */
import type { BatchApi } from "../../src/batch/api.ts";
import { createAnthropicBatchApi } from "../../src/batch/anthropic_api.ts";
import { createOpenAIBatchApi } from "../../src/batch/openai_api.ts";
import type { UnifiedRequest } from "../../src/core/mod.ts";
import { type BatchSimulator, type SimOptions, startAnthropicSim, startOpenAISim } from "../simulator/mod.ts";

/** One vendor's batch wire. */
export interface BatchVendor {
  /** `openai` or `anthropic`. */
  kind: "openai" | "anthropic";
  /** A model of the vendor. */
  model: string;
  /** Start its simulator; answers are `answer to <prompt>`. */
  start(options?: SimOptions): Promise<BatchSimulator>;
  /** Our client over the simulator. */
  api(sim: BatchSimulator, options?: { apiKey?: string; fetch?: typeof fetch }): BatchApi;
  /** Path of the create request (OpenAI: the batch create, after the upload). */
  createPath: string;
  /** The API key the simulators expect. */
  key: string;
}

const echo = (req: { body: { messages: { content: unknown }[] } }) => {
  const content = req.body.messages.at(-1)?.content;
  const text = typeof content === "string"
    ? content
    : Array.isArray(content)
    ? content.map((c: { text?: string }) => c.text ?? "").join("")
    : "";
  return `answer to ${text}`;
};

/** The two vendors. */
export const VENDORS: BatchVendor[] = [
  {
    kind: "openai",
    model: "gpt-4o-mini",
    key: "sk-test-0123456789abcdef",
    start: (options = {}) =>
      startOpenAISim({ apiKey: "sk-test-0123456789abcdef", respond: echo, ...options }),
    api: (sim, options = {}) =>
      createOpenAIBatchApi({
        baseUrl: `${sim.url}/v1`,
        apiKey: options.apiKey ?? "sk-test-0123456789abcdef",
        fetch: options.fetch,
      }),
    createPath: "/v1/batches",
  },
  {
    kind: "anthropic",
    model: "claude-sonnet-4-5",
    key: "sk-ant-test-0123456789abcdef",
    start: (options = {}) =>
      startAnthropicSim({ apiKey: "sk-ant-test-0123456789abcdef", respond: echo, ...options }),
    api: (sim, options = {}) =>
      createAnthropicBatchApi({
        baseUrl: sim.url,
        apiKey: options.apiKey ?? "sk-ant-test-0123456789abcdef",
        fetch: options.fetch,
      }),
    createPath: "/v1/messages/batches",
  },
];

/** A request for instance `id` of `model`. */
export function requestFor(model: string, id: string): UnifiedRequest {
  return { model, system: "You fix bugs.", prompt: `fix ${id}`, maxTokens: 256, temperature: 0 };
}

/** Items for `ids` (custom_id = id). */
export function itemsFor(api: BatchApi, model: string, ids: string[]): string[] {
  return ids.map((id) => api.encode(id, requestFor(model, id)));
}

/** Items for `[customId, instanceId]` pairs (a custom_id map's). */
export function itemsOf(api: BatchApi, model: string, pairs: [string, string][]): string[] {
  return pairs.map(([customId, id]) => api.encode(customId, requestFor(model, id)));
}
