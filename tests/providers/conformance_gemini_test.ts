/**
 * The shared conformance suite against the Gemini simulator, plus the Gemini-only behaviours through the provider
 * (spec + codec on the kit, as the registry builds it): the request body, the key in `x-goog-api-key` only,
 * `countTokens` exact and cached (in memory and on disk) with the offline estimate, usage with thoughts billed as
 * output, a thinking model that spends the whole budget (a `length` outcome, never an empty success), finish
 * reasons and filters, Google's errors (an invalid key's 400, RetryInfo, NOT_FOUND, UNAVAILABLE/INTERNAL, an error
 * event in a 200 stream), the model list with its limits, and the base URL (host only).
 */
import assert from "node:assert/strict";
import type { Provider, StreamEvent, UnifiedRequest } from "../../src/core/mod.ts";
import { costOf, defaultCatalog } from "../../src/providers/catalog.ts";
import { GEMINI_CODEC } from "../../src/providers/gemini/codec.ts";
import { GEMINI_SPEC } from "../../src/providers/gemini/spec.ts";
import { httpProvider, type HttpProviderOptions } from "../../src/providers/kit/http_provider.ts";
import { createProvider } from "../../src/providers/create.ts";
import { providerIds } from "../../src/providers/registry.ts";
import { TokenCountCache, useTokenCountCache } from "../../src/tokens/count_cache.ts";
import { type GeminiSimOptions, type Simulator, startGeminiSim } from "../simulator/mod.ts";
import {
  assertNoSecret,
  assertOfflineEstimate,
  assertOneTerminal,
  assertRejectsKind,
  assertStreamError,
  conformanceSuite,
  goneUrl,
  readEvents,
  swebenchPrompt,
  URL_INDEPENDENT_CASES,
} from "./conformance.ts";

const KEY = "AIzaSyConformance-0123456789abcdefGHIJ";
const MODEL = "gemini-2.5-flash";

/** The provider as the registry builds it (spec + codec on the kit); it counts tokens and lists models. */
function gemini(
  options: HttpProviderOptions = {},
): Provider & Required<Pick<Provider, "countTokens" | "listModels">> {
  return httpProvider({ spec: GEMINI_SPEC, codec: GEMINI_CODEC, options }) as
    & Provider
    & Required<Pick<Provider, "countTokens" | "listModels">>;
}

conformanceSuite({
  name: "gemini",
  start: startGeminiSim,
  // The simulator's origin is the base URL: the version is part of every path.
  create: (sim, extra) => gemini({ baseUrl: sim.url, apiKey: extra?.apiKey ?? KEY, cost: extra?.cost }),
  model: MODEL,
  validKey: KEY,
  // Google sends no request-id header (see the captures).
  hasRequestId: false,
  errorStatuses: [
    { status: 400, kind: "invalid_request" },
    { status: 401, kind: "authentication" },
    { status: 403, kind: "authentication" },
    { status: 404, kind: "model_not_found" },
    // RESOURCE_EXHAUSTED: the wait from RetryInfo.retryDelay ("1s"), Google sends no retry-after header...
    { status: 429, kind: "rate_limit", retryAfterMs: 1000 },
    // ...and a retry-after a proxy adds wins.
    { status: 429, kind: "rate_limit", headers: { "retry-after": "2" }, retryAfterMs: 2000 },
    { status: 500, kind: "server" },
    { status: 502, kind: "server" },
    { status: 503, kind: "overloaded" },
    { status: 504, kind: "timeout" },
  ],
  streamErrorType: "INTERNAL",
  streamErrorKind: "server",
  streamErrors: [
    { errorType: "UNAVAILABLE", kind: "overloaded" },
    { errorType: "RESOURCE_EXHAUSTED", kind: "rate_limit" },
  ],
});

conformanceSuite({
  name: "gemini (base URL with /v1beta/)",
  start: startGeminiSim,
  create: (sim, extra) =>
    gemini({ baseUrl: `${sim.url}/v1beta/`, apiKey: extra?.apiKey ?? KEY, cost: extra?.cost }),
  model: MODEL,
  validKey: KEY,
  hasRequestId: false,
  // The error classes do not depend on the base URL spelling: run the calls that exercise the URL only.
  skip: [...URL_INDEPENDENT_CASES, "error-event"],
});

