import assert from "node:assert/strict";
import {
  extractPatch,
  type PatchStatus,
  recomputeHunkCounts,
  validatePatch,
} from "../../src/swebench/patch.ts";

const DATA = new URL("../fixtures/", import.meta.url);

function readJsonl<T>(path: string): T[] {
  return Deno.readTextFileSync(new URL(path, DATA)).split("\n").filter((l) => l.trim() !== "").map((l) =>
    JSON.parse(l) as T
  );
}

interface Instance {
  instance_id: string;
  patch: string;
}
interface Prediction {
  instance_id: string;
  model_patch: string | null;
}

const GOLD = readJsonl<Instance>("swe-bench/lite-test.jsonl");
const FENCE = "```";

/** Changes every hunk header's counts (never to the right values). */
function perturbCounts(patch: string): string {
  let k = 0;
  return patch.replace(/^@@ -(\d+),(\d+) \+(\d+),(\d+) @@/gm, (_m, a, b, c, d) => {
    k++;
    const deltas: Array<[number, number]> = [[2, -1], [-1, 3], [5, 5], [-1, -1], [1, 0], [0, 2]];
    let [db, dd] = deltas[k % deltas.length];
    if (Number(b) + db < 0) db = 1;
    if (Number(d) + dd < 0) dd = 2;
    return `@@ -${a},${Number(b) + db} +${c},${Number(d) + dd} @@`;
  });
}

/** An earlier attempt at the same file: the first half of the diff (cut mid-hunk) or a different added line. */
function earlierAttempt(patch: string, i: number): string {
  if (i % 2 === 0) {
    const lines = patch.split("\n");
    return lines.slice(0, Math.max(6, Math.floor(lines.length / 2))).join("\n") + "\n";
  }
  const plus = patch.indexOf("\n+", patch.indexOf("\n@@"));
  if (plus === -1) return patch.replace(/\n-/, "\n-x");
  const end = patch.indexOf("\n", plus + 1);
  return patch.slice(0, plus) + "\n+    pass  # first attempt" + patch.slice(end);
}

function filePath(patch: string): string {
  return /^diff --git a\/(\S+)/.exec(patch)?.[1] ?? "";
}

/** Another gold patch touching a different file, for the two-files style. */
function otherGold(i: number): string {
  for (let k = 1; k < GOLD.length; k++) {
    const g = GOLD[(i + k) % GOLD.length].patch;
    if (filePath(g) !== filePath(GOLD[i].patch)) return g;
  }
  throw new Error("no other file");
}

interface Style {
  name: string;
  wrap: (gold: string, i: number) => string;
  expected: (gold: string, i: number) => string;
  status: PatchStatus;
  source: "tags" | "fence" | "bare";
}

const same = (g: string) => g;

