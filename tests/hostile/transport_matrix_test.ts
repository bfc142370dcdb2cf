/**
 * Every provider, plain and streamed, over a raw TCP server, in every HTTP/1.1 body framing (content-length,
 * chunked with 1-byte chunks + chunk extensions + trailers, close-delimited), with random write splits and small
 * delays, and 1-byte writes; with and without body timeouts (the wrapped and the unwrapped body paths).
 */
import assert from "node:assert/strict";
import {
  anthropicEvents,
  anthropicMessage,
  assertNoKey,
  azureCompletion,
  azureEvents,
  geminiEvents,
  geminiResponse,
  ndjson,
  ollamaLines,
  openAICompletion,
  openAIEvents,
  PLAIN_STYLE,
  sse,
  terminal,
  TEXT,
  textOf,
  WILD_STYLE,
} from "./_bodies.ts";
import {
  answerSideCalls,
  isStreamed,
  type Kind,
  MODEL,
  pathOf,
  providerFor,
  STREAM_TYPE,
} from "./_providers.ts";
import {
  bounded,
  bytewise,
  type Framing,
  randomPieces,
  rawServer,
  readAll,
  type Reply,
  reply,
  rng,
} from "./_server.ts";

const TOTAL: Record<Kind, number> = { openai: 60, anthropic: 65, ollama: 42, gemini: 55, azure: 60 };

function streamBody(kind: Kind, wild: boolean, seed: number): string {
  const random = rng(seed);
  switch (kind) {
    case "openai":
      return sse(openAIEvents({ ascii: seed % 3 === 0 }), wild ? WILD_STYLE : PLAIN_STYLE, random);
    case "anthropic":
      return sse(anthropicEvents(), wild ? WILD_STYLE : PLAIN_STYLE, random);
    case "azure":
      return sse(azureEvents({ ascii: seed % 3 === 0 }), wild ? WILD_STYLE : PLAIN_STYLE, random);
    case "ollama":
      return ndjson(
        ollamaLines({ thinking: wild }),
        wild
          ? { eol: "mixed", blanks: true, pad: true, finalNewline: false }
          : { eol: "lf", blanks: false, pad: false, finalNewline: true },
        random,
      );
    case "gemini":
      return sse(geminiEvents({ ascii: seed % 3 === 0 }), wild ? WILD_STYLE : PLAIN_STYLE, random);
  }
}

function plainBody(kind: Kind): string {
  switch (kind) {
    case "openai":
      return JSON.stringify(openAICompletion());
    case "anthropic":
      return JSON.stringify(anthropicMessage());
    case "azure":
      return JSON.stringify(azureCompletion());
    case "ollama":
      return JSON.stringify(ollamaLines().at(-1)).replace(
        '"content":""',
        `"content":${JSON.stringify(TEXT)}`,
      );
    case "gemini":
      return JSON.stringify(geminiResponse());
  }
}

const FRAMINGS: [string, Framing][] = [
  ["content-length", { type: "length" }],
  ["chunked+ext+trailers", {
    type: "chunked",
    extensions: true,
    trailers: { "x-trailer": "1", "server-timing": "a;dur=1" },
  }],
  ["close-delimited", { type: "close" }],
];

async function matrix(kind: Kind): Promise<void> {
  let seed = 1;
  for (const [framingName, framing] of FRAMINGS) {
    for (const split of ["random+delays", "1-byte"] as const) {
      for (const timeouts of [true, false]) {
        seed++;
        const label = `${kind} ${framingName} ${split} timeouts=${timeouts} seed=${seed}`;
        const wild = seed % 2 === 0;
        const random = rng(seed * 7919);
        const server = rawServer(async (req, wire) => {
          if (await answerSideCalls(req, wire)) return;
          const streamed = isStreamed(kind, req);
          assert.equal(req.path, pathOf(kind, streamed));
          const r: Reply = {
            headers: {
              "content-type": streamed ? STREAM_TYPE[kind] : "application/json",
              "x-request-id": "req_hostile",
            },
            body: streamed ? streamBody(kind, wild, seed) : plainBody(kind),
            // hyper (Deno's HTTP client) caps the total size of chunk extensions per body at 16 KiB (a DoS guard):
            // 1-byte chunks each with an extension would pass it, so those carry none.
            framing: split === "1-byte" && framing.type === "chunked"
              ? { ...framing, extensions: false }
              : framing,
            pieces: split === "1-byte" ? bytewise : randomPieces(random, 48),
            delay: split === "1-byte" ? undefined : () => (random() < 0.2 ? 1 : 0),
          };
          await reply(wire, r);
        });
        try {
          const p = providerFor(kind, server.url, timeouts ? undefined : {});
          const events = await readAll(p.stream({ model: MODEL[kind], prompt: "hi" }), 10_000);
          const last = terminal(events);
          assert.equal(last.type, "finish", `${label}: ${JSON.stringify(last)}`);
          assert.equal(textOf(events), TEXT, label);
          assert.equal(last.type === "finish" && last.usage.totalTokens, TOTAL[kind], label);
          const plain = await bounded(p.generate({ model: MODEL[kind], prompt: "hi" }), 10_000);
          assert.equal(plain.content, TEXT, label);
          assert.equal(plain.finishReason, "stop", label);
          assert.equal(plain.usage.totalTokens, TOTAL[kind], label);
          const collected = await bounded(
            p.generate({ model: MODEL[kind], prompt: "hi", stream: true }),
            10_000,
          );
          assert.equal(collected.content, TEXT, label);
          assertNoKey([events, plain.raw, collected.raw]);
        } finally {
          await server.close();
        }
      }
    }
  }
}

Deno.test("transport matrix: OpenAI plain and streamed in every framing and split", () => matrix("openai"));
Deno.test("transport matrix: Anthropic plain and streamed in every framing and split", () =>
  matrix("anthropic"));
Deno.test("transport matrix: Ollama plain and streamed in every framing and split", () => matrix("ollama"));
Deno.test("transport matrix: Gemini plain and streamed in every framing and split", () => matrix("gemini"));
Deno.test("transport matrix: Azure OpenAI plain and streamed in every framing and split", () =>
  matrix("azure"));
