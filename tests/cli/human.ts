/**
 * What every human output must be, piped or on a terminal: no stack trace, no "unexpected error", no JavaScript
 * leaking through (`undefined`, `NaN`, `[object Object]`), no ANSI escape when piped; on a terminal, live lines and
 * tables no wider than the screen. Tests assert the facts a person relies on with these, not exact bytes.
 */
import assert from "node:assert/strict";
import type { CliResult } from "./helpers.ts";
import type { TerminalResult } from "./terminal.ts";

const LEAKS: [RegExp, string][] = [
  [/unexpected error/i, '"unexpected error"'],
  [/^\s+at .*(?:file|ext|node):.*:\d+:\d+\)?$/m, "a stack trace"],
  [/\b(?:Uncaught|TypeError|ReferenceError|SyntaxError|RangeError)\b/, "a JavaScript error"],
  [/\bundefined\b/, '"undefined"'],
  [/\bNaN\b/, '"NaN"'],
  [/\[object Object\]/, '"[object Object]"'],
  [/\bInfinity\b/, '"Infinity"'],
];

function noLeaks(text: string, what: string): void {
  for (const [re, name] of LEAKS) assert.ok(!re.test(text), `${what} shows ${name}:\n${text}`);
}

/** A piped run: clean text, the exit code expected, and each fact present (stdout + stderr). */
export function assertPiped(r: CliResult, code: number, ...facts: RegExp[]): void {
  const all = r.stdout + "\n" + r.stderr;
  assert.equal(r.code, code, `exit ${r.code}, expected ${code}:\n${all}`);
  noLeaks(all, "piped output");
  assert.ok(!all.includes("\x1b"), `ANSI escape in piped output:\n${JSON.stringify(all)}`);
  for (const f of facts) assert.match(all, f);
}

/** A terminal run: clean text, the exit code expected, each fact on the screen; `fit`: live lines and table rows fit. */
export function assertOnTerminal(
  r: TerminalResult,
  code: number,
  options: { cols?: number; fit?: boolean; colour?: boolean } = {},
  ...facts: RegExp[]
): void {
  assert.equal(r.code, code, `exit ${r.code}, expected ${code}:\n${r.screen}`);
  noLeaks(r.screen, "terminal output");
  for (const f of facts) assert.match(r.screen, f);
  if (options.fit) {
    // Live lines (redrawn in place) and table rows must fit; prose may wrap, and a path or URL longer than the
    // screen cannot be helped.
    const cols = options.cols ?? 100;
    const tableRow = (l: string) => /[│┌└├]/.test(l) || /\S {2,}\S/.test(l.trim());
    for (const l of [...r.live, ...r.screen.split("\n").filter(tableRow)]) {
      const longest = Math.max(0, ...l.split(/\s+/).map((w) => [...w].length));
      if (longest >= cols - 10) continue;
      assert.ok([...l].length <= cols, `a line wider than the ${cols}-column terminal:\n${l}\n\n${r.screen}`);
    }
  }
  // deno-lint-ignore no-control-regex
  if (options.colour) assert.match(r.raw, /\x1b\[(?:1|3\d|9\d)m/, "no colour on a terminal");
}
