/**
 * `swebench generate --batch` through the CLI against the OpenAI Batch API and Anthropic Message Batches simulators:
 * the same predictions, run log, manifest and summary as a normal run at half the cost; the plan's two cost
 * columns; kill -9 and Ctrl-C with the batch still running, then the same command collecting it without sending
 * anything twice; failed, expired and refused requests; --retry-failed; --max-cost on the batch's worst case; and
 * the usage errors.
 */
import assert from "node:assert/strict";
import { batchVendors, type Vendor } from "./batch_vendors.ts";
import { readJsonl, realRows, runCli, spawnCli, tempDataset } from "./helpers.ts";
import { assertOnTerminal, assertPiped } from "./human.ts";
import { runInTerminal } from "./terminal.ts";

const { lines: rows, instances } = await realRows("lite-dev.jsonl", 4);
const IDS = instances.map((i) => i.instance_id);
const KEY = "sk-test-batch-key-0123456789";

const VENDORS = batchVendors(instances, KEY);

const POLL = ["--poll-interval", "0.05"];

function gen(v: Vendor, data: string, out: string, ...rest: string[]): string[] {
  return ["generate", "-p", v.name, "-m", v.model, "-d", data, "-o", out, "-y", ...rest];
}

/** Wait (bounded) until `text()` matches. */
async function until(what: string, text: () => Promise<string>, re: RegExp, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (re.test(await text())) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}: ${re}\n${await text()}`);
}

/** Read a child's stderr as it arrives. */
function collect(stream: ReadableStream<Uint8Array>): () => Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  (async () => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  })();
  return () => Promise.resolve(text);
}

for (const v of VENDORS) {
  Deno.test(`generate --batch (${v.name}): the same predictions, run log and manifest as a normal run, at half the cost`, async () => {
    await using sim = await v.start();
    const { dir, data } = await tempDataset(rows);
    const env = v.env(sim);
    const normal = await runCli(gen(v, data, `${dir}/normal.jsonl`, "--json"), { env });
    assert.equal(normal.code, 0, normal.stderr);
    const calls = sim.requests.filter((r) => v.callPath.test(r.path)).length;
    assert.equal(calls, 4);

    const batch = await runCli(gen(v, data, `${dir}/batch.jsonl`, "--batch", ...POLL), { env });
    assertPiped(
      batch,
      0,
      /^Plan: 4 instances through /m,
      /^ {2}cost: +normal +batch \(this run, 50% off\)$/m,
      /^ {4}expected +\$[\d.]+ +\$[\d.]+$/m,
      /^ {4}worst case +\$[\d.]+ +\$[\d.]+$/m,
      /^submitted (batch_|msgbatch_)\S+ \(4 requests, [\d.]+ KB\)$/m,
      /^Done: 4 ok, 0 failed, 0 skipped in /m,
      /^Patches: 4 valid$/m,
      /^Turnaround: /m,
      /^Batch (batch_|msgbatch_)\S+: completed, 4\/4 done, created (just now|.* ago)/m,
    );
    assert.equal(
      sim.requests.filter((r) => v.callPath.test(r.path)).length,
      calls,
      "no model call: one batch",
    );
    assert.equal(sim.batches.list().length, 1);

    // The predictions are the normal run's, line for line (the same answers, the same patches).
    const key = (p: Record<string, unknown>) => `${p.instance_id}`;
    const a = (await readJsonl(`${dir}/normal.jsonl`)).sort((x, y) => key(x).localeCompare(key(y)));
    const b = (await readJsonl(`${dir}/batch.jsonl`)).sort((x, y) => key(x).localeCompare(key(y)));
    assert.deepEqual(b, a);
    // The run log has a normal record's fields (and the batch it came from); each costs half.
    const la = await readJsonl(`${dir}/normal.jsonl.runlog.jsonl`);
    const lb = await readJsonl(`${dir}/batch.jsonl.runlog.jsonl`);
    assert.equal(lb.length, 4);
    for (const r of lb) {
      const n = la.find((x) => x.instance_id === r.instance_id)!;
      for (const field of Object.keys(n)) {
        // Anthropic's batch results carry no request id (a call's comes from a response header).
        if (field === "requestId" && v.name === "anthropic") continue;
        assert.ok(field in r, `run-log field ${field} missing from the batch record`);
      }
      assert.deepEqual(r.usage, n.usage);
      assert.equal(r.patchStatus, n.patchStatus);
      assert.equal(r.output, n.output);
      assert.ok(Math.abs((r.costUsd as number) - (n.costUsd as number) / 2) < 1e-12, "half the cost");
      assert.match((r.batch as { id: string }).id, /^(batch_|msgbatch_)/);
    }
    // The same manifest (settings, rows, reported model), so report/compare/evaluate treat both runs alike.
    const ma = JSON.parse(await Deno.readTextFile(`${dir}/normal.jsonl.manifest.json`));
    const mb = JSON.parse(await Deno.readTextFile(`${dir}/batch.jsonl.manifest.json`));
    assert.deepEqual(mb.generation, ma.generation);
    assert.deepEqual(mb.rows, ma.rows);
    assert.deepEqual(mb.reportedModels, ma.reportedModels);
    // The report reads it like any run log.
    const report = await runCli(["report", `${dir}/batch.jsonl.runlog.jsonl`, "--json"], { env });
    assert.equal(report.code, 0, report.stderr);
    assert.equal(JSON.parse(report.stdout).models[0].ok, 4);
    // The journal says collected; a re-run has nothing to do and sends nothing.
    const journal = JSON.parse(await Deno.readTextFile(`${dir}/batch.jsonl.batch.json`));
    assert.deepEqual(journal.submissions.map((s: { state: string }) => s.state), ["collected"]);
    const again = await runCli(gen(v, data, `${dir}/batch.jsonl`, "--batch", ...POLL), { env });
    assertPiped(again, 0, /Nothing to do/);
    assert.equal(sim.batches.list().length, 1);
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("generate --batch --json and on a terminal: one JSON document; a live status line that fits", async () => {
  const v = VENDORS[0];
  await using sim = await v.start({ requestsPerStep: 1 });
  const { dir, data } = await tempDataset(rows);
  const r = await runCli(gen(v, data, `${dir}/j.jsonl`, "--batch", "--json", ...POLL), { env: v.env(sim) });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.ok, 4);
  assert.equal(doc.batch.priceFactor, 0.5);
  assert.equal(doc.batch.batches.length, 1);
  assert.equal(doc.batch.batches[0].ending, "completed");
  assert.equal(doc.batch.journal, `${dir}/j.jsonl.batch.json`);
  const tty = await runInTerminal(gen(v, data, `${dir}/t.jsonl`, "--batch", ...POLL), {
    env: v.env(sim),
    cols: 80,
  });
  assertOnTerminal(tty, 0, { cols: 80, fit: true }, /cost: +normal +batch/, /Done: 4 ok/);
  assert.ok(
    tty.live.some((l) => /^batch_\S+: in progress, [0-3]\/4 done, \d+s$/.test(l.trim())),
    `no live progress line:\n${tty.live.join("\n")}`,
  );
  await Deno.remove(dir, { recursive: true });
});

for (const v of VENDORS) {
  Deno.test(`generate --batch (${v.name}): kill -9 while waiting, then the same command collects the same batch`, async () => {
    await using sim = await v.start({ stepsPerPoll: 0 });
    const { dir, data } = await tempDataset(rows);
    const args = gen(v, data, `${dir}/k.jsonl`, "--batch", ...POLL);
    const child = await spawnCli(args, { env: v.env(sim) });
    const stderr = collect(child.stderr);
    await until("the submission", stderr, /^submitted /m);
    child.kill("SIGKILL");
    await child.status;
    await child.stdout.cancel();
    assert.equal(sim.batches.list().length, 1);
    // The batch runs on without us; the journal holds it.
    const journal = JSON.parse(await Deno.readTextFile(`${dir}/k.jsonl.batch.json`));
    assert.deepEqual(journal.submissions.map((s: { state: string }) => s.state), ["submitted"]);
    const status = await runCli(["batch", "status", `${dir}/k.jsonl`], { env: v.env(sim) });
    assertPiped(status, 0, /1 batch through/, /Re-run the generate command/);
    // A normal run would pay for them again: refused, nothing sent.
    const normal = await runCli(gen(v, data, `${dir}/k.jsonl`), { env: v.env(sim) });
    assertPiped(normal, 2, /4 instances of .*k\.jsonl are in batches of an earlier --batch run/, /--batch/);
    assert.equal(sim.requests.filter((r) => v.callPath.test(r.path)).length, 0);
    sim.batches.finish();
    const resumed = await runCli(args, { env: v.env(sim) });
    assertPiped(
      resumed,
      0,
      /Resuming: 4 instances in batches of an earlier run; nothing new to submit/,
      /Done: 4 ok/,
    );
    assert.equal(sim.batches.list().length, 1, "nothing submitted twice");
    const preds = await readJsonl(`${dir}/k.jsonl`);
    assert.deepEqual(preds.map((p) => p.instance_id).sort(), [...IDS].sort());
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("generate --batch: Ctrl-C leaves the batch running and says how to resume or cancel (exit 130)", async () => {
  const v = VENDORS[0];
  await using sim = await v.start({ stepsPerPoll: 0, requestsPerStep: 1 });
  const { dir, data } = await tempDataset(rows);
  const args = gen(v, data, `${dir}/c.jsonl`, "--batch", ...POLL);
  const child = await spawnCli(args, { env: v.env(sim) });
  const stderr = collect(child.stderr);
  await until("the submission", stderr, /^submitted /m);
  child.kill("SIGINT");
  const r = await child.status;
  await child.stdout.cancel();
  const text = await stderr();
  assert.equal(r.code, 130, text);
  assert.match(text, /no longer waiting; the batches keep running at the provider/);
  assert.match(text, /The batch keeps running at the provider \(batch_\S+\): nothing is lost/);
  assert.match(
    text,
    new RegExp(`Re-run the same command .*; \`swebench batch cancel ${dir}/c\\.jsonl\` cancels it`),
  );
  assert.equal(sim.requests.filter((q) => q.path.endsWith("/cancel")).length, 0, "the batch is not canceled");
  // Cancel it, as the message says: what finished is collected, the rest fails as canceled.
  sim.batches.advance(undefined, 2); // validating -> in progress, one request answered
  const cancel = await runCli(["batch", "cancel", `${dir}/c.jsonl`], { env: v.env(sim) });
  assert.equal(cancel.code, 0, cancel.stderr);
  sim.batches.finish();
  const collected = await runCli([...args, "--json"], { env: v.env(sim) });
  assert.equal(collected.code, 4, collected.stderr);
  const doc = JSON.parse(collected.stdout);
  assert.deepEqual([doc.ok, doc.failed, doc.failuresByKind], [1, 3, { canceled: 3 }]);

  await Deno.remove(dir, { recursive: true });
});

