/**
 * The HTML report's evaluation sections: resolved rate and cost per resolved instance per model, resolved per
 * repository, the instances only one model resolves, and one row per instance that opens (`<details>`, no script)
 * each model's patch with the harness's verdict.
 *
 * @module
 */
import type { ModelReport } from "../run/report.ts";
import { repoOf, type ScoredModel } from "../run/scored_report.ts";
import type { InstanceEvaluation } from "../swebench/harness_results.ts";
import { escapeHtml as esc } from "./html_escape.ts";
import { formatCount, formatUsd } from "../core/format.ts";
import { costPerResolvedText, type ScoredReport } from "./report_scored.ts";

/** Styles of the evaluation sections. */
export const EVALUATION_CSS: string = `
.bar{display:inline-block;height:10px;background:#59a14f;vertical-align:middle;margin-right:6px}
.b{display:inline-block;min-width:74px;padding:1px 6px;border-radius:3px;font-size:12px;text-align:center;color:#fff}
.b.resolved{background:#2e7d32}.b.unresolved{background:#c62828}.b.error{background:#6d4c41}
.b.empty{background:#b08900}.b.failed{background:#8e24aa}.b.none{background:#9e9e9e}.b.pending{background:#607d8b}
.inst{border-top:1px solid #ddd;margin-top:8px}
.inst details{border-bottom:1px solid #eee}
.inst summary{display:grid;grid-template-columns:minmax(260px,2fr) minmax(140px,1fr) repeat(var(--n),minmax(120px,1fr));
gap:8px;align-items:center;padding:4px 2px;cursor:pointer;font-size:13px}
.inst summary{list-style:none}.inst summary::-webkit-details-marker{display:none}
.inst summary>span:first-child::before{content:"\\25B8";display:inline-block;width:14px;color:#666}
.inst details[open]>summary>span:first-child::before{content:"\\25BE"}.inst details[open]>summary{background:#f4f8ff}
.inst summary:hover{background:#f7f7f7}td.nw{white-space:nowrap}
.inst .head{display:grid;grid-template-columns:minmax(260px,2fr) minmax(140px,1fr) repeat(var(--n),minmax(120px,1fr));
gap:8px;font-weight:600;font-size:13px;padding:4px 2px;background:#f4f4f4}
.inst .head>span:first-child{padding-left:14px}
.m{margin:6px 0 10px 18px}.m h4{margin:6px 0 2px;font-size:13px}.m .why{color:#555;font-size:12px}
pre.diff{max-height:420px;overflow:auto;background:#fafafa;border:1px solid #e3e3e3;padding:6px;margin:4px 0;
font:12px/1.35 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre}
pre.diff span{display:block}.diff .a{background:#e6ffed}.diff .d{background:#ffeef0}.diff .h{color:#6f42c1}
.diff .f{font-weight:600}
`;

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/** Badge text and class for one model's instance. */
function verdict(
  e: InstanceEvaluation | undefined,
  runStatus: string | undefined,
  hasResults: boolean,
): { cls: string; text: string } {
  if (e) return { cls: e.outcome, text: e.outcome };
  if (runStatus === "failed" || runStatus === "skipped") {
    return { cls: "failed", text: `no patch (${runStatus})` };
  }
  if (runStatus === undefined) return { cls: "none", text: "not run" };
  return hasResults ? { cls: "none", text: "not evaluated" } : { cls: "pending", text: "not evaluated" };
}

/** A patch as coloured lines (added, deleted, hunk headers, file headers). */
function diffHtml(patch: string): string {
  const lines = patch.replace(/\n$/, "").split("\n");
  return lines.map((l) => {
    const cls = l.startsWith("+++") || l.startsWith("---") || l.startsWith("diff --git")
      ? "f"
      : l.startsWith("+")
      ? "a"
      : l.startsWith("-")
      ? "d"
      : l.startsWith("@@")
      ? "h"
      : "";
    return `<span${cls ? ` class="${cls}"` : ""}>${esc(l) || " "}</span>`;
  }).join("");
}

function tests(e: InstanceEvaluation | undefined): string {
  if (!e) return "";
  const parts: string[] = [];
  if (e.failToPass) parts.push(`FAIL_TO_PASS ${e.failToPass.passed}/${e.failToPass.total} pass`);
  if (e.passToPass) parts.push(`PASS_TO_PASS ${e.passToPass.passed}/${e.passToPass.total} pass`);
  if (e.reason) parts.push(e.reason);
  return parts.join("; ");
}

