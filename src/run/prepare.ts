/**
 * Preparing a run, in an order that sends nothing before every check passed: targets (providers, prices, token
 * counters) → prices for a budget → `--max-tokens` against every model → the selection → the predictions files
 * (paths ours to write, each file holding this model's predictions made with these settings). Then either a
 * read-only dry-run plan ({@linkcode planDryRun}), or the files opened ({@linkcode openRun}: locked, torn lines
 * repaired, manifests written), the budget across runs and the cost plans; {@linkcode executeRun} runs it.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import type { Budget } from "../resilience/budget.ts";
import { catalogWithOverrides, defaultCatalog } from "../providers/catalog.ts";
import type { DatasetRef } from "../swebench/datasets.ts";
import type { SwebenchInstance } from "../swebench/instance.ts";
import { rowHashes } from "../swebench/manifest.ts";
import { useTokenCountCache } from "../tokens/count_cache.ts";
import { defaultPredictionsPath, readPredictions } from "../swebench/predictions.ts";
import { readRunLog, runLogPathFor, type Spend, spendOf } from "../swebench/run_log.ts";
import { BATCH_PRICE_FACTOR, mayHaveJournal } from "../batch/basics.ts";
import type { ModelBatch } from "./batch_open.ts";
import { addSpends, checkPriced, createSharedBudget } from "./budget.ts";
import { apiPromptCounts, type CostPlan, planFor } from "./cost_plan.ts";
import {
  datasetFiles,
  fileOf,
  type GenerationContext,
  guardOutputs,
  type Notice,
  type OpenOutputs,
  openOutputs,
  type RunOutput,
  runOutputs,
} from "./outputs.ts";
import { loadSelection } from "./selection.ts";
import type { OutputSettings, RunSettings } from "./settings.ts";
import { checkMaxTokens, createTarget, labelOf, modelNameOf, type Target } from "./target.ts";

/** Listeners of {@linkcode prepareRun} and {@linkcode openRun}. */
export interface PrepareHooks {
  /** Notes and warnings on the files: a resume against another host, a torn line repaired, a writer warning. */
  onNotice?: (notice: Notice) => void;
}

/** Options of {@linkcode openRun}. */
export interface OpenOptions extends PrepareHooks {
  /**
   * When the plan is made. `first` (default): every prompt is counted (and Anthropic's counted by its API) before
   * `openRun` returns, so that a confirmation can show the exact cost first. `alongside`, for a run that needs no
   * confirmation: `openRun` counts nothing; `executeRun` starts the calls at once and counts the rest of the prompts
   * alongside them (each call reserves its budget on its own prompt's count; the plan, from the local tokenizer, is
   * handed over as a `plan` event when it is complete). Batch mode always plans first (a batch is paid whole).
   */
  plan?: "first" | "alongside";
}

/** One model of a prepared run. */
export interface PreparedModel {
  /** `provider:model`. */
  label: string;
  /** The model. */
  target: Target;
  /** The model and its fallback models, in order. */
  chain: Target[];
  /** Its predictions file, as given (messages name it). */
  output: string;
  /** One file per model of the chain (a fallback's answers go to its own file), checked. */
  outputs: RunOutput[];
  /** What its manifests record and a resumed file must match. */
  generation: GenerationContext;
  /** Instances in open batches of an earlier batch-mode run of its file (batch mode waits for them). */
  inOpenBatches: Set<string>;
}

/** A run checked and ready: nothing opened, nothing sent. */
export interface PreparedRun {
  /** What it was prepared from. */
  settings: RunSettings;
  /** The dataset. */
  dataset: DatasetRef;
  /** The selected instances (without their tests). */
  instances: SwebenchInstance[];
  /** The models, in order. */
  models: PreparedModel[];
}

/**
 * Check and prepare a run (see the module doc for the order). Throws the error of the first check that fails
 * (exit 2 for usage, 3 for config); nothing is written or sent.
 *
 * @example
 * ```ts ignore
 * import { executeRun, openRun, prepareRun } from "@swebench/runner/lib";
 * const prepared = await prepareRun(settings);
 * await using run = await openRun(prepared);
 * const outcome = await executeRun(run);
 * console.log(outcome.models[0].summary.ok, outcome.exitCode);
 * ```
 */
