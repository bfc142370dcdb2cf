/**
 * Text a server sent, made safe to print on a terminal.
 *
 * @module
 */
import stripAnsi from "strip-ansi";

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// deno-lint-ignore no-control-regex
const ESCAPE_START = /[\u001b\u009b]/;

/**
 * `text` without terminal control: escape sequences (CSI such as `\x1b[2J`, OSC such as the window title
 * `\x1b]0;TITLE\x07`, DCS, in their 7-bit and 8-bit forms; with `strip-ansi`) removed whole, then every other C0
 * and C1 control character and DEL removed, except the newline; a tab becomes a space and CR LF a newline. Use it
 * on anything a server (or a file it wrote) sent before it reaches a terminal: error messages and bodies, model
 * names and lists.
 *
 * @example
 * ```ts
 * import { stripControl } from "@swebench/runner";
 * stripControl("bad \x1b]0;TITLE\x07\x1b[2Jrequest\r"); // "bad request"
 * ```
 */
export function stripControl(text: string): string {
  let s = text;
  if (ESCAPE_START.test(s)) s = stripAnsi(s);
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(s) && !s.includes("\t")) return s;
  return s.replace(/\r\n/g, "\n").replace(/\t/g, " ").replace(CONTROL, "");
}
