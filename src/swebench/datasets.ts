/**
 * Dataset names -> sources (Hugging Face, local files, the bundled sample) and loading them into validated
 * {@linkcode SwebenchInstance}s.
 *
 * @module
 */
import { SwebenchError } from "../core/errors.ts";
import type { HfProgress } from "./hf.ts";
import { DEFAULT_HF_ENDPOINT, hfSplitDir } from "./hf_paths.ts";
import { parseInstance, type ParseOptions, type SwebenchInstance } from "./instance.ts";
import { readJsonFile, readJsonl, readParquet, statLocal } from "./dataset_files.ts";

/** Retrieval context variants of SWE-bench (`--context`). */
export type ContextVariant = "none" | "bm25-13k" | "bm25-27k" | "bm25-40k" | "oracle";

/** The accepted `--context` values. */
export const CONTEXT_VARIANTS: readonly ContextVariant[] = [
  "none",
  "bm25-13k",
  "bm25-27k",
  "bm25-40k",
  "oracle",
];

/** Options of {@linkcode resolveDataset}. */
export interface ResolveDatasetOptions {
  /** Split (default `test`). */
  split?: string;
  /** Retrieval variant (default `none`); only for `lite` and `full`. */
  context?: ContextVariant;
  /** Cache root (`SWEBENCH_CACHE_DIR`); Hugging Face files go to `{cacheDir}/datasets/...`. */
  cacheDir: string;
  /** `HF_ENDPOINT` (default https://huggingface.co). */
  hfEndpoint?: string;
  /** `HF_TOKEN`: kept out of the returned ref (never printed with it), used by load/fetch/info. */
  hfToken?: string;
  /** Injectable fetch, used by load/fetch/info. */
  fetch?: typeof fetch;
}

/**
 * Where a dataset comes from. Plain data, safe to print or serialise: the HF token is not part of it.
 *
 * @example
 * ```ts
 * import { resolveDataset } from "@swebench/runner/lib";
 * const ref = resolveDataset("lite", { cacheDir: "/tmp/cache", context: "oracle" });
 * console.log(ref.id, ref.label); // princeton-nlp/SWE-bench_Lite_oracle SWE-bench_Lite_oracle
 * ```
 */
export interface DatasetRef {
  /** Source kind. */
  kind: "hf" | "local" | "sample";
  /** The name as given (`lite`, `org/name`, `./x.jsonl`, `sample`). */
  name: string;
  /** Short label for file names (`SWE-bench_Lite`, `SWE-bench_Lite_oracle`, `sample`, file stem), as SWE-bench's
   * own inference scripts name predictions (`<model>__<dataset>__<split>.jsonl`). */
  label: string;
  /** Hugging Face dataset id (kind `hf`). */
  id?: string;
  /** Local file path (kind `local`). */
  path?: string;
  /** Local file format (kind `local`). */
  format?: "jsonl" | "json" | "parquet";
  /** Split. */
  split: string;
  /** Retrieval variant. */
  context: ContextVariant;
  /** Cache root. */
  cacheDir: string;
  /** Hugging Face endpoint. */
  endpoint: string;
}

/** A known dataset name. */
export interface KnownDataset {
  /** Short name (`lite`). */
  name: string;
  /** Hugging Face id. */
  id: string;
  /** Splits upstream. */
  splits: string[];
  /** Retrieval variants available upstream. */
  contexts: ContextVariant[];
  /** One-line description. */
  description: string;
}

/** The short names and what they stand for (`swebench dataset list`). */
export const KNOWN_DATASETS: readonly KnownDataset[] = [
  {
    name: "lite",
    id: "princeton-nlp/SWE-bench_Lite",
    splits: ["test", "dev"],
    contexts: ["none", "bm25-13k", "bm25-27k", "bm25-40k", "oracle"],
    description: "SWE-bench Lite: 300 test + 23 dev instances",
  },
  {
    name: "verified",
    id: "princeton-nlp/SWE-bench_Verified",
    splits: ["test"],
    contexts: ["none"],
    description: "SWE-bench Verified: 500 human-validated test instances",
  },
  {
    name: "full",
    id: "princeton-nlp/SWE-bench",
    splits: ["test", "dev", "train"],
    contexts: ["none", "bm25-13k", "bm25-27k", "bm25-40k", "oracle"],
    description: "SWE-bench: 2,294 test + 225 dev instances",
  },
  {
    name: "sample",
    id: "sample",
    splits: ["test"],
    contexts: ["none"],
    description: "5 SWE-bench Lite instances bundled with the tool (offline)",
  },
];

