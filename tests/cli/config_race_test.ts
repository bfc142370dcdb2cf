/**
 * Issue 11 item 10: `provider init` is a read-modify-write of the config file under a lock (three at once lose
 * nothing), and never saves a base URL that `generate` would reject.
 */
import assert from "node:assert/strict";
import { runCli } from "./helpers.ts";

Deno.test("three provider init at once, over several rounds: every entry and key is kept", async () => {
  const home = await Deno.makeTempDir({ prefix: "swebench-home-" });
  const config = `${home}/config.json`;
  const rounds = 4;
  for (let round = 0; round < rounds; round++) {
    // An entry from before must survive too.
    await Deno.writeTextFile(
      config,
      JSON.stringify({ defaultProvider: "old", providers: { old: { baseUrl: "http://127.0.0.1:9/v1" } } }),
    );
    const names = ["alpha", "beta", "gamma"].map((n) => `${n}${round}`);
    const results = await Promise.all(names.map((name, i) =>
      runCli(
        [
          "--config",
          config,
          "provider",
          "init",
          name,
          "--base-url",
          `http://127.0.0.1:${8000 + i}/v1`,
          "--model",
          `model-${name}`,
          "--api-key-stdin",
          "--no-test",
        ],
        { env: { HOME: home }, stdin: `sk-${name}-secret-key\n` },
      )
    ));
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Saved /);
      assert.doesNotMatch(r.stdout + r.stderr, /secret-key/, "the key is never printed");
    }
    const saved = JSON.parse(await Deno.readTextFile(config));
    assert.equal(saved.defaultProvider, "old", `round ${round}: the default is kept`);
    assert.deepEqual(Object.keys(saved.providers).sort(), ["old", ...names].sort(), `round ${round}`);
    for (const name of names) {
      assert.equal(saved.providers[name].apiKey, `sk-${name}-secret-key`, `round ${round}: ${name}'s key`);
      assert.equal(saved.providers[name].model, `model-${name}`);
    }
    assert.equal((await Deno.stat(config)).mode! & 0o777, 0o600);
  }
});

Deno.test("provider init refuses a base URL generate would reject, and saves nothing", async () => {
  const home = await Deno.makeTempDir({ prefix: "swebench-home-" });
  const config = `${home}/config.json`;
  const cases: [string[], RegExp, RegExp][] = [
    [
      ["vllm", "--base-url", "localhost:8000/v1"],
      /has no http:\/\/ or https:\/\//,
      /http:\/\/localhost:8000\/v1/,
    ],
    [
      ["vllm", "--base-url", "http://user:pw@127.0.0.1:8000/v1"],
      /must not contain credentials/,
      /not in the URL/,
    ],
    [["ollama", "--base-url", "ftp://127.0.0.1"], /Unsupported scheme/, /http/],
  ];
  for (const [args, message, hint] of cases) {
    const r = await runCli(["--config", config, "provider", "init", ...args, "--no-test"], {
      env: { HOME: home },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /nothing was saved/);
    assert.match(r.stderr, new RegExp(`hint: .*${hint.source}`));
    await assert.rejects(() => Deno.stat(config), Deno.errors.NotFound);
  }
  // The same URL with its scheme is saved, and generate accepts it (dry run: nothing is sent).
  const ok = await runCli(
    ["--config", config, "provider", "init", "vllm", "--base-url", "http://localhost:8000/v1", "--no-test"],
    { env: { HOME: home } },
  );
  assert.equal(ok.code, 0, ok.stderr);
  const dry = await runCli([
    "--config",
    config,
    "generate",
    "-p",
    "vllm",
    "-m",
    "m",
    "-d",
    "sample",
    "--dry-run",
  ], {
    env: { HOME: home },
  });
  assert.equal(dry.code, 0, dry.stderr);
});
