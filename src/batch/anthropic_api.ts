/**
 * The Anthropic Message Batches client: `POST /v1/messages/batches`, `GET /v1/messages/batches[/{id}]`,
 * `POST /v1/messages/batches/{id}/cancel`, `GET /v1/messages/batches/{id}/results` (JSON lines), under a base URL
 * without `/v1` (as `ANTHROPIC_BASE_URL`), with the same headers as a Messages call (`x-api-key`,
 * `anthropic-version`, `anthropic-beta`). The requests are the ones `@anthropic-ai/sdk` sends for
 * `messages.batches.create`, `retrieve`, `list`, `cancel` and `results`, except that the results are read from
 * the batch's path under our own base URL rather than from its absolute `results_url` (the key is only ever sent
 * to the configured base URL).
 *
 * @module
 */
import { type CallOptions, SwebenchError, type UnifiedRequest } from "../core/mod.ts";
import { headerKeyAuth } from "../http/auth.ts";
import {
  ANTHROPIC_DEFAULT_BASE_URL,
  ANTHROPIC_DEFAULT_VERSION,
  type AnthropicProviderOptions,
  normalizeAnthropicBaseUrl,
} from "../providers/anthropic/provider.ts";
import { collectSecrets } from "../providers/kit/transport.ts";
import { type BatchApi, type BatchPage, batchPageOf, scanBatches } from "./api.ts";
import { createBatchHttp, hasStatus, keyCheck } from "./http.ts";
import { anthropicBatchRequest } from "./lines.ts";
import { decodeAnthropicBatchLine } from "./results.ts";
import type { BatchCounts, BatchInfo, BatchLimits } from "./types.ts";

/**
 * Anthropic's limits: 100,000 requests and 256 MB per create request (counted as 256,000,000 bytes, the smaller
 * reading). Items are elements of `{"requests":[...]}`: a comma each, 15 bytes around them.
 */
