/**
 * `-p gemini` end to end (issue 13 §1, §5) against the Gemini simulator: generate (plain and --stream, the key from
 * GEMINI_API_KEY or GOOGLE_API_KEY, only ever in x-goog-api-key), the plan's prompt tokens counted by countTokens
 * (exact, and counted once across a dry run and the run) with the offline estimate, `provider list|test|models
 * gemini` (the API's input/output limits), a rejected key (Google's 400 API_KEY_INVALID: exit 3 after one request),
 * a thinking model that spends the whole budget (said in the summary), and what a person sees piped and on a
 * terminal.
 */
import assert from "node:assert/strict";
import { type GeminiSimOptions, type Simulator, startGeminiSim } from "../simulator/mod.ts";
import { closedPort, goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";
import { assertOnTerminal, assertPiped } from "./human.ts";
import { runInTerminal } from "./terminal.ts";

const { lines: rows, instances } = await realRows("lite-dev.jsonl", 4);
const respond = goldResponder(instances);
const KEY = "AIzaSyCliTest-0123456789abcdefghijk";
const MODEL = "gemini-2.5-flash";

const calls = (sim: Simulator) =>
  sim.requests.filter((q) => /:(?:generateContent|streamGenerateContent)$/.test(q.path));
const counts = (sim: Simulator) => sim.requests.filter((q) => q.path.endsWith(":countTokens")).length;

async function gemini(options: GeminiSimOptions = {}): Promise<Simulator<GeminiSimOptions>> {
  return await startGeminiSim({ respond, apiKey: KEY, ...options });
}

/** Every text the run left behind: output and files. */
async function everything(r: { stdout: string; stderr: string }, out: string): Promise<string[]> {
  return [r.stdout, r.stderr, await Deno.readTextFile(out), await Deno.readTextFile(`${out}.runlog.jsonl`)];
}

for (const [variable, stream] of [["GEMINI_API_KEY", false], ["GOOGLE_API_KEY", true]] as const) {
  Deno.test(`generate -p gemini${stream ? " --stream" : ""} with ${variable}: every gold patch, the key only in x-goog-api-key`, async () => {
    await using sim = await gemini();
    const { dir, data } = await tempDataset(rows);
    const out = `${dir}/p.jsonl`;
    const args = ["generate", "-p", "gemini", "-m", MODEL, "-d", data, "-o", out, "--json", "-y", "-c", "2"];
    const r = await runCli(stream ? [...args, "--stream"] : args, {
      env: { [variable]: KEY, GOOGLE_GEMINI_BASE_URL: sim.url },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).ok, 4);
    const preds = await readJsonl(out);
    for (const p of preds) {
      assert.equal(p.model_patch, instances.find((i) => i.instance_id === p.instance_id)!.patch);
      assert.equal(p.model_name_or_path, MODEL);
    }
    assert.equal(calls(sim).length, 4, "one model call per instance");
    const method = stream ? "streamGenerateContent" : "generateContent";
    assert.ok(calls(sim).every((q) => q.path === `/v1beta/models/${MODEL}:${method}`));
    for (const q of sim.requests) {
      assert.equal(q.headers.get("x-goog-api-key"), KEY);
      assert.equal(q.keyInUrl, undefined, "never ?key= in a URL");
    }
    const log = await readJsonl(`${out}.runlog.jsonl`);
    assert.ok(
      log.every((l) => l.provider === "gemini" && (l.usage as { promptTokens: number }).promptTokens > 0),
    );
    for (const text of await everything(r, out)) assert.ok(!text.includes(KEY), "the key in output or files");
  });
}

Deno.test("the plan counts Gemini prompts with countTokens (exact, the billed input), once across a dry run and the run", async () => {
  await using sim = await gemini();
  const { dir, data } = await tempDataset(rows);
  const home = await Deno.makeTempDir({ prefix: "swebench-home-" });
  const env = { HOME: home, GEMINI_API_KEY: KEY, GOOGLE_GEMINI_BASE_URL: sim.url };
  const args = ["generate", "-p", "gemini", "-m", MODEL, "-d", data, "-o", `${dir}/p.jsonl`];
  const dry = await runCli([...args, "--dry-run", "--json"], { env });
  assert.equal(dry.code, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout);
  assert.deepEqual([plan.countMethod, plan.countSource], ["exact", "api"]);
  assert.equal(counts(sim), 4, "one countTokens call per prompt");
  assert.equal(calls(sim).length, 0, "a dry run generates nothing");
  const human = await runCli([...args, "--dry-run"], { env });
  assertPiped(
    human,
    0,
    new RegExp(
      `prompt tokens: ${
        plan.promptTokens.toLocaleString("en-US")
      } \\(exact, counted by the provider's API\\)`,
    ),
    /Dry run: nothing sent/,
  );
  const run = await runCli([...args, "-y", "--json"], { env });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    JSON.parse(run.stdout).promptTokens,
    plan.promptTokens,
    "the plan's prompt tokens are the billed ones",
  );
  assert.equal(counts(sim), 4, "the second plan and the run took the counts from the on-disk cache");
  await Deno.remove(home, { recursive: true });
});

