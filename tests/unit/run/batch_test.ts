/**
 * The batch runner through its library API: prompts counted once when a plan counted them, and a writer that
 * fails stops the run instead of letting the other workers keep paying.
 */
import assert from "node:assert/strict";
import { SwebenchError } from "../../../src/core/errors.ts";
import { createGoldProvider } from "../../../src/providers/gold/provider.ts";
import type { CallFn } from "../../../src/resilience/call.ts";
import { directCall, runBatch } from "../../../src/run/batch.ts";
import { planCost } from "../../../src/run/cost_plan.ts";
import type { SwebenchInstance } from "../../../src/swebench/instance.ts";
import { openPredictions, readPredictions } from "../../../src/swebench/predictions.ts";
import { readRunLog } from "../../../src/swebench/run_log.ts";
import { SAMPLE_INSTANCES } from "../../../src/swebench/sample_data.ts";
import type { PredictionsWriter } from "../../../src/swebench/predictions.ts";

const instances = SAMPLE_INSTANCES.map((i) => ({ ...i })) as SwebenchInstance[];

Deno.test("a plan's counts are reused: the run counts no prompt again", async () => {
  let counted = 0;
  const countTokens = (t: string) => {
    counted++;
    return Math.ceil(t.length / 4);
  };
  const known = new Map<string, number>();
  planCost(instances, {
    maxTokens: 1024,
    contextWindow: 128_000,
    countTokens,
    prices: {},
    onCount: (id, n) => known.set(id, n),
  });
  assert.equal(known.size, instances.length);
  const planned = counted;
  const dir = await Deno.makeTempDir();
  const writer = await openPredictions(`${dir}/p.jsonl`, {});
  const s = await runBatch({
    instances,
    call: directCall(createGoldProvider()),
    providerName: "gold",
    model: "gold",
    modelNameOrPath: "gold",
    writer,
    concurrency: 2,
    maxTokens: 1024,
    contextWindow: 128_000,
    countTokens,
    knownTokens: known,
    includeGold: true,
  });
  await writer.close();
  assert.equal(s.ok, instances.length);
  assert.equal(counted, planned, "no prompt counted a second time");
});

Deno.test("a writer error stops the run: no further call is made", async () => {
  const dir = await Deno.makeTempDir();
  const real = await openPredictions(`${dir}/p.jsonl`, {});
  let writes = 0;
  const broken: PredictionsWriter = Object.assign(Object.create(real), {
    done: real.done,
    writePrediction: () => {
      writes++;
      return Promise.reject(new Deno.errors.Interrupted("No space left on device (os error 28)"));
    },
    writeRunLog: () => Promise.reject(new Deno.errors.Interrupted("No space left on device (os error 28)")),
  });
  let calls = 0;
  const gold = directCall(createGoldProvider());
  const s = await runBatch({
    instances,
    call: (r, c) => {
      calls++;
      return gold(r, c);
    },
    providerName: "gold",
    model: "gold",
    modelNameOrPath: "gold",
    writer: broken,
    concurrency: 1,
    maxTokens: 1024,
    countTokens: (t) => t.length,
    includeGold: true,
  });
  await real.close();
  assert.equal(s.stoppedBy, "fatal");
  assert.match(s.stopMessage ?? "", /No space left/);
  assert.equal(calls, 1, "the run stopped after the first failed write");
  assert.equal(writes, 1);
});

Deno.test("a call abandoned with a kept reservation leaves a record the next run's budget counts (not done)", async () => {
  const dir = await Deno.makeTempDir();
  const writer = await openPredictions(`${dir}/p.jsonl`, {});
  const abort = new AbortController();
  const s = await runBatch({
    instances: instances.slice(0, 1),
    // The call reached the provider (its worst case is kept), then the user abandoned it (second Ctrl-C).
    call: (_r, c) => {
      c.onKept?.(0.0125);
      abort.abort(new SwebenchError("interrupted", "interrupted"));
      return Promise.reject(new SwebenchError("interrupted", "interrupted"));
    },
    providerName: "openai",
    model: "m",
    modelNameOrPath: "m",
    writer,
    concurrency: 1,
    maxTokens: 1024,
    countTokens: (t) => Math.ceil(t.length / 4),
    signal: abort.signal,
  });
  await writer.close();
  assert.equal(s.stoppedBy, "interrupted");
  const again = await openPredictions(`${dir}/p.jsonl`, {});
  await again.close();
  assert.equal(again.priorSpend.usd, 0.0125);
  assert.equal(again.priorSpend.keptUsd, 0.0125);
  assert.equal(again.done.size, 0, "the abandoned instance is sent again");
});

