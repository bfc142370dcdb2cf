/**
 * Test simulator: fake OpenAI, Anthropic, Ollama and Hugging Face servers on 127.0.0.1 (ephemeral ports) with
 * fault injection, used by tests and benchmarks. Nothing in `src/` imports it.
 *
 * What each server answers (shapes follow the real captures in `tests/fixtures/captures/`):
 * - OpenAI (`startOpenAISim`): `POST /v1/chat/completions` plain and SSE (role chunk, deltas, finish chunk,
 *   `include_usage` chunk with `choices: []`, `data: [DONE]`), `GET /v1/models[/{id}]`; reasoning models (o1 / o3 /
 *   o4 / gpt-5) reject `max_tokens` and a non-default `temperature`; `finish_reason: "length"` when the max tokens
 *   cut the text; `x-ratelimit-*` and `x-request-id` headers; errors as `{"error":{message,type,param,code}}`.
 * - Anthropic (`startAnthropicSim`): `POST /v1/messages` plain and SSE (full event sequence, `event:` lines, ping,
 *   whitespace padding, `event: error` for the error-event fault), `POST /v1/messages/count_tokens`,
 *   `GET /v1/models[/{id}]`; `x-api-key` (or `Authorization: Bearer`, as recent SDKs send) and
 *   `anthropic-version` required; `max_tokens` required; `stop_sequences`; a prefix cache for `cache_control`
 *   blocks (creation on first sight, read after); `anthropic-ratelimit-*` (RFC 3339), `retry-after`, `request-id`.
 * - Ollama (`startOllamaSim`): `/api/chat`, `/api/generate` (NDJSON by default, plain with `stream:false`),
 *   `/api/tags`, `/api/show`, `/api/pull`, `/api/ps`, `/api/version`, `GET /`, `/v1/chat/completions`,
 *   `/v1/models`; silent truncation at `num_ctx` (default 4096), logged as `truncated` on the request.
 * - Hugging Face (`startHfSim`): dataset info, tree (recursive, paged), parquet API, paths-info, resolve with
 *   Range / HEAD / 416, LFS files through a 302 to `/cdn/lfs/{sha256}`, bearer auth, hub-style 404s.
 *
 * Token counts are deterministic (see `tokens.ts`): OpenAI prompt tokens are exactly OpenAI's chat count with
 * gpt-tokenizer (o200k_base / cl100k_base); Anthropic and Ollama use documented formulas over o200k_base.
 *
 * Faults (`SimOptions.faults`) apply to model calls only (chat / messages / generate; HF file downloads), indexed
 * by `n`. `drop` is implemented as a 307 to a raw TCP listener that closes every connection unanswered, because
 * Deno.serve cannot close a connection without a response: clients that follow redirects (the default) see a
 * network error; a client using `redirect: "manual"` would see the 307.
 *
 * @example
 * ```ts
 * import OpenAI from "openai";
 * import { startOpenAISim } from "./mod.ts";
 * await using sim = await startOpenAISim({ faults: [{ type: "status", status: 429, headers: { "retry-after": "1" } }] });
 * const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: "sk-test", maxRetries: 0 });
 * await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
 *   .catch((e) => console.log(e.status)); // 429
 * ```
 *
 * @module
 */

export type {
  BatchControl,
  BatchItemInfo,
  BatchOptions,
  BatchOutcome,
  Fault,
  HfDataset,
  HfSimOptions,
  SimOptions,
  SimRequest,
  Simulator,
} from "./types.ts";
export { startOpenAISim } from "./openai.ts";
export { startAnthropicSim } from "./anthropic.ts";
export { startOllamaSim } from "./ollama.ts";
export { startHfSim } from "./hf.ts";
export { GEMINI_MODELS, geminiErrorBody, startGeminiSim } from "./gemini.ts";
export type { GeminiModelInfo, GeminiSimOptions } from "./gemini.ts";
export { startAzureSim } from "./azure.ts";
export type { AzureSimOptions } from "./azure.ts";
export {
  anthropicTokens,
  encodingForModel,
  geminiTokens,
  getTokenizer,
  ollamaChatTokens,
  openAIChatTokens,
} from "./tokens.ts";
export type { CountMessage, SimTokenizer } from "./tokens.ts";
export { formatDuration } from "./util.ts";
