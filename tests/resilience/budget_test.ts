import assert from "node:assert/strict";
import fc from "fast-check";
import { SwebenchError } from "../../src/core/mod.ts";
import { Budget } from "../../src/resilience/budget.ts";
import type { CallContext } from "../../src/resilience/call.ts";
import { createResilientCall } from "../../src/resilience/resilient_call.ts";
import { fakeProvider, type Outcome, priceOf } from "./_fake_provider.ts";

const context = (
  instanceId: string,
  promptTokens: number,
  signal = new AbortController().signal,
): CallContext => ({
  instanceId,
  promptTokens,
  signal,
  stream: false,
});

Deno.test("budget: reserve, settle lower, release, remaining", () => {
  const b = new Budget({ maxUsd: 1 });
  const r1 = b.reserve(0.4, "a");
  const r2 = b.reserve(0.4, "b");
  assert.equal(b.reserved.toFixed(6), "0.800000");
  assert.throws(() => b.reserve(0.3, "c"), (e) => e instanceof SwebenchError && e.kind === "budget");
  b.settle(r1, 0.1);
  assert.equal(r1.state, "settled");
  assert.equal(b.spent.toFixed(6), "0.100000");
  b.release(r2);
  assert.equal(r2.state, "released");
  assert.equal(b.reserved, 0);
  assert.equal(b.remaining.toFixed(6), "0.900000");
  // A second settle/release is ignored.
  b.settle(r1, 0.5);
  b.release(r1);
  assert.equal(b.spent.toFixed(6), "0.100000");
  assert.ok(b.canReserve(0.9));
  assert.ok(!b.canReserve(0.9000001));
});

Deno.test("budget: the refusal names the ceiling and the fix", () => {
  const b = new Budget({ maxUsd: 0.5, name: "global" });
  b.settle(b.reserve(0.45), 0.45);
  const e = (() => {
    try {
      b.reserve(0.1, "django__django-1");
    } catch (e) {
      return e as SwebenchError;
    }
  })();
  assert.ok(e instanceof SwebenchError);
  assert.equal(e.kind, "budget");
  assert.equal(e.exitCode, 5);
  assert.match(e.message, /global budget.*django__django-1.*\$0\.50/);
  assert.match(e.hint, /--max-cost/);
  assert.equal(b.refused, 1);
});

Deno.test("budget: keep books the whole reservation; a higher actual is booked and reported as overrun", () => {
  const b = new Budget({ maxUsd: 1 });
  const r = b.reserve(0.2);
  b.keep(r);
  assert.equal(b.spent.toFixed(6), "0.200000");
  const r2 = b.reserve(0.2);
  b.settle(r2, 0.25);
  assert.equal(b.spent.toFixed(6), "0.450000");
  assert.equal(b.overrunUsd.toFixed(6), "0.050000");
  // Unknown actual: conservative, the reservation stays spent.
  const r3 = b.reserve(0.1);
  b.settle(r3, undefined);
  assert.equal(b.spent.toFixed(6), "0.550000");
  assert.equal(b.toJSON().remainingUsd.toFixed(6), "0.450000");
});

Deno.test("budget: a per-provider budget inside the global one", () => {
  const global = new Budget({ maxUsd: 1, name: "global" });
  const openai = new Budget({ maxUsd: 0.5, name: "openai", parent: global });
  const anthropic = new Budget({ maxUsd: 0.8, name: "anthropic", parent: global });
  const a = openai.reserve(0.4);
  assert.throws(() => openai.reserve(0.2), /openai budget/);
  const b = anthropic.reserve(0.5);
  // Fits anthropic (0.5 + 0.2 <= 0.8) but not the global one (0.4 + 0.5 + 0.2 > 1).
  assert.throws(() => anthropic.reserve(0.2), /global budget/);
  openai.settle(a, 0.1);
  anthropic.release(b);
  assert.equal(global.spent.toFixed(6), "0.100000");
  assert.equal(global.reserved, 0);
  assert.equal(openai.spent.toFixed(6), "0.100000");
  assert.equal(anthropic.openReservations, 0);
});

