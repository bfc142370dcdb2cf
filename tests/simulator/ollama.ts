/**
 * Fake Ollama server (shapes of Ollama 0.13.5): `/api/chat` and `/api/generate` (NDJSON stream by default, or
 * plain with `stream:false`), `/api/tags`, `/api/show`, `/api/pull` (streamed progress), `/api/ps`,
 * `/api/version`, `GET /`, and the OpenAI-compatible `/v1/chat/completions` and `/v1/models`.
 *
 * Like real Ollama, a prompt longer than the context (`options.num_ctx`, default 4096, capped at the model's
 * context length) is silently truncated: `prompt_eval_count` reports the context size and the request log entry
 * gets `truncated: true`.
 *
 * @module
 */

import { type Frame, plainResponse, streamResponse } from "./body.ts";
import { type HandlerContext, SimCore } from "./core.ts";
import { chatCompletions, type ChatHooks, checkBearer, openAIRateHeaders } from "./openai.ts";
import { type CountMessage, getTokenizer, ollamaChatTokens } from "./tokens.ts";
import type { SimOptions, SimRequest, Simulator } from "./types.ts";
import { applyStop, contentText, DEFAULT_REPLY, isRecord, nanoTimestamp, splitText } from "./util.ts";

/** Ollama version reported by `/api/version`. */
export const OLLAMA_VERSION = "0.13.5";
/** Context size used when the request sets no `num_ctx`. */
export const OLLAMA_DEFAULT_NUM_CTX = 4096;
/** Models listed when `options.models` is unset (every model is still accepted then). */
export const OLLAMA_DEFAULT_MODELS: string[] = ["qwen2.5-coder:7b", "qwen3:32b", "llama3.2:latest"];

const THINKING_TEXT = "Okay, let me think about this request.";

interface Family {
  prefix: string;
  family: string;
  arch: string;
  parameterSize: string;
  contextLength: number;
  size: number;
  thinking: boolean;
  thinkLevels?: boolean;
}

const FAMILIES: Family[] = [
  {
    prefix: "qwen3-coder",
    family: "qwen3moe",
    arch: "qwen3moe",
    parameterSize: "30.5B",
    contextLength: 262144,
    size: 18556700761,
    thinking: false,
  },
  {
    prefix: "qwen3",
    family: "qwen3",
    arch: "qwen3",
    parameterSize: "8.2B",
    contextLength: 40960,
    size: 5225388164,
    thinking: true,
  },
  {
    prefix: "qwen2.5-coder",
    family: "qwen2",
    arch: "qwen2",
    parameterSize: "7.6B",
    contextLength: 32768,
    size: 4683087332,
    thinking: false,
  },
  {
    prefix: "qwen2.5",
    family: "qwen2",
    arch: "qwen2",
    parameterSize: "7.6B",
    contextLength: 32768,
    size: 4683087332,
    thinking: false,
  },
  {
    prefix: "deepseek-r1",
    family: "qwen2",
    arch: "qwen2",
    parameterSize: "8.2B",
    contextLength: 131072,
    size: 5225376047,
    thinking: true,
  },
  {
    prefix: "gpt-oss",
    family: "gptoss",
    arch: "gptoss",
    parameterSize: "20.9B",
    contextLength: 131072,
    size: 13780173734,
    thinking: true,
    thinkLevels: true,
  },
  {
    prefix: "devstral",
    family: "mistral3",
    arch: "mistral3",
    parameterSize: "24.0B",
    contextLength: 131072,
    size: 15177374145,
    thinking: false,
  },
  {
    prefix: "llama",
    family: "llama",
    arch: "llama",
    parameterSize: "3.2B",
    contextLength: 131072,
    size: 2019393189,
    thinking: false,
  },
  {
    prefix: "mistral",
    family: "llama",
    arch: "llama",
    parameterSize: "7.2B",
    contextLength: 32768,
    size: 4113301824,
    thinking: false,
  },
];
const FALLBACK: Family = {
  prefix: "",
  family: "llama",
  arch: "llama",
  parameterSize: "7B",
  contextLength: 8192,
  size: 4109865159,
  thinking: false,
};

/** `name` with `:latest` added when it has no tag. */
export function normalizeModel(name: string): string {
  const slash = name.lastIndexOf("/");
  return name.slice(slash + 1).includes(":") ? name : `${name}:latest`;
}

function familyOf(model: string): Family {
  const base = model.slice(model.lastIndexOf("/") + 1);
  return FAMILIES.find((f) => base.startsWith(f.prefix)) ?? FALLBACK;
}

