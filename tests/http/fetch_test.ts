import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/mod.ts";
import { errorFromResponse, fetchWithTimeout } from "../../src/http/mod.ts";

const te = new TextEncoder();

interface TestServer extends AsyncDisposable {
  base: string;
}

function serve(handler: (req: Request) => Response | Promise<Response>): TestServer {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Wait for `p`, at most `ms` (the timer is cleared either way). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | "timed out"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<"timed out">((r) => (timer = setTimeout(r, ms, "timed out")))]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A response body that sends `first` and then nothing, until the client goes away. */
function stalled(first: string, cancelled: { resolve: () => void }): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(te.encode(first));
    },
    cancel() {
      cancelled.resolve();
    },
  });
}

function isError(kind: string, pattern?: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof SwebenchError, `expected a SwebenchError, got ${e}`);
    assert.equal(e.kind, kind, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

Deno.test("fetch: without timeouts the response passes through", async () => {
  await using server = serve(() => new Response("hello", { status: 201, headers: { "x-a": "1" } }));
  const res = await fetchWithTimeout(`${server.base}/x`, { method: "POST", body: "{}" });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("x-a"), "1");
  assert.equal(await res.text(), "hello");
});

Deno.test("fetch: a wrapped body keeps status, headers, url and every byte", async () => {
  const payload = Array.from({ length: 50 }, (_, i) => `chunk ${i} ✓\n`);
  await using server = serve(() =>
    new Response(ReadableStream.from(payload.map((p) => te.encode(p))), {
      status: 200,
      statusText: "OK",
      headers: { "content-type": "text/event-stream", "x-request-id": "req_1" },
    })
  );
  const res = await fetchWithTimeout(`${server.base}/stream?a=1`, {}, {
    connectTimeoutMs: 5000,
    totalTimeoutMs: 10_000,
    idleTimeoutMs: 5000,
  });
  assert.equal(res.status, 200);
  assert.equal(res.statusText, "OK");
  assert.equal(res.headers.get("x-request-id"), "req_1");
  assert.equal(res.url, `${server.base}/stream?a=1`);
  assert.equal(await res.text(), payload.join(""));
});

Deno.test("fetch: connect timeout (the server delays its headers)", async () => {
  const release = deferred();
  await using server = serve(async () => {
    await release.promise;
    return new Response("late");
  });
  try {
    await assert.rejects(
      () =>
        fetchWithTimeout(server.base, {}, {
          provider: "ollama",
          connectTimeoutMs: 100,
          connectionHint: "Start it with `ollama serve`.",
        }),
      (e) => {
        isError("timeout", /^ollama: .*100 ms \(connect timeout\)$/)(e);
        assert.equal((e as SwebenchError).hint, "Start it with `ollama serve`.");
        assert.equal((e as SwebenchError).retryable, true);
        return true;
      },
    );
  } finally {
    release.resolve();
  }
});

Deno.test("fetch: total timeout before the headers", async () => {
  const release = deferred();
  await using server = serve(async () => {
    await release.promise;
    return new Response("late");
  });
  try {
    await assert.rejects(
      () => fetchWithTimeout(server.base, {}, { totalTimeoutMs: 120, idleTimeoutMs: 5000 }),
      isError("timeout", /total timeout of 120 ms/),
    );
  } finally {
    release.resolve();
  }
});

Deno.test("fetch: idle timeout (the server stalls mid-body)", async () => {
  const cancelled = deferred();
  await using server = serve(() => new Response(stalled("data: first\n\n", cancelled)));
  const res = await fetchWithTimeout(server.base, {}, {
    provider: "openai",
    idleTimeoutMs: 100,
    totalTimeoutMs: 20_000,
  });
  const reader = res.body!.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), "data: first\n\n");
  await assert.rejects(
    () => reader.read(),
    isError("timeout", /^openai: .*no data for 100 ms \(idle timeout\)$/),
  );
  assert.notEqual(await within(cancelled.promise, 5000), "timed out", "the server saw the connection closed");
});

Deno.test("fetch: the idle timeout also errors a body piped into a decoder", async () => {
  const cancelled = deferred();
  await using server = serve(() => new Response(stalled("line 1\n", cancelled)));
  const res = await fetchWithTimeout(server.base, {}, { idleTimeoutMs: 80 });
  const text = res.body!.pipeThrough(new TextDecoderStream());
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const t of text) seen.push(t);
  }, isError("timeout", /idle timeout/));
  assert.deepEqual(seen, ["line 1\n"]);
  await within(cancelled.promise, 5000);
});

Deno.test("fetch: total timeout while data keeps flowing", async () => {
  const cancelled = deferred();
  let interval: ReturnType<typeof setInterval> | undefined;
  await using server = serve(() =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          interval = setInterval(() => c.enqueue(te.encode("tick\n")), 15);
        },
        cancel() {
          clearInterval(interval);
          cancelled.resolve();
        },
      }),
    )
  );
  try {
    const res = await fetchWithTimeout(server.base, {}, { totalTimeoutMs: 250, idleTimeoutMs: 2000 });
    const reader = res.body!.getReader();
    let chunks = 0;
    await assert.rejects(async () => {
      for (let i = 0; i < 10_000; i++) {
        if ((await reader.read()).done) break;
        chunks++;
      }
    }, isError("timeout", /total timeout of 250 ms/));
    assert.ok(chunks > 1, `received ${chunks} chunks`);
    assert.notEqual(await within(cancelled.promise, 5000), "timed out");
  } finally {
    clearInterval(interval);
  }
});

