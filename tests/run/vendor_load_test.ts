/**
 * Issue 15 §5: the run path loads only the chosen vendor's codec (`createTarget` awaits `registry.ts loadProvider`);
 * the library's synchronous `createProvider` (`providers/create.ts`) imports every codec. Through the run path each
 * built-in provider id gives a provider of its vendor that answers a call; the vendor lines' loaders give the codecs
 * the synchronous factory uses; a codec that does not load is an `unexpected` error (exit 1) naming the vendor; a
 * fallback chain across three vendors runs from a cold CLI process (each codec imported when its target is made); a
 * plain openai run over a local file runs with the other vendors' codecs, the Hugging Face download and the bundled
 * sample unloadable (an import map), and a run whose codec does not load exits 1 naming it. That the generate
 * action's static graph holds no vendor codec: tests/cli/startup_test.ts.
 */
import assert from "node:assert/strict";
import { SwebenchError, type UnifiedRequest } from "../../src/core/mod.ts";
import { createProvider } from "../../src/mod.ts";
import { defaultCatalog } from "../../src/providers/catalog.ts";
import { CODECS } from "../../src/providers/create.ts";
import { OPENAI_SPEC } from "../../src/providers/openai/spec.ts";
import {
  countsTokensByApi,
  loadCodec,
  loadProvider,
  providerIds,
  specOf,
} from "../../src/providers/registry.ts";
import { VENDORS } from "../../src/providers/vendors.ts";
import { createTarget } from "../../src/run/target.ts";
import {
  startAnthropicSim,
  startAzureSim,
  startGeminiSim,
  startOllamaSim,
  startOpenAISim,
} from "../simulator/mod.ts";
import {
  generateArgs,
  goldResponder,
  readJsonl,
  realRows,
  runCli,
  tempDataset,
  unloadableMap,
} from "../cli/helpers.ts";

const KEY = "sk-test-vendor-load-0000";
const ANSWER = "diff --git a/x b/x";

Deno.test("run path: every built-in provider id makes a provider of its vendor (its codec loaded then) that answers a call", async () => {
  const respond = () => ANSWER;
  await using openai = await startOpenAISim({ respond, apiKey: KEY });
  await using anthropic = await startAnthropicSim({ respond, apiKey: KEY });
  await using ollama = await startOllamaSim({ respond });
  await using gemini = await startGeminiSim({ respond, apiKey: KEY });
  await using azure = await startAzureSim({ respond, apiKey: KEY });
  // Where each vendor's calls go (the named OpenAI-compatible hosts speak OpenAI's wire: the OpenAI simulator).
  const baseUrls: Record<string, string> = {
    anthropic: anthropic.url,
    ollama: ollama.url,
    gemini: gemini.url,
    azure: azure.url,
    gold: "",
  };
  const ids = providerIds();
  assert.ok(ids.length >= 10, ids.join(", "));
  for (const id of ids) {
    const spec = specOf(id)!;
    const model = id === "azure" ? "gpt-4o-mini" : id === "gemini" ? "gemini-2.5-flash" : spec.defaultModel;
    const target = await createTarget(
      { name: id, kind: id, apiKeys: [KEY, `${KEY}-2`], baseUrl: baseUrls[id] ?? `${openai.url}/v1`, model },
      defaultCatalog(),
      { lazyCounter: true },
    );
    assert.equal(target.providers.length, 2, `${id}: one provider per key`);
    for (const provider of target.providers) {
      assert.equal(provider.kind, id);
      assert.equal(provider.name, id);
    }
    const request: UnifiedRequest = { model, prompt: "Fix it.", maxTokens: 64, extra: { goldPatch: ANSWER } };
    const answer = await target.providers[0].generate(request);
    assert.ok(answer.content.includes(ANSWER), `${id}: ${answer.content}`);
    assert.equal(answer.provider, id);
  }
  assert.ok(anthropic.requests.length > 0 && gemini.requests.length > 0 && azure.requests.length > 0);
  assert.ok(ollama.requests.length > 0 && openai.requests.length >= ids.length - 5);
});

Deno.test("vendor lines: each loader gives the codec the library's createProvider uses; countsByApi is the codec's", async () => {
  const request: UnifiedRequest = { model: "m-1", prompt: "Fix it.", system: "You fix bugs.", maxTokens: 64 };
  const http = VENDORS.filter((v) => v.codec !== undefined);
  assert.deepEqual(
    http.map((v) => v.spec.id).sort(),
    [...CODECS.keys()].sort(),
    "the same vendors in both tables",
  );
  for (const vendor of http) {
    const id = vendor.spec.id;
    const lazy = (await loadCodec(vendor))!;
    const eager = CODECS.get(id)!;
    // The built-in codecs are one object each; a preset's is made from its data (the same wire either way).
    if (!VENDORS.slice(0, 5).includes(vendor)) {
      const ctx = { stream: true, settings: {} };
      assert.deepEqual(lazy.encode(request, ctx), eager.encode(request, ctx), id);
      assert.equal(lazy.path(request, ctx), eager.path(request, ctx), id);
      assert.equal(lazy.stream, eager.stream, id);
    } else assert.equal(lazy, eager, id);
    assert.equal(countsTokensByApi(id), lazy.countTokens.type === "api", `${id}: countsByApi`);
  }
  assert.deepEqual(VENDORS.filter((v) => v.countsByApi).map((v) => v.spec.id), ["anthropic", "gemini"]);
  // The library's factory is still synchronous.
  const p = createProvider({ kind: "anthropic", apiKey: KEY, baseUrl: "http://127.0.0.1:9" });
  assert.equal(p.kind, "anthropic");
});