export async function prepareRun(settings: RunSettings, hooks: PrepareHooks = {}): Promise<PreparedRun> {
  // Batch mode: every provider has a batch API, no streaming, no fallback model (usage errors, nothing read). The
  // batch modules are loaded only for it, or for a file with a journal (issue 15 §5: a plain run's first request).
  if (settings.batch) (await import("./batch_open.ts")).checkBatchSettings(settings);
  const catalog = catalogWithOverrides(defaultCatalog(), settings.catalog ?? []);
  // Counts are cached on disk by (encoding, prompt hash): a dry run, the real run, resumes and compare count once.
  useTokenCountCache(`${settings.data.cacheDir}/token-counts`);
  const chains: Target[][] = [];
  for (const t of settings.targets) {
    // Counters are loaded when a count is needed (a plan, a budget): a run that needs none never loads the tables.
    const chain = [await createTarget(t.primary, catalog, { lazyCounter: true })];
    for (const f of t.fallbacks) chain.push(await createTarget(f, catalog, { lazyCounter: true }));
    chains.push(chain);
  }
  const all = chains.flat();
  checkPriced(all, settings.maxCostUsd !== undefined);
  checkMaxTokens(all, settings.request.maxTokens);
  const { ref, instances } = await loadSelection(settings.selection, settings.data);
  const paths = chains.map((chain, i) => outputPath(settings.output, chain[0], ref, i));
  if (new Set(paths).size !== paths.length) {
    throw new SwebenchError("usage", "two entries of --providers would write the same predictions file", {
      hint: "Compare different models.",
    });
  }
  const rows = await rowHashes(instances);
  const models: PreparedModel[] = [];
  // Refused before anything is sent or written: a path not ours to write, a file holding another model or other
  // generation settings.
  for (const [i, chain] of chains.entries()) {
    const generation: GenerationContext = {
      temperature: settings.request.temperature,
      maxTokens: settings.request.maxTokens,
      ref,
      rows,
      chain,
    };
    const outputs = await guardOutputs(runOutputs(paths[i], chain, ref), generation, {
      overwrite: settings.output.overwrite,
      protect: datasetFiles(ref),
      onNotice: hooks.onNotice,
    });
    // Instances in open batches of an earlier batch-mode run are never paid for again by a normal run, nor lost by
    // overwrite.
    const file = fileOf(outputs[0]);
    const inOpenBatches = await mayHaveJournal(file)
      ? await (await import("./batch_open.ts")).guardJournal(paths[i], file, {
        batch: settings.batch !== undefined,
        overwrite: settings.output.overwrite,
      })
      : new Set<string>();
    models.push({
      label: labelOf(chain[0]),
      target: chain[0],
      chain,
      output: paths[i],
      outputs,
      generation,
      inOpenBatches,
    });
  }
  return { settings, dataset: ref, instances, models };
}

/** The predictions file of a run's `index`-th model. */
function outputPath(o: OutputSettings, t: Target, ref: DatasetRef, index: number): string {
  if (index === 0 && o.path !== undefined) return o.path;
  const name = defaultPredictionsPath(modelNameOf(t), ref.label, ref.split);
  return o.dir === undefined ? name : `${o.dir}/${name.replace(/^predictions\//, "")}`;
}

/** The plan of one model in a dry run. */
export interface DryRunModel {
  /** `provider:model`. */
  label: string;
  /** Its predictions file. */
  output: string;
  /** Selected instances with a prediction already (0 with `--overwrite`). */
  alreadyDone: number;
  /** The cost plan of the rest. */
  plan: CostPlan;
}

/** A dry run's plan: what a run would send and cost; nothing opened, nothing written. */
export interface DryRunPlan {
  /** One plan per model. */
  models: DryRunModel[];
  /** The budget, with what earlier runs of the files spent (undefined without `maxCostUsd`). */
  budget?: Budget;
}

/**
 * Plan without opening anything: instances with a prediction count as done, earlier runs' spend (their run logs)
 * counts against the budget (neither with `overwrite`). Anthropic prompts are counted with `count_tokens` when a
 * key is set (free; nothing is generated).
 */
export async function planDryRun(prepared: PreparedRun): Promise<DryRunPlan> {
  const { settings, instances } = prepared;
  const overwrite = settings.output.overwrite;
  const before: Spend[] = [];
  const models: DryRunModel[] = [];
  for (const m of prepared.models) {
    const predicted = new Set<string>();
    for (const o of m.outputs) {
      for (const p of await readPredictions(o.path).catch(() => [])) predicted.add(p.instance_id);
      if (!overwrite) {
        before.push(
          spendOf((await readRunLog(runLogPathFor(fileOf(o))).catch(() => undefined))?.records ?? []),
        );
      }
    }
    // Batch mode: instances waiting in open batches of an earlier run are not planned again.
    for (const id of m.inOpenBatches) predicted.add(id);
    const todo = overwrite ? instances : instances.filter((i) => !predicted.has(i.instance_id));
    const maxTokens = settings.request.maxTokens;
    await m.target.loadCounter();
    const apiCounts = m.target.settings.kind === "gold"
      ? undefined
      : await apiPromptCounts(m.target, todo, { maxTokens });
    const plan = planFor(m.target, todo, { maxTokens, apiCounts });
    models.push({ label: m.label, output: m.output, alreadyDone: instances.length - todo.length, plan });
  }
  return {
    models,
    budget: createSharedBudget(settings.maxCostUsd, overwrite ? undefined : addSpends(before)),
  };
}

