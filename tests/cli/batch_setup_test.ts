/**
 * The `--batch` checks (which providers have a batch API, flags that do not go with it), batch ids to providers,
 * the batch wording shared by the `batch` commands and the progress, and the plan's normal vs batch cost columns.
 */
import assert from "node:assert/strict";
import { planCostColumns } from "../../src/batch/plan_cost.ts";
import type { BatchInfo } from "../../src/batch/types.ts";
import { SwebenchError } from "../../src/core/mod.ts";
import { batchOfferLine, costColumnLines, describeBatchPlan } from "../../src/cli/batch_plan.ts";
import { batchLine, countsText, stateText, timeText } from "../../src/cli/batch_format.ts";
import { BATCH_PROVIDERS } from "../../src/batch/basics.ts";
import { providerOfBatchId } from "../../src/cli/batch_setup.ts";
import { checkBatchTargets } from "../../src/run/batch_open.ts";
import type { CostPlan } from "../../src/run/cost_plan.ts";

function usage(f: () => void): SwebenchError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof SwebenchError);
    assert.equal(e.kind, "usage");
    assert.equal(e.exitCode, 2);
    return e;
  }
  assert.fail("no error");
}

Deno.test("--batch: only openai and anthropic have a batch API; every other provider is a usage error naming them", () => {
  assert.deepEqual(BATCH_PROVIDERS, ["openai", "anthropic"]);
  checkBatchTargets([
    { name: "openai", kind: "openai", model: "gpt-4o-mini" },
    { name: "anthropic", kind: "anthropic", model: "claude-sonnet-4-5" },
  ], {});
  const cases: [string, string, RegExp][] = [
    ["ollama", "ollama", /ollama \(a local Ollama server\) has no batch API/],
    ["gold", "gold", /gold answers offline from the dataset, so there is nothing to batch/],
    ["vllm", "openai", /vllm \(an OpenAI-compatible server\) has no batch API/],
    ["my-claude", "anthropic", /my-claude \(kind anthropic\) has no batch API/],
  ];
  for (const [name, kind, why] of cases) {
    const e = usage(() => checkBatchTargets([{ name, kind: kind as "openai", model: "m" }], {}));
    assert.match(e.message, why);
    assert.match(e.message, /the providers with one are openai, anthropic$/);
    assert.match(e.hint ?? "", new RegExp(`Run ${name}:m without --batch .* -p openai or -p anthropic`));
  }
  // compare: the first model without one is named, even after one that has it.
  const e = usage(() =>
    checkBatchTargets([
      { name: "openai", kind: "openai", model: "gpt-4o-mini" },
      { name: "ollama", kind: "ollama", model: "qwen2.5-coder:7b" },
    ], {})
  );
  assert.match(e.message, /^--batch: ollama/);
  const ok = [{ name: "openai", kind: "openai" as const, model: "gpt-4o-mini" }];
  assert.match(usage(() => checkBatchTargets(ok, { stream: true })).message, /--batch and --stream/);
  assert.match(
    usage(() => checkBatchTargets(ok, { fallback: ["anthropic:claude-sonnet-4-5"] })).message,
    /--batch and --fallback/,
  );
  checkBatchTargets(ok, { fallback: [], stream: false });
});

Deno.test("batch ids name their provider by prefix; anything else names none", () => {
  assert.equal(providerOfBatchId("batch_abc123"), "openai");
  assert.equal(providerOfBatchId("msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d"), "anthropic");
  for (const id of ["", "batch_", "msgbatch_", "preds.jsonl", "batch_a/b", "xbatch_1", "batch_1 ; rm"]) {
    assert.equal(providerOfBatchId(id), undefined, id);
  }
});

const counts = (c: Partial<BatchInfo["counts"]>): BatchInfo["counts"] => ({
  total: 0,
  succeeded: 0,
  errored: 0,
  expired: 0,
  canceled: 0,
  processing: 0,
  ...c,
});

