import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI, { toFile } from "openai";
import { collectBatch, type CollectStats } from "../../src/batch/collect.ts";
import { assignCustomIds } from "../../src/batch/custom_id.ts";
import { createAnthropicBatchApi } from "../../src/batch/anthropic_api.ts";
import { createOpenAIBatchApi, TAG_KEY } from "../../src/batch/openai_api.ts";
import { waitForBatches } from "../../src/batch/poll.ts";
import type { BatchInfo, BatchResult } from "../../src/batch/types.ts";
import { SwebenchError } from "../../src/core/mod.ts";
import { itemsFor, VENDORS } from "./_vendors.ts";

const instant = { initialMs: 1, maxMs: 1, sleep: () => Promise.resolve() };

async function allResults(
  api: ReturnType<typeof VENDORS[0]["api"]>,
  batch: BatchInfo,
): Promise<BatchResult[]> {
  const out: BatchResult[] = [];
  for await (const r of api.results(batch)) out.push(r);
  return out;
}

for (const vendor of VENDORS) {
  Deno.test(`batch api (${vendor.kind}): create, poll to the end, read every result back by custom_id`, async () => {
    await using sim = await vendor.start();
    const api = vendor.api(sim);
    const ids = ["django__django-11099", "astropy__astropy-12907", "sympy__sympy-20590"];
    const created = await api.create(itemsFor(api, vendor.model, ids), { tag: "swb-0000000000000001" });
    assert.match(created.id, vendor.kind === "openai" ? /^batch_/ : /^msgbatch_/);
    assert.notEqual(created.state, "ended");
    if (vendor.kind === "openai") assert.equal(created.metadata?.[TAG_KEY], "swb-0000000000000001");
    const updates: string[] = [];
    const [done] = await waitForBatches(api, [created.id], {
      ...instant,
      onUpdate: ([b]) => updates.push(b.state),
    });
    assert.equal(done.state, "ended");
    assert.equal(done.ending, "completed");
    assert.equal(updates.at(-1), "ended");
    assert.deepEqual(
      { total: done.counts.total, succeeded: done.counts.succeeded, processing: done.counts.processing },
      { total: 3, succeeded: 3, processing: 0 },
    );
    const results = await allResults(api, done);
    assert.deepEqual(results.map((r) => r.customId).sort(), [...ids].sort());
    for (const r of results) {
      assert.equal(r.type, "succeeded");
      if (r.type === "succeeded") {
        assert.equal(r.response.content, `answer to fix ${r.customId}`);
        assert.ok(r.response.usage.promptTokens > 0 && r.response.usage.completionTokens > 0);
      }
    }
    assert.equal(
      sim.requests.filter((r) => /chat\/completions|\/v1\/messages$/.test(r.path)).length,
      0,
      "no model call",
    );
  });

  Deno.test(`batch api (${vendor.kind}): errored, timed-out and expired requests come back as typed failures`, async () => {
    await using sim = await vendor.start({
      batch: {
        stepsPerPoll: 0,
        outcome: ({ customId }) =>
          customId === "bad"
            ? {
              type: "errored",
              status: 400,
              code: "invalid_value",
              errorType: "invalid_request_error",
              message: "Invalid 'messages'.",
            }
            : customId === "late"
            ? { type: "expired" }
            : customId === "slow"
            ? { type: "timeout" }
            : undefined,
      },
    });
    const api = vendor.api(sim);
    const names = ["ok", "bad", "late", "slow"];
    const created = await api.create(itemsFor(api, vendor.model, names), { tag: "swb-2" });
    sim.batches.advance(created.id, 3);
    sim.batches.expire(created.id);
    const done = await api.retrieve(created.id);
    assert.equal(done.state, "ended");
    assert.equal(done.ending, "expired");
    const stats: CollectStats = { unknown: 0, repeated: 0, missing: 0 };
    const byInstance = new Map<string, BatchResult>();
    const ids = assignCustomIds(names);
    for await (const r of collectBatch(api, done, ids, stats)) {
      assert.ok(!byInstance.has(r.instanceId), "each instance once");
      byInstance.set(r.instanceId, r.result);
    }
    assert.equal(byInstance.size, 4);
    assert.equal(byInstance.get("ok")?.type, "succeeded");
    const bad = byInstance.get("bad");
    assert.equal(bad?.type, "errored");
    if (bad?.type === "errored") {
      assert.equal(bad.error.kind, "invalid_request");
      assert.match(bad.error.message, /Invalid 'messages'/);
    }
    assert.equal(byInstance.get("late")?.type, "expired");
    const slow = byInstance.get("slow");
    assert.equal(slow?.type, "errored");
    // OpenAI says request_timeout; Anthropic only has api_error for it.
    if (slow?.type === "errored") {
      assert.equal(slow.error.kind, vendor.kind === "openai" ? "timeout" : "server");
    }
    assert.deepEqual(stats, { unknown: 0, repeated: 0, missing: 0 });
  });

  Deno.test(`batch api (${vendor.kind}): cancel ends the batch; unfinished requests come back canceled`, async () => {
    await using sim = await vendor.start({ batch: { stepsPerPoll: 0, requestsPerStep: 1 } });
    const api = vendor.api(sim);
    const created = await api.create(itemsFor(api, vendor.model, ["a", "b", "c"]), { tag: "swb-3" });
    sim.batches.advance(created.id, vendor.kind === "openai" ? 2 : 1); // one request done
    const canceling = await api.cancel(created.id);
    assert.equal(canceling.state, "canceling");
    sim.batches.finish(created.id);
    const done = await api.retrieve(created.id);
    assert.equal(done.ending, "canceled");
    const types = (await allResults(api, done)).map((r) => r.type).sort();
    assert.deepEqual(types, ["canceled", "canceled", "succeeded"]);
  });

  Deno.test(`batch api (${vendor.kind}): list pages newest first; findLost finds a batch by ${vendor.kind === "openai" ? "tag" : "time and size"}`, async () => {
    await using sim = await vendor.start();
    const api = vendor.api(sim);
    const since = Date.now();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(
        (await api.create(itemsFor(api, vendor.model, Array.from({ length: i + 1 }, (_, j) => `i${j}`)), {
          tag: `swb-${i}`,
        })).id,
      );
    }
    const first = await api.list({ limit: 2 });
    assert.deepEqual(first.batches.map((b) => b.id), [made[4], made[3]]);
    assert.equal(first.next, made[3]);
    const second = await api.list({ limit: 2, after: first.next });
    assert.deepEqual(second.batches.map((b) => b.id), [made[2], made[1]]);
    const last = await api.list({ limit: 2, after: second.next });
    assert.deepEqual(last.batches.map((b) => b.id), [made[0]]);
    assert.equal(last.next, undefined);
    const found = await api.findLost({ tag: "swb-2", since, requests: 3 });
    assert.deepEqual(found.map((b) => b.id), [made[2]]);
    assert.deepEqual(await api.findLost({ tag: "swb-9", since, requests: 9 }), []);
    // Batches from before the submission began (minus the clock skew) are never candidates.
    assert.deepEqual(await api.findLost({ tag: "swb-2", since: Date.now() + 3_600_000, requests: 3 }), []);
  });

  Deno.test(`batch api (${vendor.kind}): a wrong id is a usage error; a wrong key authentication, without the key in it`, async () => {
    await using sim = await vendor.start();
    const api = vendor.api(sim);
    const missing = await api.retrieve("batch_nope").catch((e) => e);
    assert.ok(missing instanceof SwebenchError);
    assert.equal(missing.kind, "usage");
    assert.equal(missing.exitCode, 2);
    assert.match(missing.message, /no (message )?batch batch_nope at http:\/\/127\.0\.0\.1/);
    assert.match(missing.hint, /swebench batch list/);
    const wrongKey = "sk-wrong-key-9876543210";
    const bad = await vendor.api(sim, { apiKey: wrongKey }).list().catch((e) => e);
    assert.ok(bad instanceof SwebenchError);
    assert.equal(bad.kind, "authentication");
    assert.ok(
      !JSON.stringify({ ...bad.toJSON(true), message: bad.message, hint: bad.hint }).includes(wrongKey),
    );
  });
}

