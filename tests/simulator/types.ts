/**
 * Public types of the simulator: requests as logged, faults, options and the running simulator.
 *
 * @module
 */

/**
 * One request the simulator received, as logged in {@linkcode Simulator.requests}.
 *
 * The first six fields are the contract; the optional ones are filled in as the request is answered.
 *
 * @example
 * ```ts
 * import { startOpenAISim } from "./mod.ts";
 * await using sim = await startOpenAISim();
 * await fetch(`${sim.url}/v1/models`).then((r) => r.body?.cancel());
 * const first = sim.requests[0];
 * console.log(first.method, first.path); // GET /v1/models
 * ```
 */
export interface SimRequest {
  /** HTTP method. */
  method: string;
  /** URL path, e.g. `/v1/chat/completions`. */
  path: string;
  /** Query string including the leading `?` (empty when none). */
  search: string;
  /** Request headers as received. */
  headers: Headers;
  /** Parsed JSON body; the raw text when it is not JSON; `undefined` when there is no body. */
  // deno-lint-ignore no-explicit-any
  body: any;
  /** `Date.now()` when the request arrived. */
  receivedAt: number;
  /** 0-based index among model-call requests (chat, messages, generate; HF file downloads). */
  n?: number;
  /** The fault applied to this request, if any. */
  fault?: Fault;
  /** Status code answered (set once the status is decided; 0 for a dropped connection). */
  status?: number;
  /** Prompt tokens as the simulator counted them (model calls and count_tokens). */
  promptTokens?: number;
  /** Ollama: the prompt was longer than `num_ctx` and was silently truncated (like real Ollama). */
  truncated?: boolean;
  /** Ollama: the context size used for this call (`options.num_ctx`, default 4096, capped at the model's). */
  numCtx?: number;
}

/**
 * A fault to inject into one model-call request.
 *
 * @example
 * ```ts
 * import type { Fault } from "./mod.ts";
 * const faults: Fault[] = [
 *   { type: "status", status: 429, headers: { "retry-after": "1" } },
 *   { type: "cut", atByte: 120 },
 *   { type: "error-event", afterDeltas: 2 },
 * ];
 * ```
 */
export type Fault =
  /**
   * Answer `status` with a vendor-shaped error body (when `body` is omitted) plus `headers`.
   * `code` picks the vendor error (OpenAI `error.code` such as `insufficient_quota`, Anthropic `error.type`
   * such as `overloaded_error`); `message` replaces the vendor message.
   */
  | {
    type: "status";
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
    code?: string;
    message?: string;
  }
  /** Close the connection with no response at all (the client sees a network error). */
  | { type: "drop" }
  /** Send the first `atByte` bytes of the (full) body, then abort the connection. */
  | { type: "cut"; atByte: number }
  /**
   * 200 stream, then the vendor's error event (OpenAI `data: {"error":...}`, Anthropic `event: error`,
   * Ollama `{"error":...}` line) after `afterDeltas` text deltas (default 1). On a non-streamed request the
   * error is answered as a status instead (overloaded_error 529, rate_limit_error 429, others 500).
   */
  | { type: "error-event"; afterDeltas?: number; errorType?: string }
  /** 200 with invalid JSON (plain) or one broken JSON line in place of the second delta (stream). */
  | { type: "malformed" }
  /** Send `afterBytes` bytes (default 0: headers only), then stall until the client aborts or the sim closes. */
  | { type: "stall"; afterBytes?: number }
  /** Wait `ms` before the headers, then answer normally. */
  | { type: "latency"; ms: number };

/**
 * Simulator options (all optional). Change them later with {@linkcode Simulator.setOptions}.
 *
 * @example
 * ```ts
 * import { startAnthropicSim } from "./mod.ts";
 * await using sim = await startAnthropicSim({
 *   respond: () => "diff --git a/x b/x",
 *   rateLimit: { requests: 5, windowMs: 1000 },
 *   faults: (n) => (n === 0 ? { type: "status", status: 529 } : undefined),
 * });
 * ```
 */
