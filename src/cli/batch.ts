/**
 * `swebench batch list | status <id|predictions> | cancel <id|predictions>`: the batches of the providers' batch
 * APIs (OpenAI Batch API, Anthropic Message Batches), and those a `generate --batch` run journaled.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { type GlobalFlags, intFlag } from "./options.ts";

type SetExit = (code: number) => void;
const globalsOf = (cmd: { optsWithGlobals(): unknown }) => cmd.optsWithGlobals() as unknown as GlobalFlags;

const TARGET = "a batch id (batch_... OpenAI, msgbatch_... Anthropic) or a predictions file written by " +
  "`generate --batch`";

/** The `batch` command group (actions load lazily). */
export function batchCommand(setExit: SetExit): Command {
  const batch = new Command("batch").description(
    "List, follow and cancel batches (the OpenAI Batch API and Anthropic Message Batches; see generate --batch)",
  );
  batch.command("list")
    .description("List recent batches, newest first, of every batch provider with a key (or of -p)")
    .option("-p, --provider <name>", "only this provider: openai or anthropic")
    .option("--base-url <url>", "base URL of that provider's API (with -p)")
    .option("-n, --limit <n>", "batches per provider", intFlag("--limit"), 20)
    .option("--json", "print JSON")
    .action(async (flags, cmd) => {
      const { batchList } = await import("./batch_action.ts");
      setExit(await batchList(flags, globalsOf(cmd)));
    });
  batch.command("status")
    .description("Show a batch, or every batch of a predictions file, as the API reports it now")
    .argument("<id|predictions>", TARGET)
    .option("-p, --provider <name>", "the provider of a batch id (default: from the id's prefix)")
    .option("--base-url <url>", "base URL of the provider's API")
    .option("--json", "print JSON")
    .action(async (target, flags, cmd) => {
      const { batchStatus } = await import("./batch_action.ts");
      setExit(await batchStatus(target, flags, globalsOf(cmd)));
    });
  batch.command("cancel")
    .description(
      "Cancel a batch, or every open batch of a predictions file (finished requests keep their results)",
    )
    .argument("<id|predictions>", TARGET)
    .option("-p, --provider <name>", "the provider of a batch id (default: from the id's prefix)")
    .option("--base-url <url>", "base URL of the provider's API")
    .option("--json", "print JSON")
    .action(async (target, flags, cmd) => {
      const { batchCancel } = await import("./batch_action.ts");
      setExit(await batchCancel(target, flags, globalsOf(cmd)));
    });
  return batch;
}
