/**
 * The provider conformance suite: one set of behaviours every provider must show against its simulator
 * (plain and streamed calls, usage, finish reasons, every error class, faults, abort, cost, key hygiene).
 *
 * A provider's `conformance_<name>_test.ts` calls {@linkcode conformanceSuite} once; vendor differences are
 * config flags, never copies of the suite.
 *
 * ```ts
 * import { conformanceSuite } from "./conformance.ts";
 * import { startOpenAISim } from "../simulator/mod.ts";
 * import { createOpenAIProvider } from "../../src/providers/openai/provider.ts";
 * conformanceSuite({
 *   name: "openai",
 *   start: startOpenAISim,
 *   create: (sim, extra) => createOpenAIProvider({ baseUrl: `${sim.url}/v1`, apiKey: extra?.apiKey ?? "sk-test", cost: extra?.cost }),
 *   model: "gpt-4o-mini",
 *   validKey: "sk-test-valid-key-1234",
 * });
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type CallOptions,
  type ErrorKind,
  type Provider,
  type StreamEvent,
  SwebenchError,
  type UnifiedRequest,
} from "../../src/core/mod.ts";
import type { CostFn } from "../../src/providers/kit/options.ts";
import type { Fault, SimOptions, Simulator } from "../simulator/mod.ts";

/** What the suite passes to {@linkcode ConformanceConfig.create} besides the simulator. */
export interface ConformanceCreateExtra {
  /** API key to configure (the suite passes `validKey` unless it tests a wrong key). */
  apiKey?: string;
  /** Cost function to configure. */
  cost?: CostFn;
}

/** One status fault and the error kind it must map to. */
export interface StatusExpectation {
  /** HTTP status the simulator answers with (vendor-shaped body). */
  status: number;
  /** Expected {@linkcode SwebenchError} kind. */
  kind: ErrorKind;
  /** Extra headers on the fault response. */
  headers?: Record<string, string>;
  /** Expected `retryAfterMs` (checked when set). */
  retryAfterMs?: number;
}

/** Names of the suite's cases (for {@linkcode ConformanceConfig.skip}). */
export type ConformanceCase =
  | "plain"
  | "stream"
  | "stream-flag"
  | "length"
  | "status-errors"
  | "rate-limit"
  | "unknown-model"
  | "context-length"
  | "auth"
  | "drop"
  | "cut"
  | "error-event"
  | "stall"
  | "malformed"
  | "abort"
  | "cost"
  | "list-models";

/**
 * The cases whose outcome does not depend on how the base URL is spelled: a second run of the suite over another
 * spelling (`/v1` added, a trailing slash) skips them and keeps the calls that exercise the URL.
 */
export const URL_INDEPENDENT_CASES: readonly ConformanceCase[] = [
  "status-errors",
  "drop",
  "cut",
  "stall",
  "malformed",
  "abort",
  "auth",
  "rate-limit",
  "context-length",
];

/** How to run the suite against one provider and its simulator. */
export interface ConformanceConfig {
  /** Test name prefix (`openai`, `anthropic`, `ollama`, `ollama-v1`). */
  name: string;
  /** Start the provider's simulator. */
  start: (opts?: SimOptions) => Promise<Simulator>;
  /** Create the provider under test, pointed at the simulator. */
  create: (sim: Simulator, extra?: ConformanceCreateExtra) => Provider;
  /** Model id the simulator accepts. */
  model: string;
  /** When set: the simulator requires this key; the suite also checks a wrong key -> authentication. */
  validKey?: string;
  /** The vendor sends a request id header (default true). */
  hasRequestId?: boolean;
  /** The vendor sends rate-limit headers on success (`rateLimit` must be set; default false). */
  hasRateLimitHeaders?: boolean;
  /** Status faults and their kinds (default {@linkcode DEFAULT_STATUS_EXPECTATIONS}). */
  errorStatuses?: StatusExpectation[];
  /** `errorType` for the `error-event` fault (default: the simulator's default). */
  streamErrorType?: string;
  /** Kind of the mid-stream error event (default "server"). */
  streamErrorKind?: ErrorKind;
  /** More `error-event` faults to check, each with the kind it must map to (e.g. rate-limit and overloaded types). */
  streamErrors?: { errorType?: string; kind: ErrorKind }[];
  /** Kind for an unknown model (default "model_not_found"). */
  unknownModelKind?: ErrorKind;
  /** Cases to skip, with the reason in the provider's test file. */
  skip?: ConformanceCase[];
  /** Milliseconds after which any single case's stream read gives up (default 10 000). */
  caseTimeoutMs?: number;
}

