/**
 * `swebench generate`: run a model over SWE-bench instances and write predictions.
 *
 * @module
 */
import { Command, Option } from "@commander-js/extra-typings";
import { dateFlag, intFlag, listFlag, numberFlag } from "./options.ts";
import { timeoutOptions } from "./timeout_options.ts";

const RUN_TIMEOUTS = timeoutOptions({
  connect: "default 120; Ollama 600",
  idle: "default 300",
  total: "default 600; Ollama 3600",
});

/** The `generate` command (its action is loaded lazily). */
export function generateCommand() {
  return new Command("generate")
    .description("Run a model over SWE-bench instances and write predictions for the official harness")
    .option(
      "-p, --provider <name>",
      "provider: a built-in one or a configured name (`swebench provider list`)",
    )
    .option("-m, --model <id>", "model id (default: the provider's default)")
    .option(
      "-d, --dataset <name>",
      "lite | verified | full | sample | org/name | path.jsonl|.json|.parquet",
      "sample",
    )
    .option("--split <split>", "dataset split (test | dev)", "test")
    .addOption(
      new Option("--context <kind>", "retrieval context variant").choices(
        ["none", "bm25-13k", "bm25-27k", "bm25-40k", "oracle"] as const,
      ).default("none" as const),
    )
    .option("-i, --instances <ids>", "comma-separated instance ids", listFlag)
    .option("--filter <glob>", "instance id glob(s), e.g. 'django__*'")
    .option("-n, --count <n>", "first N instances", intFlag("--count"))
    .option("--sample <n>", "random sample of N instances (see --seed)", intFlag("--sample"))
    .option("--seed <s>", "seed for --sample", intFlag("--seed", 0), 42)
    .option("--shard <i/n>", "run shard i of n (1-based), e.g. 2/4")
    .option("-o, --output <path>", "predictions file (default predictions/<model>__<dataset>__<split>.jsonl)")
    .option("-c, --concurrency <n>", "parallel calls", intFlag("--concurrency"), 8)
    .option("--max-tokens <n>", "max output tokens per call", intFlag("--max-tokens"), 4096)
    .option("--temperature <t>", "sampling temperature", numberFlag("--temperature", 2), 0)
    .option(
      "--anthropic-version <date>",
      "Anthropic API version: 2026-10-21 (default) sends no temperature; 2023-06-01 does",
      dateFlag("--anthropic-version"),
    )
    .option(
      "--max-cost <usd>",
      "hard budget in USD: no call starts that could pass it",
      numberFlag("--max-cost"),
    )
    .option(
      "--fallback <p:m,...>",
      "fallback models, e.g. anthropic:claude-sonnet-5-5,ollama:qwen2.5-coder:7b",
      listFlag,
    )
    .option("--base-url <url>", "provider base URL (OpenAI-compatible: include /v1)")
    .option("--rpm <n>", "requests per minute limit", intFlag("--rpm"))
    .option("--tpm <n>", "tokens per minute limit", intFlag("--tpm"))
    .option("--stream", "stream responses (partial streams are never used)")
    .option(
      "--batch",
      "send through the provider's batch API (openai, anthropic): half price, answers within 24 h",
    )
    .option(
      "--poll-interval <s>",
      "--batch: seconds between the first polls of a batch (default 5, growing to 60)",
      numberFlag("--poll-interval"),
    )
    .addOption(RUN_TIMEOUTS[0])
    .addOption(RUN_TIMEOUTS[1])
    .addOption(RUN_TIMEOUTS[2])
    .option("--dry-run", "print the plan and cost estimate; send nothing")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--overwrite", "start fresh instead of resuming")
    .option("--retry-failed", "redo instances that failed in earlier runs")
    .option("--json", "print one JSON document on stdout");
}

/** Parsed `generate` flags. */
export type GenerateFlags = ReturnType<ReturnType<typeof generateCommand>["opts"]>;
