/**
 * The `compare` action: flags → settings (several models, one budget) → {@linkcode prepareRun} → plans →
 * confirm → {@linkcode executeRun} (each model in turn) → the side-by-side table of their run logs.
 *
 * @module
 */
import { BATCH_PRICE_FACTOR } from "../batch/basics.ts";
import { planCostColumns } from "../batch/plan_cost.ts";
import { isSwebenchError, SwebenchError } from "../core/mod.ts";
import { type OpenBatches, openBatchesOf } from "../run/batch_mode.ts";
import { planFor } from "../run/cost_plan.ts";
import { executeRun, type ModelOutcome, type RunOutcome } from "../run/execute.ts";
import { fileOf } from "../run/outputs.ts";
import { openRun, planDryRun, prepareRun } from "../run/prepare.ts";
import { summarizeRunLog } from "../run/report.ts";
import type { RunSettings } from "../run/settings.ts";
import type { Target } from "../run/target.ts";
import { readManifest } from "../swebench/manifest.ts";
import { readRunLog, type RunLogEntry } from "../swebench/run_log.ts";
import { type ConfigFile, configPath, loadConfig } from "./config.ts";
import { confirmSpend } from "./confirm.ts";
import { contextLine, contextReport } from "./context_advice.ts";
import { interruptHandlers } from "./interrupt.ts";
import type { GlobalFlags } from "./options.ts";
import { commandLine, info, out, printNotice, style, ui } from "./output.ts";
import { createProgress, formatUsd, type ProgressRenderer } from "./progress.ts";
import {
  batchBudget,
  batchBudgetLine,
  batchDoc,
  batchLines,
  batchPlanLines,
  createBatchProgress,
  waitingDoc,
  waitingLines,
} from "./render/batch.ts";
import { describePlan, targetLines } from "./render/plan.ts";
import { describeBatchPlan } from "./batch_plan.ts";
import { reportTable, writeHtmlReport } from "./render/report.ts";
import { comparabilityLines, judgeRuns, runSettingsOf } from "./run_comparability.ts";
import { parseFallbacks, providerSettings, type RunFlags, runSettings } from "./settings.ts";
import type { CostPlan } from "../run/cost_plan.ts";

/** Parsed `compare` flags (the action declares them: it never imports its command's definition). */
export interface CompareFlags extends RunFlags {
  providers: string[];
  outputDir: string;
  dryRun?: true;
  yes?: true;
  overwrite?: true;
  retryFailed?: true;
  report?: string;
  json?: true;
}

/** The settings of a `compare` run: each model alone (no fallbacks), one budget, files in --output-dir. */
function compareSettings(flags: CompareFlags, config: ConfigFile): RunSettings {
  const specs = parseFallbacks(flags.providers);
  if (specs.length < 2) {
    throw new SwebenchError("usage", "compare needs at least two provider:model entries", {
      hint: "Example: --providers openai:gpt-4o-mini,anthropic:claude-sonnet-5-5",
    });
  }
  return runSettings(
    flags,
    config,
    specs.map((s) => ({
      primary: providerSettings(s.provider, {
        config,
        model: s.model,
        requireKey: !flags.dryRun,
        timeouts: flags,
        flags,
      }),
      fallbacks: [],
    })),
    { dir: flags.outputDir, overwrite: !!flags.overwrite, retryFailed: !!flags.retryFailed },
  );
}

/** The plans of a comparison (stderr), and the total worst case (undefined when a paid model has no price). */
function printPlans(
  models: readonly {
    label: string;
    target: Target;
    plan?: CostPlan;
    alreadyDone: number;
    lines?: string[];
  }[],
  codeContext: ReturnType<typeof contextReport>,
  options: { maxCost?: number; batch?: boolean; temperature: number },
): number | undefined {
  for (const m of models) {
    const lines = m.lines ??
      (!m.plan
        ? []
        : options.batch
        ? describeBatchPlan(m.label, m.plan, m.alreadyDone)
        : describePlan(m.label, m.plan, m.alreadyDone));
    for (const l of lines) info(l);
    for (const line of targetLines(m.target, options.temperature)) info(line);
  }
  if (models.some((m) => m.target.settings.kind !== "gold")) info(contextLine(codeContext));
  const worst = totalWorst(models, options.batch);
  info(
    `Total worst case${options.batch ? " (batch prices)" : ""}: ${formatUsd(worst)}${
      options.maxCost !== undefined ? `, budget ${formatUsd(options.maxCost)}` : ""
    }`,
  );
  return worst;
}

function totalWorst(
  models: readonly { target: Target; plan?: CostPlan }[],
  batch?: boolean,
): number | undefined {
  const factor = batch ? BATCH_PRICE_FACTOR : 1;
  return models.some((m) => m.plan && m.plan.worstUsd === undefined && !m.target.free)
    ? undefined
    : models.reduce((s, m) => s + (m.plan?.worstUsd ?? 0) * factor, 0);
}