Deno.test("budget: invalid amounts are rejected", () => {
  assert.throws(() => new Budget({ maxUsd: Number.NaN }));
  const b = new Budget({ maxUsd: 1 });
  assert.throws(() => b.reserve(-1));
  assert.throws(() => b.reserve(Number.POSITIVE_INFINITY));
});

Deno.test("budget: 0.1 + 0.2 style sums do not drift past the ceiling", () => {
  const b = new Budget({ maxUsd: 0.3 });
  b.settle(b.reserve(0.1), 0.1);
  b.settle(b.reserve(0.2), 0.2);
  assert.equal(b.remaining, 0);
  assert.throws(() => b.reserve(1e-9));
  assert.doesNotThrow(() => b.release(b.reserve(0)));
});

// ------------------------------------------------------------------ through the call layer

Deno.test("resilient call + budget: a call that could pass the ceiling is never started", async () => {
  const prices = { input: 3, output: 15 };
  const provider = fakeProvider({ prices, script: [] });
  const budget = new Budget({ maxUsd: 0.01 });
  const call = createResilientCall({
    chain: [{ provider, model: "m", estimateCost: (p, m) => priceOf(prices, p, m) }],
    budget,
  });
  // Worst case: 1000 * 3e-6 + 1000 * 15e-6 = 0.018 > 0.01.
  await assert.rejects(
    call({ model: "m", prompt: "x", maxTokens: 1000 }, context("i1", 1000)),
    (e) => e instanceof SwebenchError && e.kind === "budget",
  );
  assert.equal(provider.requests.length, 0);
  assert.equal(budget.spent, 0);
});

Deno.test("resilient call + budget: an unpriced model is a config error naming the model, never $0", async () => {
  const provider = fakeProvider({ prices: { input: 1, output: 1 }, script: [] });
  const call = createResilientCall({
    chain: [{ provider, model: "my-finetune", estimateCost: () => undefined }],
    budget: new Budget({ maxUsd: 5 }),
  });
  await assert.rejects(
    call({ model: "my-finetune", prompt: "x", maxTokens: 10 }, context("i1", 10)),
    (e) =>
      e instanceof SwebenchError && e.kind === "config" && /my-finetune/.test(e.message) &&
      /"models" list/.test(e.hint),
  );
  assert.equal(provider.requests.length, 0);
  // Local providers cost nothing: no price needed.
  const local = fakeProvider({ kind: "ollama", prices: { input: 0, output: 0 }, script: [] });
  const localCall = createResilientCall({
    chain: [{ provider: local, model: "qwen2.5-coder:7b", estimateCost: () => undefined }],
    budget: new Budget({ maxUsd: 0 }),
  });
  const r = await localCall({ model: "q", prompt: "x", maxTokens: 10 }, context("i1", 10));
  assert.equal(r.attempts, 1);
});

const outcomeArb = (maxPrompt: number): fc.Arbitrary<Outcome> =>
  fc.oneof(
    {
      arbitrary: fc.record({
        type: fc.constant("ok" as const),
        promptTokens: fc.integer({ min: 0, max: maxPrompt }),
        completionTokens: fc.integer({ min: 0, max: 5000 }),
        priced: fc.boolean(),
      }),
      weight: 4,
    },
    fc.record({
      type: fc.constant("http" as const),
      status: fc.constantFrom(429, 500, 503, 529),
      kind: fc.constantFrom("rate_limit" as const, "server" as const, "overloaded" as const),
      retryAfterMs: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    }),
    fc.record({
      type: fc.constant("http" as const),
      status: fc.constant(429),
      kind: fc.constant("quota" as const),
    }),
    fc.record({
      type: fc.constant("cut" as const),
      promptTokens: fc.integer({ min: 0, max: maxPrompt }),
      completionTokens: fc.integer({ min: 0, max: 5000 }),
    }),
    fc.record({
      type: fc.constant("drop" as const),
      promptTokens: fc.integer({ min: 0, max: maxPrompt }),
      completionTokens: fc.integer({ min: 0, max: 5000 }),
      billed: fc.boolean(),
    }),
  );

