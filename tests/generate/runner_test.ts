/**
 * The batch runner through its library API: prompts counted once when a plan counted them, and a writer that
 * fails stops the run instead of letting the other workers keep paying.
 */
import assert from "node:assert/strict";
import {
  createGoldProvider,
  directCall,
  openPredictions,
  planRun,
  runBatch,
  SAMPLE_INSTANCES,
  type SwebenchInstance,
} from "../../main.ts";
import type { PredictionsWriter } from "../../src/swebench/predictions.ts";
import { SwebenchError } from "../../src/core/errors.ts";

const instances = SAMPLE_INSTANCES.map((i) => ({ ...i })) as SwebenchInstance[];

Deno.test("a plan's counts are reused: the run counts no prompt again", async () => {
  let counted = 0;
  const countTokens = (t: string) => {
    counted++;
    return Math.ceil(t.length / 4);
  };
  const known = new Map<string, number>();
  planRun(instances, {
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