const CONTEXT_SUFFIX: Record<Exclude<ContextVariant, "none">, string> = {
  "bm25-13k": "_bm25_13K",
  "bm25-27k": "_bm25_27K",
  "bm25-40k": "_bm25_40K",
  "oracle": "_oracle",
};

/** Access details kept beside refs, not in them (so printing a ref never shows a token). */
const access = new WeakMap<DatasetRef, { token?: string; fetch?: typeof fetch }>();

const HF_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Resolve a dataset name: `lite` / `verified` / `full` (with `context` -> the retrieval variants
 * `princeton-nlp/SWE-bench_Lite_bm25_13K`, `..._oracle`, `princeton-nlp/SWE-bench_bm25_27K`, ...), any
 * Hugging Face id `org/name`, a local `.jsonl` / `.json` / `.parquet` path, or `sample`. No I/O.
 * Bad combinations (Verified with a retrieval context, unknown names) throw `usage` errors.
 *
 * @example
 * ```ts
 * import { resolveDataset } from "@swebench/runner/lib";
 * resolveDataset("full", { cacheDir: ".cache", context: "bm25-13k" }).id; // "princeton-nlp/SWE-bench_bm25_13K"
 * resolveDataset("./my.jsonl", { cacheDir: ".cache" }).kind; // "local"
 * ```
 */
export function resolveDataset(name: string, options: ResolveDatasetOptions): DatasetRef {
  const split = options.split ?? "test";
  const context = options.context ?? "none";
  if (!CONTEXT_VARIANTS.includes(context)) {
    throw new SwebenchError("usage", `Unknown --context "${context}"`, {
      hint: `Use one of: ${CONTEXT_VARIANTS.join(", ")}.`,
    });
  }
  if (!/^[A-Za-z0-9._-]+$/.test(split)) {
    throw new SwebenchError("usage", `Invalid --split "${split}"`, {
      hint: "Use test, dev or another split name.",
    });
  }
  const endpoint = (options.hfEndpoint || DEFAULT_HF_ENDPOINT).replace(/\/+$/, "");
  const base = { name, split, context, cacheDir: options.cacheDir, endpoint };
  const trimmed = name.trim();
  const lower = trimmed.toLowerCase();
  let ref: DatasetRef;
  const noContext = (what: string) => {
    if (context !== "none") {
      throw new SwebenchError("usage", `--context ${context} does not apply to ${what}`, {
        hint:
          "Retrieval variants exist for `lite` and `full` (-d lite --context oracle); for another dataset pass " +
          "its Hugging Face id directly and leave --context out.",
      });
    }
  };
  const ext = lower.match(/\.(jsonl|json|parquet)$/)?.[1] as "jsonl" | "json" | "parquet" | undefined;
  if (ext) {
    noContext(`a local file`);
    const file = trimmed.split(/[\\/]/).pop()!;
    ref = {
      ...base,
      kind: "local",
      path: trimmed,
      format: ext,
      label: file.replace(/\.(jsonl|json|parquet)$/i, ""),
    };
  } else if (lower === "sample") {
    noContext("the bundled sample");
    if (split !== "test") {
      throw new SwebenchError("usage", `The bundled sample has only the test split (got --split ${split})`, {
        hint: "Leave --split out, or use -d lite --split dev.",
      });
    }
    ref = { ...base, kind: "sample", label: "sample" };
  } else if (lower === "lite" || lower === "full" || lower === "verified") {
    const known = KNOWN_DATASETS.find((d) => d.name === lower)!;
    if (lower === "verified" && context !== "none") {
      throw new SwebenchError(
        "usage",
        `SWE-bench Verified has no retrieval variant "${context}" on Hugging Face (there is no ` +
          `princeton-nlp/SWE-bench_Verified${CONTEXT_SUFFIX[context]})`,
        {
          hint:
            "Use -d verified without --context (the prompt is built from the issue), or -d lite / -d full " +
            "with --context.",
        },
      );
    }
    const id = context === "none" ? known.id : `${known.id}${CONTEXT_SUFFIX[context]}`;
    ref = { ...base, kind: "hf", id, label: id.split("/")[1] };
  } else if (HF_ID.test(trimmed)) {
    noContext(`the Hugging Face dataset ${trimmed}`);
    ref = { ...base, kind: "hf", id: trimmed, label: trimmed.split("/")[1] };
  } else {
    throw new SwebenchError("usage", `Unknown dataset "${name}"`, {
      hint:
        "Use lite, verified, full, sample, a Hugging Face id (org/name) or a local file ending in .jsonl, " +
        ".json or .parquet (`swebench dataset list`).",
    });
  }
  access.set(ref, { token: options.hfToken, fetch: options.fetch });
  return ref;
}

