/**
 * Issue 17 item 3: `report` (and `compare`) name the context of the runs they show, and never put runs made with
 * different contexts, datasets or prompt templates side by side without a warning (human and `--json`).
 */
import assert from "node:assert/strict";
import { parquetBytes, rawRows } from "../swebench/_fixtures.ts";
import { startHfSim, startOpenAISim } from "../simulator/mod.ts";
import { goldResponder, realRows, runCli, tempDataset } from "./helpers.ts";

const LITE = rawRows("lite-test.jsonl").slice(0, 3);
const WITH_TEXT = rawRows("lite-oracle-rebuilt-4.jsonl");
const KEY = "sk-test-report-context-0123";
const { lines: rows, instances } = await realRows("lite-dev.jsonl", 3);

/** Gold runs of Lite without context and with `--context bm25-13k` (HF simulator), in one directory. */
async function twoContexts() {
  const hf = await startHfSim({
    datasets: {
      "princeton-nlp/SWE-bench_Lite": { files: { "data/test-00000-of-00001.parquet": parquetBytes(LITE) } },
      // Rows with a `text` column stand in for the bm25 variant's (same columns, same prompt format).
      "princeton-nlp/SWE-bench_Lite_bm25_13K": {
        files: {
          "data/test-00000-of-00001.parquet": parquetBytes(WITH_TEXT, { fields: Object.keys(WITH_TEXT[0]) }),
        },
      },
    },
  });
  const dir = await Deno.makeTempDir();
  const env = { HF_ENDPOINT: hf.url, SWEBENCH_CACHE_DIR: `${dir}/cache`, HOME: dir };
  const none = `${dir}/gold__SWE-bench_Lite__test.jsonl`;
  const bm25 = `${dir}/gold__SWE-bench_Lite_bm25_13K__test.jsonl`;
  for (const [out, extra] of [[none, []], [bm25, ["--context", "bm25-13k"]]] as const) {
    const r = await runCli(["generate", "-p", "gold", "-d", "lite", "-o", out, ...extra], { env });
    assert.equal(r.code, 0, r.stderr);
  }
  return { hf, dir, env, none: `${none}.runlog.jsonl`, bm25: `${bm25}.runlog.jsonl` };
}

Deno.test("report over runs with different contexts: a warning line naming each run's context, and a JSON field", async () => {
  const { hf, none, bm25, env } = await twoContexts();
  await using _ = hf;
  const human = await runCli(["report", none, bm25], { env });
  assert.equal(human.code, 0, human.stderr);
  const warnings = human.stdout.split("\n").filter((l) => l.startsWith("warning: not comparable"));
  assert.deepEqual(warnings, [
    `warning: not comparable: the runs differ in context (${none}: none; ${bm25}: bm25-13k): their figures ` +
    "measure different tasks and are not comparable",
    "warning: not comparable: the row of gold:gold adds up 2 of these runs: report each run log on its own to " +
    "see them apart",
  ]);
  assert.ok(
    human.stdout.indexOf(warnings[0]) < human.stdout.indexOf("model"),
    "the warning comes before the table",
  );
  const json = await runCli(["report", none, bm25, "--json"], { env });
  assert.equal(json.code, 0, json.stderr);
  const c = JSON.parse(json.stdout).comparability;
  assert.equal(c.comparable, false);
  assert.deepEqual(c.differences, [{ setting: "context", values: { [none]: "none", [bm25]: "bm25-13k" } }]);
  assert.deepEqual(c.runs.map((r: { context: string }) => r.context), ["none", "bm25-13k"]);
});