Deno.test("batch api (openai): a batch refused at validation reports the API's line-level errors", async () => {
  const vendor = VENDORS[0];
  await using sim = await vendor.start();
  const api = vendor.api(sim);
  const items = [
    ...itemsFor(api, "gpt-4o-mini", ["a"]),
    ...itemsFor(api, "gpt-4.1", ["b"]),
    ...itemsFor(api, "gpt-4o-mini", ["a"]),
  ];
  const created = await api.create(items, { tag: "swb-v" });
  const [done] = await waitForBatches(api, [created.id], instant);
  assert.equal(done.ending, "failed");
  assert.deepEqual(done.lineErrors.map((e) => [e.line, e.code]), [[2, "model_mismatch"], [
    3,
    "duplicate_custom_id",
  ]]);
  assert.deepEqual(await allResults(api, done), [], "a failed batch has no results");
});

Deno.test("batch api: without a key for the official host, a config error before any request", async () => {
  let calls = 0;
  const fetch = (() => {
    calls++;
    return Promise.reject(new Error("no network in this test"));
  }) as typeof globalThis.fetch;
  for (const api of [createOpenAIBatchApi({ fetch }), createAnthropicBatchApi({ fetch })]) {
    for (
      const attempt of [() => api.list(), () => api.retrieve("x"), () => api.create(["{}"], { tag: "t" })]
    ) {
      const e = await attempt().catch((e) => e);
      assert.ok(e instanceof SwebenchError && e.kind === "config", String(e));
      assert.match(
        e.message,
        /no API key for https:\/\/api\.(openai|anthropic)\.com.*: set (OPENAI|ANTHROPIC)_API_KEY/,
      );
    }
  }
  assert.equal(calls, 0);
});

