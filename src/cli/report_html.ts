/**
 * A single self-contained HTML report (inline CSS and SVG, no scripts, no network): a summary table and charts
 * of cost per instance, latency distribution and outcomes per model.
 *
 * @module
 */
import type { ModelReport } from "../run/report.ts";
import { escapeHtml as esc } from "./html_escape.ts";
import { formatUsd } from "../core/format.ts";
import { EVALUATION_CSS, evaluationSections } from "./report_html_scored.ts";
import type { ScoredReport } from "./report_scored.ts";
const COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"];
const OUTCOME_COLORS: Record<string, string> = {
  valid: "#59a14f",
  repaired: "#8cd17d",
  empty: "#edc948",
  invalid: "#f28e2b",
  failed: "#e15759",
  skipped: "#bab0ac",
};

const usd = (v: number): string => formatUsd(v);

function costChart(models: ModelReport[]): string {
  const W = 1000, H = 220, pad = 40;
  // One slot per instance (sorted ids), so the bars of the same instance stand side by side.
  const ids = [...new Set(models.flatMap((m) => m.perInstance.map((p) => p.id)))].sort();
  const series = models.map((m) => {
    const byId = new Map(m.perInstance.map((p) => [p.id, p.costUsd ?? 0]));
    // An instance the model did not run has no bar (undefined), not a $0 one.
    return ids.map((id) => byId.get(id));
  });
  const n = Math.max(1, ids.length);
  const max = Math.max(1e-9, ...series.flat().filter((v) => v !== undefined));
  const groupW = (W - pad * 2) / n;
  const barW = Math.max(1, groupW / Math.max(1, models.length) - 1);
  const bars = series.flatMap((s, mi) =>
    s.map((v, i) => {
      if (v === undefined) return "";
      const h = (v / max) * (H - pad * 2);
      const x = pad + i * groupW + mi * (barW + 1);
      return `<rect x="${x.toFixed(1)}" y="${(H - pad - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${
        h.toFixed(1)
      }" fill="${COLORS[mi % COLORS.length]}"><title>${esc(models[mi].label)}, ${esc(ids[i])}: ${
        usd(v)
      }</title></rect>`;
    })
  );
  return svg(W, H, bars.join(""), `max ${usd(max)}`, `${ids.length} instances (sorted by id)`, pad);
}

function latencyChart(models: ModelReport[]): string {
  const W = 1000, H = 220, pad = 40, bins = 20;
  const all = models.flatMap((m) =>
    m.perInstance.map((p) => p.latencyMs).filter((v): v is number => v !== undefined)
  );
  const max = Math.max(1, ...all);
  const binW = (W - pad * 2) / bins;
  const counts = models.map((m) => {
    const c = new Array(bins).fill(0);
    for (const p of m.perInstance) {
      if (p.latencyMs === undefined) continue;
      c[Math.min(bins - 1, Math.floor((p.latencyMs / max) * bins))]++;
    }
    return c;
  });
  const top = Math.max(1, ...counts.flat());
  const barW = Math.max(1, binW / Math.max(1, models.length) - 1);
  const bars = counts.flatMap((c, mi) =>
    c.map((v, i) => {
      const h = (v / top) * (H - pad * 2);
      const x = pad + i * binW + mi * (barW + 1);
      return `<rect x="${x.toFixed(1)}" y="${(H - pad - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${
        h.toFixed(1)
      }" fill="${COLORS[mi % COLORS.length]}"><title>${esc(models[mi].label)}: ${v} calls in ${
        Math.round((i * max) / bins)
      }-${Math.round(((i + 1) * max) / bins)} ms</title></rect>`;
    })
  );
  return svg(W, H, bars.join(""), `${top} calls`, `latency 0 - ${Math.round(max)} ms`, pad);
}

