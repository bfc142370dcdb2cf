/**
 * The `generate` action: resolve settings, load and select instances, plan, confirm, run, summarise.
 *
 * @module
 */
import { ERROR_KINDS, SwebenchError } from "../core/mod.ts";
import type { RunSummary } from "../run/events.ts";
import type { DatasetRef } from "../swebench/datasets.ts";
import { runBatch } from "../run/batch.ts";
import { manifestPathFor, rowHashes } from "../swebench/manifest.ts";
import { defaultPredictionsPath, readPredictions } from "../swebench/predictions.ts";
import { readRunLog, runLogPathFor, spendOf } from "../swebench/run_log.ts";
import {
  fileOf,
  guardOutputs,
  labelOf,
  modelNameOf,
  openOutputs,
  runOutputs,
  type RunSettings,
} from "./outputs.ts";
import { authHint, configPath, loadConfig } from "./config.ts";
import { resolveTimeouts } from "./timeouts.ts";
import { env } from "./env.ts";
import type { GenerateFlags } from "./generate.ts";
import type { GlobalFlags } from "./options.ts";
import { info, out, plural, style, ui } from "./output.ts";
import { createProgress, formatDuration, formatUsd } from "./progress.ts";
import { buildCall, parseFallbacks } from "./call_setup.ts";
import { addSpends, checkPriced, createSharedBudget, describeEarlierSpend } from "./budget_setup.ts";
import { contextLine, contextReport } from "./context_advice.ts";
import {
  apiPromptCounts,
  checkMaxTokens,
  confirmSpend,
  deprecationLine,
  deprecations,
  describePlan,
  loadSelection,
  planFor,
  setupTarget,
  type Target,
} from "./run_setup.ts";

