/**
 * `swebench report <run-log...>`: the run summary from run logs, as a table, JSON or an HTML page.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import type { GlobalFlags } from "./options.ts";

type SetExit = (code: number) => void;

/** The `report` command (action loads lazily). */
export function reportCommand(setExit: SetExit): Command<[string[]], { html?: string; json?: true }> {
  return new Command("report")
    .description("Summarise run logs (*.runlog.jsonl): outcomes, patches, cost, tokens, latency, retries")
    .argument("<run-logs...>", "run log files")
    .option("--html <path>", "write a self-contained HTML page with charts")
    .option("--json", "print JSON")
    .action(async (paths, flags, cmd) => {
      const { reportAction } = await import("./report_action.ts");
      setExit(await reportAction(paths, flags, cmd.optsWithGlobals() as unknown as GlobalFlags));
    });
}