Deno.test("fetch: every chunk restarts the idle timeout", async () => {
  let interval: ReturnType<typeof setInterval> | undefined;
  await using server = serve(() => {
    let sent = 0;
    return new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          interval = setInterval(() => {
            c.enqueue(te.encode("."));
            if (++sent === 60) {
              clearInterval(interval);
              c.close();
            }
          }, 10);
        },
        cancel() {
          clearInterval(interval);
        },
      }),
    );
  });
  try {
    // The body takes well over 250 ms in all, but no gap between chunks comes near it.
    const res = await fetchWithTimeout(server.base, {}, { idleTimeoutMs: 250 });
    assert.equal(await res.text(), ".".repeat(60));
  } finally {
    clearInterval(interval);
  }
});

Deno.test("fetch: a slow consumer does not trip the idle timeout", async () => {
  await using server = serve(() =>
    new Response(ReadableStream.from(["a", "b", "c"].map((s) => te.encode(s))))
  );
  const res = await fetchWithTimeout(server.base, {}, { idleTimeoutMs: 40 });
  const reader = res.body!.getReader();
  let text = "";
  for (let i = 0; i < 10; i++) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    await sleep(100); // longer than the idle timeout, but the client, not the server, is idle
  }
  assert.equal(text, "abc");
});

Deno.test("fetch: cancelling a wrapped body clears its timers and closes the connection", async () => {
  const cancelled = deferred();
  await using server = serve(() => new Response(stalled("x", cancelled)));
  const res = await fetchWithTimeout(server.base, {}, { totalTimeoutMs: 60_000, idleTimeoutMs: 30_000 });
  const reader = res.body!.getReader();
  await reader.read();
  await reader.cancel("enough");
  assert.notEqual(await within(cancelled.promise, 5000), "timed out");
  // Deno's sanitizers fail this test if the 60 s / 30 s timers were left running.
});

Deno.test("fetch: connection refused -> connection, with the hint and without the URL's secrets", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  await assert.rejects(
    () =>
      fetchWithTimeout(`http://127.0.0.1:${port}/api/chat?key=SECRET-KEY-1234`, {}, {
        provider: "ollama",
        connectTimeoutMs: 5000,
        connectionHint: "Start it with `ollama serve`.",
        secrets: ["SECRET-KEY-1234"],
      }),
    (e) => {
      isError("connection", new RegExp(`^ollama: cannot connect to http://127\\.0\\.0\\.1:${port}`))(e);
      const err = e as SwebenchError;
      assert.equal(err.hint, "Start it with `ollama serve`.");
      assert.match(err.message, /refused/i);
      assert.ok(!err.message.includes("SECRET"), err.message);
      assert.ok(!err.message.includes("/api/chat"), err.message);
      return true;
    },
  );
  // Without timeouts or hint: still a connection error with the generic hint.
  await assert.rejects(() => fetchWithTimeout(`http://127.0.0.1:${port}/`, {}), (e) => {
    isError("connection")(e);
    assert.match((e as SwebenchError).hint, /server up/);
    return true;
  });
});

Deno.test("fetch: the connection dropped mid-body -> connection", async () => {
  // A raw TCP server: headers and one chunk of a chunked body, then the connection closes.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    await conn.read(new Uint8Array(4096));
    await conn.write(te.encode("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n7\r\npartial\r\n"));
    conn.close();
  })();
  try {
    const res = await fetchWithTimeout(`http://127.0.0.1:${listener.addr.port}/`, {}, {
      idleTimeoutMs: 5000,
      provider: "p",
    });
    await assert.rejects(() => res.text(), (e) => {
      isError("connection", /^p: connection to http:\/\/127\.0\.0\.1:\d+ lost while reading the response/)(e);
      return true;
    });
  } finally {
    await served;
    listener.close();
  }
});

Deno.test("fetch: caller abort before the headers -> interrupted", async () => {
  const release = deferred();
  await using server = serve(async () => {
    await release.promise;
    return new Response("late");
  });
  try {
    const controller = new AbortController();
    const pending = fetchWithTimeout(server.base, {}, {
      signal: controller.signal,
      connectTimeoutMs: 10_000,
    });
    await sleep(30);
    controller.abort();
    await assert.rejects(() => pending, isError("interrupted", /aborted/));

    // init.signal counts as the caller's signal too; no timeouts at all.
    const c2 = new AbortController();
    const p2 = fetchWithTimeout(server.base, { signal: c2.signal });
    await sleep(30);
    c2.abort();
    await assert.rejects(() => p2, isError("interrupted"));
  } finally {
    release.resolve();
  }
});