function outcomesChart(models: ModelReport[]): string {
  const W = 1000, rowH = 28, pad = 40;
  const H = pad * 2 + rowH * models.length;
  const labelW = 220;
  const rows = models.map((m, i) => {
    const counts: Record<string, number> = { ...m.patches, failed: m.failed, skipped: m.skipped };
    const parts: [string, number][] = [
      ...Object.keys(OUTCOME_COLORS).map((k): [string, number] => [k, counts[k] ?? 0]),
      ...Object.entries(m.patches).filter(([k]) => !(k in OUTCOME_COLORS)),
    ];
    const total = Math.max(1, m.instances);
    let x = labelW;
    const segs = parts.filter(([, v]) => v > 0).map(([k, v]) => {
      const w = (v / total) * (W - labelW - pad);
      const r = `<rect x="${x.toFixed(1)}" y="${pad + i * rowH}" width="${w.toFixed(1)}" height="${
        rowH - 6
      }" fill="${OUTCOME_COLORS[k] ?? "#999"}"><title>${esc(k)}: ${v}</title></rect>`;
      x += w;
      return r;
    });
    return `<text x="${labelW - 8}" y="${pad + i * rowH + 16}" text-anchor="end">${esc(m.label)}</text>${
      segs.join("")
    }`;
  });
  const legend = Object.entries(OUTCOME_COLORS).map(([k, c], i) =>
    `<rect x="${labelW + i * 100}" y="10" width="12" height="12" fill="${c}"/><text x="${
      labelW + i * 100 + 16
    }" y="21">${k}</text>`
  ).join("");
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">${legend}${rows.join("")}</svg>`;
}

function svg(W: number, H: number, body: string, yLabel: string, xLabel: string, pad: number): string {
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">` +
    `<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#888"/>` +
    `<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#888"/>${body}` +
    `<text x="${pad}" y="${pad - 8}">${esc(yLabel)}</text>` +
    `<text x="${W / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text></svg>`;
}

/**
 * Render the report page.
 *
 * @example
 * ```ts
 * import { renderHtmlReport } from "./report_html.ts";
 * const html = renderHtmlReport([], { title: "empty" });
 * console.log(html.startsWith("<!doctype html>"));
 * ```
 */
export function renderHtmlReport(
  models: ModelReport[],
  options: {
    title?: string;
    generatedAt?: string;
    evaluation?: ScoredReport;
    /** Settings of each predictions file (from its manifest), as lines. */
    settings?: { file: string; lines: string[] }[];
    /** Why the runs on the page are not comparable (different contexts, datasets or prompt templates). */
    warnings?: readonly string[];
  } = {},
): string {
  const title = options.title ?? "swebench-runner report";
  const legend = models.map((m, i) =>
    `<span class="key"><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(m.label)}</span>`
  ).join(" ");
  const rows = models.map((m) =>
    `<tr><td>${esc(m.label)}</td><td>${m.instances}</td><td>${m.ok}${
      m.fallbacks ? ` (${m.fallbacks} as fallback)` : ""
    }</td><td>${m.patchesProduced}</td><td>${m.patches.valid ?? 0}</td>` +
    `<td>${m.patches.repaired ?? 0}</td><td>${m.patches.empty ?? 0}</td><td>${m.patches.invalid ?? 0}</td>` +
    `<td>${m.failed}</td><td>${usd(m.costUsd)}${m.costUnknown ? " + unknown" : ""}</td>` +
    `<td>${m.promptTokens + m.completionTokens}</td><td>${Math.round(m.latencyP50Ms)}</td>` +
    `<td>${Math.round(m.latencyP95Ms)}</td><td>${m.retries}</td></tr>`
  ).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1060px}
table{border-collapse:collapse;margin:12px 0;font-size:13px}td,th{border:1px solid #ddd;padding:4px 6px;text-align:right}
td:first-child{white-space:nowrap}
td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}
h2{margin-top:28px;font-size:16px}svg text{font-size:11px;fill:#444}
.warning{background:#fff4d6;border-left:4px solid #e0a800;padding:6px 10px}
.key{margin-right:12px}.key i{display:inline-block;width:10px;height:10px;margin-right:4px}
${EVALUATION_CSS}
</style></head><body>
<h1>${esc(title)}</h1>
<p>${models.length} model(s)${
    options.generatedAt ? `, generated ${esc(options.generatedAt)}` : ""
  }. ${legend}</p>
${(options.warnings ?? []).map((w) => `<p class="warning"><b>Not comparable:</b> ${esc(w)}</p>`).join("\n")}
<table><thead><tr><th>model</th><th>instances</th><th>answers</th><th>patches</th><th>valid</th><th>repaired</th><th>empty</th>
<th>invalid</th><th>failed</th><th>cost</th><th>tokens</th><th>p50 ms</th><th>p95 ms</th><th>retries</th></tr></thead>
<tbody>${rows}</tbody></table>
${options.evaluation ? evaluationSections(models, options.evaluation) : ""}
<h2>Outcomes per model</h2>${outcomesChart(models)}
<h2>Cost per instance</h2>${costChart(models)}
<h2>Latency distribution</h2>${latencyChart(models)}
${
    (options.settings ?? []).map((x) =>
      `<h2>Settings of ${esc(x.file)}</h2><ul>${x.lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>`
    ).join("\n")
  }
</body></html>
`;
}