Deno.test("report of one run, or of runs that match, names the context, dataset and prompt template", async () => {
  const { hf, dir, none, bm25, env } = await twoContexts();
  await using _ = hf;
  const one = await runCli(["report", bm25], { env });
  assert.equal(one.code, 0, one.stderr);
  assert.match(
    one.stdout,
    /^Context: bm25-13k; dataset princeton-nlp\/SWE-bench_Lite \(test\); prompt template v\d+ \(sha256 [0-9a-f]{12}\)$/m,
  );
  assert.doesNotMatch(one.stdout + one.stderr, /not comparable/);
  // A second model over the same Lite rows without context: comparable with the first run.
  const other = `${dir}/gold-again__SWE-bench_Lite__test.jsonl`;
  const r = await runCli(["generate", "-p", "gold", "-d", "lite", "-o", other], { env });
  assert.equal(r.code, 0, r.stderr);
  const two = await runCli(["report", none, `${other}.runlog.jsonl`], { env });
  assert.match(two.stdout, /^Context: none \(the issue text only, no code\); dataset .* \(all 2 runs\)$/m);
  assert.doesNotMatch(two.stdout, /not comparable/);
  const json = JSON.parse(
    (await runCli(["report", none, `${other}.runlog.jsonl`, "--json"], { env })).stdout,
  );
  assert.equal(json.comparability.comparable, true);
});

Deno.test("report: another dataset, another prompt template or a run without manifest is a warning too", async () => {
  const dir = await Deno.makeTempDir();
  const sample = `${dir}/gold__sample__test.jsonl`;
  const data = `${dir}/three.jsonl`;
  await Deno.writeTextFile(data, LITE.map((r) => JSON.stringify(r) + "\n").join(""));
  const local = `${dir}/gold__three__test.jsonl`;
  for (const [d, out] of [["sample", sample], [data, local]]) {
    const r = await runCli(["generate", "-p", "gold", "-d", d, "-o", out]);
    assert.equal(r.code, 0, r.stderr);
  }
  const logs = [`${sample}.runlog.jsonl`, `${local}.runlog.jsonl`];
  const datasets = await runCli(["report", ...logs, "--json"]);
  const c = JSON.parse(datasets.stdout).comparability;
  assert.deepEqual(c.differences.map((d: { setting: string }) => d.setting), ["dataset"]);
  assert.deepEqual(Object.values(c.differences[0].values), ["sample (test)", "three.jsonl (test)"]);
  // Both runs are gold:gold: its single row adds them up, and the report says so.
  assert.ok(
    c.warnings.includes(
      "the row of gold:gold adds up 2 of these runs: report each run log on its own to see them apart",
    ),
  );

  // An older tool version's manifest (another prompt template) beside the second file.
  const manifestPath = `${local}.manifest.json`;
  const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
  manifest.generation.promptTemplate.version = "0";
  await Deno.writeTextFile(manifestPath, JSON.stringify(manifest));
  const template = await runCli(["report", ...logs]);
  assert.match(
    template.stdout,
    /^warning: not comparable: the runs differ in prompt template \(.*: v\d+ .*; .*: v0 /m,
  );

  // No manifest at all (a run log from before manifests): named as unknown, never assumed to match.
  await Deno.remove(manifestPath);
  const unknown = await runCli(["report", ...logs, "--html", `${dir}/r.html`]);
  assert.equal(unknown.code, 0, unknown.stderr);
  assert.match(
    unknown.stdout,
    new RegExp(`^warning: not comparable: the context, dataset and prompt template of ${local}`, "m"),
  );
  const html = await Deno.readTextFile(`${dir}/r.html`);
  assert.match(
    html,
    /<p class="warning"><b>Not comparable:<\/b> the context, dataset and prompt template of /,
  );
});

Deno.test("compare names the context its models share (its files cannot hold other settings)", async () => {
  await using oa = await startOpenAISim({ respond: goldResponder(instances), apiKey: KEY });
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${oa.url}/v1` };
  const { dir, data } = await tempDataset(rows);
  const args = [
    "compare",
    "--providers",
    "gold:gold,openai:gpt-4o-mini",
    "-d",
    data,
    "--output-dir",
    dir,
    "-y",
  ];
  const r = await runCli(args, { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^Context: none \(the issue text only, no code\); dataset d\.jsonl \(test\); .*\(all 2 runs\)$/m,
  );
  assert.doesNotMatch(r.stdout, /not comparable/);
  const json = await runCli([...args, "--json"], { env });
  assert.equal(json.code, 0, json.stderr);
  const c = JSON.parse(json.stdout).comparability;
  assert.equal(c.comparable, true);
  assert.deepEqual(c.runs.map((x: { context: string }) => x.context), ["none", "none"]);
});
