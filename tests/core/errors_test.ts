import * as assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/mod.ts";

const full = () =>
  new SwebenchError("rate_limit", "openai: 429 slow down", {
    hint: "wait",
    status: 429,
    provider: "openai",
    code: "rate_limit_exceeded",
    body: '{"error":{}}',
    retryAfterMs: 1500,
    requestId: "req_1",
    cause: new Error("root"),
    attempts: 2,
  });

Deno.test("SwebenchError.with: a copy keeps every field it does not override", () => {
  const e = full();
  const copy = e.with({});
  assert.ok(copy instanceof SwebenchError);
  assert.notEqual(copy, e);
  for (
    const key of [
      "kind",
      "message",
      "hint",
      "status",
      "provider",
      "code",
      "body",
      "retryAfterMs",
      "requestId",
      "attempts",
      "cause",
    ] as const
  ) {
    assert.deepEqual(copy[key], e[key], key);
  }
  assert.equal(copy.retryable, true);
  assert.equal(copy.name, "SwebenchError");
});

Deno.test("SwebenchError.with: overrides replace, undefined clears, the original is untouched", () => {
  const e = full();
  const cause = new Error("other");
  const copy = e.with({ kind: "quota", message: "used up", requestId: undefined, attempts: 5, cause });
  assert.equal(copy.kind, "quota");
  assert.equal(copy.message, "used up");
  assert.equal(copy.requestId, undefined);
  assert.equal(copy.attempts, 5);
  assert.equal(copy.cause, cause);
  assert.equal(copy.status, 429);
  assert.equal(copy.exitCode, 3);
  assert.equal(e.kind, "rate_limit");
  assert.equal(e.attempts, 2);
  assert.equal(e.requestId, "req_1");
});

Deno.test("SwebenchError: attempts is typed, absent unless counted, and not part of the JSON form", () => {
  const plain = new SwebenchError("server", "500");
  assert.equal(plain.attempts, undefined);
  assert.equal("attempts" in plain.toJSON(), false);
  assert.equal("attempts" in full().toJSON(), false);
  // Terminal control is stripped from a copy's new text too.
  assert.equal(plain.with({ message: "a\x1b[31mb" }).message, "ab");
});
