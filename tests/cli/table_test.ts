/**
 * Tables fit the screen: whatever the cells and the width, no line is wider than the width unless one word of it
 * is; every cell's text is still there.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { renderTable } from "../../src/cli/table.ts";

const word = fc.string({ unit: fc.constantFrom(..."abcdefghij0123456789-./$"), minLength: 1, maxLength: 14 });
const cell = fc.array(word, { minLength: 1, maxLength: 6 }).map((ws) => ws.join(" "));

Deno.test("renderTable: every line fits the width (or holds one word too long to fit), no cell text lost", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 7 }).chain((cols) =>
        fc.record({
          head: fc.array(word, { minLength: cols, maxLength: cols }),
          rows: fc.array(fc.array(cell, { minLength: cols, maxLength: cols }), {
            minLength: 1,
            maxLength: 5,
          }),
          right: fc.array(fc.boolean(), { minLength: cols, maxLength: cols }),
        })
      ),
      fc.integer({ min: 16, max: 200 }),
      fc.boolean(),
      ({ head, rows, right }, width, boxed) => {
        const align = right.map((r, i) => (r && i > 0 ? "right" : "left") as "left" | "right");
        // deno-lint-ignore no-control-regex
        const text = renderTable(head, rows, align, { width, boxed }).replace(/\x1b\[[0-9;]*m/g, "");
        for (const line of text.split("\n")) {
          const longest = Math.max(0, ...line.split(/[\s│]+/).map((w) => [...w].length));
          assert.ok([...line].length <= width || longest > width - 8, `${line.length} > ${width}:\n${text}`);
        }
        const flat = text.replace(/[│┌┐└┘├┤┬┴┼─\s,]+/g, "");
        for (const r of rows) for (const c of r) for (const w of c.split(" ")) assert.ok(flat.includes(w), w);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("renderTable: a wide report becomes one block per row on a narrow screen", () => {
  const head = ["model", "instances", "patches", "valid", "failed", "cost", "p50 ms"];
  const rows = [["openai:gpt-4o-mini", 300, 298, 290, 2, "$1.2345", 812], [
    "anthropic:claude-haiku-4-5",
    300,
    300,
    297,
    0,
    "$4.5",
    640,
  ]];
  const wide = renderTable(head, rows, undefined, { width: 200, boxed: false });
  assert.equal(wide.split("\n").length, 3);
  assert.match(wide.split("\n")[0], /^model\s+instances\s+patches/);
  const narrow = renderTable(head, rows, undefined, { width: 50, boxed: false });
  assert.deepEqual(narrow.split("\n").filter((l) => !l.startsWith(" ")), [
    "openai:gpt-4o-mini",
    "anthropic:claude-haiku-4-5",
  ]);
  assert.match(narrow, /instances 300, patches 298, valid 290,/);
  assert.match(narrow, /cost \$4\.5, p50 ms 640/);
});
