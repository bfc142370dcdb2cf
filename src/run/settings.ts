/**
 * The settings of a run, as data: what the CLI resolved from flags, environment variables and the config file
 * (flags > env > file), or what a library user writes by hand. The run layer never reads the environment, the
 * config file or the terminal.
 *
 * @module
 */
import type { ProviderKind } from "../core/mod.ts";
import type { ModelEntry } from "../providers/catalog.ts";
import type { ProviderOptions } from "../providers/kit/options.ts";
import type { VendorSettings } from "../providers/kit/spec.ts";
import type { ContextVariant } from "../swebench/datasets.ts";

/** Transport timeouts in milliseconds; an absent field keeps the provider kind's default. */
export type Timeouts = NonNullable<ProviderOptions["timeouts"]>;

/** One provider:model of a run, resolved. */
export interface ProviderSettings {
  /** Registry or config name (`openai`, `vllm`): runs logs and budgets are keyed by it. */
  name: string;
  /** Provider kind (wire format). */
  kind: ProviderKind;
  /** API keys; several make a key pool, none a keyless provider. */
  apiKeys: string[];
  /** Base URL. */
  baseUrl: string;
  /** Model id. */
  model: string;
  /** OpenAI organization header. */
  organization?: string;
  /** OpenAI project header. */
  project?: string;
  /** Vendor settings (the spec's `settings`, by name: Anthropic `version`/`beta`, ...), resolved. */
  settings?: VendorSettings;
  /**
   * The catalog model this model is priced as (an Azure deployment's underlying model, a server's alias): prices,
   * limits and, for Azure, the reasoning-model rules come from it. Absent: the model itself, then the model the
   * API reports.
   */
  priceAs?: string;
  /** Requests per minute this account allows. */
  rpm?: number;
  /** Tokens per minute this account allows. */
  tpm?: number;
  /** This provider's own budget in USD (inside the run's). */
  maxCost?: number;
  /** Network timeouts. */
  timeouts?: Timeouts;
  /** Calls in flight at most (a local server's parallelism). */
  maxConcurrent?: number;
  /** The hint for a rejected or missing key (where the key comes from and how to set another). */
  authHint?: string;
}

/** One model of a run and its fallback models (tried in order when it fails). */
export interface TargetSettings {
  /** The run's model. */
  primary: ProviderSettings;
  /** Fallback models, in order. */
  fallbacks: ProviderSettings[];
}

/** Which instances a run takes. */
export interface SelectionSettings {
  /** `lite`, `verified`, `full`, `sample`, `org/name`, or a local file. */
  dataset: string;
  /** Dataset split. */
  split: string;
  /** Retrieval context variant. */
  context: ContextVariant;
  /** Instance ids. */
  instances?: string[];
  /** Instance id glob(s). */
  filter?: string;
  /** The first N instances. */
  count?: number;
  /** A random sample of N instances. */
  sample?: number;
  /** Seed of the sample. */
  seed: number;
  /** `i/n`: shard i of n (1-based). */
  shard?: string;
}

/** Where datasets come from. */
export interface DataSettings {
  /** Cache directory of downloaded datasets. */
  cacheDir: string;
  /** Hugging Face endpoint (mirror). */
  hfEndpoint?: string;
  /** Hugging Face token. */
  hfToken?: string;
  /** Download: wait for the response headers, ms. */
  connectTimeoutMs?: number;
  /** Download: longest silence inside a body, ms. */
  idleTimeoutMs?: number;
}

/** Where the predictions go. */
export interface OutputSettings {
  /** The predictions file of the (first) model; default: `<dir>/<model>__<dataset>__<split>.jsonl`. */
  path?: string;
  /** Directory of the default file names (default `predictions`). */
  dir?: string;
  /** Start fresh instead of resuming. */
  overwrite: boolean;
  /** Redo instances that failed in earlier runs. */
  retryFailed: boolean;
}

/** Batch mode of a run: present (even empty) means every model goes through its provider's batch API. */
export interface BatchModeSettings {
  /** First interval between polls of a batch, ms (default 5,000, growing by half each poll). */
  pollInitialMs?: number;
  /** Longest interval between polls, ms (default 60,000). */
  pollMaxMs?: number;
}

/** Everything a run needs, resolved. */
export interface RunSettings {
  /** The models of the run: one for `generate`, several for `compare` (each run in turn, one budget). */
  targets: TargetSettings[];
  /** The instances. */
  selection: SelectionSettings;
  /** What every request asks for. */
  request: { maxTokens: number; temperature: number; stream: boolean };
  /** Parallel calls (per model). */
  concurrency: number;
  /** One budget for every model of the run, across runs of the same files (USD). */
  maxCostUsd?: number;
  /** Predictions files. */
  output: OutputSettings;
  /** Model facts and prices over the built-in catalog (the config file's `models`). */
  catalog?: ModelEntry[];
  /** Dataset sources. */
  data: DataSettings;
  /**
   * Batch mode: every model through its provider's batch API (OpenAI Batch API, Anthropic Message Batches) at
   * half price, answers within 24 h; absent: one call per instance.
   */
  batch?: BatchModeSettings;
}
