/**
 * `-o` never destroys a file swebench did not write (issue 11, items 1 and 11): a file whose lines are not
 * predictions, the dataset itself (also through a symlink), a run log that is not one, a directory, the
 * command's own stdout; a full disk and an empty dataset file get clear messages with exit 2.
 * Every refusal is checked byte for byte and by modification time.
 */
import assert from "node:assert/strict";
import { readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";

const { lines: rows } = await realRows("lite-test.jsonl", 3);

interface Snapshot {
  bytes: Uint8Array;
  mtime: number;
}

async function snapshot(path: string): Promise<Snapshot> {
  const info = await Deno.stat(path);
  return { bytes: await Deno.readFile(path), mtime: info.mtime!.getTime() };
}

async function assertUntouched(path: string, before: Snapshot): Promise<void> {
  const after = await snapshot(path);
  assert.deepEqual(after.bytes, before.bytes, `${path} must be unchanged byte for byte`);
  assert.equal(after.mtime, before.mtime, `${path} must not be written (mtime)`);
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/** No stack trace, no "unexpected": a message a user can act on. */
function assertClean(stderr: string): void {
  assert.doesNotMatch(stderr, /at .*\.ts:\d+|unexpected error|TypeError|Uncaught/, stderr);
}

Deno.test("-o at files that are not predictions: exit 2, each file untouched byte for byte, nothing created", async () => {
  const dir = await Deno.makeTempDir();
  const files: Record<string, Uint8Array> = {
    // The repro: the torn-line repair used to cut "last line" before looking at the file.
    "notes.txt": new TextEncoder().encode("l1\nl2\nlast line"),
    // A one-line file without a newline used to be replaced silently (exit 0).
    "todo.txt": new TextEncoder().encode("buy milk"),
    "one.jsonl": new TextEncoder().encode('{"name": "not a prediction"}\n'),
    // Looks like JSON Lines, with a last line that looks torn: still not ours.
    "rows.jsonl": new TextEncoder().encode('{"a": 1}\n{"a": 2}\n{"a": 3'),
    "binary.parquet": new Uint8Array([0x50, 0x41, 0x52, 0x31, 0, 1, 2, 0x0a, 3, 0x50, 0x41, 0x52, 0x31]),
  };
  for (const [name, bytes] of Object.entries(files)) {
    const path = `${dir}/${name}`;
    await Deno.writeFile(path, bytes);
    const before = await snapshot(path);
    for (const extra of [[], ["--overwrite"]]) {
      const r = await runCli(["generate", "-p", "gold", "-d", "sample", "-o", path, ...extra]);
      assert.equal(r.code, 2, `${name} ${extra}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /is not a predictions file \(line \d+ is not a predictions record\): it was left untouched/,
      );
      assert.match(r.stderr, /Choose another -o path/);
      assert.equal(r.stdout, "");
      assertClean(r.stderr);
      await assertUntouched(path, before);
      assert.ok(!await exists(`${path}.runlog.jsonl`), "no run log is created beside it");
      assert.ok(!await exists(`${path}.lock`), "the lock is released");
    }
  }
});

Deno.test("-o that is the dataset file (by path or through a symlink) is refused; the dataset is untouched", async () => {
  const { dir, data } = await tempDataset(rows);
  const before = await snapshot(data);
  await Deno.symlink(data, `${dir}/link.jsonl`);
  for (const o of [data, `${dir}/link.jsonl`, `${dir}/../${dir.split("/").pop()}/d.jsonl`]) {
    for (const extra of [[], ["--overwrite"], ["--dry-run"]]) {
      const r = await runCli(["generate", "-p", "gold", "-d", data, "-o", o, ...extra]);
      assert.equal(r.code, 2, `${o} ${extra}: ${r.stderr}`);
      assert.match(r.stderr, /is the dataset file \(.*d\.jsonl\): it was left untouched/);
      assertClean(r.stderr);
      await assertUntouched(data, before);
    }
  }
  assert.ok(!await exists(`${data}.runlog.jsonl`));
  // The same dataset into a real predictions file works.
  const ok = await runCli(["generate", "-p", "gold", "-d", data, "-o", `${dir}/p.jsonl`]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((await readJsonl(`${dir}/p.jsonl`)).length, 3);
  await assertUntouched(data, before);
});

Deno.test("a torn last line of a predictions file is repaired, and only then: a foreign run log leaves both untouched", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/p.jsonl`;
  const first = await runCli(["generate", "-p", "gold", "-d", "sample", "-o", out]);
  assert.equal(first.code, 0, first.stderr);
  const whole = await Deno.readTextFile(out);
  const lines = whole.split("\n").filter(Boolean);
  assert.equal(lines.length, 5);
  // A crash in the middle of the last write: the file ends in half a line.
  const torn = lines.slice(0, 4).join("\n") + "\n" + lines[4].slice(0, 40);
  await Deno.writeTextFile(out, torn);

  // A run log beside it that swebench did not write: neither file is changed (the torn line is not cut).
  const log = `${out}.runlog.jsonl`;
  const logBefore = await Deno.readFile(log);
  await Deno.writeTextFile(log, "my notes about this run\n");
  const predsBefore = await snapshot(out);
  const logSnap = await snapshot(log);
  const refused = await runCli(["generate", "-p", "gold", "-d", "sample", "-o", out]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /p\.jsonl\.runlog\.jsonl is not a run log file \(line 1/);
  assertClean(refused.stderr);
  await assertUntouched(out, predsBefore);
  await assertUntouched(log, logSnap);

  // With its own run log back, the torn line is cut and that instance is done again.
  await Deno.writeFile(log, logBefore);
  const resumed = await runCli(["generate", "-p", "gold", "-d", "sample", "-o", out]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /cut a torn last line \(40 bytes\)/);
  assert.match(resumed.stdout, /Done: 1 ok, 0 failed, 0 skipped, 4 already done/);
  assert.equal(await Deno.readTextFile(out), whole);
});

Deno.test("-o at a directory, or at this command's stdout, is refused with exit 2; nothing is created", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/preds`);
  const r = await runCli(["generate", "-p", "gold", "-d", "sample", "-o", `${dir}/preds`]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /preds is a directory, not a file/);
  assert.match(r.stderr, /-o takes a file path, e\.g\. -o .*preds\/predictions\.jsonl/);
  assertClean(r.stderr);
  assert.deepEqual([...Deno.readDirSync(`${dir}/preds`)], []);

  // stdout a pipe: /dev/stdout is not a regular file.
  const piped = await runCli(["generate", "-p", "gold", "-d", "sample", "-o", "/dev/stdout"]);
  assert.equal(piped.code, 2, piped.stderr);
  assert.equal(piped.stdout, "", "no prediction and no summary on stdout");
  assert.match(piped.stderr, /\/dev\/stdout is not a regular file \(a terminal, pipe or device\)/);
  assertClean(piped.stderr);

  // stdout redirected to a file: -o /dev/stdout names that file; predictions would mix with the summary.
  const sh = new Deno.Command("sh", {
    args: ["-c", `"$DENO" run -A "$MAIN" generate -p gold -d sample -o /dev/stdout > "$OUT" 2> "$ERR"`],
    env: {
      DENO: Deno.execPath(),
      MAIN: new URL("../../main.ts", import.meta.url).pathname,
      OUT: `${dir}/out.txt`,
      ERR: `${dir}/err.txt`,
      NO_COLOR: "1",
    },
  });
  const status = await sh.output();
  const err = await Deno.readTextFile(`${dir}/err.txt`);
  assert.equal(status.code, 2, err);
  assert.match(err, /\/dev\/stdout is where this command prints \(its stdout\)/);
  assert.equal(await Deno.readTextFile(`${dir}/out.txt`), "");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["err.txt", "out.txt", "preds"]);
});

Deno.test("an empty dataset file says so (exit 2), not 'no instance matches' with a filter hint", async () => {
  const dir = await Deno.makeTempDir();
  for (const [name, text] of [["empty.jsonl", ""], ["blank.jsonl", "\n  \n"], ["empty.json", "[]"]]) {
    const data = `${dir}/${name}`;
    await Deno.writeTextFile(data, text);
    const r = await runCli(["generate", "-p", "gold", "-d", data, "-o", `${dir}/p.jsonl`]);
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(`the dataset .*${name.replace(".", "\\.")} \\(test\\) is empty: it has no rows`),
    );
    assert.doesNotMatch(r.stderr, /no instance matches|--filter/);
    assertClean(r.stderr);
    assert.ok(!await exists(`${dir}/p.jsonl`));
  }
});

// A real full disk: a 12 KiB tmpfs in a private mount namespace (unshare -rm works without root where user
// namespaces are enabled). Elsewhere the test is skipped, and says so.
const canMount = await new Deno.Command("unshare", {
  args: ["-rm", "sh", "-c", "mount -t tmpfs -o size=12k tmpfs /mnt"],
})
  .output().then((o) => o.success, () => false);

Deno.test({
  name: "a full disk stops the run with exit 2 and a clear I/O error; finished predictions are kept",
  ignore: !canMount,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const mnt = `${dir}/disk`;
    await Deno.mkdir(mnt);
    const script = `mount -t tmpfs -o size=12k tmpfs "$MNT" || exit 99
"$DENO" run -A "$MAIN" generate -p gold -d sample -o "$MNT/p.jsonl" > "$DIR/out.txt" 2> "$DIR/err.txt"
echo $? > "$DIR/code.txt"
cp "$MNT/p.jsonl" "$DIR/kept.jsonl"`;
    const r = await new Deno.Command("unshare", {
      args: ["-rm", "sh", "-c", script],
      env: {
        DENO: Deno.execPath(),
        MAIN: new URL("../../main.ts", import.meta.url).pathname,
        MNT: mnt,
        DIR: dir,
        NO_COLOR: "1",
      },
    }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    const out = await Deno.readTextFile(`${dir}/out.txt`);
    const err = await Deno.readTextFile(`${dir}/err.txt`);
    assert.equal((await Deno.readTextFile(`${dir}/code.txt`)).trim(), "2", out + err);
    assert.match(out + err, /Could not write .*p\.jsonl.*: No space left on device/);
    assert.match(out + err, /The disk is full: free some space/);
    assertClean(err);
    // What was written before the disk filled up is whole lines of predictions, never half a line.
    const text = await Deno.readTextFile(`${dir}/kept.jsonl`);
    assert.ok(text === "" || text.endsWith("\n"), "no partial line is left behind");
    for (const p of await readJsonl(`${dir}/kept.jsonl`)) {
      assert.deepEqual(Object.keys(p), ["instance_id", "model_name_or_path", "model_patch"]);
    }
  },
});
