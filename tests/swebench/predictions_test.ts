import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/errors.ts";
import {
  defaultPredictionsPath,
  openPredictions,
  type Prediction,
  readPredictions,
} from "../../src/swebench/predictions.ts";
import { readRunLog, runLogPathFor, type RunLogRecord } from "../../src/swebench/run_log.ts";
import { tempDir } from "./_fixtures.ts";

const pred = (id: string, patch = `diff --git a/${id} b/${id}\n`): Prediction => ({
  instance_id: id,
  model_name_or_path: "m",
  model_patch: patch,
});
const rec = (
  id: string,
  status: RunLogRecord["status"],
  extra: Partial<RunLogRecord> = {},
): RunLogRecord => ({
  instance_id: id,
  status,
  provider: "p",
  model: "m",
  attempts: 1,
  startedAt: "2025-01-01T00:00:00.000Z",
  finishedAt: "2025-01-01T00:00:01.000Z",
  ...extra,
});

async function lines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  assert.ok(text === "" || text.endsWith("\n"), "file ends with a newline");
  return text.split("\n").slice(0, -1);
}

async function rejects(p: Promise<unknown>, kind: string, ...parts: string[]): Promise<SwebenchError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SwebenchError, String(e));
    assert.equal(e.kind, kind, e.message);
    for (const part of parts) {
      assert.ok((e.message + e.hint).includes(part), `"${e.message}" should mention ${part}`);
    }
    return e;
  }
  assert.fail("expected a rejection");
}

Deno.test("defaultPredictionsPath mirrors SWE-bench's <model>__<dataset>__<split> naming", () => {
  assert.equal(
    defaultPredictionsPath("openai/gpt-4o", "SWE-bench_Lite", "test"),
    "predictions/openai__gpt-4o__SWE-bench_Lite__test.jsonl",
  );
  assert.equal(
    defaultPredictionsPath("qwen2.5-coder:7b", "sample", "test"),
    "predictions/qwen2.5-coder_7b__sample__test.jsonl",
  );
  assert.equal(runLogPathFor("p/x.jsonl"), "p/x.jsonl.runlog.jsonl");
});

Deno.test("predictions: exact harness lines, run log beside, resume skips done instances", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/sub/dir/preds.jsonl`;
  const w = await openPredictions(path);
  assert.equal(w.done.size, 0);
  assert.equal(w.runLogPath, `${path}.runlog.jsonl`);
  await w.writePrediction({ model_patch: "diff\n", model_name_or_path: "m", instance_id: "a" } as Prediction);
  await w.writeRunLog(
    rec("a", "ok", { output: "<patch>diff\n</patch>", patchStatus: "valid", costUsd: 0.01 }),
  );
  await w.writePrediction(pred("b", ""));
  await w.writeRunLog(rec("b", "ok", { patchStatus: "empty" }));
  assert.deepEqual([...w.done], ["a", "b"]);
  await w.close();
  await w.close(); // idempotent
  await rejects(w.writePrediction(pred("c")), "unexpected", "closed");
  const got = await lines(path);
  assert.deepEqual(got, [
    '{"instance_id":"a","model_name_or_path":"m","model_patch":"diff\\n"}',
    '{"instance_id":"b","model_name_or_path":"m","model_patch":""}',
  ]);
  assert.deepEqual(Object.keys(JSON.parse(got[0])), ["instance_id", "model_name_or_path", "model_patch"]);
  const { records: log } = await readRunLog(w.runLogPath);
  assert.equal(log.length, 2);
  assert.equal(log[0].output, "<patch>diff\n</patch>");
  assert.deepEqual((await readPredictions(path)).map((p) => p.instance_id), ["a", "b"]);

  await using again = await openPredictions(path);
  assert.deepEqual(new Set(again.done), new Set(["a", "b"]), "the empty-patch prediction counts as done");
  assert.deepEqual(again.models, new Set(["m"]));
  assert.deepEqual(again.repairs, { predictions: 0, runLog: 0 });
  await again.writePrediction(pred("c"));
  assert.equal((await lines(path)).length, 3);
});

Deno.test("predictions: a torn last line is cut at open, in both files", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/p.jsonl`;
  {
    await using w = await openPredictions(path);
    for (const id of ["a", "b", "c"]) {
      await w.writePrediction(pred(id));
      await w.writeRunLog(rec(id, "ok"));
    }
  }
  const torn = '{"instance_id":"d","model_name_or_path":"m","model_pa';
  await Deno.writeTextFile(path, torn, { append: true });
  await Deno.writeTextFile(runLogPathFor(path), '{"instance_id":"d","sta', { append: true });
  {
    await using w = await openPredictions(path);
    assert.deepEqual(w.repairs, { predictions: torn.length, runLog: 23 });
    assert.equal(w.warnings.length, 2);
    assert.deepEqual(new Set(w.done), new Set(["a", "b", "c"]));
    await w.writePrediction(pred("d"));
    await w.writeRunLog(rec("d", "ok"));
  }
  assert.deepEqual((await lines(path)).map((l) => JSON.parse(l).instance_id), ["a", "b", "c", "d"]);
  assert.deepEqual((await lines(runLogPathFor(path))).map((l) => JSON.parse(l).instance_id), [
    "a",
    "b",
    "c",
    "d",
  ]);

  // A machine crash can leave a final line of NUL bytes (with or without a newline).
  await Deno.writeFile(path, new Uint8Array([0, 0, 0, 0, 0x0a]), { append: true });
  {
    await using w = await openPredictions(path);
    assert.equal(w.repairs.predictions, 5);
    assert.equal(w.done.size, 4);
  }
  assert.equal((await lines(path)).length, 4);
});

