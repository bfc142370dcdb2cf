/**
 * Fake Gemini API (Google AI, `generativelanguage.googleapis.com`): `models/{m}:generateContent`,
 * `:streamGenerateContent?alt=sse`, `:countTokens`, `GET models[/{m}]`, under `/v1beta/`, `/v1/` and `/v1alpha/`.
 * Shapes follow the real captures in `tests/fixtures/captures/gemini/`; errors are Google's
 * `{"error":{code,message,status,details}}`.
 *
 * @module
 */

import { type Frame, plainResponse, streamResponse } from "./body.ts";
import { type HandlerContext, SimCore } from "./core.ts";
import { geminiTokens, getTokenizer } from "./tokens.ts";
import type { Fault, SimOptions, SimRequest, Simulator } from "./types.ts";
import { applyStop, DEFAULT_REPLY, isRecord, randomString, splitText } from "./util.ts";

/** One model of the Gemini simulator's list. */
export interface GeminiModelInfo {
  /** Model id without the `models/` prefix. */
  id: string;
  /** `version` field. */
  version: string;
  /** Display name. */
  displayName: string;
  /** Input token limit (the context window). */
  inputTokenLimit: number;
  /** Output token limit (thinking and answer together). */
  outputTokenLimit: number;
  /** Thinking model: spends thought tokens (billed as output) out of `maxOutputTokens`. */
  thinking: boolean;
  /** Default topK. */
  topK: number;
}

/**
 * Models listed by default (ids, versions and limits as the real `GET /v1beta/models` lists them, 2025).
 */
export const GEMINI_MODELS: GeminiModelInfo[] = [
  {
    id: "gemini-2.5-pro",
    version: "2.5",
    displayName: "Gemini 2.5 Pro",
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
    thinking: true,
    topK: 64,
  },
  {
    id: "gemini-2.5-flash",
    version: "001",
    displayName: "Gemini 2.5 Flash",
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
    thinking: true,
    topK: 64,
  },
  {
    id: "gemini-2.5-flash-lite",
    version: "001",
    displayName: "Gemini 2.5 Flash-Lite",
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
    thinking: true,
    topK: 64,
  },
  {
    id: "gemini-2.0-flash",
    version: "2.0",
    displayName: "Gemini 2.0 Flash",
    inputTokenLimit: 1048576,
    outputTokenLimit: 8192,
    thinking: false,
    topK: 40,
  },
  {
    id: "gemini-2.0-flash-lite",
    version: "2.0",
    displayName: "Gemini 2.0 Flash-Lite",
    inputTokenLimit: 1048576,
    outputTokenLimit: 8192,
    thinking: false,
    topK: 40,
  },
];

/**
 * Options of the Gemini simulator: the common ones plus Gemini's own outcomes.
 *
 * @example
 * ```ts
 * import { startGeminiSim } from "./mod.ts";
 * await using sim = await startGeminiSim({ finishReason: () => "RECITATION", thinkingTokens: () => 100 });
 * ```
 */
export interface GeminiSimOptions extends SimOptions {
  /**
   * Thought tokens a thinking model spends before it answers (default 24). They come out of `maxOutputTokens`
   * first: when they use it all, the candidate has no parts and finishes `MAX_TOKENS`. A request's
   * `generationConfig.thinkingConfig.thinkingBudget` caps them (0 turns thinking off).
   */
  thinkingTokens?: (req: SimRequest) => number;
  /**
   * Finish the candidate with this reason and no text: `SAFETY` (with blocked `safetyRatings`), `RECITATION`,
   * `PROHIBITED_CONTENT`, `BLOCKLIST`, `SPII`, `LANGUAGE`, `OTHER`, `MALFORMED_FUNCTION_CALL`...
   * `undefined` answers normally.
   */
  finishReason?: (req: SimRequest) => string | undefined;
  /** Block the prompt: `promptFeedback.blockReason` (`SAFETY`, `OTHER`, `BLOCKLIST`, `PROHIBITED_CONTENT`), no candidates. */
  blockPrompt?: (req: SimRequest) => string | undefined;
  /** Listed models with their limits (default {@linkcode GEMINI_MODELS}); `models` (ids only) still filters. */
  modelInfo?: GeminiModelInfo[];
}

