/**
 * `swebench ... --help` prints the help stored from commander without loading it (src/cli/help_static.ts): the
 * real CLI, piped and on terminals of several widths, prints byte for byte what commander prints for the same
 * arguments; commander wraps help to the terminal up to 80 columns, and the stored help is used only where that
 * is 80.
 */
import assert from "node:assert/strict";
import { commanderOutput, helpRequests } from "../../scripts/help_text.ts";
import { HELP_TEXT } from "../../src/cli/help_text.ts";
import { runCli, runCommanderCli } from "./helpers.ts";
import { runInTerminal } from "./terminal.ts";

const commanderCli = (args: string[], home: string) => runCommanderCli(args, home);

/** Run `f` on every item, at most `n` at a time. */
async function pool<T>(items: T[], n: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await f(items[next++]);
  }));
}

Deno.test("--help, piped: every help request prints what commander prints, byte for byte, loading no npm package", async () => {
  const home = await Deno.makeTempDir({ prefix: "swebench-home-" });
  const cases = [
    // Answered from the store: with --no-npm, loading commander would fail.
    ...helpRequests().map((r) => ({ args: r.args, permissions: ["-A", "--no-npm"] })),
    // Through commander on both sides (not help requests the store answers).
    ...[["--no-color", "--help"], ["help", "provider", "list"], ["bogus", "--help"]].map((args) => ({
      args,
      permissions: ["-A"],
    })),
  ];
  await pool(cases, 3, async ({ args, permissions }) => {
    const [ours, commander] = await Promise.all([
      runCli(args, { env: { HOME: home }, permissions }),
      commanderCli(args, home),
    ]);
    const what = `swebench ${args.join(" ")}`;
    assert.equal(ours.stdout, commander.stdout, what);
    assert.equal(ours.stderr, commander.stderr, what);
    assert.equal(ours.code, commander.code, what);
  });
  await Deno.remove(home, { recursive: true });
});

Deno.test("--help on a terminal: at most 80 columns wide, the stored help from 80 columns up", async () => {
  for (const cols of [80, 120]) {
    // The stored help, and commander's (`--no-color --help` is not answered from the store): the same text
    // (the screen: without the escapes Deno itself may write to the terminal while it loads).
    for (
      const args of [["--help"], ["generate", "-h"], ["--no-color", "--help"], ["-v", "provider", "--help"]]
    ) {
      const r = await runInTerminal(args, { cols });
      assert.equal(r.code, 0);
      const path = args.filter((a) => !a.startsWith("-")).join(" ");
      assert.equal(r.screen, HELP_TEXT[path], `swebench ${args.join(" ")} on ${cols} columns`);
    }
  }
  // Narrower: commander wraps to the terminal.
  const narrow = await runInTerminal(["generate", "--help"], { cols: 60 });
  assert.equal(narrow.code, 0);
  assert.notEqual(narrow.screen, HELP_TEXT["generate"]);
  assert.equal(narrow.screen, (await commanderOutput(["generate", "--help"], 60)).stdout);
});
