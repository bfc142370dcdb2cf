/**
 * Fake Anthropic server: `POST /v1/messages` (plain and SSE with the full event sequence and the server's
 * whitespace padding), `POST /v1/messages/count_tokens`, `GET /v1/models[/{id}]`, Anthropic-shaped errors,
 * `anthropic-ratelimit-*` headers, and a small in-memory prompt cache for `cache_control` blocks.
 *
 * @module
 */

import { type Frame, plainResponse, streamResponse } from "./body.ts";
import { type HandlerContext, SimCore } from "./core.ts";
import type { RateSnapshot } from "./rate_window.ts";
import { getTokenizer, type SimTokenizer } from "./tokens.ts";
import type { BatchSimulator, Fault, SimOptions, SimRequest } from "./types.ts";
import { AnthropicBatchApi } from "./anthropic_batch.ts";
import { applyStop, DEFAULT_REPLY, isRecord, randomString, splitText } from "./util.ts";

/** Known models: dated id, alias, display name, creation date. */
export const ANTHROPIC_MODELS: { id: string; alias: string; display_name: string; created_at: string }[] = [
  {
    // The current Sonnet (the vendor's model pages, late 2026); the date is the simulator's.
    id: "claude-sonnet-5-5",
    alias: "claude-sonnet-5-5",
    display_name: "Claude Sonnet 5.5",
    created_at: "2026-09-24T00:00:00Z",
  },
  {
    id: "claude-opus-4-7",
    alias: "claude-opus-4-7",
    display_name: "Claude Opus 4.7",
    created_at: "2026-04-16T00:00:00Z",
  },
  {
    id: "claude-sonnet-4-6",
    alias: "claude-sonnet-4-6",
    display_name: "Claude Sonnet 4.6",
    created_at: "2026-02-17T00:00:00Z",
  },
  {
    id: "claude-opus-4-6",
    alias: "claude-opus-4-6",
    display_name: "Claude Opus 4.6",
    created_at: "2026-02-05T00:00:00Z",
  },
  {
    id: "claude-opus-4-5-20251101",
    alias: "claude-opus-4-5",
    display_name: "Claude Opus 4.5",
    created_at: "2025-11-24T00:00:00Z",
  },
  {
    id: "claude-haiku-4-5-20251001",
    alias: "claude-haiku-4-5",
    display_name: "Claude Haiku 4.5",
    created_at: "2025-10-15T00:00:00Z",
  },
  {
    id: "claude-sonnet-4-5-20250929",
    alias: "claude-sonnet-4-5",
    display_name: "Claude Sonnet 4.5",
    created_at: "2025-09-29T00:00:00Z",
  },
  {
    id: "claude-opus-4-1-20250805",
    alias: "claude-opus-4-1",
    display_name: "Claude Opus 4.1",
    created_at: "2025-08-05T00:00:00Z",
  },
  {
    id: "claude-sonnet-4-20250514",
    alias: "claude-sonnet-4-0",
    display_name: "Claude Sonnet 4",
    created_at: "2025-05-22T00:00:00Z",
  },
  {
    id: "claude-3-5-haiku-20241022",
    alias: "claude-3-5-haiku-latest",
    display_name: "Claude Haiku 3.5",
    created_at: "2024-10-22T00:00:00Z",
  },
];

/** Anthropic error body `{"type":"error","error":{type,message},"request_id"}`. */
export function anthropicErrorBody(
  type: string,
  message: string,
  requestId: string = newRequestId(),
): { type: "error"; error: { type: string; message: string }; request_id: string } {
  return { type: "error", error: { type, message }, request_id: requestId };
}

export function newRequestId(): string {
  return `req_011C${randomString(20)}`;
}

const RATE_MESSAGE =
  "This request would exceed the rate limit for your organization of requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.";

