/**
 * The width help is wrapped to, one rule for commander and for the stored help of `--help` (`help_static.ts`):
 * the terminal's columns up to {@link HELP_WIDTH}, and {@link HELP_WIDTH} when the output is not a terminal.
 *
 * @module
 */

/** Help is wrapped to at most this many columns (commander's own width off a terminal). */
export const HELP_WIDTH = 80;

/** The width to wrap help to on `stream`: its terminal's columns up to {@link HELP_WIDTH}, else HELP_WIDTH. */
export function helpWidth(stream: "stdout" | "stderr"): number {
  try {
    if (!(stream === "stdout" ? Deno.stdout : Deno.stderr).isTerminal()) return HELP_WIDTH;
    const { columns } = Deno.consoleSize();
    return columns > 0 ? Math.min(columns, HELP_WIDTH) : HELP_WIDTH;
  } catch {
    return HELP_WIDTH;
  }
}
