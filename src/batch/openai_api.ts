/**
 * The OpenAI Batch API client: `POST /files` (multipart, purpose `batch`), `POST /batches`, `GET /batches[/{id}]`,
 * `POST /batches/{id}/cancel`, `GET /files/{id}/content` (output and error files), under a base URL with `/v1`
 * (as `OPENAI_BASE_URL`). The requests are the ones `openai` 7.x sends for `files.create`, `batches.create`,
 * `retrieve`, `list`, `cancel` and `files.content`.
 *
 * @module
 */
import { type CallOptions, SwebenchError, type UnifiedRequest } from "../core/mod.ts";
import { bearerAuth } from "../http/auth.ts";
import { OPENAI_DEFAULT_BASE_URL, type OpenAIProviderOptions } from "../providers/openai/provider.ts";
import { collectSecrets } from "../providers/kit/transport.ts";
import { normalizeHttpBaseUrl } from "../providers/kit/whole_body.ts";
import { type BatchApi, type BatchPage, batchPageOf, scanBatches } from "./api.ts";
import { createBatchHttp, hasStatus, keyCheck } from "./http.ts";
import { OPENAI_BATCH_ENDPOINT, openAIBatchLine } from "./lines.ts";
import { decodeOpenAIBatchLine } from "./results.ts";
import type { BatchCounts, BatchEnding, BatchInfo, BatchLimits, BatchState } from "./types.ts";

/**
 * OpenAI's limits: 50,000 requests and 200 MB per input file. Counted in decimal megabytes (200,000,000 bytes), the
 * smaller reading of "200 MB", so a file never passes the limit whichever the API means.
 */
export const OPENAI_BATCH_LIMITS: BatchLimits = {
  maxRequests: 50_000,
  maxBytes: 200_000_000,
  itemOverhead: 1,
  fixedOverhead: 0,
};

