/**
 * The batch API client every vendor implements (`openai_api.ts`, `anthropic_api.ts`): encode items, create a batch,
 * follow it, cancel it, read its results, and find a batch whose create answer was lost.
 *
 * @module
 */
import { type CallOptions, SwebenchError, type UnifiedRequest } from "../core/mod.ts";
import type { BatchInfo, BatchLimits, BatchResult } from "./types.ts";

/**
 * Options of {@linkcode BatchApi.create}.
 *
 * @example
 * ```ts
 * import type { CreateBatchOptions } from "./api.ts";
 * const options: CreateBatchOptions = { tag: "swb-7f3a9c1e2b4d" };
 * ```
 */
export interface CreateBatchOptions extends CallOptions {
  /**
   * The journal's tag of this submission. OpenAI stores it in the batch's `metadata.swebench_tag` and the input
   * file's name; Anthropic batches have no metadata (see {@linkcode BatchApi.findLost}).
   */
  tag: string;
  /** Told the input file's id once it is uploaded (OpenAI), before the batch is created. */
  onUploaded?: (fileId: string) => void | Promise<void>;
}

/**
 * One page of {@linkcode BatchApi.list}.
 *
 * @example
 * ```ts
 * import type { BatchPage } from "./api.ts";
 * const page: BatchPage = { batches: [], next: undefined };
 * ```
 */
export interface BatchPage {
  /** Batches, newest first. */
  batches: BatchInfo[];
  /** Cursor of the next page (`after` of the next call), when there is one. */
  next?: string;
}

/**
 * A provider's batch API.
 *
 * @example
 * ```ts ignore
 * import { createOpenAIBatchApi } from "./openai_api.ts";
 * const api = createOpenAIBatchApi({ apiKey: Deno.env.get("OPENAI_API_KEY") });
 * const items = [api.encode("a", { model: "gpt-4o-mini", prompt: "Fix it.", maxTokens: 1024 })];
 * const batch = await api.create(items, { tag: "swb-1" });
 * ```
 */
export interface BatchApi {
  /** Provider name (registry or config name). */
  readonly provider: string;
  /** The wire: `openai` (Files + Batches) or `anthropic` (Message Batches). */
  readonly kind: "openai" | "anthropic";
  /** Base URL of the API. */
  readonly baseUrl: string;
  /** What one batch may hold. */
  readonly limits: BatchLimits;
  /** One request as a batch item (a JSONL line or a `requests` element), as a normal call would send it. */
  encode(customId: string, request: UnifiedRequest): string;
  /** Create a batch of encoded items (OpenAI: upload the input file, then create). */
  create(items: readonly string[], options: CreateBatchOptions): Promise<BatchInfo>;
  /** The batch as it is now. */
  retrieve(id: string, call?: CallOptions): Promise<BatchInfo>;
  /** One page of batches, newest first. */
  list(options?: { limit?: number; after?: string }, call?: CallOptions): Promise<BatchPage>;
  /** Ask the API to cancel the batch (it ends later; finished requests keep their results). */
  cancel(id: string, call?: CallOptions): Promise<BatchInfo>;
  /** The results of an ended batch, decoded, as they are read (any order: match them by custom_id). */
  results(batch: BatchInfo, call?: CallOptions): AsyncGenerator<BatchResult>;
  /**
   * Batches that may be the one a lost create answer made: OpenAI by the tag in the metadata (exact); Anthropic
   * by creation time (from `since` minus 10 minutes of clock skew) and request count (`requests`), since its
   * batches carry no metadata. Pages are read newest first until batches older than that.
   */
  findLost(query: { tag: string; since: number; requests: number }, call?: CallOptions): Promise<BatchInfo[]>;
}

/** Clock skew allowed between this machine and the API when matching creation times. */
export const CLOCK_SKEW_MS = 10 * 60_000;

/** Most list pages {@linkcode BatchApi.findLost} reads. */
const MAX_PAGES = 20;

/**
 * Read batches newest first until they are older than `since - CLOCK_SKEW_MS` (or the pages end), keeping those
 * `match` accepts. The shared body of both vendors' `findLost`.
 *
 * @example
 * ```ts ignore
 * const found = await scanBatches(api, Date.now() - 60_000, (b) => b.metadata?.swebench_tag === tag);
 * ```
 */
export async function scanBatches(
  api: Pick<BatchApi, "list">,
  since: number,
  match: (batch: BatchInfo) => boolean,
  call: CallOptions = {},
): Promise<BatchInfo[]> {
  const found: BatchInfo[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { batches, next } = await api.list({ limit: 100, after }, call);
    for (const b of batches) if (b.createdAt >= since - CLOCK_SKEW_MS && match(b)) found.push(b);
    const oldest = batches.at(-1);
    if (
      next === undefined || next === after || oldest === undefined || oldest.createdAt < since - CLOCK_SKEW_MS
    ) {
      break;
    }
    after = next;
  }
  return found;
}

/**
 * A list answer (`{"data":[...],"has_more","last_id"}`, both vendors) -> {@linkcode BatchPage}, each batch decoded
 * by `decode`. A body without a data array is a `server` error.
 *
 * @example
 * ```ts
 * import { batchPageOf } from "./api.ts";
 * import { decodeOpenAIBatch } from "./openai_api.ts";
 * batchPageOf({ data: [], has_more: false }, decodeOpenAIBatch, "openai"); // { batches: [] }
 * ```
 */
export function batchPageOf(
  body: unknown,
  decode: (batch: unknown, provider: string) => BatchInfo,
  provider: string,
): BatchPage {
  const page = typeof body === "object" && body !== null ? body as Record<string, unknown> : {};
  if (!Array.isArray(page.data)) {
    throw new SwebenchError("server", `${provider}: the batch list has no data array.`, {
      provider,
      body: JSON.stringify(body)?.slice(0, 2048),
    });
  }
  const batches = page.data.map((b) => decode(b, provider));
  const last = typeof page.last_id === "string" ? page.last_id : batches.at(-1)?.id;
  return { batches, ...(page.has_more === true && last !== undefined ? { next: last } : {}) };
}
