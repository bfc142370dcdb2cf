/**
 * Fake OpenAI server: `POST /v1/chat/completions` (plain and SSE), `GET /v1/models[/{id}]`, OpenAI-shaped errors,
 * `x-ratelimit-*` headers. The chat handler is reused by the Ollama simulator for its OpenAI-compatible endpoint
 * (with Ollama's own shapes: `chatcmpl-NNN` ids, `fp_ollama`, no `service_tier` / `logprobs` / `obfuscation`).
 *
 * @module
 */

import { type Frame, plainResponse, streamResponse } from "./body.ts";
import { type HandlerContext, SimCore } from "./core.ts";
import type { RateSnapshot } from "./rate_window.ts";
import { encodingForModel, getTokenizer, openAIChatTokens, type SimTokenizer } from "./tokens.ts";
import type { CountMessage } from "./tokens.ts";
import type { BatchSimulator, Fault, SimOptions, SimRequest } from "./types.ts";
import { OpenAIBatchApi } from "./openai_batch.ts";
import {
  applyStop,
  contentText,
  DEFAULT_REPLY,
  formatDuration,
  isRecord,
  randomHex,
  randomString,
  splitText as splitPieces,
} from "./util.ts";

/** Dated snapshots reported for common model ids (others are reported as requested). */
export const OPENAI_SNAPSHOTS: Record<string, string> = {
  "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
  "gpt-4o": "gpt-4o-2024-08-06",
  "gpt-4.1": "gpt-4.1-2025-04-14",
  "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
  "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
  "gpt-5": "gpt-5-2025-08-07",
  "gpt-5-mini": "gpt-5-mini-2025-08-07",
  "gpt-5-nano": "gpt-5-nano-2025-08-07",
  "o3": "o3-2025-04-16",
  "o3-mini": "o3-mini-2025-01-31",
  "o4-mini": "o4-mini-2025-04-16",
  "gpt-4": "gpt-4-0613",
  "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
};

/**
 * True for reasoning models (ids starting with o1 / o3 / o4 / gpt-5, except the gpt-5 chat models), which reject
 * `max_tokens` and a non-default `temperature`.
 *
 * @example
 * ```ts
 * isReasoningModel("o4-mini"); // true
 * isReasoningModel("gpt-4o"); // false
 * ```
 */
export function isReasoningModel(model: string): boolean {
  return /^(o1|o3|o4|gpt-5)/.test(model) && !/^gpt-5(\.\d+)?-chat/.test(model);
}

/** OpenAI `{"error":{message,type,param,code}}` body. */
export function openAIErrorBody(
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
): { error: { message: string; type: string; param: string | null; code: string | null } } {
  return { error: { message, type, param, code } };
}

const QUOTA_MESSAGE =
  "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.";

/** Default OpenAI error body for a status (and optional code / message), as the real API words them. */
export function openAIStatusBody(status: number, code?: string, message?: string): unknown {
  if (status === 401) {
    return openAIErrorBody(
      message ??
        "Incorrect API key provided: sk-****. You can find your API key at https://platform.openai.com/account/api-keys.",
      "invalid_request_error",
      code ?? "invalid_api_key",
    );
  }
  if (status === 403) {
    return openAIErrorBody(
      message ?? "Country, region, or territory not supported",
      "request_forbidden",
      code ?? "unsupported_country_region_territory",
    );
  }
  if (status === 404) {
    return openAIErrorBody(
      message ?? "The model does not exist or you do not have access to it.",
      "invalid_request_error",
      code ?? "model_not_found",
    );
  }
  if (status === 429) {
    if (code === "insufficient_quota") {
      return openAIErrorBody(message ?? QUOTA_MESSAGE, "insufficient_quota", code);
    }
    return openAIErrorBody(
      message ?? "Rate limit reached for requests. Please try again later.",
      "requests",
      code ?? "rate_limit_exceeded",
    );
  }
  if (status === 400 && code === "context_length_exceeded") {
    return openAIErrorBody(
      message ?? "This model's maximum context length is exceeded.",
      "invalid_request_error",
      code,
      "messages",
    );
  }
  if (status >= 500) {
    const text = status === 503
      ? "The server is overloaded or not ready yet."
      : status === 502
      ? "Bad gateway."
      : "The server had an error while processing your request. Sorry about that!";
    return openAIErrorBody(message ?? text, "server_error", code ?? null);
  }
  return openAIErrorBody(message ?? "Invalid request.", "invalid_request_error", code ?? null);
}

