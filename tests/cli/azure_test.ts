/**
 * `swebench generate -p azure` and `provider ... azure` end to end against the Azure OpenAI simulator: both routes,
 * a deployment priced as its catalog model (`priceAs`), the reported model recorded, content filtering as its own
 * failure (never retried, named in the run log and the summary), a missing key or endpoint, human output piped
 * and on a terminal.
 */
import assert from "node:assert/strict";
import { costOf, defaultCatalog } from "../../src/providers/catalog.ts";
import { type SimRequest, startAzureSim } from "../simulator/mod.ts";
import { generateArgs, goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";
import { assertOnTerminal, assertPiped } from "./human.ts";
import { runInTerminal } from "./terminal.ts";

const KEY = "azure-cli-key-0123456789abcdef";
const { lines: rows, instances } = await realRows("lite-dev.jsonl", 3);
const respond = goldResponder(instances);

/** A config file (mode 0600) in a fresh home; returns the env that points the CLI at it and at the simulator. */
async function world(url: string, config: unknown, extra: Record<string, string> = {}) {
  const { dir, data } = await tempDataset(rows);
  await Deno.mkdir(`${dir}/.config/swebench-runner`, { recursive: true });
  const path = `${dir}/.config/swebench-runner/config.json`;
  await Deno.writeTextFile(path, JSON.stringify(config), { mode: 0o600 });
  const env = {
    HOME: dir,
    XDG_CONFIG_HOME: `${dir}/.config`,
    XDG_CACHE_HOME: `${dir}/.cache`,
    AZURE_OPENAI_API_KEY: KEY,
    AZURE_OPENAI_ENDPOINT: url,
    ...extra,
  };
  return { dir, data, env, out: `${dir}/p.jsonl` };
}

/** The simulator with one deployment, `prod-mini`, running gpt-4o-mini. */
const miniSim = () => startAzureSim({ respond, apiKey: KEY, deployments: { "prod-mini": "gpt-4o-mini" } });

const calls = (sim: { requests: SimRequest[] }): SimRequest[] =>
  sim.requests.filter((r) => r.n !== undefined);

Deno.test("generate -p azure: the deployments route (OPENAI_API_VERSION), a deployment priced as its catalog model, the reported model recorded", async () => {
  await using sim = await startAzureSim({ respond, apiKey: KEY, deployments: { "prod-4o": "gpt-4o" } });
  const w = await world(sim.url, { providers: { azure: { priceAs: { "prod-4o": "gpt-4o" } } } }, {
    OPENAI_API_VERSION: "2024-10-21",
  });
  const r = await runCli(generateArgs("azure", "prod-4o", w.data, w.out, "--max-cost", "1"), {
    env: w.env,
  });
  assertPiped(
    r,
    0,
    /Plan: 3 instances through azure:prod-4o/,
    /cost: expected \$[\d.]+, worst case/,
    /Done: 3 ok/,
  );
  const sent = calls(sim);
  assert.equal(sent.length, 3);
  for (const q of sent) {
    assert.equal(q.path, "/openai/deployments/prod-4o/chat/completions");
    assert.equal(q.search, "?api-version=2024-10-21");
    assert.equal(q.headers.get("api-key"), KEY);
  }
  const log = await readJsonl(`${w.out}.runlog.jsonl`);
  const gpt4o = defaultCatalog().lookup("gpt-4o");
  for (const line of log) {
    assert.equal(line.status, "ok");
    assert.equal(line.reportedModel, "gpt-4o-2024-08-06");
    const expected = costOf(gpt4o, line.usage as Parameters<typeof costOf>[1]);
    assert.ok(expected !== undefined && expected > 0);
    assert.ok(Math.abs((line.costUsd as number) - expected!) < 1e-12, `cost ${line.costUsd} != ${expected}`);
  }
  const preds = await readJsonl(w.out);
  assert.deepEqual(preds.map((p) => p.model_patch), instances.map((i) => i.patch));
  assert.ok(preds.every((p) => p.model_name_or_path === "prod-4o"));
  const manifest = JSON.parse(await Deno.readTextFile(`${w.out}.manifest.json`));
  assert.deepEqual(manifest.reportedModels, ["gpt-4o-2024-08-06"]);
  assert.equal(manifest.endpoint.kind, "azure");
  assert.ok(!JSON.stringify([r, log, manifest]).includes(KEY), "the key is in no output");
});

Deno.test("generate -p azure: the v1 route without an API version (deployment in the body); unpriced deployment named in the plan", async () => {
  await using sim = await miniSim();
  const w = await world(sim.url, {});
  const r = await runCli(generateArgs("azure", "prod-mini", w.data, w.out, "--stream", "-y"), {
    env: w.env,
  });
  assertPiped(r, 0, /cost: unknown \(.*"priceAs"/, /Done: 3 ok/);
  for (const q of calls(sim)) {
    assert.equal(q.path, "/openai/v1/chat/completions");
    assert.equal(q.search, "");
    assert.equal(q.body.model, "prod-mini");
    assert.equal(q.body.stream, true);
  }
  // After the call the answer is priced by the model the API reported (gpt-4o-mini-2024-07-18).
  const log = await readJsonl(`${w.out}.runlog.jsonl`);
  assert.ok(log.every((l) => typeof l.costUsd === "number" && (l.costUsd as number) > 0));
  // The config entry's apiVersion picks the deployments route as the variable does.
  const v = await world(sim.url, { providers: { azure: { apiVersion: "2025-04-01-preview" } } });
  const before = calls(sim).length;
  const r2 = await runCli(generateArgs("azure", "prod-mini", v.data, v.out, "-n", "1", "-y"), {
    env: v.env,
  });
  assertPiped(r2, 0, /Done: 1 ok/);
  const [q] = calls(sim).slice(before);
  assert.equal(
    `${q.path}${q.search}`,
    "/openai/deployments/prod-mini/chat/completions?api-version=2025-04-01-preview",
  );
});

Deno.test("generate -p azure: a filtered prompt and a filtered answer fail as content_filter, once each, named in the run log and the summary", async () => {
  const [, second, third] = instances;
  await using sim = await startAzureSim({
    respond,
    apiKey: KEY,
    deployments: { "prod-mini": "gpt-4o-mini" },
    contentFilter: (req) => {
      const text = JSON.stringify(req.body);
      if (text.includes(second.base_commit)) return { on: "prompt", category: "self_harm" };
      if (text.includes(third.base_commit)) return { on: "completion", category: "violence" };
      return undefined;
    },
  });
  for (const stream of [false, true]) {
    const w = await world(sim.url, {});
    const before = calls(sim).length;
    const args = ["generate", "-p", "azure", "-m", "prod-mini", "-d", w.data, "-o", w.out, "-y"];
    if (stream) args.push("--stream");
    const r = await runCli(args, { env: w.env });
    assertPiped(
      r,
      4,
      /Done: 1 ok, 2 failed/,
      /Failures: 2 content_filter/,
      /Content filter: the provider refused 2 prompts or answers; not retried/,
    );
    assert.equal(calls(sim).length - before, 3, "one call per instance: a filtered one is never retried");
    const log = await readJsonl(`${w.out}.runlog.jsonl`);
    const byId = new Map(log.map((l) => [l.instance_id, l]));
    const prompt = byId.get(second.instance_id)!;
    const answer = byId.get(third.instance_id)!;
    for (const l of [prompt, answer]) {
      assert.equal(l.status, "failed");
      assert.equal((l.error as { kind: string }).kind, "content_filter");
      assert.equal(l.attempts, 1);
    }
    assert.match((prompt.error as { message: string }).message, /filtered: self_harm \(medium\)/);
    assert.match((answer.error as { message: string }).message, /answer was filtered.*violence \(medium\)/);
    // --json names the kind too.
    const j = await runCli([...args.map((a) => a === w.out ? `${w.dir}/j.jsonl` : a), "--json"], {
      env: w.env,
    });
    assert.equal(j.code, 4, j.stderr);
    assert.deepEqual(JSON.parse(j.stdout).failuresByKind, { content_filter: 2 });
  }
});

Deno.test("-p azure without a key or an endpoint: exit 3 naming the variable, nothing sent", async () => {
  await using sim = await startAzureSim({ respond, apiKey: KEY });
  const w = await world(sim.url, {});
  const { AZURE_OPENAI_API_KEY: _k, ...noKey } = w.env;
  const r = await runCli(["generate", "-p", "azure", "-m", "prod", "-d", w.data, "-o", w.out, "-y"], {
    env: noKey,
  });
  assertPiped(r, 3, /azure: no API key found/, /export AZURE_OPENAI_API_KEY=/);
  const { AZURE_OPENAI_ENDPOINT: _e, ...noEndpoint } = w.env;
  const e = await runCli(["generate", "-p", "azure", "-m", "prod", "-d", w.data, "-o", w.out, "-y"], {
    env: noEndpoint,
  });
  assertPiped(e, 3, /no Azure OpenAI endpoint/, /AZURE_OPENAI_ENDPOINT/);
  const bad = await world(sim.url, { providers: { azure: { priceAs: 5 } } });
  assertPiped(
    await runCli(["generate", "-p", "azure", "-m", "prod", "-d", bad.data, "-o", bad.out, "-y"], {
      env: bad.env,
    }),
    3,
    /"providers\.azure\.priceAs" must be a catalog model id or an object of them/,
  );
  const list = await runCli(["provider", "list"], { env: noEndpoint });
  assertPiped(list, 0, /azure +azure +\S+ \(env\) +missing: set AZURE_OPENAI_ENDPOINT/);
  assert.equal(calls(sim).length, 0);
});

Deno.test("provider test/models azure: the deployment answers with its model; no model list names what -m takes; a missing deployment says so (piped and on a terminal)", async () => {
  await using sim = await miniSim();
  const w = await world(sim.url, {});
  assertPiped(
    await runCli(["provider", "test", "azure", "-m", "prod-mini"], { env: w.env }),
    0,
    /ok: azure gpt-4o-mini-2024-07-18 answered/,
  );
  assertPiped(
    await runCli(["provider", "models", "azure"], { env: w.env }),
    0,
    /azure has no model list/,
    /-m takes a deployment name/,
  );
  assertPiped(
    await runCli(["provider", "test", "azure", "-m", "nope"], { env: w.env }),
    2,
    /No deployment named "nope" on this resource/,
  );
  const tty = await runInTerminal(
    ["generate", "-p", "azure", "-m", "prod-mini", "-d", w.data, "-o", w.out, "-y"],
    { env: w.env, cwd: w.dir, cols: 80 },
  );
  assertOnTerminal(tty, 0, { cols: 80, fit: true, colour: true }, /Done: 3 ok/, /Predictions:/);
});
