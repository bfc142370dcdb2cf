/**
 * Actions of `swebench report` (also used by `compare`).
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import { type ModelReport, readRunLogs, summarizeRunLog } from "../generate/report.ts";
import type { GlobalFlags } from "./options.ts";
import { info, out, warn } from "./output.ts";
import { formatUsd } from "./progress.ts";
import { renderHtmlReport } from "./report_html.ts";
import { loadScored, scoredJson, type ScoredReport, scoredTables } from "./report_scored.ts";
import { renderTable } from "./table.ts";

/** The side-by-side table of model reports. */
export function reportTable(models: ModelReport[]): string {
  return renderTable(
    [
      "model",
      "instances",
      "patches",
      "valid",
      "repaired",
      "empty",
      "invalid",
      "failed",
      "cost",
      "tokens",
      "p50 ms",
      "p95 ms",
      "retries",
    ],
    models.map((m) => [
      m.label,
      m.instances,
      m.patchesProduced,
      m.patches.valid ?? 0,
      m.patches.repaired ?? 0,
      m.patches.empty ?? 0,
      m.patches.invalid ?? 0,
      m.failed,
      formatUsd(m.costUsd) + (m.costUnknown ? "+?" : ""),
      (m.promptTokens + m.completionTokens).toLocaleString("en-US"),
      Math.round(m.latencyP50Ms),
      Math.round(m.latencyP95Ms),
      m.retries,
    ]),
    ["left", ...new Array(12).fill("right")],
  );
}

/** Write the HTML report atomically. */
export async function writeHtmlReport(
  path: string,
  models: ModelReport[],
  title?: string,
  evaluation?: ScoredReport,
): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(
    tmp,
    renderHtmlReport(models, { title, generatedAt: new Date().toISOString(), evaluation }),
  );
  await Deno.rename(tmp, path);
}

/** `report`. */
export async function reportAction(
  paths: string[],
  flags: { html?: string; json?: true; results?: string[] },
  _globals: GlobalFlags,
): Promise<number> {
  let loaded;
  try {
    loaded = await readRunLogs(paths);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
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
  const evaluation = await loadScored(paths, models, flags.results ?? []);
  if (!flags.json) { for (const n of evaluation.notes) info(n); }
  if (flags.html) await writeHtmlReport(flags.html, models, undefined, evaluation);
  if (flags.json) {
    out(
      JSON.stringify(
        {
          models: models.map(({ perInstance: _p, ...m }) => m),
          evaluation: evaluation.scored.map(scoredJson),
          html: flags.html ?? null,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  out(reportTable(models));
  if (evaluation.scored.length) out("\n" + scoredTables(evaluation.scored));
  if (flags.html) out(`Report: ${flags.html}`);
  return 0;
}