/** The default status -> kind table (DESIGN §3). */
export const DEFAULT_STATUS_EXPECTATIONS: readonly StatusExpectation[] = [
  { status: 400, kind: "invalid_request" },
  { status: 401, kind: "authentication" },
  { status: 403, kind: "authentication" },
  { status: 429, kind: "rate_limit", headers: { "retry-after": "2" }, retryAfterMs: 2000 },
  { status: 500, kind: "server" },
  { status: 502, kind: "server" },
  { status: 503, kind: "overloaded" },
  { status: 529, kind: "overloaded" },
];

/** The fixed answer the simulator gives in the suite (several stream chunks long). */
export const CONFORMANCE_TEXT = "The quick brown fox jumps over the lazy dog, then fixes the failing test.";

/** A small request for `model` (temperature 0: providers must drop it where the model rejects it). */
export function conformanceRequest(model: string, overrides: Partial<UnifiedRequest> = {}): UnifiedRequest {
  return {
    model,
    system: "You are a test.",
    prompt: "Say the sentence.",
    maxTokens: 256,
    temperature: 0,
    ...overrides,
  };
}

/** Options of {@linkcode readEvents}. */
export interface ReadEventsOptions {
  /** Give up (cancel the stream) after this many milliseconds. */
  timeoutMs?: number;
  /** Give up after this many events. */
  maxEvents?: number;
  /** Called on every event (e.g. to abort after the first delta). */
  onEvent?: (event: StreamEvent) => void;
}

/**
 * Read a provider stream to its end, bounded in time and count. A stream that throws fails the test (provider
 * streams never throw).
 */
export async function readEvents(
  stream: ReadableStream<StreamEvent>,
  options: ReadEventsOptions = {},
): Promise<StreamEvent[]> {
  const { timeoutMs = 10_000, maxEvents = 100_000 } = options;
  const events: StreamEvent[] = [];
  const reader = stream.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel("conformance timeout").catch(() => {});
  }, timeoutMs);
  try {
    while (events.length < maxEvents) {
      const { done, value } = await reader.read();
      if (done) break;
      events.push(value);
      options.onEvent?.(value);
    }
    if (events.length >= maxEvents) await reader.cancel("too many events");
  } catch (error) {
    throw new assert.AssertionError({
      message: `provider stream threw instead of emitting an error event: ${error}`,
    });
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
  assert.equal(timedOut, false, `stream did not end within ${timeoutMs} ms`);
  return events;
}

/** Assert the stream ended with exactly one terminal event, last; returns it. */
export function assertOneTerminal(events: StreamEvent[]): StreamEvent & { type: "finish" | "error" } {
  const terminals = events.filter((e) => e.type === "finish" || e.type === "error");
  assert.equal(
    terminals.length,
    1,
    `expected exactly one finish/error, got ${JSON.stringify(events.map((e) => e.type))}`,
  );
  const last = events.at(-1)!;
  assert.ok(last.type === "finish" || last.type === "error", "the terminal event must be the last one");
  return last;
}

