/**
 * The two batch vendors as the `--batch` CLI tests drive them: a simulator answering each instance with its gold
 * patch, the environment that points the CLI at it, and the paths that tell a model call and a results download.
 */
import {
  type BatchOptions,
  type BatchSimulator,
  startAnthropicSim,
  startOpenAISim,
} from "../simulator/mod.ts";
import { goldResponder, type Row } from "./helpers.ts";

/** One vendor with a batch API, as the CLI tests use it. */
export interface Vendor {
  name: "openai" | "anthropic";
  model: string;
  start: (batch?: BatchOptions) => Promise<BatchSimulator>;
  env: (sim: BatchSimulator) => Record<string, string>;
  /** Paths of model calls (none may be made by a batch run). */
  callPath: RegExp;
  /** The download of an ended batch's results. */
  resultsPath: RegExp;
}

/** OpenAI and Anthropic over simulators that answer `instances` with their gold patches and accept `key`. */
export function batchVendors(instances: readonly Row[], key: string): Vendor[] {
  const respond = goldResponder(instances);
  return [
    {
      name: "openai",
      model: "gpt-4o-mini",
      start: (batch) => startOpenAISim({ respond, apiKey: key, batch }),
      env: (sim) => ({ OPENAI_API_KEY: key, OPENAI_BASE_URL: `${sim.url}/v1` }),
      callPath: /\/chat\/completions$/,
      resultsPath: /^\/v1\/files\/[^/]+\/content$/,
    },
    {
      name: "anthropic",
      model: "claude-haiku-4-5",
      start: (batch) => startAnthropicSim({ respond, apiKey: key, batch }),
      env: (sim) => ({ ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: sim.url }),
      callPath: /\/v1\/messages$/,
      resultsPath: /^\/v1\/messages\/batches\/[^/]+\/results$/,
    },
  ];
}
