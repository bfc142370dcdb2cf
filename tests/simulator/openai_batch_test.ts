import assert from "node:assert/strict";
import OpenAI, { toFile } from "openai";
import { type BatchOutcome, type SimOptions, startOpenAISim } from "./mod.ts";

const MODEL = "gpt-4o-mini";

function client(url: string, apiKey = "sk-test-000000000000"): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });
}

/** A batch input line for chat completions. */
function line(
  customId: string,
  content: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    custom_id: customId,
    method: "POST",
    url: "/v1/chat/completions",
    body: { model: MODEL, messages: [{ role: "user", content }], max_tokens: 50 },
    ...extra,
  };
}

const jsonl = (lines: unknown[]) =>
  lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n";

async function upload(c: OpenAI, lines: unknown[], name = "input.jsonl") {
  return await c.files.create({
    file: await toFile(new TextEncoder().encode(jsonl(lines)), name),
    purpose: "batch",
  });
}

async function submit(c: OpenAI, lines: unknown[]) {
  const file = await upload(c, lines);
  return await c.batches.create({
    input_file_id: file.id,
    endpoint: "/v1/chat/completions",
    completion_window: "24h",
    metadata: { run: "test" },
  });
}

/** Lines of a file as JSON. */
async function fileLines(c: OpenAI, id: string | null | undefined) {
  assert.ok(id, "the file exists");
  const text = await (await c.files.content(id)).text();
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

async function sim(options: SimOptions = {}) {
  return await startOpenAISim({ respond: (req) => `answer to ${req.body.messages[0].content}`, ...options });
}

Deno.test("openai batch: upload, create, poll through validating -> in_progress -> finalizing -> completed, read the output", async () => {
  await using s = await sim();
  const c = client(s.url);
  const file = await upload(c, [line("a", "one"), line("b", "two"), line("c", "three")]);
  assert.equal(file.purpose, "batch");
  assert.equal(file.object, "file");
  assert.match(file.id, /^file-[A-Za-z0-9]{22}$/);
  assert.ok(file.bytes > 100);
  assert.equal(s.requests[0].headers.get("content-type")?.startsWith("multipart/form-data"), true);
  const created = await c.batches.create({
    input_file_id: file.id,
    endpoint: "/v1/chat/completions",
    completion_window: "24h",
  });
  assert.equal(created.status, "validating");
  assert.match(created.id, /^batch_[0-9a-f]{32}$/);
  assert.deepEqual(created.request_counts, { total: 0, completed: 0, failed: 0 });
  assert.equal(created.model, "gpt-4o-mini-2024-07-18");
  assert.equal((created.expires_at ?? 0) - created.created_at, 86400);
  const seen: string[] = [];
  let b = created;
  for (let i = 0; i < 10 && b.status !== "completed"; i++) {
    b = await c.batches.retrieve(created.id);
    seen.push(b.status);
  }
  assert.deepEqual(seen, ["in_progress", "finalizing", "completed"]);
  assert.deepEqual(b.request_counts, { total: 3, completed: 3, failed: 0 });
  assert.ok(b.in_progress_at && b.finalizing_at && b.completed_at);
  assert.equal(b.error_file_id, null);
  assert.ok((b.usage?.input_tokens ?? 0) > 0 && (b.usage?.output_tokens ?? 0) > 0);
  const out = await fileLines(c, b.output_file_id);
  assert.deepEqual(out.map((l) => l.custom_id).sort(), ["a", "b", "c"]);
  assert.notDeepEqual(out.map((l) => l.custom_id), ["a", "b", "c"], "not in input order, as the API warns");
  for (const l of out) {
    assert.match(l.id, /^batch_req_[0-9a-f]{32}$/);
    assert.equal(l.error, null);
    assert.equal(l.response.status_code, 200);
    assert.equal(l.response.body.model, "gpt-4o-mini-2024-07-18");
    assert.ok(l.response.body.choices[0].message.content.startsWith("answer to "));
  }
  const outFile = await c.files.retrieve(b.output_file_id as string);
  assert.equal(outFile.purpose, "batch_output");
  assert.equal(outFile.filename, `batch_${b.id}_output.jsonl`);
  assert.equal(
    s.requests.filter((r) => r.path === "/v1/chat/completions").length,
    0,
    "batch lines are no chat calls",
  );
});

Deno.test("openai batch: progress by hand (stepsPerPoll 0, requestsPerStep), counts move, list pages with after/limit", async () => {
  await using s = await sim({ batch: { stepsPerPoll: 0, requestsPerStep: 2 } });
  const c = client(s.url);
  const b = await submit(c, ["a", "b", "c", "d", "e"].map((id) => line(id, id)));
  assert.equal((await c.batches.retrieve(b.id)).status, "validating", "no step without advance()");
  s.batches.advance(b.id);
  s.batches.advance(b.id);
  let now = await c.batches.retrieve(b.id);
  assert.equal(now.status, "in_progress");
  assert.deepEqual(now.request_counts, { total: 5, completed: 2, failed: 0 });
  s.batches.advance(b.id, 2);
  now = await c.batches.retrieve(b.id);
  assert.equal(now.status, "finalizing");
  s.batches.finish();
  assert.deepEqual(s.batches.list().map((x) => x.status), ["completed"]);
  for (let i = 0; i < 4; i++) await submit(c, [line("x", "y")]);
  const ids: string[] = [];
  for await (const x of c.batches.list({ limit: 2 })) ids.push(x.id);
  assert.equal(ids.length, 5);
  assert.equal(new Set(ids).size, 5);
  assert.equal(ids[4], b.id, "newest first");
  assert.ok(
    s.requests.some((r) => r.path === "/v1/batches" && r.search.includes("after=")),
    "pages followed after=",
  );
});

Deno.test("openai batch: a file that fails validation: status failed with line-level errors.data", async () => {
  await using s = await sim();
  const c = client(s.url);
  const other = line("m", "x");
  (other.body as Record<string, unknown>).model = "gpt-4.1";
  const b = await submit(c, [
    line("a", "ok"),
    "{not json",
    line("a", "duplicate id"),
    line("u", "x", { url: "/v1/completions" }),
    other,
    { custom_id: "n", method: "POST", url: "/v1/chat/completions" },
  ]);
  const failed = await c.batches.retrieve(b.id);
  assert.equal(failed.status, "failed");
  assert.ok(failed.failed_at);
  assert.equal(failed.errors?.object, "list");
  const byLine = Object.fromEntries((failed.errors?.data ?? []).map((e) => [e.line, e.code]));
  assert.deepEqual(byLine, {
    2: "invalid_json_line",
    3: "duplicate_custom_id",
    4: "url_mismatch",
    5: "model_mismatch",
    6: "missing_required_parameter",
  });
  assert.equal(failed.errors?.data?.[0].message, "This line is not parseable as valid JSON.");
  assert.equal(failed.output_file_id, null);
  assert.equal((await c.batches.retrieve(b.id)).status, "failed", "failed is final");

  s.setOptions({ batch: { maxRequests: 2 } });
  const many = await submit(c, [line("1", "x"), line("2", "x"), line("3", "x")]);
  const tooMany = await c.batches.retrieve(many.id);
  assert.equal(tooMany.status, "failed");
  assert.equal(tooMany.errors?.data?.[0].code, "too_many_tasks");
  const empty = await c.batches.create({
    input_file_id:
      (await c.files.create({ file: await toFile(new Uint8Array(), "e.jsonl"), purpose: "batch" })).id,
    endpoint: "/v1/chat/completions",
    completion_window: "24h",
  });
  assert.equal((await c.batches.retrieve(empty.id)).errors?.data?.[0].code, "empty_file");
});

Deno.test("openai batch: per-request outcomes: errored lines, a timeout, expired ones end the batch expired", async () => {
  const plan: Record<string, BatchOutcome> = {
    b: { type: "errored", status: 400, message: "Invalid 'messages'." },
    c: { type: "timeout" },
    d: { type: "expired" },
    e: { type: "expired" },
  };
  await using s = await sim({ batch: { outcome: (item) => plan[item.customId] } });
  const c = client(s.url);
  const b = await submit(c, ["a", "b", "c", "d", "e"].map((id) => line(id, id)));
  s.batches.finish(b.id);
  const end = await c.batches.retrieve(b.id);
  assert.equal(end.status, "expired");
  assert.ok(end.expired_at);
  assert.deepEqual(end.request_counts, { total: 5, completed: 1, failed: 2 });
  const out = await fileLines(c, end.output_file_id);
  assert.deepEqual(out.map((l) => l.custom_id), ["a"]);
  const errs = Object.fromEntries((await fileLines(c, end.error_file_id)).map((l) => [l.custom_id, l]));
  assert.equal(errs.b.response.status_code, 400);
  assert.equal(errs.b.response.body.error.message, "Invalid 'messages'.");
  assert.equal(errs.b.error, null);
  assert.equal(errs.c.response, null);
  assert.equal(errs.c.error.code, "request_timeout");
  for (const id of ["d", "e"]) {
    assert.equal(errs[id].response, null);
    assert.equal(errs[id].error.code, "batch_expired");
  }
  // A line the model refuses (a reasoning model with max_tokens) is an HTTP error line too.
  const o3 = line("r", "x");
  (o3.body as Record<string, unknown>).model = "o3";
  const refused = await submit(c, [o3]);
  s.batches.finish(refused.id);
  const r = await c.batches.retrieve(refused.id);
  assert.equal(r.status, "completed");
  const [bad] = await fileLines(c, r.error_file_id);
  assert.equal(bad.response.status_code, 400);
  assert.equal(bad.response.body.error.code, "unsupported_parameter");
});

Deno.test("openai batch: cancel: cancelling -> cancelled with partial output; a finished batch cannot be cancelled", async () => {
  await using s = await sim({ batch: { stepsPerPoll: 0, requestsPerStep: 1 } });
  const c = client(s.url);
  const b = await submit(c, ["a", "b", "c"].map((id) => line(id, id)));
  s.batches.advance(b.id, 2); // in_progress, then one request done
  const cancelling = await c.batches.cancel(b.id);
  assert.equal(cancelling.status, "cancelling");
  assert.ok(cancelling.cancelling_at);
  s.batches.advance(b.id);
  const cancelled = await c.batches.retrieve(b.id);
  assert.equal(cancelled.status, "cancelled");
  assert.equal((await fileLines(c, cancelled.output_file_id)).length, 1);
  const errs = await fileLines(c, cancelled.error_file_id);
  assert.deepEqual(errs.map((l) => l.error.code), ["batch_cancelled", "batch_cancelled"]);
  await assert.rejects(c.batches.cancel(b.id), (e: unknown) => e instanceof OpenAI.BadRequestError);
});

Deno.test("openai batch: the clock: stepMs steps and the 24 h window expire a batch that is not done", async () => {
  let now = Date.UTC(2026, 0, 1);
  await using s = await sim({ batch: { stepsPerPoll: 0, stepMs: 60_000, now: () => now } });
  const c = client(s.url);
  const b = await submit(c, [line("a", "x"), line("b", "y")]);
  assert.equal(b.created_at, now / 1000);
  now += 60_000;
  assert.equal((await c.batches.retrieve(b.id)).status, "in_progress");
  now += 3 * 60_000;
  assert.equal((await c.batches.retrieve(b.id)).status, "completed");

  s.setOptions({ batch: { stepsPerPoll: 0, now: () => now } });
  const slow = await submit(c, [line("a", "x")]);
  now += 24 * 3600_000;
  const expired = await c.batches.retrieve(slow.id);
  assert.equal(expired.status, "expired");
  assert.equal((await fileLines(c, expired.error_file_id))[0].error.code, "batch_expired");
});

Deno.test("openai batch: files API: list by purpose, retrieve, content, delete, refusals", async () => {
  await using s = await sim({ batch: { maxBytes: 200 } });
  const c = client(s.url);
  const f = await upload(c, [line("a", "x")]);
  const listed = [];
  for await (const x of c.files.list({ purpose: "batch" })) listed.push(x.id);
  assert.deepEqual(listed, [f.id]);
  assert.equal((await c.files.retrieve(f.id)).bytes, f.bytes);
  assert.equal(await (await c.files.content(f.id)).text(), jsonl([line("a", "x")]));
  assert.deepEqual(await c.files.delete(f.id), { id: f.id, object: "file", deleted: true });
  await assert.rejects(c.files.retrieve(f.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
  await assert.rejects(
    upload(c, [line("a", "x".repeat(300))]),
    (e: unknown) => e instanceof OpenAI.BadRequestError && e.code === "file_too_large",
  );
  await assert.rejects(
    upload(c, [line("a", "x")], "input.json"),
    (e: unknown) => e instanceof OpenAI.BadRequestError && /\.jsonl/.test(e.message),
  );
  await assert.rejects(
    c.batches.create({
      input_file_id: "file-nope",
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    }),
    (e: unknown) => e instanceof OpenAI.NotFoundError,
  );
});

Deno.test("openai batch: faults on the batch endpoints; a dropped create still created the batch", async () => {
  await using s = await sim({ apiKey: "sk-right-key-000000" });
  await assert.rejects(
    upload(client(s.url, "sk-wrong-key-000000"), [line("a", "x")]),
    OpenAI.AuthenticationError,
  );
  const c = client(s.url, "sk-right-key-000000");
  const file = await upload(c, [line("a", "x")]);
  s.setOptions({
    batch: {
      faults: [{ type: "drop" }, { type: "status", status: 500 }, { type: "cut", atByte: 20 }],
    },
  });
  await assert.rejects(
    c.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" }),
    (e: unknown) => e instanceof OpenAI.APIConnectionError,
  );
  const [lost] = s.batches.list();
  assert.equal(lost.status, "validating", "the server created the batch; the client never learned its id");
  await assert.rejects(c.batches.retrieve(lost.id), (e: unknown) => e instanceof OpenAI.InternalServerError);
  await assert.rejects(c.batches.retrieve(lost.id));
  const ok = await c.batches.retrieve(lost.id);
  assert.equal(ok.id, lost.id);
  assert.equal(s.requests.filter((r) => r.path === "/v1/batches").length, 1);
});
