import assert from "node:assert/strict";
import { comparability, type ComparedRun } from "../../../src/run/comparability.ts";

const lite = { dataset: "princeton-nlp/SWE-bench_Lite", split: "test", promptTemplate: "v1 (sha256 abc)" };

Deno.test("comparability: same context, dataset and template -> comparable, no warning", () => {
  const c = comparability([
    { source: "a", context: "bm25-13k", ...lite },
    { source: "b", context: "bm25-13k", ...lite },
  ]);
  assert.deepEqual(c, { comparable: true, differences: [], unknown: [], warnings: [] });
});

Deno.test("comparability: each differing setting is one warning naming every run's value", () => {
  const runs: ComparedRun[] = [
    { source: "a.runlog.jsonl", context: "none", ...lite },
    { source: "b.runlog.jsonl", context: "bm25-13k", ...lite, promptTemplate: "v2 (sha256 def)" },
    { source: "c.runlog.jsonl", context: "bm25-13k", ...lite, dataset: "princeton-nlp/SWE-bench_Verified" },
  ];
  const c = comparability(runs);
  assert.equal(c.comparable, false);
  assert.deepEqual(c.differences.map((d) => d.setting), ["context", "dataset", "prompt template"]);
  assert.deepEqual(c.differences[0].values, {
    "a.runlog.jsonl": "none",
    "b.runlog.jsonl": "bm25-13k",
    "c.runlog.jsonl": "bm25-13k",
  });
  assert.equal(c.warnings.length, 3);
  assert.match(
    c.warnings[0],
    /^the runs differ in context \(a\.runlog\.jsonl: none; b\.runlog\.jsonl: bm25-13k;/,
  );
  assert.match(c.warnings[1], /princeton-nlp\/SWE-bench_Verified \(test\)/);
  assert.match(c.warnings[2], /v2 \(sha256 def\)/);
});

Deno.test("comparability: a split differs -> the dataset differs", () => {
  const c = comparability([
    { source: "a", context: "none", ...lite },
    { source: "b", context: "none", ...lite, split: "dev" },
  ]);
  assert.deepEqual(c.differences.map((d) => d.setting), ["dataset"]);
});

Deno.test("comparability: runs without settings are named, never taken as matching; one run alone is fine", () => {
  const c = comparability([{ source: "old.runlog.jsonl" }, {
    source: "new.runlog.jsonl",
    context: "none",
    ...lite,
  }]);
  assert.equal(c.comparable, false);
  assert.deepEqual(c.unknown, ["old.runlog.jsonl"]);
  assert.match(c.warnings.at(-1)!, /old\.runlog\.jsonl are unknown \(no manifest/);
  assert.equal(comparability([{ source: "x" }]).comparable, true);
});
