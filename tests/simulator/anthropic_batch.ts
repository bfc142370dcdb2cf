/**
 * Anthropic Message Batches of the Anthropic simulator: `POST/GET /v1/messages/batches`,
 * `GET/DELETE /v1/messages/batches/{id}`, `POST /v1/messages/batches/{id}/cancel`,
 * `GET /v1/messages/batches/{id}/results` (JSON lines, see `tests/fixtures/captures/anthropic-batch/`).
 *
 * @module
 */

import {
  anthropicErrorBody,
  checkBody,
  checkHeaders,
  errorResponse,
  generate,
  isRefusal,
  jsonHeaders,
  messageForType,
  messageObject,
  newRequestId,
  prepare,
  type Prepared,
  type Refusal,
  type State,
  statusFaultResponse,
  versionOf,
} from "./anthropic.ts";
import {
  type BatchBase,
  type BatchEntry,
  batchFaults,
  batchReply,
  BatchStore,
  limitOf,
  pageOf,
} from "./batch.ts";
import type { HandlerContext } from "./core.ts";
import type { SimRequest } from "./types.ts";
import { isRecord, randomString } from "./util.ts";

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

interface MessageBatch extends BatchBase {
  status: "in_progress" | "canceling" | "ended";
  createdIso: string;
  endedAt: string | null;
  cancelAt: string | null;
  version: string;
  finished: BatchEntry[];
  prepared: Map<number, { prep: Prepared | Refusal; log: SimRequest }>;
}