const STYLES: Style[] = [
  {
    name: "<patch> tags",
    wrap: (g) => `I will fix the bug.\n<patch>\n${g}</patch>\n`,
    expected: same,
    status: "valid",
    source: "tags",
  },
  {
    name: "<diff> tags",
    wrap: (g) => `<diff>\n${g}</diff>`,
    expected: same,
    status: "valid",
    source: "tags",
  },
  { name: "unclosed <patch>", wrap: (g) => `<patch>\n${g}`, expected: same, status: "valid", source: "tags" },
  {
    name: "fence in tags",
    wrap: (g) => `<patch>\n${FENCE}diff\n${g}${FENCE}\n</patch>\n`,
    expected: same,
    status: "valid",
    source: "tags",
  },
  {
    name: "```diff fence",
    wrap: (g) => `${FENCE}diff\n${g}${FENCE}\n`,
    expected: same,
    status: "valid",
    source: "fence",
  },
  {
    name: "```patch + prose",
    wrap: (g) =>
      `The problem is in the parser.\n\n${FENCE}patch\n${g}${FENCE}\n\nThis change makes the parser handle it.\n`,
    expected: same,
    status: "valid",
    source: "fence",
  },
  {
    name: "python fence + diff",
    wrap: (g) => `Reproduce with:\n${FENCE}python\nprint(1)\n${FENCE}\nFix:\n${FENCE}\n${g}${FENCE}\n`,
    expected: same,
    status: "valid",
    source: "fence",
  },
  {
    name: "bare after prose",
    wrap: (g) => `Here is the fix:\n\n${g}\nThis fixes the bug. Let me know.\n`,
    expected: same,
    status: "valid",
    source: "bare",
  },
  {
    name: "leading blank",
    wrap: (g) => `\n${g}`,
    expected: (g) => `\n${g}`,
    status: "valid",
    source: "bare",
  },
  {
    name: "CRLF response",
    wrap: (g) => `Here is the patch:\n${FENCE}diff\n${g}${FENCE}\nDone.\n`.replaceAll("\n", "\r\n"),
    expected: same,
    status: "repaired",
    source: "fence",
  },
  {
    name: "CRLF bare",
    wrap: (g) => g.replaceAll("\n", "\r\n"),
    expected: same,
    status: "repaired",
    source: "bare",
  },
  {
    name: "wrong hunk counts",
    wrap: (g) => `${FENCE}diff\n${perturbCounts(g)}${FENCE}\n`,
    expected: same,
    status: "repaired",
    source: "fence",
  },
  {
    name: "wrong counts, bare",
    wrap: (g) => `Patch:\n${perturbCounts(g)}`,
    expected: same,
    status: "repaired",
    source: "bare",
  },
  {
    name: "no final newline",
    wrap: (g) => g.slice(0, -1),
    expected: same,
    status: "repaired",
    source: "bare",
  },
  {
    name: "no final newline in tags",
    wrap: (g) => `<patch>\n${g.slice(0, -1)}</patch>`,
    expected: same,
    status: "repaired",
    source: "tags",
  },
  {
    name: "two fences, same file",
    wrap: (g, i) =>
      `First try:\n${FENCE}diff\n${
        earlierAttempt(g, i)
      }${FENCE}\nWait, that is wrong. Corrected:\n${FENCE}diff\n${g}${FENCE}\n`,
    expected: same,
    status: "valid",
    source: "fence",
  },
  {
    name: "two fences, two files",
    wrap: (g, i) =>
      `First file:\n${FENCE}diff\n${g}${FENCE}\nSecond file:\n${FENCE}diff\n${otherGold(i)}${FENCE}\n`,
    expected: (g, i) => g + otherGold(i),
    status: "valid",
    source: "fence",
  },
];

Deno.test("gold patches of SWE-bench Lite come back equal in every wrapping style", () => {
  assert.equal(GOLD.length, 300);
  const table: string[] = [];
  const failures: string[] = [];
  for (const style of STYLES) {
    let equal = 0;
    for (const [i, row] of GOLD.entries()) {
      const r = extractPatch(style.wrap(row.patch, i));
      const ok = r.patch === style.expected(row.patch, i) && r.status === style.status &&
        r.source === style.source &&
        validatePatch(r.patch).length === 0;
      if (ok) equal++;
      else if (failures.length < 5) {
        failures.push(
          `${style.name} ${row.instance_id}: ${r.status}/${r.source} ${r.reasons.slice(0, 3).join("; ")}`,
        );
      }
    }
    table.push(`${style.name} ${equal}/${GOLD.length}`);
  }
  console.log(`gold styles (equal & status): ${table.join(" | ")}`);
  assert.deepEqual(failures, []);
});

Deno.test("gold patches with blank context lines stripped of their space are repaired", () => {
  let applicable = 0;
  let equal = 0;
  for (const row of GOLD) {
    if (!row.patch.includes("\n \n")) continue;
    applicable++;
    const stripped = row.patch.replace(/^ $/gm, "");
    const r = extractPatch(`${FENCE}diff\n${stripped}${FENCE}\n`);
    if (r.patch === row.patch && r.status === "repaired") equal++;
    assert.ok(r.reasons.some((x) => x.includes("restored as context lines")), row.instance_id);
  }
  console.log(`blank context lines: ${equal}/${applicable} gold patches with " " lines restored`);
  assert.ok(applicable > 100);
  assert.equal(equal, applicable);
});

