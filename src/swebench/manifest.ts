/**
 * The manifest beside a predictions file (`<predictions>.manifest.json`): what produced the predictions — tool
 * version, provider and model (and the model ids the API reported), base URL host, the generation settings,
 * dataset and a hash of its rows, the fallback chain — and the resume guard that refuses to add predictions made
 * with other generation settings to the same file.
 *
 * Generation settings (a difference refuses a resume): provider, model, temperature, max tokens, stop sequences,
 * prompt template (version and hash), context variant, dataset and split, and the content of every row already
 * in the file that the new run selects again. Everything else may change between runs of one file: the instances
 * selected (a bigger `-n`, another shard), concurrency, rate limits, budget, streaming, the fallback chain (a
 * fallback's answers go to its own file) and the base URL host (recorded; a change is reported, not refused).
 *
 * @module
 */
import { SwebenchError } from "../core/errors.ts";
import type { SwebenchInstance } from "./instance.ts";

/** Version of the manifest format. */
export const MANIFEST_VERSION = 1;

/**
 * The settings that decide what a model is asked, and so what a prediction means.
 *
 * @example
 * ```ts
 * import type { GenerationSettings } from "@swebench/runner/lib";
 * const g: GenerationSettings = {
 *   provider: "openai", model: "gpt-4o-mini", temperature: 0, maxTokens: 4096, stop: null,
 *   promptTemplate: { version: "1", sha256: "ab12..." }, context: "none", dataset: "princeton-nlp/SWE-bench_Lite",
 *   split: "test",
 * };
 * ```
 */
export interface GenerationSettings {
  /** Provider name (`openai`, `anthropic`, a configured name). */
  provider: string;
  /** Model id requested. */
  model: string;
  /** Sampling temperature asked for (`null`: none). */
  temperature: number | null;
  /** Max output tokens per call. */
  maxTokens: number;
  /** Stop sequences (`null`: none). */
  stop: string[] | null;
  /** Prompt template version and the SHA-256 of its text. */
  promptTemplate: { version: string; sha256: string };
  /** Retrieval context variant (`none`, `bm25-13k`, `oracle`, ...). */
  context: string;
  /** Dataset id (Hugging Face id, `sample`, or the local file's name). */
  dataset: string;
  /** Dataset split. */
  split: string;
}

/**
 * The manifest of one predictions file.
 *
 * @example
 * ```ts ignore
 * import { readManifest } from "@swebench/runner/lib";
 * const m = await readManifest("predictions/gpt-4o-mini__SWE-bench_Lite__test.jsonl");
 * console.log(m?.generation.temperature, m?.reportedModels);
 * ```
 */
export interface RunManifest {
  /** Format version ({@linkcode MANIFEST_VERSION}). */
  manifestVersion: number;
  /** The tool that wrote the predictions. */
  tool: { name: string; version: string };
  /** The predictions file's name (the manifest sits beside it). */
  predictions: string;
  /** `model_name_or_path` of every line of the file. */
  modelNameOrPath: string;
  /** `primary`: the run's model; `fallback`: a model that answered when the run's model could not. */
  role: "primary" | "fallback";
  /** For a fallback's file: the run's `provider:model` it stood in for. */
  fallbackFor?: string;
  /** Provider kind (wire protocol) and the host of its base URL (never credentials). */
  endpoint: { kind: string; baseUrlHost: string };
  /** Model ids the API reported in its answers (e.g. a dated snapshot), in order of first appearance. */
  reportedModels: string[];
  /** What decides the answers (see the module documentation). */
  generation: GenerationSettings;
  /** Notes on how settings were applied (e.g. a temperature the model does not accept was not sent). */
  notes?: string[];
  /** The dataset rows behind the file: how many, a SHA-256 over their hashes, and one short hash per row. */
  rows: { count: number; sha256: string; hashes: Record<string, string> };
  /** The fallback chain of the run, `provider:model`, the run's model first. */
  fallbackChain: string[];
  /** For the run's file: the predictions file of each fallback model (`provider:model` -> file name). */
  fallbackFiles?: Record<string, string>;
  /** When the file was started and last resumed (ISO). */
  createdAt: string;
  /** Last update (ISO). */
  updatedAt: string;
  /** One entry per run into the file: when, and how many instances it selected. */
  runs: { startedAt: string; selected: number }[];
}