function parameterSize(model: string, fam: Family): string {
  const tag = model.split(":")[1] ?? "";
  const m = /^(\d+(?:\.\d+)?)b\b/i.exec(tag);
  return m ? `${m[1]}B` : fam.parameterSize;
}

function digestOf(name: string): string {
  let out = "";
  let h = 2166136261;
  for (let round = 0; out.length < 64; round++) {
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
    h = Math.imul(h ^ round, 2246822519) >>> 0;
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, 64);
}

function detailsOf(model: string): Record<string, unknown> {
  const fam = familyOf(model);
  return {
    parent_model: "",
    format: "gguf",
    family: fam.family,
    families: [fam.family],
    parameter_size: parameterSize(model, fam),
    quantization_level: "Q4_K_M",
  };
}

interface Running {
  expiresAt: number;
  numCtx: number;
}

interface State {
  core: SimCore;
  pulled: Set<string>;
  running: Map<string, Running>;
}

function listed(state: State): string[] {
  const base = (state.core.options.models ?? OLLAMA_DEFAULT_MODELS).map(normalizeModel);
  for (const p of state.pulled) if (!base.includes(p)) base.push(p);
  return base;
}

function hasModel(state: State, model: string): boolean {
  if (state.core.options.models === undefined) return true;
  return listed(state).includes(normalizeModel(model));
}

function contextLength(state: State, model: string): number {
  return state.core.options.contextWindow ?? familyOf(model).contextLength;
}

const JSON_TYPE = "application/json; charset=utf-8";

function json(state: State, status: number, body: unknown, extra?: Record<string, string>): Response {
  const h = new Headers({ "content-type": JSON_TYPE });
  openAIRateHeaders(h, state.core.window?.snapshot());
  for (const [k, v] of Object.entries(extra ?? {})) h.set(k, v);
  return new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: h });
}

function ollamaError(
  state: State,
  status: number,
  message: string,
  extra?: Record<string, string>,
): Response {
  return json(state, status, { error: message }, extra);
}

function defaultMessage(status: number): string {
  if (status === 404) return "model not found";
  if (status === 429) return "rate limit exceeded";
  if (status === 503) return "server busy, please try again.  maximum pending requests exceeded";
  if (status >= 500) return "an error was encountered while running the model";
  return "invalid request";
}

function countMessages(body: Record<string, unknown>, kind: "chat" | "generate"): CountMessage[] | "raw" {
  if (kind === "chat") {
    return (Array.isArray(body.messages) ? body.messages : []).map((m: unknown) => {
      const r = isRecord(m) ? m : {};
      return { role: typeof r.role === "string" ? r.role : "user", content: contentText(r.content) };
    });
  }
  if (body.raw === true) return "raw";
  const out: CountMessage[] = [];
  if (typeof body.system === "string" && body.system) out.push({ role: "system", content: body.system });
  out.push({ role: "user", content: typeof body.prompt === "string" ? body.prompt : "" });
  return out;
}

async function promptCount(
  state: State,
  model: string,
  messages: CountMessage[] | "raw",
  rawPrompt: string,
  numCtxOption: unknown,
): Promise<{ tokens: number; truncated: boolean; numCtx: number }> {
  const tok = await getTokenizer("o200k_base", state.core.options.tokenizer);
  const full = messages === "raw" ? tok.count(rawPrompt) : ollamaChatTokens(tok, messages);
  const asked = typeof numCtxOption === "number" && numCtxOption > 0
    ? Math.floor(numCtxOption)
    : OLLAMA_DEFAULT_NUM_CTX;
  const numCtx = Math.min(asked, contextLength(state, model));
  return full > numCtx
    ? { tokens: numCtx, truncated: true, numCtx }
    : { tokens: full, truncated: false, numCtx };
}

function markLoaded(state: State, model: string, numCtx: number, keepAlive: unknown): boolean {
  const key = normalizeModel(model);
  const wasLoaded = (state.running.get(key)?.expiresAt ?? 0) > Date.now();
  if (keepAlive === 0 || keepAlive === "0" || keepAlive === "0s") {
    state.running.delete(key);
  } else {
    state.running.set(key, { expiresAt: Date.now() + 5 * 60_000, numCtx });
  }
  return wasLoaded;
}