/** Ollama's OpenAI-compatible error body. */
function ollamaCompatBody(status: number, message: string): unknown {
  const type = status === 404 ? "not_found_error" : status >= 500 ? "api_error" : "invalid_request_error";
  return { error: { message, type, param: null, code: null } };
}

/** Azure's `x-ratelimit-{limit,remaining}-{requests,tokens}` (Azure sends no reset headers). */
export function azureRateHeaders(headers: Headers, snap: RateSnapshot | undefined): void {
  if (!snap) return;
  headers.set("x-ratelimit-limit-requests", String(snap.limitRequests));
  headers.set("x-ratelimit-remaining-requests", String(snap.remainingRequests));
  if (snap.limitTokens !== undefined) {
    headers.set("x-ratelimit-limit-tokens", String(snap.limitTokens));
    headers.set("x-ratelimit-remaining-tokens", String(snap.remainingTokens));
  }
}

/** `x-ratelimit-*` headers from a snapshot. */
export function openAIRateHeaders(headers: Headers, snap: RateSnapshot | undefined): void {
  if (!snap) return;
  headers.set("x-ratelimit-limit-requests", String(snap.limitRequests));
  headers.set("x-ratelimit-remaining-requests", String(snap.remainingRequests));
  headers.set("x-ratelimit-reset-requests", formatDuration(snap.resetMs));
  if (snap.limitTokens !== undefined) {
    headers.set("x-ratelimit-limit-tokens", String(snap.limitTokens));
    headers.set("x-ratelimit-remaining-tokens", String(snap.remainingTokens));
    headers.set("x-ratelimit-reset-tokens", formatDuration(snap.resetMs));
  }
}

/** How the Ollama and Azure simulators customise the chat handler. */
export interface ChatHooks {
  /** `openai`, `ollama` or `azure` shapes. */
  flavor: "openai" | "ollama" | "azure";
  /** Whether the model is accepted. */
  hasModel(model: string): boolean;
  /** Prompt tokens (and Ollama truncation). */
  countPrompt(
    model: string,
    messages: CountMessage[],
  ): Promise<{ tokens: number; truncated?: boolean; numCtx?: number }>;
  /** Reasoning text to send first, when the request asks for it and the model thinks. */
  reasoning?(model: string, body: Record<string, unknown>): string | undefined;
  /** Called after an admitted call (Ollama marks the model loaded). */
  onCall?(model: string, numCtx: number | undefined): void;
}

/** Azure's extras for one request. */
export interface AzureRender {
  /** Deployment name (`x-ms-deployment-name`). */
  deployment: string;
  /** The newer `/openai/v1/` route (it adds `x-ms-client-request-id`). */
  v1: boolean;
  /** The completion was filtered: this category is reported `filtered: true`. */
  filter?: { category: string; severity: string };
}

/** Per-request rendering context. */
export interface Ctx {
  core: SimCore;
  hooks: ChatHooks;
  fingerprint: string;
  started: number;
  requestId: string;
  azure?: AzureRender;
  /** OpenRouter's `usage.cost` rate (USD per token) when the request asked for it. */
  billedUsdPerToken?: number;
}

