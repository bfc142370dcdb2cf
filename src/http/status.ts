/**
 * HTTP status + provider error body -> {@linkcode SwebenchError} of the right kind (docs/architecture.md#errors).
 *
 * @module
 */
import { type ErrorKind, type RateLimitSnapshot, SwebenchError } from "../core/mod.ts";
import { redact } from "./auth.ts";
import { parseRateLimitHeaders } from "./rate_limit_headers.ts";
import { parseRetryAfter } from "./retry_after.ts";

export { parseRetryAfter } from "./retry_after.ts";

/**
 * What a provider said about an error, extracted from its body.
 *
 * @example
 * ```ts
 * import type { ErrorDetails } from "@swebench/runner/lib";
 * const d: ErrorDetails = { type: "invalid_request_error", code: "context_length_exceeded", message: "..." };
 * ```
 */
export interface ErrorDetails {
  /** Machine-readable code (`insufficient_quota`, `context_length_exceeded`). */
  code?: string;
  /** Error type (`invalid_request_error`, `overloaded_error`). */
  type?: string;
  /** The provider's message. */
  message?: string;
  /** More text shown on a second line (e.g. an upstream provider's own error behind a gateway). */
  detail?: string;
  /** Request id found in the body (Anthropic `request_id`). */
  requestId?: string;
  /** A wait the body asks for (Gemini's `RetryInfo.retryDelay`), used when no retry-after header says one. */
  retryAfterMs?: number;
}

/**
 * A vendor's facts for classifying its errors, passed in by its provider (the classifier itself knows only
 * HTTP and the generic shapes).
 *
 * @example
 * ```ts
 * import type { ErrorRules } from "@swebench/runner/lib";
 * const rules: ErrorRules = { kinds: { overloaded_error: "overloaded" }, requestIdHeaders: ["request-id"] };
 * ```
 */
export interface ErrorRules {
  /**
   * The vendor's error types and codes -> kinds: decides for an error without a usable status (an error event in a
   * 200 stream); a type mapped to `overloaded` also wins over a 5xx status.
   */
  kinds?: Readonly<Record<string, ErrorKind>>;
  /** Consulted before the status rules (an invalid key reported as a 400): a kind, or undefined for the usual rules. */
  kindOf?: (status: number, details: ErrorDetails) => ErrorKind | undefined;
  /** Response headers holding the request id, first found wins (default `x-request-id`, `request-id`). */
  requestIdHeaders?: readonly string[];
  /** The vendor's own rate-limit headers, read besides the generic ones (for the wait of a 429). */
  rateLimit?: (headers: Headers, now: number) => RateLimitSnapshot | undefined;
  /** A hint for a classified error (undefined: the kind's generic advice). */
  hint?: (kind: ErrorKind, status: number, details: ErrorDetails) => string | undefined;
}

/**
 * Input of {@linkcode classifyHttpError}.
 *
 * @example
 * ```ts
 * import type { ClassifyInput } from "@swebench/runner/lib";
 * const input: ClassifyInput = { status: 429, headers: new Headers({ "retry-after": "1" }), provider: "openai" };
 * ```
 */
export interface ClassifyInput extends ErrorRules {
  /** HTTP status; 0 for an error that arrived inside a 200 stream. */
  status: number;
  /** Response headers (retry-after, request id, rate-limit headers). */
  headers?: Headers;
  /** Response body text (kept, redacted and truncated, for --verbose). */
  body?: string;
  /** Provider name used as the message prefix. */
  provider?: string;
  /** Details already extracted; otherwise they are extracted from `body`. */
  details?: ErrorDetails;
  /** Values to redact from message and body. */
  secrets?: readonly string[];
}

const BODY_LIMIT = 2048;
const READ_LIMIT = 64 * 1024;
const LINE_LIMIT = 400;

const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  511: "Network Authentication Required",
  529: "Overloaded",
};

const QUOTA_CODE = /insufficient_quota|billing|credit|quota_exceeded|payment_required|spend_limit/;
const QUOTA_MESSAGE =
  /exceeded your current quota|insufficient[_ ]quota|credit balance is too low|insufficient credits|out of credits|reached your specified api usage limits|spend limit|billing hard limit/;
