/**
 * Executing an open run: each model in turn through its resilient call chain and the batch runner, one budget for
 * all, predictions and run logs written as answers arrive; a summary per model and the run's exit code.
 *
 * @module
 */
import type { ResilienceStats } from "../resilience/resilient_call.ts";
import type { ExecuteHooks, ModelOutcome, RunOutcome } from "./outcome.ts";
import { manifestPathFor } from "../swebench/manifest.ts";
import { runBatch } from "./batch.ts";
import { buildCall } from "./chain.ts";
import { planForAlongside } from "./cost_plan.ts";
import { QUIET_MS, QuietWatch } from "./quiet.ts";
import type { RunSummary } from "./events.ts";
import { fileOf } from "./outputs.ts";
import type { OpenRun } from "./prepare.ts";

export type { BatchOutcome, ExecuteHooks, ModelOutcome, RunOutcome } from "./outcome.ts";
import { labelOf, modelNameOf, stopHint, type Target } from "./target.ts";

/** Exit code of a finished model run: its stop's (5 budget, 3 auth/config, 130 interrupted...), 4 when instances failed, else 0. */
export function exitCodeOf(s: RunSummary): number {
  if (s.stoppedBy) return s.stopExitCode ?? 1;
  if (s.failed > 0) return 4;
  return 0;
}

/**
 * Run every model of an open run in turn. Each model's files are closed when it ends; close the run afterwards
 * (it closes what is still open). In batch mode (`settings.batch`) every model's batch is submitted first, then each
 * is waited for and collected in turn (see `batch_mode.ts`).
 */
export async function executeRun(run: OpenRun, hooks: ExecuteHooks = {}): Promise<RunOutcome> {
  // Batch mode's modules are loaded only for it (issue 15 §5: a plain run's first request does not wait for them).
  if (run.prepared.settings.batch) return await (await import("./batch_mode.ts")).executeBatchRun(run, hooks);
  const { settings, instances } = run.prepared;
  const outcomes: ModelOutcome[] = [];
  let exitCode = 0;
  for (const [index, m] of run.models.entries()) {
    hooks.onModelStart?.(m, index);
    let summary: RunSummary;
    let resilience: ResilienceStats;
    // No confirmation was needed: the calls start at once and the prompts are counted alongside them, in the order
    // the run starts them (each call reserves its budget on its own prompt's count, counted ahead or by itself).
    // Without a budget the count is background work: it takes its turns when the run is quiet (see quiet.ts). With
    // one, every call needs its prompt's count: the plan counts ahead of the calls, which then find theirs counted.
    const stopPlanning = new AbortController();
    const quiet = new QuietWatch(QUIET_MS, stopPlanning.signal);
    const bounded = sizedByBound(m.chain, settings.maxCostUsd);
    const planning = run.planAlongside && m.target.settings.kind !== "gold" && m.todo.length > 0
      ? planForAlongside(m.target, m.todo, {
        maxTokens: settings.request.maxTokens,
        counts: m.knownTokens,
        signal: stopPlanning.signal,
        before: bounded ? () => quiet.wait() : undefined,
      }).then((plan) => {
        if (stopPlanning.signal.aborted) return;
        m.plan = plan;
        hooks.onEvent?.({ type: "plan", plan }, m);
      }).catch(() => {
        // No plan (the tokenizer could not load): the calls go on; one that needs a count meets the error itself.
      })
      : undefined;
    try {
      const { call, stats } = buildCall({
        primary: m.target,
        fallbacks: m.chain.slice(1),
        budget: run.budget,
        spentBefore: run.spentBefore,
      });
      summary = await runBatch({
        instances,
        call,
        providerName: m.target.settings.name,
        model: m.target.model,
        modelNameOrPath: modelNameOf(m.target),
        writer: m.files.primary,
        fallbackOutputs: m.files.fallbacks,
        concurrency: settings.concurrency,
        maxTokens: settings.request.maxTokens,
        temperature: settings.request.temperature,
        stream: settings.request.stream,
        contextWindow: m.target.entry?.contextWindow,
        countTokens: m.target.countTokens,
        knownTokens: m.knownTokens,
        // Without a budget no call needs its exact count: one not counted ahead yet is sized by the bound.
        boundTokens: bounded ? m.target.boundTokens : undefined,
        loadCounter: m.target.loadCounter,
        includeGold: m.target.settings.kind === "gold",
        signal: hooks.signal,
        stopSignal: hooks.stopSignal,
        onEvent: (e) => {
          quiet.touch();
          hooks.onEvent?.(e, m);
        },
        onAnswer: (a) => m.files.reported(`${a.provider}:${a.model}`, a.reportedModel),
        hintFor: (err) => stopHint(m.chain, err),
        maxCostUsd: settings.maxCostUsd,
      });
      resilience = stats();
      const dropped = droppedParametersOf(m.chain);
      if (dropped !== undefined) summary.droppedParameters = dropped;
    } finally {
      // A plan not finished when the calls are (a fast server) is dropped: the summary has the real figures.
      stopPlanning.abort();
      await planning;
      hooks.onModelEnd?.(m, index);
      await m.files.close();
    }
    const outcome: ModelOutcome = {
      label: m.label,
      output: m.output,
      runLog: m.files.primary.runLogPath,
      manifest: manifestPathFor(fileOf(m.outputs[0])),
      predictionFiles: Object.fromEntries(
        m.outputs.filter((o, i) => i === 0 || summary.answersByModel[o.label]).map((o) => [o.label, o.path]),
      ),
      summary,
      resilience,
    };
    outcomes.push(outcome);
    hooks.onModelOutcome?.(outcome, m, index);
    const code = exitCodeOf(summary);
    if (code !== 0 && (exitCode === 0 || exitCode === 4)) exitCode = code;
    if (summary.stoppedBy === "interrupted" || summary.stoppedBy === "budget") break;
  }
  return { models: outcomes, exitCode };
}

/**
 * Whether the calls of a chain may be sized by the bound of their prompt instead of its count: when nothing reserves
 * money on the count (no `--max-cost`, no provider `maxCost` in the config file), and a context-length fallback, if
 * any, can compare the primary model's window instead of the prompt's size (the bound is several times the count).
 */
function sizedByBound(chain: readonly Target[], maxCostUsd: number | undefined): boolean {
  if (maxCostUsd !== undefined || chain.some((t) => t.settings.maxCost !== undefined)) return false;
  return chain.length === 1 || chain[0].entry?.contextWindow !== undefined;
}

/** What the models of a chain refused and had left out (`provider:model` -> parameters), or undefined. */
function droppedParametersOf(chain: readonly Target[]): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  for (const t of chain) {
    const names = new Set<string>();
    for (const p of t.providers) for (const n of p.droppedParameters?.()[t.model] ?? []) names.add(n);
    if (names.size > 0) out[labelOf(t)] = [...names];
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