/** Run `generate`; returns the exit code. */
export async function runGenerate(flags: GenerateFlags, globals: GlobalFlags): Promise<number> {
  ui.json = !!flags.json;
  const config = await loadConfig(configPath(globals.config));
  const providerName = flags.provider ?? env("SWEBENCH_PROVIDER") ?? config.defaultProvider ?? "gold";
  const fallbackSpecs = parseFallbacks(flags.fallback ?? config.fallback ?? []);
  // Every target is resolved (and its key checked) before anything is sent.
  const target = await setupTarget(providerName, {
    config,
    model: flags.model,
    baseUrl: flags.baseUrl,
    primary: true,
    requireKey: !flags.dryRun, // a dry run sends nothing, so it needs no key
    timeouts: flags,
  });
  const fallbacks: Target[] = [];
  for (const f of fallbackSpecs) {
    fallbacks.push(
      await setupTarget(f.provider, { config, model: f.model, requireKey: !flags.dryRun, timeouts: flags }),
    );
  }
  const chain = [target, ...fallbacks];
  checkPriced(chain, flags.maxCost !== undefined);
  checkMaxTokens(chain, flags.maxTokens);
  const { ref, instances } = await loadSelection(flags, resolveTimeouts(flags, config));
  const isGold = target.resolved.kind === "gold";
  const output = flags.output ?? defaultPredictionsPath(modelNameOf(target), ref.label, ref.split);
  const protect = datasetFiles(ref);
  const codeContext = contextReport(ref, instances, { gold: isGold });
  const settings: RunSettings = {
    temperature: flags.temperature,
    maxTokens: flags.maxTokens,
    ref,
    rows: await rowHashes(instances),
    chain,
  };
  // One file per model (a fallback's answers go to its own). Nothing is written, and nothing sent, when a path is
  // not ours to write or a file holds another model or other generation settings.
  const outputs = await guardOutputs(runOutputs(output, chain, ref), settings, {
    overwrite: !!flags.overwrite,
    protect,
  });

  if (flags.dryRun) {
    const predicted = new Set<string>();
    const before = [];
    for (const o of outputs) {
      for (const p of await readPredictions(o.path).catch(() => [])) predicted.add(p.instance_id);
      if (!flags.overwrite) {
        before.push(
          spendOf((await readRunLog(runLogPathFor(fileOf(o))).catch(() => undefined))?.records ?? []),
        );
      }
    }
    const dryBudget = createSharedBudget(flags.maxCost, flags.overwrite ? undefined : addSpends(before));
    const todo = flags.overwrite ? instances : instances.filter((i) => !predicted.has(i.instance_id));
    // With a key, Anthropic prompts are counted with count_tokens (free; nothing is generated).
    const apiCounts = isGold
      ? undefined
      : await apiPromptCounts(target, todo, { maxTokens: flags.maxTokens });
    const plan = planFor(target, todo, { maxTokens: flags.maxTokens, apiCounts });
    const doc = {
      dryRun: true,
      provider: target.resolved.name,
      model: target.model,
      dataset: ref.label,
      split: ref.split,
      selected: instances.length,
      alreadyDone: instances.length - todo.length,
      output,
      maxCostUsd: flags.maxCost ?? null,
      spentBeforeUsd: dryBudget?.spentBeforeUsd ?? null,
      ...codeContext,
      ...plan,
      deprecations: deprecations(chain),
    };
    if (flags.json) out(JSON.stringify(doc, null, 2));
    else {
      for (const l of describePlan(labelOf(target), plan, doc.alreadyDone)) out(l);
      for (const t of chain) {
        const line = deprecationLine(t);
        if (line) out(line);
      }
      if (!isGold) out(contextLine(codeContext));
      const earlier = describeEarlierSpend(dryBudget, output);
      if (earlier) out(earlier);
      out(`  predictions: ${output}`);
      out("Dry run: nothing sent.");
    }
    return 0;
  }

  const files = await openOutputs(outputs, settings, {
    overwrite: !!flags.overwrite,
    retryFailed: !!flags.retryFailed,
    protect,
  });
  const writer = files.primary;
  // --max-cost covers every run of these files: what earlier runs spent (their run logs) is booked from the start.
  const priorSpend = addSpends([...files.writers.values()].map((w) => w.priorSpend));
  const budget = createSharedBudget(flags.maxCost, priorSpend);
  let summary: RunSummary;
  const knownTokens = new Map<string, number>();
  // From here on the lock is held: SIGINT, SIGTERM and SIGHUP stop the run cleanly (files closed, lock released).
  const { controller, stopController, listen } = interruptHandlers();
  const stopListening = listen();
  try {
    const done = (id: string) => [...files.writers.values()].some((w) => w.done.has(id));
    const todo = instances.filter((i) => !done(i.instance_id));
    if (!isGold && todo.length > 0) {
      const apiCounts = await apiPromptCounts(target, todo, { maxTokens: flags.maxTokens });
      const plan = planFor(target, todo, { maxTokens: flags.maxTokens, counts: knownTokens, apiCounts });
      if (!flags.json) {
        for (const l of describePlan(labelOf(target), plan, instances.length - todo.length)) info(l);
        for (const t of chain) {
          const line = deprecationLine(t);
          if (line) info(line);
        }
        info(contextLine(codeContext));
        const earlier = describeEarlierSpend(budget, output);
        if (earlier) info(earlier);
      }
      const go = await confirmSpend(plan.worstUsd, {
        yes: flags.yes,
        maxCost: flags.maxCost,
        free: target.free,
        json: flags.json,
      });
      if (!go) return 0;
    }
    const { call, stats } = buildCall({ primary: target, fallbacks, flags, budget, spentBefore: priorSpend });
    const progress = createProgress();
    try {
      summary = await runBatch({
        instances,
        call,
        providerName: target.resolved.name,
        model: target.model,
        modelNameOrPath: modelNameOf(target),
        writer,
        fallbackOutputs: files.fallbacks,
        concurrency: flags.concurrency,
        maxTokens: flags.maxTokens,
        temperature: flags.temperature,
        stream: !!flags.stream,
        contextWindow: target.entry?.contextWindow,
        countTokens: target.countTokens,
        knownTokens,
        includeGold: isGold,
        signal: controller.signal,
        stopSignal: stopController.signal,
        onEvent: (e) => progress.onEvent(e),
        onAnswer: (a) => files.reported(`${a.provider}:${a.model}`, a.reportedModel),
        hintFor: (err) => stopHint(chain, err),
        maxCostUsd: flags.maxCost,
      });
    } finally {
      progress.close();
    }
    const extra = stats();
    const code = exitCodeOf(summary);
    const predictionFiles = Object.fromEntries(
      outputs.filter((o, i) => i === 0 || summary.answersByModel[o.label]).map((o) => [o.label, o.path]),
    );
    if (flags.json) {
      out(
        JSON.stringify(
          {
            output,
            runLog: writer.runLogPath,
            manifest: manifestPathFor(fileOf(outputs[0])),
            predictionFiles,
            exitCode: code,
            ...codeContext,
            deprecations: deprecations(chain),
            ...summary,
            resilience: extra,
          },
          null,
          2,
        ),
      );
    } else {
      printSummary(summary, output, writer.runLogPath, predictionFiles);
      for (const line of extra.lines) out(line);
    }
    return code;
  } finally {
    stopListening();
    await files.close();
  }
}

/** The dataset's local file, which `-o` must never name. */
export function datasetFiles(ref: DatasetRef): { path: string; what: string }[] {
  return ref.kind === "local" && ref.path ? [{ path: ref.path, what: "dataset file" }] : [];
}

/** The signals that stop a run the way Ctrl-C does: Ctrl-C, `kill`/`docker stop`/`timeout`/CI cancel, a closed terminal. */
export const STOP_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Ctrl-C (or SIGTERM, or SIGHUP) once: start nothing new, let the calls in flight finish and be written (their
 * tokens are paid for), close the files, release the lock, exit 130. Twice: abandon the calls in flight, close the
 * files, exit 130. Three times: quit at once.
 */