const CONTEXT =
  /context_length_exceeded|prompt is too long|maximum context length|context length|context window|context limit|too many (?:input |prompt )?tokens|input is too long|input tokens exceed|exceeds the maximum number of tokens|input token count/;

/** Kind from the provider's error type or code alone (errors inside a 200 stream, unknown statuses). */
const KIND_BY_TYPE: Readonly<Record<string, ErrorKind>> = {
  overloaded_error: "overloaded",
  rate_limit_error: "rate_limit",
  rate_limit_exceeded: "rate_limit",
  api_error: "server",
  server_error: "server",
  internal_server_error: "server",
  timeout_error: "timeout",
  authentication_error: "authentication",
  invalid_api_key: "authentication",
  permission_error: "authentication",
  not_found_error: "model_not_found",
  model_not_found: "model_not_found",
  invalid_request_error: "invalid_request",
  request_too_large: "invalid_request",
};

/** Types and codes every server may send: consulted after the vendor's own table. */
const GENERIC_KINDS: Readonly<Record<string, ErrorKind>> = {
  server_error: "server",
  internal_server_error: "server",
  timeout_error: "timeout",
};

/** `table[key]` for an own key only (a type named `constructor` is no kind). */
function kindIn(table: Readonly<Record<string, ErrorKind>>, key: string): ErrorKind | undefined {
  return key !== "" && Object.hasOwn(table, key) ? table[key] : undefined;
}

function lower(s: string | undefined): string {
  return s === undefined ? "" : s.toLowerCase();
}

function kindFor(status: number, d: ErrorDetails, rules: ErrorRules): ErrorKind {
  const vendor = rules.kindOf?.(status, d);
  if (vendor !== undefined) return vendor;
  const table = rules.kinds ?? KIND_BY_TYPE;
  const code = lower(d.code);
  const type = lower(d.type);
  const msg = `${lower(d.message)} ${lower(d.detail)}`;
  if (kindIn(table, type) === "overloaded" && (status === 0 || status >= 500 || status < 400)) {
    return "overloaded";
  }
  const quota = status === 402 || QUOTA_CODE.test(code) || QUOTA_CODE.test(type) ||
    // A 429's message may mention billing ("add a payment method at .../billing") while being a plain rate limit.
    (status === 429 ? /exceeded your current quota/.test(msg) : QUOTA_MESSAGE.test(msg));
  if (quota && (status === 0 || status === 400 || status === 402 || status === 403 || status === 429)) {
    return "quota";
  }
  switch (status) {
    case 401:
    case 403:
      return "authentication";
    case 429:
      return "rate_limit";
    case 400:
    case 413:
    case 422:
      return CONTEXT.test(code) || CONTEXT.test(msg) ? "context_length" : "invalid_request";
    case 404:
      return "model_not_found";
    case 408:
      return "timeout";
    case 503:
    case 529:
      return "overloaded";
    case 511: // Network Authentication Required: a captive portal
      return "html_page";
  }
  if (status >= 500 && status < 600) return "server";
  if (status >= 400 && status < 500) return "invalid_request";
  // No usable status: an error event inside a 200 stream, or something unexpected. The code is more specific
  // than the type (OpenAI sends `invalid_api_key` and `context_length_exceeded` with type
  // `invalid_request_error`), so it decides first.
  if (CONTEXT.test(code)) return "context_length";
  const byCode = kindIn(table, code) ?? kindIn(table, type) ?? kindIn(GENERIC_KINDS, code) ??
    kindIn(GENERIC_KINDS, type);
  if (byCode === "invalid_request" && CONTEXT.test(msg)) return "context_length";
  if (quota) return "quota";
  return byCode ?? "server";
}

/** Collapse whitespace to one line and cut at `max` characters. */
function oneLine(text: string, max: number): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function hintFor(
  kind: ErrorKind,
  status: number,
  d: ErrorDetails,
): string | undefined {
  const msg = d.message ?? "";
  if (kind === "model_not_found") {
    if (!/model/i.test(msg) && !/not_found_error|model_not_found/.test(`${d.type} ${d.code}`)) {
      return "Nothing at this URL: check the base URL (OpenAI-compatible servers usually end in /v1) and the model " +
        "(`swebench provider models <name>`).";
    }
  }
  if (kind === "authentication" && status === 403) {
    return "The key was refused for this model or endpoint: check its permissions, project and region.";
  }
  return undefined;
}

