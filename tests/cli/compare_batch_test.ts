/**
 * `swebench compare --batch` against the OpenAI Batch API and Anthropic Message Batches simulators: one batch per
 * model, every batch submitted before any is waited for, the same predictions, run logs and table as a normal
 * compare at half the cost; --max-cost over every model's batch worst case before anything is sent; a model whose
 * provider has no batch API refused before anything is sent; Ctrl-C leaves every batch running.
 */
import assert from "node:assert/strict";
import { type BatchOptions, startAnthropicSim, startOllamaSim, startOpenAISim } from "../simulator/mod.ts";
import { goldResponder, readJsonl, realRows, runCli, spawnCli, tempDataset } from "./helpers.ts";
import { assertPiped } from "./human.ts";

const { lines: rows, instances } = await realRows("lite-dev.jsonl", 3);
const KEY = "sk-test-compare-batch-00000000";
const respond = goldResponder(instances);
const MODELS = "openai:gpt-4o-mini,anthropic:claude-haiku-4-5";
const POLL = ["--poll-interval", "0.05"];
/** Paths of model calls and of batch calls. */
const CALL = /\/chat\/completions$|\/v1\/messages$/;
const BATCH = /\/files|\/batches/;

async function sims(batch: BatchOptions = {}, anthropicBatch: BatchOptions = batch) {
  const oa = await startOpenAISim({ respond, apiKey: KEY, batch });
  const an = await startAnthropicSim({ respond, apiKey: KEY, batch: anthropicBatch });
  return {
    oa,
    an,
    env: {
      OPENAI_API_KEY: KEY,
      OPENAI_BASE_URL: `${oa.url}/v1`,
      ANTHROPIC_API_KEY: KEY,
      ANTHROPIC_BASE_URL: an.url,
    },
    sent: (re: RegExp) => [...oa.requests, ...an.requests].filter((r) => re.test(r.path)).length,
    async [Symbol.asyncDispose]() {
      await oa[Symbol.asyncDispose]();
      await an[Symbol.asyncDispose]();
    },
  };
}

function compare(data: string, dir: string, ...rest: string[]): string[] {
  return ["compare", "--providers", MODELS, "-d", data, "--output-dir", dir, "-y", ...rest];
}

const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.instance_id).localeCompare(String(b.instance_id));