/** One model of an open run. */
export interface OpenModel extends PreparedModel {
  /** Its open files (the model's and each fallback's). */
  files: OpenOutputs;
  /** Selected instances not done in any of its files (resume). */
  todo: SwebenchInstance[];
  /** Selected instances done before this run. */
  alreadyDone: number;
  /** The cost plan of {@linkcode OpenModel.todo}; absent for the gold provider and when nothing is left to do. */
  plan?: CostPlan;
  /** The plan's prompt counts (instance id → tokens), reused by the run. */
  knownTokens: Map<string, number>;
  /** Batch mode: the journal, the batch API, the instances waiting in open batches (not in `todo`). */
  batch?: ModelBatch;
}

/** A run whose files are open (locked): execute it, then close it. */
export interface OpenRun extends AsyncDisposable {
  /** What was prepared. */
  prepared: PreparedRun;
  /** The models, in order. */
  models: OpenModel[];
  /** What earlier runs of every file of the run spent (their run logs; nothing with `overwrite`). */
  spentBefore: Spend;
  /** The run's budget (`maxCostUsd`), shared by every model, counting earlier runs; undefined without one. */
  budget?: Budget;
  /**
   * Worst-case USD of every plan together (batch mode: at batch prices); undefined when a paid model has no price,
   * and when the plans are made alongside the calls.
   */
  worstUsd?: number;
  /** Every model costs nothing (gold, a local server). */
  free: boolean;
  /** The plans are made alongside the calls (`executeRun`), not before: see {@linkcode OpenOptions.plan}. */
  planAlongside: boolean;
  /** Close every file (waits for manifest writes; releases the locks). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Open the files of a prepared run (one lock per file; a torn last line left by a crash is repaired and said),
 * book what earlier runs spent, and plan the cost of what is left to do (or leave the plan to `executeRun`:
 * {@linkcode OpenOptions.plan}). The files stay open until
 * {@linkcode OpenRun.close}; on an error here they are closed again.
 */
export async function openRun(prepared: PreparedRun, hooks: OpenOptions = {}): Promise<OpenRun> {
  const { settings, instances } = prepared;
  const alongside = hooks.plan === "alongside" && settings.batch === undefined;
  const opened: OpenOutputs[] = [];
  const close = async () => {
    for (const f of opened.splice(0)) await f.close();
  };
  try {
    const models: OpenModel[] = [];
    for (const m of prepared.models) {
      const files = await openOutputs(m.outputs, m.generation, {
        overwrite: settings.output.overwrite,
        retryFailed: settings.output.retryFailed,
        protect: datasetFiles(prepared.dataset),
        onNotice: hooks.onNotice,
      });
      opened.push(files);
      models.push({ ...m, files, todo: [], alreadyDone: 0, knownTokens: new Map() });
    }
    // --max-cost covers every run of these files: what earlier runs spent (their run logs) is booked from the start.
    const spentBefore = addSpends(
      models.flatMap((m) => [...m.files.writers.values()].map((w) => w.priorSpend)),
    );
    const budget = createSharedBudget(settings.maxCostUsd, spentBefore);
    for (const m of models) {
      const writers = [...m.files.writers.values()];
      m.todo = instances.filter((i) => !writers.some((w) => w.done.has(i.instance_id)));
      m.alreadyDone = instances.length - m.todo.length;
      if (settings.batch) {
        const { openModelBatch } = await import("./batch_open.ts");
        m.batch = await openModelBatch(m.target, fileOf(m.outputs[0]), settings, m.files.primary.runLogPath);
        const waiting = m.batch.waiting;
        // Results written before a crash kept their batch from being journaled collected: not waiting any more.
        for (const id of waiting) if (writers.some((w) => w.predicted.has(id))) waiting.delete(id);
        m.todo = m.todo.filter((i) => !waiting.has(i.instance_id));
      }
      if (m.target.settings.kind !== "gold" && m.todo.length > 0 && !alongside) {
        await m.target.loadCounter();
        const maxTokens = settings.request.maxTokens;
        const apiCounts = await apiPromptCounts(m.target, m.todo, { maxTokens });
        m.plan = planFor(m.target, m.todo, { maxTokens, counts: m.knownTokens, apiCounts });
      }
    }
    const unpriced = models.some((m) => m.plan && m.plan.worstUsd === undefined && !m.target.free);
    return {
      prepared,
      models,
      spentBefore,
      budget,
      worstUsd: alongside || unpriced
        ? undefined
        : models.reduce((s, m) => s + (m.plan?.worstUsd ?? 0), 0) * (settings.batch ? BATCH_PRICE_FACTOR : 1),
      free: models.every((m) => m.target.free),
      planAlongside: alongside,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
