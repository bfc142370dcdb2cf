/**
 * The `generate` action: flags → settings → {@linkcode prepareRun} → plan (and `--dry-run`) → confirm →
 * {@linkcode executeRun} → summary.
 *
 * @module
 */
import { executeRun } from "../run/execute.ts";
import { openRun, planDryRun, prepareRun } from "../run/prepare.ts";
import type { RunSettings } from "../run/settings.ts";
import { deprecations, labelOf, type Target, unpriced } from "../run/target.ts";
import { hasBatchApi } from "../batch/basics.ts";
import type { CostPlan } from "../run/cost_plan.ts";
import { configPath, loadConfig } from "./config.ts";
import { confirmSpend } from "./confirm.ts";
import { contextLine, contextReport } from "./context_advice.ts";
import type { GenerateFlags } from "./generate.ts";
import { interruptHandlers } from "./interrupt.ts";
import type { GlobalFlags } from "./options.ts";
import { env } from "./env.ts";
import { info, out, printNotice, ui } from "./output.ts";
import { createProgress, type ProgressRenderer } from "./progress.ts";
import {
  describeCountedPlan,
  describeEarlierSpend,
  describePlan,
  describeStartedPlan,
  targetLines,
  unpricedCostLine,
} from "./render/plan.ts";
import { resilienceLines } from "./render/resilience.ts";
import { printSummary } from "./render/summary.ts";
import { parseFallbacks, providerSettings, runSettings } from "./settings.ts";

/** The settings of a `generate` run (a missing key fails here, exit 3, unless `--dry-run`). */
function generateSettings(flags: GenerateFlags, config: Awaited<ReturnType<typeof loadConfig>>): RunSettings {
  const providerName = flags.provider ?? env("SWEBENCH_PROVIDER") ?? config.defaultProvider ?? "gold";
  // A batch has no second model: --fallback is refused with --batch (by the run layer), the config file's chain is
  // not used.
  const fallbackSpecs = parseFallbacks(
    flags.batch ? flags.fallback ?? [] : flags.fallback ?? config.fallback ?? [],
  );
  // Every target is resolved (and its key checked) before anything is sent; a dry run sends nothing, so it needs
  // no key.
  const primary = providerSettings(providerName, {
    config,
    model: flags.model,
    baseUrl: flags.baseUrl,
    primary: true,
    requireKey: !flags.dryRun,
    timeouts: flags,
    rpm: flags.rpm,
    tpm: flags.tpm,
    flags,
  });
  const fallbacks = fallbackSpecs.map((f) =>
    // With --batch a fallback is refused before any key matters.
    providerSettings(f.provider, {
      config,
      model: f.model,
      requireKey: !flags.dryRun && !flags.batch,
      timeouts: flags,
      flags,
    })
  );
  return runSettings(flags, config, [{ primary, fallbacks }], {
    path: flags.output,
    overwrite: !!flags.overwrite,
    retryFailed: !!flags.retryFailed,
  });
}

/** Every model of the run (and its fallbacks) costs nothing (gold, a local server): no confirmation is needed. */
function isFree(prepared: Awaited<ReturnType<typeof prepareRun>>): boolean {
  return prepared.models.every((m) => m.chain.every((t) => t.free));
}

/**
 * For a normal run of a provider with a batch API: what `--batch` would cost (`batchOfferLine`); undefined for one
 * without, or unpriced. The batch modules are loaded only here, when a plan is shown (issue 15 §5: a plain run's
 * first request does not wait for them).
 */
async function offerLine(target: Target, plan: CostPlan): Promise<string | undefined> {
  if (!hasBatchApi(target.settings)) return undefined;
  return (await import("./batch_plan.ts")).batchOfferLine(plan);
}

