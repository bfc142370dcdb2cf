/**
 * Batch ids to providers, and the batch API client of a provider resolved by the `batch` commands (the run layer
 * builds a run's own from its settings: `run/batch_mode.ts`).
 *
 * @module
 */
import type { BatchApi } from "../batch/api.ts";
import { createBatchApi } from "../batch/providers.ts";
import { checkBatchTargets } from "../run/batch_open.ts";
import type { ProviderSettings } from "../run/settings.ts";
import type { ConfigFile } from "./config.ts";
import { resolveTimeouts, type TimeoutFlags } from "./timeouts.ts";

/**
 * The provider a batch id belongs to, from its prefix (`batch_` OpenAI, `msgbatch_` Anthropic); undefined for
 * anything else.
 *
 * @example
 * ```ts
 * import { providerOfBatchId } from "./batch_setup.ts";
 * providerOfBatchId("msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d"); // "anthropic"
 * ```
 */
export function providerOfBatchId(id: string): string | undefined {
  if (/^msgbatch_[A-Za-z0-9_-]+$/.test(id)) return "anthropic";
  if (/^batch_[A-Za-z0-9_-]+$/.test(id)) return "openai";
  return undefined;
}

/**
 * The batch API client of a resolved provider (its key, base URL, organization and project, the config file's
 * timeouts). A provider without a batch API is a `usage` error.
 *
 * @example
 * ```ts ignore
 * import { batchApiFor } from "./batch_setup.ts";
 * import { loadConfig, resolveProvider } from "./config.ts";
 * const config = await loadConfig("config.json");
 * const api = batchApiFor(resolveProvider("openai", { config }), config);
 * ```
 */
export function batchApiFor(
  resolved: Pick<ProviderSettings, "name" | "kind" | "baseUrl" | "organization" | "project" | "settings"> & {
    apiKey?: string;
    apiKeys?: string[];
    model?: string;
  },
  config: ConfigFile,
  timeouts: TimeoutFlags = {},
): BatchApi {
  checkBatchTargets([{ ...resolved, model: resolved.model ?? "" }], {});
  return createBatchApi({
    ...resolved,
    apiKey: resolved.apiKey ?? resolved.apiKeys?.[0],
    timeouts: resolveTimeouts(timeouts, config, resolved.name),
  });
}
