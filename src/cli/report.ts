/**
 * `swebench report <run-log...>`: the run summary from run logs, as a table, JSON or an HTML page.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import type { GlobalFlags } from "./options.ts";

type SetExit = (code: number) => void;

/** The `report` command (action loads lazily). */
export function reportCommand(
  setExit: SetExit,
): Command<[string[]], { html?: string; json?: true; results?: string[] }> {
  return new Command("report")
    .description(
      "Summarise run logs (*.runlog.jsonl): outcomes, patches, cost, tokens, latency, retries; with harness " +
        "results (found beside the predictions, or --results): resolved %, cost and tokens per resolved instance",
    )
    .argument("<run-logs...>", "run log files")
    .option(
      "--html <path>",
      "write a self-contained HTML page with charts (and every patch with its outcome)",
    )
    .option(
      "--results <harness-report>",
      "the harness's <model>.<run_id>.json for one of the run logs (repeat for several models)",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option("--json", "print JSON")
    .action(async (paths, flags, cmd) => {
      const { reportAction } = await import("./report_action.ts");
      setExit(await reportAction(paths, flags, cmd.optsWithGlobals() as unknown as GlobalFlags));
    });
}