/** RFC 3339 with microseconds (`2024-08-20T18:37:24.100435Z`), as the API writes its batch times. */
function rfc3339(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000Z`;
}

/** The Message Batches API; `handle` answers its paths (and `undefined` for any other). */
export class AnthropicBatchApi {
  readonly #state: State;
  readonly store: BatchStore<MessageBatch>;

  /** The Message Batches API of the simulator whose state is given. */
  constructor(state: State) {
    this.#state = state;
    this.store = new BatchStore<MessageBatch>(state.core, {
      step: (b) => this.#step(b),
      ended: (b) => b.status === "ended",
      expire: (b) => this.#end(b, "expired"),
      status: (b) => b.status,
    });
  }

  /** Answer a Message Batches request, or `undefined` when the path is not one of theirs. */
  handle(ctx: HandlerContext): Promise<Response> | undefined {
    const path = ctx.url.pathname.replace(/\/+$/, "");
    if (path !== "/v1/messages/batches" && !path.startsWith("/v1/messages/batches/")) return undefined;
    return this.#route(ctx, path, ctx.request.method);
  }

  async #route(ctx: HandlerContext, path: string, method: string): Promise<Response> {
    const state = this.#state;
    const core = state.core;
    const plan = await batchFaults(core, ctx, method === "POST" && path === "/v1/messages/batches");
    if (plan.early) return plan.early;
    if (plan.status) return statusFaultResponse(state, plan.status);
    const bad = checkHeaders(state, ctx.request.headers);
    if (bad) return bad;
    const send = (body: unknown, type = "application/json") =>
      batchReply(
        core,
        ctx,
        plan.fault,
        200,
        jsonHeaders(state, newRequestId(), type),
        typeof body === "string" ? body : JSON.stringify(body),
      );
    const refuse = (status: number, message: string, type = "invalid_request_error") =>
      errorResponse(state, status, type, message);

    if (path === "/v1/messages/batches" && method === "POST") {
      const version = versionOf(ctx);
      const body = ctx.log.body;
      const max = core.options.batch?.maxBytes ?? 256 * 1024 * 1024;
      const size = Number(ctx.request.headers.get("content-length") ?? JSON.stringify(body ?? "").length);
      if (size > max) {
        return refuse(413, "Request exceeds the maximum allowed number of bytes.", "request_too_large");
      }
      if (!ctx.json || !isRecord(body)) return refuse(400, "Invalid JSON in request body");
      const requests = body.requests;
      if (!Array.isArray(requests)) return refuse(400, "requests: Field required");
      const limit = core.options.batch?.maxRequests ?? 100_000;
      if (requests.length === 0) {
        return refuse(400, "requests: List should have at least 1 item after validation, not 0");
      }
      if (requests.length > limit) {
        return refuse(
          400,
          `requests: List should have at most ${limit} items after validation, not ${requests.length}`,
        );
      }
      const seen = new Set<string>();
      for (let i = 0; i < requests.length; i++) {
        const r = requests[i];
        if (!isRecord(r)) return refuse(400, `requests.${i}: Input should be a valid dictionary`);
        if (typeof r.custom_id !== "string") return refuse(400, `requests.${i}.custom_id: Field required`);
        if (!CUSTOM_ID.test(r.custom_id)) {
          return refuse(400, `requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
        }
        if (seen.has(r.custom_id)) {
          return refuse(400, `requests.${i}.custom_id: Duplicate custom_id '${r.custom_id}' in this batch`);
        }
        seen.add(r.custom_id);
        if (!isRecord(r.params)) return refuse(400, `requests.${i}.params: Field required`);
      }
      return send(
        this.#view(await this.#create(requests as { custom_id: string; params: unknown }[], version, ctx)),
      );
    }
    if (path === "/v1/messages/batches" && method === "GET") {
      const page = pageOf(this.store.newestFirst(), {
        after: ctx.url.searchParams.get("after_id"),
        before: ctx.url.searchParams.get("before_id"),
        limit: limitOf(ctx.url, 20, 1000),
      });
      const data = page.data.map((b) => this.#view(b));
      return send({
        data,
        has_more: page.hasMore,
        first_id: data[0]?.id ?? null,
        last_id: data[data.length - 1]?.id ?? null,
      });
    }
    const m = /^\/v1\/messages\/batches\/([^/]+)(\/cancel|\/results)?$/.exec(path);
    if (m) {
      const id = decodeURIComponent(m[1]);
      const b = this.store.get(id);
      if (!b) return refuse(404, `Message batch ${id} not found`, "not_found_error");
      if (!m[2] && method === "GET") {
        this.store.polled(b);
        return send(this.#view(b));
      }
      if (!m[2] && method === "DELETE") {
        if (b.status !== "ended") {
          return refuse(
            400,
            `Message batch ${id} is still processing; cancel it and wait for it to end first.`,
          );
        }
        this.store.batches.delete(id);
        return send({ id, type: "message_batch_deleted" });
      }
      if (m[2] === "/cancel" && method === "POST") {
        if (b.status === "ended") return refuse(400, `Message batch ${id} has already ended.`);
        if (b.status === "in_progress") {
          b.status = "canceling";
          b.cancelAt = rfc3339(this.store.now());
        }
        return send(this.#view(b));
      }
      if (m[2] === "/results" && method === "GET") {
        if (b.status !== "ended") {
          return refuse(400, `Message batch ${id} has not ended yet; its results are not ready.`);
        }
        const lines = [...b.finished].reverse().map((e) => JSON.stringify(e.done?.result));
        return send(lines.join("\n") + "\n", "application/binary");
      }
    }
    return refuse(404, "Not Found", "not_found_error");
  }

  async #create(
    requests: { custom_id: string; params: unknown }[],
    version: string,
    ctx: HandlerContext,
  ): Promise<MessageBatch> {
    const now = this.store.now();
    const id = `msgbatch_01${randomString(22)}`;
    const b: MessageBatch = {
      id,
      createdAt: now,
      expiresAt: now + this.store.windowMs(),
      steps: 0,
      entries: requests.map((r, index) => ({
        index,
        customId: r.custom_id,
        body: r.params,
        outcome: this.store.outcomeOf(id, index, r.custom_id, r.params),
      })),
      status: "in_progress",
      createdIso: rfc3339(now),
      endedAt: null,
      cancelAt: null,
      version,
      finished: [],
      prepared: new Map(),
    };
    // Params are checked when a request runs (the API validates them asynchronously); counting is async, steps
    // are not, so each request is prepared now and answered when its step comes.
    for (const e of b.entries) {
      if (e.outcome.type !== "succeeded") continue;
      const checked = checkBody(this.#state, e.body, true, true, version);
      const log = this.#log(ctx, e);
      b.prepared.set(e.index, {
        log,
        prep: isRefusal(checked) ? checked : await prepare(this.#state, checked, log),
      });
    }
    this.store.add(b);
    return b;
  }

  /** A request record for `respond` and the counters: `path` is the Messages endpoint, `body` the params. */
  #log(ctx: HandlerContext, e: BatchEntry): SimRequest {
    return {
      method: "POST",
      path: "/v1/messages",
      search: "",
      headers: ctx.request.headers,
      body: e.body,
      receivedAt: Date.now(),
    };
  }

  #step(b: MessageBatch): void {
    if (b.status === "canceling") return this.#end(b, "canceled");
    const left = this.store.work(b, (e) => this.#run(b, e));
    if (!left.more) this.#end(b, "expired");
  }

  #run(b: MessageBatch, e: BatchEntry): void {
    const o = e.outcome;
    const errored = (type: string, message: string) => {
      e.done = {
        kind: "errored",
        result: {
          custom_id: e.customId,
          result: { type: "errored", error: anthropicErrorBody(type, message) },
        },
      };
    };
    if (o.type === "errored" || o.type === "timeout") {
      const type = o.type === "errored" ? (o.errorType ?? "api_error") : "api_error";
      errored(type, (o.type === "errored" ? o.message : undefined) ?? messageForType(type));
    } else {
      const got = b.prepared.get(e.index);
      if (!got) {
        errored("api_error", "Internal server error");
      } else if ("status" in got.prep) {
        errored(got.prep.type, got.prep.message);
      } else {
        const message = messageObject(generate(this.#state, got.log, e.body, got.prep, "batch"));
        e.done = {
          kind: "succeeded",
          result: { custom_id: e.customId, result: { type: "succeeded", message } },
        };
      }
    }
    b.finished.push(e);
  }

  /** End the batch; requests without an end become `kind` (expired when the window closed, canceled on cancel). */
  #end(b: MessageBatch, kind: "expired" | "canceled"): void {
    for (const e of b.entries) {
      if (e.done) continue;
      e.done = { kind, result: { custom_id: e.customId, result: { type: kind } } };
      b.finished.push(e);
    }
    b.status = "ended";
    b.endedAt = rfc3339(this.store.now());
  }

  #view(b: MessageBatch): Record<string, unknown> {
    const count = (kind: string) => b.entries.filter((e) => e.done?.kind === kind).length;
    return {
      id: b.id,
      type: "message_batch",
      processing_status: b.status,
      request_counts: {
        processing: b.entries.filter((e) => !e.done).length,
        succeeded: count("succeeded"),
        errored: count("errored"),
        canceled: count("canceled"),
        expired: count("expired"),
      },
      ended_at: b.endedAt,
      created_at: b.createdIso,
      expires_at: rfc3339(b.expiresAt),
      archived_at: null,
      cancel_initiated_at: b.cancelAt,
      results_url: b.status === "ended"
        ? `${this.#state.core.url}/v1/messages/batches/${b.id}/results`
        : null,
    };
  }
}
