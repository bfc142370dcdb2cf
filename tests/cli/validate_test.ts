/**
 * `swebench validate` through the CLI, on real predictions (CodeR on SWE-bench Lite) and on damaged copies of them.
 */
import assert from "node:assert/strict";
import { validatePredictions } from "../../src/mod.ts";
import { runCli, SHARED } from "./helpers.ts";

const PREDS = `${SHARED}predictions/coder-lite.jsonl`;
const LITE = `${SHARED}swe-bench/lite-test.jsonl`;
const realLines = (await Deno.readTextFile(PREDS)).split("\n").filter(Boolean);
const real = realLines.map((l) => JSON.parse(l) as Record<string, string>);
/** Real predictions with a patch, none of them among the first 13 (which the damaged copy uses). */
const withPatch = real.slice(13).filter((p) => (p.model_patch ?? "").includes("\n@@ "));

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[/;

/** What every human output must be: no stack trace, no "unexpected", no ANSI when piped. */
function assertClean(r: { stdout: string; stderr: string }): void {
  const all = r.stdout + r.stderr;
  assert.ok(!/unexpected error/i.test(all), all);
  assert.ok(!/^\s+at .*:\d+:\d+\)?$/m.test(all), `stack trace:\n${all}`);
  assert.ok(!ANSI.test(all), "ANSI escape in piped output");
}

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "swebench-validate-" });
  await Deno.writeTextFile(`${dir}/${name}`, text);
  return `${dir}/${name}`;
}

/** A copy of a real prediction with some fields replaced. */
function pred(i: number, patch: Partial<Record<string, unknown>> = {}): string {
  return JSON.stringify({ ...real[i], ...patch });
}

/** The real patch with its first hunk header's old count raised by 5. */
function wrongCounts(patch: string): string {
  return patch.replace(/@@ -(\d+),(\d+) /, (_m, a, b) => `@@ -${a},${Number(b) + 5} `);
}