/**
 * Options of {@linkcode loadInstances}, {@linkcode fetchDataset} and {@linkcode datasetInfo}; `tests: false` loads
 * the instances without their test fields (what a generation run reads).
 */
export interface LoadOptions extends ParseOptions {
  /** Overrides the token given to {@linkcode resolveDataset}. */
  hfToken?: string;
  /** Overrides the fetch given to {@linkcode resolveDataset}. */
  fetch?: typeof fetch;
  /** Aborts a download. */
  signal?: AbortSignal;
  /** Download progress. */
  onProgress?: (event: HfProgress) => void;
  /** Re-download even when cached (`dataset fetch --refresh`). */
  refresh?: boolean;
  /** Milliseconds to wait for each Hugging Face response's headers (default 30 000; 0 = no limit). */
  connectTimeoutMs?: number;
  /** Milliseconds a Hugging Face response body may stall (default 60 000; 0 = no limit). */
  idleTimeoutMs?: number;
}

/** What `swebench dataset fetch` reports. */
export interface FetchedDataset {
  /** Dataset id (HF id, local path or `sample`). */
  id: string;
  /** Split. */
  split: string;
  /** Files that hold the data (empty for the sample). */
  files: string[];
  /** Total bytes of those files. */
  sizeBytes: number;
  /** Directory (HF cache) or file (local) holding the data; null for the sample. */
  cachedPath: string | null;
  /** Nothing was downloaded. */
  fromCache: boolean;
}

/**
 * Make sure a dataset is available locally: download a Hugging Face split into the cache (or reuse it), check a
 * local file exists. For `swebench dataset fetch`.
 *
 * @example
 * ```ts ignore
 * import { fetchDataset, resolveDataset } from "@swebench/runner/lib";
 * const f = await fetchDataset(resolveDataset("lite", { cacheDir: "/tmp/cache" }));
 * console.log(f.cachedPath, f.sizeBytes, f.fromCache);
 * ```
 */
export async function fetchDataset(ref: DatasetRef, options: LoadOptions = {}): Promise<FetchedDataset> {
  if (ref.kind === "sample") {
    return { id: "sample", split: ref.split, files: [], sizeBytes: 0, cachedPath: null, fromCache: true };
  }
  if (ref.kind === "local") {
    const st = await statLocal(ref.path!);
    return {
      id: ref.path!,
      split: ref.split,
      files: [ref.path!],
      sizeBytes: st.size,
      cachedPath: ref.path!,
      fromCache: true,
    };
  }
  const acc = access.get(ref) ?? {};
  // The download code is loaded for a Hugging Face dataset only (a local file or the sample needs none of it).
  const { downloadSplit } = await import("./hf.ts");
  const split = await downloadSplit(ref.id!, ref.split, {
    cacheDir: ref.cacheDir,
    endpoint: ref.endpoint,
    token: options.hfToken ?? acc.token,
    fetch: options.fetch ?? acc.fetch,
    signal: options.signal,
    onProgress: options.onProgress,
    refresh: options.refresh,
    displayName: displayName(ref),
    connectTimeoutMs: options.connectTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
  });
  return {
    id: ref.id!,
    split: ref.split,
    files: split.files,
    sizeBytes: split.sizeBytes,
    cachedPath: split.dir,
    fromCache: split.fromCache,
  };
}

function displayName(ref: DatasetRef): string {
  const parts = [ref.name];
  if (ref.split !== "test") parts.push(`--split ${ref.split}`);
  if (ref.context !== "none") parts.push(`--context ${ref.context}`);
  return parts.join(" ");
}

/**
 * Load and validate every instance of a dataset (downloading a Hugging Face split first if it is not cached).
 * Each row is parsed once and held once. Malformed rows throw `usage` errors naming file and line (or row);
 * duplicate `instance_id`s are an error too (they would break resume).
 *
 * @example
 * ```ts
 * import { loadInstances, resolveDataset } from "@swebench/runner/lib";
 * const instances = await loadInstances(resolveDataset("sample", { cacheDir: "/tmp/cache" }));
 * console.log(instances.length); // 5
 * ```
 */
