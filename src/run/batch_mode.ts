/**
 * The batch mode of a run (`RunSettings.batch`; `generate --batch`, `compare --batch`): each model's instances
 * through its provider's batch API instead of one call each, written to the same predictions files, run logs and
 * manifests, with the same summaries.
 *
 * - `checkBatchSettings` (`batch_open.ts`, in `prepareRun`, before anything is read): every model's provider has a
 *   batch API; no streaming, no fallback models.
 * - `openModelBatch` (`batch_open.ts`, in `openRun`): the journal beside each predictions file, a submission a
 *   killed run left `submitting` settled (adopted or dropped), the instances waiting in open batches taken out of
 *   the plan.
 * - {@linkcode executeBatchRun} (`executeRun` in batch mode): `maxCostUsd` must cover every model's batch worst case
 *   (plus open batches and earlier spend) before anything is submitted; then one batch per model (split to the API's
 *   limits, each journaled before its create is sent), then each model's batches waited for and collected in turn.
 *
 * A stop (`stopSignal` or `signal`) ends the waiting, not the batches: the error says how to resume (the same
 * command) or cancel. The models collected before it were handed to `onModelOutcome`; {@linkcode openBatchesOf}
 * names the batches left waiting.
 *
 * @module
 */
import { BATCH_PRICE_FACTOR } from "../batch/basics.ts";
import { batchCost } from "../batch/cost.ts";
import { type BatchRequest, collectOpenBatches, submitRequests } from "../batch/session.ts";
import type { BatchInfo } from "../batch/types.ts";
import { type ErrorKind, SwebenchError, toSwebenchError } from "../core/mod.ts";
import { formatUsd } from "../core/format.ts";
import { noResilienceStats } from "../resilience/resilient_call.ts";
import { manifestPathFor } from "../swebench/manifest.ts";
import { buildPrompt } from "../swebench/prompt.ts";
import { batchResultKey, writeBatchResult } from "./batch_record.ts";
import { reservationFor } from "./cost_plan.ts";
import type { RunSummary } from "./events.ts";
import type { ModelBatch } from "./batch_open.ts";
import type { BatchModeSettings } from "./settings.ts";
import type { ExecuteHooks, ModelOutcome, RunOutcome } from "./outcome.ts";
import { fileOf } from "./outputs.ts";
import type { OpenModel, OpenRun } from "./prepare.ts";
import { recordBase, skippedRecord } from "./record.ts";
import { emptyTally, Tallier } from "./tally.ts";
import { labelOf, modelNameOf } from "./target.ts";

/** The worst case of a model's plan at batch prices (undefined when unpriced; 0 with nothing to submit). */
export function batchWorstOf(m: Pick<OpenModel, "plan">): number | undefined {
  if (!m.plan) return 0;
  return m.plan.worstUsd === undefined ? undefined : m.plan.worstUsd * BATCH_PRICE_FACTOR;
}

/**
 * `maxCostUsd` against everything the batches may cost, before anything is submitted: a batch is paid whole, so
 * what earlier runs spent, the open batches' worst case and every model's new batches' worst case must fit.
 */
function checkBatchBudget(run: OpenRun): void {
  const max = run.prepared.settings.maxCostUsd;
  if (max === undefined) return;
  const submitting = run.models.filter((m) => m.plan);
  const worst = submitting.reduce<number | undefined>(
    (s, m) => (s === undefined || batchWorstOf(m) === undefined ? undefined : s + batchWorstOf(m)!),
    0,
  );
  const open = run.models.reduce((s, m) => s + (m.batch?.openWorstUsd ?? 0), 0);
  const before = run.spentBefore.usd;
  if (before + open + (worst ?? Infinity) <= max) return;
  const whose = submitting.length > 1
    ? `the ${submitting.length} models' batches' worst case`
    : "the batch's worst case";
  throw new SwebenchError(
    "budget",
    `${whose} (${formatUsd(worst)}) would pass --max-cost ${formatUsd(max)}` +
      (before > 0 || open > 0
        ? ` with ${formatUsd(before)} spent before${open > 0 ? `, ${formatUsd(open)} in open batches` : ""}`
        : "") +
      ": nothing was submitted",
    {
      hint: "A batch is paid whole, so --max-cost must cover its worst case: raise it, or select fewer " +
        "instances (-n, --filter), or lower --max-tokens.",
    },
  );
}

/**
 * The message of a batch run that stopped waiting: the batches keep running; how to resume or cancel.
 *
 * @example
 * ```ts
 * import { keepRunningLines } from "./batch_mode.ts";
 * keepRunningLines([{ output: "p.jsonl", ids: ["batch_1"] }]).length; // 2
 * ```
 */