/** A call layer that answers like gold, except for the instances `fail` names (by call count of that instance). */
function scriptedCall(
  fail: (id: string, nth: number) => SwebenchError | undefined,
  log: { id: string; at: number; probe?: boolean }[] = [],
) {
  const gold = directCall(createGoldProvider());
  const seen = new Map<string, number>();
  return (r: Parameters<typeof gold>[0], c: Parameters<typeof gold>[1]) => {
    const nth = (seen.get(c.instanceId) ?? 0) + 1;
    seen.set(c.instanceId, nth);
    log.push({ id: c.instanceId, at: Date.now(), probe: c.probe });
    const err = fail(c.instanceId, nth);
    return err ? Promise.reject(err) : gold(r, c);
  };
}

const base = {
  providerName: "gold",
  model: "gold",
  modelNameOrPath: "gold",
  maxTokens: 1024,
  countTokens: (t: string) => Math.ceil(t.length / 4),
  includeGold: true,
};

Deno.test("a retryable failure is queued again after the others; one that keeps failing is reported after its rounds", async () => {
  const dir = await Deno.makeTempDir();
  const writer = await openPredictions(`${dir}/p.jsonl`, {});
  const doomed = instances[1].instance_id;
  const calls: { id: string; at: number }[] = [];
  const events: string[] = [];
  const s = await runBatch({
    ...base,
    instances,
    writer,
    concurrency: 2,
    requeueRounds: 2,
    call: scriptedCall((id) => id === doomed ? new SwebenchError("server", "500") : undefined, calls),
    onEvent: (e) => {
      if (e.type === "instance-requeued") events.push(`${e.instanceId} round ${e.round} of ${e.rounds}`);
    },
  });
  await writer.close();
  assert.equal(s.ok, instances.length - 1);
  assert.equal(s.failed, 1);
  assert.equal(s.requeued, 2);
  assert.deepEqual(events, [`${doomed} round 1 of 2`, `${doomed} round 2 of 2`]);
  const order = calls.map((c) => c.id);
  assert.ok(
    order.indexOf(doomed) < order.lastIndexOf(instances.at(-1)!.instance_id),
    "the others went first",
  );
  assert.equal(order.filter((id) => id === doomed).length, 3, "first try and two further rounds");
  const log = (await readRunLog(`${dir}/p.jsonl.runlog.jsonl`)).records.filter((r) =>
    r.instance_id === doomed
  );
  assert.deepEqual(log.map((r) => [r.requeued ?? false, r.round ?? 0]), [[true, 0], [true, 1], [false, 2]]);
  // Reopened: the final failure makes the instance done (not sent again without --retry-failed) ...
  const again = await openPredictions(`${dir}/p.jsonl`, {});
  assert.ok(again.done.has(doomed));
  await again.close();
  // ... but an instance whose last record was a requeue (the run stopped before its next round) is not.
  await Deno.writeTextFile(
    `${dir}/q.jsonl.runlog.jsonl`,
    JSON.stringify({ ...log[0], instance_id: "x" }) + "\n",
  );
  const q = await openPredictions(`${dir}/q.jsonl`, {});
  assert.ok(!q.done.has("x"));
  await q.close();
});

Deno.test("a queued instance waits at least what the breaker or server asked (retryAfterMs)", async () => {
  const dir = await Deno.makeTempDir();
  const writer = await openPredictions(`${dir}/p.jsonl`, {});
  const calls: { id: string; at: number }[] = [];
  const open = new SwebenchError("breaker_open", "circuit open for gold:gold", { retryAfterMs: 1500 });
  const s = await runBatch({
    ...base,
    instances: instances.slice(0, 2),
    writer,
    concurrency: 1,
    call: scriptedCall((id, nth) => (id === instances[1].instance_id && nth === 1 ? open : undefined), calls),
  });
  await writer.close();
  assert.equal(s.ok, 2);
  const tries = calls.filter((c) => c.id === instances[1].instance_id);
  assert.equal(tries.length, 2);
  assert.ok(
    tries[1].at - tries[0].at >= 1500,
    `waited ${tries[1].at - tries[0].at} ms for the breaker's cool-down`,
  );
});