/** Default error type and message for a status. */
export function anthropicStatusError(status: number): { type: string; message: string } {
  switch (status) {
    case 400:
      return { type: "invalid_request_error", message: "Invalid request" };
    case 401:
      return { type: "authentication_error", message: "invalid x-api-key" };
    case 402:
      return {
        type: "billing_error",
        message: "Your credit balance is too low to access the Anthropic API.",
      };
    case 403:
      return {
        type: "permission_error",
        message: "Your API key does not have permission to use the specified resource.",
      };
    case 404:
      return { type: "not_found_error", message: "Not found" };
    case 413:
      return { type: "request_too_large", message: "Request exceeds the maximum allowed number of bytes." };
    case 429:
      return { type: "rate_limit_error", message: RATE_MESSAGE };
    case 503:
    case 529:
      return { type: "overloaded_error", message: "Overloaded" };
    case 504:
      return { type: "timeout_error", message: "Request timed out" };
    default:
      return status >= 500
        ? { type: "api_error", message: "Internal server error" }
        : { type: "invalid_request_error", message: "Invalid request" };
  }
}

export function messageForType(type: string): string {
  if (type === "overloaded_error") return "Overloaded";
  if (type === "rate_limit_error") return RATE_MESSAGE;
  if (type === "api_error") return "Internal server error";
  return type;
}

/** `anthropic-ratelimit-*` headers from a snapshot (tokens, input-tokens and output-tokens share the token window). */
export function anthropicRateHeaders(headers: Headers, snap: RateSnapshot | undefined): void {
  if (!snap) return;
  const reset = new Date(snap.resetAt).toISOString();
  headers.set("anthropic-ratelimit-requests-limit", String(snap.limitRequests));
  headers.set("anthropic-ratelimit-requests-remaining", String(snap.remainingRequests));
  headers.set("anthropic-ratelimit-requests-reset", reset);
  if (snap.limitTokens !== undefined) {
    for (const kind of ["tokens", "input-tokens", "output-tokens"]) {
      headers.set(`anthropic-ratelimit-${kind}-limit`, String(snap.limitTokens));
      headers.set(`anthropic-ratelimit-${kind}-remaining`, String(snap.remainingTokens));
      headers.set(`anthropic-ratelimit-${kind}-reset`, reset);
    }
  }
}

interface Block {
  text: string;
  /** cache_control ttl of a breakpoint ("5m" or "1h"). */
  cache?: "5m" | "1h";
  /** Token overhead that precedes the block (message / system start). */
  overhead: number;
  /** Marker making prefixes of different roles differ. */
  role: string;
}

function blocksOf(content: unknown, role: string, firstOverhead: number): Block[] {
  const out: Block[] = [];
  if (typeof content === "string") {
    out.push({ text: content, overhead: firstOverhead, role });
  } else if (Array.isArray(content)) {
    for (const part of content) {
      if (!isRecord(part)) continue;
      const text = typeof part.text === "string"
        ? part.text
        : typeof part.content === "string"
        ? part.content
        : "";
      const cc = isRecord(part.cache_control) ? part.cache_control : undefined;
      out.push({
        text,
        overhead: out.length === 0 ? firstOverhead : 0,
        role,
        cache: cc ? (cc.ttl === "1h" ? "1h" : "5m") : undefined,
      });
    }
    if (out.length === 0) out.push({ text: "", overhead: firstOverhead, role });
  }
  return out;
}

/** Blocks in prompt order: system, then messages. */
function promptBlocks(body: Record<string, unknown>): Block[] {
  const blocks: Block[] = [];
  if (body.system !== undefined && body.system !== "") blocks.push(...blocksOf(body.system, "system", 3));
  if (Array.isArray(body.messages)) {
    for (const m of body.messages) {
      if (!isRecord(m)) continue;
      blocks.push(...blocksOf(m.content, typeof m.role === "string" ? m.role : "user", 4));
    }
  }
  return blocks;
}

/** Two 32-bit FNV-1a lanes over `text`, continuing from `state`. */
function hashStep(state: [number, number], text: string): [number, number] {
  let [a, b] = state;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619) >>> 0;
    b = Math.imul(b ^ c, 2246822519) >>> 0;
  }
  return [a, b];
}

