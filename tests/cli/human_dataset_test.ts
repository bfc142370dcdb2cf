/**
 * What a person sees from `swebench dataset list|info|fetch` and `swebench validate`, piped and on a terminal
 * (Hugging Face served by the simulator), and from each of them given bad input.
 */
import assert from "node:assert/strict";
import { runCli, SHARED } from "./helpers.ts";
import { assertOnTerminal, assertPiped } from "./human.ts";
import { startSimWorld } from "./sim_env.ts";
import { runInTerminal } from "./terminal.ts";

const LITE_DEV = `${SHARED}swe-bench/lite-dev.jsonl`;
const PREDS = `${SHARED}predictions/coder-lite.jsonl`;

Deno.test("human output: dataset list|info|fetch", async (t) => {
  await using world = await startSimWorld();
  const env = { ...world.env, NO_COLOR: "" };
  const run = (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { env: { ...env, ...extra }, cwd: world.home });
  const term = (args: string[], cols = 100) => runInTerminal(args, { env: world.env, cwd: world.home, cols });

  await t.step("dataset list: names, ids, splits, what is cached; fits any terminal", async () => {
    assertPiped(
      await run(["dataset", "list"]),
      0,
      /lite\s+princeton-nlp\/SWE-bench_Lite/,
      /verified/,
      /sample/,
    );
    for (const cols of [200, 120, 80, 50]) {
      const tty = await term(["dataset", "list"], cols);
      assertOnTerminal(tty, 0, { cols, fit: true }, /princeton-nlp\/SWE-bench_Lite/, /SWE-bench Verified/);
    }
  });

  await t.step(
    "dataset fetch: progress while downloading, then where it is; cached the second time",
    async () => {
      const fetched = await run(["dataset", "fetch", "lite", "--split", "dev"]);
      assertPiped(
        fetched,
        0,
        /downloaded princeton-nlp\/SWE-bench_Lite \(dev\)/,
        /Fetched: .*\(dev\), 1 file, /,
      );
      assertPiped(await run(["dataset", "fetch", "lite", "--split", "dev"]), 0, /Already cached/);
      const tty = await term(["dataset", "fetch", "lite", "--refresh"], 50);
      assertOnTerminal(tty, 0, { cols: 50, fit: true }, /Fetched: princeton-nlp\/SWE-bench_Lite \(test\)/);
      assertPiped(await run(["dataset", "list"]), 0, /lite .*test, dev/);
    },
  );

  await t.step("dataset info: rows and repositories", async () => {
    assertPiped(await run(["dataset", "info", "sample"]), 0, /5 instances/, /django\/django/);
    assertPiped(
      await run(["dataset", "info", "lite", "--split", "dev"]),
      0,
      /23 instances/,
      /sqlfluff\/sqlfluff\s+5/,
    );
    assertPiped(await run(["dataset", "info", LITE_DEV]), 0, /23 instances/);
    assertOnTerminal(
      await term(["dataset", "info", "sample"], 40),
      0,
      { cols: 40, fit: true },
      /5 instances/,
    );
  });

  await t.step("dataset: bad input is named, with the fix", async () => {
    assertPiped(await run(["dataset", "info", "nope"]), 2, /Unknown dataset "nope"/, /dataset list/);
    assertPiped(
      await run(["dataset", "info", "/nonexistent/d.jsonl"]),
      2,
      /not found: \/nonexistent\/d\.jsonl/,
    );
    assertPiped(await run(["dataset", "fetch", "nope/nope"]), 2, /"nope\/nope" not found/);
    assertPiped(await run(["dataset", "fetch", "lite", "--context", "bogus"]), 2, /Allowed choices/);
    assertPiped(await run(["dataset", "info", "verified", "--context", "oracle"]), 2, /no retrieval variant/);
    assertPiped(await run(["dataset", "info", "sample", "--split", "dev"]), 2, /only the test split/);
    const bad = `${world.home}/bad.jsonl`;
    await Deno.writeTextFile(bad, (await Deno.readTextFile(LITE_DEV)).split("\n")[0] + "\n{oops\n");
    assertPiped(await run(["dataset", "info", bad]), 2, /bad\.jsonl:2/);
  });
});

Deno.test("human output: validate, piped and on a terminal", async () => {
  const piped = await runCli(["validate", PREDS, "-d", `${SHARED}swe-bench/lite-test.jsonl`], {
    env: { NO_COLOR: "" },
  });
  assertPiped(piped, 0, /300 predictions of 20240604_CodeR/, /36 empty patches/, /^OK/m);
  const tty = await runInTerminal(["validate", PREDS], { cols: 80 });
  assertOnTerminal(tty, 0, { colour: true }, /300 predictions/, /Ids not checked/);
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/p.jsonl`, '{"instance_id": "a", "model_patch": ""}\n\n');
  const bad = await runInTerminal(["validate", `${dir}/p.jsonl`], { cols: 80 });
  assertOnTerminal(
    bad,
    2,
    { colour: true },
    /p\.jsonl:1: error: .*missing "model_name_or_path"/,
    /p\.jsonl:2: error/,
  );
  assertPiped(await runCli(["validate", `${dir}/nope.jsonl`]), 2, /not found/);
  assertPiped(await runCli(["validate"]), 2, /missing required argument 'predictions'/);
});

Deno.test("human output: a reader that goes away (| head) ends the output quietly", async () => {
  const dir = await Deno.makeTempDir();
  const script =
    `"${Deno.execPath()}" run -A "${
      new URL("../../main.ts", import.meta.url).pathname
    }" validate "${PREDS}" ` +
    `-d "${LITE_DEV}" -v 2>"${dir}/err" | head -n 1; cat "${dir}/err"`;
  const r = await new Deno.Command("sh", { args: ["-c", script], stdout: "piped", stderr: "piped" }).output();
  const out = new TextDecoder().decode(r.stdout);
  const lines = out.trim().split("\n");
  assert.match(lines[0], /coder-lite\.jsonl/);
  assert.equal(lines.length, 1, `stderr after | head:\n${out}`);
});
