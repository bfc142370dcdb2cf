/**
 * Text a server sent, made safe to print on a terminal.
 *
 * @module
 */

// ECMA-48 control sequences, in their 7-bit (ESC ...) and 8-bit (C1) forms:
// - OSC, DCS, SOS, PM, APC strings (`ESC ]`, `ESC P`, `ESC X`, `ESC ^`, `ESC _`), up to their terminator (BEL, ST);
// - CSI (`ESC [`): parameter bytes, intermediate bytes, one final byte;
// - any other escape: intermediate bytes and one final byte (`ESC c`, `ESC ( B`).
const ESCAPES = new RegExp(
  [
    "(?:\\u001b[\\]PX^_]|[\\u0090\\u0098\\u009d\\u009e\\u009f])[^\\u0007\\u001b\\u009c]*(?:\\u0007|\\u001b\\\\|\\u009c)",
    "(?:\\u001b\\[|\\u009b)[\\u0030-\\u003f]*[\\u0020-\\u002f]*[\\u0040-\\u007e]",
    "\\u001b[\\u0020-\\u002f]*[\\u0030-\\u007e]",
  ].join("|"),
  "g",
);
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// deno-lint-ignore no-control-regex
const ANY = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/**
 * `text` without terminal control: escape sequences (CSI such as `\x1b[2J`, strings such as the window title
 * `\x1b]0;TITLE\x07`, in their 7-bit and 8-bit forms) removed whole, then every other C0 and C1 control character
 * and DEL removed, except the newline; a tab becomes a space and CR LF a newline. Use it on anything a server (or a
 * file it wrote) sent before it reaches a terminal: error messages and bodies, model names and lists.
 *
 * @example
 * ```ts
 * import { stripControl } from "@swebench/runner/lib";
 * stripControl("bad \x1b]0;TITLE\x07\x1b[2Jrequest\r"); // "bad request"
 * ```
 */
export function stripControl(text: string): string {
  if (!ANY.test(text)) return text;
  return text.replace(/\r\n/g, "\n").replace(ESCAPES, "").replace(/\t/g, " ").replace(CONTROL, "");
}
