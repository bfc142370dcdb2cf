/**
 * HTTP-level hostility for every provider, plain and streamed: gateway error pages, 429 hints as HTTP dates and
 * milliseconds, bodiless 503s, headers then a dropped connection, slowloris trickles (the idle timeout must not
 * fire while bytes arrive; the total timeout must), stalls, compressed bodies, same-origin redirects, empty 200s.
 */
import assert from "node:assert/strict";
import { brotliCompressSync } from "node:zlib";
import { SwebenchError, type UnifiedResponse } from "../../src/core/mod.ts";
import {
  anthropicEvents,
  anthropicMessage,
  azureCompletion,
  azureEvents,
  geminiEvents,
  geminiResponse,
  KEY,
  ndjson,
  ollamaLines,
  openAICompletion,
  openAIEvents,
  PLAIN_STYLE,
  sse,
  streamError,
  terminal,
  TEXT,
  textOf,
} from "./_bodies.ts";
import {
  answerSideCalls,
  failed,
  generateFrom,
  isStreamed,
  type Kind,
  MODEL,
  pathOf,
  providerFor,
  type Serve,
  STREAM_TYPE,
  streamFrom,
  succeeded,
} from "./_providers.ts";
import { bounded, bytewise, randomPieces, rawServer, readAll, reply, rng } from "./_server.ts";

const KINDS: Kind[] = ["openai", "anthropic", "ollama", "gemini", "azure"];

function streamBody(kind: Kind, text = TEXT): string {
  switch (kind) {
    case "openai":
      return sse(openAIEvents({ text }), PLAIN_STYLE);
    case "anthropic":
      return sse(anthropicEvents({ text }), PLAIN_STYLE);
    case "ollama":
      return ndjson(ollamaLines({ text }), { eol: "lf", blanks: false, pad: false, finalNewline: true });
    case "gemini":
      return sse(geminiEvents({ text }), PLAIN_STYLE);
    case "azure":
      return sse(azureEvents({ text }), PLAIN_STYLE);
  }
}

function plainBody(kind: Kind, text = TEXT): string {
  switch (kind) {
    case "openai":
      return JSON.stringify(openAICompletion(text));
    case "anthropic":
      return JSON.stringify(anthropicMessage(text));
    case "ollama":
      return JSON.stringify({ ...ollamaLines().at(-1), message: { role: "assistant", content: text } });
    case "gemini":
      return JSON.stringify(geminiResponse(text));
    case "azure":
      return JSON.stringify(azureCompletion(text));
  }
}

/** Run `check` on the plain call and on the stream of every provider, for one served error. */
async function bothWays(
  serve: (kind: Kind, streamed: boolean) => Serve,
  check: (e: SwebenchError, label: string) => void,
): Promise<void> {
  for (const kind of KINDS) {
    const plain = await generateFrom(kind, serve(kind, false));
    assert.ok(plain instanceof SwebenchError, `${kind} plain: expected an error`);
    check(plain, `${kind} plain`);
    const events = await streamFrom(kind, serve(kind, true));
    const t = terminal(events);
    assert.equal(t.type, "error", `${kind} stream: ${JSON.stringify(t)}`);
    if (t.type === "error") check(t.error, `${kind} stream`);
  }
}