Deno.test("generate --batch: errored, expired and canceled requests fail with their kind; --retry-failed resubmits only those", async () => {
  const v = VENDORS[1];
  let fail = true;
  await using sim = await v.start({
    outcome: ({ customId }) =>
      !fail
        ? undefined
        : customId === IDS[0]
        ? { type: "errored", status: 500, errorType: "api_error", message: "Internal server error" }
        : customId === IDS[1]
        ? { type: "expired" }
        : undefined,
  });
  const { dir, data } = await tempDataset(rows);
  const args = gen(v, data, `${dir}/f.jsonl`, "--batch", ...POLL);
  const first = await runCli(args, { env: v.env(sim) });
  assertPiped(
    first,
    4,
    /Done: 2 ok, 2 failed/,
    /Failures: (1 server, 1 expired|1 expired, 1 server) \(details in .*f\.jsonl\.runlog\.jsonl\)/,
  );
  const log = await readJsonl(`${dir}/f.jsonl.runlog.jsonl`);
  const kinds = Object.fromEntries(
    log.map((r) => [r.instance_id, (r.error as { kind?: string })?.kind ?? r.status]),
  );
  assert.deepEqual([kinds[IDS[0]], kinds[IDS[1]], kinds[IDS[2]], kinds[IDS[3]]], [
    "server",
    "expired",
    "ok",
    "ok",
  ]);
  // Failed instances are done unless --retry-failed, as in a normal run.
  const again = await runCli(args, { env: v.env(sim) });
  assertPiped(again, 0, /Nothing to do: --retry-failed redoes failed instances/);
  assert.equal(sim.batches.list().length, 1);
  fail = false;
  const retry = await runCli([...args, "--retry-failed"], { env: v.env(sim) });
  assertPiped(retry, 0, /^Plan: 2 instances through .* \(2 already done\)$/m, /Done: 2 ok, 0 failed/);
  const batches = sim.batches.list();
  assert.deepEqual(batches.map((b) => b.requests), [4, 2], "only the failed ones are sent again");
  assert.equal((await readJsonl(`${dir}/f.jsonl`)).length, 4);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("generate --batch: a batch that fails validation is reported with the API's errors; nothing counts as done", async () => {
  const v = VENDORS[0];
  await using sim = await v.start({ maxRequests: 3 });
  const { dir, data } = await tempDataset(rows);
  const r = await runCli(gen(v, data, `${dir}/v.jsonl`, "--batch", ...POLL), { env: v.env(sim) });
  assertPiped(
    r,
    4,
    /Done: 0 ok, 4 failed/,
    /Failures: 4 invalid_request/,
    /^Batch batch_\S+: failed validation/m,
    /^ {4}.*\(too_many_tasks\)$/m,
  );
  const log = await readJsonl(`${dir}/v.jsonl.runlog.jsonl`);
  assert.ok(log.every((x) => /failed validation/.test((x.error as { message: string }).message)));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("generate --batch: --max-cost covers the batch's worst case before anything is sent", async () => {
  const v = VENDORS[0];
  await using sim = await v.start();
  const { dir, data } = await tempDataset(rows);
  const plan = JSON.parse(
    (await runCli(gen(v, data, `${dir}/b.jsonl`, "--batch", "--dry-run", "--json"), { env: v.env(sim) }))
      .stdout,
  );
  const batchWorst = plan.batch.batch.worstUsd as number;
  assert.ok(Math.abs(batchWorst - plan.worstUsd / 2) < 1e-12);
  const refused = await runCli(
    gen(v, data, `${dir}/b.jsonl`, "--batch", "--max-cost", String(batchWorst * 0.9)),
    {
      env: v.env(sim),
    },
  );
  assertPiped(
    refused,
    5,
    /the batch's worst case \(\$[\d.]+\) would pass --max-cost \$[\d.]+: nothing was submitted/,
  );
  assert.equal(sim.requests.filter((r) => /\/files|\/batches/.test(r.path)).length, 0, "nothing sent");
  // At the batch's worst case it goes (a normal run would need twice that).
  const ok = await runCli(
    gen(v, data, `${dir}/b.jsonl`, "--batch", "--max-cost", String(batchWorst), ...POLL),
    {
      env: v.env(sim),
    },
  );
  assertPiped(
    ok,
    0,
    /Done: 4 ok/,
    /^Budget: \$0 spent before, \$[\d.]+ this run, \$[\d.]+ left of \$[\d.]+/m,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("generate --batch: providers without a batch API and flags that do not go with it are usage errors (exit 2)", async () => {
  const { dir, data } = await tempDataset(rows);
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: "http://127.0.0.1:9/v1" };
  for (const p of ["ollama", "gold"]) {
    const r = await runCli(["generate", "-p", p, "-d", data, "-o", `${dir}/${p}.jsonl`, "--batch"], { env });
    assertPiped(r, 2, new RegExp(`--batch: ${p} .*; the providers with one are openai, anthropic`));
  }
  await Deno.mkdir(`${dir}/cfg`);
  await Deno.writeTextFile(
    `${dir}/cfg/config.json`,
    JSON.stringify({ providers: { vllm: { kind: "openai", baseUrl: "http://127.0.0.1:9/v1" } } }),
  );
  const vllm = await runCli(
    ["--config", `${dir}/cfg/config.json`, ...gen(VENDORS[0], data, `${dir}/x.jsonl`)].map(
      (a) => a === "openai" ? "vllm" : a,
    ).concat("--batch"),
    { env },
  );
  assertPiped(vllm, 2, /--batch: vllm \(an OpenAI-compatible server\) has no batch API/);
  assertPiped(
    await runCli([...gen(VENDORS[0], data, `${dir}/x.jsonl`), "--batch", "--stream"], { env }),
    2,
    /--batch and --stream/,
  );
  assertPiped(
    await runCli([
      ...gen(VENDORS[0], data, `${dir}/x.jsonl`),
      "--batch",
      "--fallback",
      "anthropic:claude-haiku-4-5",
    ], { env }),
    2,
    /--batch and --fallback/,
  );
  assert.ok(!(await Deno.stat(`${dir}/x.jsonl`).then(() => true, () => false)), "nothing written");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("generate --batch: ids that do not fit Anthropic's custom_id pattern (SWE-smith) are mapped and come back", async () => {
  const v = VENDORS[1];
  await using sim = await v.start();
  const long = rows.map((l, i) => {
    const row = JSON.parse(l);
    row.instance_id = `pandas-dev__pandas.95280573.pr_5365${i}.with-a-suffix-that-runs-past-64-chars`;
    return JSON.stringify(row);
  });
  const { dir, data } = await tempDataset(long);
  const r = await runCli(gen(v, data, `${dir}/s.jsonl`, "--batch", ...POLL), { env: v.env(sim) });
  assertPiped(r, 0, /Done: 4 ok/);
  const preds = await readJsonl(`${dir}/s.jsonl`);
  assert.deepEqual(preds.map((p) => p.instance_id).sort(), long.map((l) => JSON.parse(l).instance_id).sort());
  const journal = JSON.parse(await Deno.readTextFile(`${dir}/s.jsonl.batch.json`));
  for (const [customId, id] of journal.submissions[0].ids) {
    assert.match(customId, /^[a-zA-Z0-9_-]{1,64}$/);
    assert.notEqual(customId, id);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("generate --batch (anthropic): the batch follows the API version: no temperature under 2026-10-21, sent under 2023-06-01", async () => {
  const v = VENDORS[1];
  await using sim = await v.start();
  const { dir, data } = await tempDataset(rows);
  const creates = () =>
    sim.requests.filter((r) => r.method === "POST" && /\/v1\/messages\/batches$/.test(r.path));
  const params = (
    i: number,
  ) => ((creates()[i].body as { requests: { params: Record<string, unknown> }[] }).requests);
  const fresh = await runCli(gen(v, data, `${dir}/a.jsonl`, "--batch", "--temperature", "0.3", ...POLL), {
    env: v.env(sim),
  });
  assertPiped(fresh, 0, /Done: 4 ok/);
  assert.equal(creates()[0].headers.get("anthropic-version"), "2026-10-21");
  assert.ok(params(0).every((r) => !("temperature" in r.params)));
  const legacy = await runCli(
    gen(
      v,
      data,
      `${dir}/b.jsonl`,
      "--batch",
      "--temperature",
      "0.3",
      "--anthropic-version",
      "2023-06-01",
      ...POLL,
    ),
    { env: v.env(sim) },
  );
  assertPiped(legacy, 0, /Done: 4 ok/);
  assert.equal(creates()[1].headers.get("anthropic-version"), "2023-06-01");
  assert.ok(params(1).every((r) => r.params.temperature === 0.3));
  await Deno.remove(dir, { recursive: true });
});