async function withSim<T>(
  simOptions: GeminiSimOptions,
  providerOptions: HttpProviderOptions,
  run: (p: ReturnType<typeof gemini>, sim: Simulator<GeminiSimOptions>) => Promise<T>,
): Promise<T> {
  await using sim = await startGeminiSim({ apiKey: KEY, ...simOptions });
  return await run(gemini({ baseUrl: sim.url, apiKey: KEY, ...providerOptions }), sim);
}

const countCalls = (sim: Simulator) => sim.requests.filter((r) => r.path.endsWith(":countTokens")).length;

Deno.test("gemini: the registry knows it; createProvider builds it from the spec and codec", async () => {
  assert.ok(providerIds().includes("gemini"));
  await using sim = await startGeminiSim({ apiKey: KEY, respond: () => "Hi" });
  const p = createProvider({ kind: "gemini", baseUrl: sim.url, apiKey: KEY });
  assert.equal(p.name, "gemini");
  assert.equal((await p.generate({ model: MODEL, prompt: "hi" })).content, "Hi");
});

Deno.test("gemini: the request is systemInstruction + contents + generationConfig; the key only in x-goog-api-key", async () => {
  await withSim({}, {}, async (p, sim) => {
    await p.generate({
      model: MODEL,
      system: "Be brief.",
      prompt: "Fix it.",
      maxTokens: 300,
      temperature: 0.2,
      stop: ["</patch>"],
    });
    await readEvents(p.stream({ model: MODEL, prompt: "Fix it." }));
    const [plain, streamed] = sim.requests;
    assert.equal(plain.path, `/v1beta/models/${MODEL}:generateContent`);
    assert.equal(plain.search, "");
    assert.deepEqual(plain.body, {
      systemInstruction: { parts: [{ text: "Be brief." }] },
      contents: [{ role: "user", parts: [{ text: "Fix it." }] }],
      generationConfig: { maxOutputTokens: 300, temperature: 0.2, stopSequences: ["</patch>"] },
    });
    assert.equal(streamed.path, `/v1beta/models/${MODEL}:streamGenerateContent`);
    assert.equal(streamed.search, "?alt=sse");
    assert.equal(streamed.body.systemInstruction, undefined, "no system message: no systemInstruction");
    for (const r of sim.requests) {
      assert.equal(r.headers.get("x-goog-api-key"), KEY);
      assert.equal(r.headers.get("authorization"), null);
      assert.equal(r.keyInUrl, undefined, "never ?key= in the URL");
    }
  });
});

Deno.test("gemini: usage from usageMetadata, thoughts billed as output (plain, stream, cost)", async () => {
  const catalog = defaultCatalog();
  const cost = (model: string, usage: Parameters<typeof costOf>[1]) =>
    costOf(catalog.lookup(model, "gemini"), usage, "gemini");
  await withSim({ thinkingTokens: () => 40, respond: () => "The answer." }, { cost }, async (p, sim) => {
    const r = await p.generate({ model: MODEL, prompt: "hi", maxTokens: 500 });
    const visible = r.usage.completionTokens - 40;
    assert.ok(visible > 0);
    assert.equal(r.usage.reasoningTokens, 40);
    assert.equal(r.usage.promptTokens, sim.requests[0].promptTokens);
    assert.equal(r.usage.totalTokens, r.usage.promptTokens + r.usage.completionTokens);
    const entry = catalog.lookup(MODEL, "gemini");
    assert.ok(
      entry?.inputPerMTok !== undefined && entry.outputPerMTok !== undefined,
      "gemini-2.5-flash is priced",
    );
    const expected = (r.usage.promptTokens * entry.inputPerMTok + (visible + 40) * entry.outputPerMTok) / 1e6;
    assert.ok(Math.abs(r.costUsd! - expected) < 1e-12, `cost ${r.costUsd} vs ${expected}`);
    const s = await p.generate({ model: MODEL, prompt: "hi", maxTokens: 500, stream: true });
    assert.deepEqual(s.usage, r.usage, "the stream's cumulative usage equals the plain call's");
    assert.equal(s.costUsd, r.costUsd);
  });
});

