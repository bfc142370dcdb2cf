/**
 * The CLI entry: the commander program, global flags, exit codes (docs/architecture.md#exit-codes).
 *
 * @module
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import denoJson from "../../deno.json" with { type: "json" };
import { generateCommand } from "./generate.ts";
import type { GlobalFlags } from "./options.ts";

export type { GlobalFlags };
import { write } from "./output.ts";
import { afterAction, beforeAction, runCommand } from "./run_command.ts";
import { providerCommand } from "./provider.ts";
import { datasetCommand } from "./dataset.ts";
import { reportCommand } from "./report.ts";
import { compareCommand } from "./compare.ts";
import { validateCommand } from "./validate.ts";
import { evaluateCommand } from "./evaluate.ts";
import { batchCommand } from "./batch.ts";
import { helpWidth } from "./help_width.ts";

/**
 * Where commander writes, and how it wraps help: to {@link helpWidth} (at most 80 columns), never coloured (our
 * help has no colour; stripping makes it the same on every terminal), so that the help stored for the fast
 * `--help` of main.ts (help_text.ts) is byte for byte what commander prints.
 */
const OUTPUT = {
  writeOut: (s: string) => write("stdout", s),
  writeErr: (s: string) => write("stderr", s),
  getOutHelpWidth: () => helpWidth("stdout"),
  getErrHelpWidth: () => helpWidth("stderr"),
  getOutHasColors: () => false,
  getErrHasColors: () => false,
};

/** Build the program. Each command's action imports its implementation lazily (fast `--help`). */
export function buildProgram(setExit: (code: number) => void): Command<[], GlobalFlags> {
  const program = new Command("swebench")
    .description("Run any model on SWE-bench: predictions the official harness evaluates unchanged")
    .version(denoJson.version, "--version", "print the version")
    .option("-v, --verbose", "more detail (provider error bodies, retries)")
    .option("-q, --quiet", "no progress output")
    .option("--no-color", "no colours (also NO_COLOR)")
    .option("--config <path>", "config file (default: swebench-runner/config.json in $XDG_CONFIG_HOME)")
    .showHelpAfterError("(run `swebench --help` for usage)")
    .exitOverride()
    .configureOutput(OUTPUT);
  program.hook(
    "preAction",
    (_cmd, action) => beforeAction(action.optsWithGlobals() as unknown as GlobalFlags),
  );
  program.hook("postAction", afterAction);
  program.addCommand(
    generateCommand().action(async (flags, cmd) => {
      const { runGenerate } = await import("./generate_action.ts");
      setExit(await runGenerate(flags, cmd.optsWithGlobals() as unknown as GlobalFlags));
    }),
  );
  program.addCommand(providerCommand(setExit));
  program.addCommand(datasetCommand(setExit));
  program.addCommand(compareCommand(setExit));
  program.addCommand(reportCommand(setExit));
  program.addCommand(validateCommand(setExit));
  program.addCommand(evaluateCommand(setExit));
  program.addCommand(batchCommand(setExit));
  // Every command: errors come back to runCli (exit codes), a usage error says where the help is, and output
  // goes through `write` with help wrapped as the stored help is (an added command keeps commander's defaults).
  const override = (c: Command<unknown[], Record<string, unknown>>, path: string) => {
    c.exitOverride();
    c.configureOutput(OUTPUT);
    c.showHelpAfterError(`(run \`${path} --help\` for usage)`);
    for (const sub of c.commands) {
      override(sub as Command<unknown[], Record<string, unknown>>, `${path} ${sub.name()}`);
    }
  };
  for (const c of program.commands) {
    override(c as Command<unknown[], Record<string, unknown>>, `swebench ${c.name()}`);
  }
  return program;
}

/**
 * Run the CLI with `args`; resolves to the exit code.
 *
 * @example
 * ```ts ignore
 * import { runCli } from "./src/cli/main.ts";
 * Deno.exit(await runCli(["--version"]));
 * ```
 */
export function runCli(args: string[]): Promise<number> {
  return runCommand(args, async () => {
    let code = 0;
    const program = buildProgram((c) => code = c);
    try {
      await program.parseAsync(args, { from: "user" });
      return code;
    } catch (e) {
      if (!(e instanceof CommanderError)) throw e;
      if (
        e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help"
      ) {
        return 0;
      }
      // commander already printed the message; unknown options, bad choices, missing arguments: usage (2).
      return 2;
    }
  });
}
