/**
 * Issue 13 item 4: a model that answers 400 because it does not take a parameter (temperature or max_tokens on a
 * reasoning model our name rules do not recognise, sampling under Anthropic's 2026-10-21) gets the call again
 * without it, once, and the provider remembers it for that model: later calls go out without it at once.
 */
import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/mod.ts";
import { createAnthropicProvider } from "../../src/providers/anthropic/provider.ts";
import { createOpenAIProvider } from "../../src/providers/openai/provider.ts";
import { startAnthropicSim, startOpenAISim } from "../simulator/mod.ts";

const KEY = "sk-test-drop-0000000000000000";
// The simulator treats any o4... id as a reasoning model; the codec's name rule (o4, o4-mini, ...) does not know
// this one, so the first request carries max_tokens and temperature, as a renamed deployment would.
const MODEL = "o4minihigh";

Deno.test("parameter drop: refused max_tokens then temperature are dropped, remembered, and said", async () => {
  await using sim = await startOpenAISim({ apiKey: KEY });
  const p = createOpenAIProvider({ baseUrl: `${sim.url}/v1`, apiKey: KEY });
  const first = await p.generate({ model: MODEL, prompt: "Fix it.", maxTokens: 200, temperature: 0 });
  assert.equal(first.finishReason, "stop");
  const bodies = sim.requests.map((r) => r.body as Record<string, unknown>);
  assert.equal(bodies.length, 3, "refused twice, answered the third time");
  assert.equal(bodies[0].max_tokens, 200);
  assert.equal(bodies[2].max_tokens, undefined);
  assert.equal(
    bodies[2].max_completion_tokens,
    200,
    "max_tokens is renamed, never lost (the budget needs it)",
  );
  assert.equal("temperature" in bodies[2], false);
  assert.deepEqual(p.droppedParameters?.(), { [MODEL]: ["max_tokens", "temperature"] });

  // Remembered: the next call (streamed too) goes out right the first time.
  const second = await p.generate({
    model: MODEL,
    prompt: "Again.",
    maxTokens: 200,
    temperature: 0,
    stream: true,
  });
  assert.equal(second.finishReason, "stop");
  assert.equal(sim.requests.length, 4);
  // Another model of the same provider is not affected.
  await p.generate({ model: "gpt-4o-mini", prompt: "Hi", maxTokens: 50, temperature: 0 });
  assert.equal((sim.requests.at(-1)!.body as Record<string, unknown>).temperature, 0);
});

Deno.test("parameter drop: a 400 about something else is the call's error, sent once", async () => {
  await using sim = await startOpenAISim({
    apiKey: KEY,
    faults: [{ type: "status", status: 400, message: "messages: prompt is malformed" }],
  });
  const p = createOpenAIProvider({ baseUrl: `${sim.url}/v1`, apiKey: KEY });
  await assert.rejects(
    p.generate({ model: "gpt-4o-mini", prompt: "Hi", maxTokens: 50, temperature: 0 }),
    (e) => e instanceof SwebenchError && e.kind === "invalid_request",
  );
  assert.equal(sim.requests.length, 1);
  assert.deepEqual(p.droppedParameters?.(), {});
});

Deno.test("parameter drop: Anthropic 2023-06-01, a temperature forced on a model that refuses it", async () => {
  await using sim = await startAnthropicSim({ apiKey: KEY });
  // The codec sends no temperature to Sonnet 5; an explicit override (extra.anthropic) forces one, and the
  // simulator answers as the API does: 400 "`temperature` is deprecated for this model". Dropped, sent again.
  const p = createAnthropicProvider({ baseUrl: sim.url, apiKey: KEY, version: "2023-06-01" });
  const request = {
    model: "claude-sonnet-5-5",
    prompt: "Hi",
    maxTokens: 50,
    extra: { anthropic: { temperature: 0.2 } },
  };
  const r = await p.generate(request);
  assert.equal(r.finishReason, "stop");
  const sent = sim.requests.map((q) => "temperature" in (q.body as Record<string, unknown>));
  assert.deepEqual(sent, [true, false]);
  assert.deepEqual(p.droppedParameters?.(), { "claude-sonnet-5-5": ["temperature"] });
  await p.generate(request);
  assert.deepEqual(sim.requests.map((q) => "temperature" in (q.body as Record<string, unknown>)), [
    true,
    false,
    false,
  ]);
});

Deno.test("parameter drop: a server that refuses the parameter again after the drop gets two requests, then the call fails", async () => {
  // Every request is answered 400 "Unsupported parameter: 'temperature'": one drop and one more request, never a loop.
  await using sim = await startOpenAISim({
    apiKey: KEY,
    faults: () => ({
      type: "status",
      status: 400,
      message: "Unsupported parameter: 'temperature' is not supported",
    }),
  });
  const p = createOpenAIProvider({ baseUrl: `${sim.url}/v1`, apiKey: KEY });
  await assert.rejects(
    p.generate({ model: "gpt-4o-mini", prompt: "Hi", maxTokens: 50, temperature: 0 }),
    (e) => e instanceof SwebenchError && e.kind === "invalid_request",
  );
  assert.equal(sim.requests.length, 2);
  assert.equal("temperature" in (sim.requests[1].body as Record<string, unknown>), false);
  // Remembered: the next call goes out without it at once, and fails once.
  await assert.rejects(p.generate({ model: "gpt-4o-mini", prompt: "Hi", maxTokens: 50, temperature: 0 }));
  assert.equal(sim.requests.length, 3);
});