/** Google's canonical status names by HTTP status. */
const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "NOT_IMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const HELP_LINK = "https://ai.google.dev/gemini-api/docs/rate-limits";
const API_KEY_INVALID = "API key not valid. Please pass a valid API key.";
const NO_KEY =
  "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.";
const BAD_TOKEN =
  "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";
const INTERNAL =
  "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting";
const OVERLOADED = "The model is overloaded. Please try again later.";

/** A Google error body: `{"error":{code,message,status,details?}}`. */
export function geminiErrorBody(
  code: number,
  message: string,
  status: string = STATUS_NAMES[code] ?? (code >= 500 ? "INTERNAL" : "INVALID_ARGUMENT"),
  details?: unknown[],
): { error: { code: number; message: string; status: string; details?: unknown[] } } {
  return { error: details ? { code, message, status, details } : { code, message, status } };
}

/** The API_KEY_INVALID body, exactly as the capture. */
function apiKeyInvalidBody(): unknown {
  return geminiErrorBody(400, API_KEY_INVALID, "INVALID_ARGUMENT", [
    {
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "API_KEY_INVALID",
      domain: "googleapis.com",
      metadata: { service: "generativelanguage.googleapis.com" },
    },
    { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message: API_KEY_INVALID },
  ]);
}

/** `1.5s`-style protobuf Duration. */
function durationOf(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, "")}s`;
}

/** RESOURCE_EXHAUSTED with QuotaFailure, Help and RetryInfo details (no retry-after header: Google sends none). */
export function geminiQuotaBody(model: string, retryDelay: string, limit = 10): unknown {
  const seconds = retryDelay.replace(/s$/, "");
  return geminiErrorBody(
    429,
    `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: ${HELP_LINK}. To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_paid_tier_requests, limit: ${limit}, model: ${model}\nPlease retry in ${seconds}s.`,
    "RESOURCE_EXHAUSTED",
    [
      {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        violations: [{
          quotaMetric: "generativelanguage.googleapis.com/generate_content_paid_tier_requests",
          quotaId: "GenerateRequestsPerMinutePerProjectPerModel",
          quotaDimensions: { location: "global", model },
          quotaValue: String(limit),
        }],
      },
      {
        "@type": "type.googleapis.com/google.rpc.Help",
        links: [{ description: "Learn more about Gemini API quotas", url: HELP_LINK }],
      },
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay },
    ],
  );
}

/** Default body of a `status` fault (`code` picks `API_KEY_INVALID`, or a status name such as `UNAVAILABLE`). */
function statusFaultBody(fault: Extract<Fault, { type: "status" }>, model: string): unknown {
  if (fault.code === "API_KEY_INVALID") return apiKeyInvalidBody();
  if (fault.status === 429 && (fault.code === undefined || fault.code === "RESOURCE_EXHAUSTED")) {
    const body = geminiQuotaBody(model, fault.retryDelay ?? "1s") as { error: { message: string } };
    if (fault.message) body.error.message = fault.message;
    return body;
  }
  const status = fault.code ?? STATUS_NAMES[fault.status] ??
    (fault.status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT");
  const message = fault.message ??
    (status === "UNAVAILABLE"
      ? OVERLOADED
      : status === "INTERNAL"
      ? INTERNAL
      : status === "UNAUTHENTICATED"
      ? BAD_TOKEN
      : status === "PERMISSION_DENIED"
      ? "The caller does not have permission"
      : status === "NOT_FOUND"
      ? `models/${model} is not found.`
      : status === "DEADLINE_EXCEEDED"
      ? "Deadline expired before operation could complete."
      : "Request contains an invalid argument.");
  return geminiErrorBody(fault.status, message, status);
}

const TOP_FIELDS = new Set([
  "contents",
  "systemInstruction",
  "system_instruction",
  "generationConfig",
  "generation_config",
  "safetySettings",
  "safety_settings",
  "tools",
  "toolConfig",
  "tool_config",
  "cachedContent",
  "cached_content",
  "labels",
  "model",
]);

const CONFIG_FIELDS = new Set([
  "stopSequences",
  "responseMimeType",
  "responseSchema",
  "responseJsonSchema",
  "responseModalities",
  "candidateCount",
  "maxOutputTokens",
  "temperature",
  "topP",
  "topK",
  "seed",
  "presencePenalty",
  "frequencyPenalty",
  "responseLogprobs",
  "logprobs",
  "thinkingConfig",
  "mediaResolution",
  "speechConfig",
]);

/** `maxOutputTokens` -> `max_output_tokens`. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Protobuf JSON accepts both lowerCamel and snake_case field names. */
function field(obj: Record<string, unknown>, name: string): unknown {
  return obj[name] ?? obj[snake(name)];
}

interface State {
  core: SimCore<GeminiSimOptions>;
}

function headers(contentType: string, started: number): Headers {
  return new Headers({
    "content-type": contentType,
    vary: "Origin, X-Origin, Referer",
    server: "scaffolding on HTTPServer2",
    "server-timing": `gfet4t7; dur=${Math.max(1, Date.now() - started)}`,
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
    "x-xss-protection": "0",
  });
}

const JSON_TYPE = "application/json; charset=UTF-8";

/** An error response; on a stream endpoint Google sends the JSON under `text/event-stream` (see the captures). */
function errorResponse(status: number, body: unknown, stream: boolean, started: number): Response {
  const h = headers(stream ? "text/event-stream" : JSON_TYPE, started);
  return new Response(typeof body === "string" ? body : JSON.stringify(body, null, 2), {
    status,
    headers: h,
  });
}

function modelList(state: State): GeminiModelInfo[] {
  const all = state.core.options.modelInfo ?? GEMINI_MODELS;
  const ids = state.core.options.models;
  if (ids === undefined) return all;
  return ids.map((id) => all.find((m) => m.id === id) ?? fallbackInfo(id));
}

function fallbackInfo(id: string): GeminiModelInfo {
  const thinking = !/^gemini-(1\.|2\.0)/.test(id);
  return {
    id,
    version: "001",
    displayName: id,
    inputTokenLimit: 1048576,
    outputTokenLimit: thinking ? 65536 : 8192,
    thinking,
    topK: thinking ? 64 : 40,
  };
}

function findModel(state: State, id: string): GeminiModelInfo | undefined {
  const ids = state.core.options.models;
  if (ids !== undefined && !ids.includes(id)) return undefined;
  return (state.core.options.modelInfo ?? GEMINI_MODELS).find((m) => m.id === id) ?? fallbackInfo(id);
}

/** Key check: `x-goog-api-key` header, `?key=` (recorded), or an OAuth bearer token. */
function checkKey(state: State, ctx: HandlerContext, stream: boolean, started: number): Response | undefined {
  const header = ctx.request.headers.get("x-goog-api-key");
  const query = ctx.url.searchParams.get("key");
  if (query !== null) ctx.log.keyInUrl = true;
  const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.request.headers.get("authorization") ?? "")?.[1];
  const key = header ?? query ?? undefined;
  const expected = state.core.options.apiKey;
  if (key === undefined && bearer === undefined) {
    return errorResponse(403, geminiErrorBody(403, NO_KEY, "PERMISSION_DENIED"), stream, started);
  }
  if (expected === undefined) return undefined;
  if (key !== undefined) {
    return key === expected ? undefined : errorResponse(400, apiKeyInvalidBody(), stream, started);
  }
  return bearer === expected
    ? undefined
    : errorResponse(401, geminiErrorBody(401, BAD_TOKEN, "UNAUTHENTICATED"), stream, started);
}

/** Text of the parts of a Content (`{role, parts:[{text}]}`) or a list of them. */
function textsOf(content: unknown): string[] {
  const out: string[] = [];
  const visit = (c: unknown) => {
    if (!isRecord(c) || !Array.isArray(c.parts)) return;
    for (const p of c.parts) if (isRecord(p) && typeof p.text === "string") out.push(p.text);
  };
  if (Array.isArray(content)) content.forEach(visit);
  else visit(content);
  return out;
}

/** Validate the request body; a Google 400 when it is wrong. */
function validate(body: unknown, json: boolean, forCount: boolean): string | undefined {
  if (!json || !isRecord(body)) return "Invalid JSON payload received. Unexpected token.";
  for (const k of Object.keys(body)) {
    if (
      !TOP_FIELDS.has(k) &&
      !(forCount && (k === "generateContentRequest" || k === "generate_content_request"))
    ) {
      return `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`;
    }
  }
  const config = field(body, "generationConfig");
  if (config !== undefined) {
    if (!isRecord(config)) return `Invalid value at 'generation_config' (generationConfig), "${config}"`;
    for (const k of Object.keys(config)) {
      const camel = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      if (!CONFIG_FIELDS.has(camel)) {
        return `Invalid JSON payload received. Unknown name "${k}" at 'generation_config': Cannot find field.`;
      }
    }
    const t = field(config, "temperature");
    if (t !== undefined && (typeof t !== "number" || t < 0 || t > 2)) {
      return "* GenerateContentRequest.generation_config.temperature: temperature must be between 0 and 2\n";
    }
  }
  const contents = body.contents;
  if (!forCount || body.generateContentRequest === undefined) {
    if (!Array.isArray(contents) || contents.length === 0) {
      return "* GenerateContentRequest.contents: contents is not specified\n";
    }
  }
  return undefined;
}

interface Outcome {
  promptTokens: number;
  candidateTokens: number;
  thoughts: number;
  text: string;
  finish: string;
  blocked?: string;
}

const SAFETY_RATINGS = (blocked: boolean) => [
  { category: "HARM_CATEGORY_SEXUALLY_EXPLICIT", probability: "NEGLIGIBLE" },
  { category: "HARM_CATEGORY_HATE_SPEECH", probability: "NEGLIGIBLE" },
  { category: "HARM_CATEGORY_HARASSMENT", probability: "NEGLIGIBLE" },
  blocked
    ? { category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true }
    : { category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "NEGLIGIBLE" },
];

/** usageMetadata as the API sends it (zero counts are omitted, as proto3 JSON does). */
function usageOf(o: Outcome, candidates: number, legacyPartial: boolean): Record<string, unknown> {
  const u: Record<string, unknown> = { promptTokenCount: o.promptTokens };
  if (candidates > 0 && !legacyPartial) u.candidatesTokenCount = candidates;
  u.totalTokenCount = o.promptTokens + (legacyPartial ? 0 : candidates) + o.thoughts;
  u.promptTokensDetails = [{ modality: "TEXT", tokenCount: o.promptTokens }];
  if (o.thoughts > 0) u.thoughtsTokenCount = o.thoughts;
  u.serviceTier = "standard";
  return u;
}

function candidateOf(
  text: string | undefined,
  finish: string | undefined,
  legacy: boolean,
): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  if (finish === "SAFETY" || (finish && !["STOP", "MAX_TOKENS"].includes(finish) && text === undefined)) {
    // A candidate stopped by a filter carries no content at all.
  } else {
    c.content = text === undefined || text === "" ? { role: "model" } : { parts: [{ text }], role: "model" };
  }
  if (finish) c.finishReason = finish;
  if (!legacy) c.index = 0;
  if (finish === "SAFETY") c.safetyRatings = SAFETY_RATINGS(true);
  return c;
}

async function generate(
  state: State,
  ctx: HandlerContext,
  model: string,
  stream: boolean,
): Promise<Response> {
  const { core } = state;
  const { log, signal } = ctx;
  const started = Date.now();
  const fault = core.beginModelCall(log);
  const early = await core.prelude(log, fault, signal);
  if (early) return early;
  if (fault?.type === "status") {
    const body = fault.body !== undefined ? fault.body : statusFaultBody(fault, model);
    const res = errorResponse(fault.status, body, stream, started);
    for (const [k, v] of Object.entries(fault.headers ?? {})) res.headers.set(k, v);
    return res;
  }
  const bad = checkKey(state, ctx, stream, started);
  if (bad) return bad;
  const info = findModel(state, model);
  const version = ctx.url.pathname.split("/")[1];
  // The real API names generateContent in this message on the stream endpoint too (see the captures).
  const method = "generateContent";
  if (!info) {
    return errorResponse(
      404,
      geminiErrorBody(
        404,
        `models/${model} is not found for API version ${version}, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
        "NOT_FOUND",
      ),
      stream,
      started,
    );
  }
  const invalid = validate(log.body, ctx.json, false);
  if (invalid) return errorResponse(400, geminiErrorBody(400, invalid), stream, started);
  const body = log.body as Record<string, unknown>;
  const config = (isRecord(field(body, "generationConfig")) ? field(body, "generationConfig") : {}) as Record<
    string,
    unknown
  >;
  const rawMax = field(config, "maxOutputTokens");
  if (rawMax !== undefined && (typeof rawMax !== "number" || rawMax < 1 || rawMax > info.outputTokenLimit)) {
    return errorResponse(
      400,
      geminiErrorBody(
        400,
        `Unable to submit request because it has a maxOutputTokens value of ${rawMax} but the supported range is from 1 (inclusive) to ${
          info.outputTokenLimit + 1
        } (exclusive). Update the value and try again.`,
      ),
      stream,
      started,
    );
  }
  const tok = await getTokenizer("o200k_base", core.options.tokenizer);
  const promptTokens = geminiTokens(tok, [
    ...textsOf(field(body, "systemInstruction")),
    ...textsOf(body.contents),
  ]);
  log.promptTokens = promptTokens;
  const limit = core.options.contextWindow ?? info.inputTokenLimit;
  if (promptTokens > limit) {
    return errorResponse(
      400,
      geminiErrorBody(
        400,
        `The input token count (${promptTokens}) exceeds the maximum number of tokens allowed (${limit}).`,
      ),
      stream,
      started,
    );
  }
  const maxOut = typeof rawMax === "number" ? Math.floor(rawMax) : info.outputTokenLimit;
  if (core.window) {
    const decision = core.window.acquire(promptTokens + maxOut);
    if (!decision.ok) {
      const delay = durationOf(Math.max(1000, Math.ceil(decision.snapshot.resetMs / 1000) * 1000));
      return errorResponse(429, geminiQuotaBody(model, delay, core.window.config.requests), stream, started);
    }
  }
  if (fault?.type === "error-event" && !stream) {
    const status = fault.errorType === "RESOURCE_EXHAUSTED"
      ? 429
      : fault.errorType === "INTERNAL"
      ? 500
      : 503;
    const msg = status === 429 ? undefined : status === 500 ? INTERNAL : OVERLOADED;
    return errorResponse(
      status,
      status === 429 ? geminiQuotaBody(model, "1s") : geminiErrorBody(status, msg as string),
      false,
      started,
    );
  }

  // The answer.
  const outcome: Outcome = { promptTokens, candidateTokens: 0, thoughts: 0, text: "", finish: "STOP" };
  const blocked = core.options.blockPrompt?.(log);
  const forced = blocked ? undefined : core.options.finishReason?.(log);
  if (blocked) {
    outcome.blocked = blocked;
  } else {
    let thoughts = 0;
    if (info.thinking) {
      const thinkingConfig = field(config, "thinkingConfig");
      const budget = isRecord(thinkingConfig) ? field(thinkingConfig, "thinkingBudget") : undefined;
      thoughts = Math.max(0, Math.floor(core.options.thinkingTokens?.(log) ?? 24));
      if (typeof budget === "number" && budget >= 0) thoughts = Math.min(thoughts, budget);
      thoughts = Math.min(thoughts, maxOut);
    }
    outcome.thoughts = thoughts;
    if (forced) {
      outcome.finish = forced;
    } else {
      const stopped = applyStop(
        (core.options.respond ?? (() => DEFAULT_REPLY))(log),
        field(config, "stopSequences"),
      );
      let text = stopped.text;
      const room = maxOut - thoughts;
      if (room <= 0) {
        text = "";
        outcome.finish = "MAX_TOKENS";
      } else if (tok.count(text) > room) {
        text = tok.truncate(text, room);
        outcome.finish = "MAX_TOKENS";
      }
      outcome.text = text;
      outcome.candidateTokens = tok.count(text);
    }
  }
  const responseId = randomString(23, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
  const legacy = /^gemini-(1\.|2\.0)/.test(model);
  if (!stream) {
    const out: Record<string, unknown> = {};
    if (outcome.blocked) {
      out.promptFeedback = { blockReason: outcome.blocked, safetyRatings: SAFETY_RATINGS(true) };
    } else {
      out.candidates = [candidateOf(forced ? undefined : outcome.text, outcome.finish, legacy)];
    }
    out.usageMetadata = usageOf(outcome, outcome.candidateTokens, false);
    if (legacy && outcome.candidateTokens > 0) {
      (out.usageMetadata as Record<string, unknown>).candidatesTokensDetails = [{
        modality: "TEXT",
        tokenCount: outcome.candidateTokens,
      }];
    }
    out.modelVersion = model;
    out.responseId = responseId;
    return plainResponse(core, {
      status: 200,
      headers: headers(JSON_TYPE, started),
      text: JSON.stringify(out, null, 2),
      fault,
    }, signal);
  }
  const frames: Frame[] = [];
  const chunk = (candidate: Record<string, unknown> | undefined, usage: Record<string, unknown>) => {
    const o: Record<string, unknown> = {};
    if (candidate) o.candidates = [candidate];
    else if (outcome.blocked) {
      o.promptFeedback = { blockReason: outcome.blocked, safetyRatings: SAFETY_RATINGS(true) };
    }
    o.usageMetadata = usage;
    o.modelVersion = model;
    o.responseId = responseId;
    return JSON.stringify(o);
  };
  const pieces = outcome.blocked || forced ? [] : splitText(outcome.text, core.options.chunkSize ?? 8);
  let sent = "";
  for (let i = 0; i < pieces.length; i++) {
    sent += pieces[i];
    const last = i === pieces.length - 1;
    const soFar = tok.count(sent);
    const usage = usageOf(outcome, soFar, legacy && !last);
    if (legacy && last && soFar > 0) {
      usage.candidatesTokensDetails = [{ modality: "TEXT", tokenCount: soFar }];
    }
    frames.push({
      kind: last ? "tail" : "delta",
      data: chunk(candidateOf(pieces[i], last ? outcome.finish : undefined, legacy), usage),
    });
  }
  if (pieces.length === 0) {
    frames.push({
      kind: "tail",
      data: chunk(
        outcome.blocked ? undefined : candidateOf(forced ? undefined : "", outcome.finish, legacy),
        usageOf(outcome, 0, false),
      ),
    });
  }
  const errorFrame = (errorType: string | undefined): Frame => {
    const status = errorType === "RESOURCE_EXHAUSTED" ? 429 : errorType === "UNAVAILABLE" ? 503 : 500;
    return {
      kind: "tail",
      data: JSON.stringify(
        status === 429
          ? geminiQuotaBody(model, "1s")
          : geminiErrorBody(status, status === 503 ? OVERLOADED : INTERNAL),
      ),
    };
  };
  const h = headers("text/event-stream", started);
  h.set("content-disposition", "attachment");
  return streamResponse(core, { frames, format: "sse", headers: h, errorFrame, fault, eol: "\r\n" }, signal);
}