Deno.test("fetch: abort reasons — already aborted, a SwebenchError reason, a TimeoutError reason", async () => {
  let calls = 0;
  const counting: typeof fetch = () => {
    calls++;
    return Promise.resolve(new Response("x"));
  };
  await assert.rejects(
    () => fetchWithTimeout("http://127.0.0.1:9/", {}, { signal: AbortSignal.abort(), fetch: counting }),
    isError("interrupted"),
  );
  assert.equal(calls, 0);
  const budget = new SwebenchError("budget", "over budget");
  await assert.rejects(
    () => fetchWithTimeout("http://127.0.0.1:9/", {}, { signal: AbortSignal.abort(budget), fetch: counting }),
    (e) => e === budget,
  );
  const timedOut = AbortSignal.abort(new DOMException("signal timed out", "TimeoutError"));
  await assert.rejects(
    () => fetchWithTimeout("http://127.0.0.1:9/", {}, { signal: timedOut, fetch: counting }),
    isError("timeout", /caller's signal/),
  );
});

Deno.test("fetch: caller abort mid-body -> interrupted (wrapped body), the signal's reason (plain body)", async () => {
  const cancelled1 = deferred();
  const cancelled2 = deferred();
  let n = 0;
  await using server = serve(() => new Response(stalled("first", n++ === 0 ? cancelled1 : cancelled2)));

  const c1 = new AbortController();
  const res1 = await fetchWithTimeout(server.base, {}, { signal: c1.signal, idleTimeoutMs: 30_000 });
  const r1 = res1.body!.getReader();
  await r1.read();
  const pending = r1.read();
  c1.abort();
  await assert.rejects(() => pending, isError("interrupted"));
  await within(cancelled1.promise, 5000);

  const c2 = new AbortController();
  const res2 = await fetchWithTimeout(server.base, {}, { signal: c2.signal, connectTimeoutMs: 5000 });
  const r2 = res2.body!.getReader();
  await r2.read();
  const reason = new Error("stop");
  c2.abort(reason);
  await assert.rejects(() => r2.read(), (e) => e === reason);
  await within(cancelled2.promise, 5000);
});

Deno.test("fetch: injected fetch failures, invalid URLs and requests", async () => {
  const failing = (e: unknown): typeof fetch => () => Promise.reject(e);
  await assert.rejects(
    () =>
      fetchWithTimeout("https://api.example.com/v1", {}, {
        provider: "x",
        fetch: failing(new TypeError("fetch failed", { cause: new Error("connection reset by peer") })),
      }),
    isError("connection", /^x: cannot connect to https:\/\/api\.example\.com \(connection reset by peer\)$/),
  );
  const econn = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
  await assert.rejects(
    () => fetchWithTimeout("http://127.0.0.1:1/", {}, { fetch: failing(econn) }),
    isError("connection"),
  );
  const reset = new Deno.errors.ConnectionReset("Connection reset by peer (os error 104)");
  await assert.rejects(
    () => fetchWithTimeout("http://127.0.0.1:1/", {}, { fetch: failing(reset) }),
    isError("connection"),
  );
  await assert.rejects(
    () =>
      fetchWithTimeout("http://127.0.0.1:1/", {}, {
        fetch: failing(new TypeError('Invalid header value: "a\nb"')),
      }),
    isError("invalid_request", /Invalid header value/),
  );
  await assert.rejects(
    () => fetchWithTimeout("not a url?key=SECRET-1234", {}, { provider: "openai", secrets: ["SECRET-1234"] }),
    (e) => {
      isError("config", /^openai: invalid URL/)(e);
      assert.ok(!(e as SwebenchError).message.includes("SECRET"));
      return true;
    },
  );
});

Deno.test("fetch: an error response goes to errorFromResponse", async () => {
  await using server = serve(() =>
    Response.json(
      {
        type: "error",
        error: { type: "rate_limit_error", message: "Number of requests has exceeded your rate limit" },
      },
      { status: 429, headers: { "retry-after": "1", "request-id": "req_42" } },
    )
  );
  const res = await fetchWithTimeout(`${server.base}/v1/messages`, { method: "POST", body: "{}" }, {
    totalTimeoutMs: 5000,
    idleTimeoutMs: 5000,
  });
  assert.equal(res.status, 429);
  const e = await errorFromResponse(res, { provider: "anthropic" });
  assert.equal(e.kind, "rate_limit");
  assert.equal(e.retryAfterMs, 1000);
  assert.equal(e.requestId, "req_42");
  assert.equal(e.status, 429);
});

Deno.test("fetch: many concurrent requests with all timeouts complete and leave nothing behind", async () => {
  await using server = serve((req) => new Response(`echo ${new URL(req.url).searchParams.get("i")}`));
  const texts = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      fetchWithTimeout(`${server.base}/?i=${i}`, {}, {
        signal: new AbortController().signal,
        connectTimeoutMs: 5000,
        totalTimeoutMs: 10_000,
        idleTimeoutMs: 5000,
      }).then((r) => r.text())),
  );
  assert.deepEqual(texts, Array.from({ length: 40 }, (_, i) => `echo ${i}`));
});