Deno.test("batch wording: state, done/failed/total, time left or since the end; server text cannot drive the terminal", () => {
  assert.equal(stateText({ state: "in_progress" }), "in progress");
  assert.equal(stateText({ state: "ended", ending: "failed" }), "failed validation");
  assert.equal(stateText({ state: "ended", ending: "canceled" }), "canceled");
  assert.equal(countsText(counts({})), "not counted yet");
  assert.equal(countsText(counts({ total: 2294, succeeded: 1200, processing: 1094 })), "1,200/2,294 done");
  assert.equal(
    countsText(counts({ total: 10, succeeded: 5, errored: 1, expired: 2, canceled: 1, processing: 1 })),
    "5/10 done, 4 failed",
  );
  const hour = 3_600_000;
  assert.equal(
    timeText({ state: "in_progress", createdAt: 0, expiresAt: 24 * hour }, hour),
    "expires in 23h00m",
  );
  assert.equal(
    timeText({ state: "in_progress", createdAt: 0, expiresAt: hour }, 2 * hour),
    "past its 24 h window",
  );
  assert.equal(timeText({ state: "ended", createdAt: 0, endedAt: hour }, hour + 65_000), "ended 1m05s ago");
  const line = batchLine({
    id: "batch_1\x1b[2J",
    state: "ended",
    ending: "expired",
    status: "expired",
    createdAt: 0,
    endedAt: 24 * hour,
    lineErrors: [],
    counts: counts({ total: 3, succeeded: 1, expired: 2 }),
  }, 24 * hour + 1000);
  assert.equal(line, "batch_1: expired, 1/3 done, 2 failed, created 24h00m ago, ended 1s ago");
});

const plan = (expectedUsd?: number, worstUsd?: number): CostPlan => ({
  instances: 300,
  skipped: 0,
  promptTokens: 1_000_000,
  expectedOutputTokens: 300 * 1024,
  worstOutputTokens: 300 * 4096,
  expectedUsd,
  worstUsd,
  countMethod: "exact",
  countSource: "tokenizer",
  errorBound: 0,
});

Deno.test("plan cost: normal and batch side by side (half of list, worst case included); unpriced stays unknown", () => {
  const cols = planCostColumns({ expectedUsd: 0.3344, worstUsd: 0.8874 });
  assert.equal(cols.factor, 0.5);
  assert.deepEqual(cols.normal, { expectedUsd: 0.3344, worstUsd: 0.8874 });
  assert.deepEqual(cols.batch, { expectedUsd: 0.1672, worstUsd: 0.4437 });
  assert.equal(cols.savingUsd, 0.1672);
  assert.deepEqual(planCostColumns({}), {
    factor: 0.5,
    normal: { expectedUsd: undefined, worstUsd: undefined },
    batch: { expectedUsd: undefined, worstUsd: undefined },
    savingUsd: undefined,
  });
  assert.deepEqual(costColumnLines(cols), [
    "  cost:         normal    batch (this run, 50% off)",
    "    expected    $0.3344   $0.1672",
    "    worst case  $0.8874   $0.4437",
  ]);
  const lines = describeBatchPlan("openai:gpt-4o-mini", plan(12.5, 40), 3);
  assert.match(lines[0], /^Plan: 300 instances through openai:gpt-4o-mini \(3 already done\)$/);
  assert.match(lines[1], /prompt tokens: 1,000,000 \(exact\)/);
  assert.deepEqual(lines.slice(2), [
    "  cost:         normal   batch (this run, 50% off)",
    "    expected    $12.50   $6.25",
    "    worst case  $40.00   $20.00",
  ]);
  assert.match(describeBatchPlan("openai:x", plan(), 0).at(-1)!, /cost: unknown/);
  assert.equal(
    batchOfferLine({ expectedUsd: 1, worstUsd: 4 }),
    "  with --batch: expected $0.5000, worst case $2.00 (half price, answers within 24 h)",
  );
  assert.equal(batchOfferLine({ expectedUsd: undefined, worstUsd: 4 }), undefined);
});
