/**
 * Capture what the commander program prints, for the scripts that store its help (help_text.ts) and its option
 * table (parse_table.ts) and for their tests.
 *
 * @module
 */
import type { buildProgram } from "../src/cli/main.ts";
import { HELP_WIDTH } from "../src/cli/help_width.ts";

type AnyCommand = ReturnType<typeof buildProgram>["commands"][number];

/**
 * Send everything `program` and its commands print into strings (help wrapped at `width`): what was written to
 * stdout and to stderr so far.
 */
export function captureOutput(
  program: ReturnType<typeof buildProgram>,
  width: number = HELP_WIDTH,
): { stdout: () => string; stderr: () => string } {
  let stdout = "";
  let stderr = "";
  const capture = (c: AnyCommand) => {
    c.configureOutput({
      writeOut: (s) => stdout += s,
      writeErr: (s) => stderr += s,
      getOutHelpWidth: () => width,
      getErrHelpWidth: () => width,
    });
    for (const sub of c.commands) capture(sub);
  };
  capture(program as unknown as AnyCommand);
  return { stdout: () => stdout, stderr: () => stderr };
}
