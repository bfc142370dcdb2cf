/**
 * swebench-runner's command line: `deno run -A jsr:@swebench/runner generate ...` (or installed as `swebench`).
 * This entry loads only the CLI definition, so that `--help` starts fast; each command loads what it needs when
 * it runs. The library (providers, the run API, datasets, prompts, patches, predictions) is the `/lib` export:
 *
 * ```ts
 * import { createGoldProvider } from "jsr:@swebench/runner/lib";
 * console.log(createGoldProvider().name);
 * ```
 *
 * @module
 */

if (import.meta.main) {
  const { runCli } = await import("./src/cli/main.ts");
  Deno.exit(await runCli(Deno.args));
}
