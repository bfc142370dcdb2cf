/**
 * Issue 15 (time to first request): main.ts parses a plain `generate` line without commander (src/cli/fast_parse.ts,
 * with the option table stored from commander in src/cli/parse_table.ts). What the action is given must be what
 * commander gives it, for every line the fast parse accepts; a value a flag parser refuses must fail with the same
 * error; anything else must be left to commander. Checked against the real program on chosen lines (commander's
 * quirks included) and on random ones (fast-check). That the stored table is current: tests/cli/fast_generate_test.ts
 * (its check formats the table with `deno fmt`, a process).
 */
import assert from "node:assert/strict";
import { Option } from "@commander-js/extra-typings";
import fc from "fast-check";
import { commanderParse, parseTableModule } from "../../../scripts/parse_table.ts";
import { buildProgram } from "../../../src/cli/main.ts";
import { fastParse } from "../../../src/cli/fast_parse.ts";
import { intFlag } from "../../../src/cli/options.ts";
import { PARSE_TABLE } from "../../../src/cli/parse_table.ts";
import type { FlagSpec } from "../../../src/cli/parse_table_types.ts";

type Outcome = { parsed: unknown } | { error: string } | "declined";

/** The fast parse of `args`: what it parsed, the error it threw, or declined (commander's). */
function fast(args: string[]): Outcome {
  try {
    const p = fastParse(args);
    return p === undefined ? "declined" : { parsed: p };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The fast parse agrees with commander on `args` (or leaves the line to it); returns whether it accepted. */
async function agrees(args: string[]): Promise<Outcome> {
  const ours = fast(args);
  if (ours === "declined") return ours;
  const theirs = await commanderParse(args);
  const line = `swebench ${args.join(" ")}`;
  if ("error" in ours) {
    assert.deepEqual(theirs, { error: ours.error, usage: false }, line);
  } else {
    assert.deepEqual(ours.parsed, theirs, line);
  }
  return ours;
}

Deno.test("fast parse: plain generate lines give the action what commander gives it", async () => {
  for (
    const args of [
      ["generate"],
      ["generate", "-p", "openai", "-m", "gpt-4o-mini", "-d", "lite", "-y"],
      ["-v", "generate", "-y"],
      ["generate", "-v", "-q", "--no-color", "--config", "c.json"],
      ["--config=c.json", "generate", "--seed=5", "--context", "bm25-13k"],
      // Repeated: a list adds up, anything else keeps the last.
      ["generate", "-i", "a,b", "-i", "c", "-c", "4", "-c", "5"],
      ["generate", "--fallback", "anthropic:claude-sonnet-5,ollama:qwen2.5-coder:7b", "--max-cost", "2.5"],
      // A value is the next word, whatever it looks like (commander's), unless the program takes it first.
      ["generate", "--base-url", "--json", "--temperature", "0.5", "--filter", "-x"],
      ["generate", "--output", "generate", "--anthropic-version", "2023-06-01", "--connect-timeout", "0"],
      ["generate", "--split=", "--stream", "--batch", "--poll-interval", "7", "--dry-run", "--overwrite"],
      ["generate", "--retry-failed", "--json", "--rpm", "60", "--tpm", "1000", "--shard", "2/4", "-n", "3"],
    ]
  ) {
    const ours = await agrees(args);
    assert.ok(ours !== "declined" && "parsed" in ours, `accepted: swebench ${args.join(" ")}`);
  }
});

Deno.test("fast parse: a value a flag parser refuses fails with the parser's own error, as under commander", async () => {
  for (
    const args of [
      ["generate", "-c", "0"],
      ["generate", "--max-cost", "-1"],
      ["generate", "--temperature", "3"],
      ["generate", "--anthropic-version", "2023-13-45"],
      ["generate", "--seed", "1.5", "--bogus"], // the bad value comes first: commander's parse meets it first too
    ]
  ) {
    const ours = fast(args);
    if (args.includes("--bogus")) {
      assert.equal(ours, "declined"); // an unknown option anywhere: commander's line
      assert.equal((await commanderParse(args) as { usage: boolean }).usage, false);
      continue;
    }
    assert.ok(ours !== "declined" && "error" in ours, `refused: swebench ${args.join(" ")}`);
    await agrees(args);
  }
});

Deno.test("fast parse: anything but a plain line is commander's (its own errors and quirks)", async () => {
  for (
    const args of [
      [],
      ["--version"],
      ["generate", "--help"],
      ["generate", "-h", "-p", "openai"],
      ["generate", "extra"], // an operand
      ["generate", "--bogus"],
      ["generate", "-c8"], // an attached value
      ["generate", "-yq"], // combined flags (commander refuses this one: -q is the program's)
      ["-vq", "generate"],
      ["generate", "--stream=1"], // a switch given a value
      ["generate", "--context", "bm25-99k"], // not one of the choices
      ["generate", "--", "-p"],
      ["generate", "-p"], // a missing value
      ["generate", "--output", "-v"], // the program takes -v first: --output has no value left
      ["generate", "--filter", "-vq"], // the program splits -vq and takes both: --filter has no value left
      ["generate", "--output", "--help"], // commander takes it as the file name: left to it all the same
      ["-p", "openai", "generate"], // a command option before the command
      ["provider", "list"],
      ["compare", "--providers", "gold"],
    ]
  ) {
    assert.equal(fast(args), "declined", `swebench ${args.join(" ")}`);
  }
  // What commander does with two of them, so that declining is right: an error, and a flag taken as a value.
  assert.equal((await commanderParse(["generate", "--output", "-v"]) as { usage: boolean }).usage, true);
  assert.equal((await commanderParse(["generate", "-yq"]) as { usage: boolean }).usage, true);
});

Deno.test("fast parse: a whole-number flag refuses an empty or blank value and other notations (as under commander)", async () => {
  // `swebench generate --sample 10 --seed "$SEED"` with SEED unset was seed 0 (Number("") is 0).
  for (const value of ["", " ", "0x10", "1e3", "0b11", "+5", "5.0"]) {
    assert.throws(
      () => intFlag("--seed", 0)(value),
      /--seed expects a whole number >= 0/,
      `--seed "${value}"`,
    );
  }
  assert.equal(intFlag("--seed", 0)(" 7 "), 7);
  for (
    const args of [["generate", "--sample", "10", "--seed="], ["generate", "--sample", "10", "--seed", ""]]
  ) {
    assert.throws(() => fastParse(args), /--seed expects a whole number/, `swebench ${args.join(" ")}`);
    await agrees(args);
  }
});

/** Values for an option: ones its parser or choices accept, and ones they refuse. */
function values(o: FlagSpec): { good: string[]; bad: string[] } {
  if (o.choices) return { good: [...o.choices], bad: ["bogus"] };
  switch (o.parser?.[0]) {
    case "int":
      return {
        good: [String(o.parser[2]), String(o.parser[2] + 7)],
        bad: ["x", "1.5", String(o.parser[2] - 1)],
      };
    case "number":
      return { good: ["0", "0.5", String(o.parser[2] ?? 10)], bad: ["-1", "abc", ""] };
    case "date":
      return { good: ["2023-06-01", "2026-10-21"], bad: ["2023-13-45", "yesterday"] };
    case "list":
      return { good: ["a,b", "c", " d , ,e"], bad: [] };
    default:
      return { good: ["openai", "x.json", "a=b", "generate", "2/4"], bad: [] };
  }
}

/** The words of one option on a line: `--long v`, `--long=v`, `-s v`, or the switch. */
function optionWords(o: FlagSpec, pick: number, value: string): string[] {
  if (!o.value) return [pick % 2 === 0 || o.short === undefined ? o.long : o.short];
  if (pick % 3 === 1) return [`${o.long}=${value}`];
  return [pick % 3 === 2 && o.short ? o.short : o.long, value];
}

const GENERATE = PARSE_TABLE.commands.generate.options;
const GLOBAL = PARSE_TABLE.globals.options;

/** An option of `table` with a good value, in one of its forms. */
const goodOption = (table: readonly FlagSpec[]) =>
  fc.tuple(fc.nat({ max: table.length - 1 }), fc.nat(), fc.nat()).map(([i, pick, v]) => {
    const good = values(table[i]).good;
    return optionWords(table[i], pick, good[v % good.length]);
  });

Deno.test("fast parse: random plain lines are all read, as commander reads them", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(goodOption(GLOBAL), { maxLength: 2 }),
      fc.array(fc.oneof(goodOption(GENERATE), goodOption(GENERATE), goodOption(GLOBAL)), { maxLength: 8 }),
      async (before, after) => {
        const args = [...before.flat(), "generate", ...after.flat()];
        const ours = await agrees(args);
        assert.ok(ours !== "declined", `accepted: swebench ${args.join(" ")}`);
      },
    ),
    { numRuns: 300, seed: 15 },
  );
});

