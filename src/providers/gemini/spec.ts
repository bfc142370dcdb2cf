/**
 * The Gemini spec: Google's Gemini API (Google AI Studio keys) at generativelanguage.googleapis.com, the key in
 * `x-goog-api-key` (never in the URL), the base URL a host only (the API version is part of every path).
 *
 * @module
 */
import { SwebenchError } from "../../core/mod.ts";
import type { ProviderSpec } from "../kit/spec.ts";
import { normalizeHttpBaseUrl } from "../kit/whole_body.ts";

/** Default base URL: host only; the version is part of each path. */
export const GEMINI_DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com";

const INVALID_BASE_URL =
  "Use the host only, e.g. https://generativelanguage.googleapis.com (GOOGLE_GEMINI_BASE_URL or --base-url).";
const CREDENTIALS_IN_URL =
  "Put the key in GEMINI_API_KEY (or GOOGLE_API_KEY, or `swebench provider init gemini`), not in the URL: " +
  "it is sent in the x-goog-api-key header.";

/**
 * Normalise a Gemini base URL: whitespace and trailing slashes removed, and a trailing API version (`/v1beta`,
 * `/v1`, `/v1alpha`) dropped: the base URL is the host (a proxy may add a path prefix), the version is part of
 * every path. A URL with a query (`?key=...`) or credentials, or that is not http(s), is a `config` error that
 * never repeats the query.
 *
 * @example
 * ```ts
 * import { normalizeGeminiBaseUrl } from "./spec.ts";
 * normalizeGeminiBaseUrl("https://generativelanguage.googleapis.com/v1beta/"); // "https://generativelanguage.googleapis.com"
 * ```
 */
export function normalizeGeminiBaseUrl(raw: string, name = "gemini"): string {
  const trimmed = raw.trim();
  const query = trimmed.search(/[?#]/);
  if (query >= 0) {
    const key = /[?&]key=/i.test(trimmed.slice(query));
    throw new SwebenchError(
      "config",
      key
        ? `${name}: the base URL carries an API key (?key=...); it must be the host only.`
        : `${name}: the base URL must be the host only, without a query or fragment.`,
      { provider: name, hint: key ? CREDENTIALS_IN_URL : INVALID_BASE_URL },
    );
  }
  const url = normalizeHttpBaseUrl(trimmed, {
    name,
    invalidHint: INVALID_BASE_URL,
    credentialsHint: CREDENTIALS_IN_URL,
  });
  return url.replace(/\/v1(?:beta|alpha)?$/, "");
}

/**
 * Gemini's facts.
 *
 * @example
 * ```ts
 * import { GEMINI_SPEC } from "./spec.ts";
 * GEMINI_SPEC.keyEnv; // ["GEMINI_API_KEY", "GOOGLE_API_KEY"]
 * ```
 */
export const GEMINI_SPEC: ProviderSpec = {
  id: "gemini",
  description: "Google Gemini API (generateContent)",
  // As Google's own SDKs: GEMINI_API_KEY, or GOOGLE_API_KEY when that is the one set.
  keyEnv: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
  baseUrlEnv: "GOOGLE_GEMINI_BASE_URL",
  defaultBaseUrl: GEMINI_DEFAULT_BASE_URL,
  normalizeBaseUrl: (raw, name) => ({ url: normalizeGeminiBaseUrl(raw, name) }),
  auth: { type: "header", header: "x-goog-api-key" },
  keyRequired: "official-host",
  hosts: ["generativelanguage.googleapis.com"],
  local: false,
  // Stable, priced in the catalog, and Google's Flash model for coding and agentic work (2026-12).
  defaultModel: "gemini-3.7-flash",
  settings: [],
  hints: {
    invalidBaseUrl: INVALID_BASE_URL,
    credentialsInUrl: CREDENTIALS_IN_URL,
    connection: (baseUrl) =>
      `Is the server at ${baseUrl} reachable? (The base URL is the host, without /v1beta.)`,
    htmlPage: "check the base URL (GOOGLE_GEMINI_BASE_URL is the host only, without /v1beta)",
  },
};
