/**
 * The conformance suite against the OpenAI simulator, and against the Ollama simulator's OpenAI-compatible `/v1`
 * (the same provider module pointed at a compatible server).
 */
import { createOpenAIProvider } from "../../src/providers/openai/provider.ts";
import { startOllamaSim, startOpenAISim } from "../simulator/mod.ts";
import { conformanceSuite } from "./conformance.ts";

const KEY = "sk-proj-conformance-0123456789abcdef";

conformanceSuite({
  name: "openai",
  start: startOpenAISim,
  create: (sim, extra) =>
    createOpenAIProvider({ baseUrl: `${sim.url}/v1`, apiKey: extra?.apiKey ?? KEY, cost: extra?.cost }),
  model: "gpt-4o-mini",
  validKey: KEY,
  hasRequestId: true,
  streamErrors: [{ errorType: "rate_limit_exceeded", kind: "rate_limit" }, {
    errorType: "overloaded_error",
    kind: "overloaded",
  }],
});

conformanceSuite({
  name: "openai (reasoning model)",
  start: startOpenAISim,
  create: (sim, extra) =>
    createOpenAIProvider({ baseUrl: `${sim.url}/v1`, apiKey: extra?.apiKey ?? KEY, cost: extra?.cost }),
  model: "o4-mini",
  validKey: KEY,
  // The error classes do not depend on the model: run the calls that exercise the request body only.
  skip: ["status-errors", "drop", "cut", "stall", "malformed", "abort", "auth", "rate-limit", "list-models"],
});

conformanceSuite({
  name: "ollama /v1 (OpenAI-compatible)",
  start: startOllamaSim,
  create: (sim, extra) =>
    createOpenAIProvider({
      name: "ollama-v1",
      baseUrl: `${sim.url}/v1/`,
      apiKey: extra?.apiKey,
      cost: extra?.cost,
    }),
  model: "qwen2.5-coder:7b",
  // Ollama sends no request id and has no keys.
  hasRequestId: false,
  // Ollama truncates a long prompt silently instead of answering a context-length error.
  skip: ["context-length"],
});
