/**
 * Test simulator: fake OpenAI, Anthropic, Gemini, Azure OpenAI, Ollama and Hugging Face servers on 127.0.0.1
 * (ephemeral ports) with fault injection, used by tests and benchmarks. Nothing in `src/` imports it.
 *
 * What each server answers (shapes follow the real captures in `tests/fixtures/captures/`):
 * - OpenAI (`startOpenAISim`): `POST /v1/chat/completions` plain and SSE (role chunk, deltas, finish chunk,
 *   `include_usage` chunk with `choices: []`, `data: [DONE]`), `GET /v1/models[/{id}]`; reasoning models (o1 / o3 /
 *   o4 / gpt-5) reject `max_tokens` and a non-default `temperature`; `finish_reason: "length"` when the max tokens
 *   cut the text; `x-ratelimit-*` and `x-request-id` headers; errors as `{"error":{message,type,param,code}}`.
 *   Also the Files and Batch APIs (`openai_batch.ts`): `POST/GET /v1/files` (multipart upload, purpose `batch`,
 *   `.jsonl`, at most `batch.maxBytes`), `GET/DELETE /v1/files/{id}`, `GET /v1/files/{id}/content`,
 *   `POST/GET /v1/batches` (list newest first, `after` / `limit`), `GET /v1/batches/{id}`,
 *   `POST /v1/batches/{id}/cancel`. Status: validating -> in_progress -> finalizing -> completed, or failed with
 *   `errors.data[]` line errors (`invalid_json_line`, `duplicate_custom_id`, `url_mismatch`, `model_mismatch`,
 *   `missing_required_parameter`, `too_many_tasks`, `empty_file`), expired (`batch_expired` lines), cancelling ->
 *   cancelled (`batch_cancelled` lines). Output / error files in the real line format, not in input order.
 * - Anthropic (`startAnthropicSim`): `POST /v1/messages` plain and SSE (full event sequence, `event:` lines, ping,
 *   whitespace padding, `event: error` for the error-event fault), `POST /v1/messages/count_tokens`,
 *   `GET /v1/models[/{id}]`; `x-api-key` (or `Authorization: Bearer`, as the 1.x SDK sends) and
 *   `anthropic-version` required; under `2026-10-21` (the 1.x SDK's default) `temperature` / `top_p` / `top_k`, a
 *   `document` block in an assistant message and citations on a user text block are 400s, under `2023-06-01` they
 *   are accepted; `max_tokens` required; `stop_sequences`; a prefix cache for `cache_control` blocks (creation on
 *   first sight, read after); `anthropic-ratelimit-*` (RFC 3339), `retry-after`, `request-id`. Also Message
 *   Batches (`anthropic_batch.ts`): `POST/GET /v1/messages/batches` (`after_id` / `before_id` / `limit`),
 *   `GET/DELETE /v1/messages/batches/{id}`, `POST .../cancel`, `GET .../results` (JSON lines: succeeded, errored,
 *   canceled, expired); `custom_id` must match `^[a-zA-Z0-9_-]{1,64}$` and be unique (400), at most 100,000
 *   requests (400) and 256 MB (413); params are checked when a request runs (an invalid one is an errored result).
 * - Gemini (`startGeminiSim`, `gemini.ts`): `POST /{v1beta|v1|v1alpha}/models/{m}:generateContent`,
 *   `:streamGenerateContent?alt=sse` (CRLF events, cumulative usage, no `[DONE]`), `:countTokens`,
 *   `GET /{version}/models[/{m}]` (`inputTokenLimit` / `outputTokenLimit`, `pageSize` / `pageToken`). Key in
 *   `x-goog-api-key`, also accepted as `?key=` and then logged as `keyInUrl`. `usageMetadata` with
 *   `thoughtsTokenCount`: thinking models spend `thinkingTokens` (default 24) out of `maxOutputTokens` first, and
 *   answer a candidate without parts (`MAX_TOKENS`) when nothing is left. `finishReason` / `blockPrompt` options
 *   give SAFETY, RECITATION... Errors in Google's format: 429 `RESOURCE_EXHAUSTED` with `RetryInfo.retryDelay` and
 *   no retry-after header, 400 `API_KEY_INVALID`, 403 `PERMISSION_DENIED`, 401 `UNAUTHENTICATED`,
 *   `INVALID_ARGUMENT` for unknown fields, 404 `NOT_FOUND`, `UNAVAILABLE` / `INTERNAL`; errors on the stream
 *   endpoint keep `content-type: text/event-stream`; the error-event fault is a `data: {"error":...}` event.
 * - Azure OpenAI (`startAzureSim`, `azure.ts`): `POST /openai/deployments/{d}/chat/completions?api-version=` and
 *   `POST /openai/v1/chat/completions` (deployment in `model`); `api-key` header, or Bearer (an `entraToken`, or the
 *   key on the v1 route); `deployments` maps a deployment to its model, whose dated id is reported; content
 *   filtering (`contentFilter` option: 400 `content_filter` with `innererror`, or `finish_reason: content_filter`);
 *   `prompt_filter_results` (first stream event) and `content_filter_results` per choice / chunk; 429 with
 *   `retry-after-ms` and `retry-after`; `x-ratelimit-*` without reset headers; 404 `DeploymentNotFound`, v1 400
 *   `unknown_model`.
 * - Ollama (`startOllamaSim`): `/api/chat`, `/api/generate` (NDJSON by default, plain with `stream:false`),
 *   `/api/tags`, `/api/show`, `/api/pull`, `/api/ps`, `/api/version`, `GET /`, `/v1/chat/completions`,
 *   `/v1/models`; silent truncation at `num_ctx` (default 4096), logged as `truncated` on the request.
 * - Hugging Face (`startHfSim`): dataset info, tree (recursive, paged), parquet API, paths-info, resolve with
 *   Range / HEAD / 416, LFS files through a 302 to `/cdn/lfs/{sha256}`, bearer auth, hub-style 404s.
 *
 * Batches move one step per poll of the batch (`batch.stepsPerPoll`), per `batch.stepMs` of the batch clock
 * (`batch.now`), or by `sim.batches.advance()` / `finish()` / `expire()`; `batch.outcome` decides per request
 * (succeeded, errored, expired, timeout). Batch lines call `respond` like a model call (their `path` is the batch
 * endpoint) but are not model calls: no `n`, no chat faults, no rate window; they are answered when the batch is
 * created.
 *
 * Token counts are deterministic (see `tokens.ts`): OpenAI (and Azure) prompt tokens are exactly OpenAI's chat
 * count with gpt-tokenizer (o200k_base / cl100k_base); Anthropic, Gemini and Ollama use documented formulas over
 * o200k_base.
 *
 * Faults (`SimOptions.faults`) apply to model calls only (chat / messages / generate; HF file downloads), indexed
 * by `n`; `batch.faults` apply to the batch endpoints (files, batches, message batches, results), with their own
 * index, and a `drop` / `cut` / `stall` on a create hits after the object was created. `drop` is implemented as a 307 to a raw TCP listener that closes every connection unanswered, because
 * Deno.serve cannot close a connection without a response: clients that follow redirects (the default) see a
 * network error; a client using `redirect: "manual"` sees the 307 (`AzureOpenAI` does that whenever it sends
 * `api-key`, so it gets an error, but not a network error).
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
  BatchSimulator,
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
