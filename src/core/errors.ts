/**
 * The error taxonomy (docs/architecture.md#errors): one class, a `kind` that says whether it is retryable, whether a fallback
 * model may take over, which exit code it maps to, and what the user should do.
 *
 * @module
 */

import { stripControl } from "./text.ts";

/** Every kind of failure the runner distinguishes. */
export type ErrorKind =
  | "authentication"
  | "quota"
  | "rate_limit"
  | "overloaded"
  | "breaker_open"
  | "server"
  | "timeout"
  | "connection"
  | "context_length"
  | "model_not_found"
  | "invalid_request"
  | "content_filter"
  | "html_page"
  | "permission"
  | "budget"
  | "usage"
  | "config"
  | "interrupted"
  | "unexpected";

/** Static properties of an error kind. */
export interface ErrorKindInfo {
  /** A retry of the same call may succeed. */
  retryable: boolean;
  /** Another model may take the call over (fallback chain). */
  fallback: boolean;
  /** Counts as a failure for the circuit breaker. */
  breaker: boolean;
  /** Process exit code when this error ends a command. */
  exitCode: number;
  /** Generic advice; an error may carry a more specific hint. */
  hint: string;
}

/** The taxonomy table. */
export const ERROR_KINDS: Readonly<Record<ErrorKind, ErrorKindInfo>> = {
  authentication: {
    retryable: false,
    fallback: false,
    breaker: false,
    exitCode: 3,
    hint: "Check the API key (environment variable or `swebench provider init <name>`).",
  },
  quota: {
    retryable: false,
    fallback: true,
    breaker: false,
    exitCode: 3,
    hint: "The account's quota or spend limit is exhausted: check billing.",
  },
  rate_limit: {
    retryable: true,
    fallback: true,
    breaker: true,
    exitCode: 1,
    hint: "Lower --concurrency or set --rpm/--tpm to the account's limits.",
  },
  overloaded: {
    retryable: true,
    fallback: true,
    breaker: true,
    exitCode: 1,
    hint: "The provider is overloaded; retry later or add --fallback.",
  },
  breaker_open: {
    retryable: true,
    fallback: true,
    breaker: false,
    exitCode: 1,
    hint:
      "The circuit breaker of this endpoint is open after repeated failures: calls resume after its cool-down " +
      "(one probe call first). Add --fallback to keep going on another model meanwhile.",
  },
  server: {
    retryable: true,
    fallback: true,
    breaker: true,
    exitCode: 1,
    hint: "The provider returned a server error; retry later or add --fallback.",
  },
  timeout: {
    retryable: true,
    fallback: true,
    breaker: true,
    exitCode: 1,
    hint: "The request timed out: is the server up and reachable?",
  },
  connection: {
    retryable: true,
    fallback: true,
    breaker: true,
    exitCode: 1,
    hint: "Could not connect: is the server up and the base URL right?",
  },
  context_length: {
    retryable: false,
    fallback: true,
    breaker: false,
    exitCode: 1,
    hint: "The prompt does not fit the model's context window: use a smaller --context or a larger model.",
  },
  model_not_found: {
    retryable: false,
    fallback: true,
    breaker: false,
    exitCode: 2,
    hint: "Unknown model: list the available ones with `swebench provider models <name>`.",
  },
  invalid_request: {
    retryable: false,
    fallback: false,
    breaker: false,
    exitCode: 2,
    hint: "The provider rejected the request; see its message.",
  },
  content_filter: {
    retryable: false,
    fallback: true,
    breaker: false,
    exitCode: 1,
    hint: "The provider refused the content.",
  },
  html_page: {
    retryable: false,
    fallback: false,
    breaker: false,
    exitCode: 3,
    hint:
      "A web page answered instead of the API (a proxy or a captive portal's login): log in to the network " +
      "or fix the proxy, then re-run the same command (nothing was recorded as done).",
  },
  permission: {
    retryable: false,
    fallback: false,
    breaker: false,
    exitCode: 3,
    hint: "Deno denied a permission: add the flag named above.",
  },
  budget: {
    retryable: false,
    fallback: false,
    breaker: false,
    exitCode: 5,
    hint: "The budget would be passed: raise --max-cost.",
  },
  usage: {
    retryable: false,
    fallback: false,
    breaker: false,
    exitCode: 2,
    hint: "See `swebench --help`.",
  },
  config: {
    retryable: false,
    fallback: false,
    breaker: false,
    exitCode: 3,
    hint: "Check the configuration (`swebench provider list`).",
  },
  interrupted: {
    retryable: false,
    fallback: false,
    breaker: false,
    exitCode: 130,
    hint: "Interrupted; re-run the same command to resume.",
  },
  unexpected: {
    retryable: false,
    fallback: false,
    breaker: false,
    exitCode: 1,
    hint: "An unexpected error; re-run with --verbose and report it.",
  },
};