interface CacheEntry {
  expires: number;
}

export interface Accounting {
  total: number;
  input: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
}

/** Count input tokens and apply the prompt cache. */
function account(
  tok: SimTokenizer,
  blocks: Block[],
  cache: Map<string, CacheEntry> | undefined,
  minTokens: number,
): Accounting {
  let total = 3;
  let state: [number, number] = [2166136261, 3735928559];
  const breakpoints: { key: string; tokens: number; ttl: "5m" | "1h" }[] = [];
  for (const b of blocks) {
    total += b.overhead + tok.count(b.text);
    state = hashStep(state, `\u0000${b.role}\u0001${b.text}`);
    if (b.cache) breakpoints.push({ key: `${state[0]}:${state[1]}:${total}`, tokens: total, ttl: b.cache });
  }
  const result: Accounting = { total, input: total, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0 };
  if (!cache || breakpoints.length === 0) return result;
  const now = Date.now();
  let read = 0;
  for (const bp of breakpoints) {
    const hit = cache.get(bp.key);
    if (hit && hit.expires > now) {
      read = Math.max(read, bp.tokens);
      hit.expires = now + (bp.ttl === "1h" ? 3_600_000 : 300_000);
    }
  }
  const last = breakpoints[breakpoints.length - 1];
  let write = 0;
  if (last.tokens > read && last.tokens >= minTokens) {
    write = last.tokens - read;
    if (last.ttl === "1h") result.cacheWrite1h = write;
  }
  for (const bp of breakpoints) {
    if (bp.tokens >= minTokens && !cache.has(bp.key)) {
      if (cache.size >= 10_000) cache.delete(cache.keys().next().value as string);
      cache.set(bp.key, { expires: now + (bp.ttl === "1h" ? 3_600_000 : 300_000) });
    }
  }
  result.cacheRead = read;
  result.cacheWrite = write;
  result.input = total - read - write;
  return result;
}

export interface State {
  core: SimCore;
  cache: Map<string, CacheEntry>;
}

export function jsonHeaders(state: State, requestId: string, contentType = "application/json"): Headers {
  const h = new Headers({ "content-type": contentType, "request-id": requestId });
  anthropicRateHeaders(h, state.core.window?.snapshot());
  return h;
}

export function errorResponse(
  state: State,
  status: number,
  type: string,
  message: string,
  extra?: Record<string, string>,
): Response {
  const requestId = newRequestId();
  const h = jsonHeaders(state, requestId);
  h.set("x-should-retry", String(status === 429 || status >= 500));
  for (const [k, v] of Object.entries(extra ?? {})) h.set(k, v);
  return new Response(JSON.stringify(anthropicErrorBody(type, message, requestId)), { status, headers: h });
}

/** Check x-api-key and anthropic-version; an error response when they are wrong. */
export function checkHeaders(state: State, headers: Headers): Response | undefined {
  // Recent official SDKs send the API key as `Authorization: Bearer`; older ones as `x-api-key`.
  const key = headers.get("x-api-key") ?? /^Bearer\s+(\S+)$/i.exec(headers.get("authorization") ?? "")?.[1];
  if (!key) return errorResponse(state, 401, "authentication_error", "x-api-key header is required");
  if (state.core.options.apiKey !== undefined && key !== state.core.options.apiKey) {
    return errorResponse(state, 401, "authentication_error", "invalid x-api-key");
  }
  if (!headers.get("anthropic-version")) {
    return errorResponse(state, 400, "invalid_request_error", "anthropic-version: header is required");
  }
  return undefined;
}

function resolveModel(state: State, model: string): string | undefined {
  const listed = state.core.options.models;
  const known = ANTHROPIC_MODELS.find((m) => m.id === model || m.alias === model);
  if (listed !== undefined) return listed.includes(model) ? (known?.id ?? model) : undefined;
  return known?.id ?? model;
}

