/**
 * Actions of `swebench report` (also used by `compare`).
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import { summarizeRunLog } from "../run/report.ts";
import type { GlobalFlags } from "./options.ts";
import { manifestPathFor, readManifest, type RunManifest } from "../swebench/manifest.ts";
import { readRunLog, type RunLogEntry, runLogPathFor } from "../swebench/run_log.ts";
import { info, out, warn } from "./output.ts";
import {
  comparabilityLines,
  type ComparabilityReport,
  judgeRuns,
  runSettingsOf,
} from "./run_comparability.ts";
import { loadScored, scoredJson, scoredTables } from "./report_scored.ts";
import { type ManifestEntry, manifestLines, reportTable, writeHtmlReport } from "./render/report.ts";

/** The predictions file a run log belongs to (`x.jsonl.runlog.jsonl` -> `x.jsonl`). */
export function predictionsOfRunLog(runLog: string): string | undefined {
  return runLog.endsWith(".runlog.jsonl") ? runLog.slice(0, -".runlog.jsonl".length) : undefined;
}

/**
 * The run logs to report and the manifests beside them: the given logs, plus the run logs of the fallback models a
 * manifest names (their answers are in their own files), when they exist.
 */
export async function collectRunLogs(
  paths: readonly string[],
): Promise<{ logs: string[]; added: string[]; manifests: ManifestEntry[] }> {
  const logs = [...paths];
  const added: string[] = [];
  const manifests: ManifestEntry[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < logs.length; i++) {
    const predictions = predictionsOfRunLog(logs[i]);
    if (predictions === undefined || seen.has(predictions)) continue;
    seen.add(predictions);
    let manifest: RunManifest | undefined;
    try {
      manifest = await readManifest(predictions);
    } catch (e) {
      warn((e as Error).message);
      continue;
    }
    if (manifest === undefined) continue;
    manifests.push({ predictions, path: manifestPathFor(predictions), manifest });
    const dir = predictions.includes("/") ? predictions.slice(0, predictions.lastIndexOf("/") + 1) : "";
    for (const file of Object.values(manifest.fallbackFiles ?? {})) {
      const log = runLogPathFor(dir + file);
      if (logs.includes(log)) continue;
      if (await Deno.stat(log).then(() => true, () => false)) {
        logs.push(log);
        added.push(log);
      }
    }
  }
  return { logs, added, manifests };
}

/**
 * A model whose runs with different settings are given together gets one row adding them up: say which, so the row
 * is not read as one run.
 */
async function warnMixedRows(judged: ComparabilityReport, logs: readonly string[]): Promise<void> {
  const seen = new Map<string, number>();
  for (const log of logs) {
    const labels = new Set(
      (await readRunLog(log)).records.map((r) => `${r.provider ?? "?"}:${r.model ?? "?"}`),
    );
    for (const label of labels) seen.set(label, (seen.get(label) ?? 0) + 1);
  }
  for (const [label, n] of seen) {
    if (n > 1) {
      judged.warnings.push(
        `the row of ${label} adds up ${n} of these runs: report each run log on its own to see them apart`,
      );
    }
  }
}

/** `report`. */
export async function reportAction(
  paths: string[],
  flags: { html?: string; json?: true; results?: string[] },
  _globals: GlobalFlags,
): Promise<number> {
  const { logs, added, manifests } = await collectRunLogs(paths);
  const loaded = { records: [] as RunLogEntry[], badLines: 0 };
  try {
    for (const log of logs) {
      const { records, badLines, torn } = await readRunLog(log);
      loaded.records.push(...records);
      loaded.badLines += badLines + (torn ? 1 : 0);
    }
  } catch (e) {
    if ((e as Error).cause instanceof Deno.errors.NotFound) {
      // Name the file (Deno's message is "No such file or directory (os error 2): readfile '...'").
      const missing = [];
      for (const p of paths) if (!await Deno.stat(p).then(() => true, () => false)) missing.push(p);
      throw new SwebenchError("usage", `run log not found: ${missing.join(", ") || (e as Error).message}`, {
        hint: "Run logs sit beside the predictions: <predictions>.runlog.jsonl",
      });
    }
    throw e;
  }
  if (loaded.records.length === 0) {
    throw new SwebenchError("usage", `no run-log records in ${paths.join(", ")}`, {
      hint: "Pass the *.runlog.jsonl file written beside the predictions.",
    });
  }
  if (loaded.badLines) warn(`${loaded.badLines} malformed line(s) skipped`);
  const models = summarizeRunLog(loaded.records);
  const evaluation = await loadScored(logs, models, flags.results ?? []);
  if (!flags.json) { for (const n of evaluation.notes) info(n); }
  const answersByModel = Object.fromEntries(models.map((m) => [m.label, m.ok]));
  // Runs made with other contexts, datasets or prompt templates are never put side by side silently.
  const manifestOf = new Map(manifests.map((m) => [m.predictions, m.manifest]));
  const judged = judgeRuns(logs.map((l) => runSettingsOf(l, manifestOf.get(predictionsOfRunLog(l) ?? ""))));
  if (!judged.comparable) await warnMixedRows(judged, logs);
  if (flags.html) {
    await writeHtmlReport(flags.html, models, { evaluation, manifests, warnings: judged.warnings });
  }
  if (flags.json) {
    out(
      JSON.stringify(
        {
          models: models.map(({ perInstance: _p, ...m }) => m),
          evaluation: evaluation.scored.map(scoredJson),
          answersByModel,
          comparability: judged,
          runLogs: logs,
          manifests: manifests.map((m) => ({
            predictions: m.predictions,
            path: m.path,
            // The per-row hashes are for the resume guard; their count and digest describe the rows.
            manifest: {
              ...m.manifest,
              rows: { count: m.manifest.rows?.count, sha256: m.manifest.rows?.sha256 },
            },
          })),
          html: flags.html ?? null,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  for (const log of added) info(`including ${log} (answers of a fallback model, named in the manifest)`);
  for (const line of comparabilityLines(judged)) out(line);
  out(reportTable(models));
  if (evaluation.scored.length) out("\n" + scoredTables(evaluation.scored));
  for (const m of manifests) {
    out(`\nSettings of ${m.predictions} (${m.path}):`);
    for (const line of manifestLines(m.manifest)) out(`  ${line}`);
  }
  if (flags.html) out(`Report: ${flags.html}`);
  return 0;
}
