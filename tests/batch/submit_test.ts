import assert from "node:assert/strict";
import { assignCustomIds } from "../../src/batch/custom_id.ts";
import { type BatchJournal, JOURNAL_VERSION, readJournal } from "../../src/batch/journal.ts";
import {
  type JournalStore,
  journalStore,
  reconcileSubmission,
  sendSubmission,
  startSubmission,
} from "../../src/batch/submit.ts";
import { SwebenchError } from "../../src/core/mod.ts";
import { itemsOf, VENDORS } from "./_vendors.ts";

async function withStore(
  kind: string,
  f: (store: JournalStore, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const journal: BatchJournal = {
      version: JOURNAL_VERSION,
      provider: kind,
      kind,
      baseUrl: "http://127.0.0.1",
      model: "m",
      submissions: [],
    };
    await f(journalStore(`${dir}/p.jsonl.batch.json`, journal), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const IDS = ["django__django-11099", "getmoto__moto.694ce1f4.pr_5678", "sympy__sympy-20590"];
const PAIRS = assignCustomIds(IDS).pairs();

for (const vendor of VENDORS) {
  Deno.test(`batch submit (${vendor.kind}): the journal holds the submission before the create request is sent`, async () => {
    await withStore(vendor.kind, async (store) => {
      await using sim = await vendor.start();
      const seen: (BatchJournal | undefined)[] = [];
      // Read the journal from disk at the moment the create request leaves.
      const fetch: typeof globalThis.fetch = async (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        if (init?.method === "POST" && url.pathname === vendor.createPath) {
          seen.push(await readJournal(store.path));
        }
        return globalThis.fetch(input, init);
      };
      const api = vendor.api(sim, { fetch });
      const ids = assignCustomIds(IDS);
      const sub = await startSubmission(store, { ids: ids.pairs(), bytes: 1234, worstUsd: 0.5 });
      const batch = await sendSubmission(api, store, sub, itemsOf(api, vendor.model, ids.pairs()));
      assert.equal(seen.length, 1);
      const before = seen[0]!.submissions[0];
      assert.equal(before.state, "submitting");
      assert.equal(before.tag, sub.tag);
      assert.deepEqual(
        before.ids,
        ids.pairs(),
        "the custom_id -> instance map is on disk before the batch exists",
      );
      assert.equal(before.batchId, undefined);
      if (vendor.kind === "openai") {
        assert.match(before.inputFileId ?? "", /^file-/, "the uploaded file is journaled");
      }
      const after = (await readJournal(store.path))!.submissions[0];
      assert.equal(after.state, "submitted");
      assert.equal(after.batchId, batch.id);
      assert.equal(after.worstUsd, 0.5);
      assert.ok(after.submittedAt);
    });
  });

  Deno.test(`batch submit (${vendor.kind}): a create whose answer is lost is found and adopted; nothing is sent twice`, async () => {
    await withStore(vendor.kind, async (store) => {
      await using sim = await vendor.start({
        batch: {
          faults: (_n, req) =>
            req.method === "POST" && req.path === vendor.createPath ? { type: "drop" } : undefined,
        },
      });
      const api = vendor.api(sim);
      const sub = await startSubmission(store, { ids: assignCustomIds(IDS).pairs(), bytes: 1 });
      const batch = await sendSubmission(api, store, sub, itemsOf(api, vendor.model, PAIRS));
      assert.equal(sim.batches.list().length, 1, "one batch at the provider");
      assert.equal(batch.id, sim.batches.list()[0].id);
      const journaled = (await readJournal(store.path))!.submissions;
      assert.equal(journaled.length, 1);
      assert.equal(journaled[0].state, "submitted");
      assert.equal(journaled[0].batchId, batch.id);
      assert.equal(sim.requests.filter((r) => r.method === "POST" && r.path === vendor.createPath).length, 1);
    });
  });

  Deno.test(`batch submit (${vendor.kind}): a refused create leaves no submission in the journal`, async () => {
    await withStore(vendor.kind, async (store) => {
      await using sim = await vendor.start({
        batch: {
          faults: (_n, req) =>
            req.method === "POST" && req.path === vendor.createPath
              ? { type: "status", status: 400, message: "Invalid request" }
              : undefined,
        },
      });
      const api = vendor.api(sim);
      const sub = await startSubmission(store, { ids: assignCustomIds(IDS).pairs(), bytes: 1 });
      const e = await sendSubmission(api, store, sub, itemsOf(api, vendor.model, PAIRS)).catch((e) => e);
      assert.ok(e instanceof SwebenchError && e.kind === "invalid_request", String(e));
      assert.deepEqual((await readJournal(store.path))!.submissions, []);
      assert.equal(sim.batches.list().length, 0);
    });
  });

  Deno.test(`batch submit (${vendor.kind}): a lost create that made nothing stays 'submitting'; the next run sends it once`, async () => {
    await withStore(vendor.kind, async (store) => {
      // The create request never reaches the API: the connection is refused.
      let refuse = true;
      await using sim = await vendor.start();
      const fetch: typeof globalThis.fetch = (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        if (refuse && init?.method === "POST" && url.pathname === vendor.createPath) {
          return Promise.reject(
            new TypeError("fetch failed", { cause: new Error("Connection refused (os error 111)") }),
          );
        }
        return globalThis.fetch(input, init);
      };
      const api = vendor.api(sim, { fetch });
      const sub = await startSubmission(store, { ids: assignCustomIds(IDS).pairs(), bytes: 1 });
      const e = await sendSubmission(api, store, sub, itemsOf(api, vendor.model, PAIRS)).catch((e) => e);
      assert.ok(e instanceof SwebenchError && e.kind === "connection", String(e));
      assert.match(e.hint, /Re-run the same command: it looks for this batch/);
      assert.equal((await readJournal(store.path))!.submissions[0].state, "submitting");
      // The next run: nothing to adopt, so the same submission (same tag, same ids) is sent.
      refuse = false;
      const again = (await readJournal(store.path))!;
      const resumed = journalStore(store.path, again);
      assert.equal(await reconcileSubmission(api, resumed, again.submissions[0]), undefined);
      const batch = await sendSubmission(
        api,
        resumed,
        again.submissions[0],
        itemsOf(api, vendor.model, PAIRS),
      );
      assert.equal(sim.batches.list().length, 1);
      assert.equal((await readJournal(store.path))!.submissions[0].batchId, batch.id);
      assert.equal((await readJournal(store.path))!.submissions[0].tag, sub.tag);
    });
  });
}

Deno.test("batch submit (anthropic): two batches that may be the lost one stop the run; after cancelling one, the other is adopted", async () => {
  await withStore("anthropic", async (store) => {
    const vendor = VENDORS[1];
    await using sim = await vendor.start({ batch: { stepsPerPoll: 0 } });
    const api = vendor.api(sim);
    const sub = await startSubmission(store, { ids: assignCustomIds(IDS).pairs(), bytes: 1 });
    // Two batches of the same size appear (another run on the same key, or ours and a twin).
    const one = await api.create(itemsOf(api, vendor.model, PAIRS), { tag: "x" });
    const two = await api.create(itemsOf(api, vendor.model, PAIRS), { tag: "y" });
    const e = await reconcileSubmission(api, store, sub).catch((e) => e);
    assert.ok(e instanceof SwebenchError && e.kind === "config", String(e));
    assert.ok(e.message.includes(one.id) && e.message.includes(two.id));
    assert.match(e.hint, /Nothing was submitted.*swebench batch cancel/s);
    assert.equal((await readJournal(store.path))!.submissions[0].state, "submitting");
    await api.cancel(two.id);
    const adopted = await reconcileSubmission(api, store, sub);
    assert.equal(adopted?.id, one.id);
    assert.equal((await readJournal(store.path))!.submissions[0].batchId, one.id);
  });
});