Deno.test("property: over random faults, prices and usage, billed cost never passes maxUsd", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        maxUsd: fc.double({ min: 0, max: 0.5, noNaN: true }),
        input: fc.double({ min: 0, max: 20, noNaN: true }),
        output: fc.double({ min: 0, max: 80, noNaN: true }),
        calls: fc.array(
          fc.record({
            promptTokens: fc.integer({ min: 0, max: 8000 }),
            maxTokens: fc.integer({ min: 1, max: 4000 }),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        script: fc.array(outcomeArb(8000), { maxLength: 60 }),
        concurrency: fc.integer({ min: 1, max: 4 }),
        fallback: fc.boolean(),
      }),
      async ({ maxUsd, input, output, calls, script, concurrency, fallback }) => {
        const prices = { input, output };
        // The provider never bills more prompt tokens than counted, nor more output than maxTokens.
        const clamp = (o: Outcome, counted: number): Outcome =>
          "promptTokens" in o ? { ...o, promptTokens: Math.min(o.promptTokens, counted) } : o;
        const counted = new Map<string, number>();
        const scripted = (n: number, req: { prompt: string; maxTokens?: number }): Outcome =>
          clamp(
            script[n] ?? { type: "ok", promptTokens: 0, completionTokens: 1 },
            counted.get(req.prompt) ?? 0,
          );
        const primary = fakeProvider({ name: "primary", prices, script: scripted });
        const second = fakeProvider({ name: "second", prices, script: (n, req) => scripted(n + 30, req) });
        const estimateCost = (p: number, m: number) => priceOf(prices, p, m);
        const budget = new Budget({ maxUsd });
        const call = createResilientCall({
          chain: fallback
            ? [{ provider: primary, model: "a", estimateCost }, {
              provider: second,
              model: "b",
              estimateCost,
            }]
            : [{ provider: primary, model: "a", estimateCost }],
          budget,
          retry: { maxAttempts: 3, baseMs: 0, capMs: 0 },
          breaker: { threshold: 1000 },
          sleep: () => Promise.resolve(),
        });
        let next = 0;
        let stopped: SwebenchError | undefined;
        const kinds: string[] = [];
        const worker = async () => {
          while (next < calls.length && stopped === undefined) {
            const i = next++;
            const c = calls[i];
            const prompt = `instance ${i}`;
            counted.set(prompt, c.promptTokens);
            try {
              await call({ model: "a", prompt, maxTokens: c.maxTokens }, context(`i${i}`, c.promptTokens));
            } catch (e) {
              assert.ok(e instanceof SwebenchError);
              kinds.push(e.kind);
              if (e.kind === "budget") stopped = e;
            }
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
        const billed = primary.billed + second.billed;
        // Never past the ceiling (1e-9 relative slack for float sums of the fake's own ledger).
        assert.ok(billed <= maxUsd * (1 + 1e-9) + 1e-12, `billed ${billed} > max ${maxUsd}`);
        // The budget's books are conservative: never below what was billed.
        assert.ok(budget.spent + 1e-9 >= billed, `spent ${budget.spent} < billed ${billed}`);
        assert.ok(budget.spent <= maxUsd + 1e-9);
        assert.equal(budget.reserved, 0);
        assert.equal(budget.overrunUsd, 0);
        // Only retry-exhausting faults, quota, or the budget end a call.
        for (const k of kinds) {
          assert.ok(["budget", "rate_limit", "server", "overloaded", "connection", "quota"].includes(k), k);
        }
        // When the ceiling refused a call, that call never reached a provider beyond the ceiling.
        if (stopped) assert.match(stopped.message, /would pass the ceiling/);
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("property: a budget smaller than any call stops the run with kind budget before any request", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.double({ min: 0.001, max: 10, noNaN: true }),
      fc.integer({ min: 1, max: 4000 }),
      fc.integer({ min: 1, max: 4000 }),
      async (price, promptTokens, maxTokens) => {
        const prices = { input: price, output: price };
        const worst = priceOf(prices, promptTokens, maxTokens);
        const provider = fakeProvider({ prices, script: [] });
        const call = createResilientCall({
          chain: [{ provider, model: "m", estimateCost: (p, m) => priceOf(prices, p, m) }],
          // Below the worst case by more than the 1e-10 USD accounting unit (rounding) can absorb.
          budget: new Budget({ maxUsd: worst * 0.999 - 1e-9 }),
        });
        await assert.rejects(
          call({ model: "m", prompt: "p", maxTokens }, context("i", promptTokens)),
          (e) => e instanceof SwebenchError && e.kind === "budget",
        );
        assert.equal(provider.requests.length, 0);
      },
    ),
    { numRuns: 50 },
  );
});

// ------------------------------------------------------------------ waiting for room (issue 11, item 3)

Deno.test("budget: a reservation that does not fit waits for calls in flight, and is refused only when none can make room", async () => {
  const b = new Budget({ maxUsd: 1 });
  const first = b.reserve(0.8, "a");
  let got: unknown;
  const waiting = b.reserveWhenFree(0.5, "b").then((r) => (got = r));
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(got, undefined, "still waiting while the 0.8 reservation is open");
  assert.equal(b.waiting, 1);
  b.settle(first, 0.1); // the worst case was far above the bill: room comes back
  await waiting;
  assert.equal(b.reserved.toFixed(6), "0.500000");
  // Spent 0.1 + 0.5 reserved; 0.95 cannot fit even if the 0.5 settles at 0: refused at once, no wait.
  await assert.rejects(
    b.reserveWhenFree(0.95, "c"),
    (e) => e instanceof SwebenchError && e.kind === "budget",
  );
  // An abort ends a wait with the signal's reason.
  const ac = new AbortController();
  const aborted = b.reserveWhenFree(0.6, "d", ac.signal);
  ac.abort(new SwebenchError("interrupted", "stop"));
  await assert.rejects(aborted, (e) => e instanceof SwebenchError && e.kind === "interrupted");
  assert.equal(b.waiting, 0);
});

Deno.test("budget: earlier spend counts from the start; the summary splits before and this run", () => {
  const b = new Budget({ maxUsd: 0.005, spentUsd: 0.0031 });
  assert.equal(b.spent.toFixed(6), "0.003100");
  assert.equal(b.spentBeforeUsd.toFixed(6), "0.003100");
  assert.throws(
    () => b.reserve(0.002, "x"),
    (e) => e instanceof SwebenchError && /earlier runs of this file/.test(e.message),
  );
  b.settle(b.reserve(0.0015, "y"), 0.001);
  const j = b.toJSON();
  assert.equal(j.spentThisRunUsd.toFixed(6), "0.001000");
  assert.equal(j.remainingUsd.toFixed(6), "0.000900");
  // A ceiling below what was already spent leaves nothing, never a negative amount.
  assert.equal(new Budget({ maxUsd: 0.001, spentUsd: 0.002 }).remaining, 0);
});

Deno.test("property: at any concurrency, a call is refused only when spent + its worst case passes the ceiling; never an overshoot", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        maxUsd: fc.double({ min: 0.001, max: 0.5, noNaN: true }),
        spentBefore: fc.double({ min: 0, max: 0.2, noNaN: true }),
        input: fc.double({ min: 0.1, max: 20, noNaN: true }),
        output: fc.double({ min: 0.1, max: 80, noNaN: true }),
        calls: fc.array(
          fc.record({
            promptTokens: fc.integer({ min: 0, max: 8000 }),
            maxTokens: fc.integer({ min: 1, max: 4000 }),
            // What the call really bills, as a share of its worst case (usually far below it).
            share: fc.double({ min: 0, max: 1, noNaN: true }),
            cut: fc.boolean(),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        concurrency: fc.integer({ min: 1, max: 32 }),
      }),
      async ({ maxUsd, spentBefore, input, output, calls, concurrency }) => {
        const prices = { input, output };
        const byPrompt = new Map<string, (typeof calls)[number]>();
        const provider = fakeProvider({
          prices,
          script: (_n, req) => {
            const c = byPrompt.get(req.prompt)!;
            const completionTokens = Math.floor(c.maxTokens * c.share);
            const promptTokens = Math.floor(c.promptTokens * c.share);
            return c.cut
              ? { type: "cut", promptTokens, completionTokens }
              : { type: "ok", promptTokens, completionTokens };
          },
        });
        const budget = new Budget({ maxUsd, spentUsd: spentBefore });
        // Observe every refusal at the moment it is decided.
        const refusals: { spent: number; worst: number }[] = [];
        const reserve = budget.reserve.bind(budget);
        budget.reserve = (usd: number, label?: string) => {
          const spent = budget.spent;
          try {
            return reserve(usd, label);
          } catch (e) {
            refusals.push({ spent, worst: usd });
            throw e;
          }
        };
        const call = createResilientCall({
          chain: [{ provider, model: "m", estimateCost: (p, m) => priceOf(prices, p, m) }],
          budget,
          retry: { maxAttempts: 1 },
          breaker: { threshold: 1000 },
        });
        let next = 0;
        let stopped = false;
        const worker = async () => {
          while (next < calls.length && !stopped) {
            const i = next++;
            const c = calls[i];
            byPrompt.set(`instance ${i}`, c);
            try {
              await call(
                { model: "m", prompt: `instance ${i}`, maxTokens: c.maxTokens },
                context(`i${i}`, c.promptTokens),
              );
            } catch (e) {
              assert.ok(e instanceof SwebenchError);
              if (e.kind === "budget") stopped = true;
            }
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
        // Never past the ceiling, earlier spend included (an earlier spend above it allows nothing more).
        const room = Math.max(0, maxUsd - spentBefore);
        assert.ok(provider.billed <= room * (1 + 1e-9) + 1e-9, `billed ${provider.billed} > ${room} left`);
        assert.ok(budget.spent <= Math.max(maxUsd, spentBefore) + 1e-9);
        assert.equal(budget.reserved, 0);
        assert.equal(budget.waiting, 0, "no call is left waiting");
        // Never early: each refusal had no room even if every call in flight had settled at nothing.
        for (const r of refusals) {
          assert.ok(
            r.spent + r.worst > maxUsd - 1e-9,
            `refused with room: spent ${r.spent} + ${r.worst} <= ${maxUsd}`,
          );
        }
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("property: when what all calls bill plus the largest worst case fits, every call runs at any concurrency", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          promptTokens: fc.integer({ min: 100, max: 8000 }),
          maxTokens: fc.integer({ min: 256, max: 4096 }),
        }),
        { minLength: 1, maxLength: 50 },
      ),
      fc.integer({ min: 1, max: 32 }),
      async (calls, concurrency) => {
        const prices = { input: 3, output: 15 };
        // Each call bills its prompt and 30 output tokens: far below its worst case, as a patch usually is.
        const bill = (c: (typeof calls)[number]) => priceOf(prices, c.promptTokens, 30);
        const worst = (c: (typeof calls)[number]) => priceOf(prices, c.promptTokens, c.maxTokens);
        const maxUsd = calls.reduce((s, c) => s + bill(c), 0) + Math.max(...calls.map(worst)) + 1e-6;
        const byPrompt = new Map(calls.map((c, i) => [`instance ${i}`, c]));
        const provider = fakeProvider({
          prices,
          script: (_n, req) => ({
            type: "ok",
            promptTokens: byPrompt.get(req.prompt)!.promptTokens,
            completionTokens: 30,
          }),
        });
        const call = createResilientCall({
          chain: [{ provider, model: "m", estimateCost: (p, m) => priceOf(prices, p, m) }],
          budget: new Budget({ maxUsd }),
        });
        let next = 0;
        let done = 0;
        const worker = async () => {
          while (next < calls.length) {
            const i = next++;
            await call(
              { model: "m", prompt: `instance ${i}`, maxTokens: calls[i].maxTokens },
              context(`i${i}`, calls[i].promptTokens),
            );
            done++;
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
        assert.equal(done, calls.length);
      },
    ),
    { numRuns: 100 },
  );
});
