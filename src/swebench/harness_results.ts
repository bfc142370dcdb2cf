/**
 * Reading what the official SWE-bench harness wrote: the run's report `<model>.<run_id>.json` (from
 * `reporting.make_run_report`) and the per-instance `logs/run_evaluation/<run_id>/<model>/<id>/report.json` (from
 * `grading.get_eval_report`), in the shapes of releases 4.x and 5.x (5.x adds `infra_failure_*`,
 * `ambiguous_failure_*` and `failure_reasons`).
 *
 * @module
 */
import { SwebenchError } from "../core/errors.ts";

/** The run report, as `make_run_report` writes it (ids lists sorted). */
export interface HarnessRunReport {
  /** Instances of the dataset (after `--instance_ids`). */
  total_instances: number;
  /** Predictions in the file. */
  submitted_instances: number;
  /** Instances with a `report.json`. */
  completed_instances: number;
  /** Resolved instances. */
  resolved_instances: number;
  /** Completed and not resolved. */
  unresolved_instances: number;
  /** Predictions with an empty patch (never run). */
  empty_patch_instances: number;
  /** Instances that produced no report (the patch did not apply, the container failed, a timeout). */
  error_instances: number;
  /** 5.x: failures classified as environment faults. */
  infra_failure_instances?: number;
  /** 5.x: failures that may be environment faults. */
  ambiguous_failure_instances?: number;
  /** Ids with a report. */
  completed_ids: string[];
  /** Dataset ids with no prediction. */
  incomplete_ids: string[];
  /** Ids with an empty patch. */
  empty_patch_ids: string[];
  /** Ids of the predictions. */
  submitted_ids: string[];
  /** Resolved ids. */
  resolved_ids: string[];
  /** Unresolved ids. */
  unresolved_ids: string[];
  /** Error ids. */
  error_ids: string[];
  /** 5.x. */
  infra_failure_ids?: string[];
  /** 5.x. */
  ambiguous_failure_ids?: string[];
  /** 5.x: id -> reason (`no_tests_collected`, ...). */
  failure_reasons?: Record<string, string>;
  /** 2 in 4.x and 5.x. */
  schema_version?: number;
}

/** Tests of one category in a per-instance report. */
export interface TestCounts {
  /** Tests that passed. */
  passed: number;
  /** Tests in the category. */
  total: number;
}

/** One instance's outcome. */
export type Outcome = "resolved" | "unresolved" | "error" | "empty" | "not-evaluated";

/** One instance as the harness judged it. */
export interface InstanceEvaluation {
  /** Instance id. */
  instance_id: string;
  /** Outcome. */
  outcome: Outcome;
  /** FAIL_TO_PASS tests that now pass, from `report.json`. */
  failToPass?: TestCounts;
  /** PASS_TO_PASS tests that still pass, from `report.json`. */
  passToPass?: TestCounts;
  /** Why it was not resolved, when known: `patch did not apply`, `tests timed out`, the 5.x failure reason. */
  reason?: string;
}

/** A harness run read back. */
export interface HarnessResults {
  /** Path of the run report. */
  reportPath: string;
  /** Run id (from the file name, when the model is known). */
  runId?: string;
  /** The run report. */
  report: HarnessRunReport;
  /** Per instance (every submitted id, plus dataset ids without a prediction are left out). */
  instances: Map<string, InstanceEvaluation>;
  /** Per-instance `report.json` files read. */
  instanceReports: number;
}

const COUNT_KEYS = [
  "total_instances",
  "submitted_instances",
  "completed_instances",
  "resolved_instances",
  "unresolved_instances",
  "empty_patch_instances",
  "error_instances",
] as const;
const ID_KEYS = [
  "completed_ids",
  "incomplete_ids",
  "empty_patch_ids",
  "submitted_ids",
  "resolved_ids",
  "unresolved_ids",
  "error_ids",
] as const;

