/**
 * The action of `swebench evaluate`: validate each predictions file, check that Python can import `swebench` and
 * that Docker answers (exit 3 with the fix otherwise), run the harness with the flags its version accepts while
 * streaming its output to stderr, then read its run report and per-instance reports and leave
 * `<predictions>.evaluation.json` so that `swebench report` finds them.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import { type DatasetRef, loadInstances } from "../swebench/datasets.ts";
import {
  checkRunId,
  defaultRunId,
  detectHarness,
  HARNESS5_COLUMNS,
  harnessArgs,
  harnessDatasetName,
  type HarnessInfo,
  runHarness,
} from "../swebench/harness.ts";
import {
  type EvaluationRecord,
  evaluationRecordPath,
  harnessReportName,
  type HarnessResults,
  instanceLogDir,
  loadHarnessResults,
} from "../swebench/harness_results.ts";
import { readManifest, type RunManifest } from "../swebench/manifest.ts";
import { validatePredictions } from "../swebench/validate.ts";
import { env } from "./env.ts";
import type { GlobalFlags } from "./options.ts";
import { info, out, style, ui, warn } from "./output.ts";
import { displayPath } from "./display_path.ts";
import { datasetRef } from "./paths.ts";

/** Parsed `evaluate` flags (the action declares them: it never imports its command's definition). */
export interface EvaluateFlags {
  dataset?: string;
  split?: string;
  runId?: string;
  maxWorkers?: number;
  instances?: string[];
  json?: true;
}

/** A predictions file that passed validation, with what evaluate needs from it. */
interface Checked {
  path: string;
  predictions: number;
  models: string[];
  ids: Set<string>;
  patches: Map<string, string>;
  emptyPatches: number;
}

/** The predictions of a `.jsonl` or `.json` (list, or object keyed by id) file that validation accepted. */
async function readAccepted(path: string): Promise<{ instance_id: string; model_patch: string | null }[]> {
  const text = await Deno.readTextFile(path);
  if (/\.json$/.test(path)) {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v : Object.values(v);
  }
  return text.split(/\r\n|\r|\n/).filter((l) => l !== "").map((l) => JSON.parse(l));
}

/**
 * Validate a predictions file as the harness will read it (`swebench validate`'s checks, ids against the dataset
 * when it could be loaded). Errors are a usage error (exit 2) listing them; warnings other than empty patches
 * are summed up on stderr.
 */
async function checkPredictions(
  path: string,
  datasetIds: ReadonlySet<string> | undefined,
  only: readonly string[] | undefined,
): Promise<Checked> {
  const report = await validatePredictions(path, { instanceIds: datasetIds });
  // A patch `git apply` rejects stops nothing: the harness tries it (then `patch --fuzz`) and counts that one
  // instance as an error. Everything else validate calls an error would abort the run or misfile it.
  const badPatches = report.errors.filter((p) => p.code.startsWith("patch-"));
  const blocking = report.errors.filter((p) => !p.code.startsWith("patch-"));
  const problems = blocking.map((p) => `${path}${p.line !== undefined ? `:${p.line}` : ""}: ${p.message}`);
  let c: Checked | undefined;
  if (blocking.length === 0) {
    const preds = await readAccepted(path);
    c = {
      path,
      predictions: report.predictions,
      models: report.models,
      ids: new Set(preds.map((p) => p.instance_id)),
      patches: new Map(preds.map((p) => [p.instance_id, p.model_patch ?? ""])),
      emptyPatches: report.emptyPatches,
    };
    const unknown = (only ?? []).filter((id) => !c!.ids.has(id));
    if (unknown.length) {
      problems.push(`-i names instance(s) with no prediction in ${path}: ${unknown.join(", ")}`);
    }
  }
  if (problems.length || !c) {
    throw new SwebenchError(
      "usage",
      `${path} is not ready for the harness (${problems.length} problem(s)):\n  ` +
        problems.slice(0, 10).join("\n  ") +
        (problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : ""),
      {
        hint:
          `Fix the file (or pass the dataset it was made for with -d/--split); \`swebench validate ${path}\` ` +
          "lists every problem.",
      },
    );
  }
  const rejected = new Set(badPatches.map((p) => p.instanceId ?? p.line));
  if (rejected.size) {
    warn(
      `${path}: ${rejected.size} patch(es) that \`git apply\` rejects (${
        [...rejected].slice(0, 3).join(", ")
      }${rejected.size > 3 ? ", ..." : ""}): the harness will count them as errors; ` +
        `\`swebench validate ${path}\` says why`,
    );
  }
  const other = report.warnings.filter((w) => w.code !== "empty-patch");
  if (other.length) {
    const codes = [...new Set(other.map((w) => w.code))].join(", ");
    warn(`${path}: ${other.length} warning(s) (${codes}): \`swebench validate ${path}\` lists them`);
  }
  return c;
}

