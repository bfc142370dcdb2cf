/**
 * Which providers have a batch API, the `--batch` checks made before anything is read or sent, and the batch API
 * client of a resolved provider (the `batch` commands and `generate --batch` build it the same way).
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import { createAnthropicBatchApi } from "../batch/anthropic_api.ts";
import type { BatchApi } from "../batch/api.ts";
import { createOpenAIBatchApi } from "../batch/openai_api.ts";
import type { ProviderSettings } from "../run/settings.ts";
import type { ConfigFile, ResolvedProvider } from "./config.ts";
import { resolveTimeouts, type TimeoutFlags } from "./timeouts.ts";

/**
 * The providers with a batch API (OpenAI Batch API, Anthropic Message Batches), by their built-in names: the
 * batches live at the vendor's API (or a proxy set with the base URL). Ollama, gold and OpenAI-compatible servers
 * configured under their own names have none.
 */
export const BATCH_PROVIDERS: readonly string[] = ["openai", "anthropic"];

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

/** True when `provider` (a `-p` name, resolved) has a batch API. */
export function hasBatchApi(provider: Pick<ResolvedProvider, "name" | "kind">): boolean {
  return BATCH_PROVIDERS.includes(provider.name) && provider.kind === provider.name;
}

/** Flags of `generate`/`compare` that `--batch` checks. */
export interface BatchFlagCheck {
  /** `--stream`. */
  stream?: boolean;
  /** `--fallback` models (generate). */
  fallback?: readonly string[];
}

/**
 * The checks of `--batch`, before any file is read or any request sent: every model's provider must have a batch
 * API, and the flags that only make sense for direct calls are refused. Each failure is a `usage` error (exit 2)
 * naming the cause and the providers that have a batch API.
 *
 * @example
 * ```ts
 * import { checkBatchTargets } from "./batch_setup.ts";
 * checkBatchTargets([{ name: "openai", kind: "openai", model: "gpt-4o-mini" }], {}); // fine
 * try {
 *   checkBatchTargets([{ name: "ollama", kind: "ollama", model: "qwen2.5-coder:7b" }], {});
 * } catch (e) {
 *   console.log((e as Error).message); // "--batch: ollama has no batch API ..."
 * }
 * ```
 */
export function checkBatchTargets(
  targets: readonly (Pick<ResolvedProvider, "name" | "kind"> & { model: string })[],
  flags: BatchFlagCheck,
): void {
  const names = BATCH_PROVIDERS.join(", ");
  for (const t of targets) {
    if (hasBatchApi(t)) continue;
    const what = t.kind === "gold"
      ? `${t.name} answers offline from the dataset, so there is nothing to batch`
      : t.kind === "ollama"
      ? `${t.name} (a local Ollama server) has no batch API`
      : `${t.name} (${
        t.kind === "openai" ? "an OpenAI-compatible server" : `kind ${t.kind}`
      }) has no batch API`;
    throw new SwebenchError("usage", `--batch: ${what}; the providers with one are ${names}`, {
      hint: `Run ${t.name}:${t.model} without --batch (its calls go directly), or use --batch with -p ${
        BATCH_PROVIDERS.join(" or -p ")
      }.`,
    });
  }
  if (flags.stream) {
    throw new SwebenchError("usage", "--batch and --stream do not go together: a batch answers whole", {
      hint: "Drop --stream.",
    });
  }
  if (flags.fallback !== undefined && flags.fallback.length > 0) {
    throw new SwebenchError(
      "usage",
      "--batch and --fallback do not go together: a batch request has no second model to fall back to",
      {
        hint:
          "Drop --fallback (the config file's fallback models are not used with --batch); after the batch, " +
          "--retry-failed sends the failed instances again.",
      },
    );
  }
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
  resolved: Pick<ProviderSettings, "name" | "kind" | "baseUrl" | "organization" | "project"> & {
    apiKey?: string;
    apiKeys?: string[];
    model?: string;
  },
  config: ConfigFile,
  timeouts: TimeoutFlags = {},
): BatchApi {
  checkBatchTargets([{ ...resolved, model: resolved.model ?? "" }], {});
  const options = {
    name: resolved.name,
    apiKey: resolved.apiKey ?? resolved.apiKeys?.[0],
    baseUrl: resolved.baseUrl,
    timeouts: resolveTimeouts(timeouts, config, resolved.name),
  };
  return resolved.kind === "anthropic" ? createAnthropicBatchApi(options) : createOpenAIBatchApi({
    ...options,
    organization: resolved.organization,
    project: resolved.project,
  });
}
