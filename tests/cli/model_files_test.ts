/**
 * A patch is filed under the model that wrote it (issue 10 §2): a fallback model's answers go to its own
 * predictions file, resumes count answers in every model's file, and the summary, `report` (table, HTML, JSON)
 * show how many answers each model gave.
 */
import assert from "node:assert/strict";
import { startAnthropicSim, startOpenAISim } from "../simulator/mod.ts";
import { goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-test.jsonl", 10);
const KEY = "sk-test-model-files-00";
const respond = goldResponder(instances);
/**
 * Instances whose prompts the first provider calls too long for its window (so the fallback, with a larger one,
 * answers them).
 */
const refused = new Set([1, 3, 4].map((i) => instances[i].base_commit));

async function sims() {
  const oa = await startOpenAISim({
    respond,
    apiKey: KEY,
    faults: (_n, req) =>
      [...refused].some((c) => JSON.stringify(req.body).includes(c))
        ? { type: "status", status: 400, code: "context_length_exceeded" }
        : undefined,
  });
  const an = await startAnthropicSim({ respond, apiKey: KEY });
  const env = {
    OPENAI_API_KEY: KEY,
    OPENAI_BASE_URL: `${oa.url}/v1`,
    ANTHROPIC_API_KEY: KEY,
    ANTHROPIC_BASE_URL: an.url,
  };
  return {
    oa,
    an,
    env,
    calls: () => [oa, an].map((s) => s.requests.filter((q) => q.n !== undefined).length),
    async [Symbol.asyncDispose]() {
      await oa.close();
      await an.close();
    },
  };
}

const generate = (data: string, out: string, extra: string[] = []) => [
  "generate",
  "-p",
  "openai",
  "-m",
  "gpt-4o-mini",
  "--fallback",
  "anthropic:claude-haiku-4-5",
  "-d",
  data,
  "-o",
  out,
  "-y",
  "-c",
  "2",
  ...extra,
];

Deno.test("fallback answers go to the fallback model's own file; the summary counts answers per model", async () => {
  await using s = await sims();
  const { dir, data } = await tempDataset(rows, 6);
  const out = `${dir}/run.jsonl`;
  const r = await runCli(generate(data, out), { env: s.env });
  assert.equal(r.code, 0, r.stderr);
  const fallbackFile = `${dir}/claude-haiku-4-5__d__test.jsonl`;
  const primary = await readJsonl(out);
  const fallback = await readJsonl(fallbackFile);
  assert.deepEqual(primary.map((p) => p.model_name_or_path), ["gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini"]);
  assert.deepEqual(fallback.map((p) => p.model_name_or_path), [
    "claude-haiku-4-5",
    "claude-haiku-4-5",
    "claude-haiku-4-5",
  ]);
  assert.deepEqual(
    fallback.map((p) => p.instance_id).sort(),
    [1, 3, 4].map((i) => instances[i].instance_id).sort(),
  );
  // What a person sees.
  assert.match(
    r.stdout,
    /Answers by model:\n {2}openai:gpt-4o-mini: 3 in .*run\.jsonl\n {2}anthropic:claude-haiku-4-5: 3 in .*claude-haiku-4-5__d__test\.jsonl/,
  );
  // Each file has its own run log and manifest.
  for (const f of [out, fallbackFile]) {
    await Deno.stat(`${f}.runlog.jsonl`);
    await Deno.stat(`${f}.manifest.json`);
  }
  const m = JSON.parse(await Deno.readTextFile(`${fallbackFile}.manifest.json`));
  assert.equal(m.role, "fallback");
  assert.equal(m.fallbackFor, "openai:gpt-4o-mini");
  assert.equal(m.modelNameOrPath, "claude-haiku-4-5");

  // report: the fallback's run log is found through the manifest; the table, JSON and HTML count answers.
  const rep = await runCli(["report", `${out}.runlog.jsonl`, "--html", `${dir}/r.html`]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(rep.stdout, /\banswers\b/);
  assert.match(rep.stdout, /openai:gpt-4o-mini +3 +3 /, "3 answered (the other 3 went to the fallback)");
  assert.match(rep.stdout, /anthropic:claude-haiku-4-5 +3 +3 \(3 as fallback\)/);
  assert.match(rep.stderr, /including .*claude-haiku-4-5__d__test\.jsonl\.runlog\.jsonl/);
  const html = await Deno.readTextFile(`${dir}/r.html`);
  assert.match(html, /<th>answers<\/th>/);
  assert.match(html, /<td>3 \(3 as fallback\)<\/td>/);
  const json = JSON.parse((await runCli(["report", `${out}.runlog.jsonl`, "--json"])).stdout);
  assert.deepEqual(json.answersByModel, { "openai:gpt-4o-mini": 3, "anthropic:claude-haiku-4-5": 3 });
});

Deno.test("resume: an instance answered in any model's file is done; nothing is sent twice", async () => {
  await using s = await sims();
  const { dir, data } = await tempDataset(rows, 10);
  const out = `${dir}/run.jsonl`;
  const first = await runCli(generate(data, out, ["-n", "6"]), { env: s.env });
  assert.equal(first.code, 0, first.stderr);
  const [oa1, an1] = s.calls();
  assert.equal(an1, 3);
  // Same command again: everything done, no call.
  const same = await runCli(generate(data, out, ["-n", "6", "--json"]), { env: s.env });
  assert.equal(same.code, 0, same.stderr);
  assert.equal(JSON.parse(same.stdout).alreadyDone, 6);
  assert.deepEqual(s.calls(), [oa1, an1], "no paid call twice");
  // A bigger -n: only the 4 new instances are sent (instance 1, 3 and 4 sit in the fallback's file).
  const more = await runCli(generate(data, out, ["-n", "10", "--json"]), { env: s.env });
  assert.equal(more.code, 0, more.stderr);
  const doc = JSON.parse(more.stdout);
  assert.equal(doc.alreadyDone, 6);
  assert.equal(doc.ok, 4);
  assert.deepEqual(doc.answersByModel, { "openai:gpt-4o-mini": 4 });
  assert.equal(s.calls()[0] - oa1, 4);
  assert.equal(s.calls()[1], an1);
  const ids = [...await readJsonl(out), ...await readJsonl(`${dir}/claude-haiku-4-5__d__test.jsonl`)]
    .map((p) => p.instance_id);
  assert.equal(new Set(ids).size, 10);
  assert.equal(ids.length, 10, "each instance answered once, in one file");
});

Deno.test("a fallback that answers nothing leaves no file behind", async () => {
  await using oa = await startOpenAISim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows, 3);
  const r = await runCli(
    [
      "generate",
      "-p",
      "openai",
      "--fallback",
      "anthropic:claude-haiku-4-5",
      "-d",
      data,
      "-o",
      `${dir}/p.jsonl`,
      "-y",
    ],
    { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${oa.url}/v1`, ANTHROPIC_API_KEY: KEY } },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Predictions: .*p\.jsonl/);
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(files, ["d.jsonl", "p.jsonl", "p.jsonl.manifest.json", "p.jsonl.runlog.jsonl"]);
});