export const ANTHROPIC_BATCH_LIMITS: BatchLimits = {
  maxRequests: 100_000,
  maxBytes: 256_000_000,
  itemOverhead: 1,
  fixedOverhead: 15,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function time(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * An Anthropic `message_batch` object -> {@linkcode BatchInfo}. An ended batch ended `canceled` when a cancel was
 * asked, `expired` when requests expired, else `completed`. A body that is not a batch is a `server` error.
 *
 * @example
 * ```ts
 * import { decodeAnthropicBatch } from "./anthropic_api.ts";
 * const b = decodeAnthropicBatch({ id: "msgbatch_1", type: "message_batch", processing_status: "in_progress",
 *   created_at: "2026-01-01T00:00:00Z", request_counts: { processing: 2, succeeded: 1, errored: 0, canceled: 0, expired: 0 } });
 * b.counts.total; // 3
 * ```
 */
export function decodeAnthropicBatch(body: unknown, provider = "anthropic"): BatchInfo {
  if (!isRecord(body) || typeof body.id !== "string" || typeof body.processing_status !== "string") {
    throw new SwebenchError("server", `${provider}: the answer is not a message batch.`, {
      provider,
      body: JSON.stringify(body)?.slice(0, 2048),
    });
  }
  const rc = isRecord(body.request_counts) ? body.request_counts : {};
  const counts: BatchCounts = {
    total: 0,
    succeeded: num(rc.succeeded),
    errored: num(rc.errored),
    expired: num(rc.expired),
    canceled: num(rc.canceled),
    processing: num(rc.processing),
  };
  counts.total = counts.succeeded + counts.errored + counts.expired + counts.canceled + counts.processing;
  const status = body.processing_status;
  const info: BatchInfo = {
    id: body.id,
    state: status === "ended" ? "ended" : status === "canceling" ? "canceling" : "in_progress",
    status,
    counts,
    createdAt: time(body.created_at) ?? 0,
    lineErrors: [],
  };
  if (status === "ended") {
    info.ending = body.cancel_initiated_at ? "canceled" : counts.expired > 0 ? "expired" : "completed";
    const endedAt = time(body.ended_at);
    if (endedAt !== undefined) info.endedAt = endedAt;
  }
  const expiresAt = time(body.expires_at);
  if (expiresAt !== undefined) info.expiresAt = expiresAt;
  info.resultsReady = typeof body.results_url === "string" && body.results_url !== "";
  return info;
}

/**
 * Create the Anthropic batch client. Same options as the Anthropic provider (key, base URL without `/v1`,
 * version, beta, headers, timeouts); a missing key for api.anthropic.com is a `config` error before any request.
 *
 * @example
 * ```ts ignore
 * import { createAnthropicBatchApi } from "./anthropic_api.ts";
 * const api = createAnthropicBatchApi({ apiKey: Deno.env.get("ANTHROPIC_API_KEY") });
 * console.log((await api.list()).batches.map((b) => `${b.id} ${b.status}`));
 * ```
 */
export function createAnthropicBatchApi(options: AnthropicProviderOptions = {}): BatchApi {
  const name = options.name ?? "anthropic";
  const baseUrl = normalizeAnthropicBaseUrl(options.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL, name);
  const official = new URL(baseUrl).hostname === "api.anthropic.com";
  const apiKey = options.apiKey?.trim() || undefined;
  const version = options.version ?? ANTHROPIC_DEFAULT_VERSION;
  const headers = {
    "anthropic-version": version,
    ...(options.beta ? { "anthropic-beta": options.beta } : {}),
    ...(apiKey === undefined ? {} : headerKeyAuth("x-api-key", apiKey).headers()),
  };
  const http = createBatchHttp({
    name,
    baseUrl,
    headers,
    userHeaders: options.headers,
    secrets: collectSecrets(apiKey === undefined ? [] : [apiKey], options.headers),
    fetch: options.fetch,
    timeouts: options.timeouts,
    connectionHint: official ? undefined : `Is the server at ${baseUrl} running? (The base URL has no /v1.)`,
  });
  const requireKey = keyCheck({
    name,
    baseUrl,
    official,
    apiKey,
    env: "ANTHROPIC_API_KEY",
    kind: "anthropic",
  });
  const path = (id: string, rest = "") => `/v1/messages/batches/${encodeURIComponent(id)}${rest}`;
  const batchCall = async (method: "GET" | "POST", id: string, rest: string, call: CallOptions) => {
    requireKey();
    try {
      return decodeAnthropicBatch(
        await http.json(method, path(id, rest), undefined, call, "the batch"),
        name,
      );
    } catch (error) {
      if (!hasStatus(error, 404)) throw http.named(error, call);
      throw new SwebenchError("usage", `${name}: no message batch ${id} at ${baseUrl} (${error.message}).`, {
        provider: name,
        status: 404,
        hint: "Check the id with `swebench batch list`; a batch belongs to the key's workspace.",
      });
    }
  };

  const api: BatchApi = {
    provider: name,
    kind: "anthropic",
    baseUrl,
    limits: ANTHROPIC_BATCH_LIMITS,
    encode: (customId: string, request: UnifiedRequest) => anthropicBatchRequest(customId, request, version),

    async create(items, create) {
      requireKey();
      // The body is built from the encoded items as they are (no second JSON.stringify of up to 256 MB).
      const parts: string[] = ['{"requests":['];
      items.forEach((item, i) => parts.push(i === 0 ? item : `,${item}`));
      parts.push("]}");
      const body = new Blob(parts, { type: "application/json" });
      try {
        return decodeAnthropicBatch(
          await http.json("POST", "/v1/messages/batches", body, create, "the new batch"),
          name,
        );
      } catch (error) {
        throw http.named(error, create);
      }
    },

    retrieve: (id, call = {}) => batchCall("GET", id, "", call),

    cancel: (id, call = {}) => batchCall("POST", id, "/cancel", call),

    async list(query = {}, call = {}): Promise<BatchPage> {
      requireKey();
      const params = new URLSearchParams({ limit: String(query.limit ?? 20) });
      if (query.after !== undefined) params.set("after_id", query.after);
      let body: unknown;
      try {
        body = await http.json("GET", `/v1/messages/batches?${params}`, undefined, call, "the batch list");
      } catch (error) {
        throw http.named(error, call);
      }
      return batchPageOf(body, decodeAnthropicBatch, name);
    },

    async *results(batch, call = {}) {
      requireKey();
      for await (const line of http.lines(path(batch.id, "/results"), call, "the batch results")) {
        yield decodeAnthropicBatchLine(line, name);
      }
    },

    findLost: (query, call = {}) =>
      scanBatches(api, query.since, (b) => b.counts.total === query.requests, call),
  };
  return api;
}