/**
 * Check that a parsed JSON value is a harness run report; throws a `usage` error naming the file otherwise.
 *
 * @example
 * ```ts
 * import { parseHarnessReport } from "@swebench/runner/lib";
 * const r = parseHarnessReport({ total_instances: 1, submitted_instances: 1, completed_instances: 1,
 *   resolved_instances: 1, unresolved_instances: 0, empty_patch_instances: 0, error_instances: 0,
 *   completed_ids: ["a"], incomplete_ids: [], empty_patch_ids: [], submitted_ids: ["a"], resolved_ids: ["a"],
 *   unresolved_ids: [], error_ids: [] }, "r.json");
 * console.log(r.resolved_ids); // ["a"]
 * ```
 */
export function parseHarnessReport(value: unknown, where: string): HarnessRunReport {
  const bad = (what: string) =>
    new SwebenchError("usage", `${where} is not a SWE-bench harness report: ${what}`, {
      hint: "Pass the <model>.<run_id>.json file that `python -m swebench.harness.run_evaluation` (or " +
        "`swebench evaluate`) wrote at the end of its run.",
    });
  if (!value || typeof value !== "object" || Array.isArray(value)) throw bad("not a JSON object");
  const o = value as Record<string, unknown>;
  for (const k of COUNT_KEYS) if (typeof o[k] !== "number") throw bad(`"${k}" is missing or not a number`);
  for (const k of ID_KEYS) {
    if (!Array.isArray(o[k]) || !(o[k] as unknown[]).every((x) => typeof x === "string")) {
      throw bad(`"${k}" is missing or not a list of ids`);
    }
  }
  return o as unknown as HarnessRunReport;
}

/**
 * Read a run report file.
 *
 * @example
 * ```ts ignore
 * import { readHarnessReport } from "@swebench/runner/lib";
 * const r = await readHarnessReport("predictions/gpt-4o-mini.my-run.json");
 * ```
 */
export async function readHarnessReport(path: string): Promise<HarnessRunReport> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new SwebenchError("usage", `Harness report not found: ${path}`, {
        hint: "Run `swebench evaluate <predictions>` first, or pass the harness's <model>.<run_id>.json.",
      });
    }
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SwebenchError("usage", `${path} is not valid JSON: ${(e as Error).message}`, {
      hint: "Pass the <model>.<run_id>.json file the harness wrote.",
    });
  }
  return parseHarnessReport(value, path);
}

/** The harness's directory name for a model (`/` -> `__`). */
export function harnessModelDir(model: string): string {
  return model.replaceAll("/", "__");
}

/**
 * The run report's file name: `<model with "/" as "__">.<run_id>.json`.
 *
 * @example
 * ```ts
 * import { harnessReportName } from "@swebench/runner/lib";
 * harnessReportName("openai/gpt-4o", "r1"); // "openai__gpt-4o.r1.json"
 * ```
 */
export function harnessReportName(model: string, runId: string): string {
  return `${harnessModelDir(model)}.${runId}.json`;
}

/**
 * An instance's log directory: `<root>/logs/run_evaluation/<run_id>/<model>/<id>`.
 *
 * @example
 * ```ts
 * import { instanceLogDir } from "@swebench/runner/lib";
 * instanceLogDir("/w", "r1", "openai/gpt-4o", "a__b-1"); // "/w/logs/run_evaluation/r1/openai__gpt-4o/a__b-1"
 * ```
 */
export function instanceLogDir(root: string, runId: string, model: string, instanceId: string): string {
  return `${root}/logs/run_evaluation/${runId}/${harnessModelDir(model)}/${instanceId}`;
}

function counts(v: unknown): TestCounts | undefined {
  if (!v || typeof v !== "object") return undefined;
  const s = (v as { success?: unknown }).success;
  const f = (v as { failure?: unknown }).failure;
  if (!Array.isArray(s) || !Array.isArray(f)) return undefined;
  return { passed: s.length, total: s.length + f.length };
}

/**
 * Parse a per-instance `report.json` (`{"<id>": {"resolved": ..., "tests_status": {...}}}`).
 *
 * @example
 * ```ts
 * import { parseInstanceReport } from "@swebench/runner/lib";
 * const r = parseInstanceReport({ "a": { resolved: true, tests_status: { FAIL_TO_PASS: { success: ["t"], failure: [] } } } }, "a");
 * console.log(r?.failToPass); // { passed: 1, total: 1 }
 * ```
 */
