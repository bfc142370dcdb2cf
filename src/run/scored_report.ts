/**
 * Run-log summaries joined with the harness's verdicts: resolved rate, cost and tokens per resolved instance, a
 * per-repository table and, with several models, the instances only one of them resolves.
 *
 * @module
 */
import type { HarnessResults, InstanceEvaluation } from "../swebench/harness_results.ts";
import type { ModelReport } from "./report.ts";

/** Resolved and submitted counts (one repository, one model). */
export interface RepoScore {
  /** Instances of the repository the harness judged (resolved, unresolved, error or empty). */
  submitted: number;
  /** Of those, resolved. */
  resolved: number;
}

/** One model's figures with the harness's verdicts. */
export interface ScoredModel {
  /** `provider:model`. */
  label: string;
  /** The run report read. */
  reportPath: string;
  /** Harness run id, when known. */
  runId?: string;
  /** Instances in the harness's dataset selection (`total_instances`). */
  totalInstances: number;
  /** Predictions the harness judged: resolved + unresolved + error + empty. */
  submitted: number;
  /** Resolved instances. */
  resolved: number;
  /** Patch applied, tests did not pass. */
  unresolved: number;
  /** Empty patches (never run). */
  empty: number;
  /** No verdict: the patch did not apply, or the run failed. */
  error: number;
  /** resolved / submitted (0 when nothing was submitted). */
  resolvedRate: number;
  /** resolved / totalInstances, the leaderboard's rate. */
  resolvedRateOfTotal: number;
  /** What the run cost (every billed attempt). */
  costUsd: number;
  /** Records of the run whose cost is unknown (cost figures are then lower bounds). */
  costUnknown: number;
  /** costUsd / resolved; null when nothing was resolved. */
  costPerResolved: number | null;
  /** Prompt + completion tokens of the run. */
  tokens: number;
  /** tokens / resolved; null when nothing was resolved. */
  tokensPerResolved: number | null;
  /** Per repository (`django/django`), sorted by name. */
  byRepo: Record<string, RepoScore>;
  /** Resolved ids, sorted. */
  resolvedIds: string[];
  /** Resolved by this model, judged for at least one other model scored with it, and resolved by none of them
   * (empty with one model; an instance no other model attempted is not counted). */
  onlyResolvedHere: string[];
  /** The harness's verdict per instance. */
  instances: Record<string, InstanceEvaluation>;
}

/**
 * The repository of an instance id: `django__django-11099` -> `django/django`.
 *
 * @example
 * ```ts
 * import { repoOf } from "@swebench/runner/lib";
 * repoOf("scikit-learn__scikit-learn-10297"); // "scikit-learn/scikit-learn"
 * ```
 */
export function repoOf(instanceId: string): string {
  const base = instanceId.replace(/-\d+$/, "");
  const i = base.indexOf("__");
  return i < 0 ? base : `${base.slice(0, i)}/${base.slice(i + 2)}`;
}

const perResolved = (v: number, resolved: number): number | null => resolved > 0 ? v / resolved : null;

/**
 * Join one model's run-log summary with the harness results of its predictions.
 *
 * @example
 * ```ts ignore
 * import { loadHarnessResults, scoreModel, summarizeRunLog } from "@swebench/runner/lib";
 * const [model] = summarizeRunLog(records);
 * const scored = scoreModel(model, await loadHarnessResults("predictions/gold.r1.json", { model: "gold" }));
 * console.log(scored.resolvedRate, scored.costPerResolved);
 * ```
 */
export function scoreModel(model: ModelReport, results: HarnessResults): ScoredModel {
  const count = { resolved: 0, unresolved: 0, empty: 0, error: 0 };
  const byRepo: Record<string, RepoScore> = {};
  const instances: Record<string, InstanceEvaluation> = {};
  const resolvedIds: string[] = [];
  for (
    const e of [...results.instances.values()].sort((a, b) => a.instance_id.localeCompare(b.instance_id))
  ) {
    if (e.outcome === "not-evaluated") continue;
    instances[e.instance_id] = e;
    count[e.outcome]++;
    const repo = repoOf(e.instance_id);
    const r = byRepo[repo] ??= { submitted: 0, resolved: 0 };
    r.submitted++;
    if (e.outcome === "resolved") {
      r.resolved++;
      resolvedIds.push(e.instance_id);
    }
  }
  const submitted = count.resolved + count.unresolved + count.empty + count.error;
  const tokens = model.promptTokens + model.completionTokens;
  const total = results.report.total_instances;
  return {
    label: model.label,
    reportPath: results.reportPath,
    runId: results.runId,
    totalInstances: total,
    submitted,
    ...count,
    resolvedRate: submitted > 0 ? count.resolved / submitted : 0,
    resolvedRateOfTotal: total > 0 ? count.resolved / total : 0,
    costUsd: model.costUsd,
    costUnknown: model.costUnknown,
    costPerResolved: perResolved(model.costUsd, count.resolved),
    tokens,
    tokensPerResolved: perResolved(tokens, count.resolved),
    byRepo: Object.fromEntries(Object.entries(byRepo).sort(([a], [b]) => a.localeCompare(b))),
    resolvedIds,
    onlyResolvedHere: [],
    instances,
  };
}

/**
 * Fill `onlyResolvedHere` of each model: its resolved ids that at least one other model in the list was judged on
 * and that none of them resolved. An instance only this model attempted says nothing about the others and is
 * left out. With one model there is nothing to compare and the lists stay empty.
 *
 * @example
 * ```ts ignore
 * import { markUniqueResolves } from "@swebench/runner/lib";
 * markUniqueResolves(scoredModels);
 * ```
 */
export function markUniqueResolves(models: ScoredModel[]): ScoredModel[] {
  if (models.length < 2) return models;
  for (const m of models) {
    const others = models.filter((o) => o !== m);
    const resolvedElsewhere = new Set(others.flatMap((o) => o.resolvedIds));
    m.onlyResolvedHere = m.resolvedIds.filter((id) =>
      !resolvedElsewhere.has(id) && others.some((o) => o.instances[id] !== undefined)
    );
  }
  return models;
}
