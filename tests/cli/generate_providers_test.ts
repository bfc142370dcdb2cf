/**
 * `swebench generate` and `swebench provider ...` end to end against the simulators, for every provider.
 */
import assert from "node:assert/strict";
import { startAnthropicSim, startOllamaSim, startOpenAISim } from "../simulator/mod.ts";
import { goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-dev.jsonl", 4);

const respond = goldResponder(instances, (p) =>
  `Here is the fix.

\`\`\`diff
${p}\`\`\`
`);

const KEY = "sk-test-secret-key-0123456789";

const cases = [
  {
    name: "openai",
    start: () => startOpenAISim({ respond, apiKey: KEY }),
    env: (url: string) => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${url}/v1` }),
    model: "gpt-4o-mini",
  },
  {
    name: "anthropic",
    start: () => startAnthropicSim({ respond, apiKey: KEY }),
    env: (url: string) => ({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url }),
    model: "claude-haiku-4-5",
  },
  {
    name: "ollama",
    start: () => startOllamaSim({ respond }),
    env: (url: string) => ({ OLLAMA_HOST: url.replace(/^http:\/\//, "") }),
    model: "qwen2.5-coder:7b",
  },
];

for (const c of cases) {
  for (const stream of [false, true]) {
    Deno.test(`generate -p ${c.name}${stream ? " --stream" : ""} recovers every gold patch from the simulator`, async () => {
      await using sim = await c.start();
      const { dir, data } = await tempDataset(rows);
      const out = `${dir}/p.jsonl`;
      const args = [
        "generate",
        "-p",
        c.name,
        "-m",
        c.model,
        "-d",
        data,
        "-o",
        out,
        "--json",
        "-y",
        "-c",
        "2",
      ];
      if (stream) args.push("--stream");
      const r = await runCli(args, { env: c.env(sim.url) });
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout);
      assert.equal(summary.ok, 4);
      const preds = await readJsonl(out);
      assert.equal(preds.length, 4);
      for (const p of preds) {
        const gold = instances.find((i) => i.instance_id === p.instance_id)!.patch;
        assert.equal(p.model_patch, gold);
        assert.equal(p.model_name_or_path, c.model);
      }
      const calls = sim.requests.filter((q) => q.n !== undefined);
      assert.equal(calls.length, 4, "one model call per instance");
      if (stream) assert.ok(calls.every((q) => q.body?.stream === true));
      const log = await readJsonl(`${out}.runlog.jsonl`);
      assert.ok(
        log.every((l) => l.status === "ok" && (l.usage as { promptTokens: number }).promptTokens > 0),
      );
      for (
        const text of [
          r.stdout,
          r.stderr,
          await Deno.readTextFile(out),
          await Deno.readTextFile(`${out}.runlog.jsonl`),
        ]
      ) {
        assert.ok(!text.includes(KEY), "the key never appears in output or files");
      }
    });
  }
}

Deno.test("a rejected key: exit 3 after one request, nothing retried, key not shown", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: "sk-the-right-key-000000" });
  const { dir, data } = await tempDataset(rows);
  const r = await runCli(
    ["generate", "-p", "openai", "-d", data, "-o", `${dir}/p.jsonl`, "-y", "-c", "1"],
    { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` } },
  );
  assert.equal(r.code, 3, r.stderr);
  assert.equal(sim.requests.filter((q) => q.n !== undefined).length, 1);
  assert.ok(!r.stderr.includes(KEY) && !r.stdout.includes(KEY));
});

Deno.test("provider init --api-key-stdin stores the key (0600, never printed); generate then uses it", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY });
  const home = await Deno.makeTempDir();
  const env = { HOME: home };
  const init = await runCli(
    [
      "provider",
      "init",
      "openai",
      "--api-key-stdin",
      "--model",
      "gpt-4o-mini",
      "--base-url",
      `${sim.url}/v1`,
    ],
    { env, stdin: `${KEY}\n` },
  );
  assert.equal(init.code, 0, init.stderr);
  const cfg = `${home}/.config/swebench-runner/config.json`;
  assert.equal((await Deno.stat(cfg)).mode! & 0o777, 0o600);
  assert.ok(!init.stdout.includes(KEY) && !init.stderr.includes(KEY));
  assert.match(init.stdout, /sk-\.\.\.6789/);
  const list = await runCli(["provider", "list", "--json"], { env });
  assert.ok(!list.stdout.includes(KEY));
  const openai = JSON.parse(list.stdout).providers.find((p: { name: string }) => p.name === "openai");
  assert.equal(openai.apiKeySource, "file");
  assert.equal(openai.baseUrlSource, "file");
  const { dir, data } = await tempDataset(rows);
  const gen = await runCli(["generate", "-p", "openai", "-d", data, "-o", `${dir}/p.jsonl`, "-y", "-q"], {
    env,
  });
  assert.equal(gen.code, 0, gen.stderr);
  const auth = sim.requests.filter((q) => q.n !== undefined).map((q) => q.headers.get("authorization"));
  assert.ok(auth.length > 0 && auth.every((a) => a === `Bearer ${KEY}`));
});

Deno.test("provider init never prompts without a terminal", async () => {
  const r = await runCli(["provider", "init", "openai", "--no-test"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--api-key-stdin/);
});

Deno.test("provider test prints model, latency, tokens and cost; models lists the live list with prices", async () => {
  await using sim = await startOpenAISim({ apiKey: KEY, models: ["gpt-4o-mini", "gpt-4.1"] });
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
  const t = await runCli(["provider", "test", "openai", "--json"], { env });
  assert.equal(t.code, 0, t.stderr);
  const j = JSON.parse(t.stdout);
  assert.equal(typeof j.latencyMs, "number");
  assert.ok(j.usage.totalTokens > 0);
  assert.ok(j.costUsd > 0);
  const m = await runCli(["provider", "models", "openai", "--json"], { env });
  assert.equal(m.code, 0, m.stderr);
  const models = JSON.parse(m.stdout).models;
  assert.deepEqual(models.map((x: { id: string }) => x.id).sort(), ["gpt-4.1", "gpt-4o-mini"]);
  assert.ok(
    models.every((x: { inputPerMTok?: number; contextWindow?: number }) =>
      x.inputPerMTok! > 0 && x.contextWindow! > 0
    ),
  );
});

Deno.test("--dry-run sends nothing and prints one JSON document", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows);
  const r = await runCli([
    "generate",
    "-p",
    "openai",
    "-d",
    data,
    "-o",
    `${dir}/p.jsonl`,
    "--dry-run",
    "--json",
  ], {
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` },
  });
  assert.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  assert.equal(plan.instances, 4);
  assert.ok(plan.promptTokens > 0 && plan.worstUsd > plan.expectedUsd);
  assert.equal(sim.requests.length, 0);
  assert.equal(await Deno.stat(`${dir}/p.jsonl`).catch(() => null), null, "no file written");
});

Deno.test("a non-interactive run above the confirmation threshold needs --yes or --max-cost", async () => {
  await using sim = await startOpenAISim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(rows);
  const r = await runCli(
    [
      "generate",
      "-p",
      "openai",
      "-m",
      "gpt-4.1",
      "-d",
      data,
      "-o",
      `${dir}/p.jsonl`,
      "--max-tokens",
      "32768", // gpt-4.1's output limit: 4 calls may cost up to $1.05
    ],
    { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` } },
  );
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--yes/);
  assert.equal(sim.requests.length, 0);
});