export function interruptHandlers(): {
  controller: AbortController;
  stopController: AbortController;
  /** Listen for {@linkcode STOP_SIGNALS}; returns the function that stops listening. */
  listen: () => () => void;
} {
  const controller = new AbortController();
  const stopController = new AbortController();
  const say = (line: string) => {
    try {
      info(line);
    } catch { /* the terminal may be gone (SIGHUP): the files matter, not this line */ }
  };
  const onSignal = (signal: Deno.Signal) => {
    const what = signal === "SIGINT" ? "interrupted" : `${signal} received`;
    const again = signal === "SIGINT" ? "Ctrl-C" : `${signal} or Ctrl-C`;
    if (controller.signal.aborted) Deno.exit(130);
    if (stopController.signal.aborted) {
      say(`\n${what} again: abandoning the calls in flight and closing the files`);
      controller.abort(new SwebenchError("interrupted", "interrupted"));
      return;
    }
    say(
      `\n${what}: starting nothing new; the calls in flight finish and are saved (${again} again to abandon them)`,
    );
    stopController.abort(new SwebenchError("interrupted", "interrupted"));
  };
  const listen = () => {
    const installed: [Deno.Signal, () => void][] = [];
    for (const sig of STOP_SIGNALS) {
      const handler = () => onSignal(sig);
      try {
        Deno.addSignalListener(sig, handler);
        installed.push([sig, handler]);
      } catch { /* not supported here (Windows has no SIGTERM/SIGHUP listeners) */ }
    }
    return () => {
      for (const [sig, handler] of installed) {
        try {
          Deno.removeSignalListener(sig, handler);
        } catch { /* ignore */ }
      }
    };
  };
  return { controller, stopController, listen };
}

/**
 * A hint for an error that stopped a run, specific to the target it came from: the variable that holds the key
 * (even when none was sent), the command that lists the models.
 */
export function stopHint(targets: readonly Target[], err: SwebenchError): string | undefined {
  const target = targets.find((t) => t.resolved.name === err.provider) ?? targets[0];
  if (err.kind === "authentication" && err.status !== 403) return authHint(target.resolved);
  if (err.kind === "model_not_found" && err.hint === ERROR_KINDS.model_not_found.hint) {
    return `${target.resolved.name} does not serve "${target.model}": \`swebench provider models ${target.resolved.name}\` ` +
      "lists the models it has; pass one with -m.";
  }
  return undefined;
}

/** Exit code of a finished run (DESIGN §6). */
export function exitCodeOf(s: RunSummary): number {
  if (s.stoppedBy) return s.stopExitCode ?? 1;
  if (s.failed > 0) return 4;
  return 0;
}

/** Print the human summary of a run. */
export function printSummary(
  s: RunSummary,
  output: string,
  runLog: string,
  files: Record<string, string> = {},
): void {
  const done = `${style.bold("Done")}: ${s.ok} ok, ${s.failed} failed, ${s.skipped} skipped` +
    (s.alreadyDone ? `, ${s.alreadyDone} already done` : "") +
    (s.notStarted ? `, ${s.notStarted} not started` : "") + ` in ${formatDuration(s.wallMs)}`;
  if (s.ok + s.failed + s.skipped + s.notStarted === 0 && s.alreadyDone > 0 && !s.stoppedBy) {
    out(done);
    out("Nothing to do: --retry-failed redoes failed instances, --overwrite starts fresh.");
    out(`Predictions: ${output}`);
    return;
  }
  const patches = Object.entries(s.patches).map(([k, v]) => `${v} ${k}`).join(", ") || "none";
  out(done);
  out(`Patches: ${patches}`);
  out(
    `Tokens: ${s.promptTokens.toLocaleString("en-US")} prompt + ${
      s.completionTokens.toLocaleString("en-US")
    } completion; cost ${
      s.costUnknown ? `${formatUsd(s.costUsd)} + unknown (unpriced model)` : formatUsd(s.costUsd)
    }` + (s.maxCostUsd !== undefined ? " this run" : ""),
  );
  if (s.ok > 0) out(`Latency: p50 ${Math.round(s.latencyP50Ms)} ms, p95 ${Math.round(s.latencyP95Ms)} ms`);
  if (s.retries) out(`Retries: ${s.retries}`);
  const kinds = Object.entries(s.failuresByKind).map(([k, v]) => `${v} ${k}`).join(", ");
  if (kinds) out(`Failures: ${kinds} (details in ${runLog})`);
  const answers = Object.entries(s.answersByModel);
  if (
    answers.length > 1 || answers.some(([label]) => files[label] !== undefined && files[label] !== output)
  ) {
    // Fallback models answered: each model's patches are in its own file.
    out("Answers by model:");
    for (const [label, n] of answers) out(`  ${label}: ${n} in ${files[label] ?? output}`);
  } else out(`Predictions: ${output}`);
  if (s.requeued) out(`Queued again after a transient failure: ${plural(s.requeued, "time")}`);
  if (s.stoppedBy === "budget") {
    // The figures (spent before, this run, left) are on the Budget line below.
    out(style.yellow(
      `Stopped: budget reached. ${s.notStarted} instance(s) left undone; --max-cost covers every run of this ` +
        "file: raise it and re-run the same command to go on.",
    ));
  } else if (s.stoppedBy === "interrupted") {
    out(style.yellow(`Interrupted: ${s.notStarted} instance(s) left; re-run the same command to resume.`));
  } else if (s.stoppedBy === "fatal") {
    out(style.red(`Stopped: ${s.stopMessage}`));
  }
}
