/**
 * The OpenAI Files and Batch APIs of the OpenAI simulator: `POST/GET /v1/files`, `GET/DELETE /v1/files/{id}`,
 * `GET /v1/files/{id}/content`, `POST/GET /v1/batches`, `GET /v1/batches/{id}`, `POST /v1/batches/{id}/cancel`.
 * Output and error files use the real line format (see `tests/fixtures/captures/openai-batch/`).
 *
 * @module
 */

import {
  type BatchBase,
  type BatchEntry,
  batchFaults,
  batchReply,
  BatchStore,
  limitOf,
  pageOf,
} from "./batch.ts";
import type { HandlerContext, SimCore } from "./core.ts";
import {
  chatCompletionBody,
  chatCtx,
  type ChatHooks,
  checkBearer,
  errorResponse,
  OPENAI_SNAPSHOTS,
  openAIErrorBody,
  openAIStatusBody,
  prepareChat,
} from "./openai.ts";
import type { SimOptions, SimRequest } from "./types.ts";
import { isRecord, randomHex, randomString } from "./util.ts";

/** Endpoints a batch can target (`BatchCreateParams.endpoint` of openai 7.57). */
const ENDPOINTS = new Set([
  "/v1/responses",
  "/v1/chat/completions",
  "/v1/embeddings",
  "/v1/completions",
  "/v1/moderations",
  "/v1/images/generations",
  "/v1/images/edits",
  "/v1/videos",
]);
const PURPOSES = new Set(["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]);

interface StoredFile {
  obj: Record<string, unknown>;
  bytes: Uint8Array;
}

interface LineError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

interface OpenAIBatch extends BatchBase {
  obj: Record<string, unknown>;
  status: string;
  endpoint: string;
  lineErrors: LineError[];
  /** Lines in the order they finished. */
  finished: BatchEntry[];
}

const sec = (ms: number) => Math.floor(ms / 1000);

/** The Files and Batch APIs; `handle` answers their paths (and `undefined` for any other). */
export class OpenAIBatchApi {
  readonly #core: SimCore<SimOptions>;
  readonly #hooks: ChatHooks;
  readonly #files = new Map<string, StoredFile>();
  readonly store: BatchStore<OpenAIBatch>;

  /** The Files and Batch APIs of the simulator whose `core` and chat `hooks` are given. */
  constructor(core: SimCore<SimOptions>, hooks: ChatHooks) {
    this.#core = core;
    this.#hooks = hooks;
    this.store = new BatchStore<OpenAIBatch>(core, {
      step: (b) => this.#step(b),
      ended: (b) => ["completed", "failed", "expired", "cancelled"].includes(b.status),
      expire: (b) => this.#end(b, "expired"),
      status: (b) => b.status,
    });
  }

  /** Answer a Files / Batches request, or `undefined` when the path is not one of theirs. */
  handle(ctx: HandlerContext): Promise<Response> | undefined {
    const path = ctx.url.pathname.replace(/\/+$/, "");
    const method = ctx.request.method;
    if (!path.startsWith("/v1/files") && !path.startsWith("/v1/batches")) return undefined;
    return this.#route(ctx, path, method);
  }

  async #route(ctx: HandlerContext, path: string, method: string): Promise<Response> {
    const creates = method === "POST" && (path === "/v1/files" || path === "/v1/batches");
    const plan = await batchFaults(this.#core, ctx, creates);
    if (plan.early) return plan.early;
    const c = chatCtx(this.#core, this.#hooks);
    if (plan.status) {
      const f = plan.status;
      return errorResponse(c, f.status, f.body ?? openAIStatusBody(f.status, f.code, f.message), f.headers);
    }
    const auth = checkBearer(this.#core.options, ctx.request.headers);
    if (auth) {
      return errorResponse(c, 401, openAIStatusBody(401, auth === "invalid" ? "invalid_api_key" : undefined));
    }
    const send = (status: number, body: unknown, bytes?: Uint8Array, type = "application/json") => {
      const h = new Headers({ "content-type": type, "x-request-id": `req_${randomHex(32)}` });
      return batchReply(this.#core, ctx, plan.fault, status, h, bytes ? "" : JSON.stringify(body), bytes);
    };
    const bad = (status: number, message: string, param: string | null = null, code: string | null = null) =>
      send(status, openAIErrorBody(message, "invalid_request_error", code, param));

    // Files.
    if (path === "/v1/files" && method === "POST") {
      const form = ctx.form;
      const file = form?.get("file");
      const purpose = form?.get("purpose");
      if (!form) return bad(400, "The request must be multipart/form-data with 'file' and 'purpose'.");
      if (typeof purpose !== "string") return bad(400, "Missing required parameter: 'purpose'.", "purpose");
      if (!PURPOSES.has(purpose)) {
        return bad(400, `Invalid value for 'purpose': '${purpose}'.`, "purpose", "invalid_value");
      }
      if (!(file instanceof File)) return bad(400, "Missing required parameter: 'file'.", "file");
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (purpose === "batch") {
        if (!file.name.endsWith(".jsonl")) {
          return bad(400, "Invalid file format for Batch API. Must be .jsonl", "file", "invalid_file_format");
        }
        const max = this.#core.options.batch?.maxBytes ?? 200 * 1024 * 1024;
        if (bytes.length > max) {
          return bad(
            400,
            `File is too large: ${bytes.length} bytes. Batch input files can be at most ${max} bytes.`,
            "file",
            "file_too_large",
          );
        }
      }
      return send(200, this.#addFile(file.name, purpose, bytes));
    }
    if (path === "/v1/files" && method === "GET") {
      const purpose = ctx.url.searchParams.get("purpose");
      const order = ctx.url.searchParams.get("order") === "asc" ? "asc" : "desc";
      let all = [...this.#files.values()].map((f) => f.obj).filter((o) => !purpose || o.purpose === purpose);
      if (order === "desc") all = all.reverse();
      const page = pageOf(all as { id: string }[], {
        after: ctx.url.searchParams.get("after"),
        limit: limitOf(ctx.url, 10000, 10000),
      });
      return send(200, listOf(page.data, page.hasMore));
    }
    const fileMatch = /^\/v1\/files\/([^/]+)(\/content)?$/.exec(path);
    if (fileMatch) {
      const id = decodeURIComponent(fileMatch[1]);
      const f = this.#files.get(id);
      if (!f) return bad(404, `No such File object: ${id}`, "id");
      if (fileMatch[2] && method === "GET") return send(200, undefined, f.bytes, "application/octet-stream");
      if (!fileMatch[2] && method === "GET") return send(200, f.obj);
      if (!fileMatch[2] && method === "DELETE") {
        this.#files.delete(id);
        return send(200, { id, object: "file", deleted: true });
      }
    }

    // Batches.
    if (path === "/v1/batches" && method === "POST") {
      const body = ctx.log.body;
      if (!ctx.json || !isRecord(body)) return bad(400, "We could not parse the JSON body of your request.");
      for (const k of ["input_file_id", "endpoint", "completion_window"]) {
        if (typeof body[k] !== "string") return bad(400, `Missing required parameter: '${k}'.`, k);
      }
      if (!ENDPOINTS.has(body.endpoint as string)) {
        return bad(400, `Invalid value for 'endpoint': '${body.endpoint}'.`, "endpoint", "invalid_value");
      }
      if (body.completion_window !== "24h") {
        return bad(
          400,
          `Invalid value for 'completion_window': '${body.completion_window}'. Supported values are: '24h'.`,
          "completion_window",
          "invalid_value",
        );
      }
      const input = this.#files.get(body.input_file_id as string);
      if (!input) return bad(404, `No such File object: ${body.input_file_id}`, "input_file_id");
      if (input.obj.purpose !== "batch") {
        return bad(
          400,
          `The file ${body.input_file_id} has purpose '${input.obj.purpose}', expected 'batch'.`,
        );
      }
      return send(200, await this.#create(body, input));
    }
    if (path === "/v1/batches" && method === "GET") {
      const page = pageOf(this.store.newestFirst(), {
        after: ctx.url.searchParams.get("after"),
        limit: limitOf(ctx.url, 20, 100),
      });
      return send(200, listOf(page.data.map((b) => this.#view(b)), page.hasMore));
    }
    const batchMatch = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path);
    if (batchMatch) {
      const id = decodeURIComponent(batchMatch[1]);
      const b = this.store.get(id);
      if (!b) return bad(404, `No batch found with id '${id}'.`, "batch_id");
      if (batchMatch[2] && method === "POST") {
        if (!["validating", "in_progress", "finalizing"].includes(b.status)) {
          return bad(400, `Cannot cancel a batch with status '${b.status}'.`);
        }
        b.status = "cancelling";
        b.obj.cancelling_at = sec(this.store.now());
        return send(200, this.#view(b));
      }
      if (!batchMatch[2] && method === "GET") {
        this.store.polled(b);
        return send(200, this.#view(b));
      }
    }
    return bad(404, `Invalid URL (${method} ${path})`);
  }

  #addFile(filename: string, purpose: string, bytes: Uint8Array): Record<string, unknown> {
    const created = sec(this.store.now());
    const obj: Record<string, unknown> = {
      object: "file",
      id: `file-${randomString(22)}`,
      purpose,
      filename,
      bytes: bytes.length,
      created_at: created,
      expires_at: purpose === "batch" || purpose === "batch_output" ? created + 30 * 86400 : null,
      status: "processed",
      status_details: null,
    };
    this.#files.set(obj.id as string, { obj, bytes });
    return obj;
  }

  async #create(body: Record<string, unknown>, input: StoredFile): Promise<Record<string, unknown>> {
    const now = this.store.now();
    const id = `batch_${randomHex(32)}`;
    const { entries, errors, model } = this.#parse(id, input, body.endpoint as string);
    const obj: Record<string, unknown> = {
      id,
      object: "batch",
      endpoint: body.endpoint,
      model: model === undefined ? null : (OPENAI_SNAPSHOTS[model] ?? model),
      errors: null,
      input_file_id: body.input_file_id,
      completion_window: "24h",
      status: "validating",
      output_file_id: null,
      error_file_id: null,
      created_at: sec(now),
      in_progress_at: null,
      expires_at: sec(now + this.store.windowMs()),
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: { total: 0, completed: 0, failed: 0 },
      usage: {
        input_tokens: 0,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 0,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 0,
      },
      metadata: isRecord(body.metadata) ? body.metadata : null,
    };
    const b: OpenAIBatch = {
      id,
      createdAt: now,
      expiresAt: now + this.store.windowMs(),
      steps: 0,
      entries,
      obj,
      status: "validating",
      endpoint: body.endpoint as string,
      lineErrors: errors,
      finished: [],
    };
    if (errors.length === 0) await this.#prepareAll(b);
    this.store.add(b);
    return this.#view(b);
  }

  /** Parse and check the input file's lines (reported at the validating step, as the API does). */
  #parse(
    batchId: string,
    input: StoredFile,
    endpoint: string,
  ): { entries: BatchEntry[]; errors: LineError[]; model?: string } {
    const text = new TextDecoder().decode(input.bytes);
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    const entries: BatchEntry[] = [];
    const errors: LineError[] = [];
    const seen = new Set<string>();
    let model: string | undefined;
    const max = this.#core.options.batch?.maxRequests ?? 50_000;
    if (lines.length === 0) {
      errors.push({ code: "empty_file", message: "The batch input file is empty.", param: null, line: null });
    }
    if (lines.length > max) {
      errors.push({
        code: "too_many_tasks",
        message: `The batch input file has ${lines.length} requests; a batch can have at most ${max}.`,
        param: null,
        line: null,
      });
    }
    lines.forEach((raw, i) => {
      const line = i + 1;
      const err = (code: string, message: string, param: string | null = null) =>
        errors.push({ code, message, param, line });
      let v: unknown;
      try {
        v = JSON.parse(raw);
      } catch {
        return err("invalid_json_line", "This line is not parseable as valid JSON.");
      }
      if (!isRecord(v)) return err("invalid_json_line", "This line is not a JSON object.");
      for (const k of ["custom_id", "method", "url", "body"]) {
        if (v[k] === undefined || v[k] === null) {
          return err("missing_required_parameter", `Missing required parameter: '${k}'.`, k);
        }
      }
      if (typeof v.custom_id !== "string") {
        return err("invalid_type", "'custom_id' must be a string.", "custom_id");
      }
      if (v.method !== "POST") {
        return err("invalid_value", `Invalid value: '${v.method}'. Supported values are: 'POST'.`, "method");
      }
      if (v.url !== endpoint) {
        return err(
          "url_mismatch",
          `The URL '${v.url}' of this line does not match the batch endpoint '${endpoint}'.`,
          "url",
        );
      }
      if (seen.has(v.custom_id)) {
        return err(
          "duplicate_custom_id",
          `The custom_id '${v.custom_id}' is used more than once; each request of a batch needs its own.`,
          "custom_id",
        );
      }
      seen.add(v.custom_id);
      if (!isRecord(v.body)) return err("invalid_type", "'body' must be an object.", "body");
      const m = v.body.model;
      if (typeof m !== "string") {
        return err("missing_required_parameter", "Missing required parameter: 'body.model'.", "body.model");
      }
      if (model === undefined) model = m;
      else if (m !== model) {
        return err(
          "model_mismatch",
          `The model '${m}' differs from the model '${model}' of the other requests: a batch file must use one model.`,
          "body.model",
        );
      }
      entries.push({
        index: i,
        customId: v.custom_id,
        body: v.body,
        outcome: this.store.outcomeOf(batchId, i, v.custom_id, v.body),
      });
    });
    return { entries, errors, model };
  }

  #step(b: OpenAIBatch): void {
    const now = sec(this.store.now());
    if (b.status === "validating") {
      if (b.lineErrors.length > 0) {
        b.status = "failed";
        b.obj.failed_at = now;
        b.obj.errors = { object: "list", data: b.lineErrors };
        return;
      }
      b.status = "in_progress";
      b.obj.in_progress_at = now;
      (b.obj.request_counts as Record<string, number>).total = b.entries.length;
      return;
    }
    if (b.status === "in_progress") {
      const left = this.store.work(b, (e) => this.#run(b, e));
      if (!left.more) {
        if (left.waitingToExpire) this.#end(b, "expired");
        else {
          b.status = "finalizing";
          b.obj.finalizing_at = now;
        }
      }
      return;
    }
    if (b.status === "finalizing") return this.#end(b, "completed");
    if (b.status === "cancelling") return this.#end(b, "cancelled");
  }

  /** Run one line: the chat answer (or its error), as an output / error file line. */
  #run(b: OpenAIBatch, e: BatchEntry): void {
    const line = (response: unknown, error: unknown) => ({
      id: `batch_req_${randomHex(32)}`,
      custom_id: e.customId,
      response,
      error,
    });
    const counts = b.obj.request_counts as Record<string, number>;
    const o = e.outcome;
    if (o.type === "timeout") {
      e.done = {
        kind: "timeout",
        result: line(null, { code: "request_timeout", message: "The request timed out." }),
      };
      counts.failed++;
    } else if (o.type === "errored") {
      const status = o.status ?? 500;
      e.done = {
        kind: "errored",
        result: line(
          {
            status_code: status,
            request_id: randomHex(32),
            body: openAIStatusBody(status, o.code, o.message),
          },
          null,
        ),
      };
      counts.failed++;
    } else {
      const prep = this.#prepared.get(e);
      if (prep && prep.ok) {
        const body = chatCompletionBody(chatCtx(this.#core, this.#hooks), prep.reply);
        delete body.service_tier;
        for (const ch of body.choices as { message: Record<string, unknown> }[]) {
          delete ch.message.annotations;
        }
        e.done = {
          kind: "succeeded",
          result: line({ status_code: 200, request_id: randomHex(32), body }, null),
        };
        counts.completed++;
        const usage = b.obj.usage as Record<string, number>;
        usage.input_tokens += prep.reply.promptTokens;
        usage.output_tokens += prep.reply.completionTokens;
        usage.total_tokens += prep.reply.promptTokens + prep.reply.completionTokens;
      } else {
        const status = prep && !prep.ok ? prep.status : 500;
        const body = prep && !prep.ok
          ? (prep.body ?? openAIStatusBody(prep.status, prep.code, prep.message))
          : openAIStatusBody(500);
        e.done = {
          kind: "errored",
          result: line({ status_code: status, request_id: randomHex(32), body }, null),
        };
        counts.failed++;
      }
    }
    b.finished.push(e);
  }

  readonly #prepared = new WeakMap<BatchEntry, Awaited<ReturnType<typeof prepareChat>>>();

  /**
   * Answer every line when the batch is created (counting is async, steps are not): `respond` sees each line as a
   * request whose `path` is the batch endpoint and whose `body` is the line's body.
   */
  async #prepareAll(b: OpenAIBatch): Promise<void> {
    for (const e of b.entries) {
      if (e.outcome.type !== "succeeded") continue;
      const log: SimRequest = {
        method: "POST",
        path: b.endpoint,
        search: "",
        headers: new Headers(),
        body: e.body,
        receivedAt: Date.now(),
      };
      this.#prepared.set(e, await prepareChat(this.#core, this.#hooks, log, true));
    }
  }

  /** End the batch: write the output and error files, set the status and its timestamp. */
  #end(b: OpenAIBatch, status: "completed" | "expired" | "cancelled"): void {
    const now = sec(this.store.now());
    for (const e of b.entries) {
      if (e.done) continue;
      const code = status === "cancelled" ? "batch_cancelled" : "batch_expired";
      const message = status === "cancelled"
        ? "This request was not executed because the batch was cancelled."
        : "This request could not be executed before the completion window expired.";
      e.done = {
        kind: status === "cancelled" ? "canceled" : "expired",
        result: {
          id: `batch_req_${randomHex(32)}`,
          custom_id: e.customId,
          response: null,
          error: { code, message },
        },
      };
      b.finished.push(e);
    }
    // Output lines are not in input order (the API says so): the simulator writes them newest first.
    const ordered = [...b.finished].reverse();
    const ok = ordered.filter((e) => e.done?.kind === "succeeded");
    const failed = ordered.filter((e) => e.done?.kind !== "succeeded");
    const jsonl = (list: BatchEntry[]) =>
      new TextEncoder().encode(
        list.map((e) => JSON.stringify(e.done?.result)).join("\n") + (list.length ? "\n" : ""),
      );
    if (ok.length) {
      b.obj.output_file_id = this.#addFile(`batch_${b.id}_output.jsonl`, "batch_output", jsonl(ok)).id;
    }
    if (failed.length) {
      b.obj.error_file_id = this.#addFile(`batch_${b.id}_error.jsonl`, "batch_output", jsonl(failed)).id;
    }
    b.status = status;
    b.obj[`${status}_at`] = now;
  }

  #view(b: OpenAIBatch): Record<string, unknown> {
    return { ...b.obj, status: b.status };
  }
}

function listOf(data: unknown[], hasMore: boolean): Record<string, unknown> {
  const ids = data.map((d) => (d as { id: string }).id);
  return {
    object: "list",
    data,
    first_id: ids[0] ?? null,
    last_id: ids[ids.length - 1] ?? null,
    has_more: hasMore,
  };
}