Deno.test("real CodeR predictions pass through unchanged, empty ones are empty", () => {
  const rows = readJsonl<Prediction>("predictions/coder-lite.jsonl");
  assert.equal(rows.length, 300);
  const counts: Record<string, number> = { valid: 0, repaired: 0, empty: 0, invalid: 0 };
  const notes: string[] = [];
  let unchanged = 0;
  for (const row of rows) {
    const patch = row.model_patch ?? "";
    const r = extractPatch(patch);
    counts[r.status]++;
    if (patch.trim() === "") {
      assert.equal(r.status, "empty", row.instance_id);
      assert.equal(r.patch, "");
      continue;
    }
    const problems = validatePatch(patch);
    if (problems.length === 0) {
      assert.equal(r.status, "valid", row.instance_id);
      assert.equal(r.patch, patch, row.instance_id);
      unchanged++;
    } else {
      notes.push(`${row.instance_id}: ${r.status}: ${problems.join("; ")}`);
      assert.notEqual(r.status, "valid", row.instance_id);
    }
  }
  console.log(
    `coder-lite: ${unchanged} valid unchanged, ${counts.empty} empty, ${counts.repaired} repaired, ${counts.invalid} invalid`,
  );
  for (const n of notes) console.log(`  ${n}`);
  assert.equal(counts.empty, 36);
  assert.equal(unchanged, 264);
});

Deno.test("a real patch whose CRLF file content has \\r on some lines is left alone", () => {
  const rows = readJsonl<Prediction>("predictions/coder-lite.jsonl");
  const row = rows.find((r) => r.instance_id === "psf__requests-863");
  assert.ok(row?.model_patch);
  assert.ok(row.model_patch.includes("\r\n"));
  const r = extractPatch(`${FENCE}diff\n${row.model_patch.slice(1)}${FENCE}\n`);
  assert.equal(r.status, "valid");
  assert.equal(r.patch, row.model_patch.slice(1));
});

// ---- every git header kind passes through byte for byte ----

const RICH = [
  "diff --git a/docs/naïve.md b/docs/naïve.md",
  "index 3b18e51..a9c2f1d 100644",
  "--- a/docs/naïve.md",
  "+++ b/docs/naïve.md",
  "@@ -1,3 +1,3 @@ Überschrift",
  " # Café ☕",
  "-naïve text 日本語",
  "+naive text 日本語 🎉",
  "  trailing spaces  ",
  "diff --git a/new.txt b/new.txt",
  "new file mode 100644",
  "index 0000000..e69de29",
  "--- /dev/null",
  "+++ b/new.txt",
  "@@ -0,0 +1,2 @@",
  "+first",
  "+last, no newline",
  "\\ No newline at end of file",
  "diff --git a/gone.py b/gone.py",
  "deleted file mode 100755",
  "index e69de29..0000000",
  "--- a/gone.py",
  "+++ /dev/null",
  "@@ -1 +0,0 @@",
  "-print('bye')",
  "diff --git a/old_name.py b/new_name.py",
  "similarity index 90%",
  "rename from old_name.py",
  "rename to new_name.py",
  "index 1111111..2222222 100644",
  "--- a/old_name.py",
  "+++ b/new_name.py",
  "@@ -1,2 +1,2 @@",
  "-x = 1",
  "\\ No newline at end of file",
  "+x = 2",
  "\\ No newline at end of file",
  " y = 3",
  "diff --git a/mode.sh b/mode.sh",
  "old mode 100644",
  "new mode 100755",
  "diff --git a/empty.py b/empty.py",
  "new file mode 100644",
  "index 0000000000..e69de29bb2",
  "diff --git a/db.sqlite3 b/db.sqlite3",
  "new file mode 100644",
  "index 0000000000..9f6ac05b48",
  "Binary files /dev/null and b/db.sqlite3 differ",
  "diff --git a/logo.png b/logo.png",
  "new file mode 100644",
  "index 0000000000000000000000000000000000000000..8b137891791fe96927ad78e64b0aad7bded08bdc",
  "GIT binary patch",
  "literal 12",
  "TcmZ?wbhEHbWMp7q`2YVu0RR91",
  "",
  "literal 0",
  "HcmV?d00001",
  "",
  "diff --git a/copy.py b/copied.py",
  "similarity index 100%",
  "copy from copy.py",
  "copy to copied.py",
  "",
].join("\n");

