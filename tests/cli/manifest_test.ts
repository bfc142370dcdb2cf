/**
 * A run knows its settings (issue 10 §3): the manifest beside the predictions, and the resume guard that refuses
 * to mix generation settings in one file.
 */
import assert from "node:assert/strict";
import { startOpenAISim } from "../simulator/mod.ts";
import { goldResponder, realRows, runCli, tempDataset } from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-test.jsonl", 8);
const KEY = "sk-test-manifest-key-4242";
const respond = goldResponder(instances);

async function setup(n = 8) {
  const sim = await startOpenAISim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows, n);
  const out = `${dir}/p.jsonl`;
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
  const gen = (...extra: string[]) =>
    runCli(["generate", "-p", "openai", "-m", "gpt-4o-mini", "-d", data, "-o", out, "-y", ...extra], { env });
  const calls = () => sim.requests.filter((q) => q.n !== undefined).length;
  const snapshot = async () =>
    await Promise.all([out, `${out}.runlog.jsonl`, `${out}.manifest.json`].map((f) => Deno.readTextFile(f)));
  return { sim, dir, data, out, env, gen, calls, snapshot, [Symbol.asyncDispose]: () => sim.close() };
}

Deno.test("the manifest records what produced the predictions, and never the key", async () => {
  await using s = await setup();
  const r = await s.gen("-n", "4");
  assert.equal(r.code, 0, r.stderr);
  const text = await Deno.readTextFile(`${s.out}.manifest.json`);
  assert.doesNotMatch(text, new RegExp(KEY), "no credentials in the manifest");
  const m = JSON.parse(text);
  const version = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url))).version;
  assert.deepEqual(m.tool, { name: "@swebench/runner", version });
  assert.equal(m.predictions, "p.jsonl");
  assert.equal(m.modelNameOrPath, "gpt-4o-mini");
  assert.deepEqual(m.endpoint, { kind: "openai", baseUrlHost: new URL(s.sim.url).host });
  assert.deepEqual(m.reportedModels, ["gpt-4o-mini-2024-07-18"], "the model id the API reported");
  assert.equal(m.generation.provider, "openai");
  assert.equal(m.generation.model, "gpt-4o-mini");
  assert.equal(m.generation.temperature, 0);
  assert.equal(m.generation.maxTokens, 4096);
  assert.equal(m.generation.stop, null);
  assert.equal(m.generation.promptTemplate.version, "1");
  assert.match(m.generation.promptTemplate.sha256, /^[0-9a-f]{64}$/);
  assert.equal(m.generation.context, "none");
  assert.equal(m.generation.dataset, "d.jsonl");
  assert.equal(m.generation.split, "test");
  assert.equal(m.rows.count, 4);
  assert.match(m.rows.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(Object.keys(m.rows.hashes).sort(), instances.slice(0, 4).map((i) => i.instance_id).sort());
  assert.deepEqual(m.fallbackChain, ["openai:gpt-4o-mini"]);
  assert.equal(m.runs.length, 1);
});

Deno.test("resuming with other generation settings exits 2 naming each one; nothing is sent or written", async () => {
  await using s = await setup();
  assert.equal((await s.gen("-n", "4")).code, 0);
  const before = await s.snapshot();
  const calls = s.calls();
  const r = await s.gen("-n", "6", "--temperature", "0.8", "--max-tokens", "2048");
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /p\.jsonl was made with other generation settings:/);
  assert.match(r.stderr, /\n {2}temperature: 0 in the file, 0\.8 now/);
  assert.match(r.stderr, /\n {2}max tokens: 4096 in the file, 2048 now/);
  assert.match(r.stderr, /--overwrite/);
  assert.doesNotMatch(r.stderr, /at \S+\.ts:\d+/, "no stack trace");
  assert.equal(s.calls(), calls, "nothing sent");
  assert.deepEqual(await s.snapshot(), before, "nothing written");
  // Another model into the same file is refused the same way.
  const other = await runCli(
    ["generate", "-p", "openai", "-m", "gpt-4.1-mini", "-d", s.data, "-o", s.out, "-y"],
    { env: s.env },
  );
  assert.equal(other.code, 2, other.stderr);
  assert.match(other.stderr, /holds predictions of gpt-4o-mini, not gpt-4.1-mini/);
  // --overwrite starts over with the new settings.
  const fresh = await s.gen("-n", "2", "--temperature", "0.8", "--overwrite", "--json");
  assert.equal(fresh.code, 0, fresh.stderr);
  const m = JSON.parse(await Deno.readTextFile(`${s.out}.manifest.json`));
  assert.equal(m.generation.temperature, 0.8);
  assert.equal(m.runs.length, 1);
  assert.equal(m.rows.count, 2);
});

