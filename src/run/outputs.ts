/**
 * The predictions files of a run: one per model (the run's model and each fallback model, its default name in the
 * same directory), each with its run log and manifest; the resume guard that refuses another model's or other
 * settings' predictions in a file; manifests kept up to date as answers arrive.
 *
 * @module
 */
import denoJson from "../../deno.json" with { type: "json" };
import { SwebenchError } from "../core/mod.ts";
import type { ModelOutput } from "./record.ts";
import type { DatasetRef } from "../swebench/datasets.ts";
import {
  generationDifferences,
  type GenerationSettings,
  MANIFEST_VERSION,
  manifestPathFor,
  readManifest,
  rowsDigest,
  type RunManifest,
  settingsMismatchError,
  sha256Hex,
  writeManifest,
} from "../swebench/manifest.ts";
import {
  checkPredictionsPath,
  defaultPredictionsPath,
  openPredictions,
  type OpenPredictionsOptions,
  type PredictionsWriter,
  readPredictions,
} from "../swebench/predictions.ts";
import { sendsTemperature, specOf } from "../providers/registry.ts";
import { PROMPT_TEMPLATE_VERSION, promptTemplateText } from "../swebench/prompt.ts";
import { labelOf, modelNameOf, type Target } from "./target.ts";

/** A note or a warning about the files of a run, for the user (the CLI prints it on stderr). */
export interface Notice {
  /** `warning` for something to act on, `info` for a note. */
  level: "info" | "warning";
  /** One line. */
  message: string;
}

/** The dataset's local file, which a predictions path must never name. */
export function datasetFiles(ref: DatasetRef): { path: string; what: string }[] {
  return ref.kind === "local" && ref.path ? [{ path: ref.path, what: "dataset file" }] : [];
}

/** One model's predictions file in a run. */
export interface RunOutput {
  /** `provider:model`. */
  label: string;
  /** The model. */
  target: Target;
  /** Predictions file path, as given (messages name it). */
  path: string;
  /** The file it names (symlinks followed): its run log and manifest sit beside it. Set by `guardOutputs`. */
  file?: string;
  /** `model_name_or_path` of its lines. */
  modelNameOrPath: string;
  /** The run's model's file, or a fallback model's. */
  role: "primary" | "fallback";
}

/** The settings a run applies, besides the target (what a manifest records). */
export interface GenerationContext {
  /** Sampling temperature asked for. */
  temperature: number;
  /** Max output tokens per call. */
  maxTokens: number;
  /** The dataset. */
  ref: DatasetRef;
  /** Short row hashes of the selection. */
  rows: Record<string, string>;
  /** Every target of the run, the run's model first. */
  chain: readonly Target[];
}

/**
 * The files of a run: the primary's at `primaryPath`, each fallback's at its default name in the same directory
 * (a fallback with the primary's model name shares the primary's file).
 */