export function parseInstanceReport(
  value: unknown,
  instanceId: string,
): { resolved: boolean; failToPass?: TestCounts; passToPass?: TestCounts; infraReason?: string } | undefined {
  const entry = (value as Record<string, unknown> | null)?.[instanceId] as
    | Record<string, unknown>
    | undefined;
  if (!entry || typeof entry !== "object" || typeof entry.resolved !== "boolean") return undefined;
  const tests = entry.tests_status as Record<string, unknown> | undefined;
  return {
    resolved: entry.resolved,
    failToPass: counts(tests?.FAIL_TO_PASS),
    passToPass: counts(tests?.PASS_TO_PASS),
    infraReason: typeof entry.infra_failure_reason === "string" ? entry.infra_failure_reason : undefined,
  };
}

async function readTextIfExists(path: string, maxBytes = 8 << 20): Promise<string | undefined> {
  try {
    const st = await Deno.stat(path);
    if (!st.isFile) return undefined;
    if (st.size <= maxBytes) return await Deno.readTextFile(path);
    // Only the end of a huge log matters.
    using f = await Deno.open(path);
    await f.seek(st.size - maxBytes, Deno.SeekMode.Start);
    const buf = new Uint8Array(maxBytes);
    const n = (await f.read(buf)) ?? 0;
    return new TextDecoder().decode(buf.subarray(0, n));
  } catch {
    return undefined;
  }
}

/** Why an instance produced no report, from its `run_instance.log` (the harness's own markers). */
function errorReason(log: string | undefined): string | undefined {
  if (!log) return undefined;
  if (log.includes(">>>>> Patch Apply Failed")) return "patch did not apply";
  if (/Test timed out after|Timeout error: \d+ seconds exceeded/.test(log)) return "tests timed out";
  if (/Image .* not found|Error creating container/.test(log)) return "container could not start";
  return undefined;
}

/** Options of {@linkcode loadHarnessResults}. */
export interface LoadResultsOptions {
  /** The directory the harness ran in (holds `logs/`); default: the report's directory. */
  logsRoot?: string;
  /** Run id; default: from the file name when `model` is given. */
  runId?: string;
  /** `model_name_or_path` of the predictions. */
  model?: string;
}

/**
 * Read a run report and, where they exist, the per-instance reports and logs beside it.
 *
 * @example
 * ```ts ignore
 * import { loadHarnessResults } from "@swebench/runner/lib";
 * const r = await loadHarnessResults("predictions/gold.gold-1a2b3c4d.json", { model: "gold" });
 * console.log(r.instances.get("django__django-16046")?.outcome);
 * ```
 */
export async function loadHarnessResults(
  reportPath: string,
  options: LoadResultsOptions = {},
): Promise<HarnessResults> {
  const report = await readHarnessReport(reportPath);
  const dir = reportPath.includes("/") ? reportPath.slice(0, reportPath.lastIndexOf("/")) : ".";
  const file = reportPath.split("/").pop()!;
  let runId = options.runId;
  if (runId === undefined && options.model !== undefined) {
    const prefix = `${harnessModelDir(options.model)}.`;
    if (file.startsWith(prefix) && file.endsWith(".json")) runId = file.slice(prefix.length, -".json".length);
  }
  const root = options.logsRoot ?? dir;
  const instances = new Map<string, InstanceEvaluation>();
  const set = (ids: readonly string[], outcome: Outcome) => {
    for (const id of ids) instances.set(id, { instance_id: id, outcome });
  };
  // The harness's own precedence: an instance whose report is unreadable is in both completed and error lists.
  set(report.unresolved_ids, "unresolved");
  set(report.resolved_ids, "resolved");
  set(report.error_ids, "error");
  set(report.empty_patch_ids, "empty");
  for (const [id, reason] of Object.entries(report.failure_reasons ?? {})) {
    const e = instances.get(id);
    if (e) e.reason = reason.replaceAll("_", " ");
  }
  let read = 0;
  if (runId !== undefined && options.model !== undefined) {
    const model = options.model;
    await Promise.all([...instances.values()].map(async (e) => {
      if (e.outcome === "empty") return;
      const d = instanceLogDir(root, runId!, model, e.instance_id);
      if (e.outcome === "error") {
        e.reason ??= errorReason(await readTextIfExists(`${d}/run_instance.log`));
        return;
      }
      const text = await readTextIfExists(`${d}/report.json`);
      if (text === undefined) return;
      try {
        const parsed = parseInstanceReport(JSON.parse(text), e.instance_id);
        if (!parsed) return;
        read++;
        e.failToPass = parsed.failToPass;
        e.passToPass = parsed.passToPass;
        if (parsed.infraReason) e.reason ??= parsed.infraReason.replaceAll("_", " ");
      } catch { /* the run report already says what happened */ }
    }));
  }
  return { reportPath, runId, report, instances, instanceReports: read };
}

