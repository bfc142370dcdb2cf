// The kit transport (src/providers/kit/transport.ts): one abort rule for every vendor, the vendor's request-id
// header order, secrets redacted from error bodies, the vendor's error hint, and headers built once per kind of
// request. Injected fetch: no server.
import assert from "node:assert/strict";
import type { Provider, UnifiedRequest } from "../../src/core/mod.ts";
import { createAnthropicProvider } from "../../src/providers/anthropic/provider.ts";
import { createHttpTransport } from "../../src/providers/kit/transport.ts";
import { createOllamaProvider } from "../../src/providers/ollama/provider.ts";
import { createOpenAIProvider } from "../../src/providers/openai/provider.ts";

const VENDORS: [string, (fetch: typeof globalThis.fetch) => Provider][] = [
  [
    "openai",
    (fetch) => createOpenAIProvider({ baseUrl: "http://127.0.0.1:9/v1", apiKey: "sk-probe-1234", fetch }),
  ],
  [
    "anthropic",
    (fetch) => createAnthropicProvider({ baseUrl: "http://127.0.0.1:9", apiKey: "sk-ant-1234", fetch }),
  ],
  ["ollama", (fetch) => createOllamaProvider({ baseUrl: "http://127.0.0.1:9", fetch })],
];

const request = (stream: boolean): UnifiedRequest => ({ model: "m", prompt: "hi", maxTokens: 10, stream });

for (const [name, make] of VENDORS) {
  Deno.test(`kit transport (${name}): an error status that arrives as the caller aborts is interrupted, plain and stream`, async () => {
    for (const stream of [false, true]) {
      const controller = new AbortController();
      const fetchImpl = (() => {
        controller.abort();
        return Promise.resolve(
          new Response(JSON.stringify({ error: { message: "boom", type: "server_error" } }), {
            status: 500,
            headers: { "content-type": "application/json" },
          }),
        );
      }) as typeof fetch;
      const provider = make(fetchImpl);
      if (stream) {
        const kinds: string[] = [];
        for await (const e of provider.stream(request(true), { signal: controller.signal })) {
          if (e.type === "error") kinds.push(e.error.kind);
        }
        assert.deepEqual(kinds, ["interrupted"]);
      } else {
        await assert.rejects(provider.generate(request(false), { signal: controller.signal }), (e: Error) => {
          assert.equal((e as { kind?: string }).kind, "interrupted");
          return true;
        });
      }
    }
  });

  Deno.test(`kit transport (${name}): the same error status without an abort keeps its kind`, async () => {
    const fetchImpl = (() =>
      Promise.resolve(
        new Response(JSON.stringify({ error: { message: "boom", type: "server_error" } }), {
          status: 500,
          headers: { "content-type": "application/json" },
        }),
      )) as typeof fetch;
    await assert.rejects(make(fetchImpl).generate(request(false)), (e: Error) => {
      assert.equal((e as { kind?: string }).kind, "server");
      return true;
    });
  });
}

Deno.test("kit transport: request id from the vendor's headers in its order; secrets redacted; vendor hint; header sets built once", async () => {
  const seen: Headers[] = [];
  const fetchImpl = ((_url: string, init: RequestInit) => {
    seen.push(new Headers(init.headers));
    return Promise.resolve(
      new Response(
        JSON.stringify({ error: { message: "model 'x' not found, key sk-secret-999 rejected" } }),
        {
          status: 404,
          headers: { "request-id": "req_b", "x-request-id": "req_a" },
        },
      ),
    );
  }) as typeof fetch;
  const transport = createHttpTransport({
    name: "acme",
    baseUrl: "http://127.0.0.1:9",
    auth: { "x-acme-key": "sk-secret-999" },
    secrets: ["sk-secret-999"],
    headers: { "X-Trace": "t1" },
    accept: { stream: "text/event-stream", other: "application/json" },
    fetch: fetchImpl,
    errors: { requestIdHeaders: ["request-id", "x-request-id"] },
    errorHint: (e) => e.kind === "model_not_found" ? "pull it first" : undefined,
  });
  const error = await transport.open("/v1/x", { method: "POST", body: { a: 1 } }, {}).then(
    () => undefined,
    (e) => transport.named(e, {}),
  );
  assert.ok(error);
  assert.equal(error.kind, "model_not_found");
  assert.equal(error.requestId, "req_b");
  assert.equal(error.hint, "pull it first");
  assert.equal(error.provider, "acme");
  assert.ok(!JSON.stringify(error).includes("sk-secret-999"), JSON.stringify(error));
  assert.equal(transport.requestId(new Headers({ "x-request-id": "a", "request-id": "b" })), "b");
  await transport.open("/v1/x", { method: "GET" }, {}).catch(() => {});
  await transport.open("/v1/x", { method: "POST", body: {}, accept: "stream" }, {}).catch(() => {});
  assert.equal(seen[0].get("x-acme-key"), "sk-secret-999");
  assert.equal(seen[0].get("x-trace"), "t1");
  assert.equal(seen[0].get("content-type"), "application/json");
  assert.equal(seen[1].get("content-type"), null);
  assert.equal(seen[2].get("accept"), "text/event-stream");
});
