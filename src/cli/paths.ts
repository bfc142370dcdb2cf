/**
 * Where things live on disk: the cache directory, and datasets named on the command line.
 *
 * @module
 */
import { type ContextVariant, type DatasetRef, resolveDataset } from "../swebench/datasets.ts";
import { env } from "./env.ts";

/** `SWEBENCH_CACHE_DIR`, else `$XDG_CACHE_HOME/swebench-runner`, else `~/.cache/swebench-runner`. */
export function cacheDir(): string {
  const explicit = env("SWEBENCH_CACHE_DIR");
  if (explicit) return explicit;
  const xdg = env("XDG_CACHE_HOME");
  return `${xdg ?? `${env("HOME") ?? "."}/.cache`}/swebench-runner`;
}

/** Resolve `-d name` with the cache directory and the Hugging Face endpoint and token from the environment. */
export function datasetRef(name: string, flags: { split?: string; context?: ContextVariant }): DatasetRef {
  return resolveDataset(name, {
    split: flags.split,
    context: flags.context,
    cacheDir: cacheDir(),
    hfEndpoint: env("HF_ENDPOINT"),
    hfToken: env("HF_TOKEN"),
  });
}
