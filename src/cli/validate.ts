/**
 * `swebench validate <predictions> [-d dataset] [--json]`: check a predictions file as the official harness reads it.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import type { GlobalFlags } from "./options.ts";

type SetExit = (code: number) => void;

/** The `validate` command (action loads lazily). */
export function validateCommand(
  setExit: SetExit,
): Command<[string], { dataset?: string; split: string; json?: true }> {
  return new Command("validate")
    .description(
      "Check a predictions file (.jsonl, or .json list/dict) as the SWE-bench harness reads it; exit 2 on errors",
    )
    .argument("<predictions>", "predictions file (.jsonl or .json)")
    .option(
      "-d, --dataset <name>",
      "check the ids against this dataset (lite | verified | full | sample | org/name | path)",
    )
    .option("--split <split>", "dataset split", "test")
    .option("--json", "print the report as JSON")
    .action(async (path, flags, cmd) => {
      const { validateAction } = await import("./validate_action.ts");
      setExit(await validateAction(path, flags, cmd.optsWithGlobals() as unknown as GlobalFlags));
    });
}
