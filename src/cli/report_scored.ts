/**
 * `swebench report` with the harness's verdicts: finds (or is given) the harness results of each run log's
 * predictions, joins them with the run-log summaries and renders the tables.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import type { ModelReport } from "../run/report.ts";
import { readRunLog, type RunLogEntry } from "../swebench/run_log.ts";
import { markUniqueResolves, type ScoredModel, scoreModel } from "../run/scored_report.ts";
import {
  findHarnessResults,
  harnessModelDir,
  loadHarnessResults,
  parseHarnessReport,
} from "../swebench/harness_results.ts";
import { readPredictions } from "../swebench/predictions.ts";
import { displayPath } from "./display_path.ts";
import { formatCount, formatUsd } from "../core/format.ts";
import { renderTable } from "./table.ts";

/** One run log's predictions file, read for its model name and patches. */
interface Source {
  runLog: string;
  predictions: string;
  labels: Set<string>;
  ids: Set<string>;
  model?: string;
  patches: Map<string, string>;
}

/** What {@linkcode loadScored} found. */
export interface ScoredReport {
  /** Models with harness results (in the order of the run-log summaries). */
  scored: ScoredModel[];
  /** label -> instance id -> the patch in its predictions file. */
  patches: Map<string, Map<string, string>>;
  /** Messages for stderr (which results were used, which were not found). */
  notes: string[];
}

const predictionsOf = (runLog: string): string => runLog.replace(/\.runlog\.jsonl$/, "");

async function readSource(runLog: string, records: readonly RunLogEntry[]): Promise<Source> {
  const predictions = predictionsOf(runLog);
  const src: Source = {
    runLog,
    predictions,
    labels: new Set(records.map((r) => `${r.provider ?? "?"}:${r.model ?? "?"}`)),
    ids: new Set(records.map((r) => r.instance_id)),
    patches: new Map(),
  };
  if (predictions === runLog) return src;
  try {
    for (const p of await readPredictions(predictions)) {
      src.model ??= p.model_name_or_path;
      src.patches.set(p.instance_id, p.model_patch);
      src.ids.add(p.instance_id);
    }
  } catch { /* no predictions beside the run log: no patches, no automatic results */ }
  return src;
}

/**
 * Find and join the harness results for each run log: `--results` files are matched to models by file name
 * (`<model>.<run_id>.json`) or, failing that, by the instances they cover; without `--results`, each run log's
 * predictions are looked up beside it (`swebench evaluate`'s record, else the newest matching run report).
 *
 * @example
 * ```ts ignore
 * import { loadScored } from "./report_scored.ts";
 * const { scored } = await loadScored(["predictions/a.jsonl.runlog.jsonl"], models, []);
 * ```
 */
