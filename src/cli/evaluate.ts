/**
 * `swebench evaluate <predictions...>`: check the file, then run the official SWE-bench harness on it and read
 * back its verdicts.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { intFlag, listFlag } from "./options.ts";
import type { GlobalFlags } from "./options.ts";

type SetExit = (code: number) => void;

/** The `evaluate` command (its action loads lazily). */
export function evaluateCommand(setExit: SetExit) {
  return new Command("evaluate")
    .description(
      "Score predictions with the official SWE-bench harness (Python + Docker): validate, run " +
        "`python -m swebench.harness.run_evaluation` with its progress shown, then read its reports",
    )
    .argument("<predictions...>", "predictions files (.jsonl), one model each")
    .option(
      "-d, --dataset <name>",
      "lite | verified | full | sample | org/name | path (default: from the file name, <model>__<dataset>__<split>.jsonl, else lite)",
    )
    .option("--split <split>", "dataset split (default: from the file name, else test)")
    .option(
      "--run-id <id>",
      "harness run id (default: <file name>-<hash of its content>; the same id resumes)",
    )
    .option(
      "--max-workers <n>",
      "parallel harness containers (harness default 4; at most 75% of CPU cores)",
      intFlag("--max-workers"),
    )
    .option("-i, --instances <ids>", "only these instance ids (comma-separated)", listFlag)
    .option("--json", "print one JSON document on stdout (the harness's output still goes to stderr)")
    .action(async (paths, flags, cmd) => {
      const { evaluateAction } = await import("./evaluate_action.ts");
      setExit(await evaluateAction(paths, flags, cmd.optsWithGlobals() as unknown as GlobalFlags));
    });
}