Deno.test("gemini: a thinking model that spends the whole budget is a length outcome with no text, never an empty success", async () => {
  await withSim({ thinkingTokens: () => 1000, respond: () => "unused" }, {}, async (p) => {
    const request: UnifiedRequest = { model: "gemini-2.5-pro", prompt: "Fix the bug.", maxTokens: 64 };
    const r = await p.generate(request);
    assert.equal(r.finishReason, "length");
    assert.equal(r.rawFinishReason, "MAX_TOKENS");
    assert.equal(r.content, "");
    assert.equal(r.usage.completionTokens, 64, "the thoughts are the whole output and billed");
    assert.equal(r.usage.reasoningTokens, 64);
    const events = await readEvents(p.stream(request));
    const last = assertOneTerminal(events);
    assert.ok(
      last.type === "finish" && last.finishReason === "length" && last.rawFinishReason === "MAX_TOKENS",
    );
    assert.equal(events.filter((e) => e.type === "text-delta").length, 0);
  });
});

Deno.test("gemini: finish reasons are mapped with the raw value kept; filters fail as content_filter", async (t) => {
  for (
    const [raw, unified] of [["OTHER", "stop"], ["LANGUAGE", "stop"], [
      "MALFORMED_FUNCTION_CALL",
      "tool_calls",
    ]]
  ) {
    await t.step(`${raw} -> ${unified}`, async () => {
      await withSim({ finishReason: () => raw }, {}, async (p) => {
        const r = await p.generate({ model: MODEL, prompt: "hi" });
        assert.equal(r.finishReason, unified);
        assert.equal(r.rawFinishReason, raw);
        const last = assertOneTerminal(await readEvents(p.stream({ model: MODEL, prompt: "hi" })));
        assert.ok(last.type === "finish" && last.rawFinishReason === raw);
      });
    });
  }
  for (const raw of ["SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII"]) {
    await t.step(`${raw} -> content_filter, not retried`, async () => {
      await withSim({ finishReason: () => raw }, {}, async (p) => {
        const e = await assertRejectsKind(p.generate({ model: MODEL, prompt: "hi" }), "content_filter");
        assert.equal(e.code, raw);
        assert.equal(e.retryable, false);
        assert.match(e.message, /answer was blocked/);
        assertStreamError(await readEvents(p.stream({ model: MODEL, prompt: "hi" })), "content_filter");
      });
    });
  }
  await t.step("a blocked prompt -> content_filter", async () => {
    await withSim({ blockPrompt: () => "SAFETY" }, {}, async (p) => {
      const e = await assertRejectsKind(p.generate({ model: MODEL, prompt: "hi" }), "content_filter");
      assert.match(e.message, /prompt was blocked \(SAFETY/);
      assertStreamError(await readEvents(p.stream({ model: MODEL, prompt: "hi" })), "content_filter");
    });
  });
});

Deno.test("gemini: Google's errors through the provider (API_KEY_INVALID is a 400, RetryInfo, NOT_FOUND)", async (t) => {
  await t.step(
    "a wrong key: 400 API_KEY_INVALID -> authentication naming the variables, the key nowhere",
    async () => {
      const wrong = "AIzaSyWrongKey-0123456789abcdefghijklm";
      await withSim({}, { apiKey: wrong }, async (p) => {
        const e = await assertRejectsKind(p.generate({ model: MODEL, prompt: "hi" }), "authentication");
        assert.equal(e.status, 400);
        assert.equal(e.code, "API_KEY_INVALID");
        assert.match(e.hint, /GEMINI_API_KEY.*GOOGLE_API_KEY/);
        assert.equal(e.retryable, false);
        assertNoSecret(e, wrong);
        const se = assertStreamError(
          await readEvents(p.stream({ model: MODEL, prompt: "hi" })),
          "authentication",
        );
        assertNoSecret(se, wrong);
        await assertRejectsKind(p.countTokens({ model: MODEL, prompt: "hi" }), "authentication");
        await assertRejectsKind(p.listModels(), "authentication");
      });
    },
  );
  await t.step("RESOURCE_EXHAUSTED with RetryInfo 32s -> rate_limit waiting 32 s", async () => {
    await withSim({ faults: [{ type: "status", status: 429, retryDelay: "32s" }] }, {}, async (p) => {
      const e = await assertRejectsKind(p.generate({ model: MODEL, prompt: "hi" }), "rate_limit");
      assert.equal(e.retryAfterMs, 32_000);
      assert.equal(e.retryable, true);
    });
    await withSim({ faults: [{ type: "status", status: 429, retryDelay: "0.250s" }] }, {}, async (p) => {
      const events = await readEvents(p.stream({ model: MODEL, prompt: "hi" }));
      assert.equal(assertStreamError(events, "rate_limit").retryAfterMs, 250);
    });
  });
  await t.step(
    "NOT_FOUND names the model; UNAUTHENTICATED and PERMISSION_DENIED are authentication",
    async () => {
      await withSim({ models: [MODEL] }, {}, async (p) => {
        const e = await assertRejectsKind(
          p.generate({ model: "gemini-9-nope", prompt: "hi" }),
          "model_not_found",
        );
        assert.match(e.message, /gemini-9-nope/);
        await assertRejectsKind(p.countTokens({ model: "gemini-9-nope", prompt: "hi" }), "model_not_found");
      });
      for (const [status, code] of [[401, "UNAUTHENTICATED"], [403, "PERMISSION_DENIED"]] as const) {
        await withSim({ faults: [{ type: "status", status, code }] }, {}, async (p) => {
          const e = await assertRejectsKind(p.generate({ model: MODEL, prompt: "hi" }), "authentication");
          assert.equal(e.code, code);
        });
      }
    },
  );
  await t.step(
    "an error event inside a 200 stream after text is retryable, never a truncated success",
    async () => {
      for (const errorType of ["INTERNAL", "UNAVAILABLE", "RESOURCE_EXHAUSTED"]) {
        await withSim({ faults: [{ type: "error-event", afterDeltas: 2, errorType }] }, {}, async (p) => {
          const e = await assertRejectsKind(p.generate({ model: MODEL, prompt: "hi", stream: true }), [
            "server",
            "overloaded",
            "rate_limit",
          ]);
          assert.equal(e.retryable, true, `${errorType}: ${e.kind}`);
          // (A long quota message is cut before the note at 400 characters.)
          if (errorType !== "RESOURCE_EXHAUSTED") assert.match(e.message, /error event in the stream/);
        });
      }
    },
  );
});

Deno.test("gemini: countTokens is exact, equals the call's prompt tokens, and is cached per prompt", async () => {
  await withSim({}, {}, async (p, sim) => {
    const request: UnifiedRequest = { model: MODEL, ...swebenchPrompt(), maxTokens: 64 };
    const count = await p.countTokens(request);
    assert.deepEqual({ method: count.method, errorBound: count.errorBound }, {
      method: "exact",
      errorBound: 0,
    });
    assert.equal(countCalls(sim), 1);
    const counted = sim.requests[0];
    assert.equal(counted.path, `/v1beta/models/${MODEL}:countTokens`);
    assert.equal(counted.headers.get("x-goog-api-key"), KEY);
    assert.equal(counted.body.generateContentRequest.model, `models/${MODEL}`);
    const r = await p.generate(request);
    assert.equal(
      r.usage.promptTokens,
      count.tokens,
      "the count is what the call then bills as prompt tokens",
    );
    assert.deepEqual(await p.countTokens({ ...request, maxTokens: 4000 }), count);
    assert.equal(countCalls(sim), 1, "the second count sent no request");
    await p.countTokens({ ...request, prompt: `${request.prompt}!` });
    await p.countTokens({ ...request, system: undefined });
    await p.countTokens({ ...request, model: "gemini-2.5-pro" });
    assert.equal(countCalls(sim), 4);
    assert.equal(sim.requests.at(-1)!.path, "/v1beta/models/gemini-2.5-pro:countTokens");
  });
});

Deno.test("gemini: exact counts are kept in the on-disk count cache: another process counts nothing again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const request: UnifiedRequest = { model: MODEL, ...swebenchPrompt() };
    const first = await withSim({}, {}, async (p, sim) => {
      useTokenCountCache(dir);
      const n = await p.countTokens(request);
      assert.equal(countCalls(sim), 1);
      useTokenCountCache(undefined); // flushes, as at the end of a run
      return n;
    });
    // A new cache object reads the file, as the next run would.
    await withSim({}, {}, async (p, sim) => {
      const cache = useTokenCountCache(dir)!;
      assert.ok(cache instanceof TokenCountCache);
      assert.deepEqual(await p.countTokens(request), first);
      assert.equal(countCalls(sim), 0, "the count came from the disk");
      await p.countTokens({ ...request, model: "gemini-2.5-pro" });
      assert.equal(countCalls(sim), 1, "another model is another namespace");
    });
  } finally {
    useTokenCountCache(undefined);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gemini: without network or key the count is an estimate within its stated bound of the exact count", async () => {
  const request: UnifiedRequest = { model: MODEL, ...swebenchPrompt() };
  const exact = await withSim({}, {}, (p) => p.countTokens(request));
  const noRequest = () => Promise.reject(new Error("no request expected"));
  await assertOfflineEstimate(request, exact, {
    offline: gemini({ baseUrl: await goneUrl(startGeminiSim), apiKey: KEY }),
    noKey: gemini({ fetch: noRequest }),
  });
  // Generating without a key for the official host fails before any request, naming the variable.
  const e = await assertRejectsKind(gemini({ fetch: noRequest }).generate(request), "config");
  assert.match(e.message, /set GEMINI_API_KEY/);
});

