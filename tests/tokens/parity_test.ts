/**
 * Our counts (gpt-tokenizer) are identical to js-tiktoken's (the reference port of OpenAI's tiktoken, test-only)
 * on every text of tests/fixtures/swe-bench/ and on random Unicode.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { Tiktoken } from "js-tiktoken/lite";
import cl100kRanks from "js-tiktoken/ranks/cl100k_base";
import o200kRanks from "js-tiktoken/ranks/o200k_base";
import { type EncodingName, loadEncoding } from "../../src/tokens/mod.ts";

const SWE_BENCH = new URL("../fixtures/swe-bench/", import.meta.url);
const FILES = ["lite-test.jsonl", "lite-dev.jsonl", "verified-mini.jsonl", "verified-5field.jsonl"];

interface Row {
  instance_id: string;
  problem_statement?: string;
  patch?: string;
  hints_text?: string;
}

async function rows(file: string): Promise<Row[]> {
  const text = await Deno.readTextFile(new URL(file, SWE_BENCH));
  return text.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line));
}

const references = new Map<EncodingName, Tiktoken>();
function reference(name: EncodingName): Tiktoken {
  let enc = references.get(name);
  if (!enc) {
    enc = new Tiktoken(name === "o200k_base" ? o200kRanks : cl100kRanks);
    references.set(name, enc);
  }
  return enc;
}

/** js-tiktoken count with special-token strings treated as text (as the API treats message content). */
function referenceCount(name: EncodingName, text: string): number {
  return reference(name).encode(text, [], []).length;
}

async function assertParity(name: EncodingName, files: string[]): Promise<number> {
  const ours = await loadEncoding(name);
  let checked = 0;
  for (const file of files) {
    for (const row of await rows(file)) {
      for (const field of ["problem_statement", "patch", "hints_text"] as const) {
        const text = row[field];
        if (typeof text !== "string") continue;
        assert.equal(
          ours.count(text),
          referenceCount(name, text),
          `${name} ${file} ${row.instance_id} ${field}`,
        );
        checked++;
      }
    }
  }
  return checked;
}

Deno.test("o200k_base: identical to js-tiktoken on every SWE-bench text (all files, every row)", async () => {
  const checked = await assertParity("o200k_base", FILES);
  assert.ok(checked > 1000, `checked ${checked} texts`); // 374 rows x (problem, patch, hints) + 51 reduced rows
});

Deno.test("cl100k_base: identical to js-tiktoken on every text of lite-test.jsonl", async () => {
  const checked = await assertParity("cl100k_base", ["lite-test.jsonl"]);
  assert.equal(checked, 900);
});

/**
 * Texts with U+FEFF that gpt-tokenizer 4.0.0 alone miscounts, so they take the BOM work-around: pieces that are
 * (or merge into) tokens stored as bytes because they start with a BOM (`\uFEFFusing`, `\uFEFF//`, ...), pieces
 * that need non-UTF-8 byte tokens on the way (emoji, CJK, astral letters), and runs of BOMs.
 */
const BOM_TEXTS = [
  "\uFEFFusing System;",
  "\uFEFF// c",
  "\uFEFFnamespace X",
  "\uFEFF#include <x.h>",
  "\uFEFF\n\nx",
  "\uFEFF/*\n",
  "a\uFEFF🙂é",
  "\uFEFF日本語テキスト",
  "\uFEFF\uFEFF\uFEFF x",
  "x \uFEFF𝔘𝔫\n",
  "> \n> \uFEFF\n> Hi",
];

Deno.test("U+FEFF: the work-around gives js-tiktoken's count in both encodings (incl. sympy__sympy-18698 hints)", async () => {
  const sympy = (await rows("lite-test.jsonl")).find((row) => row.instance_id === "sympy__sympy-18698");
  const hints = sympy?.hints_text ?? "";
  assert.ok(hints.includes("\uFEFF"), "sympy__sympy-18698 hints contain U+FEFF");
  for (const name of ["o200k_base", "cl100k_base"] as const) {
    const ours = await loadEncoding(name);
    for (const text of [...BOM_TEXTS, hints]) {
      assert.equal(
        ours.count(text),
        referenceCount(name, text),
        `${name} ${JSON.stringify(text.slice(0, 40))}`,
      );
    }
  }
  assert.equal((await loadEncoding("o200k_base")).count(hints), 1639);
});

const SPECIAL = [
  "<|endoftext|>",
  "<|im_start|>",
  "<|im_end|>",
  "<|fim_prefix|>",
  "<|endofprompt|>",
  "<|im_sep|>",
];

Deno.test("property: identical to js-tiktoken on random Unicode (with special-token strings mixed in)", async () => {
  const encodings = await Promise.all([loadEncoding("o200k_base"), loadEncoding("cl100k_base")]);
  const text = fc.array(
    fc.oneof(
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.string({ unit: "grapheme", maxLength: 40 }),
      fc.constantFrom(
        ...SPECIAL,
        " ",
        "\n\n",
        "  \t",
        "'s",
        "123456789",
        "é",
        "🙂",
        "\uFEFF",
        " \uFEFF\n",
        "\uFEFF\uFEFF",
      ),
    ),
    { maxLength: 12 },
  ).map((parts) => parts.join(""));
  fc.assert(
    fc.property(text, (input) => {
      for (const enc of encodings) assert.equal(enc.count(input), referenceCount(enc.name, input));
    }),
    { numRuns: 400, seed: 20260723 },
  );
});