export interface SimOptions {
  /** Assistant text; default a short fixed sentence. */
  respond?: (req: SimRequest) => string;
  /** Faults by model-call index `n` (array: `faults[n]`), or a function of `n` and the request. */
  faults?: Fault[] | ((n: number, req: SimRequest) => Fault | undefined);
  /** Milliseconds before the headers of every model call. */
  latencyMs?: number;
  /** Characters (code points) of text per stream delta (default 8). */
  chunkSize?: number;
  /** Milliseconds between stream chunks (default 0). */
  chunkDelayMs?: number;
  /**
   * Fixed window: at most `requests` model calls (and, when set, `tokens` = prompt + max tokens) per `windowMs`;
   * beyond, 429 with vendor headers and `retry-after`. When set, every model-call response carries the vendor
   * rate-limit headers (OpenAI/Ollama `x-ratelimit-*`, Anthropic `anthropic-ratelimit-*`); when unset none are sent.
   */
  rateLimit?: { requests: number; windowMs: number; tokens?: number };
  /** Listed and accepted models (unknown -> vendor 404). When unset every model is accepted and a default list is listed. */
  models?: string[];
  /** When set, any other key gets the vendor's 401. */
  apiKey?: string;
  /** Prompt tokens beyond this -> the vendor's context-length error (Ollama: the model's context length, caps num_ctx). */
  contextWindow?: number;
  /** Token counting: `"exact"` (gpt-tokenizer, default) or `"approx"` (ceil(chars / 4), for heavy benchmarks). */
  tokenizer?: "exact" | "approx";
  /** Anthropic: minimum prefix length in tokens that can be cached (default 0; the real API uses 1024-4096). */
  cacheMinTokens?: number;
}

/**
 * A running simulator. Close it with `close()` or `await using`.
 *
 * @example
 * ```ts
 * import { startOllamaSim } from "./mod.ts";
 * const sim = await startOllamaSim();
 * try {
 *   const res = await fetch(`${sim.url}/api/version`);
 *   console.log(await res.json());
 * } finally {
 *   await sim.close();
 * }
 * ```
 */
export interface Simulator extends AsyncDisposable {
  /** Origin, e.g. `http://127.0.0.1:43123` (OpenAI clients append `/v1`). */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: SimRequest[];
  /** Merge new options; passing `faults` restarts the model-call counter at 0, passing `rateLimit` restarts the window. */
  setOptions(options: Partial<SimOptions>): void;
  /** Abort in-flight streams and stalls, then shut the server down. Idempotent. */
  close(): Promise<void>;
}

/**
 * One dataset served by the Hugging Face simulator.
 *
 * @example
 * ```ts
 * import type { HfDataset } from "./mod.ts";
 * const ds: HfDataset = { files: { "data/test-00000-of-00001.parquet": new Uint8Array([80, 65, 82, 49]) } };
 * ```
 */
export interface HfDataset {
  /** File path -> bytes. Parquet, arrow, zip, gz, bin and safetensors files are served as LFS files (302 to /cdn/). */
  files: Record<string, Uint8Array>;
  /** Branch name (default `main`). The commit sha is derived from the contents. */
  revision?: string;
  /** When true, requests need `Authorization: Bearer <token>`. */
  private?: boolean;
}

/**
 * Options of the Hugging Face simulator.
 *
 * @example
 * ```ts
 * import { startHfSim } from "./mod.ts";
 * await using sim = await startHfSim({ datasets: { "org/name": { files: { "README.md": new TextEncoder().encode("# hi") } } }, token: "hf_test" });
 * ```
 */
export interface HfSimOptions {
  /** Dataset id (`org/name`) -> dataset. */
  datasets: Record<string, HfDataset>;
  /** When set, every request must carry `Authorization: Bearer <token>` (else 401). */
  token?: string;
  /** Faults by file-download index (GET of resolve, cdn and parquet file URLs that return bytes). */
  faults?: SimOptions["faults"];
  /** Tree listing page size before a `Link: <...>; rel="next"` header is sent (default 1000). */
  treePageSize?: number;
}
