/**
 * The README's path end to end, for tests and the docs screenshot: `generate` for two models over the bundled
 * sample (the gold patches, and gpt-4o-mini on the OpenAI simulator answering with a mix of right, wrong and no
 * patches), `evaluate` both with the stand-in harness, then `report`.
 */
import assert from "node:assert/strict";
import { SAMPLE_INSTANCES } from "../../src/swebench/sample_data.ts";
import { startOpenAISim } from "../simulator/mod.ts";
import { runCli } from "../cli/helpers.ts";
import { installStandIn, pathWith } from "./stand_in.ts";

const KEY = "sk-test-scenario-000000000000";

/** What the simulated model answers per instance. */
function answer(body: unknown): string {
  const text = JSON.stringify(body);
  const inst = SAMPLE_INSTANCES.find((i) => text.includes(i.base_commit));
  if (!inst) return "I do not know.";
  switch (inst.instance_id) {
    case "pylint-dev__pylint-5859": // a plausible patch that does not fix the issue
      return `Here is the fix.\n<patch>\n${
        inst.patch!.replace(/\n\+(?!\+\+)([^\n]*)/, "\n+$1  # changed")
      }</patch>`;
    case "scikit-learn__scikit-learn-13584": // no patch at all
      return "I could not find where this is handled; please share more of the code.";
    default:
      return `<patch>\n${inst.patch}</patch>`;
  }
}

/** The two predictions files (relative to dir) and the environment that runs the stand-in harness. */
export interface Scenario {
  dir: string;
  env: Record<string, string>;
  predictions: string[];
  runLogs: string[];
}

/** Run generate (two models) and evaluate (both) in a fresh directory. */
export async function evaluatedScenario(): Promise<Scenario> {
  const { bin } = await installStandIn();
  const dir = await Deno.makeTempDir({ prefix: "scenario-" });
  await using sim = await startOpenAISim({ respond: (req) => answer(req.body), apiKey: KEY });
  const env = { PATH: pathWith(bin), OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
  const gold = await runCli(["generate", "-p", "gold", "-d", "sample"], { cwd: dir, env });
  assert.equal(gold.code, 0, gold.stderr);
  const oa = await runCli(["generate", "-p", "openai", "-m", "gpt-4o-mini", "-d", "sample", "-y"], {
    cwd: dir,
    env,
  });
  assert.equal(oa.code, 0, oa.stderr);
  const predictions = ["predictions/gold__sample__test.jsonl", "predictions/gpt-4o-mini__sample__test.jsonl"];
  const ev = await runCli(["evaluate", ...predictions], { cwd: dir, env });
  assert.equal(ev.code, 0, ev.stderr);
  return { dir, env, predictions, runLogs: predictions.map((p) => `${p}.runlog.jsonl`) };
}
