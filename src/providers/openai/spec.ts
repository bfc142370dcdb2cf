/**
 * The OpenAI spec: api.openai.com and, through `--base-url`, every OpenAI-compatible server (vLLM, llama.cpp
 * server, LM Studio, OpenRouter, Ollama's `/v1`).
 *
 * @module
 */
import type { ProviderSpec } from "../kit/spec.ts";
import { normalizeHttpBaseUrl } from "../kit/whole_body.ts";
import { isOpenAIReasoningModel } from "./models.ts";

const INVALID_BASE_URL =
  "Use a full URL with /v1, e.g. http://127.0.0.1:8000/v1 (OPENAI_BASE_URL or --base-url).";
const CREDENTIALS_IN_URL = "Put the key in OPENAI_API_KEY (or `swebench provider init`), not in the URL.";

/**
 * OpenAI's facts: bearer key in `OPENAI_API_KEY` (required for api.openai.com only), base URL with `/v1`,
 * organization and project headers.
 *
 * @example
 * ```ts
 * import { OPENAI_SPEC } from "./spec.ts";
 * OPENAI_SPEC.normalizeBaseUrl("http://127.0.0.1:8000/v1/", "vllm").url; // "http://127.0.0.1:8000/v1"
 * ```
 */
export const OPENAI_SPEC: ProviderSpec = {
  id: "openai",
  description: "OpenAI Chat Completions (also any OpenAI-compatible server via --base-url)",
  keyEnv: ["OPENAI_API_KEY"],
  baseUrlEnv: "OPENAI_BASE_URL",
  defaultBaseUrl: "https://api.openai.com/v1",
  normalizeBaseUrl: (raw, name) => ({
    url: normalizeHttpBaseUrl(raw, {
      name,
      invalidHint: INVALID_BASE_URL,
      credentialsHint: CREDENTIALS_IN_URL,
    }),
  }),
  auth: { type: "bearer" },
  keyRequired: "official-host",
  hosts: ["api.openai.com"],
  local: false,
  defaultModel: "gpt-4o-mini",
  settings: [
    { name: "organization", env: "OPENAI_ORG_ID", description: "Sent as OpenAI-Organization" },
    { name: "project", env: "OPENAI_PROJECT_ID", description: "Sent as OpenAI-Project" },
  ],
  sendsTemperature: (model) => !isOpenAIReasoningModel(model),
  headers: (settings) => ({
    ...(settings.organization ? { "OpenAI-Organization": settings.organization } : {}),
    ...(settings.project ? { "OpenAI-Project": settings.project } : {}),
  }),
  hints: {
    invalidBaseUrl: INVALID_BASE_URL,
    credentialsInUrl: CREDENTIALS_IN_URL,
    connection: (baseUrl) =>
      `Is the server at ${baseUrl} running? OpenAI-compatible base URLs usually end in /v1.`,
    htmlPage: "check the base URL (OpenAI-compatible APIs end in /v1)",
  },
};