Deno.test("valid diffs with every header kind pass through byte for byte", () => {
  assert.deepEqual(validatePatch(RICH), []);
  for (
    const wrapped of [
      RICH,
      `Sure.\n\n${RICH}\nThat is all.`,
      `<patch>\n${RICH}</patch>`,
      `${FENCE}diff\n${RICH}${FENCE}`,
    ]
  ) {
    const r = extractPatch(wrapped);
    assert.equal(r.status, "valid", r.reasons.join("; "));
    assert.equal(r.patch, RICH);
    assert.deepEqual(r.reasons, []);
  }
});

// ---- hunk counting ----

Deno.test("removed lines starting with -- and added lines starting with ++ are read by the counts", () => {
  const patch = [
    "--- a/q.sql",
    "+++ b/q.sql",
    "@@ -1,4 +1,4 @@",
    "--- a/comment",
    "+++ b/comment",
    " select 1;",
    "-select 2;",
    "+select 3;",
    "--- old comment",
    "+++ new comment",
    "@@ -10 +10 @@",
    "--- old",
    "+++ new",
    "",
  ].join("\n");
  assert.deepEqual(validatePatch(patch), []);
  const r = extractPatch(patch);
  assert.equal(r.status, "valid");
  assert.equal(r.patch, patch);
  assert.equal(recomputeHunkCounts(patch), patch);
});

Deno.test("with wrong counts, a ---/+++ pair is a file header only before a hunk header", () => {
  const good = [
    "--- a/one.lua",
    "+++ b/one.lua",
    "@@ -1,3 +1,3 @@",
    "--- keep me",
    "+++ added",
    " x",
    "--- a/two.lua",
    "+++ b/two.lua",
    "@@ -1 +1 @@",
    "-a",
    "+b",
    "",
  ].join("\n");
  const bad = good.replace("@@ -1,3 +1,3 @@", "@@ -1,7 +1,9 @@").replace("@@ -1 +1 @@", "@@ -1,4 +1 @@");
  const r = extractPatch(bad);
  assert.equal(r.status, "repaired", r.reasons.join("; "));
  assert.equal(
    r.patch,
    good.replace("@@ -1,3 +1,3 @@", "@@ -1,2 +1,2 @@").replace("@@ -1 +1 @@", "@@ -1,1 +1 @@"),
  );
  assert.equal(r.reasons.filter((x) => x.includes("recomputed")).length, 2);
});

Deno.test("counts one too large do not swallow the next file's headers", () => {
  const good = "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-p\n+q\n";
  const bad = good.replace("@@ -1,2 +1,2 @@", "@@ -1,3 +1,3 @@");
  const r = extractPatch(bad);
  assert.equal(r.status, "repaired");
  assert.equal(r.patch, good);
});

Deno.test("no-newline markers are not counted", () => {
  const patch =
    "--- a/x\n+++ b/x\n@@ -1,1 +1,1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n";
  assert.deepEqual(validatePatch(patch), []);
  const r = extractPatch(patch.replace("@@ -1,1 +1,1 @@", "@@ -1,4 +1,4 @@"));
  assert.equal(r.status, "repaired");
  assert.equal(r.patch, patch);
});

