/**
 * The bound a call is sized by when its exact count is not needed (issue 15): never below the count the run would
 * make, for exact counters (OpenAI encodings) and estimates (Claude, open models), on real prompts and any text.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { getTokenCounter, tokenBound, utf8Length } from "../../../src/tokens/mod.ts";
import { unfittedPrompt } from "../../../src/swebench/prompt.ts";
import type { SwebenchInstance } from "../../../src/swebench/instance.ts";

const LITE = new URL("../../fixtures/swe-bench/lite-test.jsonl", import.meta.url);
const MODELS = ["gpt-4o-mini", "gpt-4-turbo", "claude-sonnet-4-5", "claude-opus-4-7", "qwen2.5-coder:32b"];

Deno.test("utf8Length is the UTF-8 length TextEncoder writes, surrogates and lone halves included", () => {
  const encoder = new TextEncoder();
  for (const s of ["", "abc", "héllo", "漢字", "😀x", "\ud800a", "a\udc00", "\ud83d"]) {
    assert.equal(utf8Length(s), encoder.encode(s).length, JSON.stringify(s));
  }
  fc.assert(
    fc.property(
      fc.string({ unit: "binary", maxLength: 200 }),
      (s) => utf8Length(s) === encoder.encode(s).length,
    ),
    { numRuns: 500 },
  );
});

Deno.test("tokenBound is never below the counter's count: 300 Lite prompts and arbitrary text", async () => {
  const rows = (await Deno.readTextFile(LITE)).split("\n").filter(Boolean).slice(0, 300)
    .map((l) => JSON.parse(l) as SwebenchInstance);
  for (const model of MODELS) {
    const counter = await getTokenCounter(model);
    const bound = tokenBound(model);
    let counted = 0, bounded = 0;
    for (const inst of rows) {
      const { system, user } = unfittedPrompt(inst);
      for (const text of [system, user]) {
        const n = counter.count(text);
        const b = bound(text);
        assert.ok(b >= n, `${model}, ${inst.instance_id}: bound ${b} < count ${n}`);
        counted += n;
        bounded += b;
      }
    }
    // A bound, not a count: the run sizes calls by it only when nothing needs the exact figure.
    assert.ok(bounded > counted, model);
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => bound(s) >= counter.count(s)),
      { numRuns: 300 },
    );
  }
});
