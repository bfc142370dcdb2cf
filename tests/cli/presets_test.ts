/**
 * The named OpenAI-compatible hosts from the CLI, against the OpenAI simulator through `--base-url`: `-p deepseek`
 * priced by its own catalog entry, `-p openrouter` costed by the billed `usage.cost`, `provider list` showing
 * each preset with where its values come from, a missing key naming the preset's variable, human output piped
 * and on a terminal.
 */
import assert from "node:assert/strict";
import { costOf, defaultCatalog } from "../../src/providers/catalog.ts";
import { startOpenAISim } from "../simulator/mod.ts";
import { generateArgs, goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";
import { assertOnTerminal, assertPiped } from "./human.ts";
import { runInTerminal } from "./terminal.ts";

const KEY = "sk-preset-cli-0123456789abcdef";
const { lines: rows, instances } = await realRows("lite-dev.jsonl", 3);
const respond = goldResponder(instances);

async function world() {
  const { dir, data } = await tempDataset(rows);
  const env = { HOME: dir, XDG_CONFIG_HOME: `${dir}/.config`, XDG_CACHE_HOME: `${dir}/.cache` };
  return { dir, data, env, out: `${dir}/p.jsonl` };
}

Deno.test("generate -p deepseek --base-url: the OpenAI wire with DEEPSEEK_API_KEY, priced by DeepSeek's own catalog entry", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY });
  const w = await world();
  const r = await runCli(
    generateArgs(
      "deepseek",
      "deepseek-chat",
      w.data,
      w.out,
      "--base-url",
      `${sim.url}/v1`,
      "--max-cost",
      "1",
    ),
    { env: { ...w.env, DEEPSEEK_API_KEY: KEY } },
  );
  assertPiped(r, 0, /Plan: 3 instances through deepseek:deepseek-chat/, /cost: expected \$/, /Done: 3 ok/);
  const calls = sim.requests.filter((q) => q.n !== undefined);
  assert.equal(calls.length, 3);
  assert.ok(
    calls.every((q) =>
      q.headers.get("authorization") === `Bearer ${KEY}` && q.body.model === "deepseek-chat"
    ),
  );
  const entry = defaultCatalog().lookup("deepseek-chat", "deepseek")!;
  assert.equal(entry.provider, "deepseek");
  for (const l of await readJsonl(`${w.out}.runlog.jsonl`)) {
    const expected = costOf(entry, l.usage as Parameters<typeof costOf>[1])!;
    assert.ok(Math.abs((l.costUsd as number) - expected) < 1e-12, `${l.costUsd} != ${expected}`);
  }
  assert.deepEqual((await readJsonl(w.out)).map((p) => p.model_patch), instances.map((i) => i.patch));
});

Deno.test("generate -p openrouter: usage accounting asked for, each answer costs what OpenRouter billed (usage.cost)", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY, billedUsdPerToken: 2e-6 });
  const w = await world();
  for (const stream of [false, true]) {
    const out = `${w.dir}/or-${stream}.jsonl`;
    const args = generateArgs(
      "openrouter",
      "qwen/qwen3-coder",
      w.data,
      out,
      "--base-url",
      `${sim.url}/v1`,
      "-y",
    );
    if (stream) args.push("--stream");
    const r = await runCli(args, { env: { ...w.env, OPENROUTER_API_KEY: KEY } });
    assertPiped(r, 0, /Done: 3 ok/);
    const log = await readJsonl(`${out}.runlog.jsonl`);
    for (const l of log) {
      const u = l.usage as { totalTokens: number };
      assert.ok(
        Math.abs((l.costUsd as number) - u.totalTokens * 2e-6) < 1e-12,
        `stream=${stream}: ${l.costUsd}`,
      );
    }
    const total = log.reduce((n, l) => n + (l.costUsd as number), 0);
    assert.match(r.stderr + r.stdout, new RegExp(`cost \\$${total.toFixed(4).replace(".", "\\.")}`));
  }
  assert.ok(sim.requests.filter((q) => q.n !== undefined).every((q) => q.body.usage?.include === true));
});

Deno.test("provider list shows every preset with its key variable, base URL and model and where each comes from; a missing key names the variable", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY });
  const w = await world();
  const list = await runCli(["provider", "list"], { env: { ...w.env, GROQ_API_KEY: KEY } });
  assertPiped(
    list,
    0,
    /deepseek +deepseek +missing: set DEEPSEEK_API_KEY +https:\/\/api\.deepseek\.com \(default\) +deepseek-chat \(default\)/,
    /groq +groq +sk-\S+ \(env\) +https:\/\/api\.groq\.com\/openai\/v1 \(default\)/,
    /openrouter +openrouter +missing: set OPENROUTER_API_KEY +https:\/\/openrouter\.ai\/api\/v1 \(default\)/,
    /xai +xai/,
    /mistral +mistral/,
  );
  const json = JSON.parse((await runCli(["provider", "list", "--json"], { env: w.env })).stdout);
  const together = json.providers.find((p: { name: string }) => p.name === "together");
  assert.equal(together.keyEnv, "TOGETHER_API_KEY");
  assert.equal(together.baseUrlSource, "default");
  // The preset's own host needs its key: refused before anything is sent (exit 3), naming the variable.
  const r = await runCli(generateArgs("fireworks", "x", w.data, w.out, "-y"), { env: w.env });
  assertPiped(r, 3, /fireworks: no API key found/, /export FIREWORKS_API_KEY=/);
  const tty = await runInTerminal(
    generateArgs("xai", "grok-code-fast-1", w.data, w.out, "--base-url", `${sim.url}/v1`, "-y"),
    { env: { ...w.env, XAI_API_KEY: KEY }, cwd: w.dir, cols: 80 },
  );
  assertOnTerminal(tty, 0, { cols: 80, fit: true, colour: true }, /Done: 3 ok/);
});
