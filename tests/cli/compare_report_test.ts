/**
 * `swebench compare` and `swebench report` end to end against the simulators.
 */
import assert from "node:assert/strict";
import { startAnthropicSim, startOpenAISim } from "../simulator/mod.ts";
import { goldResponder, realRows, runCli, tempDataset } from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-dev.jsonl", 3);
const KEY = "sk-test-compare-0000000000";

const respond = goldResponder(instances);

Deno.test("compare runs the same selection through two models and reports them side by side", async () => {
  await using oa = await startOpenAISim({ respond, apiKey: KEY });
  // The second model answers without a patch for every instance: the table must show that difference.
  await using an = await startAnthropicSim({ respond: () => "I am not sure how to fix this.", apiKey: KEY });
  const { dir, data } = await tempDataset(rows);
  const env = {
    OPENAI_API_KEY: KEY,
    OPENAI_BASE_URL: `${oa.url}/v1`,
    ANTHROPIC_API_KEY: KEY,
    ANTHROPIC_BASE_URL: an.url,
  };
  const args = [
    "compare",
    "--providers",
    "openai:gpt-4o-mini,anthropic:claude-haiku-4-5",
    "-d",
    data,
    "--output-dir",
    `${dir}/out`,
    "--report",
    `${dir}/r.html`,
    "-y",
  ];
  const r = await runCli([...args, "--json"], { env });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  const byLabel = Object.fromEntries(doc.models.map((m: { label: string }) => [m.label, m]));
  assert.equal(byLabel["openai:gpt-4o-mini"].patchesProduced, 3);
  assert.equal(byLabel["openai:gpt-4o-mini"].patches.valid, 3);
  assert.equal(byLabel["anthropic:claude-haiku-4-5"].patches.empty, 3);
  assert.ok(byLabel["openai:gpt-4o-mini"].costUsd > 0);
  const html = await Deno.readTextFile(`${dir}/r.html`);
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /openai:gpt-4o-mini/);
  assert.ok(
    !/<script|https?:\/\//.test(html.replace(/xmlns="[^"]*"/g, "")),
    "self-contained: no scripts, no links",
  );
  assert.ok(!html.includes(KEY));

  // Resumed: the plan of each model counts what its file already holds (as generate's does), nothing is sent again.
  const calls = oa.requests.length + an.requests.length;
  const dry = await runCli([...args, "--dry-run", "--json"], { env });
  assert.equal(dry.code, 0, dry.stderr);
  for (const m of JSON.parse(dry.stdout).models) {
    assert.equal(m.alreadyDone, 3, m.model);
    assert.equal(m.instances, 0, m.model);
  }
  const again = await runCli(args, { env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /Plan: 0 instances through openai:gpt-4o-mini \(3 already done\)/);
  assert.match(again.stderr, /Plan: 0 instances through anthropic:claude-haiku-4-5 \(3 already done\)/);
  assert.equal(
    oa.requests.length + an.requests.length,
    calls,
    "a resumed compare sends nothing for done instances",
  );

  const rep = await runCli(["report", ...doc.outputs.map((o: string) => `${o}.runlog.jsonl`)]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(rep.stdout, /openai:gpt-4o-mini/);
  assert.match(rep.stdout, /anthropic:claude-haiku-4-5/);
});

Deno.test("report: missing or empty run logs are usage errors; torn lines are skipped with a warning", async () => {
  const dir = await Deno.makeTempDir();
  const missing = await runCli(["report", `${dir}/nope.jsonl`]);
  assert.equal(missing.code, 2);
  const log = `${dir}/x.runlog.jsonl`;
  await Deno.writeTextFile(
    log,
    JSON.stringify({
      instance_id: "a",
      status: "ok",
      provider: "p",
      model: "m",
      patchStatus: "valid",
      costUsd: 0.5,
    }) +
      "\n" + '{"instance_id": "b", "sta',
  );
  const r = await runCli(["report", log, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /1 malformed line/);
  assert.equal(JSON.parse(r.stdout).models[0].ok, 1);
});
