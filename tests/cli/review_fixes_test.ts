/**
 * Behaviours a demanding user relies on, found in review: run-level failures are resumed without
 * --retry-failed, a provider that keeps failing stops the run, two models never share a predictions file,
 * --dry-run needs no key, --json errors are JSON, SWEBENCH_MODEL never leaks into fallbacks.
 */
import assert from "node:assert/strict";
import { startOpenAISim } from "../simulator/mod.ts";
import { goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-test.jsonl", 20);
const KEY = "sk-test-review-0000000000";

const respond = goldResponder(instances);

Deno.test("an auth failure stops the run; after fixing the key the same command sends every instance", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows, 4);
  const out = `${dir}/p.jsonl`;
  const base = ["generate", "-p", "openai", "-d", data, "-o", out, "-y", "-c", "1"];
  const bad = await runCli(base, {
    env: { OPENAI_API_KEY: "sk-wrong-key-000000000", OPENAI_BASE_URL: `${sim.url}/v1` },
  });
  assert.equal(bad.code, 3);
  const good = await runCli([...base, "--json"], {
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` },
  });
  assert.equal(good.code, 0, good.stderr);
  assert.equal(JSON.parse(good.stdout).ok, 4, "the instance that met the bad key is not counted as done");
  assert.equal((await readJsonl(out)).length, 4);
});

Deno.test("a provider that keeps failing stops the run instead of burning through every instance", async () => {
  await using sim = await startOpenAISim({
    respond,
    apiKey: KEY,
    faults: () => ({ type: "status", status: 400, message: "unsupported parameter: foo" }),
  });
  const { dir, data } = await tempDataset(rows, 20);
  const r = await runCli([
    "generate",
    "-p",
    "openai",
    "-d",
    data,
    "-o",
    `${dir}/p.jsonl`,
    "-y",
    "-c",
    "1",
    "--json",
  ], {
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` },
  });
  const s = JSON.parse(r.stdout);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(s.stoppedBy, "fatal");
  // The first request goes alone (issue 10 §6): a rejected parameter stops the run after it.
  assert.match(s.stopMessage, /the run's first request was rejected: openai: 400 unsupported parameter: foo/);
  assert.equal(s.notStarted, 19);
  assert.equal(sim.requests.filter((q) => q.n !== undefined).length, 1);
});

Deno.test("two models never share a predictions file: resuming another model's file is a usage error", async () => {
  const { dir, data } = await tempDataset(rows, 3);
  const out = `${dir}/p.jsonl`;
  assert.equal((await runCli(["generate", "-p", "gold", "-d", data, "-o", out, "-q"])).code, 0);
  await using sim = await startOpenAISim({ respond, apiKey: KEY });
  const r = await runCli(["generate", "-p", "openai", "-d", data, "-o", out, "-y"], {
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` },
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--overwrite/);
  assert.equal(sim.requests.length, 0);
  assert.equal((await readJsonl(out)).length, 3, "nothing lost");
});

Deno.test("--dry-run needs no key; --json errors are one JSON document on stdout", async () => {
  const { dir, data } = await tempDataset(rows, 2);
  const dry = await runCli([
    "generate",
    "-p",
    "anthropic",
    "-d",
    data,
    "-o",
    `${dir}/p.jsonl`,
    "--dry-run",
    "--json",
  ]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(JSON.parse(dry.stdout).instances, 2);
  const err = await runCli(["generate", "-p", "anthropic", "-d", data, "-o", `${dir}/p.jsonl`, "--json"]);
  assert.equal(err.code, 3);
  const doc = JSON.parse(err.stdout);
  assert.equal(doc.exitCode, 3);
  assert.equal(doc.error.kind, "config");
  assert.match(doc.error.hint, /ANTHROPIC_API_KEY/);
});

Deno.test("SWEBENCH_MODEL names the primary's model only, never a fallback's", async () => {
  const { dir, data } = await tempDataset(rows, 1);
  const r = await runCli(
    [
      "generate",
      "-p",
      "gold",
      "--fallback",
      "ollama",
      "-d",
      data,
      "-o",
      `${dir}/p.jsonl`,
      "--dry-run",
      "--json",
    ],
    { env: { SWEBENCH_MODEL: "gpt-4o" } },
  );
  assert.equal(r.code, 0, r.stderr);
  const list = await runCli(["provider", "list", "--json"], { env: { SWEBENCH_MODEL: "gpt-4o" } });
  const ollama = JSON.parse(list.stdout).providers.find((p: { name: string }) => p.name === "ollama");
  assert.notEqual(ollama.model, "gpt-4o");
});
