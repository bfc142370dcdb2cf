/**
 * Ollama's `num_ctx`: sized to the prompt plus max tokens (never below Ollama's default, never above the model's
 * context length from `/api/show`, cached per provider), so a prompt is never silently truncated. The kit's
 * prepare hook of the Ollama codec.
 *
 * @module
 */
import { type CallOptions, isSwebenchError, SwebenchError, type UnifiedRequest } from "../../core/mod.ts";
import type { PrepareContext } from "../kit/codec.ts";
import type { HttpTransport } from "../kit/transport.ts";
import { decodeOllamaShow, type OllamaModelShow } from "./models.ts";
import { explicitNumCtx, ollamaMessages } from "./request.ts";

/** Smallest `num_ctx` the provider asks for (Ollama's own historical default). */
export const MIN_NUM_CTX: number = 2048;
/** `num_ctx` is rounded up to a multiple of this. */
export const NUM_CTX_STEP: number = 1024;
/** Output tokens reserved when sizing `num_ctx` for a request without `maxTokens`. */
export const DEFAULT_OUTPUT_RESERVE: number = 4096;

/** Input of {@linkcode sizeNumCtx}. */
export interface NumCtxInput {
  /** Estimated prompt tokens (chat overhead included). */
  promptTokens: number;
  /** Relative error bound of the estimate (0.25 = may be 25 % low). */
  errorBound: number;
  /** Requested output tokens; when absent {@linkcode DEFAULT_OUTPUT_RESERVE} is reserved (and not enforced). */
  maxTokens?: number;
  /** The model's trained context length (from `/api/show`), when known. */
  contextLength?: number;
  /** Model id, for the error message. */
  model?: string;
  /** Provider name, for the error. */
  provider?: string;
}

/**
 * Size `num_ctx` for a request: `promptTokens * (1 + errorBound) + maxTokens`, rounded up to a multiple of 1024,
 * at least 2048, capped by the model's context length. Throws `SwebenchError` kind `context_length` when the
 * prompt estimate plus `maxTokens` exceeds the model's context length (so nothing is silently truncated).
 *
 * @example
 * ```ts
 * import { sizeNumCtx } from "./num_ctx.ts";
 * sizeNumCtx({ promptTokens: 3000, errorBound: 0.2, maxTokens: 1000, contextLength: 32768 }); // 5120
 * ```
 */
export function sizeNumCtx(input: NumCtxInput): number {
  const prompt = Math.max(0, Math.ceil(input.promptTokens));
  const output = input.maxTokens ?? DEFAULT_OUTPUT_RESERVE;
  const bound = Math.max(0, input.errorBound);
  const need = Math.ceil(prompt * (1 + bound)) + Math.max(0, output);
  let numCtx = Math.max(MIN_NUM_CTX, Math.ceil(need / NUM_CTX_STEP) * NUM_CTX_STEP);
  const limit = input.contextLength;
  if (limit !== undefined && limit > 0) {
    const required = prompt + Math.max(0, input.maxTokens ?? 0);
    if (required > limit) {
      const model = input.model ? ` of ${input.model}` : "";
      throw new SwebenchError(
        "context_length",
        `The prompt (~${prompt} tokens) plus max tokens (${
          input.maxTokens ?? 0
        }) exceeds the context length${model} (${limit} tokens).`,
        { provider: input.provider, code: "context_length_exceeded" },
      );
    }
    numCtx = Math.min(numCtx, limit);
  }
  return numCtx;
}

/** `/api/show` for the context length; model_not_found and transport failures propagate, other failures give undefined. */
async function showWith(
  transport: HttpTransport,
  model: string,
  call: CallOptions,
): Promise<OllamaModelShow | undefined> {
  try {
    const { body } = await transport.json(
      "/api/show",
      { method: "POST", body: { model } },
      call,
      "the /api/show answer",
    );
    return decodeOllamaShow(body);
  } catch (error) {
    const e = transport.named(error, call, { model });
    if (e.kind === "model_not_found" && /model/i.test(e.message)) throw e;
    if (["connection", "timeout", "interrupted", "permission", "authentication", "config"].includes(e.kind)) {
      throw e;
    }
    return undefined; // an old server, or a proxy without /api/show: size without a cap
  }
}

/** The model's context length from `/api/show`, cached per provider (successful lookups only). */
async function contextLengthOf(model: string, ctx: PrepareContext): Promise<number | undefined> {
  const key = `show:${model}`;
  let pending = ctx.memo.get(key) as Promise<OllamaModelShow | undefined> | undefined;
  const shared = pending !== undefined;
  if (pending === undefined) {
    pending = showWith(ctx.transport, model, ctx.call);
    ctx.memo.set(key, pending);
    // A failed lookup (or one that learnt nothing) is retried by the next call.
    pending.then((show) => show === undefined && ctx.memo.delete(key), () => ctx.memo.delete(key));
  }
  try {
    return (await pending)?.contextLength;
  } catch (error) {
    // Another call's lookup was aborted by that call's signal: look up again under our own.
    if (shared && isSwebenchError(error, "interrupted") && !ctx.call.signal?.aborted) {
      return (await showWith(ctx.transport, model, ctx.call))?.contextLength;
    }
    throw error;
  }
}

/**
 * The `num_ctx` to send (undefined when the request sets its own): the prompt estimate and max tokens, capped by
 * the model's context length from `/api/show`. Throws `context_length` before sending when the prompt cannot fit.
 *
 * @example
 * ```ts
 * import { prepareNumCtx } from "./num_ctx.ts";
 * import type { PrepareContext } from "../kit/codec.ts";
 * declare const ctx: PrepareContext;
 * const numCtx = await prepareNumCtx({ model: "qwen2.5-coder:7b", prompt: "Fix it.", maxTokens: 512 }, ctx);
 * ```
 */
export async function prepareNumCtx(
  request: UnifiedRequest,
  ctx: PrepareContext,
): Promise<number | undefined> {
  const counter = await ctx.counter(request.model);
  const promptTokens = counter.countChat(ollamaMessages(request));
  const explicit = explicitNumCtx(request);
  if (explicit !== undefined) {
    // The caller chose the context; still refuse a prompt that would be truncated silently.
    sizeNumCtx({
      promptTokens,
      errorBound: 0,
      maxTokens: request.maxTokens,
      contextLength: explicit,
      model: `${request.model} (num_ctx set in the request)`,
      provider: ctx.provider,
    });
    return undefined;
  }
  const contextLength = await contextLengthOf(request.model, ctx);
  return sizeNumCtx({
    promptTokens,
    errorBound: counter.errorBound,
    maxTokens: request.maxTokens,
    contextLength,
    model: request.model,
    provider: ctx.provider,
  });
}