Deno.test("a vendor codec that does not load is an unexpected error (exit 1) naming the vendor; an unknown kind stays a usage error", async () => {
  const broken = {
    spec: OPENAI_SPEC,
    codec: () => Promise.reject(new TypeError('Module not found "file:///x/src/providers/openai/codec.ts".')),
  };
  await assert.rejects(loadCodec(broken), (e: unknown) => {
    assert.ok(e instanceof SwebenchError);
    assert.equal(e.kind, "unexpected");
    assert.equal(e.exitCode, 1);
    assert.equal(e.provider, "openai");
    assert.match(e.message, /could not load the openai provider's wire format: Module not found/);
    assert.match(e.hint, /reinstall/);
    return true;
  });
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    loadProvider({ kind: "acme" as any }),
    (e: unknown) =>
      e instanceof SwebenchError && e.kind === "usage" && /Known kinds: openai, anthropic/.test(e.hint),
  );
});

Deno.test("a fallback chain across vendors (openai -> azure -> anthropic) runs from a cold CLI: each target loads its own codec", async () => {
  const { lines, instances } = await realRows("lite-test.jsonl", 3);
  const respond = goldResponder(instances);
  const quota = () => ({ type: "status" as const, status: 429, code: "insufficient_quota" });
  await using oa = await startOpenAISim({ respond, apiKey: KEY, faults: quota });
  // Azure has no deployment of that name (404 DeploymentNotFound: the next model takes over, no retry).
  await using az = await startAzureSim({ respond, apiKey: KEY, deployments: { other: "gpt-4o-mini" } });
  await using an = await startAnthropicSim({ respond, apiKey: KEY });
  const { dir, data } = await tempDataset(lines);
  const chain = "azure:prod-mini,anthropic:claude-haiku-4-5";
  const r = await runCli(
    generateArgs("openai", "gpt-4o-mini", data, `${dir}/p.jsonl`, "-y", "--json", "--fallback", chain),
    {
      env: {
        OPENAI_API_KEY: KEY,
        OPENAI_BASE_URL: `${oa.url}/v1`,
        AZURE_OPENAI_API_KEY: KEY,
        AZURE_OPENAI_ENDPOINT: az.url,
        ANTHROPIC_API_KEY: KEY,
        ANTHROPIC_BASE_URL: an.url,
      },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual(s.answersByModel, { "anthropic:claude-haiku-4-5": 3 });
  assert.ok(oa.requests.some((q) => q.n !== undefined), "the chain started at openai");
  assert.ok(az.requests.some((q) => q.n !== undefined), "then azure");
  const log = await readJsonl(`${dir}/claude-haiku-4-5__d__test.jsonl.runlog.jsonl`);
  assert.equal(log.length, 3);
  assert.ok(
    log.every((l) => l.provider === "anthropic" && l.fallbackFrom === "openai:gpt-4o-mini"),
    r.stdout,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a plain openai run over a local file loads no other vendor's codec, no Hugging Face download, no bundled sample; a codec that does not load exits 1", async () => {
  const { lines, instances } = await realRows("lite-test.jsonl", 2);
  await using sim = await startOpenAISim({ respond: goldResponder(instances), apiKey: KEY });
  const { dir, data } = await tempDataset(lines);
  const vendors = ["anthropic", "gemini", "azure", "ollama", "openai_compatible"];
  const others = vendors.map((v) => `src/providers/${v}/codec.ts`);
  const map = await unloadableMap(dir, [
    ...others,
    "src/providers/create.ts",
    "src/swebench/hf.ts",
    "src/swebench/sample_data.ts",
  ]);
  const permissions = ["-A", `--import-map=${map}`];
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1`, GEMINI_API_KEY: KEY };
  const ok = await runCli(generateArgs("openai", "gpt-4o-mini", data, `${dir}/p.jsonl`, "-y"), {
    permissions,
    env,
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((await readJsonl(`${dir}/p.jsonl`)).length, 2);
  // The map is in force: a gemini run needs its codec, and says which part did not load (exit 1, nothing sent).
  const gemini = await runCli(
    generateArgs(
      "gemini",
      "gemini-2.5-flash",
      data,
      `${dir}/g.jsonl`,
      "-y",
      "--base-url",
      "http://127.0.0.1:9",
    ),
    { permissions, env },
  );
  assert.equal(gemini.code, 1, gemini.stderr);
  assert.match(
    gemini.stderr,
    /could not load the gemini provider's wire format: src\/providers\/gemini\/codec\.ts was loaded/,
  );
  assert.match(gemini.stderr, /reinstall/);
  await Deno.remove(dir, { recursive: true });
});
