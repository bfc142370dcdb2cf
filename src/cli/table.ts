/**
 * Tables for terminal output (cli-table3), plain when colour is off.
 *
 * @module
 */
import Table from "cli-table3";
import { ui } from "./output.ts";

/**
 * Render rows as a table.
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
): string {
  const table = new Table({
    head,
    ...(align ? { colAligns: align } : {}),
    style: { head: ui.color ? ["cyan"] : [], border: ui.color ? ["grey"] : [] },
    chars: ui.color ? undefined : {
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
    },
  });
  for (const r of rows) table.push(r.map(String));
  return table.toString();
}