/** Run `generate`; returns the exit code. */
export async function runGenerate(flags: GenerateFlags, globals: GlobalFlags): Promise<number> {
  ui.json = !!flags.json;
  const config = await loadConfig(configPath(globals.config));
  const settings = generateSettings(flags, config);
  // One file per model (a fallback's answers go to its own). Nothing is written, and nothing sent, when a path is
  // not ours to write or a file holds another model or other generation settings.
  const prepared = await prepareRun(settings, { onNotice: printNotice });
  const [model] = prepared.models;
  const { target, chain, output } = model;
  const isGold = target.settings.kind === "gold";
  const codeContext = contextReport(prepared.dataset, prepared.instances, { gold: isGold });

  if (flags.dryRun) {
    const dry = await planDryRun(prepared);
    // Instances in open batches of an earlier --batch run are not planned again (they count as done).
    const { plan, alreadyDone } = dry.models[0];
    const doc = {
      dryRun: true,
      provider: target.settings.name,
      model: target.model,
      dataset: prepared.dataset.label,
      split: prepared.dataset.split,
      selected: prepared.instances.length,
      alreadyDone,
      output,
      maxCostUsd: flags.maxCost ?? null,
      spentBeforeUsd: dry.budget?.spentBeforeUsd ?? null,
      ...codeContext,
      ...plan,
      deprecations: deprecations(chain),
    };
    const withBatch = hasBatchApi(target.settings)
      ? { batch: (await import("../batch/plan_cost.ts")).planCostColumns(plan) }
      : {};
    if (flags.json) out(JSON.stringify({ ...doc, ...withBatch }, null, 2));
    else {
      if (flags.batch) {
        const { describeBatchPlan } = await import("./batch_plan.ts");
        for (const l of describeBatchPlan(labelOf(target), plan, doc.alreadyDone)) out(l);
      } else {
        for (const l of describePlan(labelOf(target), plan, doc.alreadyDone)) out(l);
        const offer = await offerLine(target, plan);
        if (offer) out(offer);
      }
      for (const t of chain) for (const line of targetLines(t, flags.temperature)) out(line);
      if (!isGold) out(contextLine(codeContext));
      const earlier = describeEarlierSpend(dry.budget, output);
      if (earlier) out(earlier);
      out(`  predictions: ${output}`);
      out("Dry run: nothing sent.");
    }
    return 0;
  }

  // From here on the files are locked: SIGINT, SIGTERM and SIGHUP stop the run cleanly (files closed, lock
  // released).
  const { controller, stopController, listen } = interruptHandlers(flags.batch ? { batch: true } : {});
  const stopListening = listen();
  try {
    // Batch mode's rendering (and through it the batch runner) is loaded only for it.
    const batchUi = flags.batch ? await import("./render/batch.ts") : undefined;
    // Without a confirmation to show (-y, --max-cost, a free model) the calls start at once and the prompts are
    // counted alongside them (issue 15 §1); a confirmation shows the exact plan first.
    const why = flags.yes
      ? "-y"
      : flags.maxCost !== undefined
      ? "--max-cost"
      : isFree(prepared)
      ? "free"
      : undefined;
    await using run = await openRun(prepared, {
      onNotice: printNotice,
      plan: why !== undefined && !flags.batch ? "alongside" : "first",
    });
    const [opened] = run.models;
    const { plan } = opened;
    const startsAtOnce = run.planAlongside && opened.todo.length > 0 && !isGold;
    if (batchUi) {
      // Batch mode: the plan with both prices (or the batches of an earlier run being waited for).
      if (!flags.json) { for (const l of batchUi.batchPlanLines(opened)) info(l); }
    } else if (plan && !flags.json) {
      for (const l of describePlan(labelOf(target), plan, opened.alreadyDone)) info(l);
      const offer = await offerLine(target, plan);
      if (offer) info(offer);
    } else if (startsAtOnce && !flags.json) {
      info(describeStartedPlan(labelOf(target), opened.todo.length, opened.alreadyDone, why!));
      // An unpriced model's cost line needs no count: said at once, not only with the plan counted alongside.
      if (unpriced(target)) info(unpricedCostLine());
    }
    if ((plan || startsAtOnce) && !flags.json) {
      for (const t of chain) for (const line of targetLines(t, flags.temperature)) info(line);
      info(contextLine(codeContext));
      const earlier = describeEarlierSpend(run.budget, output);
      if (earlier) info(earlier);
    }
    if (plan) {
      const go = await confirmSpend(run.worstUsd, {
        yes: flags.yes,
        maxCost: flags.maxCost,
        free: run.free,
        json: flags.json,
      });
      if (!go) return 0;
    }
    // Batch mode: the submissions are shown as they happen, before the wait starts.
    let progress: ProgressRenderer | undefined = batchUi?.createBatchProgress({ json: flags.json });
    const outcome = await executeRun(run, {
      signal: controller.signal,
      stopSignal: stopController.signal,
      onModelStart: () => progress ??= createProgress(),
      onEvent: (e) =>
        e.type === "plan"
          ? progress?.onEvent({
            type: "notice",
            message: describeCountedPlan(labelOf(target), e.plan).join("\n"),
          })
          : progress?.onEvent(e),
      onModelEnd: () => progress?.close(),
    });
    const [result] = outcome.models;
    const { summary } = result;
    if (startsAtOnce && run.models[0].plan === undefined && summary.attempted > 0 && !flags.json) {
      // The count yields to the calls (it runs while the run waits for answers): a fast server can finish first.
      info("plan: not counted (the calls ended first)");
    }
    const resilience = { lines: resilienceLines(result.resilience), stats: result.resilience };
    const budget = batchUi?.batchBudget(flags.maxCost, run.spentBefore.usd, summary.costUsd);
    if (flags.json) {
      out(
        JSON.stringify(
          {
            output,
            runLog: result.runLog,
            manifest: result.manifest,
            predictionFiles: result.predictionFiles,
            exitCode: outcome.exitCode,
            ...codeContext,
            ...(flags.batch ? {} : { deprecations: deprecations(chain) }),
            ...summary,
            ...(batchUi
              ? { batch: batchUi.batchDoc(result), ...(budget ? { budget } : {}) }
              : { resilience }),
          },
          null,
          2,
        ),
      );
    } else if (batchUi) {
      printSummary(summary, output, result.runLog, {}, { batch: true });
      batchUi.printBatchLines(result);
      if (budget) out(batchUi.batchBudgetLine(budget));
    } else {
      printSummary(summary, output, result.runLog, result.predictionFiles);
      for (const line of resilience.lines) out(line);
    }
    return outcome.exitCode;
  } finally {
    stopListening();
  }
}