/** Run `compare`; returns the exit code. */
export async function compareAction(flags: CompareFlags, globals: GlobalFlags): Promise<number> {
  ui.json = !!flags.json;
  const config = await loadConfig(configPath(globals.config));
  const prepared = await prepareRun(compareSettings(flags, config), { onNotice: printNotice });
  const { dataset: ref, instances } = prepared;
  const codeContext = contextReport(ref, instances, {
    gold: prepared.models.every((m) => m.target.settings.kind === "gold"),
  });
  const outputs = prepared.models.map((m) => m.output);
  if (flags.dryRun) {
    const dry = await planDryRun(prepared);
    const models = dry.models.map((d, i) => ({ ...d, target: prepared.models[i].target }));
    const worst = printPlans(models, codeContext, {
      maxCost: flags.maxCost,
      batch: flags.batch,
      temperature: flags.temperature,
    });
    if (flags.json) {
      out(JSON.stringify(
        {
          dryRun: true,
          ...codeContext,
          models: models.map((m) => ({
            model: m.label,
            output: m.output,
            alreadyDone: m.alreadyDone,
            ...m.plan,
            ...(flags.batch ? { batch: planCostColumns(m.plan) } : {}),
          })),
          worstUsd: worst ?? null,
        },
        null,
        2,
      ));
    } else out("Dry run: nothing sent.");
    return 0;
  }
  const { controller, stopController, listen } = interruptHandlers(flags.batch ? { batch: true } : {});
  const stopListening = listen();
  let outcome: RunOutcome;
  let spentBefore = 0;
  // Batch mode: a stopped wait throws; the models collected before it were handed over one by one, and the batches
  // still open are read from the journals before the run closes.
  const collected: ModelOutcome[] = [];
  let stopped: { error: SwebenchError; open: OpenBatches[] } | undefined;
  try {
    await using run = await openRun(prepared, { onNotice: printNotice });
    spentBefore = run.spentBefore.usd;
    // Batch mode plans only what is submitted now (instances waiting in open batches are collected, not paid again).
    const plans = run.models.map((m) => ({
      ...m,
      plan: m.plan ??
        (m.batch?.waiting.size ? undefined : planFor(m.target, m.todo, { maxTokens: flags.maxTokens })),
      lines: flags.batch ? batchPlanLines(m, { named: true }) : undefined,
    }));
    if (!flags.json) {
      printPlans(plans, codeContext, {
        maxCost: flags.maxCost,
        batch: flags.batch,
        temperature: flags.temperature,
      });
    }
    if (
      !await confirmSpend(totalWorst(plans, flags.batch), {
        yes: flags.yes,
        maxCost: flags.maxCost,
        free: run.free,
        json: flags.json,
      })
    ) {
      return 0;
    }
    let progress: ProgressRenderer | undefined;
    try {
      outcome = await executeRun(run, {
        signal: controller.signal,
        stopSignal: stopController.signal,
        onModelStart: (m) => {
          if (!flags.json) info(style.bold(`\n== ${m.label}`));
          progress = flags.batch ? createBatchProgress({ json: flags.json }) : createProgress();
        },
        onEvent: (e, m) => {
          // Batch mode: every model's batch is submitted (and named) before any is waited for.
          if (e.type === "batch-submitted") {
            createBatchProgress({ json: flags.json, label: m.label }).onEvent(e);
          } else progress?.onEvent(e);
        },
        onModelEnd: () => progress?.close(),
        onModelOutcome: (o) => collected.push(o),
      });
    } catch (e) {
      if (!flags.batch || !isSwebenchError(e, "interrupted")) throw e;
      stopped = { error: e, open: openBatchesOf(run.models) };
      outcome = { models: collected, exitCode: e.exitCode };
    }
  } finally {
    stopListening();
  }
  const summaries = outcome.models.map((m) => m.summary);
  const budget = flags.batch
    ? batchBudget(flags.maxCost, spentBefore, summaries.reduce((s, x) => s + x.costUsd, 0))
    : undefined;
  const code = outcome.exitCode;
  const runs = prepared.models.map((m) => m.outputs);
  // Every model of an interrupted batch run was submitted: each one's run log holds what it has so far.
  const logs = outputs.slice(0, stopped ? outputs.length : summaries.length).map((o) => `${o}.runlog.jsonl`);
  const records: RunLogEntry[] = [];
  for (const log of logs) records.push(...(await readRunLog(log)).records);
  const ids = new Set(instances.map((x) => x.instance_id));
  const models = summarizeRunLog(records.filter((r) => ids.has(r.instance_id)));
  const settings = [];
  for (const [i, log] of logs.entries()) {
    settings.push(runSettingsOf(log, await readManifest(fileOf(runs[i][0])).catch(() => undefined)));
  }
  const judged = judgeRuns(settings);
  if (flags.report) {
    await writeHtmlReport(flags.report, models, {
      title: `compare: ${ref.label} (${ref.split})`,
      warnings: judged.warnings,
    });
  }
  if (flags.json) {
    out(JSON.stringify(
      {
        // An interrupted batch run: the error document it printed before the table was added, then the table.
        ...(stopped ? { error: stopped.error.toJSON() } : {}),
        exitCode: code,
        ...codeContext,
        outputs,
        report: flags.report ?? null,
        comparability: judged,
        models: models.map(({ perInstance: _p, ...m }) => m),
        runs: summaries,
        ...(flags.batch ? { batches: outcome.models.map((m) => ({ model: m.label, ...batchDoc(m) })) } : {}),
        ...(stopped ? { waiting: waitingDoc(stopped.open, commandLine()) } : {}),
        ...(budget ? { budget } : {}),
      },
      null,
      2,
    ));
  } else {
    for (const line of comparabilityLines(judged)) out(line);
    out(reportTable(models));
    for (const m of outcome.models) for (const l of batchLines(m)) out(`${m.label}: ${l}`);
    if (stopped) { for (const l of waitingLines(stopped.open, commandLine())) out(l); }
    if (budget) out(batchBudgetLine(budget, "these files"));
    if (flags.report) out(`Report: ${flags.report}`);
  }
  return code;
}