async function countTokens(state: State, ctx: HandlerContext, model: string): Promise<Response> {
  const started = Date.now();
  const bad = checkKey(state, ctx, false, started);
  if (bad) return bad;
  if (!findModel(state, model)) {
    const version = ctx.url.pathname.split("/")[1];
    return errorResponse(
      404,
      geminiErrorBody(
        404,
        `models/${model} is not found for API version ${version}, or is not supported for countTokens. Call ListModels to see the list of available models and their supported methods.`,
        "NOT_FOUND",
      ),
      false,
      started,
    );
  }
  const invalid = validate(ctx.log.body, ctx.json, true);
  if (invalid) return errorResponse(400, geminiErrorBody(400, invalid), false, started);
  const body = ctx.log.body as Record<string, unknown>;
  const inner = field(body, "generateContentRequest");
  const source = isRecord(inner) ? inner : body;
  const tok = await getTokenizer("o200k_base", state.core.options.tokenizer);
  const total = geminiTokens(tok, [
    ...textsOf(field(source, "systemInstruction")),
    ...textsOf(source.contents),
  ]);
  ctx.log.promptTokens = total;
  return new Response(
    JSON.stringify(
      { totalTokens: total, promptTokensDetails: [{ modality: "TEXT", tokenCount: total }] },
      null,
      2,
    ),
    { status: 200, headers: headers(JSON_TYPE, started) },
  );
}

