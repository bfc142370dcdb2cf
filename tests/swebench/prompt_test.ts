import assert from "node:assert/strict";
import fc from "fast-check";
import { countTokens } from "gpt-tokenizer";
import { parseInstance, type SwebenchInstance } from "../../src/swebench/instance.ts";
import {
  buildPrompt,
  type BuiltPrompt,
  type PromptResult,
  TEMPLATE_SYSTEM,
} from "../../src/swebench/prompt.ts";
import { rawRows } from "./_fixtures.ts";

const LITE: SwebenchInstance[] = rawRows().map((r, i) => parseInstance(r, `lite:${i + 1}`));
const PREMISE =
  "You will be provided with a partial code base and an issue statement explaining a problem to resolve.";
const INSTRUCTIONS =
  "I need you to solve this issue by generating a single patch file that I can apply directly to " +
  "this repository using git apply. Please respond with a single patch file in the following format.\n<patch>\n" +
  "--- a/file.py\n+++ b/file.py\n@@ -1,3 +1,3 @@\n def f():\n-    return 1\n+    return 2\n</patch>";

function numbered(text: string): string {
  return text.split("\n").map((l, i) => `${i + 1} ${l}`).join("\n");
}

/** A retrieval prompt in SWE-bench's style-2 layout (create_instance.py), built from a real instance. */
function retrievalText(inst: SwebenchInstance, files: [string, string][]): string {
  const code = files.map(([name, body]) => `[start of ${name}]\n${numbered(body)}\n[end of ${name}]`).join(
    "\n",
  );
  return [PREMISE, "<issue>", inst.problem_statement, "</issue>", "<code>", code, "</code>", INSTRUCTIONS]
    .join("\n");
}

const inst = LITE.find((i) => i.instance_id === "django__django-11099") ?? LITE[0];
const FILES: [string, string][] = [
  [
    "README.rst",
    Array.from({ length: 60 }, (_, i) => `Readme line ${i}: Django is a web framework.`).join("\n"),
  ],
  ["django/core/validators.py", inst.patch!.repeat(3)],
  ["tests/test_validators.py", inst.test_patch!.repeat(4)],
  [
    "django/utils/other.py",
    Array.from({ length: 300 }, (_, i) => `def f${i}(x):\n    return x + ${i}`).join("\n"),
  ],
];
const withText: SwebenchInstance = { ...inst, text: retrievalText(inst, FILES) };
const tokens = (p: BuiltPrompt) => countTokens(p.system) + countTokens(p.user);

function built(r: PromptResult): BuiltPrompt {
  assert.ok(!("skipped" in r), "skipped" in r ? r.skipped : "");
  return r as BuiltPrompt;
}

Deno.test("prompt: text is split like SWE-bench run_api.py (first line system, rest user)", () => {
  const p = built(buildPrompt(withText, { maxTokens: 1024, countTokens }));
  assert.equal(p.system, PREMISE);
  assert.equal(p.user, withText.text!.slice(PREMISE.length + 1));
  assert.equal(p.truncated, false);
  assert.equal(p.promptTokens, tokens(p));
  const roomy = built(buildPrompt(withText, { contextWindow: 200_000, maxTokens: 4096, countTokens }));
  assert.equal(roomy.user, p.user);
  assert.equal(roomy.truncated, false);
});

Deno.test("prompt: the template carries repo, base commit, issue, hints and asks for <patch>", () => {
  const p = built(buildPrompt(inst, { maxTokens: 1024, countTokens }));
  assert.equal(p.system, TEMPLATE_SYSTEM);
  for (
    const part of [
      inst.repo,
      inst.base_commit,
      inst.problem_statement.trim(),
      "<patch>",
      "</patch>",
      "unified diff",
    ]
  ) {
    assert.ok(p.user.includes(part), part);
  }
  const withHints = LITE.find((i) => (i.hints_text ?? "").length > 200)!;
  const h = built(buildPrompt(withHints, { maxTokens: 1024, countTokens }));
  assert.ok(h.user.includes(withHints.hints_text!.trim()));
  const noHints = LITE.find((i) => (i.hints_text ?? "") === "")!;
  assert.ok(!built(buildPrompt(noHints, { maxTokens: 1024, countTokens })).user.includes("<hints>"));
});

function budget(window: number, maxTokens: number) {
  return window - maxTokens - (32 + Math.ceil(window * 0.02));
}

Deno.test("prompt: code context is cut from the end, whole files first, then the last file by lines", () => {
  const full = built(buildPrompt(withText, { maxTokens: 0, countTokens }));
  const sizes = FILES.map(([n, b]) => countTokens(`[start of ${n}]\n${numbered(b)}\n[end of ${n}]\n`));
  const maxTokens = 500;
  // Room for everything but the last file.
  const need = full.promptTokens - sizes[3] + 20;
  const w1 = Math.ceil((need + maxTokens + 32) / 0.98);
  const p1 = built(buildPrompt(withText, { contextWindow: w1, maxTokens, countTokens }));
  assert.ok(p1.truncated);
  assert.ok(p1.promptTokens <= budget(w1, maxTokens));
  assert.equal(p1.promptTokens, tokens(p1));
  assert.ok(p1.user.includes("[start of tests/test_validators.py]"));
  assert.ok(!p1.user.includes("[start of django/utils/other.py]"));
  assert.ok(!p1.user.includes("truncated to fit"));
  // Room for part of the README only.
  const w2 = Math.ceil(
    (full.promptTokens - sizes[1] - sizes[2] - sizes[3] - sizes[0] / 2 + maxTokens + 32) / 0.98,
  );
  const p2 = built(buildPrompt(withText, { contextWindow: w2, maxTokens, countTokens }));
  assert.ok(p2.promptTokens <= budget(w2, maxTokens));
  assert.ok(p2.user.includes("[start of README.rst]\n1 Readme line 0"));
  assert.ok(p2.user.includes("[... truncated to fit the context window ...]\n[end of README.rst]\n</code>"));
  assert.ok(!p2.user.includes("[start of django/core/validators.py]"));
  // Every kept part outside the code section is intact.
  for (const p of [p1, p2]) {
    assert.equal(p.system, PREMISE);
    assert.ok(p.user.startsWith(`<issue>\n${inst.problem_statement}\n</issue>\n<code>\n`));
    assert.ok(p.user.endsWith(`</code>\n${INSTRUCTIONS}`));
  }
});

