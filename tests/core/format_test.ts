import * as assert from "node:assert/strict";
import fc from "fast-check";
import { formatCount, formatUsd, formatWait } from "../../src/core/format.ts";

Deno.test("formatUsd: the one money format (progress, plans, summaries, budget messages)", () => {
  const cases: [number | undefined, string][] = [
    [undefined, "unknown"],
    [0, "$0"],
    [0.000042, "$0.000042"],
    [0.00001234, "$0.000012"],
    [0.0001, "$0.0001"],
    [0.0042, "$0.0042"],
    [0.5, "$0.5000"],
    [0.99999, "$1.0000"],
    [1, "$1.00"],
    [5, "$5.00"],
    [12.345, "$12.35"],
    [1234.5, "$1234.50"],
  ];
  for (const [usd, text] of cases) assert.equal(formatUsd(usd), text, String(usd));
});

Deno.test("formatWait: short human durations", () => {
  const cases: [number, string][] = [
    [850, "850 ms"],
    [1500, "1.5 s"],
    [125_000, "2 min 5 s"],
    [86_399_000, "24 h"],
    [Infinity, "forever"],
  ];
  for (const [ms, text] of cases) assert.equal(formatWait(ms), text, String(ms));
});

Deno.test('formatCount writes what toLocaleString("en-US") writes (no ICU load): integers, decimals, halves, -0', () => {
  for (
    const n of [
      0,
      -0,
      7,
      1234,
      1234567,
      1e20,
      -1234.5678,
      1.2345,
      0.0005,
      999.9995,
      -0.0001,
      123456.1,
      2 ** 53,
    ]
  ) {
    assert.equal(formatCount(n), n.toLocaleString("en-US"), String(n));
  }
  fc.assert(
    fc.property(fc.integer({ min: -1e15, max: 1e15 }), (n) => formatCount(n) === n.toLocaleString("en-US")),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(
      fc.double({ min: -1e12, max: 1e12, noNaN: true }),
      (n) => formatCount(n) === n.toLocaleString("en-US"),
    ),
    { numRuns: 5000 },
  );
});