/** A rendering context for one request. */
export function chatCtx(core: SimCore, hooks: ChatHooks): Ctx {
  return {
    core,
    hooks,
    fingerprint: hooks.flavor === "ollama" ? "fp_ollama" : fingerprintOf(core),
    started: Date.now(),
    requestId: `req_${randomHex(32)}`,
  };
}

/** Azure's content filter verdicts: everything safe, except `filter` when given. */
export function azureFilterResults(
  kind: "prompt" | "completion" | "stream",
  filter?: { category: string; severity: string },
): Record<string, unknown> {
  const safe = { filtered: false, severity: "safe" };
  const out: Record<string, unknown> = kind === "prompt"
    ? {
      hate: safe,
      jailbreak: { filtered: false, detected: false },
      self_harm: safe,
      sexual: safe,
      violence: safe,
    }
    : kind === "completion"
    ? {
      hate: safe,
      protected_material_code: { filtered: false, detected: false },
      protected_material_text: { filtered: false, detected: false },
      self_harm: safe,
      sexual: safe,
      violence: safe,
    }
    : { hate: safe, self_harm: safe, sexual: safe, violence: safe };
  if (filter) {
    out[filter.category] = filter.category.startsWith("protected_material") || filter.category === "jailbreak"
      ? { filtered: true, detected: true }
      : { filtered: true, severity: filter.severity };
  }
  return out;
}

function headersFor(c: Ctx, contentType: string): Headers {
  const h = new Headers({ "content-type": contentType });
  if (c.azure) {
    h.set("apim-request-id", crypto.randomUUID());
    h.set("x-request-id", crypto.randomUUID());
    h.set("x-ms-region", "East US");
    h.set("x-ms-deployment-name", c.azure.deployment);
    h.set("x-ms-rai-invoked", "true");
    h.set("azureml-model-session", "d070-20250922222629");
    h.set("x-accel-buffering", "no");
    h.set("x-content-type-options", "nosniff");
    h.set("strict-transport-security", "max-age=31536000; includeSubDomains; preload");
    if (c.azure.v1) h.set("x-ms-client-request-id", "Not-Set");
    azureRateHeaders(h, c.core.window?.snapshot());
    return h;
  }
  if (c.hooks.flavor === "openai") {
    h.set("x-request-id", c.requestId);
    h.set("openai-version", "2020-10-01");
    h.set("openai-processing-ms", String(Math.max(1, Date.now() - c.started)));
    h.set("access-control-expose-headers", "X-Request-ID");
  }
  openAIRateHeaders(h, c.core.window?.snapshot());
  return h;
}

/** A JSON error response with the flavor's headers. */
export function errorResponse(
  c: Ctx,
  status: number,
  body: unknown,
  extra?: Record<string, string>,
): Response {
  const h = headersFor(
    c,
    c.hooks.flavor === "ollama" ? "application/json; charset=utf-8" : "application/json",
  );
  for (const [k, v] of Object.entries(extra ?? {})) h.set(k, v);
  return new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: h });
}

/** An error in the flavor's shape (OpenAI body for openai and azure, Ollama's compat body for ollama). */
export function vendorError(
  c: Ctx,
  status: number,
  code?: string,
  message?: string,
  extra?: Record<string, string>,
): Response {
  const body = c.hooks.flavor !== "ollama"
    ? openAIStatusBody(status, code, message)
    : ollamaCompatBody(status, message ?? (status === 404 ? "model not found" : "server error"));
  return errorResponse(c, status, body, extra);
}

/** Answer a `status` fault. */
export function statusFault(c: Ctx, fault: Extract<Fault, { type: "status" }>): Response {
  if (fault.body !== undefined) return errorResponse(c, fault.status, fault.body, fault.headers);
  return vendorError(c, fault.status, fault.code, fault.message, fault.headers);
}

function errorEventStatus(errorType: string | undefined): number {
  if (errorType?.includes("overloaded")) return 503;
  if (errorType?.includes("rate_limit")) return 429;
  return 500;
}

