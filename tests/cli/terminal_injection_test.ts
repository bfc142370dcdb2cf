/**
 * Issue 11 item 9: text a server sends never reaches the terminal with control characters in it (a window title
 * `\x1b]0;...\x07`, a screen clear `\x1b[2J`, a carriage return, 8-bit CSI): error messages with and without -v,
 * verbose bodies, `provider test` and `provider models` output.
 */
import assert from "node:assert/strict";
import { startOpenAISim } from "../simulator/mod.ts";
import { generateArgs, runCli } from "./helpers.ts";

const KEY = "sk-test-injection-0000000";
const EVIL = "bad\x1b]0;PWNED-TITLE\x07\x1b[2J request\r\x9b31m\x07\x00\x7f\u0085";

/** Every terminal control character but the newline (C0, DEL, C1). */
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

function assertClean(text: string, where: string): void {
  const at = text.search(CONTROL);
  assert.equal(
    at,
    -1,
    `${where} holds a control character at ${at}: ${JSON.stringify(text.slice(at - 20, at + 20))}`,
  );
}

Deno.test("a server's error text is printed without terminal control, with and without -v", async () => {
  await using sim = await startOpenAISim({
    apiKey: KEY,
    faults: () => ({ type: "status", status: 400, message: EVIL }),
  });
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` };
  const dir = await Deno.makeTempDir();
  for (const verbose of [[], ["-v"]]) {
    const args = generateArgs(
      "openai",
      "gpt-4o-mini",
      "sample",
      `${dir}/p${verbose.length}.jsonl`,
      "-n",
      "1",
      "-y",
    );
    const r = await runCli([...verbose, ...args], { env });
    // The run's first request was rejected (invalid_request): the run stops there, exit 2 (issue 10 §6).
    assert.equal(r.code, 2, r.stderr);
    assertClean(r.stderr, `stderr${verbose.length ? " (-v)" : ""}`);
    assertClean(r.stdout, "stdout");
    // The words stay; a control sequence goes whole (the title it would have set is not printed either).
    assert.match(r.stderr, /failed django__django-16046: invalid_request: openai: 400 bad request/);
    assert.doesNotMatch(r.stderr, /PWNED/);
  }
  const t = await runCli(["-v", "provider", "test", "openai"], { env });
  assert.equal(t.code, 2);
  assertClean(t.stderr, "provider test stderr");
  assert.match(t.stderr, /error: openai: 400 bad/);
  assert.match(t.stderr, /"error":\{"message":"bad/, "-v shows the body, cleaned too");
});

Deno.test("provider test and provider models print a server's model names without terminal control", async () => {
  const evilModel = "gpt-4o-mini\x1b]0;T\x07\x1b[31m";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path.endsWith("/models")) {
      return Response.json({ data: [{ id: evilModel, created: 1 }, { id: "plain-model", created: 1 }] });
    }
    if (path.endsWith("/chat/completions")) {
      await req.body?.cancel();
      return Response.json({
        id: "x",
        object: "chat.completion",
        model: evilModel,
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "OK" } }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      });
    }
    return new Response("not found", { status: 404 });
  });
  try {
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `http://127.0.0.1:${server.addr.port}/v1` };
    const t = await runCli(["provider", "test", "openai"], { env });
    assert.equal(t.code, 0, t.stderr);
    assertClean(t.stdout + t.stderr, "provider test output");
    assert.match(t.stdout, /ok: openai gpt-4o-mini.*answered in/);
    const m = await runCli(["provider", "models", "openai"], { env });
    assert.equal(m.code, 0, m.stderr);
    assertClean(m.stdout + m.stderr, "provider models output");
    assert.match(m.stdout, /plain-model/);
    assert.match(m.stdout, /gpt-4o-mini/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("stripControl: escape sequences go whole, other controls go, text and newlines stay", async () => {
  const { stripControl } = await import("../../src/core/text.ts");
  const cases: [string, string][] = [
    ["bad \x1b]0;TITLE\x07\x1b[2Jrequest\r", "bad request"],
    ["\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"], // hyperlink (OSC 8, ST-terminated)
    ["a\x9b31mb\x9d0;t\x9cc", "abc"], // 8-bit CSI and OSC
    ["\x1bPq#0\x1b\\dcs", "dcs"], // DCS string
    ["\x1b(B\x1bcreset", "reset"], // charset, full reset
    ["line 1\r\nline 2\ttab\x00\x7f\u0085", "line 1\nline 2 tab"],
    ["ünïcödé ✓ plain", "ünïcödé ✓ plain"],
  ];
  for (const [input, expected] of cases) assert.equal(stripControl(input), expected, JSON.stringify(input));
});
