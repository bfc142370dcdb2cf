/**
 * Issue 13 item 4 through the CLI: Anthropic API version 2026-10-21 by default (no sampling parameter, said in the
 * plan), 2023-06-01 selectable by flag and config; a parameter a model refuses is dropped after one 400 and the
 * summary says so once, piped and on a terminal.
 */
import assert from "node:assert/strict";
import { startAnthropicSim, startOpenAISim } from "../simulator/mod.ts";
import { goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";
import { assertOnTerminal, assertPiped } from "./human.ts";
import { runInTerminal } from "./terminal.ts";

const { lines: rows, instances } = await realRows("lite-dev.jsonl", 3);
const respond = goldResponder(instances, (p) => `Fix:\n\n\`\`\`diff\n${p}\`\`\`\n`);
const KEY = "sk-test-secret-key-drop-0123456789";

Deno.test("generate: a model that refuses max_tokens and temperature answers every instance; the summary says what was left out", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows);
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
  // Default concurrency (8): the run's first call goes alone, so the refusals happen once for the run.
  const args = ["generate", "-p", "openai", "-m", "o4minihigh", "-d", data, "-y"];
  const piped = await runCli([...args, "-o", `${dir}/a.jsonl`], { env });
  assertPiped(
    piped,
    0,
    /Done: 3 ok, 0 failed/,
    /Not sent to openai:o4minihigh after it refused them once: max_tokens \(sent as max_completion_tokens\), temperature/,
  );
  assert.equal((piped.stdout + piped.stderr).match(/Not sent to/g)?.length, 1, "said once");
  // Two refusals on the first call only; every later request went out right.
  const refused = sim.requests.filter((r) => (r.body as Record<string, unknown>).max_tokens !== undefined);
  assert.equal(refused.length, 1);
  assert.equal((await readJsonl(`${dir}/a.jsonl`)).length, 3);

  const json = await runCli([...args, "-o", `${dir}/b.jsonl`, "--json"], { env });
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout).droppedParameters, {
    "openai:o4minihigh": ["max_tokens", "temperature"],
  });

  const tty = await runInTerminal([...args, "-o", `${dir}/c.jsonl`], { env, cols: 100 });
  assertOnTerminal(tty, 0, { cols: 100 }, /Not sent to openai:o4minihigh after it refused them once/);
});

Deno.test("generate -p anthropic: version 2026-10-21 by default, no temperature sent and the plan says why; 2023-06-01 by flag sends it", async () => {
  await using sim = await startAnthropicSim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows);
  const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: sim.url };
  const base = ["generate", "-p", "anthropic", "-m", "claude-haiku-4-5", "-d", data, "-c", "1"];
  const plan = await runCli([...base, "-o", `${dir}/p.jsonl`, "--dry-run", "--temperature", "0.2"], { env });
  assertPiped(
    plan,
    0,
    /anthropic API version 2026-10-21 takes no temperature: sampling is the model's own \(--temperature 0\.2 not sent/,
    /--anthropic-version/,
  );
  const run = await runCli([...base, "-o", `${dir}/q.jsonl`, "-y", "--temperature", "0.2"], { env });
  assertPiped(run, 0, /Done: 3 ok/);
  const sent = sim.requests.filter((r) => r.path === "/v1/messages");
  assert.ok(sent.length >= 3);
  assert.ok(sent.every((r) => r.headers.get("anthropic-version") === "2026-10-21"));
  assert.ok(sent.every((r) => !("temperature" in (r.body as Record<string, unknown>))));
  const manifest = JSON.parse(await Deno.readTextFile(`${dir}/q.jsonl.manifest.json`));
  assert.equal(
    JSON.stringify(manifest).includes('"temperature":null'),
    true,
    "the manifest records none sent",
  );

  sim.requests.length = 0;
  const legacy = await runCli(
    [...base, "-o", `${dir}/r.jsonl`, "-y", "--temperature", "0.2", "--anthropic-version", "2023-06-01"],
    { env },
  );
  assertPiped(legacy, 0, /Done: 3 ok/);
  assert.ok(!/takes no temperature/.test(legacy.stderr));
  const legacySent = sim.requests.filter((r) => r.path === "/v1/messages");
  assert.ok(legacySent.every((r) => r.headers.get("anthropic-version") === "2023-06-01"));
  assert.ok(legacySent.every((r) => (r.body as Record<string, unknown>).temperature === 0.2));
});

Deno.test("generate: the config file selects the Anthropic version too; a bad --anthropic-version is a usage error", async () => {
  await using sim = await startAnthropicSim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows);
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(config, JSON.stringify({ providers: { anthropic: { version: "2023-06-01" } } }));
  const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: sim.url };
  const base = [
    "--config",
    config,
    "generate",
    "-p",
    "anthropic",
    "-m",
    "claude-haiku-4-5",
    "-d",
    data,
    "-c",
    "1",
  ];
  const r = await runCli([...base, "-o", `${dir}/a.jsonl`, "-y", "-n", "1"], { env });
  assertPiped(r, 0, /Done: 1 ok/);
  assert.equal(sim.requests.at(-1)!.headers.get("anthropic-version"), "2023-06-01");
  const bad = await runCli([...base, "-o", `${dir}/b.jsonl`, "--anthropic-version", "latest"], { env });
  assertPiped(bad, 2, /--anthropic-version expects a date YYYY-MM-DD, got "latest"/, /2023-06-01/);
  const wrongType = JSON.stringify({ providers: { anthropic: { version: 20231001 } } });
  await Deno.writeTextFile(config, wrongType);
  const badConfig = await runCli([...base, "-o", `${dir}/c.jsonl`, "--dry-run"], { env });
  assertPiped(badConfig, 3, /providers\.anthropic\.version/);
});
