/**
 * Transient faults cost retries, not instances (issue 10 §5): an instance whose call ends in a retryable failure
 * is queued again after the others, and a flaky server still yields every patch.
 */
import assert from "node:assert/strict";
import { mulberry32 } from "../../src/swebench/prng.ts";
import { type Fault, startOpenAISim } from "../simulator/mod.ts";
import { goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-test.jsonl", 20);
const KEY = "sk-test-transient-0000";
const respond = goldResponder(instances);

/**
 * The server (a seeded sequence, the same on every run): three 429s with retry-after 1, then 500 at 15 %, 503 at 10 %, a stream cut mid-answer at
 * 25 % (byte 400 of an SSE answer of several kilobytes), the rest answered.
 */
export function flakyFaults(seed: number): (n: number) => Fault | undefined {
  const random = mulberry32(seed);
  return (n) => {
    if (n < 3) return { type: "status", status: 429, headers: { "retry-after": "1" } };
    const r = random();
    if (r < 0.15) return { type: "status", status: 500 };
    if (r < 0.25) return { type: "status", status: 503 };
    if (r < 0.5) return { type: "cut", atByte: 400 };
    return undefined;
  };
}

async function flakyRun(seed: number, concurrency: string | undefined) {
  await using sim = await startOpenAISim({ respond, apiKey: KEY, faults: flakyFaults(seed) });
  const { dir, data } = await tempDataset(rows);
  const out = `${dir}/p.jsonl`;
  const r = await runCli(
    [
      "generate",
      "-p",
      "openai",
      "-d",
      data,
      "-o",
      out,
      "--stream",
      "-y",
      ...(concurrency ? ["-c", concurrency] : []),
    ],
    { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` } },
  );
  const calls = sim.requests.filter((q) => q.n !== undefined);
  const faulted = calls.filter((q) => q.fault !== undefined).length;
  return { r, out, calls: calls.length, faulted };
}

async function assertEveryPatch(out: string) {
  const gold = new Map(instances.map((i) => [i.instance_id, i.patch]));
  const preds = await readJsonl(out);
  assert.equal(preds.length, 20, "every instance has its prediction");
  for (const p of preds) assert.equal(p.model_patch, gold.get(p.instance_id as string), `${p.instance_id}`);
}

Deno.test("-c 1 --stream against a server where ~45 % of calls fail: all 20 instances end with their patch, exit 0", async () => {
  // Seed 90: the first instance fails all five attempts (three 429s, a 500, a 503) and is queued again; no five
  // failures follow in a row later, so the circuit breaker (threshold 5) never opens and the test stays short.
  const { r, out, calls, faulted } = await flakyRun(90, "1");
  assert.equal(r.code, 0, r.stderr);
  assert.ok(faulted / calls >= 0.4, `the server failed ${faulted} of ${calls} calls`);
  await assertEveryPatch(out);
  // What a person sees: the requeue, then a clean summary.
  assert.match(
    r.stderr,
    /queued again django__django-15202 after overloaded .*another try in \ds \(round 1 of 3\)/,
  );
  assert.match(r.stdout, /Done: 20 ok, 0 failed, 0 skipped/);
  assert.match(r.stdout, /Queued again after a transient failure: 1 time\n/);
  const log = await readJsonl(`${out}.runlog.jsonl`);
  const first = log.filter((l) => l.instance_id === "django__django-15202");
  assert.deepEqual(first.map((l) => [l.status, l.requeued ?? false, l.round ?? 0]), [
    ["failed", true, 0],
    ["ok", false, 1],
  ]);
  assert.equal(log.filter((l) => l.status === "ok").length, 20);
});

Deno.test("default concurrency --stream, same server: all 20 instances end with their patch, exit 0", async () => {
  const { r, out, calls, faulted } = await flakyRun(90, undefined);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(faulted / calls >= 0.3, `the server failed ${faulted} of ${calls} calls`);
  await assertEveryPatch(out);
  assert.match(r.stdout, /Done: 20 ok, 0 failed, 0 skipped/);
});
