/**
 * A whole run from the library, as `swebench generate` does it: selection, cost plan, budget, resilient calls,
 * predictions, run log and manifest, a summary.
 *
 * ```sh
 * deno run -A examples/batch_processing.ts [output-dir]
 * ```
 *
 * Offline: the `gold` provider answers with each instance's reference patch from the bundled `sample` dataset.
 * Put `{ name: "openai", kind: "openai", apiKeys: [key], baseUrl: "https://api.openai.com/v1", model:
 * "gpt-4o-mini" }` in `primary` to run a real model (the budget then stops the run before it passes $0.50).
 *
 * @module
 */
import { executeRun, openRun, prepareRun, type RunSettings } from "../src/mod.ts";

const dir = Deno.args[0] ?? await Deno.makeTempDir({ prefix: "swebench-example-" });

const settings: RunSettings = {
  targets: [{
    primary: { name: "gold", kind: "gold", apiKeys: [], baseUrl: "", model: "gold" },
    fallbacks: [],
  }],
  selection: { dataset: "sample", split: "test", context: "none", seed: 42, count: 3 },
  request: { maxTokens: 4096, temperature: 0, stream: false },
  concurrency: 8,
  maxCostUsd: 0.5,
  output: { path: `${dir}/gold.jsonl`, overwrite: false, retryFailed: false },
  data: { cacheDir: `${dir}/cache` },
};

// Every check, nothing sent: providers and prices, the selection, the files (ours to write, same model/settings).
const prepared = await prepareRun(settings, { onNotice: (n) => console.error(n.message) });
console.log(`${prepared.instances.length} instances of ${prepared.dataset.label}`);

// Open (and lock) the files; what is left to do is planned. Closed at the end of the block.
{
  await using run = await openRun(prepared);
  const model = run.models[0];
  console.log(`${model.label}: ${model.todo.length} to do, ${model.alreadyDone} already done`);

  const outcome = await executeRun(run, {
    onEvent: (e) => {
      if (e.type === "instance-done") console.log(`  ${e.instanceId}: ${e.status} ${e.patchStatus ?? ""}`);
    },
  });
  const { summary, output, runLog } = outcome.models[0];
  console.log(
    `done: ${summary.ok} ok, ${summary.failed} failed, ${summary.skipped} skipped; cost $${summary.costUsd}`,
  );
  console.log(`predictions: ${output}\nrun log: ${runLog}\nexit code: ${outcome.exitCode}`);
}
