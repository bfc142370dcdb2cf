import assert from "node:assert/strict";
import { parseInstance } from "../../../src/swebench/instance.ts";
import { buildPrompt } from "../../../src/swebench/prompt.ts";
import {
  codeText,
  type ContextFile,
  RETRIEVAL_PREMISE,
  retrievalText,
} from "../../../src/swebench/retrieval_text.ts";
import { rawRows } from "../../swebench/_fixtures.ts";

/** Oracle rows of SWE-bench Lite (see tests/fixtures/README.md: astropy__astropy-12907 matches a published row). */
const ORACLE = rawRows("lite-oracle-rebuilt-4.jsonl");

/** The files of a retrieval prompt's `<code>` section, line numbers removed. */
function filesOf(text: string): ContextFile[] {
  const code = text.slice(text.indexOf("<code>\n") + 7, text.lastIndexOf("\n</code>"));
  const files: ContextFile[] = [];
  const re = /^\[start of (.+)\]\n([\s\S]*?)\n\[end of \1\]$/gm;
  for (const m of code.matchAll(re)) {
    const lines = m[2].split("\n");
    lines.forEach((l, i) => assert.ok(l.startsWith(`${i + 1} `), `${m[1]} line ${i + 1}: ${l.slice(0, 40)}`));
    files.push({ path: m[1], content: lines.map((l) => l.slice(l.indexOf(" ") + 1)).join("\n") });
  }
  return files;
}

Deno.test("retrievalText rebuilds SWE-bench oracle rows byte for byte from their issue and files", () => {
  assert.equal(ORACLE.length, 4);
  for (const row of ORACLE) {
    const text = row.text as string;
    const files = filesOf(text);
    assert.ok(files.length >= 2, `${row.instance_id}: README and the edited files`);
    const readmes = files.filter((f) => !f.path.includes("/") && f.path.toLowerCase().startsWith("readme"));
    const rest = files.filter((f) => !readmes.includes(f));
    // Given in another order: the layout sorts by path, as SWE-bench's make_code_text does.
    const rebuilt = retrievalText(row as { problem_statement: string }, {
      readmes,
      files: [...rest].reverse(),
    });
    assert.equal(rebuilt, text, row.instance_id as string);
  }
});

Deno.test("retrievalText: premise on the first line, issue, numbered files, example patch, instruction last", () => {
  const text = retrievalText({ problem_statement: "Crash on empty input\n" }, {
    readmes: [{ path: "README.md", content: "# pkg\n" }],
    files: [{ path: "pkg/b.py", content: "x = 1" }, { path: "pkg/a.py", content: "def f():\n    pass\n" }],
  });
  const lines = text.split("\n");
  assert.equal(lines[0], RETRIEVAL_PREMISE);
  assert.deepEqual(lines.slice(1, 6), ["<issue>", "Crash on empty input", "", "</issue>", ""]);
  assert.equal(
    text.slice(text.indexOf("<code>"), text.indexOf("</code>") + 7),
    "<code>\n[start of README.md]\n1 # pkg\n2 \n[end of README.md]\n" +
      "[start of pkg/a.py]\n1 def f():\n2     pass\n3 \n[end of pkg/a.py]\n" +
      "[start of pkg/b.py]\n1 x = 1\n[end of pkg/b.py]\n</code>",
  );
  assert.ok(text.endsWith("in the format shown above.\nRespond below:"));
  assert.equal(codeText([]), "");
});

Deno.test("a row given retrievalText is split and fitted like a retrieval dataset row (files cut from the end)", () => {
  const row = ORACLE.find((r) => r.instance_id === "astropy__astropy-12907")!;
  const inst = parseInstance(row, "1");
  const count = (t: string) => Math.ceil(t.length / 4);
  const whole = buildPrompt(inst, { maxTokens: 100, countTokens: count });
  assert.ok(!("skipped" in whole));
  assert.equal(whole.system, RETRIEVAL_PREMISE);
  assert.ok(whole.user.startsWith("<issue>\n"));
  // A window that holds the issue and the README but not separable.py: the last file is dropped whole.
  const fitted = buildPrompt(inst, {
    contextWindow: Math.ceil(whole.promptTokens * 0.8) + 100 + 64,
    maxTokens: 100,
    countTokens: count,
    marginTokens: 64,
  });
  assert.ok(!("skipped" in fitted));
  assert.ok(fitted.truncated);
  assert.ok(fitted.user.includes("[start of README.rst]") && fitted.user.includes(inst.problem_statement));
  assert.ok(!fitted.user.includes("[start of astropy/modeling/separable.py]"));
  assert.ok(fitted.user.endsWith("Respond below:"));
});
