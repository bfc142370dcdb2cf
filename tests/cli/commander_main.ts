/** main.ts without the stored help and the fast parse: every argument goes to commander (tests/cli/helpers.ts). */
import { runCli } from "../../src/cli/main.ts";

Deno.exit(await runCli(Deno.args));