/** Check `Authorization: Bearer` against options.apiKey. */
export function checkBearer(options: SimOptions, headers: Headers): "missing" | "invalid" | undefined {
  if (options.apiKey === undefined) return undefined;
  const auth = headers.get("authorization");
  if (!auth) return "missing";
  return auth === `Bearer ${options.apiKey}` ? undefined : "invalid";
}

function maskKey(key: string): string {
  return key.length >= 12
    ? `${key.slice(0, 3)}${"*".repeat(Math.min(20, key.length - 7))}${key.slice(-4)}`
    : "***";
}

/** The outcome of {@linkcode prepareChat}: an answer to render, or a vendor error to send. */
export type ChatPrep =
  | { ok: true; reply: Reply; body: Record<string, unknown>; stream: boolean; maxTokens?: number }
  | { ok: false; status: number; body: unknown; code?: string; message?: string };

const err = (status: number, body: unknown): ChatPrep => ({ ok: false, status, body });

/**
 * Validate a chat request body, count its prompt and build the answer (no faults, auth or rate window: the caller
 * applies those). Used by the HTTP handlers and by the Batch API, which answers each line the same way.
 *
 * @example
 * ```ts ignore
 * const prep = await prepareChat(core, hooks, log, true);
 * ```
 */
export async function prepareChat(
  core: SimCore,
  hooks: ChatHooks,
  log: SimRequest,
  json: boolean,
  model: string | undefined = undefined,
): Promise<ChatPrep> {
  const body = log.body;
  if (!json || !isRecord(body)) {
    return {
      ok: false,
      status: 400,
      body: undefined,
      message:
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    };
  }
  model ??= typeof body.model === "string" ? body.model : undefined;
  if (typeof model !== "string" || model === "") {
    return err(400, openAIErrorBody("you must provide a model parameter", "invalid_request_error"));
  }
  if (!Array.isArray(body.messages)) {
    return err(
      400,
      openAIErrorBody(
        "Missing required parameter: 'messages'.",
        "invalid_request_error",
        "missing_required_parameter",
        "messages",
      ),
    );
  }
  if (body.messages.length === 0) {
    return err(
      400,
      openAIErrorBody(
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        "invalid_request_error",
        "empty_array",
        "messages",
      ),
    );
  }
  if (!hooks.hasModel(model)) {
    return hooks.flavor === "ollama"
      ? {
        ok: false,
        status: 404,
        body: undefined,
        message: `model "${model}" not found, try pulling it first`,
      }
      : {
        ok: false,
        status: 404,
        body: undefined,
        code: "model_not_found",
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
      };
  }
  if (hooks.flavor !== "ollama" && isReasoningModel(model)) {
    if (body.max_tokens !== undefined && body.max_tokens !== null) {
      return err(
        400,
        openAIErrorBody(
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
          "invalid_request_error",
          "unsupported_parameter",
          "max_tokens",
        ),
      );
    }
    if (typeof body.temperature === "number" && body.temperature !== 1) {
      return err(
        400,
        openAIErrorBody(
          `Unsupported value: 'temperature' does not support ${body.temperature} with this model. Only the default (1) value is supported.`,
          "invalid_request_error",
          "unsupported_value",
          "temperature",
        ),
      );
    }
  }
  const stream = body.stream === true;
  if (body.stream_options != null && !stream) {
    return err(
      400,
      openAIErrorBody(
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        "invalid_request_error",
        null,
        "stream_options",
      ),
    );
  }
  const rawMax = body.max_completion_tokens ?? body.max_tokens;
  const maxTokens = typeof rawMax === "number" && rawMax > 0 ? Math.floor(rawMax) : undefined;

  const messages: CountMessage[] = body.messages.map((m: unknown) => {
    const r = isRecord(m) ? m : {};
    return {
      role: typeof r.role === "string" ? r.role : "user",
      content: contentText(r.content),
      name: typeof r.name === "string" ? r.name : undefined,
    };
  });
  const counted = await hooks.countPrompt(model, messages);
  const promptTokens = counted.tokens;
  log.promptTokens = promptTokens;
  if (counted.truncated) log.truncated = true;
  if (counted.numCtx !== undefined) log.numCtx = counted.numCtx;
  const window = core.options.contextWindow;
  if (hooks.flavor !== "ollama" && window !== undefined && promptTokens + (maxTokens ?? 0) > window) {
    const message = maxTokens
      ? `This model's maximum context length is ${window} tokens. However, you requested ${
        promptTokens + maxTokens
      } tokens (${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`
      : `This model's maximum context length is ${window} tokens. However, your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`;
    return { ok: false, status: 400, body: undefined, code: "context_length_exceeded", message };
  }

  const tok = await getTokenizer(encodingForModel(model), core.options.tokenizer);
  const stopped = applyStop((core.options.respond ?? (() => DEFAULT_REPLY))(log), body.stop);
  let text = stopped.text;
  let finish = "stop";
  if (maxTokens !== undefined && tok.count(text) > maxTokens) {
    text = tok.truncate(text, maxTokens);
    finish = "length";
  }
  const reasoning = hooks.reasoning?.(model, body);
  const completionTokens = tok.count(text) + (reasoning ? tok.count(reasoning) : 0);
  const reported = hooks.flavor === "ollama" ? model : (OPENAI_SNAPSHOTS[model] ?? model);
  const reply: Reply = { model: reported, text, finish, promptTokens, completionTokens, reasoning, tok };
  return { ok: true, reply, body, stream, maxTokens };
}

