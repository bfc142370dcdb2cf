/**
 * Ways to pay twice (issue 11, item 6), with real signals to a real subprocess: SIGTERM (docker stop, timeout, a
 * CI cancel) and SIGHUP (a closed terminal) act as the first Ctrl-C: nothing new starts, the calls in flight are
 * saved, the lock is released, exit 130, and the next run sends only what was never sent. The lock is keyed by
 * the real path: a symlink to a file another run writes is refused.
 */
import assert from "node:assert/strict";
import { startOpenAISim } from "../simulator/mod.ts";
import type { Simulator } from "../simulator/mod.ts";
import { cliResult, goldResponder, readJsonl, realRows, runCli, spawnCli, tempDataset } from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-test.jsonl", 6);
const KEY = "sk-test-signals-00000000";
const respond = goldResponder(instances);

const modelCalls = (sim: Simulator) => sim.requests.filter((q) => q.n !== undefined).length;

/** Wait until the simulator has received `n` model calls (bounded: at most 60 s). */
async function callsArrived(sim: Simulator, n: number): Promise<void> {
  for (let i = 0; i < 600 && modelCalls(sim) < n; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(modelCalls(sim) >= n, `the simulator saw ${modelCalls(sim)} of ${n} calls in 60 s`);
}

for (const signal of ["SIGTERM", "SIGHUP"] as const) {
  Deno.test(`${signal} acts as the first Ctrl-C: calls in flight saved, nothing new, lock released, exit 130; no call is paid twice`, async () => {
    await using sim = await startOpenAISim({ respond, apiKey: KEY, latencyMs: 1500 });
    const { dir, data } = await tempDataset(rows);
    const out = `${dir}/p.jsonl`;
    const args = ["generate", "-p", "openai", "-m", "gpt-4o-mini", "-d", data, "-o", out, "-c", "2", "-y"];
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
    const child = await spawnCli(args, { env });
    // The first call goes alone; once it is answered, two calls are in flight (-c 2).
    await callsArrived(sim, 3);
    child.kill(signal);
    const r = await cliResult(child);
    assert.equal(r.code, 130, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`${signal} received: starting nothing new; the calls in flight finish and are saved`),
    );
    assert.match(r.stdout, /Done: 3 ok, 0 failed, 0 skipped, 3 not started/);
    assert.match(r.stdout, /Interrupted: 3 instance\(s\) left; re-run the same command to resume/);
    assert.equal(modelCalls(sim), 3, "nothing new was started after the signal");
    assert.equal((await readJsonl(out)).length, 3, "the first call and both calls in flight were saved");
    assert.ok(!await Deno.stat(`${out}.lock`).then(() => true, () => false), "the lock is released");

    const again = await runCli(args, { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Done: 3 ok, 0 failed, 0 skipped, 3 already done/);
    assert.equal(modelCalls(sim), 6, "each instance was sent exactly once over both runs");
    const ids = (await readJsonl(out)).map((p) => p.instance_id);
    assert.deepEqual(new Set(ids).size, 6);
    assert.equal(ids.length, 6);
  });
}

Deno.test("the lock is keyed by the real path: a symlink to a file another run writes is refused", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY, latencyMs: 2500 });
  const { dir, data } = await tempDataset(rows, 3);
  const out = `${dir}/t.jsonl`;
  const link = `${dir}/link.jsonl`;
  await Deno.writeTextFile(out, "");
  await Deno.symlink(out, link);
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
  const cmd = (
    o: string,
  ) => ["generate", "-p", "openai", "-m", "gpt-4o-mini", "-d", data, "-o", o, "-c", "1", "-y"];
  const first = await spawnCli(cmd(out), { env });
  await callsArrived(sim, 1);
  const second = await runCli(cmd(link), { env });
  const firstResult = await cliResult(first);
  assert.equal(second.code, 2, second.stderr);
  assert.match(second.stderr, /link\.jsonl is being written by another run \(pid \d+\)/);
  assert.match(second.stderr, /Two runs must not share a predictions file/);
  assert.equal(firstResult.code, 0, firstResult.stderr);
  assert.equal(modelCalls(sim), 3, "the refused run sent nothing");
  assert.equal((await readJsonl(out)).length, 3);

  // Through the link afterwards: the same file and the same run log, so nothing is sent again.
  const resumed = await runCli(cmd(link), { env });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /Done: 0 ok, 0 failed, 0 skipped, 3 already done/);
  assert.equal(modelCalls(sim), 3);
  assert.ok(
    !await Deno.lstat(`${link}.runlog.jsonl`).then(() => true, () => false),
    "one run log, the target's",
  );
  assert.ok((await Deno.lstat(link)).isSymlink, "the link is left a link");
});
