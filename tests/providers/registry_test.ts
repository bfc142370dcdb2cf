// The registry built from vendors.ts: ids in order, the built-in table the CLI reads (pinned to the values it had
// before the kit), unknown kinds named with the list, settings reaching headers.
import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/mod.ts";
import { OPENAI_COMPATIBLE_PRESETS } from "../../src/providers/openai_compatible/presets.ts";
import { createProvider } from "../../src/providers/create.ts";
import { BUILTIN_PROVIDERS, providerIds, specOf } from "../../src/providers/registry.ts";

Deno.test("registry: ids in vendors.ts order; the built-in table is what the CLI read before the kit", () => {
  assert.deepEqual(providerIds(), [
    "openai",
    "anthropic",
    "ollama",
    "gemini",
    "azure",
    ...OPENAI_COMPATIBLE_PRESETS.map((p) => p.id),
    "gold",
  ]);
  // The presets' entries come from their data (tests/providers/openai_compatible/codec_test.ts).
  const presets = new Set(OPENAI_COMPATIBLE_PRESETS.map((p) => p.id));
  const builtins = Object.fromEntries(Object.entries(BUILTIN_PROVIDERS).filter(([id]) => !presets.has(id)));
  assert.deepEqual(builtins, {
    openai: {
      kind: "openai",
      keyEnv: "OPENAI_API_KEY",
      baseUrlEnv: "OPENAI_BASE_URL",
      defaultBaseUrl: "https://api.openai.com/v1",
      defaultModel: "gpt-4o-mini",
      needsKey: true,
      description: "OpenAI Chat Completions (also any OpenAI-compatible server via --base-url)",
    },
    anthropic: {
      kind: "anthropic",
      keyEnv: "ANTHROPIC_API_KEY",
      baseUrlEnv: "ANTHROPIC_BASE_URL",
      defaultBaseUrl: "https://api.anthropic.com",
      defaultModel: "claude-sonnet-5-5",
      needsKey: true,
      description: "Anthropic Messages API",
    },
    ollama: {
      kind: "ollama",
      baseUrlEnv: "OLLAMA_HOST",
      defaultBaseUrl: "http://127.0.0.1:11434",
      defaultModel: "qwen2.5-coder:7b",
      needsKey: false,
      description: "Local Ollama server (native /api/chat)",
    },
    gemini: {
      kind: "gemini",
      keyEnv: "GEMINI_API_KEY",
      baseUrlEnv: "GOOGLE_GEMINI_BASE_URL",
      defaultBaseUrl: "https://generativelanguage.googleapis.com",
      defaultModel: "gemini-3.7-flash",
      needsKey: true,
      description: "Google Gemini API (generateContent)",
    },
    azure: {
      kind: "azure",
      keyEnv: "AZURE_OPENAI_API_KEY",
      baseUrlEnv: "AZURE_OPENAI_ENDPOINT",
      defaultBaseUrl: "",
      defaultModel: "gpt-4o-mini",
      needsKey: true,
      description: "Azure OpenAI (-m is the deployment name)",
    },
    gold: {
      kind: "gold",
      defaultBaseUrl: "offline",
      defaultModel: "gold",
      needsKey: false,
      description: "Offline: answers with the dataset's reference patch (harness sanity check)",
    },
  });
  assert.equal(specOf("nope"), undefined);
  assert.deepEqual(specOf("openai")?.hosts, ["api.openai.com"]);
});

Deno.test("registry: an unknown kind is a usage error naming every known kind", () => {
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => createProvider({ kind: "acme" as any }),
    (e: unknown) => {
      assert.ok(e instanceof SwebenchError);
      assert.equal(e.kind, "usage");
      assert.equal(
        e.hint,
        `Known kinds: openai, anthropic, ollama, gemini, azure, ${
          OPENAI_COMPATIBLE_PRESETS.map((p) => p.id).join(", ")
        }, gold.`,
      );
      return true;
    },
  );
});

Deno.test("registry: settings and the OpenAI organization/project options reach the request headers", async () => {
  const seen: Headers[] = [];
  const fetch = ((_url: string, init: RequestInit) => {
    seen.push(new Headers(init.headers));
    return Promise.resolve(new Response(JSON.stringify({ data: [] }), { status: 200 }));
  }) as typeof globalThis.fetch;
  await createProvider({
    kind: "openai",
    apiKey: "sk-x-1234",
    organization: "org_1",
    project: "proj_1",
    fetch,
  })
    .listModels!();
  await createProvider({ kind: "anthropic", apiKey: "sk-ant-1234", settings: { beta: "b1" }, fetch })
    .listModels!();
  await createProvider({ kind: "anthropic", fetch, baseUrl: "http://127.0.0.1:9" }).listModels!();
  assert.equal(seen[0].get("openai-organization"), "org_1");
  assert.equal(seen[0].get("openai-project"), "proj_1");
  assert.equal(seen[0].get("authorization"), "Bearer sk-x-1234");
  assert.equal(seen[1].get("x-api-key"), "sk-ant-1234");
  assert.equal(seen[1].get("anthropic-version"), "2026-10-21");
  assert.equal(seen[1].get("anthropic-beta"), "b1");
  assert.equal(seen[1].get("authorization"), null);
  // Without a key (a proxy), the version header is still sent and no key header.
  assert.equal(seen[2].get("anthropic-version"), "2026-10-21");
  assert.equal(seen[2].get("x-api-key"), null);
});
