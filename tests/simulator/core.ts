/**
 * The server core shared by every simulator: Deno.serve on 127.0.0.1:0, the request log, the model-call counter
 * and fault selection, the rate window, dropped connections and a clean shutdown.
 *
 * @module
 */

import { RateWindow } from "./rate_window.ts";
import type { Fault, SimOptions, SimRequest, Simulator } from "./types.ts";
import { sleep } from "./util.ts";

/** What a vendor handler gets for one request. */
export interface HandlerContext {
  /** The request (body already consumed into `log.body`). */
  request: Request;
  /** Parsed URL. */
  url: URL;
  /** The log entry (also in `core.requests`). */
  log: SimRequest;
  /** True when the body was present and valid JSON. */
  json: boolean;
  /** The parsed form of a `multipart/form-data` body (its fields are also summarised in `log.body`). */
  form?: FormData;
  /** Aborted when the sim closes (a client that goes away cancels its body stream instead). */
  signal: AbortSignal;
}

/** A vendor's request handler. */
export type VendorHandler = (ctx: HandlerContext) => Response | Promise<Response>;

/**
 * State and lifecycle of one simulator.
 *
 * @example
 * ```ts
 * const core = new SimCore({});
 * await core.start(() => new Response("ok"));
 * await core.close();
 * ```
 */
export class SimCore<O extends SimOptions = SimOptions> {
  /** Current options. */
  options: O;
  /** Every request received. */
  readonly requests: SimRequest[] = [];
  /** The rate window, when `rateLimit` is configured. */
  window: RateWindow | undefined;
  /** Aborted by `close()`. */
  readonly closing: AbortController = new AbortController();
  /** Origin of the server. */
  url = "";
  #calls = 0;
  #batchCalls = 0;
  #server: Deno.HttpServer | undefined;
  #drop: Deno.Listener | undefined;
  #dropUrl = "";
  #dropConns = new Set<Deno.Conn>();
  #dropLoop: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  /** Create a core with initial options. */
  constructor(options: O) {
    this.options = { ...options };
    this.window = options.rateLimit ? new RateWindow(options.rateLimit) : undefined;
  }

  /** Start listening. */
  start(handler: VendorHandler): Promise<void> {
    this.#drop = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
    this.#dropUrl = `http://127.0.0.1:${(this.#drop.addr as Deno.NetAddr).port}/dropped`;
    this.#dropLoop = this.#acceptDrops(this.#drop);
    this.#server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen() {},
      onError(error) {
        return new Response(JSON.stringify({ error: { message: String(error), type: "server_error" } }), {
          status: 500,
          headers: { "content-type": "application/json" },
        });
      },
    }, (request) => this.#handle(request, handler));
    this.url = `http://127.0.0.1:${(this.#server.addr as Deno.NetAddr).port}`;
    return Promise.resolve();
  }

  async #handle(request: Request, handler: VendorHandler): Promise<Response> {
    const url = new URL(request.url);
    const log: SimRequest = {
      method: request.method,
      path: url.pathname,
      search: url.search,
      headers: request.headers,
      body: undefined,
      receivedAt: Date.now(),
    };
    this.requests.push(log);
    let json = false;
    let form: FormData | undefined;
    if (request.body && (request.headers.get("content-type") ?? "").startsWith("multipart/form-data")) {
      try {
        form = await request.formData();
      } catch {
        log.status = 400;
        return new Response("bad multipart body", { status: 400 });
      }
      const summary: Record<string, unknown> = {};
      for (const [k, v] of form) {
        summary[k] = typeof v === "string" ? v : { filename: v.name, bytes: v.size, type: v.type };
      }
      log.body = summary;
    } else if (request.body) {
      let text: string;
      try {
        text = await request.text();
      } catch {
        log.status = 400;
        return new Response("bad request body", { status: 400 });
      }
      if (text.length > 0) {
        try {
          log.body = JSON.parse(text);
          json = true;
        } catch {
          log.body = text;
        }
      }
    }
    // request.signal is not used: Deno aborts it after every successful response (and warns about it).
    const signal = this.closing.signal;
    const response = await handler({ request, url, log, json, form, signal });
    log.status ??= response.status;
    return response;
  }

  async #acceptDrops(listener: Deno.Listener): Promise<void> {
    try {
      for await (const conn of listener) {
        this.#dropConns.add(conn);
        // Read what the client sent (so the close is a clean FIN rather than a reset), then close.
        conn.read(new Uint8Array(65536)).catch(() => null).finally(() => {
          this.#dropConns.delete(conn);
          try {
            conn.close();
          } catch { /* already closed */ }
        });
      }
    } catch { /* listener closed */ }
  }

  /** Merge options (see {@linkcode Simulator.setOptions}). */
  setOptions(options: Partial<O>): void {
    this.options = { ...this.options, ...options };
    if ("faults" in options) this.#calls = 0;
    if ("batch" in options) this.#batchCalls = 0;
    if ("rateLimit" in options) {
      this.window = options.rateLimit ? new RateWindow(options.rateLimit) : undefined;
    }
  }

  /** Assign the model-call index `n` and pick its fault. */
  beginModelCall(log: SimRequest): Fault | undefined {
    const n = this.#calls++;
    log.n = n;
    const faults = this.options.faults;
    const fault = typeof faults === "function" ? faults(n, log) : faults?.[n];
    if (fault) log.fault = fault;
    return fault;
  }

  /** Assign the batch-call index `n` (files, batches, message batches) and pick its fault from `batch.faults`. */
  beginBatchCall(log: SimRequest): Fault | undefined {
    const n = this.#batchCalls++;
    log.n = n;
    const faults = this.options.batch?.faults;
    const fault = typeof faults === "function" ? faults(n, log) : faults?.[n];
    if (fault) log.fault = fault;
    return fault;
  }

  /**
   * The common start of a model call: apply latency, then `drop`. Returns a response to send as is, or
   * `undefined` to go on (the caller answers `status` faults in its vendor's shape).
   */
  async prelude(
    log: SimRequest,
    fault: Fault | undefined,
    signal: AbortSignal,
  ): Promise<Response | undefined> {
    const wait = (this.options.latencyMs ?? 0) + (fault?.type === "latency" ? fault.ms : 0);
    if (wait > 0) await sleep(wait, signal);
    await this.options.hold?.(log);
    if (signal.aborted) {
      log.status = 503;
      return new Response("simulator closed", { status: 503 });
    }
    if (fault?.type === "drop") return this.dropResponse(log);
    return undefined;
  }

  /**
   * A response that makes the client see a dropped connection: a 307 to a raw TCP listener that closes every
   * connection without answering (Deno.serve cannot close a connection without a response).
   */
  dropResponse(log: SimRequest): Response {
    log.status = 0;
    return new Response(null, { status: 307, headers: { location: this.#dropUrl } });
  }

  /** Stop: abort streams and sleeps, shut the server down, close the drop listener. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.closing.abort();
      await this.#server?.shutdown();
      try {
        this.#drop?.close();
      } catch { /* closed */ }
      for (const conn of this.#dropConns) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      this.#dropConns.clear();
      await this.#dropLoop;
    })();
    return this.#closed;
  }

  /** The public face of this core. */
  simulator(setOptions?: (options: Partial<O>) => void): Simulator<O> {
    const requests = this.requests;
    const url = () => this.url;
    const close = () => this.close();
    return {
      get url() {
        return url();
      },
      get requests() {
        return requests;
      },
      setOptions: setOptions ?? ((options) => this.setOptions(options)),
      close,
      [Symbol.asyncDispose]: close,
    };
  }
}
