/**
 * `generate --batch` killed with SIGKILL (a real subprocess, no handler runs) at the two moments where the journal
 * and the files disagree, then the same command: nothing is submitted again, no prediction line is written twice,
 * and the run finishes cleanly.
 *
 * - Between "results written to the predictions file" and "journal marked collected": the simulator sends the whole
 *   results body and holds the connection open, so every result is read and written while the collection waits for
 *   an end that does not come. With failed requests too: a failure has no prediction line, only its run-log record,
 *   and is not logged again either.
 * - Right after the create: the journal holds the batch id; the batch has not moved yet.
 */
import assert from "node:assert/strict";
import type { BatchSimulator } from "../simulator/mod.ts";
import { batchVendors, type Vendor } from "./batch_vendors.ts";
import { generateArgs, readJsonl, realRows, runCli, spawnCli, tempDataset } from "./helpers.ts";
import { assertPiped } from "./human.ts";

const { lines: rows, instances } = await realRows("lite-dev.jsonl", 4);
const IDS = instances.map((i) => i.instance_id).sort();
const KEY = "sk-test-batch-crash-0123456789";

const VENDORS = batchVendors(instances, KEY);

const args = (v: Vendor, data: string, out: string) =>
  generateArgs(v.name, v.model, data, out, "-y", "--batch", "--poll-interval", "0.05");

/** Poll (bounded: 60 s) until `check` returns a value. */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

interface Journal {
  submissions: { state: string; batchId?: string }[];
}
const journalOf = async (out: string): Promise<Journal> =>
  JSON.parse(await Deno.readTextFile(`${out}.batch.json`));

/** SIGKILL the child and wait for it; its pipes are dropped. */
async function kill9(child: Deno.ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL");
  await child.stdout.cancel();
  await child.stderr.cancel();
}

/**
 * The same command after the kill: every instance was done before it (none counts again, failures included),
 * nothing is submitted again, the journal ends collected. Returns the predictions and run-log records.
 */
async function rerunAfterKill(
  v: Vendor,
  sim: BatchSimulator,
  data: string,
  out: string,
): Promise<{ preds: Record<string, unknown>[]; log: Record<string, unknown>[] }> {
  const again = await runCli(args(v, data, out), { env: v.env(sim) });
  assertPiped(again, 0, /Done: 0 ok, 0 failed, 0 skipped, 4 already done/);
  assert.doesNotMatch(again.stderr, /submitted /, "nothing submitted again");
  assert.equal(sim.batches.list().length, 1);
  assert.deepEqual((await journalOf(out)).submissions.map((s) => s.state), ["collected"]);
  return { preds: await readJsonl(out), log: await readJsonl(`${out}.runlog.jsonl`) };
}

