/**
 * Fast start (issue 15 §1) through the library: `openRun(prepared, { plan: "alongside" })` counts nothing, and
 * `executeRun` starts the calls at once, counting the rest of the prompts alongside them; the plan it hands over is
 * the plan `openRun` makes first, and every call's budget reservation is on its own prompt's count (the run never
 * passes `maxCostUsd`).
 */
import assert from "node:assert/strict";
import { executeRun, openRun, prepareRun, type ProgressEvent, type RunSettings } from "../../src/mod.ts";
import { startOpenAISim } from "../simulator/mod.ts";
import { goldResponder, readJsonl, realRows, tempDataset } from "../cli/helpers.ts";

const { lines: rows, instances } = await realRows("lite-test.jsonl", 300);
const KEY = "sk-test-plan-alongside-0000";

function settings(dir: string, data: string, url: string, extra: Partial<RunSettings> = {}): RunSettings {
  return {
    targets: [{
      primary: { name: "openai", kind: "openai", apiKeys: [KEY], baseUrl: `${url}/v1`, model: "gpt-4o-mini" },
      fallbacks: [],
    }],
    selection: { dataset: data, split: "test", context: "none", seed: 42 },
    request: { maxTokens: 1024, temperature: 0, stream: false },
    concurrency: 8,
    output: { path: `${dir}/p.jsonl`, overwrite: false, retryFailed: false },
    data: { cacheDir: `${dir}/cache` },
    ...extra,
  };
}

Deno.test("plan alongside: the first call starts before every prompt is counted; the plan that follows is the plan made first", async () => {
  // Calls after the tenth are answered once the plan is handed over (or after 60 s: the assertions then say why), so
  // the run outlasts the count as a real one does (a zero-latency server would finish first and the plan be dropped).
  let planned!: () => void;
  const plannedOrLate = new Promise<void>((resolve) => {
    planned = resolve;
    const late = setTimeout(resolve, 60_000);
    Deno.unrefTimer(late);
  });
  let calls = 0;
  await using sim = await startOpenAISim({
    respond: goldResponder(instances),
    apiKey: KEY,
    tokenizer: "approx",
    hold: () => ++calls > 10 ? plannedOrLate : undefined,
  });
  const { dir, data } = await tempDataset(rows);
  const prepared = await prepareRun(settings(dir, data, sim.url));
  let first;
  {
    // The plan first, as a run that asks for confirmation makes it (nothing is executed).
    await using run = await openRun(prepared);
    first = run.models[0].plan!;
    assert.equal(first.instances, 300);
  }
  await using run = await openRun(prepared, { plan: "alongside" });
  assert.equal(run.planAlongside, true);
  assert.equal(run.models[0].plan, undefined, "nothing counted yet");
  assert.equal(run.worstUsd, undefined);
  const events: ProgressEvent[] = [];
  const outcome = await executeRun(run, {
    onEvent: (e) => {
      events.push(e);
      if (e.type === "plan") planned();
    },
  });
  assert.equal(outcome.exitCode, 0);
  assert.equal(outcome.models[0].summary.ok, 300);
  const types = events.map((e) => e.type);
  const planAt = types.indexOf("plan");
  assert.ok(planAt > 0, "a plan event");
  assert.ok(types.indexOf("instance-start") < planAt, "the first call started before the plan was complete");
  const plan = (events[planAt] as Extract<ProgressEvent, { type: "plan" }>).plan;
  assert.deepEqual(plan, first, "the same plan as one made first");
  assert.deepEqual(run.models[0].plan, first);
  assert.equal((await readJsonl(`${dir}/p.jsonl`)).length, 300);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("plan alongside: each call reserves on its own count, so the run stops at maxCostUsd without passing it", async () => {
  await using sim = await startOpenAISim({
    respond: goldResponder(instances),
    apiKey: KEY,
    tokenizer: "approx",
  });
  const { dir, data } = await tempDataset(rows, 60);
  const maxCostUsd = 0.004; // about a third of the 60 calls' worst case at 1,024 max tokens
  const prepared = await prepareRun(settings(dir, data, sim.url, { maxCostUsd }));
  await using run = await openRun(prepared, { plan: "alongside" });
  const outcome = await executeRun(run);
  const { summary } = outcome.models[0];
  assert.equal(summary.stoppedBy, "budget");
  assert.equal(outcome.exitCode, 5);
  assert.ok(summary.ok > 0 && summary.ok < 60, `${summary.ok} answered`);
  const spent = (await readJsonl(`${dir}/p.jsonl.runlog.jsonl`)).reduce(
    (s, r) => s + (r.costUsd as number ?? 0),
    0,
  );
  assert.ok(spent <= maxCostUsd, `spent ${spent} <= ${maxCostUsd}`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("plan alongside: without a budget no call waits for the tokenizer (sized by the bound); with one, each is counted", async () => {
  await using sim = await startOpenAISim({
    respond: goldResponder(instances),
    apiKey: KEY,
    tokenizer: "approx",
  });
  const { dir, data } = await tempDataset(rows, 40);
  // A counter that cannot load: only what needs an exact count meets it.
  const unloadable = (prepared: Awaited<ReturnType<typeof prepareRun>>) => {
    const target = prepared.models[0].target;
    let asked = 0;
    target.loadCounter = () => {
      asked++;
      return Promise.reject(new Error("no tokenizer here"));
    };
    return () => asked;
  };
  {
    const prepared = await prepareRun(settings(dir, data, sim.url));
    const asked = unloadable(prepared);
    await using run = await openRun(prepared, { plan: "alongside" });
    const outcome = await executeRun(run);
    assert.equal(outcome.exitCode, 0);
    assert.equal(outcome.models[0].summary.ok, 40, "every call sent without an exact count");
    assert.ok(asked() <= 1, "only the plan asked for the counter");
    assert.equal(run.models[0].plan, undefined, "no plan without a counter");
  }
  {
    const prepared = await prepareRun(settings(dir, data, sim.url, {
      maxCostUsd: 5,
      output: { path: `${dir}/budget.jsonl`, overwrite: false, retryFailed: false },
    }));
    const asked = unloadable(prepared);
    const requestsBefore = sim.requests.length;
    await using run = await openRun(prepared, { plan: "alongside" });
    const outcome = await executeRun(run);
    assert.ok(asked() >= 1, "a budget needs each call's count");
    assert.equal(outcome.models[0].summary.ok, 0, "no call sized without its count");
    assert.equal(outcome.models[0].summary.stoppedBy, "fatal");
    assert.notEqual(outcome.exitCode, 0);
    assert.equal(sim.requests.length, requestsBefore, "nothing sent");
  }
  await Deno.remove(dir, { recursive: true });
});
