/**
 * The `compare` action.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import type { RunSummary } from "../run/events.ts";
import type { RunPlan } from "../run/cost_plan.ts";
import { summarizeRunLog } from "../run/report.ts";
import { runBatch } from "../run/batch.ts";
import { readManifest, rowHashes } from "../swebench/manifest.ts";
import { defaultPredictionsPath } from "../swebench/predictions.ts";
import { readRunLog, type RunLogEntry, runLogPathFor, spendOf } from "../swebench/run_log.ts";
import { fileOf, guardOutputs, openOutputs, runOutputs, type RunSettings } from "./outputs.ts";
import { buildCall, parseFallbacks } from "./call_setup.ts";
import type { CompareFlags } from "./compare.ts";
import { configPath, loadConfig } from "./config.ts";
import { resolveTimeouts } from "./timeouts.ts";
import { datasetFiles, exitCodeOf, interruptHandlers, stopHint } from "./generate_action.ts";
import type { GlobalFlags } from "./options.ts";
import { info, out, style, ui } from "./output.ts";
import { createProgress, formatUsd } from "./progress.ts";
import { reportTable, writeHtmlReport } from "./report_action.ts";
import { comparabilityLines, judgeRuns, runSettingsOf } from "./run_comparability.ts";
import {
  apiPromptCounts,
  checkMaxTokens,
  confirmSpend,
  deprecationLine,
  describePlan,
  loadSelection,
  planFor,
  setupTarget,
  type Target,
} from "./run_setup.ts";
import { addSpends, checkPriced, createSharedBudget } from "./budget_setup.ts";
import { contextLine, contextReport } from "./context_advice.ts";

/** Run `compare`; returns the exit code. */
export async function compareAction(flags: CompareFlags, globals: GlobalFlags): Promise<number> {
  ui.json = !!flags.json;
  const config = await loadConfig(configPath(globals.config));
  const specs = parseFallbacks(flags.providers);
  if (specs.length < 2) {
    throw new SwebenchError("usage", "compare needs at least two provider:model entries", {
      hint: "Example: --providers openai:gpt-4o-mini,anthropic:claude-sonnet-5-5",
    });
  }
  const targets: Target[] = [];
  for (const s of specs) {
    targets.push(
      await setupTarget(s.provider, { config, model: s.model, requireKey: !flags.dryRun, timeouts: flags }),
    );
  }
  checkPriced(targets, flags.maxCost !== undefined);
  checkMaxTokens(targets, flags.maxTokens);
  const { ref, instances } = await loadSelection(flags, resolveTimeouts(flags, config));
  const codeContext = contextReport(ref, instances, {
    gold: targets.every((t) => t.resolved.kind === "gold"),
  });
  const label = (t: Target) => `${t.resolved.name}:${t.model}`;
  const outputs = targets.map((t) =>
    `${flags.outputDir}/${
      defaultPredictionsPath(t.resolved.kind === "gold" ? "gold" : t.model, ref.label, ref.split)
        .replace(/^predictions\//, "")
    }`
  );
  if (new Set(outputs).size !== outputs.length) {
    throw new SwebenchError("usage", "two entries of --providers would write the same predictions file", {
      hint: "Compare different models.",
    });
  }
  const rows = await rowHashes(instances);
  const settingsOf = (t: Target): RunSettings => ({
    temperature: flags.temperature,
    maxTokens: flags.maxTokens,
    ref,
    rows,
    chain: [t],
  });
  // Refused before anything is sent or written: a path not ours to write, a file holding another model or other
  // generation settings.
  const runs = [];
  for (const [i, t] of targets.entries()) {
    runs.push(
      await guardOutputs(runOutputs(outputs[i], [t], ref), settingsOf(t), {
        overwrite: !!flags.overwrite,
        protect: datasetFiles(ref),
      }),
    );
  }
  const counts = targets.map(() => new Map<string, number>());
  const plans: RunPlan[] = [];
  for (const [i, t] of targets.entries()) {
    const apiCounts = await apiPromptCounts(t, instances, { maxTokens: flags.maxTokens });
    plans.push(planFor(t, instances, { maxTokens: flags.maxTokens, counts: counts[i], apiCounts }));
  }
  const worst = plans.some((p, i) => p.worstUsd === undefined && !targets[i].free)
    ? undefined
    : plans.reduce((s, p) => s + (p.worstUsd ?? 0), 0);
  if (!flags.json || flags.dryRun) {
    for (const [i, t] of targets.entries()) {
      for (const l of describePlan(label(t), plans[i], 0)) info(l);
      const line = deprecationLine(t);
      if (line) info(line);
    }
    if (targets.some((t) => t.resolved.kind !== "gold")) info(contextLine(codeContext));
    info(
      `Total worst case: ${formatUsd(worst)}${
        flags.maxCost !== undefined ? `, budget ${formatUsd(flags.maxCost)}` : ""
      }`,
    );
  }
  if (flags.dryRun) {
    if (flags.json) {
      out(JSON.stringify(
        {
          dryRun: true,
          ...codeContext,
          models: targets.map((t, i) => ({ model: label(t), output: outputs[i], ...plans[i] })),
          worstUsd: worst ?? null,
        },
        null,
        2,
      ));
    } else out("Dry run: nothing sent.");
    return 0;
  }
  if (
    !await confirmSpend(worst, {
      yes: flags.yes,
      maxCost: flags.maxCost,
      free: targets.every((t) => t.free),
      json: flags.json,
    })
  ) {
    return 0;
  }
  // One budget for every model of the comparison, across runs: what earlier runs of these files spent counts.
  const before = [];
  for (const run of runs) {
    if (!flags.overwrite) {
      before.push(
        spendOf((await readRunLog(runLogPathFor(fileOf(run[0]))).catch(() => undefined))?.records ?? []),
      );
    }
  }
  const spentBefore = addSpends(before);
  const budget = createSharedBudget(flags.maxCost, spentBefore);
  const { controller, stopController, listen } = interruptHandlers();
  const stopListening = listen();
  const summaries: RunSummary[] = [];
  let code = 0;
  try {
    for (const [i, t] of targets.entries()) {
      if (!flags.json) info(style.bold(`\n== ${label(t)}`));
      const files = await openOutputs(runs[i], settingsOf(t), {
        overwrite: !!flags.overwrite,
        retryFailed: !!flags.retryFailed,
        protect: datasetFiles(ref),
      });
      const writer = files.primary;
      const progress = createProgress();
      try {
        const { call } = buildCall({ primary: t, fallbacks: [], flags: {}, budget, spentBefore });
        const s = await runBatch({
          instances,
          call,
          providerName: t.resolved.name,
          model: t.model,
          modelNameOrPath: t.resolved.kind === "gold" ? "gold" : t.model,
          writer,
          concurrency: flags.concurrency,
          maxTokens: flags.maxTokens,
          temperature: flags.temperature,
          stream: !!flags.stream,
          contextWindow: t.entry?.contextWindow,
          countTokens: t.countTokens,
          knownTokens: counts[i],
          includeGold: t.resolved.kind === "gold",
          signal: controller.signal,
          stopSignal: stopController.signal,
          onEvent: (e) => progress.onEvent(e),
          onAnswer: (a) => files.reported(`${a.provider}:${a.model}`, a.reportedModel),
          hintFor: (err) => stopHint([t], err),
          maxCostUsd: flags.maxCost,
        });
        summaries.push(s);
        const c = exitCodeOf(s);
        if (c !== 0 && (code === 0 || code === 4)) code = c;
        if (s.stoppedBy === "interrupted" || s.stoppedBy === "budget") break;
      } finally {
        progress.close();
        await files.close();
      }
    }
  } finally {
    stopListening();
  }
  const logs = outputs.slice(0, summaries.length).map((o) => `${o}.runlog.jsonl`);
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
        exitCode: code,
        ...codeContext,
        outputs,
        report: flags.report ?? null,
        comparability: judged,
        models: models.map(({ perInstance: _p, ...m }) => m),
        runs: summaries,
      },
      null,
      2,
    ));
  } else {
    for (const line of comparabilityLines(judged)) out(line);
    out(reportTable(models));
    if (flags.report) out(`Report: ${flags.report}`);
  }
  return code;
}
