/**
 * Honest plans (issue 10 §7): Anthropic prompts counted with count_tokens when a key is set (the plan's prompt
 * tokens then equal the billed input tokens), an estimate with its bound offline, a warning for a model past or
 * near its end of life naming its successor, and a default Anthropic model that is not retired. Fast start (issue 15
 * §1): with nothing to confirm (-y, --max-cost) the calls start at once and the plan follows once counted; without,
 * the exact plan comes first.
 */
import assert from "node:assert/strict";
import { type Simulator, startAnthropicSim, startOpenAISim } from "../simulator/mod.ts";
import { assertPiped } from "./human.ts";
import {
  closedPort,
  generateArgs,
  goldResponder,
  readJsonl,
  realRows,
  runCli,
  tempDataset,
} from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-test.jsonl", 6);
const KEY = "sk-ant-test-plan-000000";
const respond = goldResponder(instances);

const counts = (sim: { requests: { path: string }[] }) =>
  sim.requests.filter((q) => q.path === "/v1/messages/count_tokens").length;
const messages = (sim: Simulator) => sim.requests.filter((q) => q.path === "/v1/messages");

Deno.test("with a key, the plan counts Anthropic prompts with count_tokens: its prompt tokens are the billed input tokens", async () => {
  await using sim = await startAnthropicSim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows);
  const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: sim.url };
  const args = ["generate", "-p", "anthropic", "-m", "claude-haiku-4-5", "-d", data, "-o", `${dir}/p.jsonl`];
  const dry = await runCli([...args, "--dry-run", "--json"], { env });
  assert.equal(dry.code, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout);
  assert.equal(plan.countMethod, "exact");
  assert.equal(plan.countSource, "api");
  assert.equal(counts(sim), 6, "one count_tokens call per prompt");
  assert.equal(messages(sim).length, 0, "a dry run generates nothing");
  const human = await runCli([...args, "--dry-run"], { env });
  assert.match(
    human.stdout,
    new RegExp(
      `prompt tokens: ${
        plan.promptTokens.toLocaleString("en-US")
      } \\(exact, counted by the provider's API\\)`,
    ),
  );

  const run = await runCli([...args, "-y", "--json"], { env });
  assert.equal(run.code, 0, run.stderr);
  const s = JSON.parse(run.stdout);
  assert.equal(s.ok, 6);
  assert.equal(s.promptTokens, plan.promptTokens, "the plan's prompt tokens equal the billed input tokens");
  const billed = (await readJsonl(`${dir}/p.jsonl.runlog.jsonl`))
    .reduce((n, r) => n + (r.usage as { promptTokens: number }).promptTokens, 0);
  assert.equal(billed, plan.promptTokens);
  // -y needs no confirmation: the calls start at once, the run's own plan is the local count (no count_tokens).
  assert.equal(counts(sim), 6 + 6, "the dry runs counted each prompt once; the -y run none");
});

Deno.test("offline or without a key, the plan says estimate with its bound", async () => {
  const { dir, data } = await tempDataset(rows, 3);
  const noKey = await runCli([
    "generate",
    "-p",
    "anthropic",
    "-d",
    data,
    "-o",
    `${dir}/p.jsonl`,
    "--dry-run",
  ]);
  assert.equal(noKey.code, 0, noKey.stderr);
  assert.match(noKey.stdout, /prompt tokens: [\d,]+ \(estimate, ±25%\)/);
  // A key, but the count_tokens endpoint cannot be reached: the same estimate.
  const offline = await runCli(
    ["generate", "-p", "anthropic", "-d", data, "-o", `${dir}/p.jsonl`, "--dry-run", "--json"],
    { env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: `http://127.0.0.1:${closedPort()}` } },
  );
  assert.equal(offline.code, 0, offline.stderr);
  const plan = JSON.parse(offline.stdout);
  assert.equal(plan.countMethod, "estimate");
  assert.equal(plan.errorBound, 0.25);
});

Deno.test("a rejected key stops after one request, naming ANTHROPIC_API_KEY (exit 3): at count_tokens, or at the first call of a -y run", async () => {
  await using sim = await startAnthropicSim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows);
  const env = { ANTHROPIC_API_KEY: "sk-ant-wrong-111111", ANTHROPIC_BASE_URL: sim.url };
  const args = (
    ...rest: string[]
  ) => ["generate", "-p", "anthropic", "-d", data, "-o", `${dir}/p.jsonl`, ...rest];
  // The plan first (a dry run; a run that asks for confirmation): its first count_tokens goes alone.
  const dry = await runCli(args("--dry-run"), { env });
  // A -y run starts at once: its first call goes alone.
  const run = await runCli(args("-c", "8", "-y"), { env });
  for (const [r, path] of [[dry, "/v1/messages/count_tokens"], [run, "/v1/messages"]] as const) {
    assert.equal(r.code, 3, r.stderr);
    const all = r.stdout + r.stderr;
    assert.match(all, /rejected the key in ANTHROPIC_API_KEY/);
    assert.match(all, /swebench provider init anthropic/);
    assert.doesNotMatch(all, /sk-ant-wrong-111111/);
    assert.equal(sim.requests.filter((q) => q.path === path).length, 1, `exactly one request to ${path}`);
  }
  assert.equal(sim.requests.length, 2);
});

