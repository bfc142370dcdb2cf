/**
 * Resilience through the CLI: a budget that is never passed (exit 5), fallback to another provider, retries,
 * and an unpriced model under a budget.
 */
import assert from "node:assert/strict";
import { startAnthropicSim, startOpenAISim } from "../simulator/mod.ts";
import { goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-test.jsonl", 12);
const KEY = "sk-test-resilience-000000";

const respond = goldResponder(instances);

Deno.test("--max-cost: the run stops before passing the budget, keeps finished work, exits 5", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows);
  const out = `${dir}/p.jsonl`;
  const maxCost = 0.02; // gpt-4.1 at $2/$8 per MTok, 4096 max tokens: each call's worst case is about $0.035-0.06
  const r = await runCli(
    [
      "generate",
      "-p",
      "openai",
      "-m",
      "gpt-4.1",
      "-d",
      data,
      "-o",
      out,
      "--max-cost",
      String(maxCost),
      "--max-tokens",
      "1500",
      "-c",
      "4",
      "--json",
    ],
    { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` } },
  );
  assert.equal(r.code, 5, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.stoppedBy, "budget");
  assert.ok(s.notStarted > 0, "some instances are left undone");
  assert.ok(s.ok > 0, "finished work is kept");
  const log = await readJsonl(`${out}.runlog.jsonl`);
  const billed = log.reduce((sum, l) => sum + ((l.costUsd as number | undefined) ?? 0), 0);
  assert.ok(billed <= maxCost, `billed ${billed} must not pass ${maxCost}`);
  assert.equal((await readJsonl(out)).length, s.ok);
  const calls = sim.requests.filter((q) => q.n !== undefined).length;
  assert.equal(calls, s.ok, "no call was started that the budget could not cover");
});

Deno.test("--fallback: quota on the first provider moves every instance to the next; its patches go to its own file", async () => {
  await using oa = await startOpenAISim({
    respond,
    apiKey: KEY,
    faults: () => ({ type: "status", status: 429, code: "insufficient_quota" }),
  });
  await using an = await startAnthropicSim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows, 5);
  const out = `${dir}/p.jsonl`;
  const r = await runCli(
    [
      "generate",
      "-p",
      "openai",
      "-m",
      "gpt-4o-mini",
      "--fallback",
      "anthropic:claude-haiku-4-5",
      "-d",
      data,
      "-o",
      out,
      "-y",
      "--json",
    ],
    {
      env: {
        OPENAI_API_KEY: KEY,
        OPENAI_BASE_URL: `${oa.url}/v1`,
        ANTHROPIC_API_KEY: KEY,
        ANTHROPIC_BASE_URL: an.url,
      },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual(s.answersByModel, { "anthropic:claude-haiku-4-5": 5 });
  const fallbackFile = `${dir}/claude-haiku-4-5__d__test.jsonl`;
  assert.equal(s.predictionFiles["anthropic:claude-haiku-4-5"], fallbackFile);
  assert.equal((await readJsonl(out)).length, 0, "the run's file never holds another model's patch");
  const preds = await readJsonl(fallbackFile);
  assert.equal(preds.length, 5);
  assert.ok(preds.every((p) => p.model_name_or_path === "claude-haiku-4-5"));
  const log = await readJsonl(`${fallbackFile}.runlog.jsonl`);
  assert.ok(log.every((l) => l.provider === "anthropic" && l.fallbackFrom === "openai:gpt-4o-mini"));
  const quotaCalls = oa.requests.filter((q) => q.n !== undefined).length;
  assert.ok(
    quotaCalls <= 5,
    `quota is never retried on the same provider (${quotaCalls} calls for 5 instances)`,
  );
});

Deno.test("transient 500/503/529 and dropped connections are retried: every instance ends with its patch", async () => {
  const faults = [
    { type: "status" as const, status: 500 },
    { type: "status" as const, status: 503 },
    { type: "drop" as const },
    { type: "status" as const, status: 429, headers: { "retry-after": "1" } },
  ];
  await using sim = await startOpenAISim({
    respond,
    apiKey: KEY,
    faults: (n) => (n < faults.length ? faults[n] : undefined),
  });
  const { dir, data } = await tempDataset(rows, 6);
  const out = `${dir}/p.jsonl`;
  const r = await runCli([
    "generate",
    "-p",
    "openai",
    "-d",
    data,
    "-o",
    out,
    "-y",
    "-c",
    "2",
    "--stream",
    "--json",
  ], {
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` },
  });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.ok, 6);
  assert.ok(s.retries >= 4);
  const gold = new Map(instances.map((i) => [i.instance_id, i.patch]));
  for (const p of await readJsonl(out)) assert.equal(p.model_patch, gold.get(p.instance_id as string));
});

Deno.test("--max-cost with an unpriced model: exit 3 before any request, naming how to add a price", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows, 2);
  const r = await runCli(
    [
      "generate",
      "-p",
      "openai",
      "-m",
      "my-private-finetune",
      "-d",
      data,
      "-o",
      `${dir}/p.jsonl`,
      "--max-cost",
      "1",
    ],
    { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` } },
  );
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /my-private-finetune/);
  assert.match(r.stderr, /"models"/);
  assert.equal(sim.requests.length, 0);
});