Deno.test("batch api (openai): our upload and create send what the openai client sends; each reads the other's batch", async () => {
  const vendor = VENDORS[0];
  await using sim = await vendor.start();
  const api = vendor.api(sim);
  const items = itemsFor(api, "gpt-4o-mini", ["a", "b"]);
  const ours = await api.create(items, { tag: "swb-cmp" });
  const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: vendor.key, maxRetries: 0 });
  const file = await client.files.create({
    file: await toFile(new TextEncoder().encode(items.join("\n") + "\n"), "x.jsonl"),
    purpose: "batch",
  });
  const theirs = await client.batches.create({
    input_file_id: file.id,
    endpoint: "/v1/chat/completions",
    completion_window: "24h",
    metadata: { [TAG_KEY]: "swb-cmp2" },
  });
  const [ourUpload, ourCreate, theirUpload, theirCreate] = sim.requests.filter((r) => r.method === "POST");
  for (const [a, b] of [[ourUpload, theirUpload], [ourCreate, theirCreate]]) {
    assert.equal(a.path, b.path);
    assert.equal(a.headers.get("content-type")?.split(";")[0], b.headers.get("content-type")?.split(";")[0]);
    assert.equal(a.headers.get("authorization"), b.headers.get("authorization"));
  }
  assert.deepEqual(Object.keys(ourCreate.body).sort(), Object.keys(theirCreate.body).sort());
  // The uploaded bytes are the same lines.
  const inputFile = (await client.batches.retrieve(ours.id)).input_file_id;
  assert.equal(await (await client.files.content(inputFile)).text(), items.join("\n") + "\n");
  assert.equal((await client.files.retrieve(inputFile)).filename, "swebench-swb-cmp.jsonl");
  // Each reads the other's batch.
  sim.batches.finish();
  const mine = await api.retrieve(theirs.id);
  assert.equal(mine.ending, "completed");
  assert.equal(mine.metadata?.[TAG_KEY], "swb-cmp2");
  const sdkView = await client.batches.retrieve(ours.id);
  assert.equal(sdkView.status, "completed");
  const output = await (await client.files.content(sdkView.output_file_id!)).text();
  const ourResults = await allResults(api, await api.retrieve(ours.id));
  assert.equal(output.trim().split("\n").length, ourResults.length);
});

Deno.test("batch api (anthropic): our create sends what @anthropic-ai/sdk sends; each reads the other's batch", async () => {
  const vendor = VENDORS[1];
  await using sim = await vendor.start();
  const api = vendor.api(sim);
  const items = itemsFor(api, "claude-sonnet-4-5", ["a", "b"]);
  const ours = await api.create(items, { tag: "swb-a" });
  const client = new Anthropic({
    baseURL: sim.url,
    apiKey: vendor.key,
    maxRetries: 0,
  });
  const theirs = await client.messages.batches.create({ requests: items.map((i) => JSON.parse(i)) });
  const [ourCreate, theirCreate] = sim.requests.filter((r) => r.method === "POST");
  assert.equal(ourCreate.path, theirCreate.path);
  assert.deepEqual(ourCreate.body, theirCreate.body, "the same JSON body");
  assert.equal(ourCreate.headers.get("x-api-key"), vendor.key);
  // Both send the current API version (the SDK's default).
  assert.equal(ourCreate.headers.get("anthropic-version"), "2026-10-21");
  assert.equal(theirCreate.headers.get("anthropic-version"), "2026-10-21");
  sim.batches.finish();
  const sdkResults = [];
  for await (const r of await client.messages.batches.results(ours.id)) sdkResults.push(r.custom_id);
  assert.deepEqual(sdkResults.sort(), ["a", "b"]);
  const mine = await allResults(api, await api.retrieve(theirs.id));
  assert.deepEqual(mine.map((r) => r.type), ["succeeded", "succeeded"]);
  // Results are read under our base URL, never from another origin.
  const resultsCalls = sim.requests.filter((r) => r.path.endsWith("/results"));
  assert.ok(resultsCalls.length >= 2);
});
