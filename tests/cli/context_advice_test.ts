/**
 * Issue 17 item 1: a model run without code context says so in its plan, with what to use instead; `--json` plans
 * carry it as `contextWarning`; gold never gets the line. Through the CLI, stdout and stderr piped.
 */
import assert from "node:assert/strict";
import { parquetBytes, rawRows } from "../swebench/_fixtures.ts";
import { startHfSim, startOpenAISim } from "../simulator/mod.ts";
import { generateArgs, goldResponder, realRows, runCli, SHARED, tempDataset } from "./helpers.ts";

const KEY = "sk-test-context-0123456789";
const ORACLE_FILE = `${SHARED}swe-bench/lite-oracle-rebuilt-4.jsonl`;
const { lines: rows, instances } = await realRows("lite-dev.jsonl", 3);

/** The plan's context line, from a human (non-JSON) output. */
function contextLineOf(text: string): string | undefined {
  return text.split("\n").find((l) => l.startsWith("  context: "));
}

Deno.test("dry run of a model without --context: one plan line says no code context and names bm25-13k and oracle", async () => {
  const dir = await Deno.makeTempDir();
  const r = await runCli(generateArgs("openai", "gpt-4o-mini", "sample", `${dir}/p.jsonl`, "--dry-run"));
  assert.equal(r.code, 0, r.stderr);
  const line = contextLineOf(r.stdout);
  assert.ok(line, r.stdout);
  assert.match(line, /^ {2}context: none\. No code context: the model sees only the issue text/);
  assert.match(line, /-d lite --context bm25-13k/);
  assert.match(line, /--context oracle, the upper bound/);
  assert.equal(line.includes("\n"), false);
  assert.equal(r.stdout.split("\n").filter((l) => l.includes("No code context")).length, 1, "said once");
  assert.equal(r.stdout.includes("\x1b["), false, "no colour codes in a pipe");
});

Deno.test("dry run --json of a model without context carries contextWarning; a local file names its missing text column", async () => {
  const { dir, data } = await tempDataset(rows);
  const r = await runCli(
    generateArgs("openai", "gpt-4o-mini", data, `${dir}/p.jsonl`, "--dry-run", "--json"),
  );
  assert.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  assert.equal(plan.context, "none");
  assert.equal(plan.instancesWithCode, 0);
  assert.match(plan.contextWarning, /^No code context: /);
  assert.match(plan.contextWarning, /no `text` column/);
  assert.match(plan.contextWarning, /--context bm25-13k/);
});

Deno.test("rows with a retrieval `text` (oracle rows of Lite): no warning, human or JSON", async () => {
  const dir = await Deno.makeTempDir();
  const human = await runCli(
    generateArgs("openai", "gpt-4o-mini", ORACLE_FILE, `${dir}/p.jsonl`, "--dry-run"),
  );
  assert.equal(human.code, 0, human.stderr);
  assert.equal(contextLineOf(human.stdout), "  context: the dataset's own `text` prompts (with code)");
  assert.doesNotMatch(human.stdout + human.stderr, /No code context/);
  const json = await runCli(
    generateArgs("openai", "gpt-4o-mini", ORACLE_FILE, `${dir}/p.jsonl`, "--dry-run", "--json"),
  );
  const plan = JSON.parse(json.stdout);
  assert.equal(plan.contextWarning, null);
  assert.equal(plan.instancesWithCode, 4);
  assert.equal(plan.instances, 4);
});

Deno.test("some rows with code and some without: the line counts the ones without", async () => {
  const oracle = (await Deno.readTextFile(ORACLE_FILE)).split("\n").filter(Boolean);
  const { dir, data } = await tempDataset([...oracle.slice(0, 2), ...rows.slice(0, 1)]);
  const r = await runCli(
    generateArgs("openai", "gpt-4o-mini", data, `${dir}/p.jsonl`, "--dry-run", "--json"),
  );
  assert.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  assert.equal(plan.instancesWithCode, 2);
  assert.match(plan.contextWarning, /^No code context for 1 of 3 instances: /);
});

