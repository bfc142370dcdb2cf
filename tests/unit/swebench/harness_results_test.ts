/**
 * Reading the harness's reports, on real files written by swebench 5.0.2 (tests/fixtures/harness/, see the
 * fixtures README for their source).
 */
import assert from "node:assert/strict";
import { SwebenchError } from "../../../src/core/errors.ts";
import {
  evaluationRecordPath,
  findHarnessResults,
  harnessReportName,
  instanceLogDir,
  loadHarnessResults,
  parseHarnessReport,
  parseInstanceReport,
  readHarnessReport,
} from "../../../src/swebench/harness_results.ts";

const REAL = new URL("../../fixtures/harness/swebench-5.0.2-lite/", import.meta.url).pathname;
const MODEL = "glm-5.3-zcode-campaign";
const REPORT = `${REAL}${MODEL}.tonight.json`;

Deno.test("a real 5.0.2 run report: counts agree with the id lists, 5.x fields read", async () => {
  const r = await readHarnessReport(REPORT);
  assert.equal(r.total_instances, 300);
  assert.equal(r.submitted_instances, 37);
  assert.equal(r.resolved_ids.length, r.resolved_instances);
  assert.equal(r.unresolved_ids.length, r.unresolved_instances);
  assert.equal(r.completed_ids.length, r.resolved_instances + r.unresolved_instances);
  assert.equal(r.incomplete_ids.length, 300 - 37);
  assert.deepEqual(r.failure_reasons, {
    "pytest-dev__pytest-5103": "no_tests_collected",
    "pytest-dev__pytest-5221": "no_tests_collected",
  });
});

Deno.test("real per-instance reports are joined with the run report: tests passed, failure reasons", async () => {
  const res = await loadHarnessResults(REPORT, { model: MODEL });
  assert.equal(res.runId, "tonight", "run id from <model>.<run_id>.json");
  assert.equal(res.instances.size, 37);
  const outcomes = [...res.instances.values()].reduce<Record<string, number>>(
    (a, e) => ({ ...a, [e.outcome]: (a[e.outcome] ?? 0) + 1 }),
    {},
  );
  assert.deepEqual(outcomes, { resolved: 25, unresolved: 12 });
  assert.equal(res.instanceReports, 4, "the four per-instance reports copied from the same run");
  assert.deepEqual(res.instances.get("django__django-10924"), {
    instance_id: "django__django-10924",
    outcome: "resolved",
    failToPass: { passed: 1, total: 1 },
    passToPass: { passed: 1, total: 1 },
  });
  const p6506 = res.instances.get("pylint-dev__pylint-6506")!;
  assert.equal(p6506.outcome, "unresolved");
  assert.deepEqual(p6506.failToPass, { passed: 0, total: 2 });
  assert.deepEqual(p6506.passToPass, { passed: 6, total: 6 });
  const p5103 = res.instances.get("pytest-dev__pytest-5103")!;
  assert.equal(p5103.reason, "no tests collected");
  assert.deepEqual(p5103.passToPass, { passed: 64, total: 64 });
});

Deno.test("each real per-instance report says what the run report says about that instance", async () => {
  const run = await readHarnessReport(REPORT);
  for (
    const id of [
      "django__django-10924",
      "pylint-dev__pylint-5859",
      "pylint-dev__pylint-6506",
      "pytest-dev__pytest-5103",
    ]
  ) {
    const text = await Deno.readTextFile(
      `${instanceLogDir(REAL.slice(0, -1), "tonight", MODEL, id)}/report.json`,
    );
    const parsed = parseInstanceReport(JSON.parse(text), id);
    assert.ok(parsed, id);
    assert.equal(parsed.resolved, run.resolved_ids.includes(id), id);
  }
});

Deno.test("files that are not run reports are refused with the file named (usage, exit 2)", async () => {
  const dir = await Deno.makeTempDir();
  const perInstance = `${
    instanceLogDir(REAL.slice(0, -1), "tonight", MODEL, "django__django-10924")
  }/report.json`;
  await assert.rejects(() => readHarnessReport(perInstance), (e: unknown) => {
    assert.ok(e instanceof SwebenchError);
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /is not a SWE-bench harness report: "total_instances" is missing/);
    return true;
  });
  await Deno.writeTextFile(`${dir}/bad.json`, "{ not json");
  await assert.rejects(() => readHarnessReport(`${dir}/bad.json`), /not valid JSON/);
  await assert.rejects(() => readHarnessReport(`${dir}/none.json`), /Harness report not found/);
  assert.throws(() => parseHarnessReport([], "x.json"), /not a JSON object/);
});

Deno.test("names and places: report file, instance log directory ('/' in a model becomes '__')", () => {
  assert.equal(harnessReportName("openai/gpt-4o", "r1"), "openai__gpt-4o.r1.json");
  assert.equal(instanceLogDir("/w", "r1", "a/b", "x__y-1"), "/w/logs/run_evaluation/r1/a__b/x__y-1");
  assert.equal(evaluationRecordPath("p/a.jsonl"), "p/a.jsonl.evaluation.json");
});

Deno.test("findHarnessResults: beside the predictions, by model name and ids; the evaluate record wins", async () => {
  const dir = await Deno.makeTempDir();
  const preds = `${dir}/glm.jsonl`;
  const ids = new Set((await readHarnessReport(REPORT)).submitted_ids);
  assert.equal(await findHarnessResults(preds, MODEL, ids), undefined, "nothing there yet");
  await Deno.copyFile(REPORT, `${dir}/${MODEL}.tonight.json`);
  // Another model's report and an unrelated JSON file beside it are not taken.
  await Deno.copyFile(REPORT, `${dir}/other-model.tonight.json`);
  await Deno.writeTextFile(`${dir}/${MODEL}.notes.json`, "{}");
  const found = await findHarnessResults(preds, MODEL, ids);
  assert.equal(found?.reportPath, `${dir}/${MODEL}.tonight.json`);
  assert.equal(found?.runId, "tonight");
  // Ids that the report does not cover: not this run's report.
  assert.equal(await findHarnessResults(preds, MODEL, new Set(["astropy__astropy-12907"])), undefined);
  // The record `swebench evaluate` leaves points elsewhere: it wins.
  await Deno.mkdir(`${dir}/elsewhere`);
  await Deno.copyFile(REPORT, `${dir}/elsewhere/r.json`);
  await Deno.writeTextFile(
    evaluationRecordPath(preds),
    JSON.stringify({ reportPath: `${dir}/elsewhere/r.json`, logsRoot: `${dir}/elsewhere`, runId: "tonight" }),
  );
  assert.equal((await findHarnessResults(preds, MODEL, ids))?.reportPath, `${dir}/elsewhere/r.json`);
});
