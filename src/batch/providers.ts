/**
 * The batch API client of a provider: the OpenAI Batch API and Anthropic Message Batches, by their built-in names
 * (the batches live at the vendor's API, or a proxy set with the base URL). Which providers have one
 * (`hasBatchApi`) is in `basics.ts`, which a run without `--batch` loads instead of this module.
 *
 * @module
 */
import type { ProviderKind } from "../core/mod.ts";
import { createAnthropicBatchApi } from "./anthropic_api.ts";
import type { BatchApi } from "./api.ts";
import { createOpenAIBatchApi } from "./openai_api.ts";

/** What a batch API client is made from: a resolved provider's name, kind, key, base URL and timeouts. */
export interface BatchApiSettings {
  /** Provider name (messages). */
  name: string;
  /** Provider kind: `openai` or `anthropic`. */
  kind: ProviderKind | string;
  /** The API key (the first of a pool). */
  apiKey?: string;
  /** Base URL (OpenAI: with `/v1`; Anthropic: without). */
  baseUrl?: string;
  /** OpenAI organization header. */
  organization?: string;
  /** OpenAI project header. */
  project?: string;
  /** Timeouts of the small JSON calls (uploads and downloads keep only the idle timeout). */
  timeouts?: { connectTimeoutMs?: number; totalTimeoutMs?: number; idleTimeoutMs?: number };
  /** Vendor settings (Anthropic `version`, `beta`: the batch and its requests follow the version). */
  settings?: Readonly<Record<string, string | undefined>>;
}

/**
 * The batch API client of a provider: Anthropic Message Batches for kind `anthropic`, the OpenAI Batch API for the
 * rest (check `hasBatchApi` of `basics.ts` first).
 *
 * @example
 * ```ts
 * import { createBatchApi } from "./providers.ts";
 * const api = createBatchApi({ name: "anthropic", kind: "anthropic", apiKey: "sk-ant-x" });
 * api.kind; // "anthropic"
 * ```
 */
export function createBatchApi(settings: BatchApiSettings): BatchApi {
  const options = {
    name: settings.name,
    apiKey: settings.apiKey,
    baseUrl: settings.baseUrl,
    timeouts: settings.timeouts,
  };
  return settings.kind === "anthropic"
    ? createAnthropicBatchApi({
      ...options,
      version: settings.settings?.version,
      beta: settings.settings?.beta,
    })
    : createOpenAIBatchApi({
      ...options,
      organization: settings.organization,
      project: settings.project,
    });
}
