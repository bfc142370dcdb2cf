/**
 * What a person sees from `swebench --help/--version` and `swebench provider list|models|test|init|pull`, piped and
 * on a terminal, against the simulators; and from each of them given bad input.
 */
import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { closedPort, runCli } from "./helpers.ts";
import { assertOnTerminal, assertPiped } from "./human.ts";
import { startOllamaSim } from "../simulator/mod.ts";
import { SIM_KEY, startSimWorld } from "./sim_env.ts";
import { runInTerminal } from "./terminal.ts";

Deno.test("human output: --help, --version and every command's --help", async () => {
  const piped = await runCli(["--help"], { env: { NO_COLOR: "" } });
  assertPiped(
    piped,
    0,
    /Usage: swebench/,
    /generate/,
    /provider/,
    /dataset/,
    /compare/,
    /report/,
    /validate/,
  );
  const version = await runCli(["--version"]);
  assertPiped(version, 0);
  assert.equal(version.stdout.trim(), denoJson.version);
  const tty = await runInTerminal(["--help"], { cols: 80 });
  assertOnTerminal(tty, 0, { cols: 80, fit: true }, /Usage: swebench/, /validate/);
  for (
    const cmd of [
      ["generate"],
      ["provider"],
      ["provider", "list"],
      ["provider", "init"],
      ["provider", "test"],
      ["provider", "models"],
      ["provider", "pull"],
      ["dataset"],
      ["dataset", "list"],
      ["dataset", "fetch"],
      ["dataset", "info"],
      ["compare"],
      ["report"],
      ["validate"],
    ]
  ) {
    const r = await runCli([...cmd, "--help"], { env: { NO_COLOR: "" } });
    assertPiped(r, 0, new RegExp(`Usage: swebench ${cmd.join(" ")}`));
  }
  // A usage error says where the help is.
  assertPiped(await runCli(["bogus"]), 2, /unknown command 'bogus'/, /swebench --help/);
  assertPiped(
    await runCli(["provider", "pull"]),
    2,
    /missing required argument 'model'/,
    /swebench provider pull --help/,
  );
  assertPiped(await runCli(["provider", "list", "--bogus"]), 2, /unknown option '--bogus'/);
});

