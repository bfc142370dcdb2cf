import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { type BatchOutcome, type SimOptions, startAnthropicSim } from "./mod.ts";

const MODEL = "claude-sonnet-4-5";

function client(url: string): Anthropic {
  return new Anthropic({ baseURL: url, apiKey: "sk-ant-test", maxRetries: 0 });
}

function req(customId: string, content = customId, params: Record<string, unknown> = {}) {
  return {
    custom_id: customId,
    params: { model: MODEL, max_tokens: 50, messages: [{ role: "user" as const, content }], ...params },
  } as Anthropic.Messages.BatchCreateParams.Request;
}

async function sim(options: SimOptions = {}) {
  return await startAnthropicSim({ respond: (r) => `answer to ${r.body.messages[0].content}`, ...options });
}

async function results(c: Anthropic, id: string) {
  const out: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
  for await (const r of await c.messages.batches.results(id)) out.push(r);
  return out;
}

Deno.test("anthropic batch: create, poll in_progress -> ended, results through the SDK's JSONL decoder", async () => {
  await using s = await sim();
  const c = client(s.url);
  const b = await c.messages.batches.create({ requests: [req("a"), req("b"), req("c")] });
  assert.match(b.id, /^msgbatch_01[A-Za-z0-9]{22}$/);
  assert.equal(b.type, "message_batch");
  assert.equal(b.processing_status, "in_progress");
  assert.deepEqual(b.request_counts, { processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
  assert.equal(b.results_url, null);
  assert.match(b.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(Date.parse(b.expires_at) - Date.parse(b.created_at), 24 * 3600_000);
  assert.equal(s.requests[0].headers.get("anthropic-version"), "2026-10-21");
  const ended = await c.messages.batches.retrieve(b.id);
  assert.equal(ended.processing_status, "ended");
  assert.ok(ended.ended_at);
  assert.equal(ended.results_url, `${s.url}/v1/messages/batches/${b.id}/results`);
  assert.deepEqual(ended.request_counts, {
    processing: 0,
    succeeded: 3,
    errored: 0,
    canceled: 0,
    expired: 0,
  });
  const got = await results(c, b.id);
  assert.deepEqual(got.map((r) => r.custom_id).sort(), ["a", "b", "c"]);
  for (const r of got) {
    assert.equal(r.result.type, "succeeded");
    if (r.result.type !== "succeeded") continue;
    assert.equal(r.result.message.model, "claude-sonnet-4-5-20250929");
    assert.deepEqual(
      r.result.message.content,
      [{ type: "text", text: `answer to ${r.custom_id}`, citations: undefined }].map(
        ({ type, text }) => ({ type, text }),
      ),
    );
    assert.equal(r.result.message.usage.service_tier, "batch");
  }
  assert.equal(
    s.requests.filter((r) => r.path === "/v1/messages").length,
    0,
    "batch requests are no message calls",
  );
});

Deno.test("anthropic batch: custom_id must match ^[a-zA-Z0-9_-]{1,64}$ and be unique; size limits", async () => {
  await using s = await sim({ batch: { maxRequests: 3, maxBytes: 2000 } });
  const c = client(s.url);
  for (const bad of ["django__django-11099.v2", "x".repeat(65), "", "a b"]) {
    await assert.rejects(c.messages.batches.create({ requests: [req(bad)] }), (e: unknown) => {
      assert.ok(e instanceof Anthropic.BadRequestError, JSON.stringify(bad));
      assert.match(
        e.message,
        /requests\.0\.custom_id: String should match pattern '\^\[a-zA-Z0-9_-\]\{1,64\}\$'/,
      );
      return true;
    });
  }
  await c.messages.batches.create({ requests: [req("x".repeat(64)), req("a-b_C9")] });
  await assert.rejects(
    c.messages.batches.create({ requests: [req("a"), req("a")] }),
    (e: unknown) => e instanceof Anthropic.BadRequestError && /Duplicate custom_id/.test(e.message),
  );
  await assert.rejects(
    c.messages.batches.create({ requests: ["1", "2", "3", "4"].map((id) => req(id)) }),
    (e: unknown) => e instanceof Anthropic.BadRequestError && /at most 3 items/.test(e.message),
  );
  await assert.rejects(
    c.messages.batches.create({ requests: [req("big", "x".repeat(3000))] }),
    (e: unknown) => e instanceof Anthropic.APIError && e.status === 413,
  );
  await assert.rejects(c.messages.batches.create({ requests: [] }), Anthropic.BadRequestError);
  assert.equal(s.batches.list().length, 1, "only the valid batch was created");
});

Deno.test("anthropic batch: per-request outcomes and params refused under 2026-10-21 end as errored / expired results", async () => {
  const plan: Record<string, BatchOutcome> = {
    over: { type: "errored", errorType: "overloaded_error" },
    late: { type: "expired" },
  };
  await using s = await sim({ models: [MODEL], batch: { outcome: (item) => plan[item.customId] } });
  const c = client(s.url);
  const b = await c.messages.batches.create({
    requests: [
      req("ok"),
      req("over"),
      req("late"),
      req("hot", "x", { temperature: 0.5 }),
      req("nomodel", "x", { model: "claude-nope" }),
    ],
  });
  s.batches.finish(b.id);
  const end = await c.messages.batches.retrieve(b.id);
  assert.deepEqual(end.request_counts, { processing: 0, succeeded: 1, errored: 3, canceled: 0, expired: 1 });
  const by = Object.fromEntries((await results(c, b.id)).map((r) => [r.custom_id, r.result]));
  assert.equal(by.ok.type, "succeeded");
  assert.equal(by.late.type, "expired");
  const err = (id: string) => {
    const r = by[id];
    assert.equal(r.type, "errored", id);
    return r.type === "errored" ? r.error : undefined;
  };
  assert.equal(err("over")?.error.type, "overloaded_error");
  assert.equal(err("over")?.type, "error");
  assert.equal(err("hot")?.error.type, "invalid_request_error");
  assert.equal(err("hot")?.error.message, "temperature: Extra inputs are not permitted");
  assert.equal(err("nomodel")?.error.type, "not_found_error");
  // Under 2023-06-01 the same sampling parameter is fine.
  const old = new Anthropic({
    baseURL: s.url,
    apiKey: "k",
    maxRetries: 0,
    defaultHeaders: { "anthropic-version": "2023-06-01" },
  });
  const b2 = await old.messages.batches.create({ requests: [req("hot", "x", { temperature: 0.5 })] });
  s.batches.finish(b2.id);
  assert.equal((await results(old, b2.id))[0].result.type, "succeeded");
});

Deno.test("anthropic batch: cancel -> canceling -> ended with canceled results; delete only once ended", async () => {
  await using s = await sim({ batch: { stepsPerPoll: 0, requestsPerStep: 1 } });
  const c = client(s.url);
  const b = await c.messages.batches.create({ requests: [req("a"), req("b"), req("c")] });
  s.batches.advance(b.id);
  assert.equal((await c.messages.batches.retrieve(b.id)).request_counts.succeeded, 1);
  await assert.rejects(c.messages.batches.delete(b.id), Anthropic.BadRequestError);
  await assert.rejects(
    c.messages.batches.results(b.id),
    (e: unknown) => e instanceof Anthropic.AnthropicError,
  );
  const canceling = await c.messages.batches.cancel(b.id);
  assert.equal(canceling.processing_status, "canceling");
  assert.ok(canceling.cancel_initiated_at);
  s.batches.advance(b.id);
  const ended = await c.messages.batches.retrieve(b.id);
  assert.equal(ended.processing_status, "ended");
  assert.deepEqual(ended.request_counts, {
    processing: 0,
    succeeded: 1,
    errored: 0,
    canceled: 2,
    expired: 0,
  });
  const types = (await results(c, b.id)).map((r) => r.result.type).sort();
  assert.deepEqual(types, ["canceled", "canceled", "succeeded"]);
  await assert.rejects(c.messages.batches.cancel(b.id), Anthropic.BadRequestError);
  assert.deepEqual(await c.messages.batches.delete(b.id), { id: b.id, type: "message_batch_deleted" });
  await assert.rejects(c.messages.batches.retrieve(b.id), Anthropic.NotFoundError);
});

Deno.test("anthropic batch: list pages (after_id / before_id), the clock and the 24 h window", async () => {
  let now = Date.UTC(2026, 5, 1);
  await using s = await sim({ batch: { stepsPerPoll: 0, now: () => now } });
  const c = client(s.url);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await c.messages.batches.create({ requests: [req("a")] })).id);
  const listed: string[] = [];
  for await (const b of c.messages.batches.list({ limit: 2 })) listed.push(b.id);
  assert.deepEqual(listed, [...ids].reverse(), "newest first, every page followed");
  const before = await (await fetch(`${s.url}/v1/messages/batches?limit=2&before_id=${ids[2]}`, {
    headers: { "x-api-key": "k", "anthropic-version": "2023-06-01" },
  })).json();
  assert.deepEqual(before.data.map((b: { id: string }) => b.id), [ids[4], ids[3]]);
  now += 24 * 3600_000;
  const expired = await c.messages.batches.retrieve(ids[0]);
  assert.equal(expired.processing_status, "ended");
  assert.equal(expired.request_counts.expired, 1);
  s.setOptions({ batch: { stepsPerPoll: 0, stepMs: 1000, now: () => now } });
  const timed = await c.messages.batches.create({ requests: [req("a")] });
  now += 1000;
  assert.equal((await c.messages.batches.retrieve(timed.id)).processing_status, "ended");
});

Deno.test("anthropic batch: faults: a dropped create still created the batch; a cut results download fails", async () => {
  await using s = await sim({ batch: { faults: [{ type: "drop" }] } });
  const c = client(s.url);
  await assert.rejects(
    c.messages.batches.create({ requests: [req("a")] }),
    (e: unknown) => e instanceof Anthropic.APIConnectionError,
  );
  const [lost] = s.batches.list();
  assert.equal(lost.status, "in_progress");
  s.batches.finish();
  // results() retrieves the batch (call 0), then downloads its results (call 1, cut after 40 bytes).
  s.setOptions({ batch: { faults: (n) => (n === 1 ? { type: "cut", atByte: 40 } : undefined) } });
  await assert.rejects(results(c, lost.id));
  assert.equal((await results(c, lost.id)).length, 1);
});
