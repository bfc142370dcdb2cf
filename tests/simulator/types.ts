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
  /**
   * Gemini: the API key came in the URL (`?key=`), which Google accepts but a careful client never sends (URLs end
   * up in logs). Tests assert this stays unset.
   */
  keyInUrl?: boolean;
  /** Anthropic: the `anthropic-version` the request was answered under. */
  apiVersion?: string;
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
    /** Gemini: `RetryInfo.retryDelay` in the details of a 429 (default `"1s"`; Google sends no retry-after header). */
    retryDelay?: string;
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
  /**
   * Send the whole body without a length (chunked), then keep it open until the client aborts or the sim closes: a
   * client reading lines as they arrive has them all, and waits for an end that does not come.
   */
  | { type: "hold" }
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
  /** A model call waits for the promise this returns (if any) before it is answered: a test's gate. */
  hold?: (req: SimRequest) => Promise<void> | undefined;
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
  /**
   * OpenAI flavour, OpenRouter's billing: a request with `usage: {include: true}` gets `usage.cost` (this many USD
   * per token, prompt and completion alike), `is_byok: false` and `cost_details`, as OpenRouter answers.
   */
  billedUsdPerToken?: number;
  /** When set, any other key gets the vendor's 401. */
  apiKey?: string;
  /** Prompt tokens beyond this -> the vendor's context-length error (Ollama: the model's context length, caps num_ctx). */
  contextWindow?: number;
  /** Token counting: `"exact"` (gpt-tokenizer, default) or `"approx"` (ceil(chars / 4), for heavy benchmarks). */
  tokenizer?: "exact" | "approx";
  /** Anthropic: minimum prefix length in tokens that can be cached (default 0; the real API uses 1024-4096). */
  cacheMinTokens?: number;
  /** OpenAI Batch API and Anthropic Message Batches: life cycle, per-request outcomes, limits, faults. */
  batch?: BatchOptions;
}

/**
 * One request inside a batch, as the batch options' callbacks see it.
 *
 * @example
 * ```ts
 * import type { BatchItemInfo } from "./mod.ts";
 * const failOdd = (item: BatchItemInfo) => (item.index % 2 === 1 ? { type: "errored" as const } : undefined);
 * ```
 */
export interface BatchItemInfo {
  /** Batch id (`batch_...` or `msgbatch_...`). */
  batchId: string;
  /** The request's `custom_id`. */
  customId: string;
  /** 0-based position in the input file / `requests` array. */
  index: number;
  /** The request body (OpenAI: the line's `body`; Anthropic: `params`). */
  // deno-lint-ignore no-explicit-any
  body: any;
}

/**
 * What happens to one request of a batch (default: it succeeds with the simulator's normal answer).
 *
 * - `errored`: OpenAI writes an error-file line with `response.status_code` = `status` (default 500) and an
 *   OpenAI error body (`code`, `message`); Anthropic gives an `errored` result with `error.type` = `errorType`
 *   (default `api_error`).
 * - `expired`: the request is never processed; the batch runs until its window closes (OpenAI: the batch ends
 *   `expired`, the line goes to the error file with `batch_expired`; Anthropic: an `expired` result).
 * - `timeout`: OpenAI only, a non-HTTP failure (`error.code` `request_timeout`, `response` null).
 *
 * @example
 * ```ts
 * import type { BatchOutcome } from "./mod.ts";
 * const outcome: BatchOutcome = { type: "errored", status: 400, message: "Invalid 'messages'." };
 * ```
 */
export type BatchOutcome =
  | { type: "succeeded" }
  | { type: "errored"; status?: number; code?: string; errorType?: string; message?: string }
  | { type: "expired" }
  | { type: "timeout" };

/**
 * Options of the batch APIs (OpenAI Files + Batches, Anthropic Message Batches).
 *
 * A batch moves one step at a time: on each poll of the batch (`stepsPerPoll`, default 1), every `stepMs` of the
 * clock when set, or when a test calls {@linkcode BatchControl.advance}. OpenAI steps: validating -> in_progress
 * (or failed) -> `requestsPerStep` requests per step -> finalizing -> completed; cancel: cancelling -> cancelled.
 * Anthropic steps: in_progress (`requestsPerStep` per step) -> ended; cancel: canceling -> ended.
 *
 * @example
 * ```ts
 * import { startOpenAISim } from "./mod.ts";
 * await using sim = await startOpenAISim({ batch: { stepsPerPoll: 0, requestsPerStep: 2 } });
 * sim.batches.advance(); // every batch, one step
 * ```
 */
export interface BatchOptions {
  /** Steps taken after each retrieve of the batch (default 1; 0: only `stepMs` and `advance()` move it). */
  stepsPerPoll?: number;
  /** When set, one step per `stepMs` milliseconds of `now()` since creation (applied lazily at each access). */
  stepMs?: number;
  /** Requests processed per in-progress step (default: all of them in one step). */
  requestsPerStep?: number;
  /** The clock (ms since epoch) for timestamps, `stepMs` and the 24 h window (default `Date.now`). */
  now?: () => number;
  /** Completion window in ms (default 24 h); when the clock passes it, unfinished requests expire. */
  windowMs?: number;
  /** Per-request outcome (default succeeded). */
  outcome?: (item: BatchItemInfo) => BatchOutcome | undefined;
  /** Requests per batch (default OpenAI 50,000, Anthropic 100,000). */
  maxRequests?: number;
  /** Bytes per input file / create request (default OpenAI 200 MB, Anthropic 256 MB). */
  maxBytes?: number;
  /**
   * Faults for the batch endpoints (files, batches, message batches, results), indexed over those calls.
   * `drop`, `cut` and `stall` on a create (file upload, batch create) happen after the object was created, as when a
   * connection dies after the server acted: the client does not learn the id. `status` faults create nothing.
   */
  faults?: Fault[] | ((n: number, req: SimRequest) => Fault | undefined);
}

/**
 * Test control of the batches held by a simulator.
 *
 * @example
 * ```ts
 * import { startAnthropicSim } from "./mod.ts";
 * await using sim = await startAnthropicSim({ batch: { stepsPerPoll: 0 } });
 * sim.batches.finish(); // run every batch to its end
 * ```
 */
export interface BatchControl {
  /** Advance one batch (or every batch when `id` is omitted) by `steps` steps (default 1). */
  advance(id?: string, steps?: number): void;
  /** Advance until the batch (or every batch) has ended. */
  finish(id?: string): void;
  /** Close the completion window now: unfinished requests expire and the batch ends. */
  expire(id?: string): void;
  /** Status of every batch, oldest first (OpenAI `status`, Anthropic `processing_status`). */
  list(): { id: string; status: string; requests: number }[];
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
export interface Simulator<O extends SimOptions = SimOptions> extends AsyncDisposable {
  /** Origin, e.g. `http://127.0.0.1:43123` (OpenAI clients append `/v1`). */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: SimRequest[];
  /** Merge new options; passing `faults` restarts the model-call counter at 0, passing `rateLimit` restarts the window. */
  setOptions(options: Partial<O>): void;
  /** Abort in-flight streams and stalls, then shut the server down. Idempotent. */
  close(): Promise<void>;
}

/**
 * A simulator that also serves a batch API (OpenAI Files + Batches, Anthropic Message Batches).
 *
 * @example
 * ```ts
 * import { startOpenAISim } from "./mod.ts";
 * await using sim = await startOpenAISim();
 * console.log(sim.batches.list()); // []
 * ```
 */
export interface BatchSimulator<O extends SimOptions = SimOptions> extends Simulator<O> {
  /** Test control of the batches. */
  readonly batches: BatchControl;
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