const DATASET_LABELS: Record<string, string> = {
  "swe-bench_lite": "lite",
  "swe-bench_verified": "verified",
  "swe-bench": "full",
  "sample": "sample",
};

/** `-d`/`--split` from SWE-bench's file naming, `<model>__<dataset>__<split>.jsonl` (our default output). */
export function datasetFromFileName(path: string): { dataset?: string; split?: string } {
  const parts = (path.split(/[\\/]/).pop() ?? "").replace(/\.jsonl?$/, "").split("__");
  if (parts.length < 3) return {};
  const label = parts.at(-2)!.toLowerCase().replace(/_(bm25_\d+k|oracle)$/, "");
  const dataset = DATASET_LABELS[label];
  return dataset ? { dataset, split: parts.at(-1) } : {};
}

/**
 * `-d`/`--split` from the run manifest beside the predictions (what `generate` recorded), when it names a dataset
 * that can be loaded again: a Hugging Face id (a retrieval variant's id stands for its base dataset: the same
 * instances) or `sample`. A local file is recorded by its name only, so it is left to the file name and `-d`.
 */
async function datasetFromManifest(path: string): Promise<{ dataset?: string; split?: string }> {
  let manifest: RunManifest | undefined;
  try {
    manifest = await readManifest(path);
  } catch {
    return {}; // an unreadable manifest is validate's and generate's business, not a reason to stop here
  }
  const g = manifest?.generation;
  if (!g || !(g.dataset === "sample" || /^[\w.-]+\/[\w.-]+$/.test(g.dataset))) return {};
  return { dataset: g.dataset.replace(/_(bm25_\d+K|oracle)$/i, ""), split: g.split };
}

async function datasetIds(ref: DatasetRef): Promise<Set<string> | undefined> {
  try {
    return new Set((await loadInstances(ref)).map((i) => i.instance_id));
  } catch (e) {
    if (e instanceof SwebenchError && ref.kind === "local") throw e;
    warn(
      `could not load ${ref.name} (${(e as Error).message.split("\n")[0]}) to check the instance ids; ` +
        "the harness will check them",
    );
    return undefined;
  }
}

/** The columns of a local dataset file's first row (5.x needs image, eval_script, log_parser, eval_type). */
async function localColumns(ref: DatasetRef): Promise<string[] | undefined> {
  if (ref.kind !== "local") return undefined;
  if (ref.format === "parquet") {
    const { parquetMetadataAsync } = await import("hyparquet");
    const bytes = await Deno.readFile(ref.path!);
    const meta = await parquetMetadataAsync(bytes.buffer as ArrayBuffer);
    return meta.schema.slice(1).map((s) => s.name);
  }
  const text = await Deno.readTextFile(ref.path!);
  const first = ref.format === "json"
    ? JSON.parse(text)?.[0]
    : JSON.parse(text.split("\n").find((l) => l.trim())!);
  return first && typeof first === "object" ? Object.keys(first) : [];
}

const dirOf = (p: string) => p.slice(0, p.lastIndexOf("/")) || "/";

