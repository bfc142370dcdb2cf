/**
 * The help main.ts prints without commander (src/cli/help_static.ts) is commander's: src/cli/help_text.ts must be
 * what the program renders now (`deno task help-text --write` regenerates it after a flag or a description
 * changes), every help request it answers must be one commander answers with that same text, and anything else
 * (other flags, unknown commands, forms commander reads differently) must go to commander.
 */
import assert from "node:assert/strict";
import { commanderOutput, HELP_TEXT_PATH, helpRequests, helpTextModule } from "../../../scripts/help_text.ts";
import { HELP_TEXT } from "../../../src/cli/help_text.ts";
import { helpPath } from "../../../src/cli/help_static.ts";

Deno.test("help text: src/cli/help_text.ts is what commander renders now", async () => {
  assert.ok(
    (await Deno.readTextFile(HELP_TEXT_PATH)) === await helpTextModule(),
    "src/cli/help_text.ts is stale: run `deno task help-text --write`",
  );
});

Deno.test("help text: every help request the fast path answers is answered by commander with the same text", async () => {
  const requests = helpRequests();
  // The program, 8 commands, 11 subcommands; `--help` and `-h` each, `help [sub]` where there are subcommands.
  assert.equal(Object.keys(HELP_TEXT).length, 20);
  assert.equal(requests.length, 20 * 2 + 4 + 19);
  for (const { args, path } of requests) {
    assert.equal(helpPath(args), path, `swebench ${args.join(" ")}`);
    const out = await commanderOutput(args);
    assert.ok(out.help, `commander shows help for swebench ${args.join(" ")}`);
    assert.equal(out.stderr, "");
    assert.equal(out.stdout, HELP_TEXT[path], `swebench ${args.join(" ")}`);
  }
});

Deno.test("help text: anything but an exact help request of a known command goes to commander", async () => {
  for (
    const args of [
      [],
      ["--version"],
      ["generate"],
      ["--no-color", "--help"],
      ["-v", "-h"],
      ["generate", "--help", "-v"],
      ["generate", "-p", "gold", "--help"],
      ["bogus", "--help"],
      ["provider", "bogus", "-h"],
      ["help", "bogus"],
      ["help", "--help"],
      ["help", "help"],
      ["generate", "help"],
      ["help", "provider", "list"],
      ["provider", "list", "help"],
      ["provider list", "--help"],
      ["", "--help"],
      ["--HELP"],
    ]
  ) {
    assert.equal(helpPath(args), undefined, `swebench ${args.join(" ")}`);
  }
  // `help a b` is one commander answers with a's help (it reads one operand): not the fast path's to guess.
  assert.equal((await commanderOutput(["help", "provider", "list"])).stdout, HELP_TEXT["provider"]);
});
