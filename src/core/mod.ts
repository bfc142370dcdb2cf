/**
 * The unified core: request, response, usage, finish reasons, stream events, errors and the Provider interface.
 * Imports nothing else from `src/`.
 *
 * @module
 */
export * from "./request.ts";
export * from "./response.ts";
export * from "./stream.ts";
export * from "./errors.ts";
export * from "./provider.ts";
export * from "./text.ts";