Deno.test("an empty line inside a hunk becomes a context line; blank lines between hunks are removed", () => {
  const good = "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n \n-b\n+c\n@@ -9,1 +9,1 @@\n-d\n+e\n";
  const damaged = "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n\n@@ -9,1 +9,1 @@\n-d\n+e\n";
  const problems = validatePatch(damaged);
  assert.ok(problems.some((p) => p.includes("line 5: empty line inside a hunk")), problems.join("; "));
  assert.ok(problems.some((p) => p.includes("line 8: blank line between hunks")), problems.join("; "));
  const r = extractPatch(damaged);
  assert.equal(r.status, "repaired");
  assert.equal(r.patch, good);
  assert.equal(r.reasons.length, 2);
  // Wrong counts and a lost space together: the blank line inside the body still counts as context.
  const r2 = extractPatch(damaged.replace("@@ -1,3 +1,3 @@", "@@ -1,9 +1,1 @@"));
  assert.equal(r2.patch, good);
});

Deno.test("recomputeHunkCounts keeps starts, count style, trailing text and CRLF", () => {
  assert.equal(
    recomputeHunkCounts("--- a/x\n+++ b/x\n@@ -5 +5,9 @@ def f():\n-a\n+b\n"),
    "--- a/x\n+++ b/x\n@@ -5 +5,1 @@ def f():\n-a\n+b\n",
  );
  assert.equal(
    recomputeHunkCounts("--- a/x\r\n+++ b/x\r\n@@ -1,4 +1,4 @@\r\n-a\r\n+b\r\n"),
    "--- a/x\r\n+++ b/x\r\n@@ -1,1 +1,1 @@\r\n-a\r\n+b\r\n",
  );
  assert.equal(recomputeHunkCounts("no diff here\n"), "no diff here\n");
  assert.equal(recomputeHunkCounts(""), "");
  const valid = GOLD[0].patch;
  assert.equal(recomputeHunkCounts(valid), valid);
  assert.equal(recomputeHunkCounts(perturbCounts(valid)), valid);
});

// ---- what is not repaired ----

Deno.test("a truncated diff in an unclosed fence is invalid, not silently shortened", () => {
  const gold = GOLD[1].patch;
  const cut = gold.slice(0, Math.floor(gold.length * 0.8));
  const r = extractPatch(`Here:\n${FENCE}diff\n${cut}`);
  assert.equal(r.status, "invalid");
  assert.ok(r.reasons.some((x) => x.includes("truncated")), r.reasons.join("; "));
  // The same text as bare output: truncation is only known when the caller says the model hit max tokens.
  assert.equal(extractPatch(cut, { truncated: true }).status, "invalid");
  assert.equal(extractPatch(cut).status, "repaired");
  // A complete diff in an unclosed fence is fine.
  assert.equal(extractPatch(`${FENCE}diff\n${gold}`).status, "valid");
});

Deno.test("a later truncated attempt does not replace an earlier complete diff of the same file", () => {
  const gold = GOLD[2].patch;
  const r = extractPatch(`${FENCE}diff\n${gold}${FENCE}\nOr better:\n${FENCE}diff\n${gold.slice(0, -40)}`);
  assert.equal(r.status, "valid");
  assert.equal(r.patch, gold);
  assert.ok(r.reasons.some((x) => x.includes("incomplete")));
});

Deno.test("unrepairable diff-like output is invalid with reasons", () => {
  const cases: Array<[string, string]> = [
    ["```diff\n@@ -1,2 +1,2 @@\n-a\n+b\n```", "without a file header"],
    ["```diff\n-a\n+b\n```", "no file header"],
    ["--- a/x\n+++ b/x\n@@ @@\n-a\n+b\n", "without line numbers"],
    ["diff --git a/x b/x\n--- a/x\n@@ -1 +1 @@\n-a\n+b\n", '"+++"'],
    ["--- a/x\n+++ b/x\nsome prose\n", "no hunks"],
    ["--- a/x.py\n+++ b/x.py\n@@ -1,4 +1,4 @@\n a\ndef f():\n-    x\n+    y\n", "lacks its diff prefix"],
  ];
  for (const [output, why] of cases) {
    const r = extractPatch(output);
    assert.equal(r.status, "invalid", output);
    assert.ok(r.reasons.some((x) => x.includes(why)), `${output}: ${r.reasons.join("; ")}`);
    assert.notEqual(validatePatch(r.patch).length, 0);
  }
});

