import assert from "node:assert/strict";
import type { ErrorKind } from "../../src/core/mod.ts";
import {
  classifyHttpError,
  errorFromResponse,
  extractErrorDetails,
  parseRetryAfter,
} from "../../src/http/mod.ts";
import { captureText } from "./_util.ts";
import { OLLAMA_CODEC } from "../../src/providers/ollama/codec.ts";

Deno.test("status: classification table", () => {
  const cases: [number, string | undefined, ErrorKind][] = [
    [
      401,
      '{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}',
      "authentication",
    ],
    [403, '{"type":"error","error":{"type":"permission_error","message":"no access"}}', "authentication"],
    [
      429,
      '{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","code":"insufficient_quota"}}',
      "quota",
    ],
    [
      429,
      '{"error":{"message":"Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM). Add a payment method at https://platform.openai.com/account/billing.","type":"tokens","code":"rate_limit_exceeded"}}',
      "rate_limit",
    ],
    [
      429,
      '{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}',
      "rate_limit",
    ],
    [429, '{"type":"error","error":{"type":"billing_error","message":"billing"}}', "quota"],
    [429, undefined, "rate_limit"],
    [402, '{"error":{"code":402,"message":"Insufficient credits"}}', "quota"],
    [
      400,
      '{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}}',
      "quota",
    ],
    [
      400,
      '{"error":{"message":"This model\'s maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}',
      "context_length",
    ],
    [
      400,
      '{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}',
      "context_length",
    ],
    [
      400,
      '{"type":"error","error":{"type":"invalid_request_error","message":"input length and `max_tokens` exceed context limit: 197000 + 8192 > 200000"}}',
      "context_length",
    ],
    [
      400,
      '{"object":"error","message":"This model\'s maximum context length is 4096 tokens. However, you requested 5000 tokens","type":"BadRequestError","code":400}',
      "context_length",
    ],
    [422, '{"detail":[{"msg":"too many tokens in the prompt"}]}', "context_length"],
    [
      413,
      '{"type":"error","error":{"type":"request_too_large","message":"Request exceeds the maximum allowed number of bytes."}}',
      "invalid_request",
    ],
    [400, '{"error":"think value \\"low\\" is not supported for this model"}', "invalid_request"],
    [422, '{"detail":"field required"}', "invalid_request"],
    [404, '{"error":"model \'nonexistent-model-12345\' not found"}', "model_not_found"],
    [404, "404 page not found", "model_not_found"],
    [408, undefined, "timeout"],
    [409, undefined, "invalid_request"],
    [500, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', "overloaded"],
    [500, '{"error":{"message":"The server had an error","type":"server_error"}}', "server"],
    [502, "<html><head><title>502 Bad Gateway</title></head></html>", "server"],
    [503, undefined, "overloaded"],
    [504, undefined, "server"],
    [529, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', "overloaded"],
    // Status 0: an error event inside a 200 stream.
    [0, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', "overloaded"],
    [0, '{"type":"error","error":{"type":"api_error","message":"Internal server error"}}', "server"],
    [0, '{"error":{"message":"Rate limit","type":"rate_limit_error"}}', "rate_limit"],
    [0, '{"error":{"message":"prompt is too long","type":"invalid_request_error"}}', "context_length"],
    [0, '{"error":"something odd"}', "server"],
  ];
  for (const [status, body, kind] of cases) {
    const e = classifyHttpError({ status, body, provider: "p" });
    assert.equal(e.kind, kind, `${status} ${body}`);
    assert.equal(e.status, status > 0 ? status : undefined);
    assert.ok(e.message.startsWith(status > 0 ? `p: ${status} ` : "p: "), e.message);
    assert.ok(e.message.split("\n").length <= 2, e.message);
    assert.equal(e.body, body);
  }
});

Deno.test("status: hints and messages of bodiless or foreign errors", () => {
  const html = classifyHttpError({
    status: 502,
    body: "<html><head><title>502 Bad Gateway</title></head></html>",
  });
  assert.equal(html.message, "provider: 502 Bad Gateway");
  const wrongUrl = classifyHttpError({ status: 404, provider: "vllm", body: "404 page not found" });
  assert.match(wrongUrl.hint, /check the base URL/);
  const forbidden = classifyHttpError({ status: 403 });
  assert.match(forbidden.hint, /refused for this model or endpoint/);
  assert.equal(forbidden.message, "provider: 403 Forbidden");
  assert.match(classifyHttpError({ status: 401 }).hint, /API key/);
});

Deno.test("status: the real error captures", async () => {
  const openai400 = classifyHttpError({
    status: 400,
    provider: "openai",
    body: await captureText("openai/error-400-unsupported-parameter.json"),
  });
  assert.equal(openai400.kind, "invalid_request");
  assert.equal(openai400.code, "unsupported_parameter");
  assert.equal(
    openai400.message,
    "openai: 400 Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' " +
      "instead. (unsupported_parameter)",
  );

  const openrouter = classifyHttpError({
    status: 429,
    provider: "openrouter",
    body: await captureText("openai/error-429-openrouter.json"),
    headers: new Headers({ "retry-after": "3" }),
  });
  assert.equal(openrouter.kind, "rate_limit");
  assert.equal(openrouter.retryAfterMs, 3000);
  const [first, second] = openrouter.message.split("\n");
  assert.equal(first, "openrouter: 429 Provider returned error");
  assert.match(second, /^Google: google\/gemini-2\.0-flash-exp:free is temporarily rate-limited upstream/);

  const anthropic = classifyHttpError({
    status: 404,
    provider: "anthropic",
    body: await captureText("anthropic/error-404-count-tokens.json"),
  });
  assert.equal(anthropic.kind, "model_not_found");
  assert.equal(anthropic.message, "anthropic: 404 model: claude-does-not-exist (not_found_error)");
  assert.equal(anthropic.requestId, "req_011CVEA3SF7rnb3DuBZytqQa");
  assert.equal(anthropic.code, "not_found_error");

  const ollama404 = classifyHttpError({
    status: 404,
    provider: "ollama",
    body: await captureText("ollama/error-404-model-not-found.json"),
  });
  assert.equal(ollama404.kind, "model_not_found");
  assert.equal(ollama404.message, "ollama: 404 model 'nonexistent-model-12345' not found");
  // The pull hint is Ollama's own: its codec adds it where the transport names the error.
  assert.equal(
    OLLAMA_CODEC.errorHint?.(ollama404, {}),
    "Run `ollama pull nonexistent-model-12345` (or `swebench provider pull nonexistent-model-12345`).",
  );

  const ollama400 = classifyHttpError({
    status: 400,
    provider: "ollama",
    body: await captureText("ollama/error-400-invalid-option.json"),
  });
  assert.equal(ollama400.kind, "invalid_request");
  assert.equal(ollama400.message, 'ollama: 400 think value "low" is not supported for this model');
});

Deno.test("status: extractErrorDetails understands the vendor shapes", () => {
  assert.deepEqual(
    extractErrorDetails({ error: { message: "m", type: "invalid_request_error", param: "x", code: "c" } }),
    { message: "m", type: "invalid_request_error", code: "c" },
  );
  assert.deepEqual(
    extractErrorDetails({
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
      request_id: "r1",
    }),
    { requestId: "r1", message: "Overloaded", type: "overloaded_error" },
  );
  assert.deepEqual(extractErrorDetails({ error: "boom" }), { message: "boom" });
  assert.deepEqual(
    extractErrorDetails({
      error: { code: 429, message: "Provider returned error", metadata: { raw: { a: 1 } } },
    }),
    { message: "Provider returned error", detail: '{"a":1}' },
  );
  assert.deepEqual(extractErrorDetails({ message: "vllm says", type: "BadRequestError" }), {
    message: "vllm says",
    type: "BadRequestError",
  });
  assert.deepEqual(extractErrorDetails("plain text\nsecond line"), { message: "plain text" });
  assert.deepEqual(extractErrorDetails(null), {});
  assert.deepEqual(extractErrorDetails([1, 2]), {});
});

Deno.test("status: retry-after, request id, redaction and truncation", () => {
  const key = "sk-proj-SECRETSECRET1234";
  const e = classifyHttpError({
    status: 401,
    provider: "openai",
    body:
      JSON.stringify({ error: { message: `Incorrect API key provided: ${key}.`, code: "invalid_api_key" } }) +
      " ".repeat(5000),
    headers: new Headers({ "x-request-id": "req_1", "retry-after-ms": "250" }),
    secrets: [key],
  });
  assert.equal(e.kind, "authentication");
  assert.equal(e.requestId, "req_1");
  assert.equal(e.retryAfterMs, 250);
  assert.ok(!e.message.includes(key) && e.message.includes("***"), e.message);
  assert.ok(!e.body!.includes(key));
  assert.ok(e.body!.length <= 2048 + 20 && e.body!.endsWith("…[truncated]"));
  assert.ok(!JSON.stringify(e.toJSON(true)).includes(key));

  const anthropicId = classifyHttpError({ status: 529, headers: new Headers({ "request-id": "req_a" }) });
  assert.equal(anthropicId.requestId, "req_a");
  assert.equal(anthropicId.message, "provider: 529 Overloaded");

  // A 429 without retry-after: the reset of the exhausted window.
  const limited = classifyHttpError({
    status: 429,
    headers: new Headers({
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "1.5s",
      "x-ratelimit-remaining-tokens": "100",
      "x-ratelimit-reset-tokens": "6m0s",
    }),
  });
  assert.equal(limited.retryAfterMs, 1500);
  // Long messages are cut to one line.
  const long = classifyHttpError({ status: 400, details: { message: `a\n${"b".repeat(2000)}` } });
  assert.ok(long.message.length < 450 && !long.message.includes("\n"));
});

Deno.test("status: parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  const h = (init: Record<string, string>) => new Headers(init);
  assert.equal(parseRetryAfter(h({ "retry-after": "1" }), now), 1000);
  assert.equal(parseRetryAfter(h({ "retry-after": " 0.5 " }), now), 500);
  assert.equal(parseRetryAfter(h({ "retry-after-ms": "1234.5", "retry-after": "9" }), now), 1234.5);
  assert.equal(parseRetryAfter(h({ "retry-after-ms": "junk", "retry-after": "2" }), now), 2000);
  assert.equal(parseRetryAfter(h({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }), now), 30_000);
  assert.equal(parseRetryAfter(h({ "retry-after": "Wed, 31 Dec 2025 23:00:00 GMT" }), now), 0);
  assert.equal(parseRetryAfter(h({ "retry-after": "soon" }), now), undefined);
  assert.equal(parseRetryAfter(h({ "retry-after": "foo 5" }), now), undefined);
  assert.equal(parseRetryAfter(h({ "retry-after": "-1" }), now), undefined);
  assert.equal(parseRetryAfter(h({ "retry-after": "" }), now), undefined);
  assert.equal(parseRetryAfter(h({}), now), undefined);
});

Deno.test("status: errorFromResponse reads, extracts and classifies", async () => {
  const key = "sk-ant-api03-SECRETKEY";
  const res = new Response(
    JSON.stringify({ type: "error", error: { type: "rate_limit_error", message: `slow down ${key}` } }),
    { status: 429, headers: { "retry-after": "2", "request-id": "req_x" } },
  );
  const e = await errorFromResponse(res, { provider: "anthropic", secrets: [key] });
  assert.equal(e.kind, "rate_limit");
  assert.equal(e.retryAfterMs, 2000);
  assert.equal(e.requestId, "req_x");
  assert.equal(e.message, "anthropic: 429 slow down *** (rate_limit_error)");
  assert.ok(!e.body!.includes(key));

  // Custom extractor; a throwing one falls back to the default.
  const custom = await errorFromResponse(new Response("X|context_length_exceeded", { status: 400 }), {
    extract: (b) => ({ code: String(b).split("|")[1], message: "custom" }),
  });
  assert.equal(custom.kind, "context_length");
  const fallback = await errorFromResponse(new Response('{"error":"boom"}', { status: 500 }), {
    extract: () => {
      throw new Error("bad extractor");
    },
  });
  assert.equal(fallback.message, "provider: 500 boom");

  // Empty body: the status text.
  const empty = await errorFromResponse(
    new Response(null, { status: 503, statusText: "Service Unavailable" }),
  );
  assert.equal(empty.kind, "overloaded");
  assert.equal(empty.message, "provider: 503 Service Unavailable");

  // A huge body is read only up to the bound, then cancelled.
  let cancelled = false;
  let sent = 0;
  const huge = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent++ > 1000) return c.close();
      c.enqueue(new Uint8Array(16 * 1024).fill(65));
    },
    cancel() {
      cancelled = true;
    },
  });
  const big = await errorFromResponse(new Response(huge, { status: 500 }));
  assert.equal(big.kind, "server");
  assert.ok(cancelled && sent < 10, `sent ${sent} chunks`);
  assert.ok(big.body!.length <= 2048 + 20);

  // A body that fails midway still classifies.
  const broken = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode('{"error":'));
      c.error(new Error("reset"));
    },
  });
  assert.equal((await errorFromResponse(new Response(broken, { status: 502 }))).kind, "server");
});