/** Fields of a {@linkcode SwebenchError} besides kind and message. */
export interface SwebenchErrorOptions {
  /** Specific advice; defaults to the kind's generic hint. */
  hint?: string;
  /** HTTP status, when the error came from a response. */
  status?: number;
  /** Provider name. */
  provider?: string;
  /** The provider's own error type or code (`insufficient_quota`, `overloaded_error`). */
  code?: string;
  /** The provider's response body (shown with --verbose); must not contain secrets. */
  body?: string;
  /** Server-suggested wait before retrying, in milliseconds. */
  retryAfterMs?: number;
  /** Provider request id. */
  requestId?: string;
  /** The underlying error. */
  cause?: unknown;
  /**
   * Exit code when it differs from the kind's: a command that only talks to one server exits 4 when nothing
   * answers at its address (see {@linkcode isUnreachable}), as a run's first call does.
   */
  exitCode?: number;
  /** Attempts made at the call that failed (set by the retry layer; absent when nothing counted them). */
  attempts?: number;
}

/** What {@linkcode SwebenchError.with} may override: every option, and the kind and message. */
export interface SwebenchErrorOverrides extends SwebenchErrorOptions {
  /** Another kind. */
  kind?: ErrorKind;
  /** Another message. */
  message?: string;
}

/**
 * The one error class of the runner.
 *
 * @example
 * ```ts
 * import { SwebenchError } from "@swebench/runner/lib";
 * const e = new SwebenchError("rate_limit", "429 Too Many Requests", { retryAfterMs: 1000, status: 429 });
 * console.log(e.retryable, e.exitCode, e.hint);
 * ```
 */
export class SwebenchError extends Error {
  /** The taxonomy kind. */
  readonly kind: ErrorKind;
  /** Advice for the user. */
  readonly hint: string;
  /** HTTP status, if any. */
  readonly status?: number;
  /** Provider name, if any. */
  readonly provider?: string;
  /** Provider error code or type, if any. */
  readonly code?: string;
  /** Provider body (for --verbose). */
  readonly body?: string;
  /** Server-suggested wait, in milliseconds. */
  readonly retryAfterMs?: number;
  /** Provider request id. */
  readonly requestId?: string;
  readonly #exitCode?: number;
  /** Attempts made at the call that failed, when the retry layer counted them. */
  readonly attempts?: number;