/** One generation setting that differs between a file and a run. */
export interface SettingDifference {
  /** Human name of the setting (`temperature`, `max tokens`, ...). */
  setting: string;
  /** Value recorded in the file's manifest. */
  file: string;
  /** Value of this run. */
  run: string;
}

/**
 * The manifest beside a predictions file: `<predictions>.manifest.json`.
 *
 * @example
 * ```ts
 * import { manifestPathFor } from "@swebench/runner/lib";
 * manifestPathFor("predictions/a.jsonl"); // "predictions/a.jsonl.manifest.json"
 * ```
 */
export function manifestPathFor(predictionsPath: string): string {
  return `${predictionsPath}.manifest.json`;
}

/** Lowercase hex of bytes. */
function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += (b < 16 ? "0" : "") + b.toString(16);
  return out;
}

/** Lowercase hex SHA-256 of a text. */
export async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** What {@linkcode rowHash} hashes: the fields an instance contributes to its prompt, as a JSON array. */
function rowHashInput(inst: SwebenchInstance): string {
  return JSON.stringify([
    inst.instance_id,
    inst.repo,
    inst.base_commit,
    inst.problem_statement,
    inst.hints_text ?? "",
    inst.text ?? "",
  ]);
}

/** The row hash of a digest: its first 8 bytes in hex. */
function shortHash(digest: ArrayBuffer): string {
  return hex(new Uint8Array(digest, 0, 8));
}

/**
 * A short hash (16 hex digits of SHA-256) of what an instance contributes to its prompt: id, repository, base
 * commit, problem statement, hints and a ready `text` prompt.
 *
 * @example
 * ```ts
 * import { rowHash, SAMPLE_INSTANCES } from "@swebench/runner/lib";
 * const h = await rowHash(SAMPLE_INSTANCES[0]);
 * console.log(h.length); // 16
 * ```
 */
export async function rowHash(inst: SwebenchInstance): Promise<string> {
  return shortHash(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(rowHashInput(inst))));
}

/** Digests in flight in {@linkcode rowHashes}: they run off the main thread while it encodes the next rows. */
const HASHES_IN_FLIGHT = 8;

/**
 * Row hashes of a selection (instance id -> {@linkcode rowHash}). Several digests at a time (Web Crypto's run off
 * the main thread): a few milliseconds less for 300 rows than one after the other.
 */
export async function rowHashes(instances: readonly SwebenchInstance[]): Promise<Record<string, string>> {
  const hashes = new Array<string>(instances.length);
  let next = 0;
  const worker = async () => {
    while (next < instances.length) {
      const i = next++;
      hashes[i] = await rowHash(instances[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASHES_IN_FLIGHT, instances.length) }, worker));
  const out: Record<string, string> = {};
  for (let i = 0; i < instances.length; i++) out[instances[i].instance_id] = hashes[i];
  return out;
}

/** SHA-256 over a row-hash map (sorted by id), so equal row sets have equal hashes. */
export async function rowsDigest(hashes: Record<string, string>): Promise<string> {
  const lines = Object.keys(hashes).sort().map((id) => `${id} ${hashes[id]}`);
  return await sha256Hex(lines.join("\n"));
}

/**
 * Read the manifest beside a predictions file; `undefined` when there is none. A manifest that cannot be read as
 * one is a usage error naming the file.
 */
