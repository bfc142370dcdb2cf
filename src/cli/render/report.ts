/**
 * The report of run logs as a person reads it: the side-by-side table, the manifest in a few lines, the HTML page
 * written atomically. Shared by `report` and `compare`.
 *
 * @module
 */
import { formatCount } from "../../core/format.ts";
import type { ModelReport } from "../../run/report.ts";
import type { RunManifest } from "../../swebench/manifest.ts";
import { formatUsd } from "../progress.ts";
import { renderHtmlReport } from "../report_html.ts";
import type { ScoredReport } from "../report_scored.ts";
import { renderTable } from "../table.ts";

/** The side-by-side table of model reports. */
export function reportTable(models: ModelReport[]): string {
  return renderTable(
    [
      "model",
      "instances",
      "answers",
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
      m.ok + (m.fallbacks ? ` (${m.fallbacks} as fallback)` : ""),
      m.patchesProduced,
      m.patches.valid ?? 0,
      m.patches.repaired ?? 0,
      m.patches.empty ?? 0,
      m.patches.invalid ?? 0,
      m.failed,
      formatUsd(m.costUsd) + (m.costUnknown ? "+?" : ""),
      formatCount(m.promptTokens + m.completionTokens),
      Math.round(m.latencyP50Ms),
      Math.round(m.latencyP95Ms),
      m.retries,
    ]),
    ["left", ...new Array(13).fill("right")],
  );
}

/** A manifest found beside a run log. */
export interface ManifestEntry {
  /** The predictions file it describes. */
  predictions: string;
  /** The manifest path. */
  path: string;
  manifest: RunManifest;
}

/** The manifest as a few lines for a person. */
export function manifestLines(m: RunManifest): string[] {
  const g = m.generation;
  const short = (h: string | undefined) => (h ?? "").slice(0, 12);
  const lines = [
    `tool: ${m.tool?.name} ${m.tool?.version}`,
    `model: ${g.provider}:${g.model}` +
    (m.reportedModels?.some((r) => r !== g.model)
      ? ` (the API reported ${m.reportedModels.join(", ")})`
      : "") +
    (m.endpoint?.kind === "gold" ? " (offline)" : `, ${m.endpoint?.kind} API at ${m.endpoint?.baseUrlHost}`) +
    (m.role === "fallback" ? `, fallback for ${m.fallbackFor}` : ""),
    `generation: temperature ${g.temperature ?? "not set"}, max tokens ${g.maxTokens}, stop ${
      g.stop?.length ? g.stop.map((x) => JSON.stringify(x)).join(" ") : "none"
    }, prompt template v${g.promptTemplate?.version} (sha256 ${
      short(g.promptTemplate?.sha256)
    }), context ${g.context}`,
    `dataset: ${g.dataset}, split ${g.split}, ${m.rows?.count} row(s) (sha256 ${short(m.rows?.sha256)})`,
  ];
  if ((m.fallbackChain?.length ?? 0) > 1) {
    const files = m.fallbackFiles ?? {};
    lines.push(
      `fallback chain: ${
        m.fallbackChain.map((l, i) => (i > 0 && files[l] ? `${l} (answers in ${files[l]})` : l)).join(" -> ")
      }`,
    );
  }
  for (const n of m.notes ?? []) lines.push(`note: ${n}`);
  const runs = m.runs ?? [];
  if (runs.length > 0) {
    lines.push(
      `runs: ${runs.length} (first ${runs[0].startedAt}${
        runs.length > 1 ? `, last ${runs.at(-1)!.startedAt}` : ""
      })`,
    );
  }
  return lines;
}

/** Write the HTML report atomically. */
export async function writeHtmlReport(
  path: string,
  models: ModelReport[],
  options: {
    title?: string;
    evaluation?: ScoredReport;
    manifests?: readonly ManifestEntry[];
    warnings?: readonly string[];
  } = {},
): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(
    tmp,
    renderHtmlReport(models, {
      title: options.title,
      generatedAt: new Date().toISOString(),
      evaluation: options.evaluation,
      warnings: options.warnings,
      settings: (options.manifests ?? []).map((m) => ({
        file: m.predictions,
        lines: manifestLines(m.manifest),
      })),
    }),
  );
  await Deno.rename(tmp, path);
}
