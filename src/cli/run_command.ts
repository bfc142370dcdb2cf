/**
 * Running one command line, the same way whichever parser read it (commander in main.ts, or fast_parse.ts for
 * `generate`): errors become exit codes (docs/architecture.md#exit-codes) with their message (and, with `--json`,
 * the error document on stdout); the UI flags are set before the action and the config file's warnings printed
 * after it.
 *
 * @module
 */
import { configWarnings } from "./config_warnings.ts";
import type { GlobalFlags } from "./options.ts";
import { asError, initUi, printError, setCommandArgs, warn, write } from "./output.ts";

/**
 * Run `body` for the command line `args`; resolves to its exit code, or to the exit code of the error it throws
 * (printed; with `--json` also as one JSON document on stdout).
 */
export async function runCommand(args: readonly string[], body: () => Promise<number>): Promise<number> {
  setCommandArgs(args);
  try {
    return await body();
  } catch (e) {
    const code = printError(e);
    // --json promises one JSON document on stdout, errors included.
    if (args.includes("--json")) {
      write("stdout", JSON.stringify({ error: asError(e).toJSON(), exitCode: code }) + "\n");
    }
    return code;
  }
}

/** Before an action: the UI flags (colour, quiet, verbose). */
export function beforeAction(globals: GlobalFlags): void {
  initUi(globals);
}

/** After an action that returned: the config file's warnings. */
export function afterAction(): void {
  for (const w of configWarnings.splice(0)) warn(w);
}
