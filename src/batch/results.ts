/**
 * Result lines of both batch APIs -> {@linkcode BatchResult}: an answer decoded by the same decoders as a normal
 * call, a failure classified like a normal call's error, or a request that expired or was canceled.
 *
 * - OpenAI output and error files: `{"id","custom_id","response":{"status_code","request_id","body"},"error"}`;
 *   a 200 body is a chat completion; another status an error body; `response: null` with `error.code`
 *   `batch_expired`, `batch_cancelled` or another code (`request_timeout`...).
 * - Anthropic results: `{"custom_id","result":{"type":"succeeded","message"} | {"type":"errored","error":
 *   {"type":"error","error":{type,message},"request_id"}} | {"type":"canceled"} | {"type":"expired"}}`.
 *
 * A line that is not such an object (no custom_id) is a `server` error: the results cannot be trusted.
 *
 * @module
 */
import { SwebenchError, toSwebenchError } from "../core/mod.ts";
import { classifyHttpError, extractErrorDetails } from "../http/status.ts";
import { anthropicErrorFromBody, decodeAnthropicResponse } from "../providers/anthropic/codec.ts";
import { decodeOpenAIResponse } from "../providers/openai/codec.ts";
import type { BatchResult } from "./types.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function bodyText(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  return text.length > 2048 ? `${text.slice(0, 2048)}…` : text;
}

function customIdOf(line: unknown, provider: string): string {
  const id = isRecord(line) ? str(line.custom_id) : undefined;
  if (id === undefined) {
    throw new SwebenchError("server", `${provider}: a batch result line has no custom_id.`, {
      provider,
      body: bodyText(line),
    });
  }
  return id;
}

/** The error of a request whose answer did not decode (a 200 without choices, an error object inside it). */
function undecodable(customId: string, error: unknown, provider: string, requestId?: string): BatchResult {
  const e = toSwebenchError(error, "server");
  return {
    customId,
    type: "errored",
    error: new SwebenchError(
      e.kind,
      e.message.startsWith(`${provider}:`) ? e.message : `${provider}: ${e.message}`,
      {
        hint: e.hint,
        status: e.status,
        provider,
        code: e.code,
        body: e.body,
        requestId: e.requestId ?? requestId,
      },
    ),
  };
}

/**
 * Decode one line of an OpenAI batch output or error file (parsed JSON).
 *
 * @example
 * ```ts
 * import { decodeOpenAIBatchLine } from "./results.ts";
 * const r = decodeOpenAIBatchLine({ custom_id: "a", response: null, error: { code: "batch_expired", message: "expired" } });
 * r.type; // "expired"
 * ```
 */
export function decodeOpenAIBatchLine(line: unknown, provider = "openai"): BatchResult {
  const customId = customIdOf(line, provider);
  const record = line as Record<string, unknown>;
  const response = record.response;
  if (isRecord(response)) {
    const status = typeof response.status_code === "number" ? response.status_code : 0;
    const requestId = str(response.request_id);
    if (status >= 200 && status < 300) {
      try {
        return {
          customId,
          type: "succeeded",
          response: decodeOpenAIResponse(response.body),
          ...(requestId === undefined ? {} : { requestId }),
        };
      } catch (error) {
        return undecodable(customId, error, provider, requestId);
      }
    }
    const details = extractErrorDetails(response.body);
    if (requestId !== undefined) details.requestId = requestId;
    return {
      customId,
      type: "errored",
      error: classifyHttpError({ status, provider, details, body: bodyText(response.body) }),
    };
  }
  const error = isRecord(record.error) ? record.error : {};
  const code = str(error.code);
  const message = str(error.message) ?? code ?? "no error given";
  if (code === "batch_expired") return { customId, type: "expired", message };
  if (code === "batch_cancelled" || code === "batch_canceled") return { customId, type: "canceled", message };
  const kind = code === "request_timeout" ? "timeout" : "server";
  return {
    customId,
    type: "errored",
    error: new SwebenchError(
      kind,
      `${provider}: ${message}${code && !message.includes(code) ? ` (${code})` : ""}`,
      {
        provider,
        code,
        body: bodyText(record.error ?? line),
      },
    ),
  };
}

/**
 * Decode one line of an Anthropic Message Batch's results (parsed JSON).
 *
 * @example
 * ```ts
 * import { decodeAnthropicBatchLine } from "./results.ts";
 * const r = decodeAnthropicBatchLine({ custom_id: "a", result: { type: "canceled" } });
 * r.type; // "canceled"
 * ```
 */
export function decodeAnthropicBatchLine(line: unknown, provider = "anthropic"): BatchResult {
  const customId = customIdOf(line, provider);
  const result = (line as Record<string, unknown>).result;
  const type = isRecord(result) ? result.type : undefined;
  switch (type) {
    case "succeeded": {
      try {
        return {
          customId,
          type: "succeeded",
          response: decodeAnthropicResponse((result as Record<string, unknown>).message),
        };
      } catch (error) {
        return undecodable(customId, error, provider);
      }
    }
    case "errored": {
      const body = (result as Record<string, unknown>).error;
      // A batch request's error carries no HTTP status: it is classified by its type, as an error event is.
      return { customId, type: "errored", error: anthropicErrorFromBody(body ?? {}, { provider }) };
    }
    case "expired":
      return {
        customId,
        type: "expired",
        message: "the batch's 24 h window closed before this request ran",
      };
    case "canceled":
      return { customId, type: "canceled", message: "the batch was canceled before this request ran" };
    default:
      throw new SwebenchError(
        "server",
        `${provider}: the batch result of ${customId} has an unknown type ${JSON.stringify(type)}.`,
        { provider, body: bodyText(line) },
      );
  }
}

/**
 * The run-log `error` of a request that did not succeed: an errored request keeps its error's kind, status and
 * code; an expired or canceled one has the kind `expired` / `canceled` (failed, not run-level: only
 * `--retry-failed` sends it again).
 *
 * @example
 * ```ts
 * import { failureOf } from "./results.ts";
 * failureOf({ customId: "a", type: "expired", message: "window closed" }); // { kind: "expired", message: "window closed" }
 * ```
 */
export function failureOf(
  result: Exclude<BatchResult, { type: "succeeded" }>,
): { kind: string; message: string; status?: number; code?: string } {
  if (result.type !== "errored") return { kind: result.type, message: result.message };
  const { error } = result;
  return {
    kind: error.kind,
    message: error.message,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.code === undefined ? {} : { code: error.code }),
  };
}
