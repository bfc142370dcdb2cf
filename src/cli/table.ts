/**
 * Tables for terminal output (cli-table3): boxed on a terminal with colour, plain columns otherwise. A table wider
 * than the terminal wraps its text columns, and when that is not enough it becomes one block per row, so that no
 * line is ever wider than the screen.
 *
 * @module
 */
import Table from "cli-table3";
import { stdoutIsTerminal, stripAnsi, ui, visibleWidth } from "./output.ts";

/** Options of {@linkcode renderTable}. */
export interface TableOptions {
  /** Widest line allowed (default: the terminal's width when stdout is a terminal, else `COLUMNS`, else none). */
  width?: number;
  /** Boxed with colours (default: stdout is a terminal and colour is on). */
  boxed?: boolean;
}

/** The width tables must fit in: the terminal's columns, `COLUMNS` when piped, or unlimited. */
export function outputWidth(): number {
  if (stdoutIsTerminal) {
    try {
      const { columns } = Deno.consoleSize();
      if (columns > 0) return columns;
    } catch { /* not a console after all */ }
  }
  let fromEnv: string | undefined;
  try {
    fromEnv = Deno.env.get("COLUMNS");
  } catch { /* --allow-env without COLUMNS */ }
  const n = Number(fromEnv);
  return Number.isInteger(n) && n > 0 ? n : Infinity;
}

const PLAIN_CHARS = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "  ",
};

function build(
  head: string[],
  rows: string[][],
  align: ("left" | "right")[] | undefined,
  boxed: boolean,
  colWidths?: number[],
): string {
  const pad = boxed ? 1 : 0;
  const table = new Table({
    head,
    ...(align ? { colAligns: align } : {}),
    ...(colWidths ? { colWidths: colWidths.map((w) => w + 2 * pad), wordWrap: true } : {}),
    style: {
      head: boxed && ui.color ? ["cyan"] : [],
      border: boxed && ui.color ? ["grey"] : [],
      "padding-left": pad,
      "padding-right": pad,
    },
    chars: boxed ? undefined : PLAIN_CHARS,
  });
  for (const r of rows) table.push(r);
  const text = table.toString();
  return boxed ? text : text.split("\n").map((l) => l.trimEnd()).join("\n");
}

function longestWord(s: string): number {
  return Math.max(0, ...stripAnsi(s).split(/\s+/).map((w) => [...w].length));
}

/** Greedy word wrap of `text` into lines of at most `width` (a word longer than that gets its own line). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && visibleWidth(line) + 1 + visibleWidth(word) > width) {
      lines.push(line);
      line = word;
    } else line += (line === "" ? "" : " ") + word;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/**
 * One block per row: the first cell as a title, then `header value` pairs packed into indented lines of `width`
 * (a pair too long for a line of its own is wrapped at spaces).
 */
function blocks(head: string[], rows: string[][], width: number, bold: boolean): string {
  const out: string[] = [];
  const room = Math.max(10, width - 2);
  for (const r of rows) {
    for (const t of wrapWords(r[0], width)) out.push(bold ? `\x1b[1m${t}\x1b[22m` : t);
    const pairs = r.slice(1).map((v, j) => `${head[j + 1]} ${v === "" ? "-" : v}`);
    let line = "";
    for (const [k, pair] of pairs.entries()) {
      const piece = pair + (k < pairs.length - 1 ? "," : "");
      if (line !== "" && visibleWidth(line) + 1 + visibleWidth(piece) <= room) {
        line += ` ${piece}`;
        continue;
      }
      if (line !== "") out.push(`  ${line}`);
      const parts = wrapWords(piece, room);
      line = parts.pop() ?? "";
      for (const p of parts) out.push(`  ${p}`);
    }
    if (line !== "") out.push(`  ${line}`);
  }
  return out.join("\n");
}

/**
 * Render rows as a table that fits the terminal: boxed on a colour terminal, plain columns otherwise (no padding
 * at the line ends). When it is too wide, the boxes go first, then left-aligned text columns (other than the first)
 * are wrapped at spaces; when that is not enough, each row is printed as a block of `header value` pairs.
 *
 * @example
 * ```ts
 * import { renderTable } from "./table.ts";
 * console.log(renderTable(["a", "b"], [["1", "2"]]));
 * ```
 */
export function renderTable(
  head: string[],
  rows: (string | number)[][],
  align?: ("left" | "right")[],
  options: TableOptions = {},
): string {
  const width = options.width ?? outputWidth();
  const boxed = options.boxed ?? (ui.color && stdoutIsTerminal);
  const cells = rows.map((r) => r.map(String));
  const natural = build(head, cells, align, boxed);
  const tableWidth = (t: string) => Math.max(0, ...t.split("\n").map(visibleWidth));
  const total = tableWidth(natural);
  if (total <= width) return natural;
  // Borders cost three columns per column: a plain table may fit where a boxed one does not.
  if (boxed) return renderTable(head, rows, align, { width, boxed: false });
  // Column widths and the fixed overhead (borders, padding, gaps) around them.
  const widths = head.map((h, i) => Math.max(visibleWidth(h), ...cells.map((r) => visibleWidth(r[i] ?? ""))));
  const overhead = total - widths.reduce((a, b) => a + b, 0);
  const mins = head.map((h, i) => {
    const wrappable = i > 0 && (align?.[i] ?? "left") === "left";
    return wrappable ? Math.max(8, longestWord(h), ...cells.map((r) => longestWord(r[i] ?? ""))) : widths[i];
  });
  let excess = total - width;
  const target = [...widths];
  while (excess > 0) {
    let pick = -1;
    for (let i = 0; i < target.length; i++) {
      if (target[i] > mins[i] && (pick < 0 || target[i] > target[pick])) pick = i;
    }
    if (pick < 0) break;
    target[pick]--;
    excess--;
  }
  if (excess <= 0) {
    const wrapped = build(head, cells, align, boxed, target);
    const fits = tableWidth(wrapped) <= width && target.reduce((a, b) => a + b, 0) + overhead <= width;
    // Rows wrapped into tall towers read worse than blocks.
    if (fits && wrapped.split("\n").length <= (rows.length + 1) * 3) return wrapped;
  }
  return blocks(head, cells, width, boxed);
}