Deno.test("offline or without a key the Gemini plan is an estimate with its bound; nothing is sent without a key", async () => {
  await using sim = await gemini();
  const { dir, data } = await tempDataset(rows, 3);
  const args = ["generate", "-p", "gemini", "-d", data, "-o", `${dir}/p.jsonl`, "--dry-run"];
  const noKey = await runCli(args, { env: { GOOGLE_GEMINI_BASE_URL: sim.url } });
  assertPiped(
    noKey,
    0,
    /Plan: 3 instances through gemini:gemini-3\.7-flash/,
    /prompt tokens: [\d,]+ \(estimate, ±25%\)/,
  );
  assert.equal(sim.requests.length, 0);
  const offline = await runCli([...args, "--json"], {
    env: { GEMINI_API_KEY: KEY, GOOGLE_GEMINI_BASE_URL: `http://127.0.0.1:${closedPort()}` },
  });
  assert.equal(offline.code, 0, offline.stderr);
  const plan = JSON.parse(offline.stdout);
  assert.deepEqual([plan.countMethod, plan.errorBound], ["estimate", 0.25]);
  // Without a key the run itself stops before any request, naming both variables' first.
  const run = await runCli(["generate", "-p", "gemini", "-d", data, "-o", `${dir}/p.jsonl`, "-y"], {
    env: { GOOGLE_GEMINI_BASE_URL: "https://generativelanguage.googleapis.com" },
  });
  assertPiped(run, 3, /gemini: no API key found/, /GEMINI_API_KEY/);
});

Deno.test("a rejected key (Google's 400 API_KEY_INVALID): exit 3 after one request, naming the variable, key not shown", async () => {
  await using sim = await gemini();
  const { dir, data } = await tempDataset(rows);
  const wrong = "AIzaSyWrongCliKey-000000000000000000";
  for (const variable of ["GEMINI_API_KEY", "GOOGLE_API_KEY"]) {
    const before = sim.requests.length;
    const r = await runCli(
      ["generate", "-p", "gemini", "-d", data, "-o", `${dir}/p.jsonl`, "-c", "8", "-y"],
      {
        env: { [variable]: wrong, GOOGLE_GEMINI_BASE_URL: sim.url },
      },
    );
    assertPiped(
      r,
      3,
      /API key not valid/,
      new RegExp(`rejected the key in ${variable}`),
      /provider init gemini/,
    );
    assert.equal(sim.requests.length - before, 1, "exactly one request (the plan's first count)");
    assert.ok(!(r.stdout + r.stderr).includes(wrong));
  }
  // provider test says the same, with the same exit code.
  const t = await runCli(["provider", "test", "gemini"], {
    env: { GEMINI_API_KEY: wrong, GOOGLE_GEMINI_BASE_URL: sim.url },
  });
  assertPiped(t, 3, /API key not valid/, /GEMINI_API_KEY/);
  assert.ok(!(t.stdout + t.stderr).includes(wrong));
});

