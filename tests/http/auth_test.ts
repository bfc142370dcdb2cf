import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/mod.ts";
import { bearerAuth, headerKeyAuth, maskKey, noAuth, redact } from "../../src/http/mod.ts";
import { ANTHROPIC_SPEC } from "../../src/providers/anthropic/spec.ts";

Deno.test("auth: bearer", () => {
  const auth = bearerAuth("  sk-test-1234567890abcd\n");
  assert.equal(auth.name, "bearer");
  assert.deepEqual(auth.headers(), { Authorization: "Bearer sk-test-1234567890abcd" });
  assert.deepEqual(auth.secrets(), ["sk-test-1234567890abcd"]);
  auth.headers().Authorization = "mutated";
  assert.equal(auth.headers().Authorization, "Bearer sk-test-1234567890abcd");
  assert.equal(new Headers(auth.headers()).get("authorization"), "Bearer sk-test-1234567890abcd");
});

Deno.test("auth: the key alone in a vendor header (x-api-key); Anthropic's version and beta come from its spec", () => {
  const auth = headerKeyAuth("x-api-key", "sk-ant-api03-abcdefgh");
  assert.equal(auth.name, "header");
  assert.deepEqual(auth.headers(), { "x-api-key": "sk-ant-api03-abcdefgh" });
  assert.deepEqual(auth.secrets(), ["sk-ant-api03-abcdefgh"]);
  assert.deepEqual(ANTHROPIC_SPEC.headers?.({}), { "anthropic-version": "2026-10-21" });
  assert.deepEqual(ANTHROPIC_SPEC.headers?.({ version: "2024-01-01", beta: "b1,b2" }), {
    "anthropic-version": "2024-01-01",
    "anthropic-beta": "b1,b2",
  });
});

Deno.test("auth: none", () => {
  const auth = noAuth();
  assert.equal(auth.name, "none");
  assert.deepEqual(auth.headers(), {});
  assert.deepEqual(auth.secrets(), []);
});

Deno.test("auth: empty keys and keys with inner whitespace are rejected without echoing the key", () => {
  for (const bad of ["", "   ", "sk-abc def-1234567890", "sk-abc\ndef-1234567890"]) {
    for (const make of [bearerAuth, (key: string) => headerKeyAuth("x-api-key", key)]) {
      assert.throws(() => make(bad), (e) => {
        assert.ok(e instanceof SwebenchError);
        assert.equal(e.kind, "authentication");
        assert.ok(bad.trim() === "" || !e.message.includes(bad.trim()), e.message);
        return true;
      });
    }
  }
});

Deno.test("auth: redact", () => {
  assert.equal(redact("key sk-abcdef used twice: sk-abcdef", ["sk-abcdef"]), "key *** used twice: ***");
  assert.equal(redact("short abc stays", ["abc"]), "short abc stays");
  assert.equal(redact("nothing", []), "nothing");
  assert.equal(redact("a sk-abcdef-LONGER b", ["sk-abcdef", "sk-abcdef-LONGER"]), "a *** b");
  assert.equal(redact("url ?key=ab%2Fcd%3D%3D", ["ab/cd=="]), "url ?key=***");
  assert.equal(redact("", ["sk-abcdef"]), "");
  assert.equal(redact("$& and $1 sk-ab$&cd", ["sk-ab$&cd"]), "$& and $1 ***");
});

Deno.test("auth: maskKey", () => {
  assert.equal(maskKey("sk-proj-1234567890abcd"), "sk-...abcd");
  assert.equal(maskKey("sk-ant-api03-xxxxxxxxxxxxwxyz"), "sk-...wxyz");
  assert.equal(maskKey("short"), "***");
  assert.equal(maskKey("12345678901"), "***");
  assert.equal(maskKey(""), "***");
  const masked = maskKey("sk-live-SECRETPART-9876");
  assert.ok(!masked.includes("SECRETPART"));
});
