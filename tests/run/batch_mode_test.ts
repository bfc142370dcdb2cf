/**
 * Batch mode through the library (`RunSettings.batch` → `prepareRun` → `openRun` → `executeRun`), as the CLI uses it:
 * the predictions, run log and summary of a normal run, the batch events, one batch per model; the budget checked
 * over every model's batch before anything is submitted; a provider without a batch API refused by `prepareRun`.
 */
import assert from "node:assert/strict";
import {
  executeRun,
  openRun,
  prepareRun,
  type ProgressEvent,
  type RunSettings,
  SwebenchError,
} from "../../src/mod.ts";
import { startAnthropicSim, startOpenAISim } from "../simulator/mod.ts";
import { goldResponder, readJsonl, realRows, tempDataset } from "../cli/helpers.ts";

const { lines: rows, instances } = await realRows("lite-dev.jsonl", 3);
const KEY = "sk-test-library-batch-000000";
const respond = goldResponder(instances);

function settings(dir: string, data: string, urls: { openai: string; anthropic: string }): RunSettings {
  return {
    targets: [
      {
        primary: {
          name: "openai",
          kind: "openai",
          apiKeys: [KEY],
          baseUrl: `${urls.openai}/v1`,
          model: "gpt-4o-mini",
        },
        fallbacks: [],
      },
      {
        primary: {
          name: "anthropic",
          kind: "anthropic",
          apiKeys: [KEY],
          baseUrl: urls.anthropic,
          model: "claude-haiku-4-5",
        },
        fallbacks: [],
      },
    ],
    selection: { dataset: data, split: "test", context: "none", seed: 42 },
    request: { maxTokens: 1024, temperature: 0, stream: false },
    concurrency: 4,
    output: { dir, overwrite: false, retryFailed: false },
    data: { cacheDir: `${dir}/cache` },
    batch: { pollInitialMs: 20 },
  };
}

Deno.test("library: RunSettings.batch makes executeRun submit one batch per model and write what a normal run writes", async () => {
  await using oa = await startOpenAISim({ respond, apiKey: KEY });
  await using an = await startAnthropicSim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows);
  const prepared = await prepareRun(settings(dir, data, { openai: oa.url, anthropic: an.url }));
  const events: [string, ProgressEvent["type"]][] = [];
  {
    await using run = await openRun(prepared);
    assert.ok(run.models.every((m) => m.batch !== undefined && m.plan !== undefined));
    assert.ok(run.worstUsd! > 0);
    const outcome = await executeRun(run, { onEvent: (e, m) => events.push([m.label, e.type]) });
    assert.equal(outcome.exitCode, 0);
    for (const m of outcome.models) {
      assert.equal(m.summary.ok, 3, m.label);
      assert.equal(m.batch?.batches.length, 1);
      assert.equal(m.batch?.priceFactor, 0.5);
      assert.equal((await readJsonl(m.output)).length, 3);
      const log = await readJsonl(m.runLog);
      assert.ok(log.every((r) => r.status === "ok" && (r.batch as { id: string }).id));
    }
  }
  // Both models submitted before either was waited for.
  const kinds = events.map(([label, type]) => `${label} ${type}`);
  const lastSubmit = kinds.findLastIndex((k) => k.endsWith("batch-submitted"));
  const firstUpdate = kinds.findIndex((k) => k.endsWith("batch-update"));
  assert.ok(lastSubmit >= 0 && lastSubmit < firstUpdate, kinds.join("\n"));
  assert.equal(kinds.filter((k) => k.endsWith("batch-submitted")).length, 2);
  assert.equal(oa.requests.filter((r) => r.path.endsWith("/chat/completions")).length, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("library: batch mode checks maxCostUsd over every model's batch before anything is submitted", async () => {
  await using oa = await startOpenAISim({ respond, apiKey: KEY });
  await using an = await startAnthropicSim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows);
  const s = { ...settings(dir, data, { openai: oa.url, anthropic: an.url }), maxCostUsd: 0.001 };
  await using run = await openRun(await prepareRun(s));
  await assert.rejects(executeRun(run), (e: unknown) => {
    assert.ok(e instanceof SwebenchError);
    assert.equal(e.kind, "budget");
    assert.match(e.message, /nothing was submitted/);
    return true;
  });
  assert.equal([...oa.requests, ...an.requests].filter((r) => /\/files|\/batches/.test(r.path)).length, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("library: batch mode with a provider that has no batch API is refused by prepareRun (usage)", async () => {
  const { dir, data } = await tempDataset(rows);
  const s = settings(dir, data, { openai: "http://127.0.0.1:9", anthropic: "http://127.0.0.1:9" });
  s.targets[1].primary = {
    name: "vllm",
    kind: "openai",
    apiKeys: [],
    baseUrl: "http://127.0.0.1:9/v1",
    model: "m",
  };
  await assert.rejects(prepareRun(s), (e: unknown) => {
    assert.ok(e instanceof SwebenchError);
    assert.equal(e.kind, "usage");
    assert.match(
      e.message,
      /vllm \(an OpenAI-compatible server\) has no batch API; the providers with one are openai, anthropic/,
    );
    return true;
  });
  await Deno.remove(dir, { recursive: true });
});
