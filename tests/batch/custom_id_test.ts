import assert from "node:assert/strict";
import fc from "fast-check";
import { assignCustomIds, CUSTOM_ID_PATTERN, customIdFor, customIdMapOf } from "../../src/batch/custom_id.ts";
import { SwebenchError } from "../../src/core/mod.ts";

const FIXTURE = new URL("../fixtures/swe-bench/lite-test.jsonl", import.meta.url);

/** SWE-smith instance ids: `<owner>__<repo>.<commit>.<kind>_<n>` (dots, up to 67+ characters). */
const SWE_SMITH = [
  "getmoto__moto.694ce1f4.pr_5678",
  "pandas-dev__pandas.95280573.pr_53652",
  "python-openxml__python-docx.0cf6d71f.combine_file__0yqbmvmf",
  "HIPS__autograd.ac044f0d.lm_rewrite__0pyp3qdu.combine_module__8d2skr", // 67 characters
  "HIPS__autograd.ac044f0d.lm_rewrite__0pyp3qdu.combine_module__8d2skq", // differs only at the end
  "django__django-11099.v2",
  "django__django-11099",
];

Deno.test("custom_id: every SWE-bench Lite id is its own custom_id (they already fit Anthropic's pattern)", async () => {
  const ids = (await Deno.readTextFile(FIXTURE)).trim().split("\n").map((l) => JSON.parse(l).instance_id);
  assert.equal(ids.length, 300);
  const map = assignCustomIds(ids);
  for (const id of ids) assert.equal(map.customIdOf(id), id);
});

Deno.test("custom_id: SWE-smith ids (dots, 67 characters) map to valid, distinct custom_ids and back", () => {
  assert.equal(SWE_SMITH[3].length, 67);
  assert.ok(!CUSTOM_ID_PATTERN.test(SWE_SMITH[0]) && !CUSTOM_ID_PATTERN.test(SWE_SMITH[3]));
  const map = assignCustomIds(SWE_SMITH);
  const customs = SWE_SMITH.map((id) => map.customIdOf(id)!);
  for (const c of customs) assert.match(c, CUSTOM_ID_PATTERN);
  assert.equal(new Set(customs).size, SWE_SMITH.length, "one custom_id per instance");
  for (const id of SWE_SMITH) assert.equal(map.instanceOf(map.customIdOf(id)!), id);
  // Readable: the custom_id starts with the id's own characters.
  assert.ok(customs[0].startsWith("getmoto__moto_694ce1f4_pr_5678-"), customs[0]);
  assert.equal(customs[3].length, 64, "a 67-character id is cut to the 64 allowed");
  assert.notEqual(customs[3], customs[4], "ids that differ only past the cut still differ");
  // A journal's pairs rebuild the same map.
  const again = customIdMapOf(map.pairs());
  for (const id of SWE_SMITH) assert.equal(again.customIdOf(id), map.customIdOf(id));
});

Deno.test("custom_id: an id's custom_id does not depend on the other ids of the batch (no collision)", () => {
  const alone = assignCustomIds(["getmoto__moto.694ce1f4.pr_5678"]).customIdOf(
    "getmoto__moto.694ce1f4.pr_5678",
  );
  const among = assignCustomIds(SWE_SMITH).customIdOf("getmoto__moto.694ce1f4.pr_5678");
  assert.equal(alone, among);
  assert.equal(alone, customIdFor("getmoto__moto.694ce1f4.pr_5678"));
});

Deno.test("custom_id: an id that fits and equals another id's mapped form keeps it; the other is hashed again", () => {
  const dotted = "owner__repo.1234";
  const taken = customIdFor(dotted);
  const map = assignCustomIds([dotted, taken]);
  assert.equal(map.customIdOf(taken), taken, "the id that fits keeps itself");
  const moved = map.customIdOf(dotted)!;
  assert.notEqual(moved, taken);
  assert.match(moved, CUSTOM_ID_PATTERN);
  assert.equal(map.instanceOf(moved), dotted);
  // Whatever the order.
  assert.deepEqual(
    new Map(assignCustomIds([taken, dotted]).pairs()),
    new Map(map.pairs()),
  );
});

Deno.test("custom_id: ids of any characters (unicode, empty after cleaning, very long) map one to one", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.string({ unit: "binary", minLength: 1, maxLength: 80 }), { maxLength: 40 }),
      (ids) => {
        const map = assignCustomIds(ids);
        const customs = new Set<string>();
        for (const id of ids) {
          const c = map.customIdOf(id)!;
          assert.match(c, CUSTOM_ID_PATTERN);
          assert.equal(map.instanceOf(c), id);
          customs.add(c);
        }
        assert.equal(customs.size, ids.length);
        assert.equal(map.size, ids.length);
      },
    ),
    { numRuns: 100 },
  );
  assert.match(customIdFor("日本語"), /^id-[0-9a-z]{12}$/);
});

Deno.test("custom_id: a repeated instance id and broken journal pairs are refused", () => {
  assert.throws(() => assignCustomIds(["a", "a"]), /appears twice/);
  const bad = (pairs: [string, string][], re: RegExp) =>
    assert.throws(
      () => customIdMapOf(pairs),
      (e) => e instanceof SwebenchError && e.kind === "config" && re.test(e.message),
    );
  bad([["has.dot", "x"]], /invalid custom_id/);
  bad([["a", "x"], ["a", "y"]], /mapped twice/);
  bad([["a", "x"], ["b", "x"]], /mapped twice/);
});