for (const v of VENDORS) {
  Deno.test(`generate --batch (${v.name}): kill -9 after the results are written, before the journal says collected`, async () => {
    let hold = true;
    await using sim = await v.start({
      faults: (_n, req) => (hold && v.resultsPath.test(req.path) ? { type: "hold" } : undefined),
    });
    const { dir, data } = await tempDataset(rows);
    const out = `${dir}/p.jsonl`;
    const child = await spawnCli(args(v, data, out), { env: v.env(sim) });
    // Every result is in the predictions file while the results download is still open.
    await until("4 predictions", async () => (await readJsonl(out)).length === 4 || undefined);
    const before = await journalOf(out);
    assert.deepEqual(before.submissions.map((s) => s.state), ["ended"], "the journal is not collected yet");
    await kill9(child);
    const lines = (await Deno.readTextFile(out)).split("\n").filter(Boolean).length;
    assert.equal(lines, 4);

    hold = false;
    const { preds, log } = await rerunAfterKill(v, sim, data, out);
    assert.deepEqual(preds.map((p) => p.instance_id).sort(), IDS, "each prediction once");
    assert.deepEqual(log.map((r) => r.instance_id).sort(), IDS, "each run-log record once");
    // And the file is whole for what reads it next.
    const report = await runCli(["report", `${out}.runlog.jsonl`, "--json"]);
    assert.equal(JSON.parse(report.stdout).models[0].ok, 4);
    await Deno.remove(dir, { recursive: true });
  });

  Deno.test(`generate --batch (${v.name}): kill -9 after failed results are logged, before the journal says collected: each result is logged once`, async () => {
    // IDS[0] errors, IDS[1] expires; the last results download (OpenAI: the error file, after the output file;
    // Anthropic: the one results stream) is sent whole and held open, so every record is written while the
    // collection waits for an end that does not come.
    let hold = true;
    let downloads = 0;
    const failing = new Map<
      string,
      { type: "errored"; status: number; message: string } | { type: "expired" }
    >([
      [IDS[0], { type: "errored", status: 500, message: "Internal server error" }],
      [IDS[1], { type: "expired" }],
    ]);
    await using sim = await v.start({
      outcome: ({ customId }) => failing.get(customId),
      faults: (_n, req) => {
        if (!hold || !v.resultsPath.test(req.path)) return undefined;
        return ++downloads === (v.name === "openai" ? 2 : 1) ? { type: "hold" } : undefined;
      },
    });
    const { dir, data } = await tempDataset(rows);
    const out = `${dir}/f.jsonl`;
    const log = `${out}.runlog.jsonl`;
    const child = await spawnCli(args(v, data, out), { env: v.env(sim) });
    await until("4 run-log records", async () => (await readJsonl(log)).length === 4 || undefined);
    assert.deepEqual((await journalOf(out)).submissions.map((s) => s.state), ["ended"]);
    await kill9(child);
    assert.equal((await readJsonl(out)).length, 2, "the two answers are written");

    hold = false;
    const { preds, log: records } = await rerunAfterKill(v, sim, data, out);
    assert.deepEqual(preds.map((p) => p.instance_id).sort(), IDS.filter((id) => !failing.has(id)));
    assert.deepEqual(records.map((r) => r.instance_id).sort(), IDS, "each batch result logged once");
    const batchId = sim.batches.list()[0].id;
    assert.ok(records.every((r) => (r.batch as { id: string }).id === batchId));
    // What reads the run log next counts each failure once.
    const report = JSON.parse((await runCli(["report", log, "--json"])).stdout).models[0];
    assert.deepEqual([report.ok, report.failed, report.failuresByKind], [2, 2, { server: 1, expired: 1 }]);
    failing.clear();
    const retry = await runCli([...args(v, data, out), "--retry-failed"], { env: v.env(sim) });
    assertPiped(retry, 0, /^Plan: 2 instances through .* \(2 already done\)$/m, /Done: 2 ok, 0 failed/);
    assert.deepEqual(
      sim.batches.list().map((b) => b.requests),
      [4, 2],
      "only the failed ones are sent again",
    );
    await Deno.remove(dir, { recursive: true });
  });

  Deno.test(`generate --batch (${v.name}): kill -9 right after the create, then the same command collects that batch`, async () => {
    await using sim = await v.start({ stepsPerPoll: 0 });
    const { dir, data } = await tempDataset(rows);
    const out = `${dir}/k.jsonl`;
    const child = await spawnCli(args(v, data, out), { env: v.env(sim) });
    // Killed as soon as the journal holds the batch id (no output awaited first).
    const id = await until(
      "the batch id in the journal",
      async () => (await journalOf(out)).submissions[0]?.batchId,
    );
    await kill9(child);
    assert.deepEqual(sim.batches.list().map((b) => b.id), [id]);
    const files = sim.requests.filter((r) => r.method === "POST").length;

    sim.batches.finish();
    const again = await runCli(args(v, data, out), { env: v.env(sim) });
    assertPiped(
      again,
      0,
      /Resuming: 4 instances in batches of an earlier run; nothing new to submit/,
      /Done: 4 ok/,
    );
    assert.deepEqual(sim.batches.list().map((b) => b.id), [id], "nothing submitted twice");
    assert.equal(sim.requests.filter((r) => r.method === "POST").length, files, "no upload, no create");
    assert.deepEqual((await readJsonl(out)).map((p) => p.instance_id).sort(), IDS);
    await Deno.remove(dir, { recursive: true });
  });
}