Deno.test("validate: the real CodeR predictions for Lite are fine for the harness (exit 0, 36 empty patches counted)", async () => {
  const r = await runCli(["validate", PREDS, "-d", LITE]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assertClean(r);
  assert.match(r.stdout, /300 predictions of 20240604_CodeR/);
  assert.match(r.stdout, /every id is in it; 0 instances without a prediction/);
  assert.match(r.stdout, /36 empty patches/);
  assert.match(r.stdout, /^OK/m);
  assert.doesNotMatch(r.stdout, /: error:/);

  const j = await runCli(["validate", PREDS, "-d", LITE, "--json"]);
  assert.equal(j.code, 0, j.stderr);
  const doc = JSON.parse(j.stdout);
  assert.equal(doc.format, "jsonl");
  assert.equal(doc.predictions, 300);
  assert.deepEqual(doc.models, ["20240604_CodeR"]);
  assert.deepEqual(doc.errors, []);
  assert.equal(doc.emptyPatches, 36);
  assert.equal(doc.warnings.filter((w: { code: string }) => w.code === "empty-patch").length, 36);
  assert.equal(doc.idsChecked, true);
  assert.equal(doc.notPredicted, 0);
  // Each empty patch is named with its line: the lines are those of the file.
  for (const w of doc.warnings) {
    assert.equal(JSON.parse(realLines[w.line - 1]).instance_id, w.instanceId);
    assert.ok([null, ""].includes(JSON.parse(realLines[w.line - 1]).model_patch));
  }
});

Deno.test("validate: a damaged copy gets every problem with its line, and exit 2", async () => {
  const a = withPatch[0];
  const lines = [
    pred(0), // 1 fine
    realLines[1].slice(0, 80), // 2 broken JSON
    JSON.stringify({ instance_id: real[2].instance_id, model_name_or_path: real[2].model_name_or_path }), // 3 no model_patch
    pred(0, { model_patch: real[0].model_patch }), // 4 repeats line 1's id
    pred(4, { model_name_or_path: "gpt-4o-mini" }), // 5 a second model
    JSON.stringify({ ...a, model_patch: wrongCounts(a.model_patch) }), // 6 hunk counts
    "", // 7 blank line
    pred(7, { instance_id: "django__django-99999" }), // 8 not in the dataset
    pred(8, { model_patch: "" }), // 9 empty patch
    pred(9, { model_patch: null }), // 10 null patch
    pred(10, { instance_id: 42 }), // 11 id not a string
    JSON.stringify({ ...withPatch[1], model_patch: "Here is the fix:\n" + withPatch[1].model_patch }), // 12 prose
    "[1, 2]", // 13 not an object
  ];
  const file = await tempFile("damaged.jsonl", lines.join("\n") + "\n");
  const r = await runCli(["validate", file, "-d", LITE]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assertClean(r);
  const at = (line: number, re: RegExp) =>
    assert.match(r.stdout, new RegExp(`damaged\\.jsonl:${line}: error: .*${re.source}`), r.stdout);
  at(2, /broken JSON at column \d+/);
  at(3, /missing "model_patch"/);
  at(4, /repeated instance_id \(first at line 1\): the harness keeps only the last/);
  at(5, /second model name "gpt-4o-mini"/);
  at(6, /does not match its body/);
  at(7, /blank line/);
  at(8, /django__django-99999: not an instance of the dataset/);
  at(11, /"instance_id" must be a string/);
  at(13, /must be a JSON object/);
  assert.match(r.stdout, /damaged\.jsonl:12: warning: .*text before the first file header/);
  assert.match(r.stdout, /2 empty patches .* lines 9, 10/);
  assert.match(r.stdout, /^Not ready: 9 errors/m);

  const j = await runCli(["validate", file, "-d", LITE, "--json"]);
  assert.equal(j.code, 2);
  const doc = JSON.parse(j.stdout);
  const codes = doc.errors.map((e: { line?: number; code: string }) => `${e.line}:${e.code}`);
  assert.deepEqual(codes, [
    "2:json",
    "3:missing-key",
    "4:duplicate-id",
    "5:models",
    "6:patch-hunk-counts",
    "7:json",
    "8:unknown-id",
    "11:wrong-type",
    "13:not-object",
  ]);
  assert.equal(doc.emptyPatches, 2);
  assert.deepEqual(doc.models, ["20240604_CodeR", "gpt-4o-mini"]);
  assert.equal(doc.predictions, 11);
});

Deno.test("validate: the .json forms the harness reads (a list, an object keyed by id) give the same verdict", async () => {
  const list = await tempFile("preds.json", JSON.stringify(real, null, 2));
  const r = await runCli(["validate", list, "-d", LITE, "--json"]);
  assert.equal(r.code, 0, r.stdout);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.format, "json-list");
  assert.equal(doc.predictions, 300);
  assert.equal(doc.emptyPatches, 36);
  // Lines are the file's lines where each prediction starts.
  const text = await Deno.readTextFile(list);
  const firstEmpty = doc.warnings[0];
  assert.match(text.split("\n")[firstEmpty.line - 1], /^\s*\{$/);
  assert.ok(
    text.split("\n").slice(firstEmpty.line, firstEmpty.line + 4).join("\n").includes(firstEmpty.instanceId),
  );

  // A dict keyed by id: the harness ignores the keys, so a key that names another instance is a warning, and a
  // repeated key loses the first prediction without a word: an error.
  const entries = real.slice(0, 3).map((p) => `  ${JSON.stringify(p.instance_id)}: ${JSON.stringify(p)}`);
  entries.push(`  ${JSON.stringify(real[0].instance_id)}: ${JSON.stringify(real[0])}`);
  entries.push(`  "not-the-id": ${JSON.stringify(real[4])}`);
  const dict = await tempFile("preds.json", `{\n${entries.join(",\n")}\n}\n`);
  const d = await runCli(["validate", dict]);
  assert.equal(d.code, 2, d.stdout);
  assertClean(d);
  assert.match(d.stdout, /read as a JSON object keyed by instance id/);
  assert.match(d.stdout, /preds\.json:5: error: key ".*" repeated \(first at line 2\)/);
  assert.match(d.stdout, /preds\.json:6: warning: key "not-the-id" holds the prediction for/);
  assert.match(d.stdout, /Ids not checked against a dataset/);
});

Deno.test("validate: what the harness cannot open at all is named, with the fix (exit 2)", async () => {
  const cases: [string, string, RegExp][] = [
    [
      "preds.txt",
      realLines.slice(0, 2).join("\n") + "\n",
      /only files ending in \.jsonl or \.json .*ends in \.txt/,
    ],
    [
      "preds.json",
      realLines.slice(0, 3).join("\n") + "\n",
      /:2: error: broken JSON.*this is JSON Lines, rename the file to \.jsonl/,
    ],
    [
      "bom.jsonl",
      "\uFEFF" + realLines.slice(0, 2).join("\n") + "\n",
      /bom\.jsonl:1: error: .*byte-order mark/,
    ],
    ["empty.jsonl", "", /holds no predictions/],
    ["scalar.json", '"hello"\n', /a list of predictions or an object keyed by instance_id, not a string/],
  ];
  for (const [name, text, re] of cases) {
    const file = await tempFile(name, text);
    const r = await runCli(["validate", file]);
    assert.equal(r.code, 2, `${name}: ${r.stdout}${r.stderr}`);
    assertClean(r);
    assert.match(r.stdout, re, name);
  }
  const missing = await runCli(["validate", "/nonexistent/preds.jsonl"]);
  assert.equal(missing.code, 2);
  assertClean(missing);
  assert.match(missing.stderr, /predictions file not found: \/nonexistent\/preds\.jsonl/);
  assert.match(missing.stderr, /hint:/);
  const dir = await runCli(["validate", await Deno.makeTempDir()]);
  assert.equal(dir.code, 2);
  assert.match(dir.stderr, /is a directory/);
  const badData = await runCli(["validate", PREDS, "-d", "nope"]);
  assert.equal(badData.code, 2);
  assertClean(badData);
  assert.match(badData.stderr, /Unknown dataset "nope"/);
});

Deno.test("validate: not UTF-8 is named with its line", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/latin1.jsonl`;
  const enc = new TextEncoder();
  await Deno.writeFile(
    file,
    new Uint8Array([
      ...enc.encode(realLines[0] + "\n" + realLines[1].slice(0, 40)),
      0xe9,
      ...enc.encode(realLines[1].slice(40) + "\n"),
    ]),
  );
  const r = await runCli(["validate", file]);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /latin1\.jsonl:2: error: not UTF-8/);
});

Deno.test("validatePredictions: the library shape evaluate relies on", async () => {
  const ids = new Set(real.map((p) => p.instance_id));
  const file = await tempFile(
    "x.jsonl",
    [pred(0), pred(1, { model_patch: "" }), pred(2, { instance_id: "nope__nope-1" })].join("\n") + "\n",
  );
  const r = await validatePredictions(file, { instanceIds: ids });
  assert.equal(r.file, file);
  assert.equal(r.format, "jsonl");
  assert.equal(r.predictions, 3);
  assert.deepEqual(r.models, ["20240604_CodeR"]);
  assert.deepEqual(r.errors.map((e) => [e.line, e.instanceId, e.code]), [[3, "nope__nope-1", "unknown-id"]]);
  assert.deepEqual(r.warnings.map((e) => [e.line, e.code]), [[2, "empty-patch"]]);
  assert.equal(r.emptyPatches, 1);
  assert.equal(r.notPredicted, 298);
  // Without a dataset, ids are not checked.
  const r2 = await validatePredictions(file);
  assert.equal(r2.idsChecked, false);
  assert.deepEqual(r2.errors, []);
});