/**
 * Models that refuse sampling parameters under every API version (Claude Opus 4.7+, Sonnet 5+, Haiku 5+, Fable,
 * Mythos), as the real API does: a `temperature` gets a 400.
 */
const SAMPLING_REFUSED =
  /^claude-(?:opus-4-[7-9]|opus-[5-9]|sonnet-[5-9]|haiku-[5-9]|fable|mythos)(?:$|[-@])/;

/** The API version a request is answered under. */
export const ANTHROPIC_VERSION_2026 = "2026-10-21";

/** An error to answer in Anthropic's format. */
export interface Refusal {
  status: number;
  type: string;
  message: string;
}

const refuse = (message: string, status = 400, type = "invalid_request_error"): Refusal => ({
  status,
  type,
  message,
});

/**
 * The rules of API version 2026-10-21 (what `@anthropic-ai/sdk` 1.x sends): no sampling parameters (even at their
 * defaults), no `document` block in an assistant message, no citations on a user text block.
 */
function version2026(body: Record<string, unknown>): Refusal | undefined {
  for (const name of ["temperature", "top_p", "top_k"]) {
    if (name in body) return refuse(`${name}: Extra inputs are not permitted`);
  }
  const list = Array.isArray(body.messages) ? body.messages : [];
  for (let i = 0; i < list.length; i++) {
    const m = list[i];
    if (!isRecord(m) || !Array.isArray(m.content)) continue;
    for (let j = 0; j < m.content.length; j++) {
      const block = m.content[j];
      if (!isRecord(block)) continue;
      if (m.role === "assistant" && block.type === "document") {
        return refuse(`messages.${i}.content.${j}: document blocks are not allowed in assistant messages`);
      }
      if (
        m.role === "user" && block.type === "text" && Array.isArray(block.citations) && block.citations.length
      ) {
        return refuse(`messages.${i}.content.${j}.text.citations: Extra inputs are not permitted`);
      }
    }
  }
  return undefined;
}

/** Check a Messages (or count_tokens) body under `version`; the body, or why it is refused. */
export function checkBody(
  state: State,
  body: unknown,
  json: boolean,
  needMaxTokens: boolean,
  version: string,
): Refusal | Record<string, unknown> {
  if (!json || !isRecord(body)) return refuse("Invalid JSON in request body");
  if (typeof body.model !== "string" || body.model === "") return refuse("model: Field required");
  if (!Array.isArray(body.messages)) return refuse("messages: Field required");
  if (needMaxTokens && (typeof body.max_tokens !== "number" || !Number.isInteger(body.max_tokens))) {
    return refuse("max_tokens: Field required");
  }
  if (needMaxTokens && (body.max_tokens as number) < 1) {
    return refuse("max_tokens: Input should be greater than or equal to 1");
  }
  if (version === ANTHROPIC_VERSION_2026) {
    const no = version2026(body);
    if (no) return no;
  } else if (typeof body.temperature === "number" && (body.temperature < 0 || body.temperature > 1)) {
    return refuse("temperature: Input should be less than or equal to 1");
  } else if ("temperature" in body && SAMPLING_REFUSED.test(body.model)) {
    return refuse("`temperature` is deprecated for this model.");
  }
  if (resolveModel(state, body.model) === undefined) {
    return refuse(`model: ${body.model}`, 404, "not_found_error");
  }
  return body;
}

export function isRefusal(x: Refusal | Record<string, unknown>): x is Refusal {
  return typeof (x as Refusal).status === "number" && typeof (x as Refusal).message === "string" &&
    !("messages" in x);
}

function validate(
  state: State,
  log: SimRequest,
  json: boolean,
  needMaxTokens: boolean,
  version: string,
): Response | Record<string, unknown> {
  const checked = checkBody(state, log.body, json, needMaxTokens, version);
  return isRefusal(checked) ? errorResponse(state, checked.status, checked.type, checked.message) : checked;
}

