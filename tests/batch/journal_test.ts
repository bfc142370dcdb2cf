import assert from "node:assert/strict";
import {
  type BatchJournal,
  JOURNAL_VERSION,
  newTag,
  openInstances,
  readJournal,
  writeJournal,
} from "../../src/batch/journal.ts";
import { journalPathFor } from "../../src/batch/basics.ts";
import { SwebenchError } from "../../src/core/mod.ts";

function journal(submissions: BatchJournal["submissions"] = []): BatchJournal {
  return {
    version: JOURNAL_VERSION,
    provider: "openai",
    kind: "openai",
    baseUrl: "https://api.openai.com/v1",
    model: "gpt-4o-mini",
    settings: { maxTokens: 4096, temperature: 0 },
    submissions: structuredClone(submissions),
  };
}

const SUB = {
  tag: "swb-0011223344556677",
  state: "submitted" as const,
  startedAt: "2026-01-01T00:00:00.000Z",
  requests: 2,
  bytes: 20_000,
  ids: [["a", "a"], ["b_c-000000000000", "b.c"]] as [string, string][],
  batchId: "batch_1",
};

Deno.test("batch journal: beside the predictions, written and read back whole; no temporary file left", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = journalPathFor(`${dir}/preds.jsonl`);
    assert.equal(path, `${dir}/preds.jsonl.batch.json`);
    assert.equal(await readJournal(path), undefined, "no journal yet");
    const j = journal([SUB]);
    await writeJournal(path, j);
    assert.deepEqual(await readJournal(path), j);
    j.submissions[0].state = "collected";
    await writeJournal(path, j);
    assert.equal((await readJournal(path))?.submissions[0].state, "collected");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["preds.jsonl.batch.json"]);
    assert.match(newTag(), /^swb-[0-9a-f]{16}$/);
    assert.notEqual(newTag(), newTag());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("batch journal: instances of batches not yet collected are open (never to be submitted again)", () => {
  const j = journal([
    { ...SUB, state: "collected", ids: [["x", "x"], ["y", "y"]] },
    SUB,
    { ...SUB, tag: "swb-1", state: "submitting", batchId: undefined, requests: 1, ids: [["z", "z"]] },
  ]);
  assert.deepEqual([...openInstances(j)].sort(), ["a", "b.c", "z"]);
  assert.equal(openInstances(undefined).size, 0);
});

Deno.test("batch journal: a path that is not a readable file (a directory, a symlink loop) is a usage error naming it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const named = (e: unknown) =>
      e instanceof SwebenchError && e.kind === "usage" && e.exitCode === 2 &&
      e.message.includes("cannot be read") &&
      e.hint.includes("-o");
    const asDir = `${dir}/d.jsonl.batch.json`;
    await Deno.mkdir(asDir);
    await assert.rejects(readJournal(asDir), (e) => named(e) && (e as Error).message.includes(asDir));
    const loop = `${dir}/l.jsonl.batch.json`;
    await Deno.symlink(loop, loop);
    await assert.rejects(readJournal(loop), (e) => named(e) && (e as Error).message.includes(loop));
    assert.ok((await Deno.stat(asDir)).isDirectory, "nothing moved or removed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("batch journal: a damaged or foreign journal is a config error naming it, never ignored", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/p.jsonl.batch.json`;
    const refused = async (text: string, re: RegExp) => {
      await Deno.writeTextFile(path, text);
      await assert.rejects(
        readJournal(path),
        (e) =>
          e instanceof SwebenchError && e.kind === "config" && e.message.includes(path) && re.test(e.message),
      );
    };
    await refused("{not json", /is not JSON/);
    await refused(JSON.stringify({ ...journal(), version: 99 }), /newer swebench-runner \(format 99\)/);
    await refused(JSON.stringify({ ...journal(), model: 1 }), /no model/);
    await refused(JSON.stringify(journal([{ ...SUB, batchId: undefined }])), /submission 1 has no batch id/);
    await refused(JSON.stringify(journal([{ ...SUB, requests: 3 }])), /ids do not match/);
    await refused(
      JSON.stringify(journal([{ ...SUB, ids: [["a.b", "x"], ["c", "c"]] }])),
      /invalid custom_id/,
    );
    await refused(
      JSON.stringify(journal([SUB, { ...SUB, tag: "swb-2", batchId: "batch_2" }])),
      /instance a is in two open batches/,
    );
    const e = await readJournal(path).catch((e) => e);
    assert.match(e.hint, /batch status/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("batch journal: kill -9 at any moment of a write leaves the old or the new journal, never a torn one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/p.jsonl.batch.json`;
    // A child rewrites the journal as fast as it can, each version bigger (up to ~1 MB: 20,000 ids).
    const script = `
      import { writeJournal } from ${
      JSON.stringify(new URL("../../src/batch/journal.ts", import.meta.url).href)
    };
      const base = ${JSON.stringify(journal())};
      for (let n = 1; n < 1_000_000; n++) {
        const ids = Array.from({ length: (n % 40) * 500 + 1 }, (_, i) => ["i" + i, "inst." + i]);
        base.submissions = [{ tag: "swb-" + n, state: "submitting", startedAt: new Date().toISOString(),
          requests: ids.length, bytes: 1, ids }];
        await writeJournal(${JSON.stringify(path)}, base);
        if (n === 1) console.log("ready");
      }
    `;
    for (let round = 0; round < 4; round++) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["eval", script],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = child.stdout.getReader();
      await reader.read(); // "ready": at least one journal was written
      await new Promise((r) => setTimeout(r, 50 + round * 120));
      child.kill("SIGKILL");
      await child.status;
      await reader.cancel();
      const read = await readJournal(path);
      assert.ok(read, "a journal is there");
      assert.equal(read.submissions.length, 1);
      assert.equal(read.submissions[0].ids.length, read.submissions[0].requests);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