  /**
   * Create an error of a taxonomy kind; the hint defaults to the kind's generic advice. Message, hint and body
   * often hold a server's words: terminal control (escape sequences, C0/C1 characters but the newline) is
   * stripped from them here, so no error can reach a terminal with it (see {@linkcode stripControl}).
   */
  constructor(kind: ErrorKind, message: string, options: SwebenchErrorOptions = {}) {
    super(stripControl(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SwebenchError";
    this.kind = kind;
    this.hint = stripControl(options.hint ?? ERROR_KINDS[kind].hint);
    this.status = options.status;
    this.provider = options.provider;
    this.code = options.code;
    this.body = options.body === undefined ? undefined : stripControl(options.body);
    this.retryAfterMs = options.retryAfterMs;
    this.requestId = options.requestId;
    this.#exitCode = options.exitCode;
    if (options.attempts !== undefined) this.attempts = options.attempts;
  }

  /**
   * A copy of this error with some fields replaced: every field (kind, message, hint, status, provider, code,
   * body, retryAfterMs, requestId, attempts, cause) is kept unless `overrides` gives it. The one way to derive an
   * error from another (errors are immutable).
   *
   * @example
   * ```ts
   * import { SwebenchError } from "@swebench/runner/lib";
   * const e = new SwebenchError("server", "openai: 500", { status: 500 });
   * const counted = e.with({ attempts: 3 });
   * console.log(counted.status, counted.attempts); // 500 3
   * ```
   */
  with(overrides: SwebenchErrorOverrides): SwebenchError {
    const pick = <K extends keyof SwebenchErrorOverrides>(key: K, own: SwebenchErrorOverrides[K]) =>
      key in overrides ? overrides[key] : own;
    return new SwebenchError(overrides.kind ?? this.kind, overrides.message ?? this.message, {
      hint: overrides.hint ?? this.hint,
      status: pick("status", this.status),
      provider: pick("provider", this.provider),
      code: pick("code", this.code),
      body: pick("body", this.body),
      retryAfterMs: pick("retryAfterMs", this.retryAfterMs),
      requestId: pick("requestId", this.requestId),
      attempts: pick("attempts", this.attempts),
      exitCode: pick("exitCode", this.#exitCode),
      cause: pick("cause", this.cause),
    });
  }

  /** A retry of the same call may succeed. */
  get retryable(): boolean {
    return ERROR_KINDS[this.kind].retryable;
  }
  /** A fallback model may take the call over. */
  get fallback(): boolean {
    return ERROR_KINDS[this.kind].fallback;
  }
  /** Counts against the circuit breaker. */
  get countsForBreaker(): boolean {
    return ERROR_KINDS[this.kind].breaker;
  }
  /** Exit code when this error ends a command. */
  get exitCode(): number {
    return this.#exitCode ?? ERROR_KINDS[this.kind].exitCode;
  }

  /** JSON form for run logs and `--json` output (no body unless asked). */
  toJSON(withBody = false): Record<string, unknown> {
    return {
      kind: this.kind,
      message: this.message,
      hint: this.hint,
      status: this.status,
      provider: this.provider,
      code: this.code,
      requestId: this.requestId,
      retryAfterMs: this.retryAfterMs,
      ...(withBody && this.body !== undefined ? { body: this.body } : {}),
    };
  }
}

/** True when `e` is a {@linkcode SwebenchError} (optionally of one of `kinds`). */
export function isSwebenchError(e: unknown, ...kinds: ErrorKind[]): e is SwebenchError {
  return e instanceof SwebenchError && (kinds.length === 0 || kinds.includes(e.kind));
}

/** Wrap anything thrown into a {@linkcode SwebenchError} (already-typed errors pass through). */
export function toSwebenchError(e: unknown, fallbackKind: ErrorKind = "unexpected"): SwebenchError {
  if (e instanceof SwebenchError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new SwebenchError(fallbackKind, message, { cause: e });
}

/**
 * Whether an error says that nothing answered at the address (connection refused, no such host): no request
 * reached a server, so nothing was billed, and retrying at once rarely helps.
 *
 * @example
 * ```ts
 * import { isUnreachable, SwebenchError } from "@swebench/runner/lib";
 * isUnreachable(new SwebenchError("connection", "openai: Connection refused (os error 111)")); // true
 * isUnreachable(new SwebenchError("connection", "stream ended early")); // false
 * ```
 */
export function isUnreachable(error: SwebenchError): boolean {
  return error.kind === "connection" &&
    /refused|dns error|failed to lookup|name resolution|not known/i.test(error.message);
}