/** A request that passed the checks: its model, prompt accounting and max tokens. */
export interface Prepared {
  model: string;
  maxTokens: number;
  acc: Accounting;
  tok: SimTokenizer;
}

/** Count the prompt (applying the cache) and check the context window. */
export async function prepare(
  state: State,
  body: Record<string, unknown>,
  log: SimRequest,
): Promise<Prepared | Refusal> {
  const { core } = state;
  const model = resolveModel(state, body.model as string) as string;
  const tok = await getTokenizer("o200k_base", core.options.tokenizer);
  const acc = account(tok, promptBlocks(body), state.cache, core.options.cacheMinTokens ?? 0);
  log.promptTokens = acc.total;
  const window = core.options.contextWindow;
  if (window !== undefined && acc.total > window) {
    return refuse(`prompt is too long: ${acc.total} tokens > ${window} maximum`);
  }
  return { model, maxTokens: body.max_tokens as number, acc, tok };
}

/** The answer of a prepared request. */
export interface Answer {
  model: string;
  id: string;
  text: string;
  stopReason: string;
  stopSequence: string | null;
  outputTokens: number;
  usage: Record<string, unknown>;
  acc: Accounting;
}

export function generate(
  state: State,
  log: SimRequest,
  body: Record<string, unknown>,
  p: Prepared,
  tier: "standard" | "batch",
): Answer {
  const stopped = applyStop((state.core.options.respond ?? (() => DEFAULT_REPLY))(log), body.stop_sequences);
  let text = stopped.text;
  let stopReason = stopped.stop !== undefined ? "stop_sequence" : "end_turn";
  if (p.tok.count(text) > p.maxTokens) {
    text = p.tok.truncate(text, p.maxTokens);
    stopReason = "max_tokens";
  }
  const stopSequence = stopReason === "stop_sequence" ? stopped.stop ?? null : null;
  const outputTokens = p.tok.count(text);
  const { acc } = p;
  const usage = {
    input_tokens: acc.input,
    cache_creation_input_tokens: acc.cacheWrite,
    cache_read_input_tokens: acc.cacheRead,
    cache_creation: {
      ephemeral_5m_input_tokens: acc.cacheWrite - acc.cacheWrite1h,
      ephemeral_1h_input_tokens: acc.cacheWrite1h,
    },
    output_tokens: outputTokens,
    service_tier: tier,
    inference_geo: "not_available",
  };
  return {
    model: p.model,
    id: `msg_01${randomString(22)}`,
    text,
    stopReason,
    stopSequence,
    outputTokens,
    usage,
    acc,
  };
}

/** The Message object of an answer (field order as the API: model first, then id). */
export function messageObject(a: Answer): Record<string, unknown> {
  return {
    model: a.model,
    id: a.id,
    type: "message",
    role: "assistant",
    content: [{ type: "text", text: a.text }],
    stop_reason: a.stopReason,
    stop_sequence: a.stopSequence,
    usage: a.usage,
  };
}

/** Answer a `status` fault in Anthropic's format (or with the fault's own body). */
export function statusFaultResponse(state: State, fault: Extract<Fault, { type: "status" }>): Response {
  if (fault.body !== undefined) {
    const h = jsonHeaders(state, newRequestId());
    for (const [k, v] of Object.entries(fault.headers ?? {})) h.set(k, v);
    return new Response(typeof fault.body === "string" ? fault.body : JSON.stringify(fault.body), {
      status: fault.status,
      headers: h,
    });
  }
  const d = anthropicStatusError(fault.status);
  return errorResponse(
    state,
    fault.status,
    fault.code ?? d.type,
    fault.message ?? (fault.code ? messageForType(fault.code) : d.message),
    fault.headers,
  );
}

/** The version header (the request is refused earlier when it is missing). */
export function versionOf(ctx: HandlerContext): string {
  const v = ctx.request.headers.get("anthropic-version") ?? "";
  ctx.log.apiVersion = v;
  return v;
}

