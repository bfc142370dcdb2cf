/**
 * `swebench provider test|models|pull` when the server is not there or refuses the key (issue 10 §6, through the
 * CLI): a refused connection exits 4 with generate's message ("Is the server at ... running?"), a 401 names the
 * variable the provider reads, also when `--base-url` points at a local server and no key was sent.
 */
import assert from "node:assert/strict";
import { startAnthropicSim, startOpenAISim } from "../simulator/mod.ts";
import { closedPort, runCli } from "./helpers.ts";
import { assertPiped } from "./human.ts";

const KEY = "sk-provider-net-0000000000";

Deno.test("a refused connection: provider test, models and pull exit 4 with the cause and the fix", async () => {
  const down = `http://127.0.0.1:${closedPort()}`;
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["provider", "test", "openai", "--base-url", `${down}/v1`], {}, /Is the server at .*\/v1 running\?/],
    [["provider", "models", "openai"], { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${down}/v1` }, /running\?/],
    [["provider", "test", "anthropic"], { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: down }, /running\?/],
    [["provider", "models", "anthropic"], { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: down }, /running\?/],
    [["provider", "test", "ollama"], { OLLAMA_HOST: down }, /Is Ollama running\? .*ollama serve/],
    [["provider", "models", "ollama"], { OLLAMA_HOST: down }, /ollama serve/],
    [["provider", "pull", "qwen2.5-coder:7b"], { OLLAMA_HOST: down }, /ollama serve/],
  ];
  for (const [args, env, hint] of cases) {
    const r = await runCli(args, { env });
    assertPiped(r, 4, /error: \w+: cannot connect to http:\/\/127\.0\.0\.1:\d+/, hint);
    assert.doesNotMatch(r.stderr, /unexpected|at \w+ \(file:/, args.join(" "));
    assert.ok(!r.stderr.includes(KEY), "the key is never printed");
    const j = await runCli([...args, "--json"], { env });
    assert.equal(j.code, 4, `${args.join(" ")} --json`);
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.exitCode, 4);
    assert.equal(doc.error.kind, "connection");
  }
});

Deno.test("a 401 in provider test|models names the variable the provider reads, with or without a key sent", async () => {
  await using openai = await startOpenAISim({ apiKey: KEY });
  const local = `${openai.url}/v1`;
  // A local OpenAI-compatible --base-url needs no key unless the server asks for one: none is sent.
  for (const cmd of ["test", "models"]) {
    const none = await runCli(["provider", cmd, "openai", "--base-url", local]);
    assertPiped(
      none,
      3,
      /401/,
      /No key was sent and the server at 127\.0\.0\.1 asks for one: set OPENAI_API_KEY/,
      /swebench provider init openai/,
    );
    const wrong = await runCli(["provider", cmd, "openai", "--base-url", local], {
      env: { OPENAI_API_KEY: "sk-wrong-provider-net-1111" },
    });
    assertPiped(
      wrong,
      3,
      /The server at 127\.0\.0\.1 rejected the key in OPENAI_API_KEY: check it/,
      /swebench provider init openai/,
    );
    assert.ok(!(wrong.stdout + wrong.stderr).includes("sk-wrong-provider-net-1111"), "the key is echoed");
  }
  const sent = openai.requests.filter((q) => q.path.startsWith("/v1/"));
  assert.equal(sent.length, 4, "one request per command, never retried");
  assert.deepEqual(
    sent.map((q) => q.headers.get("authorization") === null),
    [true, false, true, false],
    "no key is sent when none is set",
  );

  await using anthropic = await startAnthropicSim({ apiKey: KEY });
  const wrong = await runCli(["provider", "test", "anthropic"], {
    env: { ANTHROPIC_API_KEY: "sk-ant-wrong-2222", ANTHROPIC_BASE_URL: anthropic.url },
  });
  assertPiped(wrong, 3, /rejected the key in ANTHROPIC_API_KEY/, /swebench provider init anthropic/);
  // With the right key both work (the hint is about the key, not the server).
  const ok = await runCli(["provider", "test", "openai", "--base-url", local], {
    env: { OPENAI_API_KEY: KEY },
  });
  assertPiped(ok, 0, /ok: openai/);
});