Deno.test("human output: provider list|models|test|init|pull against the simulators", async (t) => {
  await using world = await startSimWorld();
  const env = { ...world.env, NO_COLOR: "" };
  const run = (args: string[], extra: Record<string, string> = {}, stdin?: string) =>
    runCli(args, { env: { ...env, ...extra }, cwd: world.home, stdin });
  const term = (
    args: string[],
    cols = 100,
    script?: [string, string][],
    extra: Record<string, string> = {},
  ) => runInTerminal(args, { env: { ...world.env, ...extra }, cwd: world.home, cols, script });

  await t.step("provider list: keys masked, sources named; a missing key names its variable", async () => {
    const r = await run(["provider", "list"]);
    assertPiped(r, 0, /openai/, /anthropic/, /ollama/, /gold/, /sk-\.\.\.cdef \(env\)/, /config: /);
    assert.ok(!(r.stdout + r.stderr).includes(SIM_KEY), "a key in the output");
    const none = await run(["provider", "list"], {
      OPENAI_API_KEY: "",
      ANTHROPIC_API_KEY: "",
      OPENAI_BASE_URL: "",
      ANTHROPIC_BASE_URL: "",
    });
    assertPiped(none, 0, /missing: set OPENAI_API_KEY/, /missing: set ANTHROPIC_API_KEY/);
    for (const cols of [120, 80, 60]) {
      const tty = await term(["provider", "list"], cols);
      assertOnTerminal(tty, 0, { cols, fit: true }, /openai/, /sk-\.\.\.cdef/);
      assert.ok(!tty.raw.includes(SIM_KEY));
    }
    // --no-color and NO_COLOR hold on a terminal too.
    for (
      const [args, extra] of [[["--no-color", "provider", "list"], {}], [["provider", "list"], {
        NO_COLOR: "1",
      }]] as const
    ) {
      const plain = await term([...args], 100, undefined, extra);
      assertOnTerminal(plain, 0, {}, /openai/);
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(plain.raw, /\x1b\[[0-9;]*m/, `colour despite ${args[0]} ${JSON.stringify(extra)}`);
    }
  });

  await t.step("provider models: the live list joined with the catalog", async () => {
    assertPiped(await run(["provider", "models", "openai"]), 0, /gpt-4o-mini/, /128,000/, /\$0\.15/);
    assertPiped(await run(["provider", "models", "anthropic"]), 0, /claude/);
    assertPiped(await run(["provider", "models", "ollama"]), 0, /qwen2\.5-coder:7b/);
    for (const cols of [100, 60]) {
      assertOnTerminal(
        await term(["provider", "models", "openai"], cols),
        0,
        { cols, fit: true },
        /gpt-4o-mini/,
      );
    }
    assertPiped(await run(["provider", "models", "nope"]), 2, /unknown provider "nope"/, /openai, anthropic/);
    // An Ollama with nothing pulled: said in words, with the way to get a model, not an empty table.
    await using empty = await startOllamaSim({ models: [] });
    assertPiped(
      await run(["provider", "models", "ollama"], { OLLAMA_HOST: empty.url }),
      0,
      /ollama lists no models/,
      /provider pull/,
    );
    assertPiped(
      await run(["provider", "models", "openai"], { OPENAI_API_KEY: "", OPENAI_BASE_URL: "" }),
      3,
      /OPENAI_API_KEY/,
    );
  });

  await t.step("provider test: one small call, or the cause and the fix", async () => {
    assertPiped(
      await run(["provider", "test", "openai"]),
      0,
      /ok: openai .* answered in \d+ ms/,
      /tokens, cost \$/,
    );
    assertPiped(await run(["provider", "test", "anthropic"]), 0, /ok: anthropic/);
    assertPiped(await run(["provider", "test", "ollama"]), 0, /ok: ollama/, /loaded model/);
    assertOnTerminal(await term(["provider", "test", "openai"]), 0, { colour: true }, /ok: openai/);
    const wrongKey = await run(["provider", "test", "openai"], { OPENAI_API_KEY: "sk-wrong-key-000000" });
    assertPiped(wrongKey, 3, /401/, /API key/);
    assert.ok(!(wrongKey.stdout + wrongKey.stderr).includes("sk-wrong-key-000000"), "the key is echoed");
    const down = await run(["provider", "test", "openai"], {
      OPENAI_BASE_URL: `http://127.0.0.1:${closedPort()}/v1`,
    });
    assert.notEqual(down.code, 0);
    assertPiped(down, down.code, /cannot connect/, /running\?/);
    const noOllama = await run(["provider", "test", "ollama"], { OLLAMA_HOST: `127.0.0.1:${closedPort()}` });
    assertPiped(noOllama, noOllama.code, /ollama serve/);
    assertPiped(await run(["provider", "test", "nope"]), 2, /unknown provider "nope"/);
  });

  await t.step("provider init: flags, --api-key-stdin, the wizard on a terminal, and refusals", async () => {
    const vllm = await run([
      "provider",
      "init",
      "vllm",
      "--base-url",
      `${world.openai.url}/v1`,
      "--model",
      "Qwen/Qwen2.5-Coder-32B-Instruct",
      "--no-test",
    ]);
    assertPiped(vllm, 0, /Saved vllm to .*config\.json \(mode 0600\)/);
    assertPiped(await run(["provider", "list"]), 0, /vllm/, /Qwen\/Qwen2\.5-Coder-32B-Instruct \(file\)/);
    const stdin = await run(
      ["provider", "init", "openai", "--api-key-stdin", "--model", "gpt-4o-mini"],
      {},
      `${SIM_KEY}\n`,
    );
    assertPiped(stdin, 0, /ok: .*answered/, /Saved openai .*key sk-\.\.\.cdef/);
    assert.ok(!(stdin.stdout + stdin.stderr).includes(SIM_KEY));
    assertPiped(
      await run(["provider", "init", "nope", "--no-test"]),
      2,
      /needs --base-url/,
      /--base-url http/,
    );
    // At the official host (no ANTHROPIC_BASE_URL) a key is required, and a pipe cannot be asked for one.
    assertPiped(
      await run(["provider", "init", "anthropic"], { ANTHROPIC_BASE_URL: "" }),
      2,
      /not a terminal/,
      /--api-key-stdin/,
    );
    assertPiped(
      await run(["provider", "init", "openai", "--api-key-stdin"], {}, ""),
      2,
      /standard input was empty/,
    );
    // The wizard: key (hidden), model picked from the live list (Enter keeps the default), a test call, saved.
    const list = JSON.parse((await run(["provider", "list", "--json"])).stdout);
    const defaultModel: string = list.providers.find((p: { name: string }) => p.name === "anthropic").model;
    const wizard = await term(["provider", "init", "anthropic"], 100, [
      ["API key", `${SIM_KEY}\r`],
      ["Default model", "\r"],
    ], { ANTHROPIC_API_KEY: "" });
    assertOnTerminal(wizard, 0, {}, /Saved anthropic to .*\(mode 0600\), key sk-\.\.\.cdef/, /ok: /);
    assert.ok(!wizard.raw.includes(SIM_KEY), "the key is shown while typed");
    const saved = JSON.parse(await Deno.readTextFile(`${world.home}/.config/swebench-runner/config.json`));
    assert.ok(
      saved.providers.anthropic.model.startsWith(defaultModel),
      `Enter picked ${saved.providers.anthropic.model}, not the default ${defaultModel}`,
    );
  });

  await t.step("provider pull: progress, then the model", async () => {
    assertPiped(
      await run(["provider", "pull", "qwen2.5-coder:7b"]),
      0,
      /success/,
      /Pulled qwen2\.5-coder:7b/,
    );
    const tty = await term(["provider", "pull", "qwen2.5-coder:7b"], 40);
    assertOnTerminal(tty, 0, { cols: 40, fit: true }, /Pulled qwen2\.5-coder:7b/);
    const down = await run(["provider", "pull", "x"], { OLLAMA_HOST: `127.0.0.1:${closedPort()}` });
    assertPiped(down, down.code, /ollama serve/);
    assert.notEqual(down.code, 0);
  });
});