Deno.test("prompt: too small for the issue itself -> skipped with the numbers", () => {
  const r = buildPrompt(withText, { contextWindow: 500, maxTokens: 350, countTokens });
  assert.ok("skipped" in r);
  assert.match(r.skipped, /even without code context/);
  assert.match(r.skipped, /context window 500 - max tokens 350 - margin 42 = 108/);
  const none = buildPrompt(withText, { contextWindow: 1000, maxTokens: 1000, countTokens });
  assert.ok("skipped" in none && none.skipped.includes("no room"));
  const noCode: SwebenchInstance = { ...inst, text: `${PREMISE}\n${"word ".repeat(3000)}` };
  const r2 = buildPrompt(noCode, { contextWindow: 2000, maxTokens: 100, countTokens });
  assert.ok("skipped" in r2 && r2.skipped.includes("no code context"));
});

Deno.test("prompt: any window gives a prompt within budget with the issue intact, or a skip (fast-check)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 200, max: 12_000 }),
      fc.integer({ min: 1, max: 2000 }),
      (window, maxTokens) => {
        const r = buildPrompt(withText, {
          contextWindow: window,
          maxTokens,
          countTokens: (t) => Math.ceil(t.length / 4),
        });
        if ("skipped" in r) return;
        const n = Math.ceil(r.system.length / 4) + Math.ceil(r.user.length / 4);
        assert.equal(r.promptTokens, n);
        assert.ok(n <= budget(window, maxTokens));
        assert.ok(r.user.startsWith(`<issue>\n${inst.problem_statement}\n</issue>\n<code>\n`));
        assert.ok(r.user.endsWith(`</code>\n${INSTRUCTIONS}`));
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("prompt: the 300 Lite rows in a tiny window: hints cut first, the issue never cut", () => {
  const counts = { fit: 0, truncated: 0, skipped: 0 };
  const window = 2048;
  const maxTokens = 512;
  for (const i of LITE) {
    const r = buildPrompt(i, { contextWindow: window, maxTokens, countTokens });
    if ("skipped" in r) {
      counts.skipped++;
      assert.match(r.skipped, /tokens without hints/);
      continue;
    }
    assert.ok(r.promptTokens <= budget(window, maxTokens));
    assert.equal(r.promptTokens, tokens(r));
    assert.ok(r.user.includes(`<issue>\n${i.problem_statement.replace(/\s+$/, "")}\n</issue>`));
    if (r.truncated) {
      counts.truncated++;
      assert.ok(!r.user.includes(i.hints_text!.trim()));
    } else counts.fit++;
  }
  assert.ok(counts.fit > 50 && counts.truncated > 10 && counts.skipped > 5, JSON.stringify(counts));
});

Deno.test("prompt: a prompt that fits by the bound is sent sized by it, uncounted; one that does not is counted and fitted as before", () => {
  const bytes = (t: string) => new TextEncoder().encode(t).length;
  let counted = 0;
  const counting = (t: string) => {
    counted++;
    return countTokens(t);
  };
  const full = built(buildPrompt(withText, { maxTokens: 0, countTokens }));
  const boundOfAll = bytes(full.system) + bytes(full.user);
  // Plenty of room: no count at all, the bound stands for the count.
  const roomy = built(
    buildPrompt(withText, {
      contextWindow: 1_000_000,
      maxTokens: 500,
      countTokens: counting,
      boundTokens: bytes,
    }),
  );
  assert.equal(counted, 0);
  assert.equal(roomy.bounded, true);
  assert.equal(roomy.promptTokens, boundOfAll);
  assert.ok(roomy.promptTokens >= full.promptTokens);
  assert.equal(roomy.user, full.user);
  // No window known: the same.
  assert.equal(
    built(buildPrompt(withText, { maxTokens: 500, countTokens: counting, boundTokens: bytes })).bounded,
    true,
  );
  assert.equal(counted, 0);
  // Fits by count but not by the bound: counted, exactly what buildPrompt without a bound gives.
  const w = Math.ceil((full.promptTokens + 500 + 40) / 0.98);
  const tight = built(
    buildPrompt(withText, { contextWindow: w, maxTokens: 500, countTokens: counting, boundTokens: bytes }),
  );
  assert.ok(counted > 0);
  assert.equal(tight.bounded, undefined);
  assert.deepEqual(tight, built(buildPrompt(withText, { contextWindow: w, maxTokens: 500, countTokens })));
  // Too long even by count: fitted exactly as without a bound.
  const w1 = Math.ceil((full.promptTokens / 2 + 500 + 32) / 0.98);
  assert.deepEqual(
    buildPrompt(withText, { contextWindow: w1, maxTokens: 500, countTokens, boundTokens: bytes }),
    buildPrompt(withText, { contextWindow: w1, maxTokens: 500, countTokens }),
  );
  // A count already known wins over the bound.
  const known = built(
    buildPrompt(withText, {
      contextWindow: 1_000_000,
      maxTokens: 500,
      countTokens,
      knownTokens: 1234,
      boundTokens: bytes,
    }),
  );
  assert.equal(known.promptTokens, 1234);
  assert.equal(known.bounded, undefined);
});