/**
 * Handle `POST /v1/chat/completions` (OpenAI, or Ollama's compatible endpoint).
 *
 * @example
 * ```ts ignore
 * return chatCompletions(core, ctx, hooks);
 * ```
 */
export async function chatCompletions(
  core: SimCore,
  ctx: HandlerContext,
  hooks: ChatHooks,
): Promise<Response> {
  const { log, signal } = ctx;
  const c = chatCtx(core, hooks);
  const fault = core.beginModelCall(log);
  const early = await core.prelude(log, fault, signal);
  if (early) return early;
  if (fault?.type === "status") return statusFault(c, fault);

  const auth = checkBearer(core.options, ctx.request.headers);
  if (auth === "missing") {
    return vendorError(
      c,
      401,
      undefined,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
    );
  }
  if (auth === "invalid") {
    const given = (ctx.request.headers.get("authorization") ?? "").replace(/^Bearer\s+/i, "");
    return vendorError(
      c,
      401,
      "invalid_api_key",
      `Incorrect API key provided: ${
        maskKey(given)
      }. You can find your API key at https://platform.openai.com/account/api-keys.`,
    );
  }

  const prep = await prepareChat(core, hooks, log, ctx.json);
  if (!prep.ok) {
    return prep.body !== undefined
      ? errorResponse(c, prep.status, prep.body)
      : vendorError(c, prep.status, prep.code, prep.message);
  }
  const { reply, body, stream, maxTokens } = prep;
  const asked = body.usage;
  if (
    core.options.billedUsdPerToken !== undefined && typeof asked === "object" && asked !== null &&
    (asked as { include?: unknown }).include === true
  ) c.billedUsdPerToken = core.options.billedUsdPerToken;
  if (core.window) {
    const decision = core.window.acquire(reply.promptTokens + (maxTokens ?? 0));
    if (!decision.ok) {
      return rateLimited(
        c,
        body.model as string,
        decision.snapshot,
        decision.limitedBy ?? "requests",
        reply.promptTokens + (maxTokens ?? 0),
      );
    }
  }
  hooks.onCall?.(body.model as string, log.numCtx);

  if (fault?.type === "error-event" && !stream) {
    return vendorError(c, errorEventStatus(fault.errorType), undefined, undefined);
  }
  if (stream) return streamChat(c, reply, body, fault, signal);
  return plainChat(c, reply, fault, signal);
}

