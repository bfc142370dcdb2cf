/**
 * `swebench dataset list | fetch | info`.
 *
 * @module
 */
import { Command, Option } from "@commander-js/extra-typings";
import { type GlobalFlags, numberFlag } from "./options.ts";

type SetExit = (code: number) => void;
const globalsOf = (cmd: { optsWithGlobals(): unknown }) => cmd.optsWithGlobals() as unknown as GlobalFlags;
const contextOption = () =>
  new Option("--context <kind>", "retrieval context variant")
    .choices(["none", "bm25-13k", "bm25-27k", "bm25-40k", "oracle"] as const)
    .default("none" as const);

/** The `dataset` command group (actions load lazily). */
export function datasetCommand(setExit: SetExit): Command {
  const dataset = new Command("dataset").description("List, download and inspect SWE-bench datasets");
  dataset.command("list")
    .description("Known dataset names, their splits and retrieval variants, and what is cached")
    .option("--json", "print JSON")
    .action(async (flags, cmd) => {
      const { datasetList } = await import("./dataset_action.ts");
      setExit(await datasetList(flags, globalsOf(cmd)));
    });
  dataset.command("fetch")
    .description("Download a dataset split into the cache (after that, no network is needed)")
    .argument("<name>", "lite | verified | full | org/name")
    .option("--split <split>", "split", "test")
    .addOption(contextOption())
    .option("--refresh", "download again even when cached")
    .option(
      "--connect-timeout <s>",
      "seconds to wait for each response's headers (default 30)",
      numberFlag("--connect-timeout"),
    )
    .option("--idle-timeout <s>", "seconds a download may stall (default 60)", numberFlag("--idle-timeout"))
    .option("--json", "print JSON")
    .action(async (name, flags, cmd) => {
      const { datasetFetch } = await import("./dataset_action.ts");
      setExit(await datasetFetch(name, flags, globalsOf(cmd)));
    });
  dataset.command("info")
    .description("Rows, repositories, size and cache location of a dataset")
    .argument("<name>", "lite | verified | full | sample | org/name | local file")
    .option("--split <split>", "split", "test")
    .addOption(contextOption())
    .option("--json", "print JSON")
    .action(async (name, flags, cmd) => {
      const { datasetInfoCommand } = await import("./dataset_action.ts");
      setExit(await datasetInfoCommand(name, flags, globalsOf(cmd)));
    });
  return dataset;
}
