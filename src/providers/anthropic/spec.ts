/**
 * The Anthropic spec: the Messages API at api.anthropic.com (or a proxy), key in `x-api-key`, the
 * `anthropic-version` and `anthropic-beta` headers sent with or without a key.
 *
 * @module
 */
import type { ProviderSpec } from "../kit/spec.ts";
import { normalizeHttpBaseUrl } from "../kit/whole_body.ts";
import {
  ANTHROPIC_DEFAULT_VERSION,
  anthropicAcceptsSampling,
  anthropicSamplingNote,
  anthropicTakesSampling,
} from "./version.ts";

/** The `anthropic-version` header sent by default. */
export { ANTHROPIC_DEFAULT_VERSION };

const INVALID_BASE_URL =
  "Use a full URL without /v1, e.g. https://api.anthropic.com (ANTHROPIC_BASE_URL or --base-url).";
const CREDENTIALS_IN_URL =
  "Put the key in ANTHROPIC_API_KEY (or `swebench provider init anthropic`), not in the URL.";

/**
 * Normalise an Anthropic base URL: whitespace and trailing slashes removed, and a trailing `/v1` dropped (the
 * vendor convention is a base URL without it; the provider appends `/v1/...` itself). A URL that is not http(s)
 * or holds credentials is a `config` error.
 *
 * @example
 * ```ts
 * import { normalizeAnthropicBaseUrl } from "./spec.ts";
 * normalizeAnthropicBaseUrl("https://proxy.example.com/anthropic/v1/"); // "https://proxy.example.com/anthropic"
 * ```
 */
export function normalizeAnthropicBaseUrl(raw: string, name = "anthropic"): string {
  return normalizeHttpBaseUrl(raw, {
    name,
    dropV1: true,
    invalidHint: INVALID_BASE_URL,
    credentialsHint: CREDENTIALS_IN_URL,
  });
}

/**
 * Anthropic's facts.
 *
 * @example
 * ```ts
 * import { ANTHROPIC_SPEC } from "./spec.ts";
 * ANTHROPIC_SPEC.headers?.({ beta: "extended-cache-ttl-2025-04-11" });
 * // { "anthropic-version": "2026-10-21", "anthropic-beta": "extended-cache-ttl-2025-04-11" }
 * ```
 */
export const ANTHROPIC_SPEC: ProviderSpec = {
  id: "anthropic",
  description: "Anthropic Messages API",
  keyEnv: ["ANTHROPIC_API_KEY"],
  baseUrlEnv: "ANTHROPIC_BASE_URL",
  defaultBaseUrl: "https://api.anthropic.com",
  normalizeBaseUrl: (raw, name) => ({ url: normalizeAnthropicBaseUrl(raw, name) }),
  auth: { type: "header", header: "x-api-key" },
  keyRequired: "official-host",
  hosts: ["api.anthropic.com"],
  local: false,
  defaultModel: "claude-sonnet-5-5",
  settings: [
    {
      name: "version",
      default: ANTHROPIC_DEFAULT_VERSION,
      flag: "anthropicVersion",
      description: "Sent as anthropic-version (2023-06-01 still takes temperature)",
    },
    { name: "beta", description: "Sent as anthropic-beta (comma-separated beta names)" },
  ],
  sendsTemperature: (model, settings) =>
    anthropicTakesSampling(settings.version ?? ANTHROPIC_DEFAULT_VERSION) && anthropicAcceptsSampling(model),
  samplingNote: (model, settings, temperature) =>
    anthropicAcceptsSampling(model)
      ? anthropicSamplingNote(settings.version ?? ANTHROPIC_DEFAULT_VERSION, temperature)
      : undefined,
  headers: (settings) => ({
    "anthropic-version": settings.version ?? ANTHROPIC_DEFAULT_VERSION,
    ...(settings.beta ? { "anthropic-beta": settings.beta } : {}),
  }),
  hints: {
    invalidBaseUrl: INVALID_BASE_URL,
    credentialsInUrl: CREDENTIALS_IN_URL,
    connection: (baseUrl) => `Is the server at ${baseUrl} running? (The base URL has no /v1.)`,
    htmlPage: "check the base URL (ANTHROPIC_BASE_URL has no /v1)",
  },
};
