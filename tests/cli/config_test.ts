import assert from "node:assert/strict";
import { loadConfig, missingKeyError, resolveProvider, saveConfig } from "../../src/cli/config.ts";
import { SwebenchError } from "../../src/core/mod.ts";

function withEnv(vars: Record<string, string | undefined>, fn: () => void | Promise<void>) {
  return async () => {
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
    for (const [k, v] of Object.entries(vars)) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    try {
      await fn();
    } finally {
      for (const [k, v] of Object.entries(saved)) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
  };
}

const CLEAN = {
  OPENAI_API_KEY: undefined,
  OPENAI_BASE_URL: undefined,
  ANTHROPIC_API_KEY: undefined,
  SWEBENCH_MODEL: undefined,
  OLLAMA_HOST: undefined,
};

Deno.test(
  "precedence: flags > env > file > defaults, with the source of each value",
  withEnv({ ...CLEAN, OPENAI_API_KEY: "sk-env-key-0001", OPENAI_BASE_URL: "http://env.example/v1" }, () => {
    const config = {
      providers: {
        openai: { apiKey: "sk-file-key-0002", baseUrl: "http://file.example/v1", model: "gpt-file" },
      },
    };
    const r = resolveProvider("openai", { config, flags: { baseUrl: "http://flag.example/v1" } });
    assert.equal(r.apiKey, "sk-env-key-0001");
    assert.equal(r.sources.apiKey, "env");
    assert.equal(r.baseUrl, "http://flag.example/v1");
    assert.equal(r.sources.baseUrl, "flag");
    assert.equal(r.model, "gpt-file");
    assert.equal(r.sources.model, "file");
    Deno.env.delete("OPENAI_API_KEY");
    Deno.env.delete("OPENAI_BASE_URL");
    const f = resolveProvider("openai", { config });
    assert.equal(f.apiKey, "sk-file-key-0002");
    assert.equal(f.sources.apiKey, "file");
    assert.equal(f.sources.baseUrl, "file");
    const d = resolveProvider("openai", { config: {} });
    assert.equal(d.baseUrl, "https://api.openai.com/v1");
    assert.equal(d.sources.baseUrl, "default");
    assert.equal(d.model, "gpt-4o-mini");
    assert.equal(d.needsKey, true);
  }),
);

Deno.test(
  "custom OpenAI-compatible providers come from the file; local servers need no key",
  withEnv(CLEAN, () => {
    const config = {
      providers: { vllm: { kind: "openai" as const, baseUrl: "http://127.0.0.1:8000/v1", model: "qwen" } },
    };
    const r = resolveProvider("vllm", { config });
    assert.equal(r.kind, "openai");
    assert.equal(r.needsKey, false);
    assert.equal(r.model, "qwen");
    assert.equal(resolveProvider("ollama", { config: {} }).needsKey, false);
  }),
);

Deno.test("unknown provider names the known ones (usage, exit 2)", () => {
  assert.throws(
    () => resolveProvider("nosuch", { config: { providers: { vllm: {} } } }),
    (err: unknown) =>
      err instanceof SwebenchError && err.exitCode === 2 &&
      /openai, anthropic, ollama, gemini, azure, deepseek, .*, gold, vllm/.test(err.hint),
  );
});

Deno.test(
  "a missing key is a config error naming the variable and the init command",
  withEnv(CLEAN, () => {
    const err = missingKeyError(resolveProvider("anthropic", { config: {} }));
    assert.equal(err.exitCode, 3);
    assert.match(err.hint, /ANTHROPIC_API_KEY/);
    assert.match(err.hint, /swebench provider init anthropic/);
  }),
);

Deno.test("config file: written atomically with mode 0600, read back; malformed -> config error", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/nested/config.json`;
  await saveConfig(path, { providers: { openai: { apiKey: "sk-secret-9999" } } });
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  assert.deepEqual(await loadConfig(path), { providers: { openai: { apiKey: "sk-secret-9999" } } });
  assert.deepEqual(
    [...Deno.readDirSync(`${dir}/nested`)].map((e) => e.name),
    ["config.json"],
    "no temp files left",
  );
  assert.deepEqual(await loadConfig(`${dir}/missing.json`), {});
  await Deno.writeTextFile(path, "{oops");
  await assert.rejects(
    () => loadConfig(path),
    (e: unknown) => e instanceof SwebenchError && e.exitCode === 3,
  );
});

Deno.test("providers made by the registry time out a stalled stream by default (no hang)", async () => {
  const { DEFAULT_TIMEOUTS } = await import("../../src/providers/registry.ts");
  const { createProvider } = await import("../../src/providers/create.ts");
  const { startOpenAISim } = await import("../simulator/mod.ts");
  assert.ok(DEFAULT_TIMEOUTS.remote.idleTimeoutMs > 0 && DEFAULT_TIMEOUTS.remote.idleTimeoutMs <= 300_000);
  await using sim = await startOpenAISim({ faults: [{ type: "stall", afterBytes: 200 }] });
  // The default applies unless overridden; a small override keeps the test short and proves the plumbing.
  const p = createProvider({ kind: "openai", baseUrl: `${sim.url}/v1`, timeouts: { idleTimeoutMs: 300 } });
  const events = [];
  for await (const e of p.stream({ model: "gpt-4o-mini", prompt: "hi", maxTokens: 50 })) events.push(e);
  const last = events.at(-1)!;
  assert.equal(last.type, "error");
  assert.equal(last.type === "error" && last.error.kind, "timeout");
});
