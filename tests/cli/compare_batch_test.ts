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

async function sims(batch: BatchOptions = {}) {
  const oa = await startOpenAISim({ respond, apiKey: KEY, batch });
  const an = await startAnthropicSim({ respond, apiKey: KEY, batch });
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

Deno.test("compare --batch: Ctrl-C leaves every model's batch running and names how to resume or cancel each", async () => {
  await using s = await sims({ stepsPerPoll: 0 });
  const { dir, data } = await tempDataset(rows);
  const args = compare(data, `${dir}/c`, "--batch", ...POLL);
  const child = await spawnCli(args, { env: s.env });
  let text = "";
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of child.stderr) text += decoder.decode(chunk, { stream: true });
  })();
  const end = Date.now() + 60_000;
  while (!/== openai/.test(text) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  assert.match(text, /== openai/, text);
  child.kill("SIGINT");
  const { code } = await child.status;
  await reading;
  await child.stdout.cancel();
  assert.equal(code, 130, text);
  assert.match(
    text,
    /The 2 batches keep running at the provider \(batch_\S+, msgbatch_\S+\): nothing is lost/,
  );
  assert.match(
    text,
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