Deno.test("a bigger -n, other concurrency and --stream are legitimate resumes; the manifest records each run", async () => {
  await using s = await setup();
  assert.equal((await s.gen("-n", "3")).code, 0);
  const r = await s.gen("-n", "8", "-c", "3", "--stream", "--json");
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.alreadyDone, 3);
  assert.equal(doc.ok, 5);
  const m = JSON.parse(await Deno.readTextFile(`${s.out}.manifest.json`));
  assert.equal(m.runs.length, 2);
  assert.deepEqual(m.runs.map((x: { selected: number }) => x.selected), [3, 8]);
  assert.equal(m.rows.count, 8);
});

Deno.test("a dataset row already in the file whose content changed refuses the resume, naming the row", async () => {
  await using s = await setup();
  assert.equal((await s.gen("-n", "4")).code, 0);
  const edited = rows.slice(0, 8).map((l, i) => {
    if (i !== 2) return l;
    const row = JSON.parse(l);
    row.problem_statement += "\nOne more sentence.";
    return JSON.stringify(row);
  });
  await Deno.writeTextFile(s.data, edited.join("\n") + "\n");
  const r = await s.gen("-n", "8");
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`dataset rows: 1 row\\(s\\) had other content \\(first: ${instances[2].instance_id}\\)`),
  );
  // Rows the file does not hold yet may change freely.
  const tail = rows.slice(0, 8).map((l, i) => {
    if (i !== 6) return l;
    const row = JSON.parse(l);
    row.problem_statement += "\nEdited before it was ever sent.";
    return JSON.stringify(row);
  });
  await Deno.writeTextFile(s.data, tail.join("\n") + "\n");
  const ok = await s.gen("-n", "8");
  assert.equal(ok.code, 0, ok.stderr);
});

Deno.test("report prints the manifest (human and --json)", async () => {
  await using s = await setup();
  assert.equal((await s.gen("-n", "2")).code, 0);
  const r = await runCli(["report", `${s.out}.runlog.jsonl`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Settings of .*p\.jsonl \(.*p\.jsonl\.manifest\.json\):/);
  assert.match(
    r.stdout,
    /model: openai:gpt-4o-mini \(the API reported gpt-4o-mini-2024-07-18\), openai API at 127\.0\.0\.1:\d+/,
  );
  assert.match(
    r.stdout,
    /generation: temperature 0, max tokens 4096, stop none, prompt template v1 \(sha256 [0-9a-f]{12}\), context none/,
  );
  assert.match(r.stdout, /dataset: d\.jsonl, split test, 2 row\(s\) \(sha256 [0-9a-f]{12}\)/);
  const j = JSON.parse((await runCli(["report", `${s.out}.runlog.jsonl`, "--json"])).stdout);
  assert.equal(j.manifests.length, 1);
  assert.equal(j.manifests[0].manifest.generation.temperature, 0);
  assert.equal(j.manifests[0].manifest.rows.count, 2);
  assert.equal(j.manifests[0].manifest.rows.hashes, undefined, "the per-row hashes stay in the file");
});

Deno.test("a file at the manifest's place that swebench did not write is refused and left untouched", async () => {
  await using s = await setup();
  const { out } = s;
  await Deno.writeTextFile(`${out}.manifest.json`, "my notes, not JSON\n");
  const r = await s.gen("-n", "2");
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /p\.jsonl\.manifest\.json is not a manifest written by swebench/);
  assert.equal(await Deno.readTextFile(`${out}.manifest.json`), "my notes, not JSON\n");
  assert.equal(s.calls(), 0);
});
