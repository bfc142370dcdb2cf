/**
 * Flags > environment > config file, resolved into the run layer's settings (data): the one place where a run's
 * settings are read from the outside world.
 *
 * @module
 */
import { specOf } from "../providers/registry.ts";
import type {
  DataSettings,
  OutputSettings,
  ProviderSettings,
  RunSettings,
  SelectionSettings,
  TargetSettings,
} from "../run/settings.ts";
import { authHint, type ConfigFile, missingKeyError, resolveProvider } from "./config.ts";
import { env } from "./env.ts";
import { parseProviderModel } from "./options.ts";
import { cacheDir } from "./paths.ts";
import { resolveTimeouts, type TimeoutFlags } from "./timeouts.ts";

/** The vendor settings with the run's flags over them (`--anthropic-version` for an Anthropic-wire provider). */
function withSettingFlags(
  kind: string,
  settings: Readonly<Record<string, string | undefined>> | undefined,
  flags: object | undefined,
): { settings?: Record<string, string | undefined> } {
  const out: Record<string, string | undefined> = { ...settings };
  for (const s of specOf(kind)?.settings ?? []) {
    const value = s.flag === undefined ? undefined : (flags as Record<string, unknown> | undefined)?.[s.flag];
    if (typeof value === "string") out[s.name] = value;
  }
  return Object.keys(out).length > 0 ? { settings: out } : {};
}

/** A local server's parallelism from its variables (the spec's `maxConcurrent`: Ollama's OLLAMA_NUM_PARALLEL). */
function maxConcurrentOf(kind: string): { maxConcurrent?: number } {
  const n = specOf(kind)?.maxConcurrent?.(env);
  return n === undefined ? {} : { maxConcurrent: n };
}

/** `provider:model` entries of `--fallback`, `--providers` or the config file. */
export function parseFallbacks(items: readonly string[]): { provider: string; model?: string }[] {
  return items.map(parseProviderModel);
}

/**
 * One provider:model, resolved (flags > environment > config file > the kind's defaults). A missing key fails here,
 * before any request (exit 3), unless `requireKey` is false (a dry run sends nothing).
 */
export function providerSettings(
  name: string,
  options: {
    config: ConfigFile;
    model?: string;
    baseUrl?: string;
    /** The run's model (SWEBENCH_MODEL applies to it only). */
    primary?: boolean;
    requireKey: boolean;
    /** `--connect-timeout` / `--idle-timeout` / `--total-timeout` (over the config file's). */
    timeouts?: TimeoutFlags;
    /** `--rpm` / `--tpm`: the run's model only (fallbacks use their config values). */
    rpm?: number;
    tpm?: number;
    /** The run's flags: a vendor setting with a `flag` (`--anthropic-version`) takes its value from them. */
    flags?: object;
  },
): ProviderSettings {
  const resolved = resolveProvider(name, {
    config: options.config,
    flags: { model: options.model, baseUrl: options.baseUrl },
    primary: options.primary,
  });
  if (resolved.needsKey && !resolved.apiKey && options.requireKey) throw missingKeyError(resolved);
  return {
    name: resolved.name,
    kind: resolved.kind,
    apiKeys: resolved.apiKeys,
    baseUrl: resolved.baseUrl,
    model: resolved.model,
    organization: resolved.organization,
    project: resolved.project,
    ...withSettingFlags(resolved.kind, resolved.settings, options.flags),
    ...(resolved.priceAs !== undefined ? { priceAs: resolved.priceAs } : {}),
    rpm: options.rpm ?? resolved.rpm,
    tpm: options.tpm ?? resolved.tpm,
    maxCost: resolved.maxCost,
    timeouts: resolveTimeouts(options.timeouts ?? {}, options.config, name),
    ...maxConcurrentOf(resolved.kind),
    authHint: authHint(resolved),
  };
}

/** The selection flags of `generate` and `compare`. */
export function selectionSettings(flags: SelectionSettings): SelectionSettings {
  return {
    dataset: flags.dataset,
    split: flags.split,
    context: flags.context,
    instances: flags.instances,
    filter: flags.filter,
    count: flags.count,
    sample: flags.sample,
    seed: flags.seed,
    shard: flags.shard,
  };
}

/** Where datasets come from: the cache directory, HF_ENDPOINT, HF_TOKEN, the download timeouts. */
export function dataSettings(flags: TimeoutFlags, config: ConfigFile): DataSettings {
  const t = resolveTimeouts(flags, config);
  return {
    cacheDir: cacheDir(),
    hfEndpoint: env("HF_ENDPOINT"),
    hfToken: env("HF_TOKEN"),
    connectTimeoutMs: t.connectTimeoutMs,
    idleTimeoutMs: t.idleTimeoutMs,
  };
}

/** The flags every run command has (`generate`, `compare`). */
export interface RunFlags extends SelectionSettings, TimeoutFlags {
  maxTokens: number;
  temperature: number;
  stream?: boolean;
  concurrency: number;
  maxCost?: number;
  /** `--batch`: through the providers' batch APIs. */
  batch?: boolean;
  /** `--poll-interval` (seconds): the first wait between polls of a batch. */
  pollInterval?: number;
}

/** A run's settings from its flags, the config file, its models and where its files go. */
export function runSettings(
  flags: RunFlags,
  config: ConfigFile,
  targets: TargetSettings[],
  output: OutputSettings,
): RunSettings {
  return {
    targets,
    selection: selectionSettings(flags),
    request: { maxTokens: flags.maxTokens, temperature: flags.temperature, stream: !!flags.stream },
    concurrency: flags.concurrency,
    maxCostUsd: flags.maxCost,
    output,
    catalog: config.models ?? [],
    data: dataSettings(flags, config),
    ...(flags.batch
      ? {
        batch: flags.pollInterval === undefined
          ? {}
          : { pollInitialMs: Math.max(10, flags.pollInterval * 1000) },
      }
      : {}),
  };
}