/**
 * Classify an HTTP error (status + provider details) into a {@linkcode SwebenchError} (docs/architecture.md#errors):
 * 401/403 authentication; 402, or 429 whose code/type says insufficient_quota / billing / credit, quota (also a
 * 400 "credit balance is too low"); other 429 rate_limit; 400/413/422 context_length when the code or message says
 * so, else invalid_request; 404 model_not_found; 408 timeout; 503/529 or type `overloaded_error` overloaded; other
 * 5xx server; other 4xx invalid_request. Status 0 (an error event inside a 200 stream) is classified by the
 * provider's code first, then its type (`{type: "invalid_request_error", code: "invalid_api_key"}` is
 * authentication, `code: "context_length_exceeded"` context_length). Sets `retryAfterMs` (retry-after headers; for a 429 without them, the reset of an exhausted
 * rate-limit window), `requestId`, `code` and `body` (redacted, truncated to 2 KB).
 * The message is `"<provider>: <status> <provider message> (<code>)"`, plus a second line for gateway details.
 *
 * @example
 * ```ts
 * import { classifyHttpError } from "@swebench/runner/lib";
 * const e = classifyHttpError({
 *   status: 429,
 *   provider: "openai",
 *   headers: new Headers({ "retry-after": "2" }),
 *   body: '{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}',
 * });
 * console.log(e.kind, e.retryAfterMs); // "rate_limit" 2000
 * ```
 */
export function classifyHttpError(input: ClassifyInput): SwebenchError {
  const { status, headers, provider } = input;
  const secrets = input.secrets ?? [];
  const details = input.details ??
    (input.body !== undefined ? extractErrorDetails(parseBody(input.body)) : {});
  const kind = kindFor(status, details, input);

  const code = details.code ?? details.type;
  let text = details.message?.trim() || (status > 0 ? REASONS[status] : undefined) || "error";
  // "502 Bad Gateway" (an HTML title) would print the status twice.
  if (status > 0 && text.startsWith(`${status} `)) text = text.slice(String(status).length + 1);
  let line = `${provider ?? "provider"}: ${status > 0 ? `${status} ` : ""}${oneLine(text, LINE_LIMIT)}`;
  if (code && !text.includes(code)) line += ` (${code})`;
  if (details.detail) line += `\n${oneLine(details.detail, LINE_LIMIT)}`;

  let retryAfterMs = (headers ? parseRetryAfter(headers) : undefined) ?? details.retryAfterMs;
  if (retryAfterMs === undefined && headers && kind === "rate_limit") {
    const rl = parseRateLimitHeaders(headers, Date.now(), input.rateLimit);
    if (rl) {
      const waits: number[] = [];
      if (rl.remainingRequests === 0 && rl.resetRequestsMs !== undefined) waits.push(rl.resetRequestsMs);
      if (rl.remainingTokens === 0 && rl.resetTokensMs !== undefined) waits.push(rl.resetTokensMs);
      if (waits.length > 0) retryAfterMs = Math.max(...waits);
    }
  }
  let requestId = details.requestId;
  for (const header of headers ? input.requestIdHeaders ?? ["x-request-id", "request-id"] : []) {
    const value = headers!.get(header);
    if (value !== null) {
      requestId = value;
      break;
    }
  }
  let body = input.body;
  if (body !== undefined) {
    body = redact(body.length > BODY_LIMIT * 2 ? body.slice(0, BODY_LIMIT * 2) : body, secrets);
    if (body.length > BODY_LIMIT) body = `${body.slice(0, BODY_LIMIT)}…[truncated]`;
  }
  return new SwebenchError(kind, redact(line, secrets), {
    hint: input.hint?.(kind, status, details) ?? hintFor(kind, status, details),
    status: status > 0 ? status : undefined,
    provider,
    code,
    body,
    retryAfterMs,
    requestId: requestId ?? undefined,
  });
}

