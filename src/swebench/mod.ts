/**
 * The SWE-bench data side: instances, datasets (Hugging Face, local files, the bundled sample), selection,
 * prompts, the predictions file with its run log and manifest, and the official harness (running it, reading its
 * reports).
 *
 * @module
 */
export * from "./instance.ts";
export * from "./hf.ts";
export * from "./datasets.ts";
export * from "./sample_data.ts";
export * from "./select.ts";
export * from "./filter.ts";
export * from "./prng.ts";
export * from "./prompt.ts";
export * from "./predictions.ts";
export * from "./run_log.ts";
export * from "./patch.ts";
export * from "./validate.ts";
export * from "./harness.ts";
export * from "./harness_results.ts";
export * from "./manifest.ts";
