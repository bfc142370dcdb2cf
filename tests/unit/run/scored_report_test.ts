/** Joining run-log summaries with harness verdicts: rates, per-resolved figures, repositories, unique resolves. */
import assert from "node:assert/strict";
import { type ModelReport, summarizeRunLog } from "../../../src/run/report.ts";
import { markUniqueResolves, repoOf, scoreModel } from "../../../src/run/scored_report.ts";
import type { HarnessResults, InstanceEvaluation } from "../../../src/swebench/harness_results.ts";

function results(outcomes: Record<string, InstanceEvaluation["outcome"]>, total: number): HarnessResults {
  const ids = (o: string) => Object.keys(outcomes).filter((id) => outcomes[id] === o).sort();
  return {
    reportPath: "r.json",
    runId: "r",
    instanceReports: 0,
    report: {
      total_instances: total,
      submitted_instances: Object.keys(outcomes).length,
      completed_instances: ids("resolved").length + ids("unresolved").length,
      resolved_instances: ids("resolved").length,
      unresolved_instances: ids("unresolved").length,
      empty_patch_instances: ids("empty").length,
      error_instances: ids("error").length,
      completed_ids: [...ids("resolved"), ...ids("unresolved")].sort(),
      incomplete_ids: [],
      empty_patch_ids: ids("empty"),
      submitted_ids: Object.keys(outcomes).sort(),
      resolved_ids: ids("resolved"),
      unresolved_ids: ids("unresolved"),
      error_ids: ids("error"),
    },
    instances: new Map(Object.entries(outcomes).map(([id, outcome]) => [id, { instance_id: id, outcome }])),
  };
}

function model(label: string, ids: string[], costUsd: number): ModelReport {
  const [provider, m] = label.split(":");
  return summarizeRunLog(ids.map((id) => ({
    instance_id: id,
    status: "ok" as const,
    provider,
    model: m,
    costUsd,
    usage: {
      promptTokens: 900,
      completionTokens: 100,
      totalTokens: 1000,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    },
  })))[0];
}

Deno.test("repoOf: owner/name from the instance id", () => {
  assert.equal(repoOf("django__django-11099"), "django/django");
  assert.equal(repoOf("scikit-learn__scikit-learn-10297"), "scikit-learn/scikit-learn");
  assert.equal(repoOf("pytest-dev__pytest-5103"), "pytest-dev/pytest");
});

Deno.test("scoreModel: rates of submitted and of the dataset selection, cost and tokens per resolved, repos", () => {
  const ids = ["a__x-1", "a__x-2", "b__y-1", "b__y-2"];
  const s = scoreModel(
    model("p:m", ids, 0.5),
    results({ "a__x-1": "resolved", "a__x-2": "error", "b__y-1": "unresolved", "b__y-2": "empty" }, 10),
  );
  assert.equal(s.submitted, 4);
  assert.deepEqual([s.resolved, s.unresolved, s.error, s.empty], [1, 1, 1, 1]);
  assert.equal(s.resolvedRate, 0.25);
  assert.equal(s.resolvedRateOfTotal, 0.1);
  assert.equal(s.costPerResolved, 2);
  assert.equal(s.tokensPerResolved, 4000);
  assert.deepEqual(s.byRepo, { "a/x": { submitted: 2, resolved: 1 }, "b/y": { submitted: 2, resolved: 0 } });
  const none = scoreModel(model("p:m", ["a__x-1"], 0.5), results({ "a__x-1": "unresolved" }, 1));
  assert.equal(none.costPerResolved, null, "nothing resolved: no cost per resolved, not Infinity");
  assert.equal(none.tokensPerResolved, null);
});

Deno.test("markUniqueResolves: only instances another model also attempted count", () => {
  const a = scoreModel(
    model("p:a", ["i__i-1", "i__i-2", "i__i-3"], 0),
    results({
      "i__i-1": "resolved",
      "i__i-2": "resolved",
      "i__i-3": "resolved",
    }, 3),
  );
  // b attempted 1 and 2 (not 3), resolved 1 only; and 4, which a never attempted.
  const b = scoreModel(
    model("p:b", ["i__i-1", "i__i-2", "i__i-4"], 0),
    results({
      "i__i-1": "resolved",
      "i__i-2": "unresolved",
      "i__i-4": "resolved",
    }, 3),
  );
  markUniqueResolves([a, b]);
  assert.deepEqual(a.onlyResolvedHere, ["i__i-2"], "3 was never tried by b");
  assert.deepEqual(b.onlyResolvedHere, [], "4 was never tried by a");
  const alone = scoreModel(model("p:a", ["i__i-1"], 0), results({ "i__i-1": "resolved" }, 1));
  markUniqueResolves([alone]);
  assert.deepEqual(alone.onlyResolvedHere, []);
});
