/**
 * Issue 11 item 11 (part): a dataset line that is not UTF-8 is named by its own line number (not by the decoder's
 * chunk), and the operating system refusing a write under `-A` is a plain I/O error naming the path (exit 2), not
 * a Deno permission with an `--allow-write` hint.
 */
import assert from "node:assert/strict";
import { realRows, runCli, tempDataset } from "./helpers.ts";

Deno.test("a non-UTF-8 byte deep in a large dataset names its own line", async () => {
  const { lines } = await realRows("lite-test.jsonl", 12);
  const dir = await Deno.makeTempDir();
  const data = `${dir}/d.jsonl`;
  const enc = new TextEncoder();
  // Real rows of several KB each: line 9 lies well past the first read chunk of the file.
  const bad = lines[8].slice(0, -1) + ', "x": "\u0000"}'; // a raw NUL, replaced below by a byte UTF-8 forbids
  const bytes = enc.encode(bad);
  const at = bytes.indexOf(0); // the NUL inside the string: made an invalid UTF-8 byte
  bytes[at] = 0xff;
  const parts = [
    ...lines.slice(0, 8).map((l) => enc.encode(l + "\n")),
    bytes,
    enc.encode("\n" + lines[9] + "\n"),
  ];
  await Deno.writeFile(data, new Uint8Array(parts.flatMap((p) => [...p])));
  assert.ok((await Deno.stat(data)).size > 65_536, "the file spans several read chunks");
  const r = await runCli(["generate", "-p", "gold", "-d", data, "-o", `${dir}/p.jsonl`]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`error: ${data}:9: not valid UTF-8 text`));
  assert.match(r.stderr, /hint: A \.jsonl dataset must be UTF-8 encoded/);
  await assert.rejects(() => Deno.stat(`${dir}/p.jsonl`), Deno.errors.NotFound);
});

Deno.test("the OS refusing a write under -A: a plain I/O error naming the path, exit 2, no --allow-write", async () => {
  // Root may write anywhere but sysfs, which refuses new files with EACCES; others get a read-only directory.
  let dir = "/sys";
  if (Deno.uid() !== 0) {
    dir = await Deno.makeTempDir();
    await Deno.chmod(dir, 0o555);
  }
  const out = `${dir}/p.jsonl`;
  const r = await runCli(["generate", "-p", "gold", "-d", "sample", "-o", out]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`error: Could not write ${out}(\\.lock)?: permission denied by the operating system`),
  );
  assert.match(r.stderr, /hint: The file or its directory is not writable by this user/);
  assert.doesNotMatch(r.stderr, /--allow-write|Deno denied/);
});

Deno.test("a run reads no test fields: malformed ones do not stop generate; dataset info and validate name them", async () => {
  const { lines } = await realRows("lite-test.jsonl", 2);
  const row = JSON.parse(lines[0]);
  const bad = JSON.stringify({ ...row, FAIL_TO_PASS: "not json [", PASS_TO_PASS: [1, 2], test_patch: 5 });
  const { dir, data } = await tempDataset([bad, lines[1]]);
  const out = `${dir}/p.jsonl`;
  const run = await runCli(["generate", "-p", "gold", "-d", data, "-o", out, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal((await Deno.readTextFile(out)).trim().split("\n").length, 2, "both rows answered");
  const info = await runCli(["dataset", "info", data]);
  assert.equal(info.code, 2, info.stderr);
  assert.match(info.stderr, new RegExp(`error: ${data}:1 \\(${row.instance_id}\\): field "FAIL_TO_PASS"`));
  const validate = await runCli(["validate", out, "-d", data]);
  assert.equal(validate.code, 2, validate.stderr);
  assert.match(validate.stderr, /field "FAIL_TO_PASS" is a string but not JSON/);
});