Deno.test("the first call goes alone; a rejected key stops the run after it, and no other call is made", async () => {
  const dir = await Deno.makeTempDir();
  const writer = await openPredictions(`${dir}/p.jsonl`, {});
  const calls: { id: string; at: number; probe?: boolean }[] = [];
  const s = await runBatch({
    ...base,
    instances,
    writer,
    concurrency: 8,
    call: scriptedCall(() => new SwebenchError("authentication", "401", { status: 401 }), calls),
    hintFor: () => "set THE_KEY",
  });
  await writer.close();
  assert.equal(calls.length, 1);
  assert.equal(calls[0].probe, true);
  assert.equal(s.stoppedBy, "fatal");
  assert.equal(s.stopExitCode, 3);
  assert.match(s.stopMessage ?? "", /401\nset THE_KEY/);
  assert.equal(s.notStarted, instances.length - 1);
});

Deno.test("a fallback model's answer goes to its own file; without one the run stops rather than misfile it", async () => {
  const dir = await Deno.makeTempDir();
  const primary = await openPredictions(`${dir}/p.jsonl`, {});
  const other = await openPredictions(`${dir}/f.jsonl`, {});
  const gold = directCall(createGoldProvider());
  const call: CallFn = async (r, c) => {
    const res = await gold(r, c);
    return c.instanceId === instances[0].instance_id
      ? res
      : { ...res, answeredBy: { provider: "backup", model: "m2" } };
  };
  const s = await runBatch({
    ...base,
    instances,
    writer: primary,
    fallbackOutputs: new Map([["backup:m2", { writer: other, modelNameOrPath: "m2" }]]),
    concurrency: 2,
    call,
  });
  await primary.close();
  await other.close();
  assert.equal(s.ok, instances.length);
  assert.deepEqual(s.answersByModel, { "gold:gold": 1, "backup:m2": instances.length - 1 });
  const p = await readPredictions(`${dir}/p.jsonl`);
  const f = await readPredictions(`${dir}/f.jsonl`);
  assert.deepEqual(p.map((x) => x.model_name_or_path), ["gold"]);
  assert.ok(f.every((x) => x.model_name_or_path === "m2"));
  const { records: flog } = await readRunLog(`${dir}/f.jsonl.runlog.jsonl`);
  assert.ok(flog.every((r) => r.provider === "backup" && r.model === "m2" && r.fallbackFrom === "gold:gold"));

  const w = await openPredictions(`${dir}/x.jsonl`, {});
  const stopped = await runBatch({ ...base, instances, writer: w, concurrency: 1, call });
  await w.close();
  assert.equal(stopped.stoppedBy, "fatal");
  assert.match(stopped.stopMessage ?? "", /backup:m2 answered, but no predictions file was opened for it/);
  assert.equal((await readPredictions(`${dir}/x.jsonl`)).length, 1, "only the run's own model's answer");
});

Deno.test("failures in a row stop the run (5 before any success, -c once calls fan out); a prompt's own failures do not count", async () => {
  const many = Array.from(
    { length: 30 },
    (_, i) => ({ ...instances[i % instances.length], instance_id: `x-${i}` }),
  );
  const run = async (fail: (id: string) => SwebenchError | undefined, concurrency: number) => {
    const dir = await Deno.makeTempDir();
    const writer = await openPredictions(`${dir}/p.jsonl`, {});
    const calls: { id: string; at: number }[] = [];
    const s = await runBatch({
      ...base,
      instances: many,
      writer,
      concurrency,
      requeueRounds: 0,
      call: scriptedCall(fail, calls),
    });
    await writer.close();
    return { s, calls: calls.length };
  };
  // Down from the start: five instances, one at a time, then the run stops.
  const down = await run(() => new SwebenchError("server", "500"), 8);
  assert.equal(down.calls, 5);
  assert.equal(down.s.stoppedBy, "fatal");
  assert.match(down.s.stopMessage ?? "", /^5 instances in a row failed \(server\); stopping/);
  // Down after the first answer: at -c 8 it takes 8 in a row.
  const later = await run((id) => (id === "x-0" ? undefined : new SwebenchError("overloaded", "529")), 8);
  assert.equal(later.s.ok, 1);
  assert.match(later.s.stopMessage ?? "", /^8 instances in a row failed \(overloaded\)/);
  // Prompts too long for the model are the instances' own problem: the run goes on.
  const long = await run(
    (id) => (id === "x-0" ? undefined : new SwebenchError("context_length", "prompt is too long")),
    2,
  );
  assert.equal(long.s.stoppedBy, undefined);
  assert.equal(long.s.failed, 29);
});