/** Assert the stream ended with one error event of `kind`; returns the error. */
export function assertStreamError(events: StreamEvent[], kind: ErrorKind | ErrorKind[]): SwebenchError {
  const last = assertOneTerminal(events);
  assert.equal(last.type, "error", `expected an error event, got ${last.type}`);
  const error = (last as { error: SwebenchError }).error;
  assert.ok(error instanceof SwebenchError, "error events carry a SwebenchError");
  const kinds = Array.isArray(kind) ? kind : [kind];
  assert.ok(
    kinds.includes(error.kind),
    `expected kind ${kinds.join("|")}, got ${error.kind}: ${error.message}`,
  );
  return error;
}

/** Assert `promise` rejects with a SwebenchError of `kind`; returns it. */
export async function assertRejectsKind(
  promise: Promise<unknown>,
  kind: ErrorKind | ErrorKind[],
): Promise<SwebenchError> {
  const kinds = Array.isArray(kind) ? kind : [kind];
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SwebenchError, `expected a SwebenchError, got ${error}`);
    assert.ok(
      kinds.includes(error.kind),
      `expected kind ${kinds.join("|")}, got ${error.kind}: ${error.message}`,
    );
    return error;
  }
  throw new assert.AssertionError({ message: `expected a rejection of kind ${kinds.join("|")}` });
}

/** Assert `secret` appears nowhere in the error (message, hint, body, JSON form, cause message). */
export function assertNoSecret(error: SwebenchError, secret: string): void {
  const texts = [
    error.message,
    error.hint,
    error.body ?? "",
    JSON.stringify(error.toJSON(true)),
    String(error.stack ?? ""),
    error.cause instanceof Error ? error.cause.message : String(error.cause ?? ""),
  ];
  for (const text of texts) {
    assert.ok(!text.includes(secret), `the key leaked into an error: ${text.slice(0, 200)}`);
  }
}

/**
 * Register the conformance cases (one `Deno.test` each, steps inside) for one provider.
 *
 * @example
 * ```ts
 * import { conformanceSuite } from "./conformance.ts";
 * import { startOpenAISim } from "../simulator/mod.ts";
 * import { createOpenAIProvider } from "../../src/providers/openai/provider.ts";
 * conformanceSuite({
 *   name: "openai",
 *   start: startOpenAISim,
 *   create: (sim, extra) => createOpenAIProvider({ baseUrl: `${sim.url}/v1`, apiKey: extra?.apiKey, cost: extra?.cost }),
 *   model: "gpt-4o-mini",
 * });
 * ```
 */