Deno.test("provider list|test|models gemini: the key masked with its variable, a test call, the API's token limits", async () => {
  await using sim = await gemini();
  const env = { GOOGLE_API_KEY: KEY, GOOGLE_GEMINI_BASE_URL: sim.url };
  const list = await runCli(["provider", "list", "--json"], { env });
  const row = JSON.parse(list.stdout).providers.find((p: { name: string }) => p.name === "gemini");
  assert.equal(row.apiKeySource, "env");
  assert.equal(row.baseUrlSource, "env");
  assert.ok(!list.stdout.includes(KEY));
  assertPiped(await runCli(["provider", "list"], { env }), 0, /gemini\s+gemini\s+AIz\.\.\.hijk \(env\)/);
  assertPiped(
    await runCli(["provider", "test", "gemini"], { env }),
    0,
    /ok: gemini gemini-3\.7-flash answered/,
  );
  const models = await runCli(["provider", "models", "gemini", "--json"], { env });
  assert.equal(models.code, 0, models.stderr);
  const lite = JSON.parse(models.stdout).models.find((m: { id: string }) => m.id === "gemini-2.0-flash-lite");
  // Not in the price catalog: the limits are the API's inputTokenLimit/outputTokenLimit, the price unknown.
  assert.deepEqual(
    [lite.contextWindow, lite.maxOutputTokens, lite.inputPerMTok],
    [1048576, 8192, undefined],
  );
  assertPiped(
    await runCli(["provider", "models", "gemini"], { env }),
    0,
    /gemini-2\.5-flash\s+1,048,576\s+65,536\s+\$0\.3\s+\$2\.5/,
    /gemini-2\.0-flash-lite\s+1,048,576\s+8,192\s+\?/,
  );
  const tty = await runInTerminal(["provider", "models", "gemini"], { env, cols: 70 });
  assertOnTerminal(tty, 0, { cols: 70, fit: true }, /gemini-2\.5-pro/, /65,536/);
});

Deno.test("a thinking model that spends the whole budget: length, no text, said in the summary (piped and on a terminal)", async () => {
  await using sim = await gemini({ thinkingTokens: () => 100_000 });
  const { dir, data } = await tempDataset(rows, 2);
  const env = { GEMINI_API_KEY: KEY, GOOGLE_GEMINI_BASE_URL: sim.url };
  const args = ["generate", "-p", "gemini", "-m", MODEL, "-d", data, "--max-tokens", "256", "-y"];
  const r = await runCli([...args, "-o", `${dir}/p.jsonl`], { env });
  assertPiped(
    r,
    0,
    /Patches: 2 empty/,
    /Cut at --max-tokens \(finish: length\): 2; 2 with no text at all: the model spent the whole budget thinking\. Raise --max-tokens\./,
  );
  const log = await readJsonl(`${dir}/p.jsonl.runlog.jsonl`);
  assert.ok(
    log.every((l) =>
      l.finishReason === "length" && l.rawFinishReason === "MAX_TOKENS" && l.output === "" &&
      (l.usage as { reasoningTokens: number }).reasoningTokens === 256
    ),
  );
  const tty = await runInTerminal([...args, "-o", `${dir}/t.jsonl`, "--stream"], { env, cols: 80 });
  assertOnTerminal(tty, 0, { cols: 80, fit: true }, /Done: 2 ok/, /Cut at --max-tokens/, /thinking/);
});

Deno.test("human output of generate -p gemini, piped and on a terminal", async () => {
  await using sim = await gemini();
  const { dir, data } = await tempDataset(rows);
  const env = { GEMINI_API_KEY: KEY, GOOGLE_GEMINI_BASE_URL: sim.url, NO_COLOR: "" };
  const r = await runCli(
    ["generate", "-p", "gemini", "-m", MODEL, "-d", data, "-o", `${dir}/p.jsonl`, "-y"],
    { env },
  );
  // -y starts the calls at once (issue 15 §1): the prompts are counted alongside, with the local estimate; the plan
  // made first (a dry run, a confirmation) counts them with Gemini's countTokens.
  const dry = await runCli([
    "generate",
    "-p",
    "gemini",
    "-m",
    MODEL,
    "-d",
    data,
    "-o",
    `${dir}/dry.jsonl`,
    "--dry-run",
  ], {
    env,
  });
  assertPiped(dry, 0, /Plan: 4 instances through gemini:gemini-2\.5-flash/, /counted by the provider's API/);
  assertPiped(
    r,
    0,
    /Plan: 4 instances through gemini:gemini-2\.5-flash; started at once \(-y\)/,
    /Done: 4 ok, 0 failed/,
    /Patches: 4 valid/,
    /Tokens: [\d,]+ prompt \+ [\d,]+ completion; cost \$0\.\d+/,
  );
  assert.doesNotMatch(r.stdout, /Cut at --max-tokens/);
  const tty = await runInTerminal(
    ["generate", "-p", "gemini", "-m", MODEL, "-d", data, "-o", `${dir}/t.jsonl`, "-y", "--stream"],
    { env, cols: 60 },
  );
  assertOnTerminal(tty, 0, { cols: 60, fit: true, colour: true }, /Done: 4 ok/, /Patches: 4 valid/);
  assert.ok(!tty.raw.includes(KEY));
});
