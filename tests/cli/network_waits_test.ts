/**
 * Issue 11 item 7 (waits): every wait of a run ends at the first Ctrl-C, not only the calls: a pause before a retry
 * (a 429's retry-after) and a wait in the rate limiter (the key paused by a 429).
 */
import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/mod.ts";
import { createResilientCall } from "../../src/resilience/resilient_call.ts";
import { RateLimiter } from "../../src/resilience/rate_limiter.ts";
import { startOpenAISim } from "../simulator/mod.ts";
import { fakeProvider } from "../resilience/_fake_provider.ts";
import {
  cliResult,
  generateArgs,
  goldResponder,
  readJsonl,
  realRows,
  spawnCli,
  tempDataset,
} from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-test.jsonl", 4);
const KEY = "sk-test-waits-0000000000";

Deno.test("Ctrl-C during the wait before a retry ends the run at once: nothing more is sent, exit 130", async () => {
  // Every call: 429 asking for 100 s, under the 2 min the tool sleeps through; without an abortable wait the
  // process would sleep and then send a retry.
  await using sim = await startOpenAISim({
    respond: goldResponder(instances),
    apiKey: KEY,
    faults: () => ({ type: "status", status: 429, headers: { "retry-after": "100" } }),
  });
  const { dir, data } = await tempDataset(rows);
  const out = `${dir}/p.jsonl`;
  const child = await spawnCli(
    generateArgs("openai", "gpt-4o-mini", data, out, "-y", "-c", "2"),
    { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` } },
  );
  // The first call (it goes alone, issue 10 §6) got its 429 and is waiting (bounded poll: at most 30 s).
  const calls = () => sim.requests.filter((q) => q.n !== undefined).length;
  for (let i = 0; i < 300 && calls() < 1; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(calls(), 1);
  await new Promise((r) => setTimeout(r, 500)); // into the wait
  child.kill("SIGINT");
  const r = await cliResult(child);
  assert.equal(r.code, 130, r.stderr);
  assert.equal(calls(), 1, "no retry was sent after the interrupt");
  assert.match(r.stdout, /Interrupted: 4 instance\(s\) left; re-run the same command to resume/);
  // Nothing was recorded as failed: the next run sends every instance.
  const log = await readJsonl(`${out}.runlog.jsonl`).catch(() => []);
  assert.ok(log.every((l) => l.status !== "failed" && l.status !== "ok"), JSON.stringify(log));
});

Deno.test("a wait in the rate limiter (key paused by a 429) ends when the run stops", async () => {
  const limiter = new RateLimiter({ name: "p" });
  const provider = fakeProvider({ name: "p", prices: { input: 0, output: 0 }, script: [] });
  const call = createResilientCall({ chain: [{ provider, model: "m", estimateCost: () => 0, limiter }] });
  // A 429 elsewhere paused the key for 100 s.
  limiter.pause(100_000);
  const stop = new AbortController();
  const pending = call({ model: "m", prompt: "p", maxTokens: 8 }, {
    instanceId: "i",
    promptTokens: 1,
    signal: new AbortController().signal,
    stopSignal: stop.signal,
    stream: false,
  });
  await new Promise((r) => setTimeout(r, 50));
  stop.abort(new SwebenchError("interrupted", "interrupted"));
  const e = await pending.catch((e) => e);
  assert.ok(e instanceof SwebenchError && e.kind === "interrupted", String(e));
  assert.equal(provider.requests.length, 0, "nothing was sent");
});
