/**
 * One summary of run-log records: the summary a run returns is the tally of the records it wrote, counted as
 * `swebench report` counts them (outcomes, patches, failures by kind, tokens, cost, an unpriced answer, latency).
 */
import assert from "node:assert/strict";
import { SwebenchError } from "../../../src/core/errors.ts";
import { emptyUsage } from "../../../src/core/response.ts";
import type { CallFn } from "../../../src/resilience/call.ts";
import { summarizeRunLog } from "../../../src/run/report.ts";
import { runBatch } from "../../../src/run/batch.ts";
import { emptyTally, Tallier, type Tally } from "../../../src/run/tally.ts";
import type { SwebenchInstance } from "../../../src/swebench/instance.ts";
import { openPredictions } from "../../../src/swebench/predictions.ts";
import { readRunLog, type RunLogEntry } from "../../../src/swebench/run_log.ts";

const inst = (id: string, statement = `Fix ${id}.`): SwebenchInstance => ({
  instance_id: id,
  repo: "o/r",
  base_commit: "0".repeat(40),
  problem_statement: statement,
});

const patch = (file: string) =>
  `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1 +1 @@\n-a\n+b\n`;

Deno.test("the summary a run returns equals the tally of the run log it wrote", async () => {
  const instances = [
    inst("ok-priced"),
    inst("ok-unpriced"),
    inst("ok-empty"),
    inst("filtered"),
    inst("server-down"),
    inst("too-long", "x".repeat(40_000)),
  ];
  // Each instance's answer or failure, decided by its id (the first call succeeds, so the run fans out).
  const call: CallFn = (request, ctx) => {
    const id = ctx.instanceId;
    if (id === "filtered") {
      return Promise.reject(new SwebenchError("content_filter", "blocked by the filter"));
    }
    if (id === "server-down") return Promise.reject(new SwebenchError("server", "500 from the server"));
    const content = id === "ok-empty" ? "I cannot help." : "```diff\n" + patch(`${id}.py`) + "```";
    return Promise.resolve({
      attempts: 1,
      response: {
        content,
        model: request.model,
        usage: {
          ...emptyUsage(),
          promptTokens: 100 + id.length,
          completionTokens: 20,
          totalTokens: 120 + id.length,
        },
        finishReason: "stop",
        costUsd: id === "ok-unpriced" ? undefined : 0.0125,
        latencyMs: id.length * 10,
        provider: "fake",
      },
    });
  };
  const dir = await Deno.makeTempDir();
  const writer = await openPredictions(`${dir}/p.jsonl`, {});
  const summary = await runBatch({
    instances,
    call,
    providerName: "fake",
    model: "m",
    modelNameOrPath: "m",
    writer,
    concurrency: 3,
    maxTokens: 512,
    contextWindow: 4096,
    countTokens: (t) => Math.ceil(t.length / 4),
    requeueRounds: 0,
  });
  await writer.close();
  const { records, badLines } = await readRunLog(writer.runLogPath);
  assert.equal(badLines, 0);
  const [report] = summarizeRunLog(records);

  const figures = (t: Tally): Tally => {
    const out = emptyTally();
    for (const k of Object.keys(out) as (keyof Tally)[]) {
      (out as unknown as Record<string, unknown>)[k] = t[k];
    }
    return out;
  };
  assert.deepEqual(figures(summary), figures(report));
  // And the figures are the ones this run should have: nothing vacuous about the equality.
  assert.deepEqual(
    { ok: summary.ok, failed: summary.failed, skipped: summary.skipped },
    { ok: 3, failed: 2, skipped: 1 },
  );
  assert.deepEqual(summary.patches, { valid: 2, empty: 1 });
  assert.deepEqual(summary.failuresByKind, { content_filter: 1, server: 1 });
  assert.equal(summary.costUsd, 0.025);
  assert.equal(summary.promptTokens, 3 * 100 + "ok-priced".length + "ok-unpriced".length + "ok-empty".length);
  assert.ok(summary.latencyP50Ms > 0);
  // An unpriced answer: a flag in the summary, a count in the report.
  assert.equal(summary.costUnknown, true);
  assert.equal(report.costUnknown, 1);
});

Deno.test("answers cut at the max tokens are counted, and those without any text (all thinking) apart", () => {
  const records = [
    { instance_id: "a", status: "ok", patchStatus: "valid", finishReason: "stop", output: "diff" },
    {
      instance_id: "b",
      status: "ok",
      patchStatus: "invalid",
      finishReason: "length",
      output: "diff --git a",
    },
    { instance_id: "c", status: "ok", patchStatus: "empty", finishReason: "length", output: "" },
    { instance_id: "d", status: "failed", finishReason: "length", error: { kind: "server", message: "x" } },
  ] as RunLogEntry[];
  const t = new Tallier(emptyTally());
  for (const r of records) t.outcome(r);
  const tally = t.finish();
  assert.deepEqual([tally.truncated, tally.truncatedNoText], [2, 1]);
  const none = new Tallier(emptyTally());
  none.outcome(records[0]);
  assert.deepEqual([none.finish().truncated, none.finish().truncatedNoText], [undefined, undefined]);
});