Deno.test("predictions: a damaged line in the middle is a usage error naming it", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/p.jsonl`;
  await Deno.writeTextFile(
    path,
    JSON.stringify(pred("a")) + "\n{broken\n" + JSON.stringify(pred("b")) + "\n",
  );
  await rejects(openPredictions(path), "usage", `${path}:2`, "--overwrite");
  await Deno.writeTextFile(path, JSON.stringify({ id: "x" }) + "\n" + JSON.stringify(pred("b")) + "\n");
  await rejects(openPredictions(path), "usage", `${path}:1`, "instance_id");
  // the failed open released its lock
  await using w = await openPredictions(path, { overwrite: true });
  assert.equal(w.done.size, 0);
});

Deno.test("predictions: failed is done unless retryFailed; skipped never (settings decide it); interrupted is never failed", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/p.jsonl`;
  {
    await using w = await openPredictions(path);
    await w.writePrediction(pred("ok1"));
    await w.writeRunLog(rec("ok1", "ok"));
    await w.writeRunLog(
      rec("fail1", "failed", { error: { kind: "timeout", message: "no answer" }, attempts: 3 }),
    );
    await w.writeRunLog(rec("skip1", "skipped", { reason: "prompt needs 9000 tokens" }));
    await w.writeRunLog(rec("int1", "failed", { error: { kind: "interrupted", message: "SIGINT" } }));
    // a request the settings made invalid (an impossible max tokens) is not the instance's failure
    await w.writeRunLog(rec("bad1", "failed", { error: { kind: "invalid_request", message: "max_tokens" } }));
    await w.writeRunLog(rec("ctx1", "failed", { error: { kind: "context_length", message: "too long" } }));
    // failed first, then ok on a later attempt: done
    await w.writeRunLog(rec("later", "failed", { error: { kind: "server", message: "500" } }));
    await w.writePrediction(pred("later"));
    await w.writeRunLog(rec("later", "ok"));
    // ok logged but the prediction line was lost (torn): not done
    await w.writeRunLog(rec("lost", "ok"));
    assert.deepEqual(w.failed, new Set(["fail1"]));
    assert.deepEqual(w.skipped, new Set(["skip1"]));
  }
  {
    await using w = await openPredictions(path);
    assert.deepEqual(w.predicted, new Set(["ok1", "later"]));
    assert.deepEqual(w.failed, new Set(["fail1"]));
    assert.deepEqual(w.skipped, new Set(["skip1"]));
    assert.deepEqual(w.done, new Set(["ok1", "later", "fail1"]), "a skip is decided again by the next run");
  }
  {
    await using w = await openPredictions(path, { retryFailed: true });
    assert.deepEqual(w.done, new Set(["ok1", "later"]));
    assert.deepEqual(w.failed, new Set(["fail1"]));
    // retried and failed again: still failed; retried and ok: done
    await w.writeRunLog(rec("fail1", "failed", { error: { kind: "timeout", message: "again" } }));
    await w.writePrediction(pred("skip1"));
    await w.writeRunLog(rec("skip1", "ok"));
  }
  await using w = await openPredictions(path, { retryFailed: true });
  assert.deepEqual(w.done, new Set(["ok1", "later", "skip1"]));
  assert.deepEqual(w.failed, new Set(["fail1"]));
  assert.equal(w.skipped.size, 0);
});

