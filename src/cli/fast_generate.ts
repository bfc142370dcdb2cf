/**
 * `swebench generate` without commander: main.ts runs a plain `generate` line here (fast_parse.ts reads it as
 * commander would), so the first call does not wait for commander's Node polyfills. Any other line, or one not in
 * the plain form, is left to commander (undefined).
 *
 * @module
 */
import { fastParse } from "./fast_parse.ts";
import type { GenerateFlags } from "./generate.ts";
import type { GlobalFlags } from "./options.ts";
import { afterAction, beforeAction, runCommand } from "./run_command.ts";

/** Run `args` when they are a plain `generate` line; resolves to the exit code, or undefined (commander's). */
export async function runFastGenerate(args: readonly string[]): Promise<number | undefined> {
  let parsed;
  try {
    parsed = fastParse(args);
  } catch (e) {
    // A value its parser refuses: the usage error commander's parse would throw.
    return await runCommand(args, () => Promise.reject(e));
  }
  if (parsed?.command !== "generate") return undefined;
  const { flags, globals } = parsed;
  return await runCommand(args, async () => {
    beforeAction(globals as GlobalFlags);
    const { runGenerate } = await import("./generate_action.ts");
    const code = await runGenerate(flags as GenerateFlags, globals as GlobalFlags);
    afterAction();
    return code;
  });
}