Deno.test("no diff at all is empty", () => {
  for (
    const output of [
      "",
      "  \n\t\n",
      "I could not find the bug.",
      "<patch>\n</patch>",
      "<patch>I am not sure.</patch>",
      "```python\nprint('hello')\n```",
      "--- a heading ---\nsome text\n+++ not a diff",
      undefined as unknown as string,
    ]
  ) {
    const r = extractPatch(output);
    assert.equal(r.status, "empty", String(output));
    assert.equal(r.patch, "");
    assert.equal(r.source, "none");
    assert.ok(r.reasons.length > 0);
  }
});

// ---- choosing among several diffs ----

Deno.test("diffs of different files in separate places are combined, in order", () => {
  const a = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-a\n+A\n";
  const b = "--- a/b.py\n+++ b/b.py\n@@ -1 +1 @@\n-b\n+B\n";
  const bare = extractPatch(`Change a:\n${a}\nthen change b:\n${b}\nThat's it.`);
  assert.equal(bare.status, "valid");
  assert.equal(bare.source, "bare");
  assert.equal(bare.patch, a + b);
  const tags = extractPatch(`<patch>\n${a}</patch>\n<patch>\n${b}</patch>`);
  assert.equal(tags.patch, a + b);
  assert.equal(tags.source, "tags");
  // A revised a.py in a later fence replaces the earlier one but keeps b.py.
  const a2 = a.replace("+A", "+AA");
  const r = extractPatch(`${FENCE}diff\n${a}${b}${FENCE}\nBetter:\n${FENCE}diff\n${a2}${FENCE}`);
  assert.equal(r.patch, b + a2);
  assert.ok(r.reasons.some((x) => x.includes("ignored an earlier diff of a.py")));
});

Deno.test("an excerpt without file header next to a full diff is ignored, with a note", () => {
  const a = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-a\n+A\n";
  const r = extractPatch(
    `${FENCE}diff\n${a}${FENCE}\nThe key line:\n${FENCE}diff\n@@ -1 +1 @@\n-a\n+A\n${FENCE}\n`,
  );
  assert.equal(r.status, "valid");
  assert.equal(r.patch, a);
  assert.ok(r.reasons.some((x) => x.includes("excerpt")));
  // A fragment with changes the full diff does not have is not an excerpt: nothing is dropped silently.
  const other = extractPatch(
    `${FENCE}diff\n${a}${FENCE}\nAlso:\n${FENCE}diff\n@@ -9 +9 @@\n-z\n+Z\n${FENCE}\n`,
  );
  assert.equal(other.status, "invalid");
  assert.ok(other.patch.includes("+Z"));
});

