/**
 * Where Hugging Face datasets come from and where their splits are cached: what resolving a dataset and the
 * compile task's permissions need, without the download code (`hf.ts`, loaded when a split is read or fetched).
 *
 * @module
 */

/** The public hub. */
export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

/** The hosts a dataset download reaches (the API, then the file CDNs it redirects to): the compile task's `--allow-net`. */
export const HF_HOSTS: readonly string[] = [
  "huggingface.co",
  "cdn-lfs.huggingface.co",
  "cdn-lfs-us-1.hf.co",
  "cas-bridge.xethub.hf.co",
];

/**
 * Cache directory of a dataset split: `{cacheDir}/datasets/{id with / -> __}/{split}`.
 *
 * @example
 * ```ts
 * import { hfSplitDir } from "./hf_paths.ts";
 * hfSplitDir("/tmp/c", "princeton-nlp/SWE-bench_Lite", "test"); // "/tmp/c/datasets/princeton-nlp__SWE-bench_Lite/test"
 * ```
 */
export function hfSplitDir(cacheDir: string, id: string, split: string): string {
  return joinPath(cacheDir, "datasets", id.replaceAll("/", "__"), split);
}

/** Join path parts with `/`, without doubled or trailing slashes (empty parts dropped). */
export function joinPath(...parts: string[]): string {
  return parts.map((p, i) => (i === 0 ? p.replace(/\/+$/, "") : p.replace(/^\/+|\/+$/g, ""))).filter((p) => p)
    .join("/");
}