Deno.test("gemini: listModels pages through the list with input and output token limits", async () => {
  await withSim({}, {}, async (p) => {
    const models = await p.listModels();
    const flash = models.find((m) => m.id === MODEL) as { contextWindow?: number; maxOutputTokens?: number };
    assert.deepEqual(
      { contextWindow: flash.contextWindow, maxOutputTokens: flash.maxOutputTokens },
      { contextWindow: 1048576, maxOutputTokens: 65536 },
    );
  });
  const ids = Array.from({ length: 1500 }, (_, i) => `gemini-test-${i}`);
  await withSim({ models: ids }, {}, async (p, sim) => {
    const models = await p.listModels();
    assert.deepEqual(models.map((m) => m.id), ids);
    assert.equal(sim.requests.length, 2, "1000 per page, then the pageToken");
    assert.match(sim.requests[1].search, /pageToken=/);
  });
});

Deno.test("gemini: the base URL is the host; a key in it is refused without being repeated", () => {
  assert.equal(gemini({ apiKey: KEY }).baseUrl, "https://generativelanguage.googleapis.com");
  assert.equal(
    gemini({ apiKey: KEY, baseUrl: "https://proxy.example.com/google/v1beta/" }).baseUrl,
    "https://proxy.example.com/google",
  );
  const secret = "AIzaSyInTheUrl-0123456789abcdef";
  for (
    const baseUrl of [
      `https://generativelanguage.googleapis.com/v1beta?key=${secret}`,
      "https://x.example?a=1",
    ]
  ) {
    assert.throws(() => gemini({ apiKey: KEY, baseUrl }), (e: Error & { kind?: string; hint?: string }) => {
      assert.equal(e.kind, "config");
      assert.ok(!e.message.includes(secret) && !String(e.hint).includes(secret));
      return true;
    });
  }
});