Deno.test("a retired model gets a warning in the plan naming its successor", async () => {
  const { dir, data } = await tempDataset(rows, 2);
  const args = ["generate", "-p", "anthropic", "-m", "claude-sonnet-4-5", "-d", data, "-o", `${dir}/p.jsonl`];
  const r = await runCli([...args, "--dry-run"]);
  assert.equal(r.code, 0, r.stderr);
  // claude-sonnet-4-5 retired on 2026-11-30 (the catalog's date, from @anthropic-ai/sdk); the clock only moves on.
  assert.match(
    r.stdout,
    /warning: claude-sonnet-4-5 was retired on 2026-11-30: requests to it fail\. Its successor is claude-sonnet-5-5 \(-m claude-sonnet-5-5\)\./,
  );
  const j = JSON.parse((await runCli([...args, "--dry-run", "--json"])).stdout);
  assert.deepEqual(
    j.deprecations.map((
      d: { model: string; retired: boolean; successor: string },
    ) => [d.model, d.retired, d.successor]),
    [["claude-sonnet-4-5", true, "claude-sonnet-5-5"]],
  );
});

Deno.test("a model whose end of life is within 30 days gets a warning; one further away does not", async () => {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const { dir, data } = await tempDataset(rows, 2);
  const config = `${dir}/config.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      models: [
        { id: "vendor-soon", provider: "openai", deprecationDate: day(10), successor: "vendor-next" },
        { id: "vendor-later", provider: "openai", deprecationDate: day(45) },
      ],
    }),
  );
  const plan = (model: string) =>
    runCli([
      "--config",
      config,
      ...generateArgs("openai", model, data, `${dir}/${model}.jsonl`, "--dry-run"),
    ]);
  const soon = await plan("vendor-soon");
  assert.equal(soon.code, 0, soon.stderr);
  assert.match(
    soon.stdout,
    new RegExp(`warning: vendor-soon retires on ${day(10)} \\(in (9|10) days\\): .*\\(-m vendor-next\\)`),
  );
  const later = await plan("vendor-later");
  assert.equal(later.code, 0, later.stderr);
  assert.doesNotMatch(later.stdout, /warning/);
});

Deno.test("the default Anthropic model is current and runs at the default temperature (none is sent to it)", async () => {
  await using sim = await startAnthropicSim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows, 2);
  const out = `${dir}/p.jsonl`;
  const r = await runCli(["generate", "-p", "anthropic", "-d", data, "-o", out, "-y", "--json"], {
    env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: sim.url },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).ok, 2);
  assert.doesNotMatch(r.stderr, /warning/);
  const sent = messages(sim);
  assert.ok(sent.every((q) => q.body.model === "claude-sonnet-5-5" && !("temperature" in q.body)));
  const m = JSON.parse(await Deno.readTextFile(`${out}.manifest.json`));
  assert.equal(m.generation.model, "claude-sonnet-5-5");
  assert.equal(m.generation.temperature, null, "the manifest records what was sent");
  assert.deepEqual(m.notes, [
    "temperature 0 was asked for and not sent: claude-sonnet-5-5 does not accept it",
  ]);
  // The simulator refuses a temperature for this model, as the API does: the omission is what makes the run work.
  const refused = await fetch(`${sim.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json" },
    body: JSON.stringify({
      model: "claude-sonnet-5-5",
      max_tokens: 16,
      temperature: 0,
      messages: [{ role: "user", content: "hi" }],
    }),
  });
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /temperature/);
});

Deno.test("-y or --max-cost: the calls start at once and the plan, counted alongside, follows; otherwise the exact plan comes first", async () => {
  // 250 ms a call, one at a time: the plan is counted long before the last call (without a budget it is counted
  // while the run waits for answers; with one, ahead of the calls).
  await using sim = await startOpenAISim({ respond, apiKey: "sk-test-plan-0000", latencyMs: 250 });
  const env = { OPENAI_API_KEY: "sk-test-plan-0000", OPENAI_BASE_URL: `${sim.url}/v1` };
  const { dir, data } = await tempDataset(rows);
  const args = (out: string, ...rest: string[]) =>
    generateArgs("openai", "gpt-4o-mini", data, `${dir}/${out}`, "-c", "1", ...rest);
  for (
    const [out, flag, why] of [["y.jsonl", ["-y"], "-y"], [
      "m.jsonl",
      ["--max-cost", "1"],
      "--max-cost",
    ]] as const
  ) {
    const r = await runCli(args(out, ...flag), { env });
    assertPiped(
      r,
      0,
      new RegExp(
        `^Plan: 6 instances through openai:gpt-4o-mini; started at once \\(${why}\\): the prompts are counted alongside the calls$`,
        "m",
      ),
      /^plan, counted alongside the calls:\n {2}prompt tokens: [\d,]+ \(exact\)\n {2}cost: expected \$[\d.]+, worst case \$[\d.]+$/m,
      /^Done: 6 ok/m,
    );
    assert.ok(r.stderr.indexOf("started at once") < r.stderr.indexOf("plan, counted"));
  }
  // Nothing to skip the confirmation with (a run under $1 needs none, but the exact plan comes first).
  const plain = await runCli(args("p.jsonl"), { env });
  assertPiped(
    plain,
    0,
    /^Plan: 6 instances through openai:gpt-4o-mini$/m,
    /^ {2}prompt tokens: [\d,]+ \(exact\)$/m,
  );
  assert.doesNotMatch(plain.stderr, /started at once|counted alongside/);
  await Deno.remove(dir, { recursive: true });
});
