/**
 * The HTTP layer: fetch with timeouts, auth strategies, SSE and JSON Lines decoders, HTTP error classification,
 * rate-limit headers and Deno permission errors. Imports only `src/core/`.
 *
 * @module
 */
export * from "./fetch.ts";
export * from "./auth.ts";
export * from "./sse.ts";
export * from "./sniff.ts";
export * from "./json_lines.ts";
export * from "./status.ts";
export * from "./rate_limit_headers.ts";
export * from "./permission.ts";
export * from "./push_decoder.ts";
