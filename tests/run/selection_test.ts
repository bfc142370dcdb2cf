/**
 * loadSelection: the selection a run makes from its flags, with `--filter` loading the glob matcher on demand
 * (picomatch is imported only then), and its usage errors.
 */
import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/errors.ts";
import { loadSelection } from "../../src/run/selection.ts";
import type { SelectionSettings } from "../../src/run/settings.ts";
import { selectInstancesWith } from "../../src/swebench/select.ts";
import { SAMPLE_INSTANCES } from "../../src/swebench/sample_data.ts";
import { rawRows, tempDir } from "../swebench/_fixtures.ts";

const DATA = { cacheDir: "/tmp/swebench-cache-unused" };
const base: SelectionSettings = { dataset: "sample", split: "test", context: "none", seed: 0 };
const ids = (r: { instances: { instance_id: string }[] }) => r.instances.map((i) => i.instance_id);

async function usage(p: Promise<unknown>, ...parts: string[]): Promise<void> {
  const e = await p.then(() => undefined, (e) => e);
  assert.ok(e instanceof SwebenchError, `expected a SwebenchError, got ${e}`);
  assert.equal(e.kind, "usage");
  for (const part of parts) assert.ok(e.message.includes(part), `"${e.message}" should mention ${part}`);
}

Deno.test("loadSelection: --filter globs (picomatch syntax) select, after --instances and before --count", async () => {
  const all = ids(await loadSelection(base, DATA));
  assert.equal(all.length, SAMPLE_INSTANCES.length);
  assert.deepEqual(
    ids(await loadSelection({ ...base, filter: "django__*, sympy__sympy-2*" }, DATA)),
    ["django__django-16046", "sympy__sympy-20212"],
  );
  assert.deepEqual(
    ids(await loadSelection({ ...base, filter: "pylint-*,sphinx-doc__sphinx-[0-9]*", count: 1 }, DATA)),
    [
      "sphinx-doc__sphinx-8721",
    ],
  );
  assert.deepEqual(
    ids(await loadSelection({ ...base, instances: ["sympy__sympy-20212"], filter: "*sympy*" }, DATA)),
    ["sympy__sympy-20212"],
  );
  // The tests are dropped, with or without a filter.
  const [one] = (await loadSelection({ ...base, filter: "django__*" }, DATA)).instances;
  assert.equal(one.test_patch, undefined);
  assert.equal(one.FAIL_TO_PASS, undefined);
});

Deno.test("loadSelection: an empty or invalid --filter, an empty selection, an empty dataset are usage errors", async () => {
  await usage(loadSelection({ ...base, filter: " , " }, DATA), "--filter is empty");
  await usage(loadSelection({ ...base, filter: "x".repeat(70_000) }, DATA), "Invalid --filter", "maximum");
  await usage(loadSelection({ ...base, filter: "nothing__*" }, DATA), "the selection is empty");
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/none.jsonl`, "\n");
  await usage(
    loadSelection({ ...base, dataset: `${dir.path}/none.jsonl` }, DATA),
    "is empty: it has no rows",
  );
  // A local file's rows go through the same selection.
  const path = `${dir.path}/lite.jsonl`;
  await Deno.writeTextFile(path, rawRows().slice(0, 20).map((r) => JSON.stringify(r)).join("\n"));
  const django = await loadSelection({ ...base, dataset: path, filter: "django__*", shard: "1/2" }, DATA);
  assert.ok(django.instances.length > 0);
  assert.ok(ids(django).every((id) => id.startsWith("django__")));
});

Deno.test("selectInstancesWith: a filter without a glob compiler is a programming error, not a usage error", () => {
  assert.throws(() => selectInstancesWith(SAMPLE_INSTANCES, { filter: "django__*" }, undefined), TypeError);
  assert.equal(selectInstancesWith(SAMPLE_INSTANCES, { count: 2 }, undefined).length, 2);
});