const gateway = (status: number, title: string) =>
  `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

Deno.test("http: 502/504 gateway HTML pages are server errors with a one-line message", async () => {
  for (const [status, title] of [[502, "Bad Gateway"], [504, "Gateway Time-out"]] as const) {
    await bothWays(
      () => ({ status, body: gateway(status, title), contentType: "text/html" }),
      (e, label) => {
        failed(e, "server");
        assert.equal(e.status, status, label);
        assert.match(e.message, new RegExp(title), label);
        assert.ok(!e.message.includes("<"), `${label}: ${e.message}`);
      },
    );
  }
});

Deno.test("http: 429 with retry-after as an HTTP date and as retry-after-ms", async () => {
  const date = new Date(Date.now() + 30_000).toUTCString();
  await bothWays(
    () => ({ status: 429, body: '{"error":{"message":"slow down"}}', headers: { "retry-after": date } }),
    (e, label) => {
      failed(e, "rate_limit");
      assert.ok(
        e.retryAfterMs !== undefined && e.retryAfterMs > 20_000 && e.retryAfterMs <= 31_000,
        `${label}: ${e.retryAfterMs}`,
      );
    },
  );
  await bothWays(
    () => ({ status: 429, body: "", headers: { "retry-after-ms": "1500", "retry-after": "2" } }),
    (e, label) => {
      failed(e, "rate_limit");
      assert.equal(e.retryAfterMs, 1500, label);
    },
  );
});

Deno.test("http: 503 with no body (empty, close-delimited) is overloaded", async () => {
  await bothWays(() => ({ status: 503, body: "", contentType: null }), (e) => void failed(e, "overloaded"));
  await bothWays(
    () => ({ status: 503, body: "", contentType: null, framing: { type: "close" } }),
    (e) => void failed(e, "overloaded"),
  );
});

Deno.test("http: a 401 body that echoes the key is redacted in message, hint and body", async () => {
  await bothWays(
    () => ({
      status: 401,
      body: JSON.stringify({
        error: { message: `Incorrect API key provided: ${KEY}`, type: "invalid_request_error" },
      }),
    }),
    (e, label) => {
      failed(e, "authentication");
      assert.match(e.body ?? "", /\*\*\*/, label);
    },
  );
});

Deno.test("http: headers then the connection drops (no body, half a body, chunked without its last chunk)", async () => {
  for (const kind of KINDS) {
    for (const dropAfter of [0, 40]) {
      for (const framing of [{ type: "length" } as const, { type: "chunked" } as const]) {
        const label = `${kind} drop=${dropAfter} ${framing.type}`;
        failed(await generateFrom(kind, { body: plainBody(kind), dropAfter, framing }), ["connection"]);
        const events = await streamFrom(kind, { body: streamBody(kind), dropAfter, framing });
        assert.equal(terminal(events).type, "error", label);
        streamError(events, "connection");
      }
    }
    // Without any signal or timeout (the raw fetch body), a plain call answered with a stream that drops.
    for (const dropAfter of [0, 30]) {
      failed(
        await generateFrom(kind, {
          body: streamBody(kind),
          contentType: STREAM_TYPE[kind],
          dropAfter,
          timeouts: {},
        }),
        "connection",
      );
    }
    // Close-delimited: a clean EOF mid-body can only be seen as truncation by the content.
    failed(
      await generateFrom(kind, { body: plainBody(kind), dropAfter: 40, framing: { type: "close" } }),
      "server",
    );
    streamError(
      await streamFrom(kind, { body: streamBody(kind), dropAfter: 200, framing: { type: "close" } }),
      ["connection", "server"],
    );
  }
});

Deno.test("http: 200 with an empty body is an error, plain and streamed, whatever the framing", async () => {
  for (const kind of KINDS) {
    for (
      const framing of [{ type: "length" } as const, { type: "chunked" } as const, { type: "close" } as const]
    ) {
      failed(await generateFrom(kind, { body: "", framing }), ["server", "connection"]);
      streamError(await streamFrom(kind, { body: "", framing }), ["server", "connection"]);
    }
  }
});

// Slowloris: ~12 small writes 40 ms apart (~0.5 s): longer than the idle timeout in total, never idle that long.
const trickle = (kind: Kind, streamed: boolean, timeouts: Serve["timeouts"]): Serve => ({
  body: streamed ? streamBody(kind, "slow but steady") : plainBody(kind, "slow but steady"),
  pieces: (b) => {
    const size = Math.ceil(b.length / 12);
    return Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));
  },
  delay: () => 40,
  timeouts,
});

Deno.test("http: slowloris: bytes trickling in never trip the idle timeout; the total timeout does", async () => {
  await Promise.all(KINDS.map(async (kind) => {
    const idleOnly = { connectTimeoutMs: 2000, idleTimeoutMs: 250, totalTimeoutMs: 10_000 };
    const ok = succeeded(await generateFrom(kind, trickle(kind, false, idleOnly)));
    assert.equal(ok.content, "slow but steady", kind);
    const events = await streamFrom(kind, trickle(kind, true, idleOnly));
    assert.equal(terminal(events).type, "finish", kind);
    assert.equal(textOf(events), "slow but steady");

    const total = { connectTimeoutMs: 2000, idleTimeoutMs: 250, totalTimeoutMs: 200 };
    const e = failed(await generateFrom(kind, trickle(kind, false, total)), "timeout");
    assert.match(e.message, /total timeout/, kind);
    const te = streamError(await streamFrom(kind, trickle(kind, true, total)), "timeout");
    assert.match(te.message, /total timeout/, kind);
  }));
});

Deno.test("http: a stall after some bytes trips the idle timeout; a server that never answers trips the connect timeout", async () => {
  await Promise.all(KINDS.map(async (kind) => {
    const idle = { connectTimeoutMs: 2000, idleTimeoutMs: 150, totalTimeoutMs: 5000 };
    const stall = (streamed: boolean): Serve => ({
      body: streamed ? streamBody(kind) : plainBody(kind),
      pieces: (b) => [b.subarray(0, 60), b.subarray(60)],
      delay: () => 1500,
      timeouts: idle,
    });
    assert.match(failed(await generateFrom(kind, stall(false)), "timeout").message, /idle timeout/);
    assert.match(streamError(await streamFrom(kind, stall(true)), "timeout").message, /idle timeout/);

    // Accept, read the request, never answer.
    await using server = rawServer(async (req, wire) => {
      if (await answerSideCalls(req, wire)) return;
      await wire.sleep(3000);
    });
    const p = providerFor(kind, server.url, {
      connectTimeoutMs: 150,
      idleTimeoutMs: 5000,
      totalTimeoutMs: 5000,
    });
    const events = await readAll(p.stream({ model: MODEL[kind], prompt: "hi" }));
    assert.match(streamError(events, "timeout").message, /connect timeout/);
    // A non-streamed answer's headers come with the finished answer: the total timeout bounds that wait.
    const whole = providerFor(kind, server.url, {
      connectTimeoutMs: 150,
      idleTimeoutMs: 5000,
      totalTimeoutMs: 300,
    });
    const plain = await bounded(
      whole.generate({ model: MODEL[kind], prompt: "hi" }).catch((e) => e as SwebenchError),
    );
    assert.match(failed(plain as SwebenchError, "timeout").message, /total timeout/);
  }));
});

async function compress(text: string, format: "gzip" | "br"): Promise<Uint8Array> {
  if (format === "br") return new Uint8Array(brotliCompressSync(new TextEncoder().encode(text)));
  const stream = ReadableStream.from([new TextEncoder().encode(text)]).pipeThrough(
    new CompressionStream(format),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Deno's fetch sends `accept-encoding: gzip,br` and decodes those two (a server that compresses with an encoding it
// was not offered, such as deflate, is broken for every client and is not covered).
Deno.test("http: gzip and br content-encoding, compressed bytes split in 1-byte writes and chunks", async () => {
  for (const kind of KINDS) {
    for (const format of ["gzip", "br"] as const) {
      const random = rng(format.length);
      const plain = succeeded(
        await generateFrom(kind, {
          body: await compress(plainBody(kind), format),
          headers: { "content-encoding": format, vary: "accept-encoding" },
          pieces: bytewise,
        }),
      );
      assert.equal(plain.content, TEXT, `${kind} ${format}`);
      const events = await streamFrom(kind, {
        body: await compress(streamBody(kind), format),
        headers: { "content-encoding": format },
        framing: { type: "chunked" },
        pieces: randomPieces(random, 16),
        delay: () => (random() < 0.1 ? 1 : 0),
      });
      assert.equal(textOf(events), TEXT, `${kind} ${format}`);
      assert.equal(terminal(events).type, "finish");
    }
  }
});

Deno.test("http: a corrupt gzip body is an error, never a success", async () => {
  for (const kind of KINDS) {
    const good = await compress(streamBody(kind), "gzip");
    const bad = good.slice();
    bad.fill(0x41, 20, 60);
    const events = await streamFrom(kind, { body: bad, headers: { "content-encoding": "gzip" } });
    streamError(events, ["connection", "server"]);
    const r = await generateFrom(kind, { body: bad, headers: { "content-encoding": "gzip" } });
    failed(r, ["connection", "server"]);
  }
});

Deno.test("http: 307/308 redirects to another path on the same server are followed with method, body and key", async () => {
  for (const kind of KINDS) {
    for (const status of [307, 308]) {
      await using server = rawServer(async (req, wire) => {
        if (await answerSideCalls(req, wire)) return;
        if (!req.path.startsWith("/moved")) {
          await reply(wire, {
            status,
            reason: "Redirect",
            headers: { location: `/moved${req.path}` },
            body: "",
          });
          return;
        }
        const streamed = isStreamed(kind, req);
        await reply(wire, {
          headers: { "content-type": streamed ? STREAM_TYPE[kind] : "application/json" },
          body: streamed ? streamBody(kind) : plainBody(kind),
        });
      });
      const p = providerFor(kind, server.url);
      const r: UnifiedResponse = await bounded(p.generate({ model: MODEL[kind], prompt: "hi" }));
      assert.equal(r.content, TEXT, `${kind} ${status}`);
      const events = await readAll(p.stream({ model: MODEL[kind], prompt: "hi" }));
      assert.equal(textOf(events), TEXT);
      const moved = server.requests.filter((q) =>
        q.path === `/moved${pathOf(kind, false)}` || q.path === `/moved${pathOf(kind, true)}`
      );
      assert.equal(moved.length, 2, `${kind} ${status}`);
      for (const q of moved) {
        assert.equal(q.method, "POST");
        // Gemini names the model in the path; the body survived when it still holds the prompt.
        if (kind === "gemini") assert.equal(JSON.stringify(q.json?.contents).includes('"hi"'), true);
        else assert.equal(q.json?.model, MODEL[kind]);
        const auth = q.headers.get("authorization") ?? q.headers.get("x-api-key") ??
          q.headers.get("x-goog-api-key") ?? q.headers.get("api-key") ?? "";
        assert.ok(auth.includes(KEY), `${kind} ${status}: the key header survives a same-origin redirect`);
      }
    }
  }
});

Deno.test("http: the caller aborting mid-stream ends it in one interrupted error, no hang", async () => {
  for (const kind of KINDS) {
    await using server = rawServer(async (req, wire) => {
      if (await answerSideCalls(req, wire)) return;
      await reply(wire, {
        headers: { "content-type": STREAM_TYPE[kind] },
        body: streamBody(kind),
        pieces: (b) => [b.subarray(0, 600), b.subarray(600)],
        delay: () => 2000,
      });
    });
    for (const timeouts of [undefined, {}]) {
      const controller = new AbortController();
      const p = providerFor(kind, server.url, timeouts);
      const stream = p.stream({ model: MODEL[kind], prompt: "hi" }, { signal: controller.signal });
      const reader = stream.getReader();
      const first = await bounded(reader.read());
      assert.equal(first.value?.type, "start");
      controller.abort();
      reader.releaseLock();
      const rest = await readAll(stream);
      const t = terminal([first.value!, ...rest]);
      assert.equal(t.type, "error", kind);
      if (t.type === "error") assert.equal(t.error.kind, "interrupted", `${kind}: ${t.error.message}`);
    }
  }
});

Deno.test("http: the consumer cancelling a stream mid-body returns at once and releases the connection", async () => {
  for (const kind of KINDS) {
    await using server = rawServer(async (req, wire) => {
      if (await answerSideCalls(req, wire)) return;
      await reply(wire, {
        headers: { "content-type": STREAM_TYPE[kind] },
        body: streamBody(kind),
        pieces: (b) => [b.subarray(0, 600), b.subarray(600)],
        delay: () => 3000,
      });
    });
    for (const timeouts of [undefined, {}]) {
      const stream = providerFor(kind, server.url, timeouts).stream({ model: MODEL[kind], prompt: "hi" });
      const reader = stream.getReader();
      assert.equal((await bounded(reader.read())).value?.type, "start");
      await bounded(reader.cancel("enough"), 1500);
      reader.releaseLock();
    }
  }
});

Deno.test("http: 1xx interim responses (100 Continue, 103 Early Hints) before the answer; an HTTP/1.0 close-delimited answer", async () => {
  for (const kind of KINDS) {
    for (
      const preamble of [
        "HTTP/1.1 100 Continue\r\n\r\n",
        "HTTP/1.1 103 Early Hints\r\nlink: </x>; rel=preload\r\n\r\n",
      ]
    ) {
      assert.equal(
        succeeded(await generateFrom(kind, { body: plainBody(kind), preamble })).content,
        TEXT,
        kind,
      );
      const events = await streamFrom(kind, { body: streamBody(kind), preamble });
      assert.equal(textOf(events), TEXT, kind);
    }
    const old: Serve = {
      body: plainBody(kind),
      version: "1.0",
      framing: { type: "close" },
      pieces: randomPieces(rng(3), 50),
    };
    assert.equal(succeeded(await generateFrom(kind, old)).content, TEXT, kind);
    const events = await streamFrom(kind, { ...old, body: streamBody(kind) });
    assert.equal(textOf(events), TEXT, kind);
    assert.equal(terminal(events).type, "finish");
  }
});

Deno.test("http: a redirect to another origin never carries the key (x-api-key, bearer, custom headers)", async () => {
  for (const kind of KINDS) {
    await using other = rawServer(async (req, wire) => {
      const streamed = isStreamed(kind, req);
      await reply(wire, {
        headers: { "content-type": streamed ? STREAM_TYPE[kind] : "application/json" },
        body: streamed ? streamBody(kind) : plainBody(kind),
      });
    });
    await using first = rawServer(async (req, wire) => {
      if (await answerSideCalls(req, wire)) return;
      await reply(wire, {
        status: 307,
        reason: "Temporary Redirect",
        headers: { location: `${other.url}${req.path}` },
        body: "",
      });
    });
    const p = providerFor(kind, first.url);
    assert.equal((await bounded(p.generate({ model: MODEL[kind], prompt: "hi" }))).content, TEXT, kind);
    assert.equal(textOf(await readAll(p.stream({ model: MODEL[kind], prompt: "hi" }))), TEXT, kind);
    assert.ok(other.requests.length >= 2);
    for (const q of other.requests) {
      for (const [name, value] of q.headers) {
        assert.ok(
          !value.includes(KEY) && !value.includes(KEY.slice(3)),
          `${kind}: ${name} sent to another origin`,
        );
      }
      assert.equal(q.method, "POST");
    }
  }
});

Deno.test("http: a redirect loop is one config error, never a hang", async () => {
  for (const kind of KINDS) {
    await using server = rawServer(async (req, wire) => {
      if (await answerSideCalls(req, wire)) return;
      await reply(wire, {
        status: 308,
        reason: "Permanent Redirect",
        headers: { location: req.path },
        body: "",
      });
    });
    const p = providerFor(kind, server.url);
    failed(await bounded(p.generate({ model: MODEL[kind], prompt: "hi" }).catch((e) => e)), "config");
    streamError(await readAll(p.stream({ model: MODEL[kind], prompt: "hi" })), "config");
  }
});

Deno.test("http: a server that stalls after the terminal marker (no last chunk, no close) does not hold the stream", async () => {
  for (const kind of KINDS) {
    const body = new TextEncoder().encode(streamBody(kind));
    const serve: Serve = {
      body: new Uint8Array([
        ...body,
        ...new TextEncoder().encode(kind === "ollama" ? "\n" : ": still here\n\n"),
      ]),
      framing: { type: "chunked" },
      pieces: (b) => [b.subarray(0, body.length), b.subarray(body.length)],
      delay: () => 3000,
    };
    const events = await streamFrom(kind, serve, {});
    assert.equal(terminal(events).type, "finish", kind);
    assert.equal(textOf(events), TEXT);
    const r = succeeded(
      await generateFrom(kind, { ...serve, contentType: STREAM_TYPE[kind] }, { stream: true }),
    );
    assert.equal(r.content, TEXT);
  }
});