function thinkCheck(state: State, model: string, think: unknown): Response | undefined {
  if (think === undefined || think === false || think === null) return undefined;
  const fam = familyOf(model);
  if (!fam.thinking) return ollamaError(state, 400, `"${model}" does not support thinking`);
  if (typeof think === "string" && !fam.thinkLevels) {
    return ollamaError(state, 400, `think value "${think}" is not supported for this model`);
  }
  return undefined;
}

async function generateOrChat(
  state: State,
  ctx: HandlerContext,
  kind: "chat" | "generate",
): Promise<Response> {
  const { core } = state;
  const { log, signal } = ctx;
  const fault = core.beginModelCall(log);
  const early = await core.prelude(log, fault, signal);
  if (early) return early;
  if (fault?.type === "status") {
    if (fault.body !== undefined) return json(state, fault.status, fault.body, fault.headers);
    return ollamaError(state, fault.status, fault.message ?? defaultMessage(fault.status), fault.headers);
  }
  const auth = checkBearer(core.options, ctx.request.headers);
  if (auth) return ollamaError(state, 401, "unauthorized");
  const body = log.body;
  if (!ctx.json || !isRecord(body)) {
    return ollamaError(state, 400, "invalid character looking for beginning of value");
  }
  const model = body.model;
  if (typeof model !== "string" || model === "") return ollamaError(state, 400, "model is required");
  if (!hasModel(state, model)) return ollamaError(state, 404, `model '${model}' not found`);
  const thinkError = thinkCheck(state, model, body.think);
  if (thinkError) return thinkError;
  const options = isRecord(body.options) ? body.options : {};
  const stream = body.stream !== false;
  const createdAt = nanoTimestamp();

  const empty = kind === "chat"
    ? !Array.isArray(body.messages) || body.messages.length === 0
    : typeof body.prompt !== "string" || body.prompt === "";
  if (empty) {
    // Real Ollama loads (or unloads with keep_alive 0) the model and answers one done line.
    const unload = body.keep_alive === 0 || body.keep_alive === "0";
    markLoaded(state, model, OLLAMA_DEFAULT_NUM_CTX, body.keep_alive);
    const line = kind === "chat"
      ? {
        model,
        created_at: createdAt,
        message: { role: "assistant", content: "" },
        done_reason: unload ? "unload" : "load",
        done: true,
      }
      : { model, created_at: createdAt, response: "", done: true, done_reason: unload ? "unload" : "load" };
    return json(state, 200, line);
  }

  const counted = await promptCount(
    state,
    model,
    countMessages(body, kind),
    String(body.prompt ?? ""),
    options.num_ctx,
  );
  log.promptTokens = counted.tokens;
  log.numCtx = counted.numCtx;
  if (counted.truncated) log.truncated = true;
  const numPredict = typeof options.num_predict === "number" && options.num_predict > 0
    ? Math.floor(options.num_predict)
    : undefined;

  if (core.window) {
    const decision = core.window.acquire(counted.tokens + (numPredict ?? 0));
    if (!decision.ok) {
      const retry = Math.max(1, Math.ceil(decision.snapshot.resetMs / 1000));
      return ollamaError(state, 429, "rate limit exceeded", { "retry-after": String(retry) });
    }
  }
  const wasLoaded = markLoaded(state, model, counted.numCtx, body.keep_alive);
  if (fault?.type === "error-event" && !stream) {
    return ollamaError(state, 500, "an error was encountered while running the model");
  }

  const tok = await getTokenizer("o200k_base", core.options.tokenizer);
  const stopped = applyStop((core.options.respond ?? (() => DEFAULT_REPLY))(log), options.stop);
  let text = stopped.text;
  let doneReason = "stop";
  if (numPredict !== undefined && tok.count(text) > numPredict) {
    text = tok.truncate(text, numPredict);
    doneReason = "length";
  }
  const thinking = body.think !== undefined && body.think !== false ? THINKING_TEXT : undefined;
  const evalCount = tok.count(text) + (thinking ? tok.count(thinking) : 0);
  const loadNs = wasLoaded ? 41_000_000 : 1_200_000_000;
  const promptNs = counted.tokens * 400_000;
  const evalNs = evalCount * 13_000_000;
  const stats = {
    total_duration: loadNs + promptNs + evalNs + 2_000_000,
    load_duration: loadNs,
    prompt_eval_count: counted.tokens,
    prompt_eval_duration: promptNs,
    eval_count: evalCount,
    eval_duration: evalNs,
  };
  const context = kind === "generate"
    ? Array.from({ length: counted.tokens + evalCount }, (_, i) => 1000 + ((i * 7919) % 150000))
    : undefined;

  if (!stream) {
    const final: Record<string, unknown> = kind === "chat"
      ? {
        model,
        created_at: createdAt,
        message: { role: "assistant", content: text, ...(thinking ? { thinking } : {}) },
      }
      : { model, created_at: createdAt, response: text, ...(thinking ? { thinking } : {}) };
    Object.assign(final, { done: true, done_reason: doneReason });
    if (context) final.context = context;
    Object.assign(final, stats);
    return plainResponse(core, {
      status: 200,
      headers: headersOf(state, JSON_TYPE),
      text: JSON.stringify(final),
      fault,
    }, signal);
  }

  const size = core.options.chunkSize ?? 8;
  const frames: Frame[] = [];
  const line = (o: Record<string, unknown>) => JSON.stringify(o);
  const ts = () => nanoTimestamp();
  if (thinking) {
    for (const piece of splitText(thinking, size)) {
      frames.push({
        kind: "delta",
        data: kind === "chat"
          ? line({
            model,
            created_at: ts(),
            message: { role: "assistant", content: "", thinking: piece },
            done: false,
          })
          : line({ model, created_at: ts(), response: "", thinking: piece, done: false }),
      });
    }
  }
  for (const piece of splitText(text, size)) {
    frames.push({
      kind: "delta",
      data: kind === "chat"
        ? line({ model, created_at: ts(), message: { role: "assistant", content: piece }, done: false })
        : line({ model, created_at: ts(), response: piece, done: false }),
    });
  }
  const final: Record<string, unknown> = kind === "chat"
    ? {
      model,
      created_at: ts(),
      message: { role: "assistant", content: "" },
      done: true,
      done_reason: doneReason,
    }
    : { model, created_at: ts(), response: "", done: true, done_reason: doneReason };
  if (context) final.context = context;
  Object.assign(final, stats);
  frames.push({ kind: "tail", data: line(final) });
  const errorFrame = (errorType: string | undefined): Frame => ({
    kind: "tail",
    data: line({ error: errorType ?? "an error was encountered while running the model: unexpected EOF" }),
  });
  return streamResponse(core, {
    frames,
    format: "ndjson",
    headers: headersOf(state, "application/x-ndjson"),
    errorFrame,
    fault,
  }, signal);
}