/** Metadata key holding the journal's tag. */
export const TAG_KEY = "swebench_tag";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function ms(seconds: unknown): number | undefined {
  return typeof seconds === "number" && Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

const ENDINGS: Readonly<Record<string, BatchEnding>> = {
  completed: "completed",
  failed: "failed",
  expired: "expired",
  cancelled: "canceled",
};

const STATES: Readonly<Record<string, BatchState>> = {
  validating: "validating",
  in_progress: "in_progress",
  finalizing: "finalizing",
  cancelling: "canceling",
};

/**
 * An OpenAI batch object -> {@linkcode BatchInfo}. A body that is not a batch is a `server` error.
 *
 * @example
 * ```ts
 * import { decodeOpenAIBatch } from "./openai_api.ts";
 * const b = decodeOpenAIBatch({ id: "batch_1", object: "batch", status: "in_progress", created_at: 1700000000,
 *   request_counts: { total: 3, completed: 1, failed: 0 } });
 * b.counts.processing; // 2
 * ```
 */
export function decodeOpenAIBatch(body: unknown, provider = "openai"): BatchInfo {
  if (!isRecord(body) || typeof body.id !== "string" || typeof body.status !== "string") {
    throw new SwebenchError("server", `${provider}: the answer is not a batch object.`, {
      provider,
      body: JSON.stringify(body)?.slice(0, 2048),
    });
  }
  const status = body.status;
  const ending = ENDINGS[status];
  const state: BatchState = ending !== undefined ? "ended" : STATES[status] ?? "in_progress";
  const rc = isRecord(body.request_counts) ? body.request_counts : {};
  const total = num(rc.total);
  const succeeded = num(rc.completed);
  const errored = num(rc.failed);
  const left = Math.max(0, total - succeeded - errored);
  const counts: BatchCounts = {
    total,
    succeeded,
    errored,
    expired: ending === "expired" ? left : 0,
    canceled: ending === "canceled" ? left : 0,
    processing: ending === undefined ? left : 0,
  };
  const errors = isRecord(body.errors) && Array.isArray(body.errors.data) ? body.errors.data : [];
  const info: BatchInfo = {
    id: body.id,
    state,
    status,
    counts,
    createdAt: ms(body.created_at) ?? 0,
    lineErrors: errors.filter(isRecord).map((e) => ({
      code: typeof e.code === "string" ? e.code : "error",
      message: typeof e.message === "string" ? e.message : "",
      ...(typeof e.line === "number" ? { line: e.line } : {}),
      ...(typeof e.param === "string" ? { param: e.param } : {}),
    })),
  };
  if (ending !== undefined) info.ending = ending;
  const expiresAt = ms(body.expires_at);
  if (expiresAt !== undefined) info.expiresAt = expiresAt;
  const endedAt = ms(body.completed_at ?? body.failed_at ?? body.expired_at ?? body.cancelled_at);
  if (ending !== undefined && endedAt !== undefined) info.endedAt = endedAt;
  if (typeof body.model === "string") info.model = body.model;
  if (isRecord(body.metadata)) {
    info.metadata = Object.fromEntries(
      Object.entries(body.metadata).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
  }
  if (typeof body.output_file_id === "string") info.outputFileId = body.output_file_id;
  if (typeof body.error_file_id === "string") info.errorFileId = body.error_file_id;
  return info;
}

/**
 * Create the OpenAI batch client. Same options as the OpenAI provider (key, base URL with `/v1`, organization,
 * project, headers, timeouts); a missing key for api.openai.com is a `config` error before any request.
 *
 * @example
 * ```ts ignore
 * import { createOpenAIBatchApi } from "./openai_api.ts";
 * const api = createOpenAIBatchApi({ apiKey: Deno.env.get("OPENAI_API_KEY") });
 * console.log((await api.list()).batches.map((b) => `${b.id} ${b.status}`));
 * ```
 */
export function createOpenAIBatchApi(options: OpenAIProviderOptions = {}): BatchApi {
  const name = options.name ?? "openai";
  const baseUrl = normalizeHttpBaseUrl(options.baseUrl ?? OPENAI_DEFAULT_BASE_URL, {
    name,
    invalidHint: "Use a full URL with /v1, e.g. https://api.openai.com/v1 (OPENAI_BASE_URL or --base-url).",
    credentialsHint: "Put the key in OPENAI_API_KEY (or `swebench provider init`), not in the URL.",
  });
  const official = new URL(baseUrl).hostname === "api.openai.com";
  const apiKey = options.apiKey?.trim() || undefined;
  const auth = apiKey === undefined ? undefined : bearerAuth(apiKey);
  const http = createBatchHttp({
    name,
    baseUrl,
    headers: {
      ...(options.organization ? { "OpenAI-Organization": options.organization } : {}),
      ...(options.project ? { "OpenAI-Project": options.project } : {}),
      ...auth?.headers(),
    },
    userHeaders: options.headers,
    secrets: collectSecrets(auth?.secrets() ?? [], options.headers),
    fetch: options.fetch,
    timeouts: options.timeouts,
    connectionHint: official ? undefined : `Is the server at ${baseUrl} running? (The base URL ends in /v1.)`,
  });
  const requireKey = keyCheck({ name, baseUrl, official, apiKey, env: "OPENAI_API_KEY", kind: "openai" });
  const noSuchBatch = (id: string, error: SwebenchError) =>
    new SwebenchError("usage", `${name}: no batch ${id} at ${baseUrl} (${error.message}).`, {
      provider: name,
      status: 404,
      hint: "Check the id with `swebench batch list`; a batch belongs to the key's organization and project.",
    });
  const noBatchApi = (error: SwebenchError) =>
    new SwebenchError("config", `${name}: ${baseUrl} has no Batch API (${error.message}).`, {
      provider: name,
      status: 404,
      hint: "Batches need the official API (or a proxy that forwards /v1/files and /v1/batches).",
    });
  const batchCall = async (
    method: "GET" | "POST",
    path: string,
    id: string,
    call: CallOptions,
  ): Promise<BatchInfo> => {
    requireKey();
    try {
      return decodeOpenAIBatch(await http.json(method, path, undefined, call, "the batch"), name);
    } catch (error) {
      throw hasStatus(error, 404) ? noSuchBatch(id, error) : http.named(error, call);
    }
  };

  const api: BatchApi = {
    provider: name,
    kind: "openai",
    baseUrl,
    limits: OPENAI_BATCH_LIMITS,
    encode: (customId: string, request: UnifiedRequest) => openAIBatchLine(customId, request),

    async create(items, create) {
      requireKey();
      const call: CallOptions = create;
      const form = new FormData();
      form.append("purpose", "batch");
      const parts: string[] = [];
      for (const item of items) parts.push(item, "\n");
      form.append("file", new Blob(parts, { type: "application/jsonl" }), `swebench-${create.tag}.jsonl`);
      let file: unknown;
      try {
        file = await http.json("POST", "/files", form, call, "the uploaded file");
      } catch (error) {
        throw hasStatus(error, 404) ? noBatchApi(error) : http.named(error, call);
      }
      const fileId = isRecord(file) && typeof file.id === "string" ? file.id : undefined;
      if (fileId === undefined) {
        throw new SwebenchError("server", `${name}: the upload's answer has no file id.`, {
          provider: name,
          body: JSON.stringify(file)?.slice(0, 2048),
        });
      }
      await create.onUploaded?.(fileId);
      const body = {
        input_file_id: fileId,
        endpoint: OPENAI_BATCH_ENDPOINT,
        completion_window: "24h",
        metadata: { [TAG_KEY]: create.tag },
      };
      try {
        return decodeOpenAIBatch(await http.json("POST", "/batches", body, call, "the new batch"), name);
      } catch (error) {
        throw http.named(error, call);
      }
    },

    retrieve: (id, call = {}) => batchCall("GET", `/batches/${encodeURIComponent(id)}`, id, call),

    cancel: (id, call = {}) => batchCall("POST", `/batches/${encodeURIComponent(id)}/cancel`, id, call),

    async list(query = {}, call = {}): Promise<BatchPage> {
      requireKey();
      const params = new URLSearchParams({ limit: String(query.limit ?? 20) });
      if (query.after !== undefined) params.set("after", query.after);
      let body: unknown;
      try {
        body = await http.json("GET", `/batches?${params}`, undefined, call, "the batch list");
      } catch (error) {
        throw hasStatus(error, 404) ? noBatchApi(error) : http.named(error, call);
      }
      return batchPageOf(body, decodeOpenAIBatch, name);
    },

    async *results(batch, call = {}) {
      requireKey();
      const files: [string | undefined, string][] = [
        [batch.outputFileId, "the output file"],
        [batch.errorFileId, "the error file"],
      ];
      for (const [fileId, what] of files) {
        if (fileId === undefined) continue;
        for await (const line of http.lines(`/files/${encodeURIComponent(fileId)}/content`, call, what)) {
          yield decodeOpenAIBatchLine(line, name);
        }
      }
    },

    findLost: (query, call = {}) =>
      scanBatches(api, query.since, (b) => b.metadata?.[TAG_KEY] === query.tag, call),
  };
  return api;
}
