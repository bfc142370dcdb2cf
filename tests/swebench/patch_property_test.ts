import assert from "node:assert/strict";
import fc from "fast-check";
import { extractPatch, recomputeHunkCounts, validatePatch } from "../../src/swebench/patch.ts";

const FENCE = "```";

/** Content characters chosen to look like diff syntax where it hurts: -, +, @, `, <, \, non-ASCII, \r. */
const contentChar = fc.constantFrom(
  "a",
  "z",
  " ",
  "\t",
  "-",
  "+",
  "@",
  "`",
  "<",
  "/",
  "\\",
  "é",
  "日",
  "🎉",
  "#",
  '"',
  "\r",
);
const content = fc.array(contentChar, { maxLength: 10 }).map((cs) => cs.join(""));
const bodyLine = fc.record({ kind: fc.constantFrom(" ", "-", "+"), text: content });

interface GenHunk {
  lines: Array<{ kind: string; text: string }>;
  gap: number;
}
interface GenFile {
  git: boolean;
  hunks: GenHunk[];
  noNewline: boolean;
}

const hunkArb: fc.Arbitrary<GenHunk> = fc.record({
  lines: fc.array(bodyLine, { minLength: 1, maxLength: 7 }).filter((ls) => ls.some((l) => l.kind !== " ")),
  gap: fc.integer({ min: 1, max: 40 }),
});
const fileArb: fc.Arbitrary<GenFile> = fc.record({
  git: fc.boolean(),
  hunks: fc.array(hunkArb, { minLength: 1, maxLength: 3 }),
  noNewline: fc.boolean(),
});
const NAMES = ["src/app.py", "lib/ünï.rs", "a b/c.txt", "README.md", "x"];

/** Renders generated files as a valid unified diff (hunks before another hunk end in context, as real ones do). */
function render(files: GenFile[]): string {
  const out: string[] = [];
  files.forEach((f, fi) => {
    const name = NAMES[fi];
    if (f.git) out.push(`diff --git a/${name} b/${name}`, "index 83db48f..bf269f4 100644");
    out.push(`--- a/${name}`, `+++ b/${name}`);
    let oldLine = 1;
    let newLine = 1;
    f.hunks.forEach((h, hi) => {
      const lines = [...h.lines];
      const last = hi === f.hunks.length - 1;
      if (!last && lines[lines.length - 1].kind !== " ") lines.push({ kind: " ", text: "ctx" });
      const oldCount = lines.filter((l) => l.kind !== "+").length;
      const newCount = lines.filter((l) => l.kind !== "-").length;
      oldLine += h.gap;
      newLine += h.gap;
      out.push(`@@ -${oldLine},${oldCount} +${newLine},${newCount} @@ def f${hi}():`);
      for (const l of lines) out.push(l.kind + l.text);
      if (last && f.noNewline) out.push("\\ No newline at end of file");
      oldLine += oldCount;
      newLine += newCount;
    });
  });
  return out.join("\n") + "\n";
}

const diffArb: fc.Arbitrary<string> = fc.array(fileArb, { minLength: 1, maxLength: 3 }).map(render);

/** Changes every hunk header's counts to wrong values. */
function perturb(patch: string, deltas: number[]): string {
  let k = 0;
  return patch.replace(/^@@ -(\d+),(\d+) \+(\d+),(\d+) @@/gm, (_m, a, b, c, d) => {
    const db = deltas[k++ % deltas.length];
    const dd = deltas[k++ % deltas.length];
    const nb = Number(b) + db >= 0 ? Number(b) + db : Number(b) + 1;
    const nd = Number(d) + dd >= 0 ? Number(d) + dd : Number(d) + 2;
    return `@@ -${a},${nb} +${c},${nd} @@`;
  });
}

const RUNS = { numRuns: 300, seed: 20240604 };

Deno.test("property: generated valid diffs are valid and survive every wrapping byte for byte", () => {
  fc.assert(
    fc.property(diffArb, (d) => {
      assert.deepEqual(validatePatch(d), []);
      assert.equal(recomputeHunkCounts(d), d);
      const wraps: Array<[string, string, string]> = [
        [d, d, "bare"],
        [`\n${d}`, `\n${d}`, "bare"],
        [`Here is the fix:\n\n${d}\nThis should work.\n`, d, "bare"],
        [`<patch>\n${d}</patch>`, d, "tags"],
        [`<diff>\n${d}`, d, "tags"],
        [`Explanation.\n${FENCE}diff\n${d}${FENCE}\nMore words.\n`, d, "fence"],
        [`${FENCE}python\nx = 1\n${FENCE}\n${FENCE}\n${d}${FENCE}`, d, "fence"],
      ];
      for (const [output, expected, source] of wraps) {
        const r = extractPatch(output);
        assert.equal(r.status, "valid", `${JSON.stringify(output)}: ${r.reasons.join("; ")}`);
        assert.equal(r.patch, expected, JSON.stringify(output));
        assert.equal(r.source, source);
      }
    }),
    RUNS,
  );
});

