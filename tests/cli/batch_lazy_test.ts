/**
 * Issue 15 §5 (time to first request): a `generate` without `--batch` loads the batch machinery (clients, journal
 * reader, batch runner, its rendering) only when the predictions file has a batch journal beside it. Checked on the
 * real CLI with those modules made unloadable (an import map): a plain run still runs, the same run next to a journal
 * fails on the load (so the map is in force). And the journal's guard is what it was: a run without `--batch` never
 * sends the instances waiting in open batches of an earlier `--batch` run (refused, nothing sent), `--overwrite`
 * never loses them, and a journal whose batches are all collected lets the run go on.
 */
import assert from "node:assert/strict";
import { batchVendors } from "./batch_vendors.ts";
import { readJsonl, realRows, runCli, tempDataset, unloadableMap } from "./helpers.ts";
import { assertPiped } from "./human.ts";

const { lines: rows, instances } = await realRows("lite-dev.jsonl", 4);
const IDS = instances.map((i) => i.instance_id);
const KEY = "sk-test-batch-key-0123456789";
const [OPENAI] = batchVendors(instances, KEY);

/** Every module of batch mode (all of src/batch/ but basics.ts, the run layer's and the CLI's batch modules). */
async function batchModules(): Promise<string[]> {
  const modules = [
    "run/batch_mode.ts",
    "run/batch_open.ts",
    "run/batch_record.ts",
    "cli/batch_format.ts",
    "cli/batch_plan.ts",
    "cli/render/batch.ts",
  ];
  for await (const e of Deno.readDir(new URL("../../src/batch/", import.meta.url))) {
    if (e.isFile && e.name.endsWith(".ts") && e.name !== "basics.ts") modules.push(`batch/${e.name}`);
  }
  return modules.map((m) => `src/${m}`);
}

/** An import map: the project's imports, every batch module replaced by one that cannot be loaded as it. */
async function noBatchMap(dir: string): Promise<string> {
  return unloadableMap(dir, await batchModules());
}

/** A journal beside `predictions` as an earlier `--batch` run leaves it: `collected` ids, then `open` ids. */
async function writeJournal(predictions: string, collected: string[], open: string[]): Promise<string> {
  const submission = (n: number, state: string, ids: string[]) => ({
    tag: `swb-000000000000000${n}`,
    state,
    startedAt: "2026-01-01T00:00:00.000Z",
    requests: ids.length,
    bytes: 100 * ids.length,
    ids: ids.map((id) => [id, id]),
    batchId: `batch_${n}`,
  });
  const journal = {
    version: 1,
    provider: "openai",
    kind: "openai",
    baseUrl: "http://127.0.0.1:9/v1",
    model: OPENAI.model,
    submissions: [submission(1, "collected", collected), submission(2, "submitted", open)].filter((s) =>
      s.requests > 0
    ),
  };
  const text = JSON.stringify(journal, null, 2);
  await Deno.writeTextFile(`${predictions}.batch.json`, text);
  return text;
}

function gen(data: string, out: string, ...rest: string[]): string[] {
  return ["generate", "-p", OPENAI.name, "-m", OPENAI.model, "-d", data, "-o", out, "-y", ...rest];
}

Deno.test("generate without --batch: runs with every batch module unloadable; next to a journal it reads it", async () => {
  await using sim = await OPENAI.start();
  const { dir, data } = await tempDataset(rows);
  const permissions = ["-A", `--import-map=${await noBatchMap(dir)}`];
  const env = OPENAI.env(sim);
  const plain = await runCli(gen(data, `${dir}/a.jsonl`), { env, permissions });
  assertPiped(plain, 0, /Done: 4 ok/);
  assert.equal((await readJsonl(`${dir}/a.jsonl`)).length, 4);
  // --json too. At -y no plan is shown before the calls: no "with --batch" offer line, whose module a shown plan loads.
  const json = await runCli(gen(data, `${dir}/b.jsonl`, "--json"), { env, permissions });
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).ok, 4);
  // With a journal beside the file, the guard reads it: with the map in force, loading it fails.
  await writeJournal(`${dir}/c.jsonl`, IDS.slice(0, 1), []);
  const next = await runCli(gen(data, `${dir}/c.jsonl`), { env, permissions });
  assert.notEqual(next.code, 0);
  assert.match(next.stderr, /src\/(batch\/|run\/batch_|cli\/batch_|cli\/render\/batch)\S* was loaded/);
  assert.equal(
    sim.requests.filter((r) => OPENAI.callPath.test(r.path)).length,
    8,
    "nothing sent for c.jsonl",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("generate without --batch next to a journal with open batches: refused, nothing sent; collected ones do not stop it", async () => {
  await using sim = await OPENAI.start();
  const { dir, data } = await tempDataset(rows);
  const env = OPENAI.env(sim);
  const out = `${dir}/p.jsonl`;
  const calls = () => sim.requests.filter((r) => OPENAI.callPath.test(r.path)).length;
  const journal = await writeJournal(out, IDS.slice(0, 1), IDS.slice(1, 3));
  for (const extra of [[], ["--json"], ["--dry-run"]]) {
    const r = await runCli(gen(data, out, ...extra), { env });
    assertPiped(
      r,
      2,
      /2 instances of .*p\.jsonl are in batches of an earlier --batch run that are not collected yet: a run without --batch would pay for them again/,
      /Re-run with --batch to wait for and collect them/,
    );
  }
  const overwrite = await runCli(gen(data, out, "--overwrite"), { env });
  assertPiped(overwrite, 2, /--overwrite would lose them: 2 instances of .*p\.jsonl are in batches/);
  assert.equal(calls(), 0);
  assert.equal(await Deno.readTextFile(`${out}.batch.json`), journal, "the journal is only read");
  await Deno.stat(out).then(() => assert.fail("a predictions file was written"), () => {});
  // Every batch collected: nothing is waiting, the run goes on (the journal stays as it is).
  const done = await writeJournal(out, IDS.slice(0, 3), []);
  const r = await runCli(gen(data, out), { env });
  assertPiped(r, 0, /Done: 4 ok/);
  assert.equal(calls(), 4);
  assert.equal(await Deno.readTextFile(`${out}.batch.json`), done);
  await Deno.remove(dir, { recursive: true });
});