/** An answer ready to render. */
export interface Reply {
  model: string;
  text: string;
  finish: string;
  promptTokens: number;
  completionTokens: number;
  reasoning?: string;
  tok: SimTokenizer;
}

const fingerprints = new WeakMap<SimCore, string>();
function fingerprintOf(core: SimCore): string {
  let fp = fingerprints.get(core);
  if (!fp) fingerprints.set(core, fp = `fp_${randomHex(10)}`);
  return fp;
}

function newId(c: Ctx): string {
  return c.hooks.flavor !== "ollama"
    ? `chatcmpl-${randomString(29)}`
    : `chatcmpl-${Math.floor(Math.random() * 1000)}`;
}

function usageOf(c: Ctx, r: Reply): Record<string, unknown> {
  const base: Record<string, unknown> = {
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    total_tokens: r.promptTokens + r.completionTokens,
  };
  if (c.hooks.flavor === "ollama") return base;
  const rate = c.billedUsdPerToken;
  const billed = rate === undefined ? {} : {
    cost: (r.promptTokens + r.completionTokens) * rate,
    is_byok: false,
    cost_details: { upstream_inference_cost: null },
  };
  return {
    ...base,
    ...billed,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/**
 * The body of a plain chat completion (OpenAI or Azure shape).
 *
 * @example
 * ```ts ignore
 * const body = chatCompletionBody(chatCtx(core, hooks), reply);
 * ```
 */
export function chatCompletionBody(c: Ctx, r: Reply): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: newId(c),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: r.model,
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: r.finish === "content_filter" ? null : r.text,
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: r.finish,
    }],
    usage: usageOf(c, r),
    service_tier: "default",
    system_fingerprint: c.fingerprint,
  };
  if (c.azure) {
    delete body.service_tier;
    (body.choices as Record<string, unknown>[])[0].content_filter_results = azureFilterResults(
      "completion",
      c.azure.filter,
    );
    body.prompt_filter_results = [{ prompt_index: 0, content_filter_results: azureFilterResults("prompt") }];
    if (isReasoningModel(String(r.model))) body.system_fingerprint = null;
  }
  return body;
}

/** Answer a plain (non-streamed) chat completion in the flavor's shape. */
export function plainChat(c: Ctx, r: Reply, fault: Fault | undefined, signal: AbortSignal): Response {
  const created = Math.floor(Date.now() / 1000);
  let body: Record<string, unknown>;
  if (c.hooks.flavor !== "ollama") {
    body = chatCompletionBody(c, r);
  } else {
    const message: Record<string, unknown> = { role: "assistant", content: r.text };
    if (r.reasoning) message.reasoning = r.reasoning;
    body = {
      id: newId(c),
      object: "chat.completion",
      created,
      model: r.model,
      system_fingerprint: c.fingerprint,
      choices: [{ index: 0, message, finish_reason: r.finish }],
      usage: usageOf(c, r),
    };
  }
  const ct = c.hooks.flavor !== "ollama" ? "application/json" : "application/json; charset=utf-8";
  return plainResponse(
    c.core,
    { status: 200, headers: headersFor(c, ct), text: JSON.stringify(body), fault },
    signal,
  );
}

