/**
 * `swebench compare --providers p:m,p:m`: the same selection through each model, one budget, a side-by-side table.
 *
 * @module
 */
import { Command, Option } from "@commander-js/extra-typings";
import type { GlobalFlags } from "./options.ts";
import { dateFlag, intFlag, listFlag, numberFlag } from "./options.ts";
import { timeoutOptions } from "./timeout_options.ts";

const RUN_TIMEOUTS = timeoutOptions({
  connect: "default 120; Ollama 600",
  idle: "default 300",
  total: "default 600; Ollama 3600",
});

type SetExit = (code: number) => void;

/** The `compare` command (action loads lazily). */
export function compareCommand(setExit: SetExit) {
  return new Command("compare")
    .description("Run the same selection through several models (one budget) and compare them side by side")
    .requiredOption(
      "--providers <p:m,...>",
      "models to compare, e.g. openai:gpt-4o-mini,anthropic:claude-sonnet-5-5",
      listFlag,
    )
    .option("-d, --dataset <name>", "lite | verified | full | sample | org/name | path", "sample")
    .option("--split <split>", "dataset split", "test")
    .addOption(
      new Option("--context <kind>", "retrieval context variant").choices(
        ["none", "bm25-13k", "bm25-27k", "bm25-40k", "oracle"] as const,
      ).default("none" as const),
    )
    .option("-i, --instances <ids>", "comma-separated instance ids", listFlag)
    .option("--filter <glob>", "instance id glob(s)")
    .option("-n, --count <n>", "first N instances", intFlag("--count"))
    .option("--sample <n>", "random sample of N instances", intFlag("--sample"))
    .option("--seed <s>", "seed for --sample", intFlag("--seed", 0), 42)
    .option("--shard <i/n>", "run shard i of n")
    .option("--output-dir <dir>", "where predictions go", "predictions")
    .option("-c, --concurrency <n>", "parallel calls per model", intFlag("--concurrency"), 8)
    .option("--max-tokens <n>", "max output tokens per call", intFlag("--max-tokens"), 4096)
    .option("--temperature <t>", "sampling temperature", numberFlag("--temperature", 2), 0)
    .option(
      "--anthropic-version <date>",
      "Anthropic API version: 2026-10-21 (default) sends no temperature; 2023-06-01 does",
      dateFlag("--anthropic-version"),
    )
    .option("--max-cost <usd>", "one budget for all models together", numberFlag("--max-cost"))
    .option("--stream", "stream responses")
    .option(
      "--batch",
      "send each model through its provider's batch API (openai, anthropic): half price, answers within 24 h",
    )
    .option(
      "--poll-interval <s>",
      "--batch: seconds between the first polls of a batch (default 5, growing to 60)",
      numberFlag("--poll-interval"),
    )
    .addOption(RUN_TIMEOUTS[0])
    .addOption(RUN_TIMEOUTS[1])
    .addOption(RUN_TIMEOUTS[2])
    .option("--dry-run", "print the plans and cost estimates; send nothing")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--overwrite", "start fresh instead of resuming")
    .option("--retry-failed", "redo instances that failed in earlier runs")
    .option("--report <path>", "write a self-contained HTML report")
    .option("--json", "print one JSON document on stdout")
    .action(async (flags, cmd) => {
      const { compareAction } = await import("./compare_action.ts");
      setExit(await compareAction(flags, cmd.optsWithGlobals() as unknown as GlobalFlags));
    });
}