function modelObject(m: GeminiModelInfo): Record<string, unknown> {
  const o: Record<string, unknown> = {
    name: `models/${m.id}`,
    version: m.version,
    displayName: m.displayName,
    description: `${m.displayName} (simulator)`,
    inputTokenLimit: m.inputTokenLimit,
    outputTokenLimit: m.outputTokenLimit,
    supportedGenerationMethods: [
      "generateContent",
      "countTokens",
      "createCachedContent",
      "batchGenerateContent",
    ],
    temperature: 1,
    topP: 0.95,
    topK: m.topK,
    maxTemperature: 2,
  };
  if (m.thinking) o.thinking = true;
  return o;
}

function models(state: State, ctx: HandlerContext, id: string | undefined): Response {
  const started = Date.now();
  const bad = checkKey(state, ctx, false, started);
  if (bad) return bad;
  const all = modelList(state);
  if (id !== undefined) {
    const found = all.find((m) => m.id === id);
    if (!found) {
      return errorResponse(
        404,
        geminiErrorBody(404, `models/${id} is not found.`, "NOT_FOUND"),
        false,
        started,
      );
    }
    return new Response(JSON.stringify(modelObject(found), null, 2), {
      headers: headers(JSON_TYPE, started),
    });
  }
  const q = ctx.url.searchParams;
  const size = Math.min(1000, Math.max(1, Number(q.get("pageSize") ?? 50) || 50));
  const token = q.get("pageToken");
  const start = token ? Number.parseInt(atob(token), 10) || 0 : 0;
  const page = all.slice(start, start + size);
  const out: Record<string, unknown> = { models: page.map(modelObject) };
  if (start + size < all.length) out.nextPageToken = btoa(String(start + size));
  return new Response(JSON.stringify(out, null, 2), { headers: headers(JSON_TYPE, started) });
}