export async function loadScored(
  runLogs: readonly string[],
  models: readonly ModelReport[],
  resultsPaths: readonly string[],
): Promise<ScoredReport> {
  const sources = await Promise.all(
    runLogs.map(async (path) => readSource(path, (await readRunLog(path)).records)),
  );
  const notes: string[] = [];
  const patches = new Map<string, Map<string, string>>();
  for (const s of sources) {
    for (const label of s.labels) {
      const m = patches.get(label) ?? new Map<string, string>();
      for (const [id, p] of s.patches) m.set(id, p);
      patches.set(label, m);
    }
  }
  const chosen = new Map<Source, { reportPath: string; logsRoot?: string; runId?: string }>();
  if (resultsPaths.length > 0) {
    for (const path of resultsPaths) {
      const name = path.split("/").pop()!;
      let report;
      try {
        report = parseHarnessReport(JSON.parse(await Deno.readTextFile(path)), path);
      } catch (e) {
        if (e instanceof SwebenchError) throw e;
        throw new SwebenchError("usage", `Cannot read harness results ${path}: ${(e as Error).message}`, {
          hint: "Pass the <model>.<run_id>.json file the harness wrote (swebench evaluate prints its path).",
        });
      }
      const free = sources.filter((s) => !chosen.has(s));
      const byName = free.find((s) =>
        s.model !== undefined && name.startsWith(`${harnessModelDir(s.model)}.`)
      );
      const overlap = (s: Source) => report.submitted_ids.filter((id) => s.ids.has(id)).length;
      const byIds = free.map((s) => [s, overlap(s)] as const).filter(([, n]) => n > 0).sort((a, b) =>
        b[1] - a[1]
      )[0]?.[0];
      const src = byName ?? byIds;
      if (!src) {
        throw new SwebenchError("usage", `${path} matches none of the run logs given`, {
          hint: "Its instances are not in any run log: pass the run log of the predictions it evaluated.",
        });
      }
      chosen.set(src, { reportPath: path });
    }
  } else {
    for (const s of sources) {
      if (s.model === undefined) continue;
      const found = await findHarnessResults(s.predictions, s.model, s.ids);
      if (found) chosen.set(s, found);
      else {notes.push(
          `No harness results beside ${s.predictions}: run \`swebench evaluate ${s.predictions}\``,
        );}
    }
  }
  const scored: ScoredModel[] = [];
  for (const model of models) {
    const src = sources.find((s) => s.labels.has(model.label) && chosen.has(s));
    if (!src) continue;
    const c = chosen.get(src)!;
    const results = await loadHarnessResults(c.reportPath, {
      model: src.model,
      runId: c.runId,
      logsRoot: c.logsRoot,
    });
    notes.push(
      `${model.label}: harness results ${displayPath(c.reportPath)}` +
        (results.instanceReports ? ` (+ ${results.instanceReports} per-instance reports)` : ""),
    );
    scored.push(scoreModel(model, results));
  }
  return { scored: markUniqueResolves(scored), patches, notes };
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const tokensText = (v: number | null): string => v === null ? "-" : formatCount(Math.round(v));

/** Cost per resolved instance as text (`-` when nothing was resolved, `+?` when some costs are unknown). */
export function costPerResolvedText(m: ScoredModel): string {
  if (m.costPerResolved === null) return "-";
  return formatUsd(m.costPerResolved) + (m.costUnknown ? "+?" : "");
}

/**
 * The terminal tables: the verdicts per model, resolved per repository and the instances only one model resolves.
 *
 * @example
 * ```ts ignore
 * import { scoredTables } from "./report_scored.ts";
 * console.log(scoredTables(scored));
 * ```
 */
export function scoredTables(models: readonly ScoredModel[]): string {
  const parts: string[] = [];
  parts.push("Resolved (SWE-bench harness):");
  parts.push(renderTable(
    [
      "model",
      "submitted",
      "resolved",
      "% resolved",
      "unresolved",
      "empty",
      "error",
      "cost",
      "cost/resolved",
      "tokens/resolved",
    ],
    models.map((m) => [
      m.label,
      m.submitted,
      m.resolved,
      pct(m.resolvedRate),
      m.unresolved,
      m.empty,
      m.error,
      formatUsd(m.costUsd) + (m.costUnknown ? "+?" : ""),
      costPerResolvedText(m),
      tokensText(m.tokensPerResolved),
    ]),
    ["left", ...new Array(9).fill("right")],
  ));
  for (const m of models) {
    if (m.totalInstances !== m.submitted) {
      parts.push(
        `${m.label}: ${m.resolved} of the ${m.totalInstances} instances in the harness's dataset selection ` +
          `(${pct(m.resolvedRateOfTotal)})`,
      );
    }
  }
  const repos = [...new Set(models.flatMap((m) => Object.keys(m.byRepo)))].sort();
  parts.push("", "Resolved per repository (resolved/submitted):");
  parts.push(renderTable(
    ["repository", ...models.map((m) => m.label)],
    repos.map((repo) => [
      repo,
      ...models.map((m) => {
        const r = m.byRepo[repo];
        return r ? `${r.resolved}/${r.submitted}` : "-";
      }),
    ]),
    ["left", ...models.map(() => "right" as const)],
  ));
  if (models.length > 1) {
    parts.push("", "Resolved by only one model (of the instances the others also attempted):");
    for (const m of models) {
      parts.push(
        `  ${m.label} (${m.onlyResolvedHere.length})${
          m.onlyResolvedHere.length ? ": " + m.onlyResolvedHere.join(", ") : ""
        }`,
      );
    }
  }
  return parts.join("\n");
}

/** The JSON form of a scored model (instances as a list). */
export function scoredJson(m: ScoredModel): Record<string, unknown> {
  const { instances, ...rest } = m;
  return { ...rest, instances: Object.values(instances) };
}
