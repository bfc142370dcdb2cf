/**
 * Fast start (issue 15 §1) through the library: `openRun(prepared, { plan: "alongside" })` counts nothing, and
 * `executeRun` starts the calls at once, counting the rest of the prompts alongside them; the plan it hands over is
 * the plan `openRun` makes first, and every call's budget reservation is on its own prompt's count (the run never
 * passes `maxCostUsd`). Calls are sized by the bound of their prompt only where nothing depends on the exact count:
 * a provider budget from the config file reserves on counts like --max-cost; a context-length fallback is chosen as
 * with counted prompts; a tokenizer that cannot load for the plan costs the plan, not the run.
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

Deno.test("bound sizing: a provider maxCost (config file) reserves on counts: the same calls answered as with the plan first", async () => {
  await using sim = await startOpenAISim({
    respond: goldResponder(instances),
    apiKey: KEY,
    tokenizer: "approx",
  });
  const { dir, data } = await tempDataset(rows, 60);
  const result: Record<string, { ok: number; spent: number; stoppedBy?: string }> = {};
  for (const mode of ["first", "alongside"] as const) {
    const base = settings(dir, data, sim.url, {
      request: { maxTokens: 64, temperature: 0, stream: false },
      output: { path: `${dir}/${mode}.jsonl`, overwrite: false, retryFailed: false },
      data: { cacheDir: `${dir}/cache-${mode}` },
    });
    base.targets[0].primary.maxCost = 0.0015;
    await using run = await openRun(await prepareRun(base), { plan: mode });
    const outcome = await executeRun(run);
    const spent = (await readJsonl(`${dir}/${mode}.jsonl.runlog.jsonl`)).reduce(
      (s, r) => s + ((r.costUsd as number) ?? 0),
      0,
    );
    result[mode] = {
      ok: outcome.models[0].summary.ok,
      spent,
      stoppedBy: outcome.models[0].summary.stoppedBy,
    };
  }
  assert.equal(result.first.stoppedBy, "budget");
  assert.ok(result.first.ok > 0 && result.first.ok < 60, JSON.stringify(result));
  assert.equal(result.alongside.ok, result.first.ok, JSON.stringify(result));
  assert.ok(result.alongside.spent <= 0.0015);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("bound sizing: a context-length fallback from a model of unknown window is chosen as with a counted prompt", async () => {
  // A long retrieval prompt: about 44k tokens, whose bound (~170k) is above gpt-4o-mini's 128k window.
  const lite = instances as unknown as Record<string, string>[];
  let code = "";
  for (let i = 0; code.length < 150_000; i++) code += lite[i % 60].patch + lite[i % 60].test_patch;
  const row = {
    ...lite[0],
    text: `You are an expert software engineer.\n<issue>\n${
      lite[0].problem_statement
    }\n</issue>\n<code>\n${code}\n</code>`,
  };
  await using sim = await startOpenAISim({
    respond: () => "<patch>\n</patch>",
    apiKey: KEY,
    tokenizer: "approx",
    faults: (_n, req) =>
      (req.body as { model?: string }).model === "my-finetune"
        ? { type: "status", status: 400, code: "context_length_exceeded" }
        : undefined,
  });
  for (const plan of ["first", "alongside"] as const) {
    const { dir, data } = await tempDataset([JSON.stringify(row)]);
    const s = settings(dir, data, sim.url, { concurrency: 1 });
    s.targets[0] = {
      primary: {
        name: "openai",
        kind: "openai",
        apiKeys: [KEY],
        baseUrl: `${sim.url}/v1`,
        model: "my-finetune",
      },
      fallbacks: [{
        name: "openai",
        kind: "openai",
        apiKeys: [KEY],
        baseUrl: `${sim.url}/v1`,
        model: "gpt-4o-mini",
      }],
    };
    await using run = await openRun(await prepareRun(s), { plan });
    const { summary } = (await executeRun(run)).models[0];
    assert.equal(summary.ok, 1, `${plan}: ${JSON.stringify(summary.failuresByKind)}`);
    assert.equal(summary.answersByModel["openai:gpt-4o-mini"], 1, plan);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bound sizing: a tokenizer that cannot load for the plan alongside costs the plan, not the run (slow server)", async () => {
  await using sim = await startOpenAISim({
    respond: goldResponder(instances),
    apiKey: KEY,
    tokenizer: "approx",
    latencyMs: 150, // the run is quiet while it waits: the plan's turn comes, and its load fails, mid-run
  });
  const { dir, data } = await tempDataset(rows, 6);
  const prepared = await prepareRun(settings(dir, data, sim.url, { concurrency: 2 }));
  let asked = 0;
  prepared.models[0].target.loadCounter = () => {
    asked++;
    return Promise.reject(new Error("no tokenizer here"));
  };
  await using run = await openRun(prepared, { plan: "alongside" });
  const outcome = await executeRun(run);
  assert.equal(asked, 1, "the plan asked once");
  assert.equal(outcome.exitCode, 0);
  assert.equal(outcome.models[0].summary.ok, 6, "every call sized by its bound");
  assert.equal(run.models[0].plan, undefined);
  await Deno.remove(dir, { recursive: true });
});
