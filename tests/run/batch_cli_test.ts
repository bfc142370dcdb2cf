/**
 * The batch runner through the CLI, on real data: a full Lite run at -c 32, interruption (SIGINT and kill -9)
 * and resume, and sharding.
 */
import assert from "node:assert/strict";
import { type SimRequest, startOpenAISim } from "../simulator/mod.ts";
import { DENO_DIR, readJsonl, runCli, SHARED } from "../cli/helpers.ts";

const LITE = `${SHARED}swe-bench/lite-test.jsonl`;
const lite = (await Deno.readTextFile(LITE)).split("\n").filter(Boolean).map((l) =>
  JSON.parse(l) as { instance_id: string; base_commit: string; patch: string; problem_statement: string }
);
const byCommit = new Map<string, typeof lite>();
for (const i of lite) byCommit.set(i.base_commit, [...(byCommit.get(i.base_commit) ?? []), i]);

/** Answer like a model would, in one of several styles, with the instance's gold patch. */
function respond(req: SimRequest): string {
  const text = JSON.stringify(req.body);
  const m = text.match(/checked out at commit ([0-9a-f]{40})/);
  const candidates = m ? byCommit.get(m[1]) ?? [] : [];
  const inst = candidates.length === 1
    ? candidates[0]
    : candidates.find((c) => text.includes(JSON.stringify(c.problem_statement.slice(0, 60)).slice(1, -1)));
  if (!inst) return "no idea";
  const styles = [
    `<patch>\n${inst.patch}</patch>`,
    `Here is the fix:\n\n\`\`\`diff\n${inst.patch}\`\`\`\nThis should work.`,
    `The problem is in the parser.\n\n${inst.patch}`,
    `\`\`\`patch\n${inst.patch.replace(/\n$/, "")}\n\`\`\``,
  ];
  return styles[inst.instance_id.length % styles.length];
}

const KEY = "sk-test-batch-0000000000";

Deno.test("a full Lite run (300) at -c 32 through the simulator recovers every patch", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY, tokenizer: "approx" });
  const dir = await Deno.makeTempDir();
  const out = `${dir}/lite.jsonl`;
  const r = await runCli(["generate", "-p", "openai", "-d", LITE, "-c", "32", "-o", out, "-y", "--json"], {
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` },
  });
  assert.equal(r.code, 0, r.stderr);
  const preds = await readJsonl(out);
  assert.equal(preds.length, 300);
  const gold = new Map(lite.map((i) => [i.instance_id, i.patch]));
  const wrong = preds.filter((p) => p.model_patch !== gold.get(p.instance_id as string));
  assert.deepEqual(wrong.map((p) => p.instance_id), []);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.ok, 300);
  assert.equal(sim.requests.filter((q) => q.n !== undefined).length, 300, "each instance sent exactly once");
});

async function waitForLines(path: string, n: number, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const count = await Deno.readTextFile(path).then((t) => t.split("\n").filter(Boolean).length).catch(() =>
      0
    );
    if (count >= n) return count;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${n} lines in ${path}`);
}

function spawnCli(args: string[], env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../main.ts", import.meta.url).pathname, ...args],
    env: { NO_COLOR: "1", DENO_DIR, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

for (const signal of ["SIGINT", "SIGKILL"] as const) {
  Deno.test(`${signal} mid-run, then the same command resumes to exactly one line per instance`, async () => {
    await using sim = await startOpenAISim({ respond, apiKey: KEY, latencyMs: 150, tokenizer: "approx" });
    const dir = await Deno.makeTempDir();
    const out = `${dir}/p.jsonl`;
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1`, HOME: dir };
    const args = ["generate", "-p", "openai", "-d", LITE, "-n", "40", "-c", "4", "-o", out, "-y", "-q"];
    const child = spawnCli(args, env);
    await waitForLines(out, 6, 20_000);
    child.kill(signal);
    const status = await child.output();
    if (signal === "SIGINT") {
      assert.equal(status.code, 130, new TextDecoder().decode(status.stderr));
      const stdout = new TextDecoder().decode(status.stdout);
      assert.match(stdout, /Interrupted/);
    }
    const before = (await readJsonl(out)).length;
    assert.ok(before >= 6 && before < 40, `interrupted early: ${before} lines`);
    const sentBefore = sim.requests.filter((q) => q.n !== undefined).length;
    if (signal === "SIGINT") {
      // The first Ctrl-C starts nothing new and lets the paid calls in flight finish and be written.
      assert.equal(sentBefore, before, "every call sent before the interrupt was saved");
    }
    const again = await runCli([...args.filter((a) => a !== "-q"), "--json"], { env });
    assert.equal(again.code, 0, again.stderr);
    const preds = await readJsonl(out);
    assert.equal(preds.length, 40);
    assert.equal(new Set(preds.map((p) => p.instance_id)).size, 40, "exactly one line per instance");
    const resent = sim.requests.filter((q) => q.n !== undefined).length - sentBefore;
    assert.equal(resent, 40 - before, "finished instances are not sent again");
  });
}

Deno.test("shards 1/3, 2/3, 3/3 cover the selection exactly once", async () => {
  const dir = await Deno.makeTempDir();
  const seen: string[] = [];
  for (const i of [1, 2, 3]) {
    const out = `${dir}/s${i}.jsonl`;
    const r = await runCli([
      "generate",
      "-p",
      "gold",
      "-d",
      LITE,
      "--filter",
      "django__*",
      "--shard",
      `${i}/3`,
      "-o",
      out,
      "-q",
    ]);
    assert.equal(r.code, 0, r.stderr);
    for (const p of await readJsonl(out)) seen.push(p.instance_id as string);
  }
  const django = lite.filter((i) => i.instance_id.startsWith("django__")).map((i) => i.instance_id);
  assert.equal(seen.length, django.length);
  assert.deepEqual([...seen].sort(), [...django].sort());
});
