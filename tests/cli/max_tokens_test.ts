/**
 * An impossible `--max-tokens` never poisons the output (issue 11, item 5): it is refused before anything is sent
 * (exit 2, naming the model and both of its limits), and a skip or a rejection caused by the settings is never
 * recorded as done: the corrected re-run does the work.
 */
import assert from "node:assert/strict";
import { startOpenAISim } from "../simulator/mod.ts";
import type { Simulator } from "../simulator/mod.ts";
import { goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-test.jsonl", 5);
const KEY = "sk-test-maxtokens-0000000";
const respond = goldResponder(instances);
const modelCalls = (sim: Simulator) => sim.requests.filter((q) => q.n !== undefined).length;

Deno.test("--max-tokens above the model's limits exits 2 naming the model and both numbers; nothing is sent or written", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows);
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
  for (const extra of [[], ["--dry-run"]]) {
    const r = await runCli(
      [
        "generate",
        "-p",
        "openai",
        "-m",
        "gpt-4o-mini",
        "-d",
        data,
        "-o",
        `${dir}/p.jsonl`,
        "--max-tokens",
        "200000",
        ...extra,
      ],
      { env },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /--max-tokens 200,000 is more than openai:gpt-4o-mini allows \(at most 16,384 output tokens, context window 128,000 tokens\)/,
    );
    assert.match(r.stderr, /Use --max-tokens 16384 or less/);
  }
  assert.equal(modelCalls(sim), 0);
  assert.ok(
    !await Deno.stat(`${dir}/p.jsonl`).then(() => true, () => false),
    "no predictions file is created",
  );

  // The corrected command does every instance.
  const ok = await runCli(
    [
      "generate",
      "-p",
      "openai",
      "-m",
      "gpt-4o-mini",
      "-d",
      data,
      "-o",
      `${dir}/p.jsonl`,
      "--max-tokens",
      "16384",
      "-y",
    ],
    { env },
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Done: 5 ok/);
  assert.equal((await readJsonl(`${dir}/p.jsonl`)).length, 5);
});

Deno.test("prompts skipped because --max-tokens leaves no room are not done: the corrected re-run sends them", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows);
  // A model with a small window (a config entry): 6,000 tokens, so 5,800 output tokens leave no room for a prompt.
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      models: [{
        id: "small-window",
        provider: "openai",
        contextWindow: 6000,
        maxOutputTokens: 6000,
        inputPerMTok: 0.1,
        outputPerMTok: 0.1,
      }],
    }),
  );
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
  const cmd = (maxTokens: string) => [
    "--config",
    config,
    "generate",
    "-p",
    "openai",
    "-m",
    "small-window",
    "-d",
    data,
    "-o",
    `${dir}/p.jsonl`,
    "--max-tokens",
    maxTokens,
    "-y",
  ];
  const skipped = await runCli(cmd("5800"), { env });
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.match(skipped.stdout, /Done: 0 ok, 0 failed, 5 skipped/);
  assert.equal(modelCalls(sim), 0);
  const log = await readJsonl(`${dir}/p.jsonl.runlog.jsonl`);
  assert.equal(log.filter((l) => l.status === "skipped").length, 5);

  const fixed = await runCli(cmd("1000"), { env });
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stdout, /Done: 5 ok, 0 failed, 0 skipped in/);
  assert.doesNotMatch(fixed.stdout, /already done/);
  assert.equal(modelCalls(sim), 5);
  assert.equal((await readJsonl(`${dir}/p.jsonl`)).length, 5);
});

Deno.test("a request the provider rejects for its settings (400) is not done: the corrected re-run sends it", async () => {
  // A model the catalog does not know cannot be checked up front: the provider's 400 is the first word.
  await using sim = await startOpenAISim({
    respond,
    apiKey: KEY,
    faults: () => ({ type: "status", status: 400, message: "max_tokens is too large: 200000" }),
  });
  const { dir, data } = await tempDataset(rows);
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
  const cmd = (maxTokens: string) => [
    "generate",
    "-p",
    "openai",
    "-m",
    "my-local-finetune",
    "-d",
    data,
    "-o",
    `${dir}/p.jsonl`,
    "--max-tokens",
    maxTokens,
    "-c",
    "1",
    "-y",
  ];
  const bad = await runCli(cmd("200000"), { env });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr + bad.stdout, /max_tokens is too large/);
  const sentFirst = modelCalls(sim);
  assert.ok(sentFirst >= 1);
  sim.setOptions({ faults: [] });
  const fixed = await runCli(cmd("1000"), { env });
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stdout, /Done: 5 ok, 0 failed, 0 skipped in/);
  assert.doesNotMatch(fixed.stdout, /already done/);
  assert.equal(modelCalls(sim) - sentFirst, 5);
});