/**
 * Start the fake Gemini server. Point `@google/genai` at it with `httpOptions: { baseUrl: sim.url }`.
 *
 * @example
 * ```ts
 * import { GoogleGenAI } from "@google/genai";
 * import { startGeminiSim } from "./mod.ts";
 * await using sim = await startGeminiSim({ respond: () => "Hi!" });
 * const ai = new GoogleGenAI({ apiKey: "AIza-test", httpOptions: { baseUrl: sim.url } });
 * const r = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "hello" });
 * console.log(r.text); // "Hi!"
 * ```
 */
export async function startGeminiSim(options: GeminiSimOptions = {}): Promise<Simulator<GeminiSimOptions>> {
  const core = new SimCore<GeminiSimOptions>(options);
  const state: State = { core };
  await core.start((ctx) => {
    const path = ctx.url.pathname;
    const method = ctx.request.method;
    const m = /^\/(v1beta|v1|v1alpha)\/models(?:\/([^/:]+))?(?::([A-Za-z]+))?\/?$/.exec(path);
    if (m) {
      const [, , rawId, action] = m;
      const id = rawId === undefined ? undefined : decodeURIComponent(rawId);
      if (method === "GET" && action === undefined) return models(state, ctx, id);
      if (method === "POST" && id !== undefined) {
        if (action === "generateContent") return generate(state, ctx, id, false);
        if (action === "streamGenerateContent") {
          // Without alt=sse Google streams one JSON array; the simulator speaks SSE only, and says so.
          if (ctx.url.searchParams.get("alt") !== "sse") {
            return errorResponse(
              400,
              geminiErrorBody(400, "The simulator serves streamGenerateContent with alt=sse only."),
              false,
              Date.now(),
            );
          }
          return generate(state, ctx, id, true);
        }
        if (action === "countTokens") return countTokens(state, ctx, id);
      }
    }
    return errorResponse(
      404,
      geminiErrorBody(404, `Method not found: ${method} ${path}`, "NOT_FOUND"),
      false,
      Date.now(),
    );
  });
  return core.simulator();
}
