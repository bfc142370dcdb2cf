/**
 * Action of `swebench validate`: the report as compiler-style lines (`file:line: error: ...`) or JSON.
 *
 * @module
 */
import { formatCount } from "../core/format.ts";
import { loadInstances } from "../swebench/datasets.ts";
import { type Problem, validatePredictions, type ValidationReport } from "../swebench/validate.ts";
import type { GlobalFlags } from "./options.ts";
import { out, plural, style, ui } from "./output.ts";
import { datasetRef } from "./paths.ts";

/** Flags of `validate` (the action declares them: it never imports its command's definition). */
export type ValidateFlags = { dataset?: string; split: string; json?: true };

/** Problems of one code shown before "... and N more" (all with -v or --json). */
const SHOWN_PER_CODE = 10;

const FORMAT_NAMES: Record<ValidationReport["format"], string> = {
  "jsonl": "JSON Lines",
  "json-list": "a JSON list",
  "json-dict": "a JSON object keyed by instance id",
};

/** SWE-bench's own file names (`<model>__SWE-bench_Lite__test.jsonl`) say which dataset to check against. */
function guessDataset(file: string): string | undefined {
  const m = /__(SWE-bench(?:_Lite|_Verified)?)(?:_[A-Za-z0-9]+)*__([A-Za-z0-9]+)\.jsonl?$/.exec(file);
  if (!m) return undefined;
  const name = m[1] === "SWE-bench" ? "full" : m[1] === "SWE-bench_Lite" ? "lite" : "verified";
  return m[2] === "test" ? `-d ${name}` : `-d ${name} --split ${m[2]}`;
}

/** Print problems grouped by code, at most SHOWN_PER_CODE of each unless verbose. */
function printProblems(file: string, problems: Problem[], severity: "error" | "warning"): void {
  const tag = severity === "error" ? style.red("error") : style.yellow("warning");
  const shown = new Map<string, number>();
  const hidden = new Map<string, number>();
  for (const p of problems) {
    const n = shown.get(p.code) ?? 0;
    if (!ui.verbose && n >= SHOWN_PER_CODE) {
      hidden.set(p.code, (hidden.get(p.code) ?? 0) + 1);
      continue;
    }
    shown.set(p.code, n + 1);
    out(`${file}${p.line !== undefined ? `:${p.line}` : ""}: ${tag}: ${p.message}`);
  }
  for (const [code, n] of hidden) {
    out(
      style.dim(
        `  ... and ${formatCount(n)} more ${code} ${severity}${n === 1 ? "" : "s"} (-v or --json lists all)`,
      ),
    );
  }
}

/** `validate`. */
export async function validateAction(
  path: string,
  flags: ValidateFlags,
  _globals: GlobalFlags,
): Promise<number> {
  let ids: Set<string> | undefined;
  let datasetLabel: string | undefined;
  if (flags.dataset) {
    const ref = datasetRef(flags.dataset, { split: flags.split });
    const instances = await loadInstances(ref);
    ids = new Set(instances.map((i) => i.instance_id));
    datasetLabel = ref.kind === "local"
      ? `${ref.path} (${plural(ids.size, "instance")})`
      : `${ref.id ?? ref.name} (${ref.split}, ${plural(ids.size, "instance")})`;
  }
  const report = await validatePredictions(path, { instanceIds: ids });
  const code = report.errors.length > 0 ? 2 : 0;
  if (flags.json) {
    out(JSON.stringify(report, null, 2));
    return code;
  }
  const model = report.models.length === 1
    ? ` of ${report.models[0]}`
    : report.models.length > 1
    ? ` of ${report.models.length} models (${report.models.join(", ")})`
    : "";
  const unreadable = report.predictions === 0 &&
    report.errors.some((e) => e.code === "json" || e.code === "encoding");
  const format = FORMAT_NAMES[report.format];
  out(
    unreadable
      ? `${style.bold(path)}: the harness cannot read it`
      : `${style.bold(path)}: ${plural(report.predictions, "prediction")}${model}, read as ${format}`,
  );
  if (datasetLabel) {
    const unknown = report.errors.filter((e) => e.code === "unknown-id").length;
    out(
      `Dataset: ${datasetLabel}: ${unknown ? `${plural(unknown, "id")} not in it` : "every id is in it"}; ${
        plural(report.notPredicted ?? 0, "instance")
      } without a prediction`,
    );
  }
  printProblems(path, report.errors, "error");
  const unknownIds = report.errors.filter((e) => e.code === "unknown-id").length;
  if (unknownIds > 0 && unknownIds === report.predictions) {
    out(
      `${
        style.dim("hint:")
      } no id of this file is in the dataset: is it the dataset and split you generated from?`,
    );
  }
  const empty = report.warnings.filter((w) => w.code === "empty-patch");
  const otherWarnings = report.warnings.filter((w) => w.code !== "empty-patch");
  printProblems(path, otherWarnings, "warning");
  if (empty.length > 0) {
    if (ui.verbose) printProblems(path, empty, "warning");
    else {
      const where = empty.slice(0, SHOWN_PER_CODE).map((w) => `${w.line}`).join(", ");
      out(
        `${path}: ${style.yellow("warning")}: ${
          plural(report.emptyPatches, "empty patch", "empty patches")
        } (not resolved by the harness) on line${empty.length === 1 ? "" : "s"} ${where}${
          empty.length > SHOWN_PER_CODE ? `, ... (${empty.length - SHOWN_PER_CODE} more; -v lists all)` : ""
        }`,
      );
    }
  }
  if (!report.idsChecked) {
    const guess = guessDataset(path);
    out(style.dim(`Ids not checked against a dataset: add ${guess ?? "-d <dataset> (lite, verified, ...)"}`));
  }
  if (code !== 0) {
    out(
      `${style.red("Not ready")}: ${plural(report.errors.length, "error")}` +
        `${report.warnings.length ? `, ${plural(report.warnings.length, "warning")}` : ""}: ` +
        "the harness would stop on this file or score it wrongly. Fix the errors and run validate again.",
    );
  } else {
    out(
      `${style.green("OK")}: the harness can evaluate this file` +
        (report.warnings.length ? ` (${plural(report.warnings.length, "warning")})` : "") + ".",
    );
  }
  return code;
}