async function messages(state: State, ctx: HandlerContext): Promise<Response> {
  const { core } = state;
  const { log, signal } = ctx;
  const fault = core.beginModelCall(log);
  const early = await core.prelude(log, fault, signal);
  if (early) return early;
  if (fault?.type === "status") return statusFaultResponse(state, fault);
  const bad = checkHeaders(state, ctx.request.headers);
  if (bad) return bad;
  const body = validate(state, log, ctx.json, true, versionOf(ctx));
  if (body instanceof Response) return body;
  const prep = await prepare(state, body, log);
  if ("status" in prep) return errorResponse(state, prep.status, prep.type, prep.message);
  const { acc, maxTokens } = prep;
  if (core.window) {
    const decision = core.window.acquire(acc.total + maxTokens);
    if (!decision.ok) {
      const retry = Math.max(1, Math.ceil(decision.snapshot.resetMs / 1000));
      return errorResponse(state, 429, "rate_limit_error", RATE_MESSAGE, { "retry-after": String(retry) });
    }
  }
  const stream = body.stream === true;
  if (fault?.type === "error-event" && !stream) {
    const type = fault.errorType ?? "overloaded_error";
    const status = type === "overloaded_error" ? 529 : type === "rate_limit_error" ? 429 : 500;
    return errorResponse(state, status, type, messageForType(type));
  }
  const answer = generate(state, log, body, prep, "standard");
  const { model, id, text, stopReason, stopSequence, outputTokens, usage } = answer;
  const requestId = newRequestId();
  if (!stream) {
    return plainResponse(core, {
      status: 200,
      headers: jsonHeaders(state, requestId),
      text: JSON.stringify(messageObject(answer)),
      fault,
    }, signal);
  }
  const frames: Frame[] = [];
  let padIndex = 0;
  const pad = (json: string): string => `${json.slice(0, -1)}${" ".repeat(2 + ((padIndex++ * 5) % 11))}}`;
  frames.push({
    kind: "head",
    event: "message_start",
    data: pad(JSON.stringify({
      type: "message_start",
      message: {
        model,
        id,
        type: "message",
        role: "assistant",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    })),
  });
  frames.push({
    kind: "head",
    event: "content_block_start",
    data: pad(
      JSON.stringify({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
    ),
  });
  frames.push({ kind: "head", event: "ping", data: `{"type": "ping"}` });
  for (const piece of splitText(text, core.options.chunkSize ?? 8)) {
    frames.push({
      kind: "delta",
      event: "content_block_delta",
      data: pad(
        JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: piece } }),
      ),
    });
  }
  frames.push({
    kind: "tail",
    event: "content_block_stop",
    data: pad(JSON.stringify({ type: "content_block_stop", index: 0 })),
  });
  frames.push({
    kind: "tail",
    event: "message_delta",
    data: pad(JSON.stringify({
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: stopSequence },
      usage: {
        input_tokens: acc.input,
        cache_creation_input_tokens: acc.cacheWrite,
        cache_read_input_tokens: acc.cacheRead,
        output_tokens: outputTokens,
      },
    })),
  });
  frames.push({ kind: "tail", event: "message_stop", data: pad(JSON.stringify({ type: "message_stop" })) });
  const errorFrame = (errorType: string | undefined): Frame => {
    const type = errorType ?? "overloaded_error";
    return {
      kind: "tail",
      event: "error",
      data: JSON.stringify(anthropicErrorBody(type, messageForType(type), requestId)),
    };
  };
  const headers = jsonHeaders(state, requestId, "text/event-stream; charset=utf-8");
  headers.set("cache-control", "no-cache");
  return streamResponse(core, { frames, format: "sse", headers, errorFrame, fault }, signal);
}