/** `<predictions>.evaluation.json`: what `swebench evaluate` ran, so `report` finds the results. */
export interface EvaluationRecord {
  /** Predictions file (absolute). */
  predictions: string;
  /** `model_name_or_path`. */
  model: string;
  /** Run id. */
  runId: string;
  /** Run report (absolute). */
  reportPath: string;
  /** The harness's working directory (holds `logs/run_evaluation/<run_id>`). */
  logsRoot: string;
  /** swebench version. */
  harnessVersion: string;
  /** Python used. */
  python: string;
  /** `--dataset_name` passed. */
  datasetName: string;
  /** `--split` passed. */
  split: string;
  /** `--instance_ids` passed. */
  instanceIds?: string[];
  /** ISO times. */
  startedAt: string;
  /** ISO times. */
  finishedAt: string;
}

/**
 * The record file beside a predictions file.
 *
 * @example
 * ```ts
 * import { evaluationRecordPath } from "@swebench/runner/lib";
 * evaluationRecordPath("predictions/a.jsonl"); // "predictions/a.jsonl.evaluation.json"
 * ```
 */
export function evaluationRecordPath(predictionsPath: string): string {
  return `${predictionsPath}.evaluation.json`;
}

/**
 * Find the harness results for a predictions file: the record `swebench evaluate` left
 * (`<predictions>.evaluation.json`), else the newest `<model>.<run_id>.json` run report beside the predictions
 * whose submitted ids are the predictions' ids. Undefined when there is none.
 *
 * @example
 * ```ts ignore
 * import { findHarnessResults } from "@swebench/runner/lib";
 * const found = await findHarnessResults("predictions/gold.jsonl", "gold", new Set(["django__django-16046"]));
 * ```
 */
export async function findHarnessResults(
  predictionsPath: string,
  model: string,
  ids: ReadonlySet<string>,
): Promise<{ reportPath: string; logsRoot: string; runId?: string } | undefined> {
  try {
    const rec = JSON.parse(
      await Deno.readTextFile(evaluationRecordPath(predictionsPath)),
    ) as EvaluationRecord;
    if (typeof rec.reportPath === "string" && typeof rec.logsRoot === "string") {
      await Deno.stat(rec.reportPath);
      return { reportPath: rec.reportPath, logsRoot: rec.logsRoot, runId: rec.runId };
    }
  } catch { /* no record, or its report is gone: look beside the predictions */ }
  const dir = predictionsPath.includes("/")
    ? predictionsPath.slice(0, predictionsPath.lastIndexOf("/"))
    : ".";
  const prefix = `${harnessModelDir(model)}.`;
  const candidates: { path: string; mtime: number }[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.startsWith(prefix) || !e.name.endsWith(".json")) continue;
      if (e.name.endsWith(".evaluation.json") || e.name.endsWith(".manifest.json")) continue;
      const path = `${dir}/${e.name}`;
      const st = await Deno.stat(path);
      candidates.push({ path, mtime: st.mtime?.getTime() ?? 0 });
    }
  } catch {
    return undefined;
  }
  candidates.sort((a, b) => b.mtime - a.mtime);
  for (const c of candidates) {
    try {
      const report = parseHarnessReport(JSON.parse(await Deno.readTextFile(c.path)), c.path);
      if (report.submitted_ids.some((id) => ids.has(id))) {
        const runId = c.path.split("/").pop()!.slice(prefix.length, -".json".length);
        return { reportPath: c.path, logsRoot: dir, runId };
      }
    } catch { /* not a harness report */ }
  }
  return undefined;
}
