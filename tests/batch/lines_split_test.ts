import assert from "node:assert/strict";
import fc from "fast-check";
import { ANTHROPIC_BATCH_LIMITS } from "../../src/batch/anthropic_api.ts";
import { anthropicBatchRequest, openAIBatchLine, utf8Length } from "../../src/batch/lines.ts";
import { OPENAI_BATCH_LIMITS } from "../../src/batch/openai_api.ts";
import { formatBytes, splitBatches } from "../../src/batch/split.ts";
import type { BatchLimits } from "../../src/batch/types.ts";
import { SwebenchError, type UnifiedRequest } from "../../src/core/mod.ts";
import { encodeAnthropicRequest } from "../../src/providers/anthropic/codec.ts";
import { encodeOpenAIRequest } from "../../src/providers/openai/codec.ts";

const REQUEST: UnifiedRequest = {
  model: "gpt-4o-mini",
  system: "You are a software engineer.",
  prompt: "Fix the bug: naïve → ok",
  maxTokens: 2048,
  temperature: 0,
  stream: true, // a batch never streams, whatever the run's --stream
};

Deno.test("batch lines: an OpenAI line carries exactly the body a normal (non-streamed) call sends", () => {
  const line = JSON.parse(openAIBatchLine("django__django-11099", REQUEST));
  assert.deepEqual(Object.keys(line), ["custom_id", "method", "url", "body"]);
  assert.equal(line.custom_id, "django__django-11099");
  assert.equal(line.method, "POST");
  assert.equal(line.url, "/v1/chat/completions");
  assert.deepEqual(line.body, encodeOpenAIRequest(REQUEST, { stream: false }));
  assert.equal(line.body.stream, false);
  assert.equal(line.body.stream_options, undefined);
  // Reasoning models get the normal encoder's rules too.
  const o3 = JSON.parse(openAIBatchLine("a", { ...REQUEST, model: "o3-mini" })).body;
  assert.equal(o3.max_completion_tokens, 2048);
  assert.equal(o3.temperature, undefined);
});

Deno.test("batch lines: an Anthropic request carries exactly the params of a normal call, without stream", () => {
  const request = { ...REQUEST, model: "claude-sonnet-4-5", extra: { cacheControl: "5m" } };
  const item = JSON.parse(anthropicBatchRequest("x", request));
  assert.deepEqual(Object.keys(item), ["custom_id", "params"]);
  // Under the default API version (2026-10-21) no sampling parameter; the rest as a normal call.
  const { temperature: _t, ...unsampled } = encodeAnthropicRequest(request, { stream: false });
  assert.deepEqual(item.params, unsampled);
  assert.equal("temperature" in item.params, false);
  const legacy = JSON.parse(anthropicBatchRequest("x", request, "2023-06-01"));
  assert.deepEqual(legacy.params, encodeAnthropicRequest(request, { stream: false }));
  assert.equal(item.params.stream, undefined);
  assert.equal(item.params.max_tokens, 2048);
  assert.equal(item.params.system[0].cache_control.type, "ephemeral");
});

Deno.test("batch lines: utf8Length equals the encoded length for any text (lone surrogates included)", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: "binary" }),
      fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) }),
      (a, b) => {
        const text = a + b + a;
        assert.equal(utf8Length(text), new TextEncoder().encode(text).length);
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("batch split: the count limit cuts at 50,000 OpenAI lines (50,001 -> 2 files)", () => {
  const slices = splitBatches(new Array(50_001).fill(300), OPENAI_BATCH_LIMITS);
  assert.deepEqual(slices.map((s) => [s.start, s.end]), [[0, 50_000], [50_000, 50_001]]);
  assert.equal(slices[0].bytes, 50_000 * 301);
});

Deno.test("batch split: 50,000 SWE-bench-sized prompts (~518 MB) need 3 OpenAI files and 3 Anthropic batches", () => {
  // 10,362 bytes per line: the mean SWE-bench prompt line; 50,000 of them are 518 MB.
  const sizes = new Array(50_000).fill(10_362);
  const openai = splitBatches(sizes, OPENAI_BATCH_LIMITS);
  assert.equal(openai.length, 3, "the count fits one file, the size does not");
  for (const s of openai) assert.ok(s.bytes <= 200_000_000 && s.end - s.start <= 50_000);
  const anthropic = splitBatches(sizes, ANTHROPIC_BATCH_LIMITS);
  assert.equal(anthropic.length, 3);
  for (const s of anthropic) assert.ok(s.bytes <= 256_000_000);
  // 2,294 prompts (SWE-bench full) fit one batch of either API.
  assert.equal(splitBatches(new Array(2_294).fill(10_362), OPENAI_BATCH_LIMITS).length, 1);
});

Deno.test("batch split: slices are in order, cover every item, stay in the limits and are greedy", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 90 }), { maxLength: 200 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 100, max: 400 }),
      fc.integer({ min: 0, max: 9 }),
      (sizes, maxRequests, maxBytes, fixedOverhead) => {
        const limits: BatchLimits = { maxRequests, maxBytes, itemOverhead: 1, fixedOverhead };
        const slices = splitBatches(sizes, limits);
        let next = 0;
        for (const [i, s] of slices.entries()) {
          assert.equal(s.start, next);
          assert.ok(s.end > s.start);
          next = s.end;
          const bytes = fixedOverhead + sizes.slice(s.start, s.end).reduce((a, b) => a + b + 1, 0);
          assert.equal(s.bytes, bytes);
          assert.ok(bytes <= maxBytes && s.end - s.start <= maxRequests);
          if (i < slices.length - 1) {
            // The next item did not fit: full by count or by bytes.
            assert.ok(s.end - s.start === maxRequests || bytes + sizes[s.end] + 1 > maxBytes);
          }
        }
        assert.equal(next, sizes.length);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("batch split: a request bigger than a whole batch is a usage error naming it, before anything is sent", () => {
  assert.throws(
    () => splitBatches([10, 300_000_000, 10], OPENAI_BATCH_LIMITS, (i) => `instance ${["a", "b", "c"][i]}`),
    (e) =>
      e instanceof SwebenchError && e.kind === "usage" && e.exitCode === 2 &&
      e.message === "instance b is 300 MB: more than one batch may hold (200 MB)." &&
      /without --batch/.test(e.hint),
  );
  assert.equal(formatBytes(518_100_000), "518 MB");
  assert.equal(formatBytes(10_362), "10.4 KB");
  assert.equal(formatBytes(999), "999 B");
});