async function countTokens(state: State, ctx: HandlerContext): Promise<Response> {
  const bad = checkHeaders(state, ctx.request.headers);
  if (bad) return bad;
  const body = validate(state, ctx.log, ctx.json, false, versionOf(ctx));
  if (body instanceof Response) return body;
  const tok = await getTokenizer("o200k_base", state.core.options.tokenizer);
  const acc = account(tok, promptBlocks(body), undefined, 0);
  ctx.log.promptTokens = acc.total;
  return new Response(JSON.stringify({ input_tokens: acc.total }), {
    status: 200,
    headers: jsonHeaders(state, newRequestId()),
  });
}

function modelInfo(state: State): { type: "model"; id: string; display_name: string; created_at: string }[] {
  const listed = state.core.options.models;
  if (listed === undefined) {
    return ANTHROPIC_MODELS.map((m) => ({
      type: "model",
      id: m.id,
      display_name: m.display_name,
      created_at: m.created_at,
    }));
  }
  return listed.map((id) => {
    const known = ANTHROPIC_MODELS.find((m) => m.id === id || m.alias === id);
    return {
      type: "model",
      id,
      display_name: known?.display_name ?? id,
      created_at: known?.created_at ?? "2025-01-01T00:00:00Z",
    };
  });
}

function models(state: State, ctx: HandlerContext): Response {
  const bad = checkHeaders(state, ctx.request.headers);
  if (bad) return bad;
  const all = modelInfo(state);
  const path = ctx.url.pathname.replace(/\/+$/, "");
  if (path !== "/v1/models") {
    const id = decodeURIComponent(path.slice("/v1/models/".length));
    const found = all.find((m) => m.id === id) ??
      all.find((m) => ANTHROPIC_MODELS.some((k) => k.alias === id && k.id === m.id));
    if (!found) return errorResponse(state, 404, "not_found_error", `model: ${id}`);
    return new Response(JSON.stringify(found), { headers: jsonHeaders(state, newRequestId()) });
  }
  const q = ctx.url.searchParams;
  const limit = Math.min(1000, Math.max(1, Number(q.get("limit") ?? 20) || 20));
  let start = 0;
  const after = q.get("after_id");
  const before = q.get("before_id");
  if (after) start = all.findIndex((m) => m.id === after) + 1;
  let end = Math.min(all.length, start + limit);
  if (before) {
    end = Math.max(0, all.findIndex((m) => m.id === before));
    start = Math.max(0, end - limit);
  }
  const data = all.slice(start, end);
  const page = {
    data,
    has_more: before ? start > 0 : end < all.length,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
  };
  return new Response(JSON.stringify(page), { headers: jsonHeaders(state, newRequestId()) });
}

/**
 * Start the fake Anthropic server.
 *
 * @example
 * ```ts
 * import Anthropic from "@anthropic-ai/sdk";
 * import { startAnthropicSim } from "./mod.ts";
 * await using sim = await startAnthropicSim({ respond: () => "Hi!" });
 * const client = new Anthropic({ baseURL: sim.url, apiKey: "sk-ant-test", maxRetries: 0 });
 * const msg = await client.messages.create({
 *   model: "claude-sonnet-4-5",
 *   max_tokens: 100,
 *   messages: [{ role: "user", content: "hello" }],
 * });
 * console.log(msg.content); // [{ type: "text", text: "Hi!" }]
 * ```
 */
export async function startAnthropicSim(options: SimOptions = {}): Promise<BatchSimulator> {
  const core = new SimCore(options);
  const state: State = { core, cache: new Map() };
  const batchApi = new AnthropicBatchApi(state);
  await core.start((ctx) => {
    const path = ctx.url.pathname.replace(/\/+$/, "");
    const method = ctx.request.method;
    const batch = batchApi.handle(ctx);
    if (batch) return batch;
    if (path === "/v1/messages" && method === "POST") return messages(state, ctx);
    if (path === "/v1/messages/count_tokens" && method === "POST") return countTokens(state, ctx);
    if ((path === "/v1/models" || path.startsWith("/v1/models/")) && method === "GET") {
      return models(state, ctx);
    }
    return errorResponse(state, 404, "not_found_error", "Not Found");
  });
  return Object.assign(core.simulator(), { batches: batchApi.store.control() });
}
