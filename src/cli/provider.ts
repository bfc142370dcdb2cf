/**
 * `swebench provider list | init | test | models | pull`.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import type { GlobalFlags } from "./options.ts";
import { timeoutOptions } from "./timeout_options.ts";

const TEST_TIMEOUTS = timeoutOptions({ connect: "default 120", idle: "default 300", total: "default 60" });
const LIST_TIMEOUTS = timeoutOptions({ connect: "default 120", idle: "default 300", total: "default 600" });

type SetExit = (code: number) => void;
const globalsOf = (cmd: { optsWithGlobals(): unknown }) => cmd.optsWithGlobals() as unknown as GlobalFlags;

/** The `provider` command group (actions load lazily). */
export function providerCommand(setExit: SetExit): Command {
  const provider = new Command("provider").description("Configure, test and inspect model providers");
  provider.command("list")
    .description("List providers with their settings and where each came from (keys masked)")
    .option("--json", "print JSON")
    .action(async (flags, cmd) => {
      const { providerList } = await import("./provider_action.ts");
      setExit(await providerList(flags, globalsOf(cmd)));
    });
  provider.command("init")
    .description("Store a provider's key, base URL and default model in the config file (mode 0600)")
    .argument("<name>", "a built-in provider (`swebench provider list`), or a new name for your own server")
    .option("--api-key-stdin", "read the API key from standard input")
    .option("-m, --model <id>", "default model")
    .option("--base-url <url>", "base URL (OpenAI-compatible: include /v1)")
    .option("--kind <kind>", "wire protocol of a custom provider: a built-in provider's id (default openai)")
    .option("--no-test", "skip the connection test")
    .option("--json", "print JSON")
    .action(async (name, flags, cmd) => {
      const { providerInit } = await import("./provider_action.ts");
      setExit(await providerInit(name, flags, globalsOf(cmd)));
    });
  provider.command("test")
    .description("Make one small call and print model, latency, tokens and cost")
    .argument("<name>", "provider name")
    .option("-m, --model <id>", "model")
    .option("--base-url <url>", "base URL")
    .addOption(TEST_TIMEOUTS[0])
    .addOption(TEST_TIMEOUTS[1])
    .addOption(TEST_TIMEOUTS[2])
    .option("--json", "print JSON")
    .action(async (name, flags, cmd) => {
      const { providerTest } = await import("./provider_action.ts");
      setExit(await providerTest(name, flags, globalsOf(cmd)));
    });
  provider.command("models")
    .description("List the provider's live models with context windows and prices")
    .argument("<name>", "provider name")
    .option("--base-url <url>", "base URL")
    .addOption(LIST_TIMEOUTS[0])
    .addOption(LIST_TIMEOUTS[1])
    .addOption(LIST_TIMEOUTS[2])
    .option("--json", "print JSON")
    .action(async (name, flags, cmd) => {
      const { providerModels } = await import("./provider_action.ts");
      setExit(await providerModels(name, flags, globalsOf(cmd)));
    });
  provider.command("pull")
    .description("Download a model into Ollama, with progress")
    .argument("<model>", "model name, e.g. qwen2.5-coder:7b")
    .option("--json", "print JSON progress lines")
    .action(async (model, flags, cmd) => {
      const { providerPull } = await import("./provider_action.ts");
      setExit(await providerPull(model, flags, globalsOf(cmd)));
    });
  return provider;
}
