/**
 * Issue 11 item 11: a 429 whose Retry-After is a day away is an account allowance used up, not a burst: the run
 * stops at once as a quota stop (exit 3), names the wait correctly ("24 h", never "23 h 60 min"), does not advise
 * lowering the concurrency, and records nothing as done: the same command after the reset does the work.
 */
import assert from "node:assert/strict";
import { startOpenAISim } from "../simulator/mod.ts";
import { generateArgs, goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-test.jsonl", 12);
const KEY = "sk-test-daily-limit-00000";

Deno.test("a 429 with Retry-After of a day: quota stop, exit 3, '24 h', nothing counted done", async () => {
  let limited = true;
  await using sim = await startOpenAISim({
    respond: goldResponder(instances),
    apiKey: KEY,
    faults: () => limited ? { type: "status", status: 429, headers: { "retry-after": "86399" } } : undefined,
  });
  const { dir, data } = await tempDataset(rows);
  const out = `${dir}/p.jsonl`;
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
  const args = generateArgs("openai", "gpt-4o-mini", data, out, "-y");
  const r = await runCli(args, { env });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /asks to wait 24 h, until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  assert.doesNotMatch(r.stderr + r.stdout, /23 h 60 min/);
  assert.doesNotMatch(r.stderr + r.stdout, /concurrency/i);
  assert.match(r.stdout, /Stopped: .*429/);
  assert.match(r.stdout, /re-run the same command after it resets/);
  const calls = sim.requests.filter((q) => q.n !== undefined).length;
  assert.ok(
    calls <= 8,
    `the run stops at the first answers instead of sending every instance (${calls} calls)`,
  );
  const log = await readJsonl(`${out}.runlog.jsonl`);
  assert.ok(
    log.every((l) => (l.error as { kind: string } | undefined)?.kind === "quota"),
    JSON.stringify(log),
  );

  // The limit resets: the same command does every instance (none was recorded as done).
  limited = false;
  const again = await runCli(args, { env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await readJsonl(out)).length, rows.length);
});
