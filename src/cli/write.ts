/**
 * Whole writes to stdout and stderr, with no dependency (the stored `--help` of `help_static.ts` uses it before
 * anything else is loaded; `output.ts` re-exports it).
 *
 * @module
 */

const encoder = new TextEncoder();
const closed = { stdout: false, stderr: false };

/**
 * Write text whole to stdout or stderr (`writeSync` may write part of a buffer). A reader that went away
 * (`swebench ... | head`) ends the output quietly: the command itself carries on and finishes its files.
 */
export function write(stream: "stdout" | "stderr", text: string): void {
  if (closed[stream]) return;
  const target = stream === "stdout" ? Deno.stdout : Deno.stderr;
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(target.writeSync(bytes));
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) closed[stream] = true;
    else throw e;
  }
}
