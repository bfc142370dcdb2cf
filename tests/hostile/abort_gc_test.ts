/**
 * A caller abort must end a body that is being read even after a garbage collection: Deno's fetch stops cancelling
 * the body on abort once the Response object is collected (only its body stream referenced, as every decoder
 * pipeline holds it). The server here waits 3 s between two halves of the body; an abort that is lost shows as a
 * finish (or a hang) instead of one prompt `interrupted` error.
 */
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { SwebenchError } from "../../src/core/mod.ts";
import { fetchWithTimeout } from "../../src/http/fetch.ts";
import {
  anthropicEvents,
  azureEvents,
  geminiEvents,
  ndjson,
  ollamaLines,
  openAIEvents,
  PLAIN_STYLE,
  sse,
  terminal,
} from "./_bodies.ts";
import { answerSideCalls, type Kind, MODEL, providerFor, STREAM_TYPE } from "./_providers.ts";
import { bounded, rawServer, readAll, reply } from "./_server.ts";

v8.setFlagsFromString("--expose-gc");
const gc: () => void = vm.runInNewContext("gc");

const BODY: Record<Kind, () => string> = {
  openai: () => sse(openAIEvents(), PLAIN_STYLE),
  anthropic: () => sse(anthropicEvents(), PLAIN_STYLE),
  ollama: () => ndjson(ollamaLines(), { eol: "lf", blanks: false, pad: false, finalNewline: true }),
  gemini: () => sse(geminiEvents(), PLAIN_STYLE),
  azure: () => sse(azureEvents(), PLAIN_STYLE),
};

function slowServer(kind: Kind) {
  return rawServer(async (req, wire) => {
    if (await answerSideCalls(req, wire)) return;
    await reply(wire, {
      headers: { "content-type": STREAM_TYPE[kind] },
      body: BODY[kind](),
      pieces: (b) => [b.subarray(0, 400), b.subarray(400)],
      delay: () => 3000,
    });
  });
}

Deno.test("abort after GC: fetchWithTimeout's body ends at once, with and without body timeouts", async () => {
  await using server = slowServer("openai");
  for (
    const timeouts of [{}, { idleTimeoutMs: 10_000 }, { totalTimeoutMs: 10_000, connectTimeoutMs: 5000 }]
  ) {
    const controller = new AbortController();
    const res = await fetchWithTimeout(`${server.url}/v1/chat/completions`, { method: "POST", body: "{}" }, {
      signal: controller.signal,
      ...timeouts,
    });
    const reader = res.body!.getReader();
    await reader.read();
    gc();
    controller.abort();
    const error = await bounded(reader.read().then(() => undefined, (e) => e), 1500);
    assert.ok(error !== undefined, `${JSON.stringify(timeouts)}: the body read on instead of failing`);
    if (Object.keys(timeouts).length > 0) {
      assert.ok(
        error instanceof SwebenchError && error.kind === "interrupted",
      );
    } else assert.equal((error as DOMException).name, "AbortError"); // the signal's reason, as plain fetch gives
  }
});

Deno.test("abort after GC: every provider's stream ends in one interrupted error at once", async () => {
  for (const kind of ["openai", "anthropic", "ollama", "gemini", "azure"] as const) {
    await using server = slowServer(kind);
    for (const timeouts of [undefined, {}]) {
      const controller = new AbortController();
      const stream = providerFor(kind, server.url, timeouts).stream({ model: MODEL[kind], prompt: "hi" }, {
        signal: controller.signal,
      });
      const reader = stream.getReader();
      const first = await bounded(reader.read());
      gc();
      controller.abort();
      reader.releaseLock();
      const rest = await readAll(stream, 1500);
      const t = terminal([first.value!, ...rest]);
      assert.equal(t.type, "error", `${kind} timeouts=${JSON.stringify(timeouts)}`);
      if (t.type === "error") assert.equal(t.error.kind, "interrupted");
    }
  }
});