Deno.test("predictions: overwrite starts both files fresh", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/p.jsonl`;
  {
    await using w = await openPredictions(path);
    await w.writePrediction(pred("a"));
    await w.writeRunLog(rec("a", "ok"));
    await w.writeRunLog(rec("b", "failed", { error: { kind: "server", message: "x" } }));
  }
  {
    await using w = await openPredictions(path, { overwrite: true });
    assert.equal(w.done.size, 0);
    assert.equal(w.failed.size, 0);
    assert.deepEqual(await lines(path), []);
    assert.deepEqual(await lines(runLogPathFor(path)), []);
    await w.writePrediction(pred("z"));
  }
  assert.deepEqual((await lines(path)).map((l) => JSON.parse(l).instance_id), ["z"]);
});

Deno.test("predictions: a second writer on the same file gets a usage error; a stale lock is taken over", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/p.jsonl`;
  const first = await openPredictions(path);
  assert.equal((await Deno.readTextFile(`${path}.lock`)).trim(), String(Deno.pid));
  await rejects(openPredictions(path), "usage", "being written by another run", `pid ${Deno.pid}`, "-o");
  await first.close();
  await assert.rejects(Deno.stat(`${path}.lock`), Deno.errors.NotFound);

  // Another process holding the lock.
  const holder = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `
      const f = await Deno.open(${
        JSON.stringify(`${path}.lock`)
      }, { read: true, write: true, createNew: true });
      await f.lock(true);
      await f.write(new TextEncoder().encode(String(Deno.pid) + "\\n"));
      console.log("locked");
      await new Promise((r) => setTimeout(r, 30000));
    `,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
  assert.equal((await reader.read()).value?.trim(), "locked");
  try {
    await rejects(openPredictions(path), "usage", `pid ${holder.pid}`);
  } finally {
    holder.kill("SIGKILL");
    await holder.status;
    await reader.cancel();
  }
  // Killed with the lock file left behind: the next run takes it over.
  assert.ok((await Deno.stat(`${path}.lock`)).isFile);
  await using w = await openPredictions(path);
  assert.equal((await Deno.readTextFile(`${path}.lock`)).trim(), String(Deno.pid));
  await w.writePrediction(pred("a"));
});

Deno.test("predictions: concurrent writes never interleave", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/p.jsonl`;
  const big = "x".repeat(200_000);
  {
    await using w = await openPredictions(path);
    await Promise.all(Array.from({ length: 40 }, (_, i) =>
      Promise.all([
        w.writePrediction(pred(`i${i}`, `${big}${i}\n`)),
        w.writeRunLog(rec(`i${i}`, "ok", { output: big })),
      ])));
  }
  const got = (await lines(path)).map((l) => JSON.parse(l));
  assert.equal(got.length, 40);
  assert.deepEqual(
    new Set(got.map((p) => p.instance_id)),
    new Set(Array.from({ length: 40 }, (_, i) => `i${i}`)),
  );
  assert.equal((await readRunLog(runLogPathFor(path))).records.length, 40);
});

Deno.test("predictions: kill -9 while writing loses at most the line in flight; resume repairs and continues", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/p.jsonl`;
  const mod = new URL("../../src/swebench/predictions.ts", import.meta.url).href;
  const script = `
    import { openPredictions } from ${JSON.stringify(mod)};
    const w = await openPredictions(${JSON.stringify(path)});
    const big = "y".repeat(3_000_000);
    for (let i = 0; i < 100000; i++) {
      await w.writePrediction({ instance_id: "k" + i, model_name_or_path: "m", model_patch: big + i });
      await w.writeRunLog({ instance_id: "k" + i, status: "ok", output: big, startedAt: "", finishedAt: "" });
    }
  `;
  for (let round = 0; round < 3; round++) {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      stdout: "null",
      stderr: "null",
    }).spawn();
    // Wait (bounded) until some lines exist, then kill at an arbitrary moment.
    for (let i = 0; i < 400; i++) {
      const size = await Deno.stat(path).then((s) => s.size, () => 0);
      if (size > 3_000_000 * (3 + round * 3)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await new Promise((r) => setTimeout(r, round * 7));
    child.kill("SIGKILL");
    await child.status;
    await using w = await openPredictions(path);
    const got = await lines(path);
    const parsed = got.map((l) => JSON.parse(l));
    assert.ok(parsed.length >= 3, `round ${round}: ${parsed.length} lines`);
    assert.equal(w.done.size, parsed.length);
    assert.ok(parsed.every((p, i) => p.instance_id === `k${i}` && p.model_patch.endsWith(String(i))));
    for (const l of await lines(runLogPathFor(path))) JSON.parse(l);
    await w.writePrediction(pred("after-kill"));
    await w.close();
    await Deno.remove(path);
    await Deno.remove(runLogPathFor(path));
  }
});