Deno.test("property: CRLF, wrong counts and a missing final newline are repaired to the original", () => {
  const deltas = fc.array(fc.constantFrom(-2, -1, 1, 2, 3), { minLength: 1, maxLength: 4 });
  fc.assert(
    fc.property(diffArb, deltas, (d, ds) => {
      const damaged = [
        `Patch:\n${FENCE}diff\n${d}${FENCE}\n`.replaceAll("\n", "\r\n"),
        `${FENCE}diff\n${perturb(d, ds)}${FENCE}\n`,
        `<patch>\n${perturb(d, ds)}</patch>`,
        d.slice(0, -1),
      ];
      for (const output of damaged) {
        const r = extractPatch(output);
        assert.equal(r.status, "repaired", `${JSON.stringify(output)}: ${r.reasons.join("; ")}`);
        assert.equal(r.patch, d, JSON.stringify(output));
        assert.deepEqual(validatePatch(r.patch), []);
      }
      assert.equal(recomputeHunkCounts(perturb(d, ds)), d);
    }),
    RUNS,
  );
});

Deno.test("property: a revised diff of the same files in a later fence wins; other files are combined", () => {
  fc.assert(
    fc.property(diffArb, diffArb, (first, second) => {
      const r = extractPatch(`${FENCE}diff\n${first}${FENCE}\nRevised:\n${FENCE}diff\n${second}${FENCE}\n`);
      assert.notEqual(r.status, "invalid");
      // Every file of the second diff comes from the second diff; the first diff keeps only files the second lacks.
      const files = (p: string) => [...p.matchAll(/^\+\+\+ b\/(.*)$/gm)].map((m) => m[1]);
      const expectedFiles = [...files(first).filter((f) => !files(second).includes(f)), ...files(second)];
      assert.deepEqual(files(r.patch), expectedFiles);
      assert.ok(r.patch.endsWith(second));
    }),
    RUNS,
  );
});

const TOKENS = [
  "diff --git a/x b/x",
  "--- a/x",
  "+++ b/x",
  "--- /dev/null",
  "@@ -1,2 +1,2 @@",
  "@@ -0,0 +1 @@",
  "@@ @@",
  "@@",
  " context",
  "-removed",
  "+added",
  "--- x",
  "+++ y",
  "",
  " ",
  "\r",
  "```diff",
  "```",
  "   ```",
  "~~~",
  "<patch>",
  "</patch>",
  "<diff>",
  "\\ No newline at end of file",
  "GIT binary patch",
  "literal 5",
  "delta 3",
  "zcmZ",
  "Binary files a/x and b/x differ",
  "new file mode 100644",
  "rename to y",
  "index 1..2 100644",
  "prose text",
];

Deno.test("property: extractPatch never throws and its result is consistent", () => {
  const diffish = fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).chain((ls) =>
    fc.constantFrom("\n", "\r\n").map((sep) => ls.join(sep))
  );
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 100 }), diffish),
      (s) => {
        const r = extractPatch(s);
        assert.ok(["valid", "repaired", "empty", "invalid"].includes(r.status));
        assert.equal(typeof r.patch, "string");
        assert.ok(Array.isArray(r.reasons));
        if (r.status === "empty") {
          assert.equal(r.patch, "");
          assert.equal(r.source, "none");
        } else {
          assert.ok(r.reasons.length > 0 || r.status === "valid");
        }
        if (r.status === "valid" || r.status === "repaired") {
          assert.deepEqual(validatePatch(r.patch), [], `${JSON.stringify(s)} -> ${JSON.stringify(r.patch)}`);
        }
        if (r.status === "invalid") {
          assert.ok(r.reasons.length > 0);
          assert.notDeepEqual(
            validatePatch(r.patch),
            [],
            `${JSON.stringify(s)} -> ${JSON.stringify(r.patch)}`,
          );
        }
        assert.equal(typeof recomputeHunkCounts(s), "string");
        assert.equal(recomputeHunkCounts(s).split("\n").length, s.split("\n").length);
        validatePatch(s);
      },
    ),
    { numRuns: 3000, seed: 42 },
  );
});