/** Answer a streamed chat completion in the flavor's shape. */
export function streamChat(
  c: Ctx,
  r: Reply,
  req: Record<string, unknown>,
  fault: Fault | undefined,
  signal: AbortSignal,
): Response {
  const id = newId(c);
  const created = Math.floor(Date.now() / 1000);
  const includeUsage = isRecord(req.stream_options) && req.stream_options.include_usage === true;
  const openai = c.hooks.flavor !== "ollama";
  const azure = c.azure;
  const size = c.core.options.chunkSize ?? 8;
  const frames: Frame[] = [];
  const chunk = (choices: unknown[], usage?: unknown): string => {
    const o: Record<string, unknown> = azure
      ? {
        id,
        object: "chat.completion.chunk",
        created,
        model: r.model,
        system_fingerprint: isReasoningModel(r.model) ? null : c.fingerprint,
        choices,
      }
      : openai
      ? {
        id,
        object: "chat.completion.chunk",
        created,
        model: r.model,
        service_tier: "default",
        system_fingerprint: c.fingerprint,
        choices,
      }
      : {
        id,
        object: "chat.completion.chunk",
        created,
        model: r.model,
        system_fingerprint: c.fingerprint,
        choices,
      };
    if (usage !== undefined) o.usage = usage;
    else if (openai && includeUsage) o.usage = null;
    if (openai) o.obfuscation = randomString(1 + Math.floor(Math.random() * 15));
    return JSON.stringify(o);
  };
  const choice = (delta: Record<string, unknown>, finish: string | null, filter?: Record<string, unknown>) =>
    azure
      ? { content_filter_results: filter ?? {}, index: 0, delta, logprobs: null, finish_reason: finish }
      : openai
      ? { index: 0, delta, logprobs: null, finish_reason: finish }
      : { index: 0, delta, finish_reason: finish };
  if (azure) {
    // Azure's first event: the prompt's filter verdicts, with empty id / model / object and no choices.
    frames.push({
      kind: "head",
      data: JSON.stringify({
        choices: [],
        created: 0,
        id: "",
        model: "",
        object: "",
        prompt_filter_results: [{ prompt_index: 0, content_filter_results: azureFilterResults("prompt") }],
      }),
    });
  }
  if (openai) {
    frames.push({
      kind: "head",
      data: chunk([choice({ role: "assistant", content: "", refusal: null }, null)]),
    });
  }
  if (r.reasoning) {
    for (const piece of splitPieces(r.reasoning, size)) {
      frames.push({
        kind: "delta",
        data: chunk([
          choice(openai ? { reasoning: piece } : { role: "assistant", content: "", reasoning: piece }, null),
        ]),
      });
    }
  }
  for (const piece of splitPieces(r.text, size)) {
    frames.push({
      kind: "delta",
      data: chunk([
        choice(
          openai ? { content: piece } : { role: "assistant", content: piece },
          null,
          azure ? azureFilterResults("stream") : undefined,
        ),
      ]),
    });
  }
  frames.push({
    kind: "tail",
    data: chunk([
      choice(
        openai ? {} : { role: "assistant", content: "" },
        r.finish,
        azure?.filter
          ? { [azure.filter.category]: azureFilterResults("stream", azure.filter)[azure.filter.category] }
          : undefined,
      ),
    ]),
  });
  if (includeUsage) frames.push({ kind: "tail", data: chunk([], usageOf(c, r)) });
  frames.push({ kind: "tail", data: "[DONE]" });
  const errorFrame = (errorType: string | undefined): Frame => ({
    kind: "tail",
    data: JSON.stringify(
      openai
        ? openAIErrorBody(
          errorType === "rate_limit_exceeded"
            ? "Rate limit reached."
            : "The server had an error while processing your request. Sorry about that!",
          errorType ?? "server_error",
        )
        : {
          error: {
            message: "an error was encountered while running the model",
            type: errorType ?? "api_error",
            param: null,
            code: null,
          },
        },
    ),
  });
  const headers = headersFor(c, openai ? "text/event-stream; charset=utf-8" : "text/event-stream");
  return streamResponse(c.core, { frames, format: "sse", headers, errorFrame, fault }, signal);
}