Deno.test("a git section that lost its --- line is invalid, its hunks are not dropped", () => {
  const r = extractPatch("diff --git a/x b/x\nindex 1..2 100644\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
  assert.equal(r.status, "invalid");
  assert.ok(r.patch.includes("+b"));
});

Deno.test("fence and tag edge cases", () => {
  // A Markdown file's code fence as a context line (" ```") does not close the fence.
  const mdPatch = "--- a/README.md\n+++ b/README.md\n@@ -1,3 +1,3 @@\n ```\n-old\n+new\n ```\n";
  const r = extractPatch(`${FENCE}diff\n${mdPatch}${FENCE}\n`);
  assert.equal(r.patch, mdPatch);
  assert.equal(r.status, "valid");
  // ... nor does it open one when the diff is bare.
  for (const output of [mdPatch, `Fix:\n${mdPatch}\nDone.\n`]) {
    const bare = extractPatch(output);
    assert.equal(bare.patch, mdPatch);
    assert.equal(bare.status, "valid");
    assert.equal(bare.source, "bare");
  }
  // A diff line holding "</patch>" does not close the tag when a closing tag starts a line.
  const xml = "--- a/x.xml\n+++ b/x.xml\n@@ -1 +1 @@\n-<a/>\n+<patch></patch>\n";
  assert.equal(extractPatch(`<patch>\n${xml}</patch>`).patch, xml);
  // A fence indented inside a list item is dedented (a repair).
  const indented = extractPatch(
    `1. Apply:\n   ${FENCE}diff\n${xml.replace(/^/gm, "   ").slice(0, -3)}   ${FENCE}\n`,
  );
  assert.equal(indented.patch, xml);
  assert.equal(indented.status, "repaired");
  // Closing fence glued to the last line.
  const glued = extractPatch(`${FENCE}diff\n${xml.slice(0, -1)}${FENCE}`);
  assert.equal(glued.patch, xml);
  assert.equal(glued.status, "repaired");
  // Tilde fences.
  assert.equal(extractPatch(`~~~diff\n${xml}~~~\n`).patch, xml);
  // Upper-case tags, after text whose lower-case form is longer ("İ").
  const upper = extractPatch(`İstanbul İ İ\n<PATCH>\n${xml}</PATCH>\n`);
  assert.equal(upper.patch, xml);
  assert.equal(upper.source, "tags");
});

Deno.test("validatePatch names text around the diff, a missing final newline and CRLF", () => {
  const d = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";
  assert.deepEqual(validatePatch(`\n\n${d}\n\n`), []);
  assert.match(validatePatch(`Here:\n${d}`)[0], /line 1: text before the first file header/);
  assert.match(validatePatch(`${d}Thanks!\n`)[0], /line 6: text after the last hunk/);
  assert.match(validatePatch(`${d}x\n${d}`)[0], /text between file diffs/);
  assert.deepEqual(validatePatch(d.slice(0, -1)), ["the patch does not end with a newline"]);
  assert.match(validatePatch(d.replaceAll("\n", "\r\n"))[0], /CRLF/);
  assert.deepEqual(validatePatch(""), ["empty patch"]);
  assert.deepEqual(validatePatch("hello\n"), ["no file header (diff --git or ---/+++) found"]);
  assert.match(
    validatePatch(d.replace("@@ -1 +1 @@", "@@ -1,2 +1 @@"))[0],
    /does not match its body \(1 old, 1 new/,
  );
});

Deno.test("a response CRLF only in the diff's own body is normalised; a patch of CRLF files is not", () => {
  const d = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";
  const r = extractPatch(`Prose in LF.\n${FENCE}diff\n${d.replaceAll("\n", "\r\n")}${FENCE}\n`);
  assert.equal(r.status, "repaired");
  assert.equal(r.patch, d);
  const crlfFile = "--- a/x.bat\n+++ b/x.bat\n@@ -1,2 +1,2 @@\n-echo a\r\n+echo b\r\n rem\r\n";
  const r2 = extractPatch(crlfFile);
  assert.equal(r2.status, "valid");
  assert.equal(r2.patch, crlfFile);
});

Deno.test("pathological outputs neither throw nor blow up", () => {
  const d = "--- a/x\n+++ b/x\n@@ -1,1 +1,1 @@\n";
  const cases = [
    d + "\n".repeat(200_000) + "-a\n",
    "<patch>\n".repeat(50_000),
    "diff --git a/x b/x\n".repeat(50_000),
    "--- a/x\n+++ b/x\n".repeat(30_000),
    "@@ -1 +1 @@\n".repeat(50_000),
    `${FENCE}\n`.repeat(50_000),
  ];
  for (const output of cases) {
    const r = extractPatch(output);
    assert.ok(r.reasons.length <= 40);
    validatePatch(output);
    recomputeHunkCounts(output);
  }
});
