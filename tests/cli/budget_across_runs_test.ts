/**
 * The budget through the CLI (issue 11, items 2 and 3), with what the simulator billed as the ground truth:
 * `--max-cost` holds for the predictions file across resumes and retries (earlier spend and kept reservations
 * count), the summary splits spent before / this run / left, and at high concurrency a reservation that does not
 * fit waits for the calls in flight instead of ending a run that has room.
 */
import assert from "node:assert/strict";
import { defaultCatalog } from "../../src/providers/catalog.ts";
import { getTokenizer, startAnthropicSim, startOpenAISim } from "../simulator/mod.ts";
import type { Simulator } from "../simulator/mod.ts";
import { generateArgs, goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";

const KEY = "sk-test-budget-runs-000000";
const PATCH =
  "<patch>\ndiff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n</patch>";
const tok = await getTokenizer("o200k_base");

/** USD the simulator billed: every model call it answered 200 (also one cut short), at the catalog's list price. */
function billed(sim: Simulator, model: string): number {
  const e = defaultCatalog().lookup(model)!;
  return sim.requests.filter((q) => q.n !== undefined && q.status === 200).reduce(
    (sum, q) => sum + ((q.promptTokens ?? 0) * e.inputPerMTok! + tok.count(PATCH) * e.outputPerMTok!) / 1e6,
    0,
  );
}

const usd = String.raw`\$[0-9.]+`;

Deno.test("--max-cost holds across runs: the same command three times bills at most the budget in total", async () => {
  await using sim = await startOpenAISim({ respond: () => PATCH, apiKey: KEY });
  const { lines } = await realRows("lite-test.jsonl", 10);
  const { dir, data } = await tempDataset(lines);
  const out = `${dir}/p.jsonl`;
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
  // gpt-4o with 200 max tokens: each call bills about $0.002 and may cost up to about $0.004.
  const cmd = (maxCost: string, json = false) =>
    generateArgs(
      "openai",
      "gpt-4o",
      data,
      out,
      "--max-tokens",
      "200",
      "--max-cost",
      maxCost,
      ...(json ? ["--json"] : []),
    );
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const r = await runCli(cmd("0.005"), { env });
    assert.equal(r.code, 5, r.stderr);
    runs.push({ r, billed: billed(sim, "gpt-4o") });
  }
  const total = billed(sim, "gpt-4o");
  assert.ok(total > 0, "the first run did some work");
  assert.ok(total <= 0.005, `three runs billed $${total}, more than --max-cost 0.005`);
  assert.equal(runs[1].billed, runs[0].billed, "a resume with the budget used up sends nothing");
  assert.equal(runs[2].billed, runs[0].billed);

  // What a person sees: spent before, this run, left; and the plan says so before anything is sent.
  const [first, second] = [runs[0].r, runs[1].r];
  assert.match(
    first.stdout,
    new RegExp(`Budget: \\$0 spent before, ${usd} this run, ${usd} left of \\$0\\.0050`),
  );
  assert.match(
    second.stdout,
    new RegExp(`Budget: ${usd} spent before, \\$0 this run, ${usd} left of \\$0\\.0050`),
  );
  assert.match(second.stdout, /--max-cost covers every run of this file/);
  assert.match(
    second.stdout,
    /Stopped: budget reached\. \d+ instance\(s\) left undone; --max-cost covers every run/,
  );
  assert.match(
    second.stderr,
    new RegExp(`budget: --max-cost \\$0\\.0050 covers every run of .*p\\.jsonl: ${usd} spent before`),
  );

  // Raising the ceiling goes on from there, and the new ceiling also counts the earlier runs.
  const more = await runCli(cmd("0.012", true), { env });
  const s = JSON.parse(more.stdout);
  const budget = s.resilience.stats.budget;
  const log = await readJsonl(`${out}.runlog.jsonl`);
  const logged = (since: number) =>
    log.slice(since).reduce((a, l) => a + ((l.costUsd as number) ?? 0) + ((l.keptUsd as number) ?? 0), 0);
  assert.ok(
    Math.abs(budget.spentBeforeUsd - runs[0].billed) < 1e-6,
    `${budget.spentBeforeUsd} vs ${runs[0].billed}`,
  );
  assert.ok(s.ok > 0, "more work was done under the higher ceiling");
  assert.ok(billed(sim, "gpt-4o") <= 0.012, `billed ${billed(sim, "gpt-4o")} > 0.012 over four runs`);
  assert.ok(
    Math.abs(logged(0) - budget.spentUsd) < 1e-6,
    "the run log accounts for every dollar the budget booked",
  );
  assert.equal((await readJsonl(out)).length, log.filter((l) => l.status === "ok").length);
});

Deno.test("a reservation kept because a call may have been billed counts in the next run's budget", async () => {
  // The first answer is cut after the headers: billed (maybe), usage unknown: the budget keeps its worst case.
  await using sim = await startOpenAISim({
    respond: () => PATCH,
    apiKey: KEY,
    faults: (n) => (n === 0 ? { type: "cut", atByte: 40 } : undefined),
  });
  const { lines } = await realRows("lite-test.jsonl", 3);
  const { dir, data } = await tempDataset(lines);
  const out = `${dir}/p.jsonl`;
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
  const cmd = generateArgs("openai", "gpt-4o", data, out, "--max-tokens", "200", "-c", "1");
  const first = await runCli([...cmd, "-n", "2", "--max-cost", "0.05", "--json"], { env });
  assert.equal(first.code, 0, first.stderr);
  const log = await readJsonl(`${out}.runlog.jsonl`);
  const kept = log.reduce((a, l) => a + ((l.keptUsd as number) ?? 0), 0);
  const cost = log.reduce((a, l) => a + ((l.costUsd as number) ?? 0), 0);
  assert.ok(kept > 0.003, `the cut call's worst case is on record (${kept})`);
  assert.ok(kept + cost >= billed(sim, "gpt-4o") - 1e-9, "the books never show less than was billed");

  const second = await runCli([...cmd, "--max-cost", "0.05", "--json"], { env });
  assert.equal(second.code, 0, second.stderr);
  const b = JSON.parse(second.stdout).resilience.stats.budget;
  assert.ok(
    Math.abs(b.spentBeforeUsd - (kept + cost)) < 1e-6,
    `spent before ${b.spentBeforeUsd} = ${kept + cost}`,
  );
});

Deno.test("-c 32 finishes a run that -c 8 finishes: a reservation that does not fit waits for the calls in flight", async () => {
  const { lines, instances } = await realRows("lite-test.jsonl", 50);
  for (const concurrency of ["8", "32"]) {
    await using sim = await startAnthropicSim({
      respond: goldResponder(instances),
      apiKey: KEY,
      latencyMs: 200,
    });
    const { dir, data } = await tempDataset(lines);
    const args = ["--max-cost", "1", "-c", concurrency, "--json"];
    const r = await runCli(generateArgs("anthropic", "claude-sonnet-4-5", data, `${dir}/p.jsonl`, ...args), {
      env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: sim.url },
    });
    assert.equal(r.code, 0, `-c ${concurrency}: ${r.stderr}`);
    const s = JSON.parse(r.stdout);
    assert.equal(s.ok, 50, `-c ${concurrency}: ${s.ok} ok, stopped by ${s.stoppedBy}`);
    assert.equal(s.stoppedBy, undefined);
    assert.equal(s.resilience.stats.budget.refused, 0);
    assert.ok(s.resilience.stats.budget.spentUsd <= 1);
    assert.equal(sim.requests.filter((q) => q.path === "/v1/messages").length, 50, "each instance sent once");
  }
});
