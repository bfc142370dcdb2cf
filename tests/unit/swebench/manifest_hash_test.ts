/**
 * Row hashes are recorded in every manifest on users' disks and compared when a file is resumed: their values are
 * pinned here (computed by the first implementation), so a faster implementation cannot change them.
 */
import assert from "node:assert/strict";
import { rowHash, rowHashes, rowsDigest } from "../../../src/swebench/manifest.ts";
import type { SwebenchInstance } from "../../../src/swebench/instance.ts";
import { SAMPLE_INSTANCES } from "../../../src/swebench/sample_data.ts";

const UNICODE: SwebenchInstance = {
  instance_id: "ünï__cødé-1",
  repo: "a/b",
  base_commit: "0123abc",
  problem_statement: 'Fix "quotes", tabs\t, 🐍 and\nnewlines\u2028',
};
const TEXT_ONLY: SwebenchInstance = {
  instance_id: "t__t-2",
  repo: "t/t",
  base_commit: "ffff",
  problem_statement: "",
  hints_text: "hint é",
  text: "system\nuser ✓",
};

const PINNED = {
  "django__django-16046": "910962e107b07381",
  "sympy__sympy-20212": "55e66815b2bb39fd",
  "scikit-learn__scikit-learn-13584": "6aea91f8a5d5ee2a",
  "sphinx-doc__sphinx-8721": "b3323bcb7e8cf2b2",
  "pylint-dev__pylint-5859": "a298ac5ca6692f8c",
  "ünï__cødé-1": "5cdcbdae19a7216c",
  "t__t-2": "f5d13bad2eb8763d",
};

Deno.test("rowHashes: the values manifests already hold (sample rows, non-ASCII, text-only rows)", async () => {
  const hashes = await rowHashes([...SAMPLE_INSTANCES, UNICODE, TEXT_ONLY]);
  assert.deepEqual(hashes, PINNED);
  assert.equal(
    await rowsDigest(hashes),
    "2cf6d45ac6cc32b31a2a74a9abb8a580024fce7a70ebb70494c0ceeae61c52a2",
  );
  assert.equal(await rowHash(UNICODE), PINNED["ünï__cødé-1"]);
});

Deno.test("rowHashes: each row's hash equals rowHash, whatever the number of rows; none for no rows", async () => {
  const many = Array.from(
    { length: 37 },
    (_, i) => ({ ...UNICODE, instance_id: `x__y-${i}`, hints_text: `${i}` }),
  );
  const hashes = await rowHashes(many);
  assert.deepEqual(Object.keys(hashes), many.map((i) => i.instance_id));
  for (const inst of many) assert.equal(hashes[inst.instance_id], await rowHash(inst));
  assert.equal(new Set(Object.values(hashes)).size, 37);
  assert.deepEqual(await rowHashes([]), {});
});