Deno.test("gemini: a stream's events: start with the model version, cumulative usage, one finish", async () => {
  await withSim({ respond: () => "one two three four five six seven", chunkSize: 4 }, {}, async (p) => {
    const events: StreamEvent[] = await readEvents(p.stream({ model: MODEL, prompt: "hi" }));
    assert.ok(events[0].type === "start" && events[0].model === MODEL);
    const usages = events.filter((e) => e.type === "usage");
    assert.ok(usages.length > 1);
    const last = assertOneTerminal(events);
    assert.ok(last.type === "finish");
    assert.deepEqual(last.usage, (usages.at(-1) as { usage: unknown }).usage);
  });
});

Deno.test("gemini: a parameter the model refuses (400 Unknown name at 'generation_config') is dropped and the call sent once more", async () => {
  const refusal =
    "Invalid JSON payload received. Unknown name \"seed\" at 'generation_config': Cannot find field.";
  await withSim({ faults: [{ type: "status", status: 400, message: refusal }] }, {}, async (p, sim) => {
    const r = await p.generate({ model: MODEL, prompt: "hi", temperature: 0.3, extra: { seed: 7 } });
    assert.ok(r.content.length > 0);
    const [first, second] = sim.requests;
    assert.equal(first.body.generationConfig.seed, 7);
    assert.equal(second.body.generationConfig.seed, undefined, "seed dropped on the second call");
    assert.equal(second.body.generationConfig.temperature, 0.3, "only the refused parameter");
    await p.generate({ model: MODEL, prompt: "again", extra: { seed: 7 } });
    assert.equal(sim.requests[2].body.generationConfig?.seed, undefined, "remembered for the model");
    assert.equal(sim.requests.length, 3);
  });
});