function headersOf(state: State, contentType: string): Headers {
  const h = new Headers({ "content-type": contentType });
  openAIRateHeaders(h, state.core.window?.snapshot());
  return h;
}

function tags(state: State): Response {
  const models = listed(state).map((name) => ({
    name,
    model: name,
    modified_at: "2025-08-26T21:46:36.388995313+03:00",
    size: familyOf(name).size,
    digest: digestOf(name),
    details: detailsOf(name),
  }));
  return json(state, 200, { models });
}

function ps(state: State): Response {
  const now = Date.now();
  const models = [];
  for (const [name, r] of state.running) {
    if (r.expiresAt <= now) continue;
    const size = familyOf(name).size;
    models.push({
      name,
      model: name,
      size,
      digest: digestOf(name),
      details: detailsOf(name),
      expires_at: nanoTimestamp(r.expiresAt),
      size_vram: size,
      context_length: r.numCtx,
    });
  }
  return json(state, 200, { models });
}

function show(state: State, log: SimRequest): Response {
  const body = isRecord(log.body) ? log.body : {};
  const model = typeof body.model === "string" ? body.model : typeof body.name === "string" ? body.name : "";
  if (!model) return ollamaError(state, 400, "model is required");
  if (!hasModel(state, model)) return ollamaError(state, 404, `model '${model}' not found`);
  const fam = familyOf(model);
  const ctxLen = contextLength(state, model);
  const capabilities = ["completion", "tools"];
  if (fam.thinking) capabilities.push("thinking");
  return json(state, 200, {
    license: "Apache License 2.0",
    modelfile: `# Modelfile generated by "ollama show"\nFROM ${model}\nPARAMETER stop <|im_end|>\n`,
    parameters: 'stop                           "<|im_start|>"\nstop                           "<|im_end|>"',
    template:
      "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n",
    details: detailsOf(model),
    model_info: {
      "general.architecture": fam.arch,
      "general.basename": model.split(":")[0],
      "general.file_type": 15,
      "general.parameter_count": Math.round(parseFloat(parameterSize(model, fam)) * 1e9),
      "general.quantization_version": 2,
      [`${fam.arch}.attention.head_count`]: 28,
      [`${fam.arch}.block_count`]: 28,
      [`${fam.arch}.context_length`]: ctxLen,
      [`${fam.arch}.embedding_length`]: 3584,
    },
    capabilities,
    modified_at: "2025-08-26T21:46:36.388995313+03:00",
  });
}

