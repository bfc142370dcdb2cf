/**
 * Keep-alives are not data: a stream that sends only pings (Anthropic `event: ping`, SSE comments) ends after the
 * idle timeout, while a stream that keeps sending data that gives no text (a model's thinking deltas, an
 * OpenAI-compatible server's `reasoning_content`) runs as long as it needs.
 */
import assert from "node:assert/strict";
import type { StreamEvent } from "../../src/core/mod.ts";
import { createAnthropicProvider } from "../../src/providers/anthropic/provider.ts";
import { KEY } from "./_bodies.ts";
import { rawServer, readAll } from "./_server.ts";

const HEAD = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const START = sse("message_start", {
  type: "message_start",
  message: {
    id: "m",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content: [],
    usage: { input_tokens: 5, output_tokens: 1 },
  },
});
const END = sse("content_block_start", {
  type: "content_block_start",
  index: 1,
  content_block: { type: "text", text: "" },
}) +
  sse("content_block_delta", {
    type: "content_block_delta",
    index: 1,
    delta: { type: "text_delta", text: "done" },
  }) +
  sse("message_delta", {
    type: "message_delta",
    delta: { stop_reason: "end_turn" },
    usage: { output_tokens: 9 },
  }) +
  sse("message_stop", { type: "message_stop" });

/** A server that sends `beats` keep-alives or thinking deltas 100 ms apart, then (for thinking) the answer. */
function server(kind: "ping" | "comment" | "thinking", beats: number) {
  return rawServer(async (_req, wire) => {
    await wire.write(HEAD + START);
    if (kind === "thinking") {
      await wire.write(
        sse("content_block_start", {
          type: "content_block_start",
          index: 0,
          content_block: { type: "thinking", thinking: "" },
        }),
      );
    }
    for (let i = 0; i < beats && !wire.closed; i++) {
      await wire.sleep(100);
      if (kind === "ping") await wire.write(sse("ping", { type: "ping" }));
      else if (kind === "comment") await wire.write(": keep-alive\n\n");
      else {await wire.write(
          sse("content_block_delta", {
            type: "content_block_delta",
            index: 0,
            delta: { type: "thinking_delta", thinking: "hmm " },
          }),
        );}
    }
    await wire.write(END);
  });
}

async function run(kind: "ping" | "comment" | "thinking"): Promise<StreamEvent[]> {
  // 15 beats of 100 ms: 1.5 s of pings against a 600 ms idle timeout.
  await using s = server(kind, 15);
  const p = createAnthropicProvider({
    baseUrl: s.url,
    apiKey: KEY,
    timeouts: { connectTimeoutMs: 2000, idleTimeoutMs: 600, totalTimeoutMs: 10_000 },
  });
  return await readAll(p.stream({ model: "claude-sonnet-4-5", prompt: "hi", maxTokens: 64 }), 8000);
}

Deno.test("a stream of pings only (event: ping, or SSE comments) ends with the idle timeout", async () => {
  for (const kind of ["ping", "comment"] as const) {
    const events = await run(kind);
    const last = events.at(-1)!;
    assert.equal(last.type, "error", kind);
    if (last.type === "error") {
      assert.equal(last.error.kind, "timeout");
      assert.match(last.error.message, /sent only keep-alive pings, no data, for 1 s \(idle timeout\)/);
    }
    assert.ok(!events.some((e) => e.type === "text-delta"), kind);
  }
});

Deno.test("thinking deltas are data: a long thinking phase is not cut by the idle timeout", async () => {
  const events = await run("thinking");
  const last = events.at(-1)!;
  assert.equal(last.type, "finish", JSON.stringify(last));
  assert.equal(
    events.filter((e) => e.type === "text-delta").map((e) => e.type === "text-delta" ? e.text : "").join(""),
    "done",
  );
});
