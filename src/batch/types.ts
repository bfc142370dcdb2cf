/**
 * The unified model of the providers' batch APIs (OpenAI Batch API, Anthropic Message Batches): limits, a batch's
 * state and counts, its validation errors, and one request's result. Vendor objects are decoded into these types
 * by `openai_api.ts` and `anthropic_api.ts`; the run layer only sees them.
 *
 * @module
 */
import type { SwebenchError } from "../core/mod.ts";
import type { DecodedResponse } from "../providers/kit/whole_body.ts";

/**
 * What one batch may hold, and how its size is counted.
 *
 * @example
 * ```ts
 * import type { BatchLimits } from "./types.ts";
 * const openai: BatchLimits = { maxRequests: 50_000, maxBytes: 200_000_000, itemOverhead: 1, fixedOverhead: 0 };
 * ```
 */
export interface BatchLimits {
  /** Requests per batch (OpenAI 50,000; Anthropic 100,000). */
  maxRequests: number;
  /** Bytes per batch: the input file (OpenAI 200 MB) or the create request's body (Anthropic 256 MB). */
  maxBytes: number;
  /** Bytes each item adds besides its own (the newline of a JSONL line; the comma between array elements). */
  itemOverhead: number;
  /** Bytes a batch adds besides its items (Anthropic: `{"requests":[` and `]}`). */
  fixedOverhead: number;
}

/**
 * Where a batch is in its life, the same for every vendor:
 * `validating` (OpenAI checks the file), `in_progress`, `finalizing` (OpenAI writes the output files),
 * `canceling`, `ended` (see {@linkcode BatchInfo.ending}).
 */
export type BatchState = "validating" | "in_progress" | "finalizing" | "canceling" | "ended";

/**
 * How an ended batch ended: `completed` (results ready; single requests may still have failed), `failed` (the
 * input was refused at validation: no request ran, see {@linkcode BatchInfo.lineErrors}), `expired` (the 24 h
 * window closed; finished requests have results), `canceled` (finished requests have results).
 */
export type BatchEnding = "completed" | "failed" | "expired" | "canceled";

/**
 * Request counts of a batch. OpenAI counts only requests that ran (after an expiry or a cancel,
 * `total - succeeded - errored` never ran); Anthropic counts every request.
 */
export interface BatchCounts {
  /** Requests in the batch (OpenAI: 0 while validating). */
  total: number;
  /** Requests answered. */
  succeeded: number;
  /** Requests that failed (an API error for that request). */
  errored: number;
  /** Requests that expired before they ran (Anthropic; OpenAI reports them only in the error file). */
  expired: number;
  /** Requests canceled before they ran (Anthropic; OpenAI reports them only in the error file). */
  canceled: number;
  /** Requests not finished yet. */
  processing: number;
}

/**
 * One line-level problem of a batch that failed validation (OpenAI `errors.data[]`).
 *
 * @example
 * ```ts
 * import type { BatchLineError } from "./types.ts";
 * const e: BatchLineError = { code: "duplicate_custom_id", message: "The custom_id 'a' is used more than once", line: 2 };
 * ```
 */
export interface BatchLineError {
  /** The API's code (`invalid_json_line`, `duplicate_custom_id`, `model_mismatch`, `too_many_tasks`...). */
  code: string;
  /** The API's message. */
  message: string;
  /** 1-based line of the input file, when the error is about one line. */
  line?: number;
  /** The parameter at fault, when named. */
  param?: string;
}

/**
 * A batch as the API last reported it, in the unified shape.
 *
 * @example
 * ```ts
 * import type { BatchInfo } from "./types.ts";
 * function done(b: BatchInfo): boolean {
 *   return b.state === "ended";
 * }
 * ```
 */
export interface BatchInfo {
  /** The batch id (`batch_...`, `msgbatch_...`). */
  id: string;
  /** The unified state. */
  state: BatchState;
  /** How it ended, once `state` is `ended`. */
  ending?: BatchEnding;
  /** The vendor's own status word (`in_progress`, `cancelling`, `ended`...). */
  status: string;
  /** Request counts. */
  counts: BatchCounts;
  /** Creation time, ms since the epoch. */
  createdAt: number;
  /** When the 24 h window closes, ms since the epoch. */
  expiresAt?: number;
  /** When it ended, ms since the epoch. */
  endedAt?: number;
  /** Line-level validation errors (OpenAI, `ending: "failed"`); empty otherwise. */
  lineErrors: BatchLineError[];
  /** Model of the batch, when the API says (OpenAI's dated model). */
  model?: string;
  /** Metadata given at creation (OpenAI; Anthropic has none). */
  metadata?: Record<string, string>;
  /** Where the results are (OpenAI output and error file ids). */
  outputFileId?: string;
  /** OpenAI error file id (failed, expired and canceled requests). */
  errorFileId?: string;
  /** Anthropic: the results are ready (`results_url` set). */
  resultsReady?: boolean;
}

/**
 * One request's result, decoded: an answer, a failure of that request with its classified error, or a request
 * that never ran because the batch expired or was canceled.
 *
 * @example
 * ```ts
 * import type { BatchResult } from "./types.ts";
 * function content(r: BatchResult): string | undefined {
 *   return r.type === "succeeded" ? r.response.content : undefined;
 * }
 * ```
 */
export type BatchResult =
  | {
    /** The request's custom_id. */
    customId: string;
    /** The request was answered. */
    type: "succeeded";
    /** The decoded answer (no latency, no provider name: the run adds them). */
    response: DecodedResponse;
    /** The API's request id of this request, when given. */
    requestId?: string;
  }
  | {
    /** The request's custom_id. */
    customId: string;
    /** The request failed. */
    type: "errored";
    /** Why, classified like a normal call's error (`invalid_request`, `server`, `rate_limit`, `timeout`...). */
    error: SwebenchError;
  }
  | {
    /** The request's custom_id. */
    customId: string;
    /** The request never ran: the batch's window closed, or the batch was canceled. */
    type: "expired" | "canceled";
    /** The API's words (OpenAI) or ours (Anthropic gives none). */
    message: string;
  };

/**
 * The failure kinds of a batch request as a run log records them: an errored request keeps the kind of its
 * error; `expired` and `canceled` are kinds of their own (not run-level: the instance is failed, and only
 * `--retry-failed` sends it again).
 */
export type BatchFailureKind = "expired" | "canceled";
