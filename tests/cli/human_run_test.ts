/**
 * What a person sees from `swebench generate` (plan, progress, summary, --dry-run), `compare` and `report`, piped
 * and on a terminal, against the simulators; and from each of them given bad input.
 */
import assert from "node:assert/strict";
import { readJsonl, runCli, SHARED } from "./helpers.ts";
import { assertOnTerminal, assertPiped } from "./human.ts";
import { startSimWorld } from "./sim_env.ts";
import { runInTerminal } from "./terminal.ts";

const LITE_DEV = `${SHARED}swe-bench/lite-dev.jsonl`;
const LITE_TEST = `${SHARED}swe-bench/lite-test.jsonl`;

Deno.test("human output: generate, compare and report", async (t) => {
  await using world = await startSimWorld();
  const env = { ...world.env, NO_COLOR: "" };
  const run = (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { env: { ...env, ...extra }, cwd: world.home });
  const term = (args: string[], cols = 100, script?: [string, string][]) =>
    runInTerminal(args, { env: world.env, cwd: world.home, cols, script });
  const chats = () => world.openai.requests.filter((r) => r.path.endsWith("/chat/completions")).length;

  await t.step("generate -p gold -d sample: the offline demo", async () => {
    const r = await run(["generate", "-p", "gold", "-d", "sample"]);
    assertPiped(
      r,
      0,
      /Done: 5 ok, 0 failed/,
      /Patches: 5 valid/,
      /Predictions: predictions\/gold__sample__test\.jsonl/,
    );
    assert.equal((await readJsonl(`${world.home}/predictions/gold__sample__test.jsonl`)).length, 5);
    const tty = await term(["generate", "-p", "gold", "-d", "sample", "-o", "g.jsonl"], 60);
    assertOnTerminal(tty, 0, { cols: 60, fit: true, colour: true }, /Done: 5 ok/);
  });

  await t.step("generate --dry-run: the plan, nothing sent", async () => {
    const before = chats();
    const r = await run(["generate", "-p", "openai", "-d", LITE_DEV, "-n", "5", "--dry-run"]);
    assertPiped(
      r,
      0,
      /Plan: 5 instances through openai:gpt-4o-mini/,
      /prompt tokens: [\d,]+ \(exact\)/,
      /cost: expected \$[\d.]+, worst case \$[\d.]+/,
      /Dry run: nothing sent/,
    );
    assert.equal(chats(), before);
  });

  await t.step("generate: plan on stderr, progress, summary on stdout; resumed the second time", async () => {
    const r = await run(["generate", "-p", "openai", "-d", LITE_DEV, "-n", "5", "-o", "p5.jsonl"]);
    assertPiped(
      r,
      0,
      /Done: 5 ok, 0 failed/,
      /Patches: 5 valid/,
      /Tokens: [\d,]+ prompt \+ [\d,]+ completion; cost \$/,
    );
    assert.match(r.stderr, /Plan: 5 instances/);
    assert.match(r.stderr, /5\/5 done/);
    assert.doesNotMatch(r.stdout, /Plan:|\d+\/\d+ done/, "plan and progress belong on stderr");
    const again = await run(["generate", "-p", "openai", "-d", LITE_DEV, "-n", "5", "-o", "p5.jsonl"]);
    assertPiped(again, 0, /5 already done/, /Nothing to do/);
    assert.doesNotMatch(again.stderr, /0\/0 done/);
    // On a narrow terminal the live line is redrawn in place, never wider than the screen.
    const tty = await term([
      "generate",
      "-p",
      "openai",
      "-d",
      LITE_DEV,
      "-n",
      "8",
      "-c",
      "2",
      "-o",
      "t8.jsonl",
    ], 40);
    assertOnTerminal(tty, 0, { cols: 40, fit: true, colour: true }, /Done: 8 ok/, /Patches: 8 valid/);
    assert.ok(tty.live.length > 2, "no live progress line on a terminal");
  });

  await t.step("generate: failures are counted and explained, not thrown", async () => {
    const r = await run(
      ["generate", "-p", "openai", "-d", LITE_DEV, "-n", "2", "-o", "bad.jsonl"],
      { OPENAI_API_KEY: "sk-wrong-key-0000000" },
    );
    assertPiped(r, 3, /401/, /API key/);
    assert.ok(!(r.stdout + r.stderr).includes("sk-wrong-key-0000000"));
  });

  await t.step("generate: bad input is named, with the fix, and nothing is sent", async () => {
    const before = chats();
    assertPiped(await run(["generate", "-p", "nope"]), 2, /unknown provider "nope"/, /openai, anthropic/);
    assertPiped(await run(["generate", "-d", "nope"]), 2, /Unknown dataset "nope"/);
    assertPiped(await run(["generate", "-c", "0"]), 2, /--concurrency expects a whole number >= 1, got "0"/);
    assertPiped(await run(["generate", "--max-cost", "abc"]), 2, /--max-cost expects a number/);
    assertPiped(
      await run(["generate", "--temperature", "9"]),
      2,
      /--temperature expects a number from 0 to 2/,
    );
    assertPiped(await run(["generate", "-i", "a__b-1"]), 2, /Unknown instance ids?/, /a__b-1/);
    assertPiped(await run(["generate", "--shard", "5/4"]), 2, /shard 5 does not exist/);
    assertPiped(await run(["generate", "--context", "x"]), 2, /Allowed choices/);
    assertPiped(await run(["generate", "--fallback", ":x"]), 2, /not provider:model/);
    assertPiped(
      await run(["generate", "-p", "openai", "-d", LITE_DEV], { OPENAI_API_KEY: "", OPENAI_BASE_URL: "" }),
      3,
      /OPENAI_API_KEY/,
    );
    // 300 instances of gpt-4o off a terminal: worth asking, and there is no one to ask.
    assertPiped(
      await run(["generate", "-p", "openai", "-m", "gpt-4o", "-d", LITE_TEST]),
      2,
      /not starting: it may cost up to \$[\d.]+/,
      /--yes/,
      /--max-cost/,
    );
    await Deno.mkdir(`${world.home}/adir`);
    assertPiped(await run(["generate", "-p", "gold", "-o", "adir"]), 2, /directory/);
    assert.equal(chats(), before, "a request was sent for bad input");
  });

  await t.step("generate on a terminal: a costly run asks first; declining sends nothing", async () => {
    const before = chats();
    const tty = await term(
      ["generate", "-p", "openai", "-m", "gpt-4o", "-d", LITE_TEST, "-o", "ask.jsonl"],
      100,
      [["\\?", "n\r"]],
    );
    assertOnTerminal(tty, 0, {}, /Plan: 300 instances/, /\$/);
    assert.equal(chats(), before);
  });

  let outputs: string[] = [];
  await t.step("compare: one table of both models", async () => {
    const args = [
      "compare",
      "--providers",
      "openai:gpt-4o-mini,anthropic:claude-haiku-4-5",
      "-d",
      LITE_DEV,
      "-n",
      "3",
      "-y",
      "--output-dir",
      "cmp",
    ];
    const r = await run([...args, "--report", "cmp.html"]);
    assertPiped(r, 0, /openai:gpt-4o-mini/, /anthropic:claude-haiku-4-5/, /Report: cmp\.html/);
    assert.match(r.stderr, /Plan: 3 instances through openai:gpt-4o-mini/);
    outputs = [...Deno.readDirSync(`${world.home}/cmp`)].map((e) => `cmp/${e.name}`).filter((n) =>
      n.endsWith(".runlog.jsonl")
    );
    assert.equal(outputs.length, 2);
    const tty = await term([...args, "--output-dir", "cmp2"], 80);
    assertOnTerminal(tty, 0, { cols: 80, fit: true }, /openai:gpt-4o-mini/, /anthropic:claude-haiku-4-5/);
    assertPiped(await run(["compare", "--providers", "openai:gpt-4o-mini"]), 2, /at least two/);
    assertPiped(await run(["compare"]), 2, /--providers/);
  });

  await t.step("report: the table from run logs, on any terminal; HTML on request", async () => {
    const r = await run(["report", ...outputs]);
    assertPiped(r, 0, /openai:gpt-4o-mini/, /anthropic:claude-haiku-4-5/);
    for (const cols of [160, 100, 60]) {
      const tty = await term(["report", ...outputs], cols);
      assertOnTerminal(tty, 0, { cols, fit: true }, /openai:gpt-4o-mini/, /anthropic:claude-haiku-4-5/);
    }
    assertPiped(await run(["report", ...outputs, "--html", "r.html"]), 0, /Report: r\.html/);
    assert.match(await Deno.readTextFile(`${world.home}/r.html`), /^<!doctype html>/);
    const missing = await run(["report", "nope.runlog.jsonl"]);
    assertPiped(missing, 2, /run log not found: nope\.runlog\.jsonl/, /beside the predictions/);
    assert.doesNotMatch(missing.stderr, /os error/);
    await Deno.writeTextFile(`${world.home}/empty.runlog.jsonl`, "");
    assertPiped(await run(["report", "empty.runlog.jsonl"]), 2, /no run-log records/);
    assertPiped(await run(["report"]), 2, /missing required argument/);
  });
});