export async function readManifest(predictionsPath: string): Promise<RunManifest | undefined> {
  const path = manifestPathFor(predictionsPath);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new SwebenchError("usage", `cannot read ${path} as a manifest: ${(e as Error).message}`, {
      cause: e,
      hint:
        "The manifest beside the predictions must be a file swebench wrote: move that path away, or use another -o.",
    });
  }
  try {
    const m = JSON.parse(text);
    if (typeof m !== "object" || m === null || typeof m.generation !== "object" || m.generation === null) {
      throw new Error("no generation settings");
    }
    return m as RunManifest;
  } catch (e) {
    throw new SwebenchError(
      "usage",
      `${path} is not a manifest written by swebench: ${(e as Error).message}`,
      {
        hint:
          "It was left untouched: move it away (the predictions beside it are then resumed without a settings " +
          "check), or write to another file with -o.",
      },
    );
  }
}

/** Write a manifest atomically (temporary file, then rename) beside its predictions file. */
export async function writeManifest(predictionsPath: string, manifest: RunManifest): Promise<void> {
  const path = manifestPathFor(predictionsPath);
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeTextFile(tmp, JSON.stringify(manifest, null, 2) + "\n");
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new SwebenchError("unexpected", `Could not write ${path}: ${(e as Error).message}`, {
      cause: e,
      hint: "Check the disk (space, permissions) and the -o path.",
    });
  }
}

const show = (v: unknown): string => v === null || v === undefined ? "none" : JSON.stringify(v);

/**
 * The generation settings in which a run differs from a file's manifest, including rows selected again whose
 * content changed. Empty when the run may resume into the file.
 *
 * @example
 * ```ts
 * import { generationDifferences, type GenerationSettings } from "@swebench/runner/lib";
 * const a: GenerationSettings = {
 *   provider: "openai", model: "gpt-4o-mini", temperature: 0, maxTokens: 4096, stop: null,
 *   promptTemplate: { version: "1", sha256: "x" }, context: "none", dataset: "sample", split: "test",
 * };
 * generationDifferences({ generation: a, rows: { hashes: {} } }, { ...a, temperature: 0.8 }, {});
 * // [{ setting: "temperature", file: "0", run: "0.8" }]
 * ```
 */
export function generationDifferences(
  file: Pick<RunManifest, "generation"> & { rows?: Pick<RunManifest["rows"], "hashes"> },
  run: GenerationSettings,
  runRows: Record<string, string>,
): SettingDifference[] {
  const g = file.generation;
  const diffs: SettingDifference[] = [];
  const check = (setting: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a ?? null) !== JSON.stringify(b ?? null)) {
      diffs.push({ setting, file: show(a), run: show(b) });
    }
  };
  check("provider", g.provider, run.provider);
  check("model", g.model, run.model);
  check("temperature", g.temperature, run.temperature);
  check("max tokens", g.maxTokens, run.maxTokens);
  check("stop sequences", g.stop, run.stop);
  check("prompt template version", g.promptTemplate?.version, run.promptTemplate.version);
  if (g.promptTemplate?.version === run.promptTemplate.version) {
    check("prompt template hash", g.promptTemplate?.sha256, run.promptTemplate.sha256);
  }
  check("context", g.context, run.context);
  check("dataset", g.dataset, run.dataset);
  check("split", g.split, run.split);
  const changed = Object.keys(runRows).filter((id) => {
    const before = file.rows?.hashes?.[id];
    return before !== undefined && before !== runRows[id];
  });
  if (changed.length > 0) {
    diffs.push({
      setting: "dataset rows",
      file: `${changed.length} row(s) had other content (first: ${changed[0]})`,
      run: "changed",
    });
  }
  return diffs;
}

/**
 * The usage error (exit 2) for a resume into a file made with other generation settings, naming each setting.
 */
export function settingsMismatchError(path: string, diffs: readonly SettingDifference[]): SwebenchError {
  const lines = diffs.map((d) =>
    d.setting === "dataset rows"
      ? `  dataset rows: ${d.file}`
      : `  ${d.setting}: ${d.file} in the file, ${d.run} now`
  );
  return new SwebenchError(
    "usage",
    `${path} was made with other generation settings:\n${lines.join("\n")}`,
    {
      hint:
        "Resuming would mix two settings in one predictions file: run again with the file's settings, write to " +
        "another file with -o, or start the file over with --overwrite.",
    },
  );
}