export function keepRunningLines(open: readonly { output: string; ids: readonly string[] }[]): string[] {
  const ids = open.flatMap((o) => o.ids);
  const them = ids.length === 1 ? "it" : "them";
  return [
    `The ${ids.length === 1 ? "batch keeps" : `${ids.length} batches keep`} running at the provider${
      ids.length > 0 ? ` (${ids.join(", ")})` : ""
    }: nothing is lost.`,
    `Re-run the same command to wait for and collect ${them}; ${
      open.map((o) => `\`swebench batch cancel ${o.output}\``).join(", ")
    } cancels ${them}.`,
  ];
}

/** A model's batches still open at the provider when a batch run stopped waiting (see {@linkcode openBatchesOf}). */
export interface OpenBatches {
  /** `provider:model`. */
  label: string;
  /** Its predictions file (what `swebench batch cancel` takes). */
  output: string;
  /** Its batch journal. */
  journal: string;
  /** The open batches' ids. */
  ids: string[];
  /** Instances in those batches whose results are not written yet. */
  instances: number;
}

/**
 * The models of a batch run with batches not collected yet (submitted and journaled, results not written), in run
 * order; models with none are left out. What an interrupted batch run leaves waiting at the providers.
 *
 * @example
 * ```ts ignore
 * import { openBatchesOf } from "./batch_mode.ts";
 * for (const o of openBatchesOf(run.models)) console.log(`${o.label}: waiting in ${o.ids.join(", ")}`);
 * ```
 */
export function openBatchesOf(models: readonly OpenModel[]): OpenBatches[] {
  return models.flatMap((m) => {
    if (!m.batch) return [];
    const open = m.batch.store.journal.submissions.filter((s) => s.state !== "collected" && s.batchId);
    const batch = m.batch;
    const instances = new Set(
      open.flatMap((s) =>
        s.ids.filter(([customId, id]) => !resultWritten(m, batch, s.batchId!, customId, id)).map(([, id]) =>
          id
        )
      ),
    );
    return open.length === 0 ? [] : [{
      label: m.label,
      output: m.output,
      journal: m.batch.store.path,
      ids: open.map((s) => s.batchId!),
      instances: instances.size,
    }];
  });
}

/**
 * Whether a batch result is already written (a collection cut short by a crash): an answer by its prediction line,
 * a failure by its run-log record for that batch.
 */
function resultWritten(
  m: OpenModel,
  batch: ModelBatch,
  batchId: string,
  customId: string,
  id: string,
): boolean {
  return m.files.primary.predicted.has(id) || batch.logged.has(batchResultKey(batchId, customId));
}

/** One model between its requests being built and its batches collected. */
interface ModelState {
  m: OpenModel & { batch: ModelBatch };
  requests: BatchRequest[];
  summary: RunSummary;
  tally: Tallier<RunSummary>;
}

/** Build a model's requests (prompts fitted as a call's; a prompt that does not fit is a skipped record). */
async function requestsOf(
  m: OpenModel & { batch: ModelBatch },
  run: OpenRun,
): Promise<ModelState> {
  const { settings, instances } = run.prepared;
  const { maxTokens, temperature } = settings.request;
  const writer = m.files.primary;
  const summary: RunSummary = {
    ...emptyTally(),
    selected: instances.length,
    alreadyDone: m.alreadyDone,
    attempted: 0,
    notStarted: 0,
    requeued: 0,
    answersByModel: {},
    costUnknown: false,
    retries: 0,
    wallMs: 0,
    maxCostUsd: settings.maxCostUsd,
  };
  // The summary's outcome, token, cost and latency figures are the tally of the records written, as in a normal run.
  const tally = new Tallier(summary);
  const requests: BatchRequest[] = [];
  const reserve = reservationFor(m.target);
  for (const inst of m.plan ? m.todo : []) {
    const prompt = buildPrompt(inst, {
      contextWindow: m.target.entry?.contextWindow,
      maxTokens,
      countTokens: m.target.countTokens,
      knownTokens: m.knownTokens.get(inst.instance_id),
    });
    if ("skipped" in prompt) {
      const record = skippedRecord(
        recordBase(inst.instance_id, m.target.settings.name, m.target.model),
        prompt.skipped,
      );
      await writer.writeRunLog(record);
      tally.outcome(record);
      continue;
    }
    const worst = reserve(prompt.promptTokens, maxTokens);
    requests.push({
      instanceId: inst.instance_id,
      request: { model: m.target.model, system: prompt.system, prompt: prompt.user, maxTokens, temperature },
      ...(worst === undefined ? {} : { worstUsd: worst * BATCH_PRICE_FACTOR }),
    });
  }
  summary.attempted = requests.length + [...m.batch.waiting].filter((id) => !writer.predicted.has(id)).length;
  return { m, requests, summary, tally };
}

/**
 * `executeRun` in batch mode (see the module doc). Throws `budget` (nothing submitted) when the worst case passes
 * `maxCostUsd`, and `interrupted` when the wait was stopped (the batches keep running; the message says how to
 * resume or cancel).
 */
export async function executeBatchRun(run: OpenRun, hooks: ExecuteHooks = {}): Promise<RunOutcome> {
  const started = performance.now();
  const mode = run.prepared.settings.batch ?? {};
  const models = run.models.map((m) => {
    if (!m.batch) throw new SwebenchError("usage", `${m.label}: the run was not opened in batch mode`);
    return m as OpenModel & { batch: ModelBatch };
  });
  checkBatchBudget(run);
  const stops = [hooks.stopSignal, hooks.signal].filter((s): s is AbortSignal => s !== undefined);
  const signal = stops.length === 0 ? undefined : stops.length === 1 ? stops[0] : AbortSignal.any(stops);
  const states: ModelState[] = [];
  for (const m of models) states.push(await requestsOf(m, run));
  // One batch per model (more when the API's limits require), every model submitted before any is waited for, so
  // that they run side by side at the providers.
  for (const { m, requests } of states) {
    if (signal?.aborted) break;
    await submitRequests(m.batch.api, m.batch.store, requests, {
      signal,
      onSubmitted: (b, index, of) => {
        const sub = m.batch.store.journal.submissions.find((s) => s.batchId === b.id);
        hooks.onEvent?.({
          type: "batch-submitted",
          batch: b,
          requests: sub?.requests ?? 0,
          bytes: sub?.bytes ?? 0,
          index,
          of,
        }, m);
      },
    });
  }
  const outcomes: ModelOutcome[] = [];
  let exitCode = 0;
  for (const [index, state] of states.entries()) {
    const { m, summary, tally } = state;
    hooks.onModelStart?.(m, index);
    let batches: BatchInfo[] = [];
    try {
      batches = await collectModel(state, { signal, poll: mode, hooks, started });
    } catch (e) {
      const err = toSwebenchError(e);
      if (err.kind === "interrupted" || signal?.aborted) {
        throw new SwebenchError("interrupted", "interrupted: stopped waiting for the batches", {
          hint: keepRunningLines(openBatchesOf(models)).join("\n"),
        });
      }
      throw err;
    } finally {
      hooks.onModelEnd?.(m, index);
      await m.files.close();
    }
    summary.answersByModel = summary.ok > 0 ? { [labelOf(m.target)]: summary.ok } : {};
    tally.finish();
    summary.costUnknown = tally.unpriced > 0;
    summary.wallMs = performance.now() - started;
    hooks.onEvent?.({ type: "run-end", summary }, m);
    const outcome: ModelOutcome = {
      label: m.label,
      output: m.output,
      runLog: m.files.primary.runLogPath,
      manifest: manifestPathFor(fileOf(m.outputs[0])),
      predictionFiles: { [m.label]: m.output },
      summary,
      resilience: noResilienceStats(),
      batch: {
        journal: m.batch.store.path,
        priceFactor: BATCH_PRICE_FACTOR,
        resumed: m.batch.waiting.size,
        batches,
      },
    };
    outcomes.push(outcome);
    hooks.onModelOutcome?.(outcome, m, index);
    const code = summary.failed > 0 ? 4 : 0;
    if (code !== 0 && exitCode === 0) exitCode = code;
  }
  return { models: outcomes, exitCode };
}

/** Wait for a model's open batches (progress as events) and write each result; returns its batches as last seen. */
async function collectModel(
  { m, tally }: ModelState,
  options: { signal?: AbortSignal; poll: BatchModeSettings; hooks: ExecuteHooks; started: number },
): Promise<BatchInfo[]> {
  const { target } = m;
  const writer = m.files.primary;
  let last: BatchInfo[] = [];
  const cost = (model: string, usage: Parameters<typeof batchCost>[1]) =>
    batchCost(target.catalog.lookup(model, target.settings.kind) ?? target.entry, usage);
  await collectOpenBatches(m.batch.api, m.batch.store, {
    signal: options.signal,
    initialMs: options.poll.pollInitialMs,
    maxMs: options.poll.pollMaxMs,
    onUpdate: (batches) => {
      last = batches;
      options.hooks.onEvent?.({
        type: "batch-update",
        batches,
        elapsedMs: performance.now() - options.started,
      }, m);
    },
    onError: (e, waitMs) =>
      options.hooks.onEvent?.({ type: "batch-poll-error", message: e.message, waitMs }, m),
    // Results already written (a collection cut short by a crash) are not written again: an answer by its
    // prediction line, a failure by its run-log record for that batch.
    isDone: (id, { batchId, customId }) => resultWritten(m, m.batch, batchId, customId, id),
    onResult: async (r, batch) => {
      const record = await writeBatchResult(
        {
          provider: target.settings.name,
          model: target.model,
          modelNameOrPath: modelNameOf(target),
          writer,
          cost,
        },
        r,
        batch,
      );
      m.batch.logged.add(batchResultKey(batch.id, r.result.customId));
      tally.outcome(record);
      tally.spend(record);
      if (record.reportedModel) m.files.reported(labelOf(target), record.reportedModel);
      options.hooks.onEvent?.({
        type: "instance-done",
        instanceId: record.instance_id,
        status: record.status,
        patchStatus: record.patchStatus,
        costUsd: record.costUsd,
        usage: record.usage,
        latencyMs: record.latencyMs,
        ...(record.error ? { errorKind: record.error.kind as ErrorKind, message: record.error.message } : {}),
      }, m);
    },
  });
  return last;
}