function summaryTable(scored: readonly ScoredModel[]): string {
  const rows = scored.map((m) =>
    `<tr><td>${esc(m.label)}</td><td>${m.submitted}</td><td>${m.resolved}</td>` +
    `<td class="nw"><span class="bar" style="width:${Math.round(m.resolvedRate * 120)}px"></span>${
      pct(m.resolvedRate)
    }</td>` +
    `<td>${m.unresolved}</td><td>${m.empty}</td><td>${m.error}</td>` +
    `<td>${formatUsd(m.costUsd)}${m.costUnknown ? " + unknown" : ""}</td><td>${
      esc(costPerResolvedText(m))
    }</td>` +
    `<td>${m.tokensPerResolved === null ? "-" : formatCount(Math.round(m.tokensPerResolved))}</td>` +
    `<td>${esc(m.runId ?? "")}</td></tr>`
  ).join("");
  const totals = scored.filter((m) => m.totalInstances !== m.submitted).map((m) =>
    `<p>${
      esc(m.label)
    }: ${m.resolved} of the ${m.totalInstances} instances in the harness's dataset selection ` +
    `(${pct(m.resolvedRateOfTotal)}).</p>`
  ).join("");
  return `<h2>Resolved (SWE-bench harness)</h2>
<table><thead><tr><th>model</th><th>submitted</th><th>resolved</th><th>% resolved</th><th>unresolved</th>
<th>empty</th><th>error</th><th>cost</th><th>cost / resolved</th><th>tokens / resolved</th><th>run id</th></tr>
</thead><tbody>${rows}</tbody></table>${totals}`;
}

function repoTable(scored: readonly ScoredModel[]): string {
  const repos = [...new Set(scored.flatMap((m) => Object.keys(m.byRepo)))].sort();
  const rows = repos.map((repo) =>
    `<tr><td>${esc(repo)}</td>${
      scored.map((m) => {
        const r = m.byRepo[repo];
        return `<td>${r ? `${r.resolved}/${r.submitted}` : "-"}</td>`;
      }).join("")
    }</tr>`
  ).join("");
  return `<h2>Resolved per repository (resolved / submitted)</h2>
<table><thead><tr><th>repository</th>${
    scored.map((m) => `<th>${esc(m.label)}</th>`).join("")
  }</tr></thead><tbody>${rows}</tbody></table>`;
}

function uniqueList(scored: readonly ScoredModel[]): string {
  if (scored.length < 2) return "";
  const items = scored.map((m) =>
    `<li><b>${esc(m.label)}</b> (${m.onlyResolvedHere.length})${
      m.onlyResolvedHere.length ? ": " + m.onlyResolvedHere.map(esc).join(", ") : ""
    }</li>`
  ).join("");
  return `<h2>Resolved by only one model</h2><p>Of the instances the other models were also judged on.</p><ul>${items}</ul>`;
}

function instanceRows(models: readonly ModelReport[], ev: ScoredReport): string {
  const scoredBy = new Map(ev.scored.map((s) => [s.label, s]));
  const statusBy = new Map(models.map((m) => [m.label, new Map(m.perInstance.map((p) => [p.id, p]))]));
  const ids = [
    ...new Set([
      ...models.flatMap((m) => m.perInstance.map((p) => p.id)),
      ...ev.scored.flatMap((s) => Object.keys(s.instances)),
    ]),
  ].sort();
  if (ids.length === 0) return "";
  const n = models.length;
  const head = `<div class="head"><span>instance</span><span>repository</span>${
    models.map((m) => `<span>${esc(m.label)}</span>`).join("")
  }</div>`;
  const rows = ids.map((id) => {
    const cells = models.map((m) => {
      const s = scoredBy.get(m.label);
      const v = verdict(s?.instances[id], statusBy.get(m.label)?.get(id)?.status, !!s);
      return `<span><span class="b ${v.cls}">${esc(v.text)}</span></span>`;
    }).join("");
    const body = models.map((m) => {
      const s = scoredBy.get(m.label);
      const e = s?.instances[id];
      const run = statusBy.get(m.label)?.get(id);
      const v = verdict(e, run?.status, !!s);
      const patch = ev.patches.get(m.label)?.get(id);
      const cost = run?.costUsd !== undefined ? `, cost ${formatUsd(run.costUsd)}` : "";
      const why = tests(e);
      return `<div class="m"><h4>${esc(m.label)}: <span class="b ${v.cls}">${esc(v.text)}</span>${
        esc(cost)
      }</h4>` +
        (why ? `<div class="why">${esc(why)}</div>` : "") +
        (patch === undefined
          ? `<div class="why">no patch in the predictions file</div>`
          : patch === ""
          ? `<div class="why">empty patch</div>`
          : `<pre class="diff">${diffHtml(patch)}</pre>`) +
        `</div>`;
    }).join("");
    return `<details id="${esc(id)}"><summary><span>${esc(id)}</span><span>${
      esc(repoOf(id))
    }</span>${cells}` +
      `</summary>${body}</details>`;
  }).join("\n");
  return `<h2>Instances (click a row for each model's patch and verdict)</h2>
<div class="inst" style="--n:${n}">${head}
${rows}</div>`;
}

/**
 * The evaluation sections (empty string parts when there is nothing to show).
 *
 * @example
 * ```ts ignore
 * import { evaluationSections } from "./report_html_scored.ts";
 * const html = evaluationSections(models, await loadScored(paths, models, []));
 * ```
 */
export function evaluationSections(models: readonly ModelReport[], ev: ScoredReport): string {
  const parts: string[] = [];
  if (ev.scored.length) {
    parts.push(summaryTable(ev.scored), repoTable(ev.scored), uniqueList(ev.scored));
  } else {
    parts.push(
      `<p>No SWE-bench harness results were found for these run logs: run <code>swebench evaluate ` +
        `&lt;predictions&gt;</code> to score them.</p>`,
    );
  }
  parts.push(instanceRows(models, ev));
  return parts.join("\n");
}