function parseBody(text: string): unknown {
  const s = text.trim();
  const c = s.charCodeAt(0);
  if (c === 123 /* { */ || c === 91 /* [ */ || c === 34 /* " */) {
    try {
      return JSON.parse(s);
    } catch {
      // Not JSON after all: treat as text.
    }
  }
  return text;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function str(x: unknown): string | undefined {
  return typeof x === "string" && x !== "" ? x : undefined;
}

function textDetails(text: string): ErrorDetails {
  const s = text.trim();
  if (s === "") return {};
  if (/^<(?:!doctype|html)/i.test(s)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(s)?.[1]?.trim();
    return title ? { message: title } : {};
  }
  return { message: s.split(/\r?\n/, 1)[0] };
}

/**
 * The default extractor: understands OpenAI `{"error":{message,type,param,code}}`, Anthropic
 * `{"type":"error","error":{type,message},"request_id"}`, Ollama `{"error":"..."}`, OpenRouter
 * `{"error":{"code":429,"message","metadata":{provider_name,raw}}}`, vLLM/FastAPI `{"message"}` / `{"detail"}`,
 * and plain text or HTML bodies (first line / `<title>`).
 *
 * @example
 * ```ts
 * import { extractErrorDetails } from "@swebench/runner/lib";
 * extractErrorDetails({ error: "model 'x' not found" }); // { message: "model 'x' not found" }
 * ```
 */
export function extractErrorDetails(body: unknown): ErrorDetails {
  if (typeof body === "string") return textDetails(body);
  if (!isObject(body)) return {};
  const out: ErrorDetails = {};
  const requestId = str(body.request_id);
  if (requestId) out.requestId = requestId;
  const err = body.error;
  if (typeof err === "string") {
    out.message = err;
    if (str(body.code)) out.code = str(body.code);
    if (str(body.type) && body.type !== "error") out.type = str(body.type);
    return out;
  }
  const source = isObject(err) ? err : body;
  const message = str(source.message) ?? (source === body ? detailText(body.detail) : undefined);
  if (message) out.message = message;
  const type = str(source.type);
  if (type && type !== "error") out.type = type;
  const code = str(source.code);
  if (code) out.code = code;
  const meta = source.metadata;
  if (isObject(meta) && meta.raw !== undefined) {
    const raw = typeof meta.raw === "string" ? meta.raw : JSON.stringify(meta.raw);
    const name = str(meta.provider_name);
    out.detail = name ? `${name}: ${raw}` : raw;
  }
  return out;
}

function detailText(detail: unknown): string | undefined {
  if (typeof detail === "string") return str(detail);
  if (Array.isArray(detail)) {
    const msgs = detail.map((d) => (isObject(d) ? str(d.msg) : undefined)).filter((m) => m !== undefined);
    return msgs.length > 0 ? msgs.join("; ") : undefined;
  }
  return undefined;
}

/** Read at most `limit` bytes of a body as text; a body that fails midway yields what was read. */
async function readBounded(res: Response, limit: number): Promise<string> {
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = value.byteLength > limit - size ? value.subarray(0, limit - size) : value;
      size += take.byteLength;
      text += decoder.decode(take, { stream: true });
    }
    if (size >= limit) await reader.cancel().catch(() => {});
  } catch {
    await reader.cancel().catch(() => {});
  } finally {
    reader.releaseLock();
  }
  return text + decoder.decode();
}

/**
 * Read an error response's body (at most 64 KB), extract the provider's details (with `extract`, or
 * {@linkcode extractErrorDetails}) and classify it with {@linkcode classifyHttpError}.
 *
 * @example
 * ```ts
 * import { errorFromResponse } from "@swebench/runner/lib";
 * const res = new Response('{"error":"model \'x\' not found"}', { status: 404 });
 * const e = await errorFromResponse(res, { provider: "ollama" });
 * console.log(e.kind, e.message, e.hint); // model_not_found, "ollama: 404 model 'x' not found", "Pull it ..."
 * ```
 */
export async function errorFromResponse(
  res: Response,
  options: ErrorRules & {
    provider?: string;
    secrets?: readonly string[];
    extract?: (body: unknown) => ErrorDetails;
  } = {},
): Promise<SwebenchError> {
  const text = await readBounded(res, READ_LIMIT);
  const parsed = parseBody(text);
  let details: ErrorDetails | undefined;
  if (options.extract) {
    try {
      details = options.extract(parsed);
    } catch {
      details = undefined;
    }
  }
  details ??= extractErrorDetails(parsed);
  if (!details.message && res.statusText) details = { ...details, message: res.statusText };
  return classifyHttpError({ ...options, status: res.status, headers: res.headers, body: text, details });
}
