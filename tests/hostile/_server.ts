/**
 * Hostile test servers: a raw TCP HTTP/1.1 server (byte-level control of framing: 1-byte chunks, chunk
 * extensions, trailers, close-delimited bodies, random write splits with delays, drops) and a few helpers.
 * Independent of tests/simulator on purpose.
 */
import { mulberry32 } from "../../src/swebench/prng.ts";

/** A request as the raw server parsed it. */
export interface RawRequest {
  method: string;
  path: string;
  headers: Headers;
  body: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: Record<string, unknown> | undefined;
}

/** The connection as a handler sees it. */
export interface Wire {
  /** Write all bytes (a closed connection makes this a no-op). */
  write(data: Uint8Array | string): Promise<void>;
  /** Sleep (returns at once when the server is closing). */
  sleep(ms: number): Promise<void>;
  /** True once the peer went away or the server is closing. */
  readonly closed: boolean;
}

/** Handles one request; the connection is closed when it returns. */
export type RawHandler = (req: RawRequest, wire: Wire) => Promise<void>;

/** A running raw server. */
export interface RawServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RawRequest[];
  close(): Promise<void>;
}

const te = new TextEncoder();
const td = new TextDecoder();

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Start a raw HTTP/1.1 server on 127.0.0.1 (ephemeral port). One request per connection. */
export function rawServer(handler: RawHandler): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const requests: RawRequest[] = [];
  const conns = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  const sleepers = new Set<() => void>();
  let closing = false;

  const serve = async (conn: Deno.Conn): Promise<void> => {
    let gone = false;
    const wire: Wire = {
      async write(data) {
        if (gone || closing) return;
        let bytes = typeof data === "string" ? te.encode(data) : data;
        try {
          while (bytes.length > 0) {
            const n = await conn.write(bytes);
            bytes = bytes.subarray(n);
          }
        } catch {
          gone = true;
        }
      },
      sleep(ms) {
        if (closing || ms <= 0) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            sleepers.delete(done);
            resolve();
          };
          const timer = setTimeout(done, ms);
          sleepers.add(done);
        });
      },
      get closed() {
        return gone || closing;
      },
    };
    try {
      let buf: Uint8Array = new Uint8Array(0);
      const chunk = new Uint8Array(16 * 1024);
      let headEnd = -1;
      while ((headEnd = indexOf(buf, te.encode("\r\n\r\n"))) === -1) {
        const n = await conn.read(chunk);
        if (n === null) return;
        buf = concat(buf, chunk.subarray(0, n));
      }
      const head = td.decode(buf.subarray(0, headEnd)).split("\r\n");
      const [method, path] = head[0].split(" ");
      const headers = new Headers();
      for (const line of head.slice(1)) {
        const colon = line.indexOf(":");
        if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
      const length = Number(headers.get("content-length") ?? "0");
      let body = buf.subarray(headEnd + 4);
      while (body.length < length) {
        const n = await conn.read(chunk);
        if (n === null) break;
        body = concat(body, chunk.subarray(0, n));
      }
      const text = td.decode(body);
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const req: RawRequest = { method, path, headers, body: text, json };
      requests.push(req);
      await handler(req, wire);
    } catch {
      // The client went away: nothing to do.
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  };

  const accept = (async () => {
    while (!closing) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      if (closing) {
        conn.close();
        return;
      }
      conns.add(conn);
      const task = serve(conn);
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  })();

  const close = async () => {
    if (closing) return;
    closing = true;
    for (const wake of [...sleepers]) wake();
    try {
      listener.close();
    } catch {
      // already closed
    }
    await accept;
    // Handlers finish quickly once `closing` (writes no-op, sleeps return); give them a moment, then force.
    const all = Promise.all([...tasks]);
    const timeout = new Promise<void>((r) => {
      const t = setTimeout(r, 1000);
      all.finally(() => clearTimeout(t));
    });
    await Promise.race([all, timeout]);
    for (const c of conns) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
    await all;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}

// ---------------------------------------------------------------- responses

/** How the body is framed on the wire. */
export type Framing =
  | { type: "length" }
  | { type: "close" }
  | { type: "chunked"; extensions?: boolean; trailers?: Record<string, string> };

/** A response to write. */
export interface Reply {
  status?: number;
  reason?: string;
  headers?: Record<string, string>;
  body: Uint8Array | string;
  framing?: Framing;
  /** The body split into writes (default: one write). With chunked framing each piece is one chunk. */
  pieces?: (body: Uint8Array) => Uint8Array[];
  /** Sleep between writes (ms). */
  delay?: () => number;
  /** Write only this many body bytes, then drop the connection (framing still announces the full body). */
  dropAfter?: number;
  /** Raw bytes written before the status line (1xx interim responses). */
  preamble?: string;
  /** HTTP version of the status line (default 1.1). */
  version?: "1.0" | "1.1";
}

/** Write a whole response (head, framed body) onto the wire. */
export async function reply(wire: Wire, r: Reply): Promise<void> {
  const body = typeof r.body === "string" ? te.encode(r.body) : r.body;
  const framing = r.framing ?? { type: "length" };
  const status = r.status ?? 200;
  if (r.preamble) await wire.write(r.preamble);
  const lines = [`HTTP/${r.version ?? "1.1"} ${status} ${r.reason ?? (status === 200 ? "OK" : "Status")}`];
  for (const [k, v] of Object.entries(r.headers ?? {})) lines.push(`${k}: ${v}`);
  if (framing.type === "length") lines.push(`content-length: ${body.length}`);
  if (framing.type === "chunked") {
    lines.push("transfer-encoding: chunked");
    if (framing.trailers) lines.push(`trailer: ${Object.keys(framing.trailers).join(", ")}`);
  }
  lines.push("connection: close");
  await wire.write(`${lines.join("\r\n")}\r\n\r\n`);
  const sent = r.dropAfter === undefined ? body : body.subarray(0, r.dropAfter);
  const pieces = (r.pieces ?? ((b) => [b]))(sent).filter((p) => p.length > 0);
  let first = true;
  for (const piece of pieces) {
    if (!first && r.delay) await wire.sleep(r.delay());
    first = false;
    if (wire.closed) return;
    if (framing.type === "chunked") {
      const ext = framing.extensions ? `;x-ext=1;name="v"` : "";
      await wire.write(`${piece.length.toString(16)}${ext}\r\n`);
      await wire.write(piece);
      await wire.write("\r\n");
    } else {
      await wire.write(piece);
    }
  }
  if (r.dropAfter !== undefined) return; // the connection closes without the end of the body
  if (framing.type === "chunked") {
    let end = "0\r\n";
    for (const [k, v] of Object.entries(framing.trailers ?? {})) end += `${k}: ${v}\r\n`;
    await wire.write(`${end}\r\n`);
  }
}

// ---------------------------------------------------------------- splitting

/** A small seeded PRNG (mulberry32), so a failure names its seed. */
export const rng: (seed: number) => () => number = mulberry32;

/** Split into pieces of random length 1..max. */
export function randomPieces(random: () => number, max: number): (b: Uint8Array) => Uint8Array[] {
  return (b) => {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < b.length) {
      const n = 1 + Math.floor(random() * max);
      out.push(b.subarray(i, i + n));
      i += n;
    }
    return out;
  };
}

/** Split into 1-byte pieces. */
export const bytewise = (b: Uint8Array): Uint8Array[] =>
  Array.from({ length: b.length }, (_, i) => b.subarray(i, i + 1));

/** Split in two at `at` (bytes). */
export const cutAt = (at: number) => (b: Uint8Array): Uint8Array[] => [b.subarray(0, at), b.subarray(at)];

// ---------------------------------------------------------------- consuming

/** Read a stream to its end with a hard time bound (rejects "hang" when it does not end in time). */
export async function readAll<T>(stream: ReadableStream<T>, ms = 5000): Promise<T[]> {
  const out: T[] = [];
  const reader = stream.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: no end after ${ms} ms`)), ms);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), hang]);
      if (done) return out;
      out.push(value);
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Await a promise with a hard time bound. */
export async function bounded<T>(p: Promise<T>, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`hang: no result after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