Deno.test("compare --batch: one batch per model, the same predictions and table as a normal compare, at half the cost", async () => {
  await using s = await sims();
  const { dir, data } = await tempDataset(rows);
  const normal = await runCli(compare(data, `${dir}/normal`, "--json"), { env: s.env });
  assert.equal(normal.code, 0, normal.stderr);
  const calls = s.sent(CALL);
  assert.equal(calls, 6);

  const batch = await runCli(compare(data, `${dir}/batch`, "--batch", ...POLL), { env: s.env });
  assertPiped(
    batch,
    0,
    /^Plan: 3 instances through openai:gpt-4o-mini$/m,
    /^Plan: 3 instances through anthropic:claude-haiku-4-5$/m,
    /^ {2}cost: +normal +batch \(this run, 50% off\)$/m,
    /^Total worst case \(batch prices\): \$[\d.]+$/m,
    /^submitted openai:gpt-4o-mini batch_\S+ \(3 requests, [\d.]+ KB\)$/m,
    /^submitted anthropic:claude-haiku-4-5 msgbatch_\S+ \(3 requests, [\d.]+ KB\)$/m,
    /^== openai:gpt-4o-mini$/m,
    /^== anthropic:claude-haiku-4-5$/m,
    /openai:gpt-4o-mini/,
    /^openai:gpt-4o-mini: Batch batch_\S+: completed, 3\/3 done/m,
    /^anthropic:claude-haiku-4-5: Batch msgbatch_\S+: completed, 3\/3 done/m,
  );
  // Both batches were submitted before either was waited for.
  const text = batch.stderr;
  assert.ok(
    text.lastIndexOf("submitted ") < text.indexOf("== openai:gpt-4o-mini"),
    `every batch is submitted before the first wait:\n${text}`,
  );
  assert.equal(s.sent(CALL), calls, "no model call");
  assert.equal(s.oa.batches.list().length, 1);
  assert.equal(s.an.batches.list().length, 1);

  // The same predictions as the normal compare, model by model; each answer at half the cost.
  const docN = JSON.parse(normal.stdout);
  for (const out of docN.outputs as string[]) {
    const name = out.slice(`${dir}/normal/`.length);
    const a = (await readJsonl(out)).sort(byId);
    const b = (await readJsonl(`${dir}/batch/${name}`)).sort(byId);
    assert.deepEqual(b, a, name);
    const la = await readJsonl(`${out}.runlog.jsonl`);
    const lb = await readJsonl(`${dir}/batch/${name}.runlog.jsonl`);
    for (const r of lb) {
      const n = la.find((x) => x.instance_id === r.instance_id)!;
      assert.ok(Math.abs((r.costUsd as number) - (n.costUsd as number) / 2) < 1e-12, "half the cost");
    }
  }
  // The same JSON document as a normal compare, plus each model's batches; a re-run sends nothing.
  const again = await runCli(compare(data, `${dir}/batch`, "--batch", "--json", ...POLL), { env: s.env });
  assert.equal(again.code, 0, again.stderr);
  const doc = JSON.parse(again.stdout);
  for (const key of Object.keys(docN)) assert.ok(key in doc, `--json field ${key}`);
  assert.deepEqual(doc.models.map((m: { label: string; ok: number }) => [m.label, m.ok]), [
    ["openai:gpt-4o-mini", 3],
    ["anthropic:claude-haiku-4-5", 3],
  ]);
  assert.deepEqual(doc.batches.map((b: { model: string }) => b.model), [
    "openai:gpt-4o-mini",
    "anthropic:claude-haiku-4-5",
  ]);
  assert.equal(s.oa.batches.list().length + s.an.batches.list().length, 2, "nothing submitted twice");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compare --batch: --max-cost covers every model's batch worst case before anything is submitted", async () => {
  await using s = await sims();
  const { dir, data } = await tempDataset(rows);
  const dry = await runCli(compare(data, `${dir}/o`, "--batch", "--dry-run", "--json"), { env: s.env });
  assert.equal(dry.code, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout);
  const worsts = plan.models.map((m: { batch: { batch: { worstUsd: number } } }) => m.batch.batch.worstUsd);
  const total = worsts[0] + worsts[1];
  assert.ok(Math.abs(plan.worstUsd - total) < 1e-12, "the total worst case is at batch prices");
  // Enough for either model alone, not for both: refused, nothing sent to either provider.
  const cap = Math.max(...worsts) * 1.01;
  assert.ok(cap < total);
  const refused = await runCli(compare(data, `${dir}/o`, "--batch", "--max-cost", String(cap)), {
    env: s.env,
  });
  assertPiped(
    refused,
    5,
    /the 2 models' batches' worst case \(\$[\d.]+\) would pass --max-cost \$[\d.]+: nothing was submitted/,
  );
  assert.equal(s.sent(BATCH), 0, "nothing submitted");
  assert.equal(s.sent(CALL), 0);
  // At the sum of both it goes, and says what is left.
  const ok = await runCli(compare(data, `${dir}/o`, "--batch", "--max-cost", String(total), ...POLL), {
    env: s.env,
  });
  assertPiped(
    ok,
    0,
    /^Budget: \$0 spent before, \$[\d.]+ this run, \$[\d.]+ left of \$[\d.]+ .*these files/m,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compare --batch: a model whose provider has no batch API is a usage error naming those that have one; nothing sent", async () => {
  await using s = await sims();
  await using ollama = await startOllamaSim({ respond });
  const { dir, data } = await tempDataset(rows);
  const r = await runCli(
    [
      "compare",
      "--providers",
      "openai:gpt-4o-mini,ollama:qwen2.5-coder:7b",
      "-d",
      data,
      "--output-dir",
      dir,
      "--batch",
    ],
    { env: { ...s.env, OLLAMA_HOST: ollama.url } },
  );
  assertPiped(
    r,
    2,
    /--batch: ollama \(a local Ollama server\) has no batch API; the providers with one are openai, anthropic/,
    /Run ollama:qwen2\.5-coder:7b without --batch/,
  );
  assert.equal(s.sent(/./), 0);
  assert.equal(ollama.requests.length, 0);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["d.jsonl"], "nothing written");
  await Deno.remove(dir, { recursive: true });
});

