/**
 * Which providers have a batch API and the client of one: the OpenAI Batch API and Anthropic Message Batches, by
 * their built-in names (the batches live at the vendor's API, or a proxy set with the base URL). Ollama, gold and
 * OpenAI-compatible servers configured under their own names have none.
 *
 * @module
 */
import type { ProviderKind } from "../core/mod.ts";
import { createAnthropicBatchApi } from "./anthropic_api.ts";
import type { BatchApi } from "./api.ts";
import { createOpenAIBatchApi } from "./openai_api.ts";

/** The providers with a batch API, by their built-in names. */
export const BATCH_PROVIDERS: readonly string[] = ["openai", "anthropic"];

/**
 * True when a provider (its `-p` name and kind, resolved) has a batch API.
 *
 * @example
 * ```ts
 * import { hasBatchApi } from "./providers.ts";
 * hasBatchApi({ name: "openai", kind: "openai" }); // true
 * hasBatchApi({ name: "vllm", kind: "openai" }); // false
 * ```
 */
export function hasBatchApi(provider: { name: string; kind: ProviderKind | string }): boolean {
  return BATCH_PROVIDERS.includes(provider.name) && provider.kind === provider.name;
}

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
 * rest (check {@linkcode hasBatchApi} first).
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