function rateLimited(
  c: Ctx,
  model: string,
  snap: RateSnapshot,
  by: "requests" | "tokens",
  requested: number,
): Response {
  const seconds = Math.max(1, Math.ceil(snap.resetMs / 1000));
  const extra: Record<string, string> = {
    "retry-after": String(seconds),
    "retry-after-ms": String(Math.max(1, Math.round(snap.resetMs))),
  };
  const limit = by === "requests" ? snap.limitRequests : (snap.limitTokens ?? 0);
  const used = by === "requests"
    ? snap.limitRequests - snap.remainingRequests
    : limit - (snap.remainingTokens ?? 0);
  const message = c.hooks.flavor === "openai"
    ? `Rate limit reached for ${model} in organization org-simulator on ${by} per min (${
      by === "requests" ? "RPM" : "TPM"
    }): Limit ${limit}, Used ${used}, Requested ${by === "requests" ? 1 : requested}. Please try again in ${
      formatDuration(snap.resetMs)
    }. Visit https://platform.openai.com/account/rate-limits to learn more.`
    : "rate limit exceeded";
  const body = c.hooks.flavor === "openai"
    ? openAIErrorBody(message, by, "rate_limit_exceeded")
    : ollamaCompatBody(429, message);
  return errorResponse(c, 429, body, extra);
}

/** Models listed when `options.models` is unset. */
export const OPENAI_DEFAULT_MODELS: string[] = Object.keys(OPENAI_SNAPSHOTS);

function modelObject(id: string): Record<string, unknown> {
  return { id, object: "model", created: 1721172741, owned_by: "system" };
}

/**
 * Start the fake OpenAI server.
 *
 * @example
 * ```ts
 * import OpenAI from "openai";
 * import { startOpenAISim } from "./mod.ts";
 * await using sim = await startOpenAISim({ respond: () => "Hi!" });
 * const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: "sk-test", maxRetries: 0 });
 * const r = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }] });
 * console.log(r.choices[0].message.content); // "Hi!"
 * ```
 */
export async function startOpenAISim(options: SimOptions = {}): Promise<BatchSimulator> {
  const core = new SimCore(options);
  const hooks: ChatHooks = {
    flavor: "openai",
    hasModel: (m) => core.options.models === undefined || core.options.models.includes(m),
    async countPrompt(model, messages) {
      const tok = await getTokenizer(encodingForModel(model), core.options.tokenizer);
      return { tokens: openAIChatTokens(tok, messages) };
    },
  };
  const batchApi = new OpenAIBatchApi(core, hooks);
  await core.start((ctx) => {
    const { url, request } = ctx;
    const path = url.pathname.replace(/\/+$/, "");
    if (path === "/v1/chat/completions" && request.method === "POST") {
      return chatCompletions(core, ctx, hooks);
    }
    const batch = batchApi.handle(ctx);
    if (batch) return batch;
    if (request.method === "GET" && (path === "/v1/models" || path.startsWith("/v1/models/"))) {
      const c: Ctx = { core, hooks, fingerprint: "", started: Date.now(), requestId: `req_${randomHex(32)}` };
      const auth = checkBearer(core.options, request.headers);
      if (auth) return vendorError(c, 401, auth === "invalid" ? "invalid_api_key" : undefined);
      const models = core.options.models ?? OPENAI_DEFAULT_MODELS;
      if (path === "/v1/models") {
        return errorResponse(c, 200, { object: "list", data: models.map(modelObject) });
      }
      const id = decodeURIComponent(path.slice("/v1/models/".length));
      if (!models.includes(id)) {
        return errorResponse(
          c,
          404,
          openAIErrorBody(
            `The model '${id}' does not exist`,
            "invalid_request_error",
            "model_not_found",
            "model",
          ),
        );
      }
      return errorResponse(c, 200, modelObject(id));
    }
    const c: Ctx = { core, hooks, fingerprint: "", started: Date.now(), requestId: `req_${randomHex(32)}` };
    return errorResponse(
      c,
      404,
      openAIErrorBody(`Invalid URL (${request.method} ${url.pathname})`, "invalid_request_error"),
    );
  });
  return Object.assign(core.simulator(), { batches: batchApi.store.control() });
}