export function runOutputs(primaryPath: string, targets: readonly Target[], ref: DatasetRef): RunOutput[] {
  const dir = primaryPath.includes("/") ? primaryPath.slice(0, primaryPath.lastIndexOf("/") + 1) : "";
  return targets.map((target, i) => {
    const name = modelNameOf(target);
    const path = i === 0 || name === modelNameOf(targets[0])
      ? primaryPath
      : dir + defaultPredictionsPath(name, ref.label, ref.split).replace(/^predictions\//, "");
    return {
      label: labelOf(target),
      target,
      path,
      modelNameOrPath: name,
      role: i === 0 ? "primary" : "fallback",
    };
  });
}

let templateHash: Promise<string> | undefined;

/** The generation settings of one target under a run's settings. */
export async function generationOf(target: Target, s: GenerationContext): Promise<GenerationSettings> {
  templateHash ??= sha256Hex(promptTemplateText());
  return {
    provider: target.settings.name,
    model: target.model,
    // What reaches the model: none for the gold echo and for models that refuse sampling parameters.
    temperature: sendsTemperature(target.settings.kind, pricedModel(target), target.settings.settings)
      ? s.temperature
      : null,
    maxTokens: s.maxTokens,
    stop: null,
    promptTemplate: { version: PROMPT_TEMPLATE_VERSION, sha256: await templateHash },
    context: s.ref.context,
    dataset: s.ref.id ?? s.ref.path?.split("/").pop() ?? s.ref.name,
    split: s.ref.split,
  };
}

/** The model whose rules apply to a target: its `priceAs` model (an Azure deployment's), else the model itself. */
function pricedModel(target: Target): string {
  return target.settings.priceAs ?? target.model;
}

/** Notes on how the settings were applied to a target (for its manifest). */
function notesOf(target: Target, s: GenerationContext): { notes?: string[] } {
  const kind = target.settings.kind;
  if (
    specOf(kind)?.offline === true || sendsTemperature(kind, pricedModel(target), target.settings.settings)
  ) {
    return {};
  }
  return {
    notes: [`temperature ${s.temperature} was asked for and not sent: ${target.model} does not accept it`],
  };
}

function baseUrlHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * Refuse, before any file is touched, a path that is not ours to write (see `checkPredictionsPath`), and a resume
 * that would put another model's predictions or predictions made with other generation settings into a file
 * (exit 2, naming each setting). `--overwrite` skips the settings check. Returns the outputs with their checked
 * paths (symlinks followed).
 */
export async function guardOutputs(
  outputs: readonly RunOutput[],
  s: GenerationContext,
  flags: {
    overwrite: boolean;
    protect?: OpenPredictionsOptions["protect"];
    onNotice?: (notice: Notice) => void;
  },
): Promise<RunOutput[]> {
  const checked: RunOutput[] = [];
  for (const o of outputs) {
    const { file } = await checkPredictionsPath(o.path, { protect: flags.protect });
    checked.push({ ...o, file });
  }
  for (const o of unique(checked)) {
    // A file at the manifest's place that is not a manifest is refused here, untouched.
    const manifest = await readManifest(fileOf(o));
    if (flags.overwrite) continue;
    const lines = await readPredictions(o.path).catch(() => []);
    if (lines.length === 0) continue;
    const others = [...new Set(lines.map((l) => l.model_name_or_path))].filter((m) =>
      m !== o.modelNameOrPath
    );
    if (others.length > 0) {
      throw new SwebenchError(
        "usage",
        `${o.path} holds predictions of ${others.join(", ")}, not ${o.modelNameOrPath}`,
        {
          hint: "One predictions file holds one model: choose another -o, or --overwrite to start fresh.",
        },
      );
    }
    if (manifest === undefined) continue;
    const diffs = generationDifferences(manifest, await generationOf(o.target, s), s.rows);
    if (diffs.length > 0) throw settingsMismatchError(o.path, diffs);
    const host = baseUrlHost(o.target.settings.baseUrl);
    if (manifest.endpoint?.baseUrlHost && manifest.endpoint.baseUrlHost !== host) {
      flags.onNotice?.({
        level: "info",
        message:
          `note: ${o.path} was started against ${manifest.endpoint.baseUrlHost}; this run sends to ${host}`,
      });
    }
  }
  return checked;
}

/** The real file of an output (its run log and manifest sit beside it). */
export function fileOf(o: RunOutput): string {
  return o.file ?? o.path;
}

function unique(outputs: readonly RunOutput[]): RunOutput[] {
  const seen = new Set<string>();
  return outputs.filter((o) => !seen.has(o.path) && seen.add(o.path));
}

/** The open files of a run. */
export interface OpenOutputs {
  /** The run's model's writer. */
  primary: PredictionsWriter;
  /** Fallback answers by `provider:model` (for the runner). */
  fallbacks: Map<string, ModelOutput>;
  /** Writers by path. */
  writers: Map<string, PredictionsWriter>;
  /** Record the model id an API reported (updates that file's manifest once per new id). */
  reported(label: string, reportedModel: string): void;
  /** Wait for manifest writes, close every file; remove the manifests of fallback files nobody wrote. Once. */
  close(): Promise<void>;
}

/**
 * Open every output of a run (fallback files are removed again at close when no answer needed them) and write
 * their manifests.
 */
export async function openOutputs(
  outputs: readonly RunOutput[],
  s: GenerationContext,
  flags: {
    overwrite: boolean;
    retryFailed: boolean;
    protect?: OpenPredictionsOptions["protect"];
    onNotice?: (notice: Notice) => void;
  },
): Promise<OpenOutputs> {
  const writers = new Map<string, PredictionsWriter>();
  const manifests = new Map<string, RunManifest>();
  const now = new Date().toISOString();
  const notice = (level: Notice["level"], message: string) => flags.onNotice?.({ level, message });
  try {
    for (const o of unique(outputs)) {
      const writer = await openPredictions(o.path, {
        overwrite: flags.overwrite,
        retryFailed: flags.retryFailed,
        removeIfUnused: o.role === "fallback",
        protect: flags.protect,
      });
      writers.set(o.path, writer);
      for (const w of writer.warnings) notice("warning", w);
      if (writer.repairs.predictions || writer.repairs.runLog) {
        notice(
          "info",
          `repaired a torn last line left by an earlier crash (${
            writer.repairs.predictions + writer.repairs.runLog
          } bytes)`,
        );
      }
      const old = writer.fresh ? undefined : await readManifest(fileOf(o));
      if (!writer.fresh && old === undefined && o.role === "primary") {
        notice(
          "info",
          `note: ${o.path} has no manifest (written by an older version?); recording this run's settings`,
        );
      }
      const hashes = { ...(old?.rows?.hashes ?? {}), ...s.rows };
      const manifest: RunManifest = {
        manifestVersion: MANIFEST_VERSION,
        tool: { name: denoJson.name, version: denoJson.version },
        predictions: o.path.split("/").pop()!,
        modelNameOrPath: o.modelNameOrPath,
        role: o.role,
        ...(o.role === "fallback" ? { fallbackFor: outputs[0].label } : {}),
        endpoint: { kind: o.target.settings.kind, baseUrlHost: baseUrlHost(o.target.settings.baseUrl) },
        reportedModels: old?.reportedModels ?? [],
        generation: await generationOf(o.target, s),
        ...notesOf(o.target, s),
        rows: { count: Object.keys(hashes).length, sha256: await rowsDigest(hashes), hashes },
        fallbackChain: s.chain.map(labelOf),
        ...(o.role === "primary" && outputs.length > 1
          ? {
            fallbackFiles: Object.fromEntries(
              outputs.slice(1).map((f) => [f.label, f.path.split("/").pop()!]),
            ),
          }
          : {}),
        createdAt: old?.createdAt ?? now,
        updatedAt: now,
        runs: [...(old?.runs ?? []), { startedAt: now, selected: Object.keys(s.rows).length }],
      };
      manifests.set(o.path, manifest);
      await writeManifest(fileOf(o), manifest);
    }
  } catch (e) {
    for (const w of writers.values()) await w.close().catch(() => {});
    throw e;
  }
  const byLabel = new Map(outputs.map((o) => [o.label, o]));
  const fallbacks = new Map<string, ModelOutput>();
  for (const o of outputs.slice(1)) {
    fallbacks.set(o.label, { writer: writers.get(o.path)!, modelNameOrPath: o.modelNameOrPath });
  }
  let pending: Promise<unknown> = Promise.resolve();
  let closed: Promise<void> | undefined;
  return {
    primary: writers.get(outputs[0].path)!,
    fallbacks,
    writers,
    reported(label, reportedModel) {
      const o = byLabel.get(label);
      const m = o && manifests.get(o.path);
      if (!o || !m || m.reportedModels.includes(reportedModel)) return;
      m.reportedModels.push(reportedModel);
      m.updatedAt = new Date().toISOString();
      const snapshot = structuredClone(m);
      pending = pending.then(() => writeManifest(fileOf(o), snapshot)).catch((e) =>
        notice("warning", (e as Error).message)
      );
    },
    close() {
      closed ??= (async () => {
        await pending;
        for (const o of unique(outputs)) {
          const w = writers.get(o.path)!;
          await w.close();
          if (w.removed) await Deno.remove(manifestPathFor(fileOf(o))).catch(() => {});
        }
      })();
      return closed;
    },
  };
}
