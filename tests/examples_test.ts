/**
 * The programs in `examples/` run as a user runs them (`deno run -A examples/<name>.ts`), offline: against the
 * OpenAI simulator on 127.0.0.1, the bundled sample dataset and the gold provider, or a service the example starts.
 */
import assert from "node:assert/strict";
import { cliEnv } from "./cli/helpers.ts";
import { startOpenAISim } from "./simulator/mod.ts";

const EXAMPLES = new URL("../examples/", import.meta.url).pathname;

async function runExample(
  name: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = await Deno.makeTempDir({ prefix: "swebench-example-home-" });
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${EXAMPLES}${name}`, ...args],
    clearEnv: true,
    env: cliEnv(home, { NO_COLOR: "1", ...env }),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const DIFF = "--- a/utils.py\n+++ b/utils.py\n@@ -1,1 +1,1 @@\n-x = 1\n+x = 2\n";

Deno.test("examples/basic_usage.ts: generate, stream and a patch against an OpenAI-compatible server", async () => {
  await using sim = await startOpenAISim({
    respond: () => `Fix:\n\`\`\`diff\n${DIFF}\`\`\``,
    apiKey: "sk-example",
  });
  const r = await runExample("basic_usage.ts", [], {
    EXAMPLE_BASE_URL: `${sim.url}/v1`,
    EXAMPLE_MODEL: "gpt-4o-mini",
    OPENAI_API_KEY: "sk-example",
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^generate: \d+ completion tokens, finish stop, patch valid$/m);
  assert.match(r.stdout, /^stream: \d+ characters, finish stop$/m);
  // A rejected key: the example's error path prints the kind and the hint, exit 3.
  const bad = await runExample("basic_usage.ts", [], {
    EXAMPLE_BASE_URL: `${sim.url}/v1`,
    EXAMPLE_MODEL: "gpt-4o-mini",
    OPENAI_API_KEY: "sk-wrong",
  });
  assert.equal(bad.code, 3, bad.stderr);
  assert.match(bad.stderr, /^authentication: /m);
  assert.ok(!bad.stderr.includes("sk-wrong"), "the key is never printed");
});

Deno.test("examples/batch_processing.ts: a run through the run layer writes predictions and resumes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "swebench-example-" });
  const r = await runExample("batch_processing.ts", [dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^gold:gold: 3 to do, 0 already done$/m);
  assert.match(r.stdout, /^done: 3 ok, 0 failed, 0 skipped; cost \$0$/m);
  const lines = (await Deno.readTextFile(`${dir}/gold.jsonl`)).trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.ok(lines.every((l) => l.model_name_or_path === "gold" && l.model_patch.startsWith("diff --git")));
  assert.ok((await Deno.stat(`${dir}/gold.jsonl.manifest.json`)).isFile);
  // The same program again: everything is done, nothing is written twice.
  const again = await runExample("batch_processing.ts", [dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^gold:gold: 0 to do, 3 already done$/m);
  assert.equal((await Deno.readTextFile(`${dir}/gold.jsonl`)).trim().split("\n").length, 3);
});

Deno.test("examples/custom_provider.ts: a hand-written Provider through runBatch", async () => {
  const dir = await Deno.makeTempDir({ prefix: "swebench-example-" });
  const r = await runExample("custom_provider.ts", [dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^mine: 3 ok, 0 failed; patches \{"valid":3\}$/m);
  const lines = (await Deno.readTextFile(`${dir}/mine.jsonl`)).trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.model_name_or_path), ["my-model", "my-model", "my-model"]);
});