/** Read a child's stdout and stderr as they come; `done` resolves to both once it exits. */
function reader(child: Deno.ChildProcess) {
  const text = { stdout: "", stderr: "" };
  const pump = async (stream: ReadableStream<Uint8Array>, key: "stdout" | "stderr") => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text[key] += decoder.decode(chunk, { stream: true });
  };
  const pumps = Promise.all([pump(child.stdout, "stdout"), pump(child.stderr, "stderr")]);
  return {
    text,
    done: async () => {
      const { code } = await child.status;
      await pumps;
      return { code, ...text };
    },
  };
}

/** Wait (at most 60 s) until `ready()` holds. */
async function until(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !ready(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(ready(), `not within 60 s: ${what}`);
}

Deno.test("compare --batch: Ctrl-C leaves every model's batch running and names how to resume or cancel each", async () => {
  await using s = await sims({ stepsPerPoll: 0 });
  const { dir, data } = await tempDataset(rows);
  const args = compare(data, `${dir}/c`, "--batch", ...POLL);
  const child = await spawnCli(args, { env: s.env });
  const r = reader(child);
  await until(() => /== openai/.test(r.text.stderr), "the wait for openai started");
  child.kill("SIGINT");
  const done = await r.done();
  assertPiped(
    done,
    130,
    /^openai:gpt-4o-mini: waiting in batch batch_\S+ \(3 instances\), not collected yet$/m,
    /^anthropic:claude-haiku-4-5: waiting in batch msgbatch_\S+ \(3 instances\), not collected yet$/m,
    /The 2 batches keep running at the provider \(batch_\S+, msgbatch_\S+\): nothing is lost/,
    /`swebench batch cancel \S+gpt-4o-mini\S+\.jsonl`, `swebench batch cancel \S+claude-haiku/,
  );
  // Once they end, the same command collects both without submitting anything again.
  s.oa.batches.finish();
  s.an.batches.finish();
  const resumed = await runCli(args, { env: s.env });
  assertPiped(resumed, 0, /Resuming openai:gpt-4o-mini: 3 instances in batches of an earlier run/);
  assert.equal(s.oa.batches.list().length + s.an.batches.list().length, 2);
  await Deno.remove(dir, { recursive: true });
});

/** The path of an Anthropic batch's retrieve: polled only once the models before it are collected. */
const ANTHROPIC_POLL = /^\/v1\/messages\/batches\/msgbatch_[^/]+$/;

/**
 * Interrupt a compare --batch whose OpenAI batch ends at once and whose Anthropic batch stays in progress, once the
 * OpenAI results are written and the wait for Anthropic has begun.
 */
async function interruptedHalfway(signal: Deno.Signal, ...extra: string[]) {
  const s = await sims({}, { stepsPerPoll: 0 });
  const { dir, data } = await tempDataset(rows);
  const args = compare(data, `${dir}/c`, "--batch", ...POLL, ...extra);
  const child = await spawnCli(args, { env: s.env });
  const r = reader(child);
  await until(
    () => s.an.requests.some((q) => q.method === "GET" && ANTHROPIC_POLL.test(q.path)),
    "the wait for anthropic started",
  );
  child.kill(signal);
  return { s, dir, args, result: await r.done() };
}

/** The same command after the Anthropic batch ended: both models collected, nothing submitted again. */
async function collectAfterwards(s: Awaited<ReturnType<typeof sims>>, dir: string, args: string[]) {
  s.an.batches.finish();
  const again = await runCli(args, { env: s.env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(s.oa.batches.list().length, 1, "nothing submitted twice to openai");
  assert.equal(s.an.batches.list().length, 1, "nothing submitted twice to anthropic");
  assert.equal(s.sent(CALL), 0, "no model call");
  for (const name of ["gpt-4o-mini__d__test.jsonl", "claude-haiku-4-5__d__test.jsonl"]) {
    const ids = (await readJsonl(`${dir}/c/${name}`)).map((p) => p.instance_id);
    assert.equal(ids.length, 3, `${name}: each instance written once`);
    assert.equal(new Set(ids).size, 3, name);
  }
  return again;
}

Deno.test("compare --batch, Ctrl-C with one model collected and one still in its batch: the table of what is collected, the waiting model with the command that collects it, then how to resume or cancel; exit 130", async () => {
  const { s, dir, args, result } = await interruptedHalfway("SIGINT");
  await using _s = s;
  assertPiped(
    result,
    130,
    /interrupted: no longer waiting; the batches keep running at the provider/,
    /^model +instances +answers +patches/m,
    /^openai:gpt-4o-mini +3 +3 +3 +3 +0 +0 +0 +0 +\$[\d.]+ /m,
    /^openai:gpt-4o-mini: Batch batch_\S+: completed, 3\/3 done/m,
    /^anthropic:claude-haiku-4-5: waiting in batch msgbatch_\S+ \(3 instances\), not collected yet$/m,
    /^Interrupted: stopped waiting for the batches\. To collect later: swebench compare --providers openai:gpt-4o-mini,anthropic:claude-haiku-4-5 -d \S+ --output-dir \S+ -y --batch --poll-interval 0\.05$/m,
    /^The batch keeps running at the provider \(msgbatch_\S+\): nothing is lost\.$/m,
    /^Re-run the same command to wait for and collect it; `swebench batch cancel \S+claude-haiku-4-5__d__test\.jsonl` cancels it\.$/m,
  );
  // On stdout, in this order; the waiting model has no row of figures yet.
  const out = result.stdout;
  const order = [
    "openai:gpt-4o-mini  ",
    "anthropic:claude-haiku-4-5: waiting",
    "To collect later",
    "keeps running",
  ];
  const at = order.map((x) => out.indexOf(x));
  assert.ok(
    at.every((x, i) => x >= 0 && (i === 0 || x > at[i - 1])),
    `order of ${order.join(" / ")}:\n${out}`,
  );
  assert.doesNotMatch(out, /^anthropic:claude-haiku-4-5 +\d/m);
  // The command it names is the one to run: it collects the waiting model and submits nothing again.
  const again = await collectAfterwards(s, dir, args);
  assert.match(again.stdout, /^anthropic:claude-haiku-4-5 +3 +3 +3 /m);
  assert.match(again.stdout, /^openai:gpt-4o-mini +3 +3 +3 /m);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compare --batch --json, SIGTERM with one model collected and one still in its batch: one JSON document with the error as before, the collected model's figures and the waiting one", async () => {
  const { s, dir, args, result } = await interruptedHalfway("SIGTERM", "--json");
  await using _s = s;
  assert.equal(result.code, 130, result.stderr);
  const doc = JSON.parse(result.stdout);
  // What it printed before (the error document) is kept.
  assert.equal(doc.exitCode, 130);
  assert.equal(doc.error.kind, "interrupted");
  assert.equal(doc.error.message, "interrupted: stopped waiting for the batches");
  assert.match(doc.error.hint, /The batch keeps running at the provider \(msgbatch_\S+\): nothing is lost/);
  // The comparison of what was collected.
  assert.deepEqual(doc.models.map((m: { label: string; ok: number }) => [m.label, m.ok]), [[
    "openai:gpt-4o-mini",
    3,
  ]]);
  assert.equal(doc.runs.length, 1);
  assert.equal(doc.runs[0].ok, 3);
  assert.deepEqual(doc.batches.map((b: { model: string }) => b.model), ["openai:gpt-4o-mini"]);
  assert.equal(doc.batches[0].batches[0].ending, "completed");
  assert.equal(doc.outputs.length, 2);
  // The waiting model: its batch, its instances, the command that collects it and the one that cancels it.
  assert.equal(doc.waiting.length, 1);
  const [w] = doc.waiting;
  assert.equal(w.model, "anthropic:claude-haiku-4-5");
  assert.match(w.batches[0], /^msgbatch_/);
  assert.equal(w.instances, 3);
  assert.equal(w.output, doc.outputs[1]);
  assert.equal(w.journal, `${doc.outputs[1]}.batch.json`);
  assert.equal(w.collect, `swebench ${args.join(" ")}`);
  assert.equal(w.cancel, `swebench batch cancel ${doc.outputs[1]}`);
  assert.ok(doc.error.hint.includes(w.batches[0]));
  // Re-run: the waiting model collected, nothing submitted twice; the document of a finished compare.
  const again = await collectAfterwards(s, dir, args);
  const done = JSON.parse(again.stdout);
  assert.equal(done.exitCode, 0);
  assert.ok(!("error" in done) && !("waiting" in done));
  assert.deepEqual(done.models.map((m: { label: string; ok: number }) => [m.label, m.ok]), [
    ["openai:gpt-4o-mini", 3],
    ["anthropic:claude-haiku-4-5", 3],
  ]);
  await Deno.remove(dir, { recursive: true });
});