export async function loadInstances(ref: DatasetRef, options: LoadOptions = {}): Promise<SwebenchInstance[]> {
  const seen = new Map<string, string>();
  const out: SwebenchInstance[] = [];
  const add = (inst: SwebenchInstance, where: string) => {
    const first = seen.get(inst.instance_id);
    if (first !== undefined) {
      throw new SwebenchError(
        "usage",
        `${where}: duplicate instance_id "${inst.instance_id}" (first at ${first})`,
        {
          hint: "Each instance_id must appear once in a dataset: remove the duplicate row.",
        },
      );
    }
    seen.set(inst.instance_id, where);
    out.push(inst);
  };
  if (ref.kind === "sample") {
    const { SAMPLE_INSTANCES } = await import("./sample_data.ts");
    for (const inst of SAMPLE_INSTANCES) {
      const where = `sample (${inst.instance_id})`;
      add(parseInstance(structuredClone(inst), where, options), where);
    }
    return out;
  }
  if (ref.kind === "local") {
    await statLocal(ref.path!);
    if (ref.format === "jsonl") await readJsonl(ref.path!, add, options);
    else if (ref.format === "json") await readJsonFile(ref.path!, add, options);
    else await readParquet(ref.path!, add, options);
    return out;
  }
  const fetched = await fetchDataset(ref, options);
  for (const file of fetched.files) await readParquet(file, add, options);
  return out;
}

/** What `swebench dataset info` reports. */
export interface DatasetInfo {
  /** Dataset id (HF id, local path or `sample`). */
  id: string;
  /** Split. */
  split: string;
  /** Number of instances. */
  rows: number;
  /** Instances per repository. */
  repos: Record<string, number>;
  /** Bytes on disk. */
  sizeBytes: number;
  /** Where the data is (HF cache directory or local file); null for the sample. */
  cachedPath: string | null;
}

/**
 * Rows, repositories, size and location of a dataset (downloads a Hugging Face split if needed).
 *
 * @example
 * ```ts
 * import { datasetInfo, resolveDataset } from "@swebench/runner/lib";
 * const info = await datasetInfo(resolveDataset("sample", { cacheDir: "/tmp/cache" }));
 * console.log(info.rows, info.repos);
 * ```
 */
export async function datasetInfo(ref: DatasetRef, options: LoadOptions = {}): Promise<DatasetInfo> {
  const fetched = await fetchDataset(ref, options);
  const instances = await loadInstances(ref, options);
  const repos: Record<string, number> = {};
  for (const inst of instances) repos[inst.repo] = (repos[inst.repo] ?? 0) + 1;
  const sizeBytes = ref.kind === "sample"
    ? new TextEncoder().encode(JSON.stringify((await import("./sample_data.ts")).SAMPLE_INSTANCES)).length
    : fetched.sizeBytes;
  return {
    id: fetched.id,
    split: ref.split,
    rows: instances.length,
    repos,
    sizeBytes,
    cachedPath: fetched.cachedPath,
  };
}

/**
 * The cache directory a Hugging Face ref downloads to (whether or not it is there yet); undefined for others.
 *
 * @example
 * ```ts
 * import { datasetCacheDir, resolveDataset } from "@swebench/runner/lib";
 * datasetCacheDir(resolveDataset("lite", { cacheDir: "/c" })); // "/c/datasets/princeton-nlp__SWE-bench_Lite/test"
 * ```
 */
export function datasetCacheDir(ref: DatasetRef): string | undefined {
  return ref.kind === "hf" ? hfSplitDir(ref.cacheDir, ref.id!, ref.split) : undefined;
}

/**
 * True when a Hugging Face ref is fully cached (or the ref needs no download). No network.
 *
 * @example
 * ```ts ignore
 * import { isDatasetCached, resolveDataset } from "@swebench/runner/lib";
 * console.log(await isDatasetCached(resolveDataset("lite", { cacheDir: "/tmp/cache" })));
 * ```
 */
export async function isDatasetCached(ref: DatasetRef): Promise<boolean> {
  if (ref.kind !== "hf") return true;
  const { readCachedSplit } = await import("./hf.ts");
  return (await readCachedSplit(ref.cacheDir, ref.id!, ref.split)) !== undefined;
}
