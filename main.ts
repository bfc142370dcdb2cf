/**
 * swebench-runner: run any model on SWE-bench with one command.
 *
 * As a library it exposes the unified provider layer, the SWE-bench pipeline and the batch runner; run as a
 * program (`deno run -A jsr:@swebench/runner generate ...`) it is the `swebench` CLI, loaded lazily so that
 * importing the library never loads the CLI.
 *
 * @example
 * ```ts
 * import { createGoldProvider } from "@swebench/runner";
 * const gold = createGoldProvider();
 * console.log(gold.name);
 * ```
 *
 * @module
 */
export * from "./src/mod.ts";

if (import.meta.main) {
  const { runCli } = await import("./src/cli/main.ts");
  Deno.exit(await runCli(Deno.args));
}