const pct = (n: number, d: number) => d > 0 ? `${((n / d) * 100).toFixed(1)}%` : "-";

/** One file's evaluation, for the summary and --json. */
interface Evaluated {
  predictions: string;
  model: string;
  runId: string;
  record: EvaluationRecord;
  results: HarnessResults;
  counts: {
    total: number;
    submitted: number;
    resolved: number;
    unresolved: number;
    empty: number;
    error: number;
  };
  errors: { instance_id: string; reason?: string }[];
}

async function evaluateFile(
  c: Checked,
  ref: DatasetRef,
  harness: HarnessInfo,
  flags: EvaluateFlags,
  runId: string,
  signal: AbortSignal,
): Promise<Evaluated> {
  const abs = await Deno.realPath(c.path);
  const dir = dirOf(abs);
  const model = c.models[0];
  const instanceIds = flags.instances ?? (ref.kind === "sample" ? [...c.ids].sort() : undefined);
  // The harness keeps a result per run id and instance, whatever the patch now says.
  const stale: string[] = [];
  for (const [id, patch] of c.patches) {
    const d = instanceLogDir(dir, runId, model, id);
    try {
      await Deno.stat(`${d}/report.json`);
      if ((await Deno.readTextFile(`${d}/patch.diff`)) !== patch) stale.push(id);
    } catch { /* not evaluated yet */ }
  }
  if (stale.length) {
    warn(
      `${stale.length} instance(s) already have results under run id ${runId} for a different patch ` +
        `(${stale.slice(0, 3).join(", ")}${
          stale.length > 3 ? ", ..." : ""
        }): the harness keeps those results. ` +
        "Pass a new --run-id to evaluate the current patches.",
    );
  }
  // A local dataset file as an absolute path: the harness runs in the predictions' directory.
  const datasetName = ref.kind === "local" ? await Deno.realPath(ref.path!) : harnessDatasetName(ref);
  const args = harnessArgs({
    datasetName,
    split: ref.split,
    predictionsPath: abs,
    runId,
    maxWorkers: flags.maxWorkers,
    instanceIds,
    reportDir: dir,
  }, harness.flags);
  const startedAt = new Date().toISOString();
  info(
    style.bold(`Evaluating ${c.path}`) +
      ` (${c.predictions} predictions of ${model}${
        c.emptyPatches ? `, ${c.emptyPatches} empty: not run` : ""
      })`,
  );
  info(
    `  swebench ${harness.version}, dataset ${datasetName} (${ref.split})` +
      `${instanceIds ? `, ${instanceIds.length} instance(s)` : ""}, run id ${runId}, ` +
      `${flags.maxWorkers ?? "4 (harness default)"} worker(s)`,
  );
  info(`  logs: ${displayPath(dir)}/logs/run_evaluation/${runId}/`);
  info(style.dim(`  $ ${harness.python} ${args.join(" ")}`));
  info(style.dim("── SWE-bench harness output ──"));
  const exit = await runHarness({
    python: harness.python,
    args,
    cwd: dir,
    signal,
    onOutput: ui.quiet ? undefined : (b) => Deno.stderr.writeSync(b),
  });
  info(style.dim(`── end of harness output (exit ${exit.code}) ──`));
  if (exit.interrupted || signal.aborted) {
    throw new SwebenchError("interrupted", `Interrupted: the harness stopped (exit ${exit.code})`, {
      hint: "Re-run the same command to resume: instances that already have a report are not run again.",
    });
  }
  if (exit.code !== 0) {
    const logs = `${displayPath(dir)}/logs/run_evaluation/${runId}/`;
    const text = exit.tail.join("\n");
    const last = exit.tail.filter((l) => !/^\s*(File |Traceback|\^)/.test(l)).at(-1)?.trim() ?? "";
    if (/Some (prediction|instance) IDs not found in dataset/.test(text)) {
      throw new SwebenchError(
        "usage",
        `The harness refused ${c.path}: ids not in ${datasetName} (${ref.split})`,
        {
          hint: "Pass the dataset the predictions were made for with -d (and --split).",
          body: text,
        },
      );
    }
    throw new SwebenchError("unexpected", `The SWE-bench harness failed (exit ${exit.code}): ${last}`, {
      hint: `Its output is above; logs are in ${logs}. Instances already evaluated are kept: fix the cause ` +
        "and re-run the same command.",
      body: text,
    });
  }
  const reportPath = exit.reportPath
    ? (exit.reportPath.startsWith("/") ? exit.reportPath : `${dir}/${exit.reportPath}`)
    : `${dir}/${harnessReportName(model, runId)}`;
  const results = await loadHarnessResults(reportPath, { model, runId, logsRoot: dir });
  const record: EvaluationRecord = {
    predictions: abs,
    model,
    runId,
    reportPath,
    logsRoot: dir,
    harnessVersion: harness.version,
    python: harness.python,
    datasetName,
    split: ref.split,
    ...(instanceIds ? { instanceIds } : {}),
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  const recPath = evaluationRecordPath(abs);
  const tmp = `${recPath}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(record, null, 2) + "\n");
  await Deno.rename(tmp, recPath);
  const r = results.report;
  const errors = r.error_ids.map((id) => ({ instance_id: id, reason: results.instances.get(id)?.reason }));
  const submitted =
    new Set([...r.resolved_ids, ...r.unresolved_ids, ...r.error_ids, ...r.empty_patch_ids]).size;
  return {
    predictions: c.path,
    model,
    runId,
    record,
    results,
    counts: {
      total: r.total_instances,
      submitted,
      resolved: r.resolved_ids.length,
      unresolved: r.unresolved_ids.length,
      empty: r.empty_patch_ids.length,
      error: r.error_ids.length,
    },
    errors,
  };
}

function summary(e: Evaluated): string[] {
  const k = e.counts;
  const reasons = new Map<string, number>();
  for (const x of e.errors) {
    reasons.set(x.reason ?? "see the log", (reasons.get(x.reason ?? "see the log") ?? 0) + 1);
  }
  const why = [...reasons].map(([r, n]) => `${r}: ${n}`).join(", ");
  const lines = [
    `${style.bold(e.predictions)}: ${style.green(`${k.resolved} of ${k.submitted} resolved`)} ` +
    `(${pct(k.resolved, k.submitted)}); ${k.unresolved} unresolved, ${k.empty} empty, ${k.error} error` +
    `${k.error === 1 ? "" : "s"}${why ? ` (${why})` : ""}`,
  ];
  if (k.total !== k.submitted) {
    lines.push(
      `  ${k.resolved} of the ${k.total} instances in the dataset selection (${pct(k.resolved, k.total)})`,
    );
  }
  lines.push(`  harness report: ${displayPath(e.record.reportPath)}`);
  return lines;
}

/** `swebench evaluate`. */
export async function evaluateAction(
  paths: string[],
  flags: EvaluateFlags,
  _globals: GlobalFlags,
): Promise<number> {
  if (flags.runId !== undefined) checkRunId(flags.runId);
  // 1. The files and their datasets, checked before anything runs.
  const plans: { c: Checked; ref: DatasetRef; runId: string }[] = [];
  for (const path of paths) {
    const fromRun = flags.dataset ? {} : await datasetFromManifest(path);
    const fromName = fromRun.dataset ? fromRun : datasetFromFileName(path);
    const name = flags.dataset ?? fromName.dataset ?? "lite";
    if (!flags.dataset) {
      const source = fromRun.dataset ? "its run manifest" : "the file name";
      info(
        fromName.dataset
          ? `${path}: dataset ${name} (${fromName.split}) from ${source} (-d to choose another)`
          : `${path}: assuming -d lite (pass -d to choose the dataset)`,
      );
    }
    const ref = datasetRef(name, { split: flags.split ?? (flags.dataset ? undefined : fromName.split) });
    const c = await checkPredictions(path, await datasetIds(ref), flags.instances);
    const runId = flags.runId ?? await defaultRunId(path, await Deno.readFile(path));
    plans.push({ c, ref, runId });
  }
  const seen = new Map<string, string>();
  for (const p of plans) {
    const abs = await Deno.realPath(p.c.path);
    const key = `${dirOf(abs)}|${p.runId}|${p.c.models[0].replaceAll("/", "__")}`;
    if (seen.has(key)) {
      throw new SwebenchError(
        "usage",
        `${seen.get(key)} and ${p.c.path} hold the same model (${
          p.c.models[0]
        }) under the same run id ${p.runId}`,
        {
          hint:
            "The harness would file both under one report: evaluate them separately, each with its own --run-id.",
        },
      );
    }
    seen.set(key, p.c.path);
  }
  // 2. Python, swebench and Docker (exit 3 with the fix when one is missing).
  const fromEnv = env("SWEBENCH_PYTHON");
  const harness = await detectHarness(fromEnv ?? "python3", { fromEnv: fromEnv !== undefined });
  info(
    `Harness: swebench ${harness.version} (Python ${harness.pythonVersion ?? "?"}, ${harness.python}), ` +
      `Docker ${harness.dockerVersion}`,
  );
  for (const p of plans) {
    if (harness.major >= 5 && p.ref.kind === "local") {
      const cols = await localColumns(p.ref);
      const missing = HARNESS5_COLUMNS.filter((k) => !cols?.includes(k));
      if (missing.length) {
        throw new SwebenchError(
          "usage",
          `${p.ref.path} lacks the columns swebench ${harness.version} reads from every row: ${
            missing.join(", ")
          }`,
          {
            hint:
              "Evaluate with the dataset the harness knows instead (-d lite, -d verified or -d full: it loads " +
              "SWE-bench/SWE-bench_Lite, ... from Hugging Face), or a file exported from those datasets.",
          },
        );
      }
    }
  }
  // 3. Run, one file after another.
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  try {
    Deno.addSignalListener("SIGINT", onSigint);
  } catch { /* no signal support */ }
  const done: Evaluated[] = [];
  try {
    for (const p of plans) {
      done.push(await evaluateFile(p.c, p.ref, harness, flags, p.runId, controller.signal));
    }
  } finally {
    try {
      Deno.removeSignalListener("SIGINT", onSigint);
    } catch { /* ignore */ }
  }
  // Errors other than patches that do not apply may pass on a re-run (the harness retries them).
  const retryable = done.flatMap((e) => e.errors.filter((x) => x.reason !== "patch did not apply"));
  const code = retryable.length ? 4 : 0;
  if (flags.json) {
    out(JSON.stringify(
      {
        harness: {
          version: harness.version,
          python: harness.python,
          pythonVersion: harness.pythonVersion,
          docker: harness.dockerVersion,
        },
        evaluations: done.map((e) => ({
          predictions: e.predictions,
          model: e.model,
          runId: e.runId,
          datasetName: e.record.datasetName,
          split: e.record.split,
          report: e.record.reportPath,
          logs: `${e.record.logsRoot}/logs/run_evaluation/${e.runId}`,
          ...e.counts,
          resolvedRate: e.counts.submitted ? e.counts.resolved / e.counts.submitted : 0,
          resolvedIds: e.results.report.resolved_ids,
          errors: e.errors,
        })),
        exitCode: code,
      },
      null,
      2,
    ));
    return code;
  }
  out("");
  for (const e of done) for (const l of summary(e)) out(l);
  if (retryable.length) {
    warn(
      `${retryable.length} instance(s) could not be evaluated (${
        retryable.slice(0, 3).map((x) => x.instance_id)
          .join(", ")
      }${retryable.length > 3 ? ", ..." : ""}): see their run_instance.log; re-running the same ` +
        "command retries them",
    );
  }
  const logs = done.map((e) => `${e.predictions}.runlog.jsonl`);
  out(`Next: swebench report ${logs.join(" ")} --html report.html`);
  return code;
}