export function conformanceSuite(config: ConformanceConfig): void {
  const timeoutMs = config.caseTimeoutMs ?? 10_000;
  const skip = new Set(config.skip ?? []);
  const model = config.model;
  const base: SimOptions = { respond: () => CONFORMANCE_TEXT, chunkSize: 8 };
  const withKey = (opts: SimOptions = {}): SimOptions =>
    config.validKey === undefined ? { ...base, ...opts } : { ...base, apiKey: config.validKey, ...opts };
  const create = (sim: Simulator, extra: ConformanceCreateExtra = {}): Provider =>
    config.create(sim, { apiKey: config.validKey, ...extra });
  const test = (name: ConformanceCase, title: string, fn: (t: Deno.TestContext) => Promise<void>): void => {
    Deno.test({ name: `${config.name} conformance: ${title}`, ignore: skip.has(name), fn });
  };
  const read = (stream: ReadableStream<StreamEvent>, onEvent?: (e: StreamEvent) => void) =>
    readEvents(stream, { timeoutMs, onEvent });
  const faulted = async (
    fault: Fault,
    run: (provider: Provider, sim: Simulator) => Promise<void>,
    opts: SimOptions = {},
  ): Promise<void> => {
    await using sim = await config.start(withKey({ faults: [fault], ...opts }));
    await run(create(sim), sim);
  };

  test("plain", "plain generate: content, usage, finish stop, latency, request id", async () => {
    await using sim = await config.start(withKey());
    const provider = create(sim);
    const r = await provider.generate(conformanceRequest(model));
    assert.equal(r.content, CONFORMANCE_TEXT);
    assert.equal(r.finishReason, "stop");
    assert.ok(r.model.length > 0, "model is reported");
    assert.equal(r.provider, provider.name);
    assert.ok(r.usage.promptTokens > 0, "prompt tokens > 0");
    assert.ok(r.usage.completionTokens > 0, "completion tokens > 0");
    assert.equal(r.usage.totalTokens, r.usage.promptTokens + r.usage.completionTokens);
    assert.ok(Number.isFinite(r.latencyMs) && r.latencyMs >= 0, "latency is measured");
    if (config.hasRequestId ?? true) assert.ok(r.requestId, "request id is kept");
    if (config.hasRateLimitHeaders) assert.ok(r.rateLimit, "rate-limit snapshot is kept");
    assert.equal(r.costUsd, undefined, "no cost function -> cost unknown, never a silent 0");
    assert.equal(sim.requests.length, 1, "exactly one request");
  });

  test(
    "stream",
    "stream: start first, deltas concatenate to the plain content, one finish with usage",
    async () => {
      await using sim = await config.start(withKey());
      const provider = create(sim);
      const plain = await provider.generate(conformanceRequest(model));
      const events = await read(provider.stream(conformanceRequest(model)));
      assert.equal(events[0]?.type, "start", "start comes first");
      assert.equal(events.filter((e) => e.type === "start").length, 1, "one start");
      const text = events.flatMap((e) => e.type === "text-delta" ? [e.text] : []).join("");
      assert.equal(text, plain.content);
      assert.ok(events.filter((e) => e.type === "text-delta").length > 1, "several deltas");
      const last = assertOneTerminal(events);
      assert.equal(last.type, "finish");
      if (last.type !== "finish") return;
      assert.equal(last.finishReason, "stop");
      assert.ok(last.usage.promptTokens > 0 && last.usage.completionTokens > 0, "usage in the finish event");
      assert.equal(last.usage.totalTokens, last.usage.promptTokens + last.usage.completionTokens);
    },
  );

  test("stream-flag", "generate with request.stream collects the stream", async () => {
    await using sim = await config.start(withKey());
    const provider = create(sim, { cost: (_m, u) => u.totalTokens * 1e-6 });
    const r = await provider.generate(conformanceRequest(model, { stream: true }));
    assert.equal(r.content, CONFORMANCE_TEXT);
    assert.equal(r.finishReason, "stop");
    assert.ok(r.usage.promptTokens > 0 && r.usage.completionTokens > 0);
    assert.ok(Number.isFinite(r.latencyMs) && r.latencyMs >= 0);
    assert.equal(r.costUsd, r.usage.totalTokens * 1e-6);
    if (config.hasRequestId ?? true) assert.ok(r.requestId, "request id is kept on streams");
    assert.equal(sim.requests.length, 1);
  });

  test("length", "a tiny maxTokens finishes with length (plain and stream)", async () => {
    await using sim = await config.start(withKey());
    const provider = create(sim);
    const r = await provider.generate(conformanceRequest(model, { maxTokens: 2 }));
    assert.equal(r.finishReason, "length");
    assert.ok(r.content.length < CONFORMANCE_TEXT.length);
    const events = await read(provider.stream(conformanceRequest(model, { maxTokens: 2 })));
    const last = assertOneTerminal(events);
    assert.equal(last.type, "finish");
    if (last.type === "finish") assert.equal(last.finishReason, "length");
  });

  test("status-errors", "each error status maps to its kind (plain and stream)", async (t) => {
    for (const expectation of config.errorStatuses ?? DEFAULT_STATUS_EXPECTATIONS) {
      await t.step(`${expectation.status} -> ${expectation.kind}`, async () => {
        const fault: Fault = { type: "status", status: expectation.status, headers: expectation.headers };
        await faulted(fault, async (provider) => {
          const e = await assertRejectsKind(provider.generate(conformanceRequest(model)), expectation.kind);
          assert.equal(e.status, expectation.status);
          if (expectation.retryAfterMs !== undefined) assert.equal(e.retryAfterMs, expectation.retryAfterMs);
        });
        await faulted(fault, async (provider) => {
          const events = await read(provider.stream(conformanceRequest(model)));
          const e = assertStreamError(events, expectation.kind);
          assert.equal(e.status, expectation.status);
          assert.equal(events.filter((x) => x.type === "text-delta").length, 0);
        });
      });
    }
  });

  test("rate-limit", "beyond the simulator's rate limit -> rate_limit with retryAfterMs", async () => {
    await using sim = await config.start(withKey({ rateLimit: { requests: 1, windowMs: 60_000 } }));
    const provider = create(sim);
    await provider.generate(conformanceRequest(model));
    const e = await assertRejectsKind(provider.generate(conformanceRequest(model)), "rate_limit");
    assert.ok(e.retryAfterMs !== undefined && e.retryAfterMs > 0, "retryAfterMs from the headers");
    assert.equal(e.retryable, true);
  });

  test("unknown-model", "an unknown model -> model_not_found (plain and stream)", async () => {
    await using sim = await config.start(withKey({ models: [model] }));
    const provider = create(sim);
    const request = conformanceRequest("no-such-model-xyz");
    await assertRejectsKind(provider.generate(request), config.unknownModelKind ?? "model_not_found");
    assertStreamError(await read(provider.stream(request)), config.unknownModelKind ?? "model_not_found");
  });

  test(
    "context-length",
    "a prompt beyond the context window -> context_length (plain and stream)",
    async () => {
      await using sim = await config.start(withKey({ contextWindow: 64 }));
      const provider = create(sim);
      const request = conformanceRequest(model, { prompt: "word ".repeat(2000) });
      const e = await assertRejectsKind(provider.generate(request), "context_length");
      assert.equal(e.retryable, false);
      assertStreamError(await read(provider.stream(request)), "context_length");
    },
  );

  test("auth", "a wrong key -> authentication; keys only in their header, never in errors", async () => {
    if (config.validKey === undefined) return;
    await using sim = await config.start(withKey());
    const wrong = "sk-wrong-key-0123456789abcdef";
    const bad = config.create(sim, { apiKey: wrong });
    const e = await assertRejectsKind(bad.generate(conformanceRequest(model)), "authentication");
    assertNoSecret(e, wrong);
    assertNoSecret(e, config.validKey);
    const se = assertStreamError(await read(bad.stream(conformanceRequest(model))), "authentication");
    assertNoSecret(se, wrong);
    const good = create(sim);
    const r = await good.generate(conformanceRequest(model));
    assert.ok(!JSON.stringify(r.raw ?? null).includes(config.validKey), "no key in raw");
    assert.ok(!JSON.stringify(r).includes(config.validKey), "no key in the response");
    for (const request of sim.requests) {
      const holders = [...request.headers].filter(([, v]) =>
        v.includes(config.validKey!) || v.includes(wrong)
      );
      assert.equal(holders.length, 1, "the key is in exactly one header");
      assert.ok(!JSON.stringify(request.body ?? null).includes(config.validKey!), "no key in the body");
      assert.ok(
        !request.search.includes(config.validKey!) && !request.path.includes(config.validKey!),
        "no key in the URL",
      );
    }
  });

  test("drop", "a dropped connection -> connection (plain and stream)", async () => {
    await faulted({ type: "drop" }, async (provider) => {
      await assertRejectsKind(provider.generate(conformanceRequest(model)), "connection");
    });
    await faulted({ type: "drop" }, async (provider) => {
      assertStreamError(await read(provider.stream(conformanceRequest(model))), "connection");
    });
  });

  test("cut", "a stream cut mid-body -> one error event, never a truncated finish", async (t) => {
    for (const atByte of [1, 40, 200]) {
      await t.step(`cut at byte ${atByte}`, async () => {
        await faulted({ type: "cut", atByte }, async (provider) => {
          assertStreamError(await read(provider.stream(conformanceRequest(model))), "connection");
        });
      });
    }
    await t.step("generate with stream: true rejects", async () => {
      await faulted({ type: "cut", atByte: 40 }, async (provider) => {
        await assertRejectsKind(provider.generate(conformanceRequest(model, { stream: true })), "connection");
      });
    });
  });

  test(
    "error-event",
    "an error event inside a 200 stream -> one error event of the right kind",
    async (t) => {
      const cases = [
        { errorType: config.streamErrorType, kind: config.streamErrorKind ?? "server" },
        ...(config.streamErrors ?? []),
      ];
      for (const { errorType, kind } of cases) {
        await t.step(`${errorType ?? "default"} -> ${kind}`, async () => {
          for (const afterDeltas of [0, 2]) {
            const fault: Fault = { type: "error-event", afterDeltas, errorType };
            await faulted(fault, async (provider) => {
              const events = await read(provider.stream(conformanceRequest(model)));
              assertStreamError(events, kind);
              assert.equal(events.filter((e) => e.type === "finish").length, 0, "not a truncated success");
              assert.equal(events.filter((e) => e.type === "text-delta").length, afterDeltas);
            });
          }
          await faulted({ type: "error-event", afterDeltas: 2, errorType }, async (provider) => {
            await assertRejectsKind(provider.generate(conformanceRequest(model, { stream: true })), kind);
          });
        });
      }
    },
  );

  test(
    "stall",
    "a stalled body with idleTimeoutMs, or late headers with connectTimeoutMs -> timeout",
    async () => {
      const options: CallOptions = { idleTimeoutMs: 300 };
      await faulted({ type: "stall", afterBytes: 40 }, async (provider) => {
        assertStreamError(await read(provider.stream(conformanceRequest(model), options)), "timeout");
      });
      await faulted({ type: "stall", afterBytes: 0 }, async (provider) => {
        assertStreamError(await read(provider.stream(conformanceRequest(model), options)), "timeout");
      });
      await faulted({ type: "stall", afterBytes: 0 }, async (provider) => {
        await assertRejectsKind(provider.generate(conformanceRequest(model), options), "timeout");
      });
      // A non-streamed answer's headers come with the finished answer: the total timeout bounds that wait, the
      // connect timeout does not cut it.
      await faulted({ type: "latency", ms: 1000 }, async (provider) => {
        await assertRejectsKind(
          provider.generate(conformanceRequest(model), { connectTimeoutMs: 100, totalTimeoutMs: 300 }),
          "timeout",
        );
      });
      await faulted({ type: "latency", ms: 600 }, async (provider) => {
        const r = await provider.generate(conformanceRequest(model), { connectTimeoutMs: 100 });
        assert.ok(r.content.length > 0);
      });
      await faulted({ type: "latency", ms: 1000 }, async (provider) => {
        const events = await read(provider.stream(conformanceRequest(model), { connectTimeoutMs: 100 }));
        assertStreamError(events, "timeout");
      });
    },
  );

  test("malformed", "malformed JSON -> an error (plain rejects, stream one error event)", async () => {
    await faulted({ type: "malformed" }, async (provider) => {
      await assertRejectsKind(provider.generate(conformanceRequest(model)), "server");
    });
    await faulted({ type: "malformed" }, async (provider) => {
      assertStreamError(await read(provider.stream(conformanceRequest(model))), "server");
    });
  });

  test(
    "abort",
    "an aborted signal -> interrupted (before the call, during headers, mid-stream)",
    async (t) => {
      await t.step("already aborted", async () => {
        await using sim = await config.start(withKey());
        const provider = create(sim);
        const signal = AbortSignal.abort();
        await assertRejectsKind(provider.generate(conformanceRequest(model), { signal }), "interrupted");
        assertStreamError(await read(provider.stream(conformanceRequest(model), { signal })), "interrupted");
      });
      await t.step("while waiting for headers", async () => {
        await using sim = await config.start(withKey({ latencyMs: 400 }));
        const provider = create(sim);
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), 50);
        try {
          await assertRejectsKind(
            provider.generate(conformanceRequest(model), { signal: controller.signal }),
            "interrupted",
          );
        } finally {
          clearTimeout(timer);
        }
      });
      await t.step("mid-stream", async () => {
        await using sim = await config.start(withKey({ chunkDelayMs: 30, chunkSize: 4 }));
        const provider = create(sim);
        const controller = new AbortController();
        const events = await read(
          provider.stream(conformanceRequest(model), { signal: controller.signal }),
          (e) => e.type === "text-delta" && controller.abort(),
        );
        assertStreamError(events, "interrupted");
      });
    },
  );

  test("cost", "costUsd comes from the cost function; undefined when unpriced", async () => {
    await using sim = await config.start(withKey());
    const seen: string[] = [];
    const priced = create(sim, {
      cost: (m, u) => {
        seen.push(m);
        return u.promptTokens * 1e-6 + u.completionTokens * 2e-6;
      },
    });
    const r = await priced.generate(conformanceRequest(model));
    assert.equal(r.costUsd, r.usage.promptTokens * 1e-6 + r.usage.completionTokens * 2e-6);
    assert.ok(seen.length === 1 && seen[0].length > 0, "the cost function sees the model");
    const unpriced = create(sim, { cost: () => undefined });
    assert.equal((await unpriced.generate(conformanceRequest(model))).costUsd, undefined);
  });

  test("list-models", "listModels returns the simulator's models", async () => {
    await using sim = await config.start(withKey({ models: [model, "second-model:1b"] }));
    const provider = create(sim);
    if (provider.listModels === undefined) return;
    const models = await provider.listModels();
    const ids = models.map((m) => m.id);
    assert.ok(ids.includes(model), `listed: ${ids.join(", ")}`);
    assert.ok(ids.includes("second-model:1b"));
  });
}

