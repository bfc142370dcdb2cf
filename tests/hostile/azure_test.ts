/**
 * Azure OpenAI answers that are unusual but real: content filtering of the prompt (a 400 with `innererror`) and of
 * the answer (`finish_reason: content_filter`, plain and streamed, in any framing), Azure's 429 with only
 * `retry-after-ms`, its gateway's own error codes, the first chunk with `choices: []` and `model: ""`, and the
 * `api-key` header never leaking.
 */
import assert from "node:assert/strict";
import { ERROR_KINDS } from "../../src/core/mod.ts";
import {
  assertNoKey,
  azureCompletion,
  azureEvents,
  KEY,
  PLAIN_STYLE,
  sse,
  streamError,
  terminal,
  TEXT,
  textOf,
  WILD_STYLE,
} from "./_bodies.ts";
import { failed, generateFrom, streamFrom, succeeded } from "./_providers.ts";
import { rng } from "./_server.ts";

/** The real body of a filtered prompt (`tests/fixtures/captures/azure/error-400-content-filter.json`). */
const FILTERED_PROMPT = await Deno.readTextFile(
  new URL("../fixtures/captures/azure/error-400-content-filter.json", import.meta.url),
);

Deno.test("azure: a filtered prompt (400 content_filter) is content_filter, not retryable, naming the category; plain and streamed", async () => {
  for (const stream of [false, true]) {
    const e = failed(
      await generateFrom("azure", {
        status: 400,
        contentType: "application/json",
        body: FILTERED_PROMPT,
      }, { stream }),
      "content_filter",
    );
    assert.equal(ERROR_KINDS[e.kind].retryable, false);
    assert.match(e.message, /filtered: self_harm \(medium\)/);
    assert.match(e.hint ?? "", /content filter/);
  }
});

Deno.test("azure: an answer stopped by the content filter is one content_filter error, never a half answer (any framing)", async () => {
  for (let seed = 1; seed <= 6; seed++) {
    const body = sse(
      azureEvents({ filtered: "violence" }),
      seed % 2 === 0 ? WILD_STYLE : PLAIN_STYLE,
      rng(seed),
    );
    const events = await streamFrom("azure", { body });
    const e = streamError(events, "content_filter");
    assert.match(e.message, /violence \(medium\)/, `seed ${seed}`);
    assert.ok(textOf(events).length < TEXT.length, "the half answer is not the whole text");
  }
  const plain = failed(
    await generateFrom("azure", { body: JSON.stringify(azureCompletion("half an ans", "sexual")) }),
    "content_filter",
  );
  assert.match(plain.message, /sexual \(medium\)/);
  // The stream read whole (a plain call to a server that streams anyway) fails the same way.
  failed(
    await generateFrom("azure", {
      body: sse(azureEvents({ filtered: "hate" }), PLAIN_STYLE),
      contentType: "text/event-stream",
    }),
    "content_filter",
  );
});

Deno.test('azure: the real stream shape (choices: [] and model "" first, filter results on every chunk) decodes whole', async () => {
  const events = await streamFrom("azure", { body: sse(azureEvents({ ascii: true }), PLAIN_STYLE) });
  const last = terminal(events);
  assert.equal(last.type, "finish");
  assert.equal(textOf(events), TEXT);
  assert.equal(last.type === "finish" && last.model, "gpt-4o-mini-2024-07-18");
  const plain = succeeded(await generateFrom("azure", { body: JSON.stringify(azureCompletion()) }));
  assert.equal(plain.content, TEXT);
  assert.equal(plain.model, "gpt-4o-mini-2024-07-18", "the underlying model the API reports is kept");
});

Deno.test("azure: 429 with only retry-after-ms waits that long; with both headers the milliseconds win", async () => {
  const body = JSON.stringify({
    error: { code: "429", message: "Requests ... Please retry after 1 second." },
  });
  for (
    const [headers, wait] of [[{ "retry-after-ms": "1234" }, 1234], [{
      "retry-after-ms": "250",
      "retry-after": "1",
    }, 250]] as const
  ) {
    for (const stream of [false, true]) {
      const e = failed(
        await generateFrom("azure", { status: 429, headers, contentType: "application/json", body }, {
          stream,
        }),
        "rate_limit",
      );
      assert.equal(e.retryAfterMs, wait);
    }
  }
});

Deno.test("azure: the gateway's own codes: DeploymentNotFound 404 and unknown_model 400 are model_not_found naming the deployment; 401 authentication", async () => {
  const cases = [
    [404, {
      error: { code: "DeploymentNotFound", message: "The API deployment for this resource does not exist." },
    }, "model_not_found"],
    [400, {
      error: {
        code: "unknown_model",
        message: "Unknown model: prod-mini",
        details: "Unknown model: prod-mini",
      },
    }, "model_not_found"],
    [401, {
      error: { code: "401", message: "Access denied due to invalid subscription key or wrong API endpoint." },
    }, "authentication"],
  ] as const;
  for (const [status, body, kind] of cases) {
    const e = failed(
      await generateFrom("azure", { status, contentType: "application/json", body: JSON.stringify(body) }),
      kind,
    );
    if (kind === "model_not_found") assert.match(e.hint ?? "", /deployment named "prod-mini"/);
  }
});

Deno.test("azure: the key never appears in an error, even when the gateway echoes the api-key header", async () => {
  const body = JSON.stringify({ error: { code: "401", message: `Access denied for api-key ${KEY}` } });
  const e = failed(
    await generateFrom("azure", { status: 401, contentType: "application/json", body }),
    "authentication",
  );
  assertNoKey(e);
});