Deno.test("fast parse: random lines with odd words are read as commander reads them, or left to it", async () => {
  const odd = fc.constantFrom(
    ["--bogus"],
    ["extra"],
    ["--"],
    ["-yq"],
    ["-c8"],
    ["--stream=1"],
    ["-v"],
    ["--config"],
    ["--help"],
    ["-1"],
    ["-vq"],
    ["--json"],
    ["generate"],
  );
  const badOption = fc.tuple(fc.nat({ max: GENERATE.length - 1 }), fc.nat(), fc.nat()).map(([i, pick, v]) => {
    const bad = values(GENERATE[i]).bad;
    return bad.length === 0 ? [] : optionWords(GENERATE[i], pick, bad[v % bad.length]);
  });
  let accepted = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof(goodOption(GLOBAL), odd), { maxLength: 2 }),
      fc.array(fc.oneof(goodOption(GENERATE), badOption, odd), { maxLength: 6 }),
      async (before, after) => {
        const ours = await agrees([...before.flat(), "generate", ...after.flat()]);
        if (ours === "declined") return;
        if ("error" in ours) refused++;
        else accepted++;
      },
    ),
    { numRuns: 300, seed: 1500 },
  );
  // The random lines reach all three answers (the property is not vacuous).
  assert.ok(accepted > 10 && refused > 10, `accepted ${accepted}, refused ${refused}`);
});

Deno.test("fast parse: the table is not written for a program the fast parse would read wrongly", async () => {
  const changed: [RegExp, (p: ReturnType<typeof buildProgram>) => void][] = [
    [
      /swebench generate has hooks/,
      (p) => p.commands.find((c) => c.name() === "generate")!.hook("preAction", () => {}),
    ],
    [/the program's hooks changed/, (p) => p.hook("preSubcommand", () => {})],
    [
      /--level <n>: its parser is not one of options.ts's/,
      (p) => p.option("--level <n>", "level", (v: string) => Number(v)),
    ],
    [/--log \[file\]: optional/, (p) => p.option("--log [file]", "log file")],
    [
      /--tag <t>: optional\/variadic\/env/,
      (p) => p.commands[0].addOption(new Option("--tag <t>", "tag").env("TAG")),
    ],
  ];
  for (const [message, change] of changed) {
    const program = buildProgram(() => {});
    change(program);
    await assert.rejects(() => parseTableModule(program), message);
  }
});
