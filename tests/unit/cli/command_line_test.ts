/**
 * The command line an interrupted `compare --batch` prints to collect later: the user's arguments, quoted for a
 * shell, with a password in a URL argument masked (the line is printed; no secret may reach the output).
 */
import assert from "node:assert/strict";
import { commandLine, setCommandArgs } from "../../../src/cli/output.ts";

Deno.test("commandLine quotes the arguments and masks a URL's password", () => {
  setCommandArgs([
    "compare",
    "--base-url",
    "https://me:s3cret-pass@host.example/v1",
    "-d",
    "my data.jsonl",
    "--batch",
  ]);
  try {
    const line = commandLine();
    assert.equal(
      line,
      "swebench compare --base-url 'https://***@host.example/v1' -d 'my data.jsonl' --batch",
    );
    assert.ok(!line.includes("s3cret-pass"));
  } finally {
    setCommandArgs([]);
  }
});
