import assert from "node:assert/strict";
import fc from "fast-check";
import { SwebenchError } from "../../../src/core/errors.ts";
import { parseInstance } from "../../../src/swebench/instance.ts";

const LITE = new URL("../../fixtures/swe-bench/lite-test.jsonl", import.meta.url);

function rows(): Record<string, unknown>[] {
  return Deno.readTextFileSync(LITE).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
}

function usageError(fn: () => unknown, ...parts: string[]): SwebenchError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SwebenchError, `expected SwebenchError, got ${e}`);
    assert.equal(e.kind, "usage");
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" should mention ${p}`);
    assert.ok(e.hint.length > 20);
    return e;
  }
  assert.fail("expected an error");
}

const base = { instance_id: "a__b-1", repo: "a/b", base_commit: "abc123", problem_statement: "It breaks." };

Deno.test("parseInstance: every real Lite row parses, test lists decoded from JSON strings", () => {
  const all = rows();
  assert.equal(all.length, 300);
  for (const [i, row] of all.entries()) {
    const inst = parseInstance(row, `lite-test.jsonl:${i + 1}`);
    assert.equal(inst.instance_id, row.instance_id);
    assert.equal(inst.patch, row.patch);
    assert.deepEqual(inst.FAIL_TO_PASS, JSON.parse(row.FAIL_TO_PASS as string));
    assert.deepEqual(inst.PASS_TO_PASS, JSON.parse(row.PASS_TO_PASS as string));
    assert.ok(Array.isArray(inst.FAIL_TO_PASS) && inst.FAIL_TO_PASS.length > 0);
  }
});

Deno.test("parseInstance: arrays accepted as-is, empty string is an empty list, extras dropped", () => {
  const inst = parseInstance({ ...base, FAIL_TO_PASS: ["t1", "t2"], PASS_TO_PASS: "", extra: 1 }, "x:1");
  assert.deepEqual(inst.FAIL_TO_PASS, ["t1", "t2"]);
  assert.deepEqual(inst.PASS_TO_PASS, []);
  assert.equal("extra" in inst, false);
});

Deno.test("parseInstance: text may stand in for problem_statement", () => {
  const inst = parseInstance(
    { instance_id: "a__b-2", repo: "a/b", base_commit: "c", text: "sys\nuser" },
    "x:1",
  );
  assert.equal(inst.problem_statement, "");
  assert.equal(inst.text, "sys\nuser");
});

Deno.test("parseInstance: numbers and dates in optional fields become strings; null means absent", () => {
  const inst = parseInstance(
    { ...base, version: 3.1, created_at: new Date("2020-01-02T03:04:05Z"), hints_text: null },
    "x:1",
  );
  assert.equal(inst.version, "3.1");
  assert.equal(inst.created_at, "2020-01-02T03:04:05.000Z");
  assert.equal("hints_text" in inst, false);
});

Deno.test("parseInstance: errors name where, the field and how to fix", () => {
  usageError(() => parseInstance([1, 2], "d.jsonl:3"), "d.jsonl:3", "JSON object");
  usageError(() => parseInstance(null, "d.jsonl:3"), "d.jsonl:3");
  usageError(
    () => parseInstance({ ...base, instance_id: undefined }, "d.jsonl:4"),
    "d.jsonl:4",
    '"instance_id"',
  );
  usageError(() => parseInstance({ ...base, instance_id: " " }, "d.jsonl:4"), '"instance_id"', "empty");
  usageError(
    () => parseInstance({ ...base, repo: 5 }, "d.jsonl:5"),
    "d.jsonl:5",
    "a__b-1",
    '"repo"',
    "string",
  );
  usageError(
    () => parseInstance({ ...base, base_commit: undefined }, "f.parquet row 9"),
    "row 9",
    '"base_commit"',
  );
  usageError(() => parseInstance({ ...base, problem_statement: undefined }, "x:1"), '"problem_statement"');
  usageError(() => parseInstance({ ...base, problem_statement: "" }, "x:1"), '"problem_statement"', "empty");
  usageError(
    () => parseInstance({ ...base, FAIL_TO_PASS: "[not json" }, "x:7"),
    "x:7",
    '"FAIL_TO_PASS"',
    "JSON",
  );
  usageError(() => parseInstance({ ...base, PASS_TO_PASS: '{"a":1}' }, "x:7"), '"PASS_TO_PASS"', "list");
  usageError(() => parseInstance({ ...base, PASS_TO_PASS: [1] }, "x:7"), '"PASS_TO_PASS"', "item 0");
  usageError(() => parseInstance({ ...base, patch: { a: 1 } }, "x:8"), '"patch"');
});

Deno.test("parseInstance: any input either parses to a valid instance or fails with a usage error (fast-check)", () => {
  const field = fc.oneof(
    fc.string(),
    fc.constant(undefined),
    fc.constant(null),
    fc.integer(),
    fc.array(fc.string()),
  );
  const row = fc.record({
    instance_id: field,
    repo: field,
    base_commit: field,
    problem_statement: field,
    text: field,
    FAIL_TO_PASS: fc.oneof(field, fc.array(fc.string()).map((a) => JSON.stringify(a))),
    PASS_TO_PASS: field,
    hints_text: field,
  }, { requiredKeys: [] });
  fc.assert(
    fc.property(fc.oneof(row, fc.anything()), (value) => {
      try {
        const inst = parseInstance(value, "p:1");
        assert.equal(typeof inst.instance_id, "string");
        assert.ok(inst.instance_id.trim() !== "");
        assert.equal(typeof inst.repo, "string");
        assert.equal(typeof inst.base_commit, "string");
        assert.ok(inst.problem_statement.trim() !== "" || (inst.text ?? "").trim() !== "");
        for (const list of [inst.FAIL_TO_PASS, inst.PASS_TO_PASS]) {
          if (list !== undefined) assert.ok(list.every((t) => typeof t === "string"));
        }
      } catch (e) {
        if (!(e instanceof SwebenchError) || e.kind !== "usage" || !e.message.startsWith("p:1")) throw e;
      }
    }),
    { numRuns: 500 },
  );
});
