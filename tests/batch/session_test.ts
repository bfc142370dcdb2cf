import assert from "node:assert/strict";
import { JOURNAL_VERSION, readJournal, writeJournal } from "../../src/batch/journal.ts";
import {
  collectOpenBatches,
  openJournal,
  openWorstUsd,
  settleSubmissions,
  submitRequests,
} from "../../src/batch/session.ts";
import type { InstanceResult } from "../../src/batch/collect.ts";
import type { SwebenchError } from "../../src/core/mod.ts";
import { requestFor, VENDORS } from "./_vendors.ts";

const instant = { initialMs: 1, maxMs: 1, sleep: () => Promise.resolve() };

for (const vendor of VENDORS) {
  Deno.test(`batch session (${vendor.kind}): submit split to the limits, wait, collect each instance once, journal it all`, async () => {
    await using sim = await vendor.start();
    const api = vendor.api(sim);
    const small = { ...api, limits: { ...api.limits, maxRequests: 2 } };
    const dir = await Deno.makeTempDir();
    const path = `${dir}/p.jsonl.batch.json`;
    const owner = { provider: vendor.kind, kind: vendor.kind, baseUrl: api.baseUrl, model: vendor.model };
    const store = await openJournal(path, owner);
    // SWE-smith ids do not fit Anthropic's custom_id pattern: mapped and back.
    const ids = ["django__django-11099", "pandas-dev__pandas.95280573.pr_53652", "sympy__sympy-20590"];
    const created = await submitRequests(
      small,
      store,
      ids.map((id) => ({ instanceId: id, request: requestFor(vendor.model, id), worstUsd: 0.25 })),
    );
    assert.equal(created.length, 2, "3 requests, 2 per batch");
    const onDisk = (await readJournal(path))!;
    assert.deepEqual(onDisk.submissions.map((s) => [s.state, s.requests, s.worstUsd]), [
      ["submitted", 2, 0.5],
      ["submitted", 1, 0.25],
    ]);
    assert.equal(openWorstUsd(onDisk), 0.75);
    const results: InstanceResult[] = [];
    const updates: string[][] = [];
    await collectOpenBatches(api, store, {
      ...instant,
      onUpdate: (b) => updates.push(b.map((x) => x.state)),
      onResult: (r) => {
        results.push(r);
        return Promise.resolve();
      },
    });
    assert.deepEqual(results.map((r) => r.instanceId).sort(), [...ids].sort());
    for (const r of results) {
      assert.equal(r.result.type, "succeeded");
      if (r.result.type === "succeeded") {
        assert.equal(r.result.response.content, `answer to fix ${r.instanceId}`);
      }
    }
    assert.deepEqual(updates.at(-1), ["ended", "ended"]);
    const done = (await readJournal(path))!;
    assert.deepEqual(done.submissions.map((s) => s.state), ["collected", "collected"]);
    assert.equal(openWorstUsd(done), 0);
    // A collection cut short: results already written are not handed on again.
    const again = (await readJournal(path))!;
    again.submissions[0].state = "ended";
    await writeJournal(path, again);
    const second: string[] = [];
    await collectOpenBatches(api, await openJournal(path, owner), {
      ...instant,
      isDone: (id) => id === ids[0],
      onResult: (r) => {
        second.push(r.instanceId);
        return Promise.resolve();
      },
    });
    assert.deepEqual(second, [ids[1]]);
    await Deno.remove(dir, { recursive: true });
  });

  Deno.test(`batch session (${vendor.kind}): a submission left 'submitting' is adopted when its batch exists, dropped when none was made`, async () => {
    await using sim = await vendor.start();
    const api = vendor.api(sim);
    const dir = await Deno.makeTempDir();
    const path = `${dir}/p.jsonl.batch.json`;
    const owner = { provider: vendor.kind, kind: vendor.kind, baseUrl: api.baseUrl, model: vendor.model };
    const store = await openJournal(path, owner);
    await submitRequests(api, store, [{ instanceId: "a", request: requestFor(vendor.model, "a") }]);
    // As if killed after the create was sent but before its answer was journaled:
    const j = (await readJournal(path))!;
    const made = j.submissions[0].batchId!;
    delete j.submissions[0].batchId;
    j.submissions[0].state = "submitting";
    // ... and a second one killed before its create was sent.
    j.submissions.push({
      tag: "swb-00000000000000ff",
      state: "submitting",
      startedAt: new Date().toISOString(),
      requests: 1,
      bytes: 100,
      ids: [["b", "b"]],
    });
    await writeJournal(path, j);
    const resumed = await openJournal(path, owner);
    const dropped = await settleSubmissions(api, resumed);
    assert.deepEqual(dropped.map((s) => s.tag), ["swb-00000000000000ff"]);
    const after = (await readJournal(path))!;
    assert.deepEqual(after.submissions.map((s) => [s.state, s.batchId]), [["submitted", made]]);
    assert.equal(sim.batches.list().length, 1, "nothing sent twice");
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("batch session: a journal of another model with open batches is refused; one fully collected is replaced", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/p.jsonl.batch.json`;
  const owner = {
    provider: "openai",
    kind: "openai",
    baseUrl: "https://api.openai.com/v1",
    model: "gpt-4o-mini",
  };
  const sub = {
    tag: "swb-0000000000000001",
    state: "submitted" as const,
    startedAt: "2026-12-01T00:00:00.000Z",
    requests: 1,
    bytes: 10,
    ids: [["a", "a"]] as [string, string][],
    batchId: "batch_1",
  };
  await writeJournal(path, { version: JOURNAL_VERSION, ...owner, model: "gpt-4.1", submissions: [sub] });
  await assert.rejects(
    () => openJournal(path, owner),
    (e: SwebenchError) =>
      e.kind === "config" && /lists 1 open batch\(es\) of openai:gpt-4\.1/.test(e.message) &&
      /swebench batch cancel .*p\.jsonl/.test(e.hint ?? ""),
  );
  await writeJournal(path, {
    version: JOURNAL_VERSION,
    ...owner,
    model: "gpt-4.1",
    submissions: [{ ...sub, state: "collected" }],
  });
  const store = await openJournal(path, owner);
  assert.equal(store.journal.model, "gpt-4o-mini");
  assert.deepEqual(store.journal.submissions, []);
  await Deno.remove(dir, { recursive: true });
});