/** A real SWE-bench problem statement as a prompt (a few hundred tokens of prose and code), for token counts. */
export function swebenchPrompt(): { system: string; prompt: string } {
  const url = new URL("../fixtures/swe-bench/lite-dev.jsonl", import.meta.url);
  const first = JSON.parse(Deno.readTextFileSync(url).split("\n")[0]);
  return {
    system: "You are an expert software engineer. Answer with a unified diff inside <patch> tags.",
    prompt: `Repository: ${first.repo}\n\n<issue>\n${first.problem_statement}\n</issue>`,
  };
}

/**
 * A vendor's count endpoint offline (`type: "api"` token counting): a provider whose server is gone estimates
 * within its stated bound of the `exact` count, and one without a key for the official host gives the same estimate
 * without any request.
 */
export async function assertOfflineEstimate(
  request: UnifiedRequest,
  exact: { tokens: number },
  providers: { offline: Provider; noKey: Provider },
): Promise<void> {
  const estimate = await providers.offline.countTokens!(request);
  assert.equal(estimate.method, "estimate");
  assert.ok(estimate.errorBound > 0 && estimate.errorBound < 1, `bound ${estimate.errorBound}`);
  const error = Math.abs(estimate.tokens - exact.tokens) / exact.tokens;
  if (Deno.env.get("SHOW_ACCURACY")) {
    console.log(`estimate ${estimate.tokens} exact ${exact.tokens} err ${error}`);
  }
  assert.ok(
    error <= estimate.errorBound,
    `estimate ${estimate.tokens} vs exact ${exact.tokens}: off by ${(error * 100).toFixed(1)} %`,
  );
  assert.deepEqual(await providers.noKey.countTokens!(request), estimate);
}

/** A base URL where nothing listens any more (a simulator started and closed): connection refused. */
export async function goneUrl(start: () => Promise<Simulator>): Promise<string> {
  const sim = await start();
  const url = sim.url;
  await sim.close();
  return url;
}