function pull(state: State, ctx: HandlerContext): Response {
  const body = isRecord(ctx.log.body) ? ctx.log.body : {};
  const model = typeof body.model === "string" ? body.model : typeof body.name === "string" ? body.name : "";
  if (!model) return ollamaError(state, 400, "model is required");
  state.pulled.add(normalizeModel(model));
  if (body.stream === false) return json(state, 200, { status: "success" });
  const total = familyOf(model).size;
  const digest = digestOf(model);
  const lines: Record<string, unknown>[] = [{ status: "pulling manifest" }];
  for (const completed of [0, Math.floor(total / 3), Math.floor((2 * total) / 3), total]) {
    lines.push({ status: `pulling ${digest.slice(0, 12)}`, digest: `sha256:${digest}`, total, completed });
  }
  for (const [i, small] of [1482, 6953, 487].entries()) {
    const d = digestOf(`${model}#${i}`);
    lines.push({
      status: `pulling ${d.slice(0, 12)}`,
      digest: `sha256:${d}`,
      total: small,
      completed: small,
    });
  }
  lines.push({ status: "verifying sha256 digest" }, { status: "writing manifest" }, { status: "success" });
  const frames: Frame[] = lines.map((l) => ({ kind: "delta", data: JSON.stringify(l) }));
  return streamResponse(state.core, {
    frames,
    format: "ndjson",
    headers: new Headers({ "content-type": "application/x-ndjson" }),
    errorFrame: () => ({ kind: "tail", data: JSON.stringify({ error: "pull failed" }) }),
  }, ctx.signal);
}

/**
 * Start the fake Ollama server.
 *
 * @example
 * ```ts
 * import { Ollama } from "ollama";
 * import { startOllamaSim } from "./mod.ts";
 * await using sim = await startOllamaSim({ respond: () => "Hi!" });
 * const ollama = new Ollama({ host: sim.url });
 * const r = await ollama.chat({ model: "qwen2.5-coder:7b", messages: [{ role: "user", content: "hello" }] });
 * console.log(r.message.content); // "Hi!"
 * ```
 */
export async function startOllamaSim(options: SimOptions = {}): Promise<Simulator> {
  const core = new SimCore(options);
  const state: State = { core, pulled: new Set(), running: new Map() };
  const hooks: ChatHooks = {
    flavor: "ollama",
    hasModel: (m) => hasModel(state, m),
    countPrompt: (model, messages) => promptCount(state, model, messages, "", undefined),
    reasoning(model, body) {
      const asked = body.reasoning_effort !== undefined ||
        (body.think !== undefined && body.think !== false) ||
        isRecord(body.reasoning);
      return asked && familyOf(model).thinking ? THINKING_TEXT : undefined;
    },
    onCall: (model, numCtx) => void markLoaded(state, model, numCtx ?? OLLAMA_DEFAULT_NUM_CTX, undefined),
  };
  await core.start((ctx) => {
    const path = ctx.url.pathname.replace(/\/+$/, "") || "/";
    const method = ctx.request.method;
    if (path === "/" && (method === "GET" || method === "HEAD")) {
      return new Response("Ollama is running", { headers: { "content-type": "text/plain; charset=utf-8" } });
    }
    if (method === "POST") {
      if (path === "/api/chat") return generateOrChat(state, ctx, "chat");
      if (path === "/api/generate") return generateOrChat(state, ctx, "generate");
      if (path === "/api/show") return show(state, ctx.log);
      if (path === "/api/pull") return pull(state, ctx);
      if (path === "/v1/chat/completions") return chatCompletions(core, ctx, hooks);
    }
    if (method === "GET") {
      if (path === "/api/tags") return tags(state);
      if (path === "/api/ps") return ps(state);
      if (path === "/api/version") return json(state, 200, { version: OLLAMA_VERSION });
      if (path === "/v1/models") {
        return new Response(
          JSON.stringify({
            object: "list",
            data: listed(state).map((id) => ({
              id,
              object: "model",
              created: 1756234000,
              owned_by: "library",
            })),
          }),
          { headers: { "content-type": "application/json" } },
        );
      }
    }
    return new Response("404 page not found", { status: 404, headers: { "content-type": "text/plain" } });
  });
  return core.simulator();
}
