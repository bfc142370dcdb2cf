/**
 * Errors inside a 200 stream (status 0) are classified by their code before their type: OpenAI sends
 * `invalid_api_key`, `model_not_found` and `context_length_exceeded` with type `invalid_request_error`.
 */
import assert from "node:assert/strict";
import { classifyHttpError } from "../../src/http/status.ts";
import { openAIErrorFromPayload } from "../../src/providers/openai/codec.ts";

const CASES: [{ type?: string; code?: string; message?: string }, string][] = [
  [
    { type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided" },
    "authentication",
  ],
  [
    { type: "invalid_request_error", code: "model_not_found", message: "The model `x` does not exist" },
    "model_not_found",
  ],
  [
    { type: "invalid_request_error", code: "context_length_exceeded", message: "Too many tokens" },
    "context_length",
  ],
  [{ code: "context_length_exceeded", message: "Too many tokens" }, "context_length"],
  [{ type: "tokens", code: "rate_limit_exceeded", message: "Rate limit reached" }, "rate_limit"],
  [{ type: "invalid_request_error", message: "Unrecognized request argument" }, "invalid_request"],
  [
    { type: "invalid_request_error", message: "prompt is too long: 210000 tokens > 200000 maximum" },
    "context_length",
  ],
  [
    { type: "insufficient_quota", code: "insufficient_quota", message: "You exceeded your current quota" },
    "quota",
  ],
  [{ type: "overloaded_error", message: "Overloaded" }, "overloaded"],
  [{ type: "server_error", code: "weird_new_code", message: "boom" }, "server"],
  [{ type: "authentication_error", message: "invalid x-api-key" }, "authentication"],
  [{ message: "something odd" }, "server"],
];

Deno.test("status 0: the code is considered before the type", () => {
  for (const [details, kind] of CASES) {
    const e = classifyHttpError({ status: 0, provider: "p", details });
    assert.equal(e.kind, kind, JSON.stringify(details));
    assert.equal(e.status, undefined);
  }
});

Deno.test("status 0: OpenAI error events keep their kinds without an invented HTTP status", () => {
  for (const [details, kind] of CASES) {
    const e = openAIErrorFromPayload({ error: details }, { provider: "openai", inStream: true });
    assert.equal(e.kind, kind, JSON.stringify(details));
    // The error arrived in a 200 stream: no 401/404/429 is made up for it.
    assert.equal(e.status, undefined, JSON.stringify(details));
    assert.ok(!/^openai: \d{3} /.test(e.message), e.message);
    assert.equal(e.code, details.code ?? details.type);
  }
  // A numeric code (OpenRouter puts the HTTP status there) still counts as the status.
  const routed = openAIErrorFromPayload({ error: { message: "no key", code: 401 } }, { provider: "openai" });
  assert.equal(routed.kind, "authentication");
  assert.equal(routed.status, 401);
});
