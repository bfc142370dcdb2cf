/**
 * swebench-runner's command line: `deno run -A jsr:@swebench/runner generate ...` (or installed as `swebench`).
 * This entry loads only the CLI definition, and `--help` not even that: a help request for a known command prints
 * the help stored from commander (`src/cli/help_static.ts`) without loading commander, and a plain `generate` line
 * is parsed from the option table stored from commander (`src/cli/fast_generate.ts`), so its first call does not
 * wait for commander either. Each command loads what
 * it needs when it runs. The library (providers, the run API, datasets, prompts, patches, predictions) is the
 * `/lib` export:
 *
 * ```ts
 * import { createGoldProvider } from "jsr:@swebench/runner/lib";
 * console.log(createGoldProvider().name);
 * ```
 *
 * @module
 */

if (import.meta.main) {
  if (Deno.args.some((a) => a === "--help" || a === "-h" || a === "help")) {
    const { printStaticHelp } = await import("./src/cli/help_static.ts");
    if (printStaticHelp(Deno.args)) Deno.exit(0);
  }
  if (Deno.args.includes("generate")) {
    const { runFastGenerate } = await import("./src/cli/fast_generate.ts");
    const code = await runFastGenerate(Deno.args);
    if (code !== undefined) Deno.exit(code);
  }
  const { runCli } = await import("./src/cli/main.ts");
  Deno.exit(await runCli(Deno.args));
}
