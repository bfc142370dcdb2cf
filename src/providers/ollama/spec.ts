/**
 * The Ollama spec: a local (or remote) Ollama server's native API, reached through `OLLAMA_HOST` in every form the
 * official client accepts; no key needed (a bearer key when one is set; Basic auth from `user:pass@host`).
 *
 * @module
 */
import type { ProviderSpec } from "../kit/spec.ts";
import { DEFAULT_OLLAMA_HOST, parseOllamaHost } from "./host.ts";

/** The hint of a connection failure: how to start the server. */
export const OLLAMA_CONNECTION_HINT: string =
  "Is Ollama running? Start it with `ollama serve` (or set OLLAMA_HOST).";

/**
 * Ollama's facts.
 *
 * @example
 * ```ts
 * import { OLLAMA_SPEC } from "./spec.ts";
 * OLLAMA_SPEC.normalizeBaseUrl(":11500", "ollama").url; // "http://127.0.0.1:11500"
 * ```
 */
export const OLLAMA_SPEC: ProviderSpec = {
  id: "ollama",
  description: "Local Ollama server (native /api/chat)",
  keyEnv: [],
  baseUrlEnv: "OLLAMA_HOST",
  defaultBaseUrl: DEFAULT_OLLAMA_HOST,
  normalizeBaseUrl: (raw) => parseOllamaHost(raw),
  auth: { type: "bearer" },
  keyRequired: "never",
  hosts: ["127.0.0.1", "localhost"],
  local: true,
  defaultModel: "qwen2.5-coder:7b",
  settings: [],
  extraEnv: ["OLLAMA_NUM_PARALLEL"],
  maxConcurrent: (env) => ollamaConcurrency(env("OLLAMA_NUM_PARALLEL")),
  hints: {
    invalidBaseUrl: "Set OLLAMA_HOST to host:port or a URL, e.g. 127.0.0.1:11434.",
    credentialsInUrl: "Credentials in OLLAMA_HOST are sent as Basic auth.",
    connection: () => OLLAMA_CONNECTION_HINT,
  },
};

/**
 * The concurrency cap for an Ollama server: `OLLAMA_NUM_PARALLEL` when set (a positive integer), else 4 — the
 * value Ollama auto-selects when memory allows (it picks 1 on low memory; extra calls then wait in Ollama's own
 * queue, so the connect timeout must allow for a queued call).
 *
 * @example
 * ```ts
 * import { ollamaConcurrency } from "./spec.ts";
 * ollamaConcurrency("2"); // 2
 * ```
 */
export function ollamaConcurrency(numParallel?: string | number): number {
  const n = typeof numParallel === "string" ? Number(numParallel.trim()) : numParallel;
  return typeof n === "number" && Number.isInteger(n) && n >= 1 ? Math.min(n, 64) : 4;
}