Deno.test("gold: no context line and a null contextWarning, dry run or real run", async () => {
  const dir = await Deno.makeTempDir();
  const dry = await runCli(generateArgs("gold", "gold", "sample", `${dir}/g.jsonl`, "--dry-run"));
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(contextLineOf(dry.stdout), undefined);
  assert.doesNotMatch(dry.stdout + dry.stderr, /code context/i);
  const dryJson = await runCli(
    generateArgs("gold", "gold", "sample", `${dir}/g.jsonl`, "--dry-run", "--json"),
  );
  assert.equal(JSON.parse(dryJson.stdout).contextWarning, null);
  const real = await runCli(generateArgs("gold", "gold", "sample", `${dir}/g.jsonl`));
  assert.equal(real.code, 0, real.stderr);
  assert.doesNotMatch(real.stdout + real.stderr, /code context/i);
  const realJson = await runCli(generateArgs("gold", "gold", "sample", `${dir}/g2.jsonl`, "--json"));
  assert.equal(JSON.parse(realJson.stdout).contextWarning, null);
});

Deno.test("a real run without context prints the line in its plan (stderr) and --json carries it in the result", async () => {
  await using sim = await startOpenAISim({ respond: goldResponder(instances), apiKey: KEY });
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
  const { dir, data } = await tempDataset(rows);
  const human = await runCli(generateArgs("openai", "gpt-4o-mini", data, `${dir}/p.jsonl`, "-y"), { env });
  assert.equal(human.code, 0, human.stderr);
  const line = contextLineOf(human.stderr);
  assert.ok(line, human.stderr);
  assert.match(line, /No code context: .*--context bm25-13k/);
  assert.doesNotMatch(human.stdout, /No code context/, "the plan goes to stderr, results to stdout");
  const json = await runCli(generateArgs("openai", "gpt-4o-mini", data, `${dir}/q.jsonl`, "-y", "--json"), {
    env,
  });
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.ok, 3);
  assert.equal(doc.context, "none");
  assert.match(doc.contextWarning, /^No code context: /);
  assert.equal(sim.requests.length, 6, "each instance sent once per run");
});

Deno.test("-d lite and -d verified (Hugging Face) name their own advice; -d lite --context bm25-13k has none", async () => {
  const lite = rawRows("lite-test.jsonl").slice(0, 3);
  const withText = rawRows("lite-oracle-rebuilt-4.jsonl");
  const fields = Object.keys(withText[0]);
  // Rows with a `text` column stand in for the bm25 variant's (same columns, same prompt format).
  await using hf = await startHfSim({
    datasets: {
      "princeton-nlp/SWE-bench_Lite": { files: { "data/test-00000-of-00001.parquet": parquetBytes(lite) } },
      "princeton-nlp/SWE-bench_Verified": {
        files: { "data/test-00000-of-00001.parquet": parquetBytes(lite) },
      },
      "princeton-nlp/SWE-bench_Lite_bm25_13K": {
        files: { "data/test-00000-of-00001.parquet": parquetBytes(withText, { fields }) },
      },
    },
  });
  const home = await Deno.makeTempDir();
  const env = { HF_ENDPOINT: hf.url, SWEBENCH_CACHE_DIR: `${home}/cache`, HOME: home };
  const plan = async (dataset: string, ...extra: string[]) => {
    const args = generateArgs("openai", "gpt-4o-mini", dataset, `${home}/p.jsonl`, "--dry-run", "--json");
    const r = await runCli([...args, ...extra], { env });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const l = await plan("lite");
  assert.match(
    l.contextWarning,
    /; use --context bm25-13k \(SWE-bench's BM25 retrieval baseline\), or --context oracle/,
  );
  const v = await plan("verified");
  assert.match(v.contextWarning, /SWE-bench Verified has no upstream retrieval variant/);
  assert.match(v.contextWarning, /-d lite --context bm25-13k/);
  const b = await plan("lite", "--context", "bm25-13k");
  assert.equal(b.context, "bm25-13k");
  assert.equal(b.contextWarning, null);
  assert.equal(b.instancesWithCode, 4);
});

Deno.test("compare without context: its plan says so once, and --json carries contextWarning", async () => {
  const dir = await Deno.makeTempDir();
  const args = [
    "compare",
    "--providers",
    "openai:gpt-4o-mini,gold:gold",
    "-d",
    "sample",
    "--output-dir",
    dir,
  ];
  const human = await runCli([...args, "--dry-run"]);
  assert.equal(human.code, 0, human.stderr);
  assert.equal(human.stderr.split("\n").filter((l) => l.includes("No code context")).length, 1, human.stderr);
  const json = await runCli([...args, "--dry-run", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.match(JSON.parse(json.stdout).contextWarning, /^No code context: /);
});
