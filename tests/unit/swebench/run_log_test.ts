/**
 * The one run-log reader: what `report`, `compare`, the dry-run plan and the budget across runs all read.
 */
import assert from "node:assert/strict";
import { isSwebenchError } from "../../../src/core/errors.ts";
import { readRunLog, spendOf } from "../../../src/swebench/run_log.ts";
import { tempDir } from "../../swebench/_fixtures.ts";

const line = (o: Record<string, unknown>) => JSON.stringify(o) + "\n";

Deno.test("readRunLog: records in order, unreadable complete lines counted, a torn last line flagged apart", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/x.jsonl.runlog.jsonl`;
  await Deno.writeTextFile(
    path,
    line({ instance_id: "a", status: "ok", provider: "p", costUsd: 0.25 }) +
      "not json\n" +
      "\n" +
      line({ instance_id: 7, status: "ok" }) + // not a record: the id is not a string
      line({ instance_id: "b", status: "failed", provider: "p", keptUsd: 0.5 }) +
      '{"instance_id":"c","sta',
  );
  const got = await readRunLog(path);
  assert.deepEqual(got.records.map((r) => r.instance_id), ["a", "b"]);
  assert.equal(got.badLines, 2, "the blank line is not bad; the two complete non-records are");
  assert.equal(got.torn, true);
  assert.equal(spendOf(got.records).usd, 0.75);
});

Deno.test("readRunLog: a whole record without its final newline is a record, not a torn line", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/y.runlog.jsonl`;
  await Deno.writeTextFile(
    path,
    line({ instance_id: "a", status: "ok" }) + JSON.stringify({ instance_id: "b", status: "skipped" }),
  );
  const got = await readRunLog(path);
  assert.deepEqual(got.records.map((r) => r.status), ["ok", "skipped"]);
  assert.equal(got.badLines, 0);
  assert.equal(got.torn, false);
});

Deno.test("readRunLog: a missing file is a usage error naming it, nothing is created", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/nope.runlog.jsonl`;
  const e = await readRunLog(path).then(() => undefined, (e) => e);
  assert.ok(isSwebenchError(e));
  assert.equal(e.kind, "usage");
  assert.match(e.message, /nope\.runlog\.jsonl/);
  assert.equal(await Deno.stat(path).then(() => true, () => false), false);
});
