/** main.ts without the stored help: every argument goes to commander (tests/cli/help_static_test.ts). */
import { runCli } from "../../src/cli/main.ts";

Deno.exit(await runCli(Deno.args));
