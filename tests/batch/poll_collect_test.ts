import assert from "node:assert/strict";
import type { BatchApi } from "../../src/batch/api.ts";
import { collectBatch, type CollectStats, validationFailures } from "../../src/batch/collect.ts";
import { assignCustomIds } from "../../src/batch/custom_id.ts";
import { waitForBatches } from "../../src/batch/poll.ts";
import type { BatchInfo, BatchResult } from "../../src/batch/types.ts";
import { emptyUsage, SwebenchError } from "../../src/core/mod.ts";
import { itemsFor, VENDORS } from "./_vendors.ts";

for (const vendor of VENDORS) {
  Deno.test(`batch poll (${vendor.kind}): waits through 500s, 429s and a dropped connection, honouring retry-after`, async () => {
    let polls = 0;
    await using sim = await vendor.start({
      batch: {
        faults: (_n, req) => {
          if (req.method !== "GET" || !/batches\/[^/]+$/.test(req.path)) return undefined;
          polls++;
          return polls === 1
            ? { type: "status", status: 500 }
            : polls === 2
            ? { type: "status", status: 429, headers: { "retry-after": "7" } }
            : polls === 3
            ? { type: "drop" }
            : undefined;
        },
      },
    });
    const api = vendor.api(sim);
    const created = await api.create(itemsFor(api, vendor.model, ["a", "b"]), { tag: "swb-p" });
    const waits: number[] = [];
    const errors: string[] = [];
    const [done] = await waitForBatches(api, [created], {
      initialMs: 1_000,
      maxMs: 4_000,
      factor: 2,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
      onError: (e) => errors.push(e.kind),
    });
    assert.equal(done.state, "ended");
    assert.deepEqual(errors, ["server", "rate_limit", "connection"]);
    // Intervals grow x2 up to 4 s; the 429's retry-after (7 s) is waited in full.
    assert.deepEqual(waits.slice(0, 3), [1_000, 7_000, 4_000]);
  });
}

Deno.test("batch poll: a failure that is not transient (a revoked key) ends the wait at once", async () => {
  const vendor = VENDORS[0];
  await using sim = await vendor.start();
  const api = vendor.api(sim);
  const created = await api.create(itemsFor(api, vendor.model, ["a"]), { tag: "swb-k" });
  sim.setOptions({ apiKey: "sk-another-key-0000" });
  let sleeps = 0;
  const e = await waitForBatches(api, [created.id], {
    sleep: () => {
      sleeps++;
      return Promise.resolve();
    },
  }).catch((e) => e);
  assert.ok(e instanceof SwebenchError && e.kind === "authentication", String(e));
  assert.equal(sleeps, 0);
});

Deno.test("batch poll: several batches are followed together; Ctrl-C stops the wait, not the batches", async () => {
  const vendor = VENDORS[1];
  await using sim = await vendor.start({ batch: { stepsPerPoll: 0 } });
  const api = vendor.api(sim);
  const a = await api.create(itemsFor(api, vendor.model, ["a"]), { tag: "1" });
  const b = await api.create(itemsFor(api, vendor.model, ["b", "c"]), { tag: "2" });
  const controller = new AbortController();
  const seen: string[][] = [];
  let rounds = 0;
  const e = await waitForBatches(api, [a.id, b.id], {
    signal: controller.signal,
    onUpdate: (batches) => seen.push(batches.map((x) => x.state)),
    sleep: () => {
      if (++rounds === 1) sim.batches.finish(a.id);
      if (rounds === 3) controller.abort();
      return Promise.resolve();
    },
  }).catch((e) => e);
  assert.ok(e instanceof SwebenchError && e.kind === "interrupted", String(e));
  assert.match(e.message, /the batches keep running/);
  assert.deepEqual(seen[0], ["in_progress", "in_progress"]);
  assert.deepEqual(seen.at(-1), ["ended", "in_progress"]);
  assert.deepEqual(sim.batches.list().map((x) => x.status), ["ended", "in_progress"]);
});

/** A batch API whose results are given (for lines the simulators never write). */
function fakeApi(results: BatchResult[]): BatchApi {
  return {
    provider: "openai",
    results: async function* () {
      for (const r of results) yield r;
    },
  } as unknown as BatchApi;
}

function ended(ending: BatchInfo["ending"]): BatchInfo {
  return {
    id: "batch_1",
    state: "ended",
    ending,
    status: "x",
    createdAt: 0,
    counts: { total: 3, succeeded: 0, errored: 0, expired: 0, canceled: 0, processing: 0 },
    lineErrors: [],
  };
}

const ok = (customId: string): BatchResult => ({
  customId,
  type: "succeeded",
  response: { content: customId, model: "m", usage: emptyUsage(), finishReason: "stop" },
});

Deno.test("batch collect: every instance exactly once; unknown and repeated lines dropped; missing ones failed by the ending", async () => {
  const ids = assignCustomIds(["a", "b.c", "d"]);
  for (
    const [ending, missingType] of [["completed", "errored"], ["expired", "expired"], [
      "canceled",
      "canceled",
    ]] as const
  ) {
    const stats: CollectStats = { unknown: 0, repeated: 0, missing: 0 };
    const got: [string, string][] = [];
    const results = [ok("a"), ok("stranger"), ok(ids.customIdOf("b.c")!), ok("a")];
    for await (const r of collectBatch(fakeApi(results), ended(ending), ids, stats)) {
      got.push([r.instanceId, r.result.type]);
    }
    assert.deepEqual(got, [["a", "succeeded"], ["b.c", "succeeded"], ["d", missingType]]);
    assert.deepEqual(stats, { unknown: 1, repeated: 1, missing: 1 });
  }
});

Deno.test("batch collect: a batch refused at validation fails each instance with its own line's error", () => {
  const ids = assignCustomIds(["a", "b", "c"]);
  const batch = {
    ...ended("failed"),
    lineErrors: [
      {
        code: "model_mismatch",
        message: "The model 'gpt-4.1' differs from the model 'gpt-4o-mini'",
        line: 2,
        param: "body.model",
      },
    ],
  };
  const out = validationFailures(batch, ids, "openai");
  assert.deepEqual(out.map((r) => r.instanceId), ["a", "b", "c"]);
  const errors = out.map((r) => (r.result as { error: SwebenchError }).error);
  assert.ok(
    errors.every((e) => e.kind === "invalid_request"),
    "run-level: a corrected re-run sends them again",
  );
  assert.equal(
    errors[1].message,
    "openai: batch batch_1 refused line 2: The model 'gpt-4.1' differs from the model 'gpt-4o-mini' (model_mismatch)",
  );
  assert.equal(errors[1].code, "model_mismatch");
  assert.equal(errors[0].message, "openai: not run: batch batch_1 failed validation (1 line errors)");
});
