/**
 * Azure OpenAI on the OpenAI Chat Completions codec: the two routes' paths, the endpoint variable's forms, the
 * request for a deployment (the underlying model decides the reasoning-model rules), content filtering as its own
 * failure kind, and Azure's error codes. Pure: no network, no clock.
 *
 * Routes (see `tests/fixtures/captures/azure/`):
 * - `deployments`: `POST /openai/deployments/{deployment}/chat/completions?api-version={version}` (what
 *   `openai`'s `AzureOpenAI` calls; `OPENAI_API_VERSION` names the version);
 * - `v1`: `POST /openai/v1/chat/completions`, the deployment in the body's `model` (no api-version).
 * The key travels in the `api-key` header on both.
 *
 * @module
 */
import { type ErrorKind, type StreamEvent, SwebenchError, type UnifiedRequest } from "../../core/mod.ts";
import type { PushDecoder } from "../../http/push_decoder.ts";
import type { SseEvent } from "../../http/sse.ts";
import { classifyHttpError, type ErrorDetails, extractErrorDetails } from "../../http/status.ts";
import { dropOpenAIParameters, openAIUnsupportedParameter } from "../openai_compatible/unsupported.ts";
import type { VendorCodec } from "../kit/codec.ts";
import type { VendorSettings } from "../kit/spec.ts";
import { withStartMeta } from "../kit/whole_body.ts";
import {
  createOpenAIEventDecoder,
  decodeOpenAIResponse,
  encodeOpenAIRequest,
  OPENAI_CODEC,
} from "../openai/codec.ts";
import type { AzureRoute } from "./endpoint.ts";

export { type AzureRoute, parseAzureEndpoint } from "./endpoint.ts";

/**
 * The parameter an Azure 400 says the deployment's model does not take: Azure answers in OpenAI's words.
 *
 * @example
 * ```ts
 * import { azureUnsupportedParameter } from "./codec.ts";
 * import { SwebenchError } from "../../core/mod.ts";
 * azureUnsupportedParameter(new SwebenchError("invalid_request", "azure: 400 Unsupported parameter: 'stop' is not supported with this model.", { status: 400 })); // "stop"
 * ```
 */
export const azureUnsupportedParameter: (error: SwebenchError) => string | undefined =
  openAIUnsupportedParameter;

/** API version of the deployments route when `OPENAI_API_VERSION` is unset: the GA version of the captures. */
export const AZURE_DEFAULT_API_VERSION = "2024-10-21";

const PROVIDER = "azure";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Path (and query) of a chat call for a deployment on a route.
 *
 * @example
 * ```ts
 * import { azurePath } from "./codec.ts";
 * azurePath("prod-4o", { route: "deployments", apiVersion: "2024-10-21" });
 * // "/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21"
 * azurePath("prod-4o", { route: "v1" }); // "/openai/v1/chat/completions"
 * ```
 */
export function azurePath(
  deployment: string,
  options: { route?: AzureRoute; apiVersion?: string } = {},
): string {
  if (options.route === "v1") return "/openai/v1/chat/completions";
  const version = options.apiVersion?.trim() || AZURE_DEFAULT_API_VERSION;
  return `/openai/deployments/${encodeURIComponent(deployment)}/chat/completions?api-version=${
    encodeURIComponent(version)
  }`;
}

/**
 * Options of {@linkcode encodeAzureRequest}.
 *
 * @example
 * ```ts
 * import type { EncodeAzureOptions } from "./codec.ts";
 * const options: EncodeAzureOptions = { stream: true, underlyingModel: "o3-mini" };
 * ```
 */
export interface EncodeAzureOptions {
  /** Ask for a streamed response. */
  stream?: boolean;
  /**
   * The model behind the deployment (the config's catalog model): it decides the reasoning-model rules
   * (`max_completion_tokens`, no temperature/stop). Default: the deployment name itself.
   */
  underlyingModel?: string;
  /** Parameters a model refused (see {@linkcode openAIUnsupportedParameter}); `max_tokens` means use `max_completion_tokens`. */
  drop?: readonly string[];
}

/**
 * Unified request -> Chat Completions body for a deployment: the OpenAI encoding, decided by the underlying model,
 * with the deployment as `model` (the v1 route routes by it; the deployments route ignores it). Dropped parameters
 * are left out; a dropped `max_tokens` is sent as `max_completion_tokens`.
 *
 * @example
 * ```ts
 * import { encodeAzureRequest } from "./codec.ts";
 * const body = encodeAzureRequest({ model: "prod-reasoner", prompt: "Fix it", maxTokens: 100, temperature: 0 },
 *   { underlyingModel: "o3-mini" });
 * // { model: "prod-reasoner", messages: [...], max_completion_tokens: 100, stream: false }
 * ```
 */
export function encodeAzureRequest(
  request: UnifiedRequest,
  options: EncodeAzureOptions = {},
): Record<string, unknown> {
  const model = options.underlyingModel ?? request.model;
  const body = encodeOpenAIRequest({ ...request, model }, { stream: options.stream });
  body.model = request.model;
  return dropOpenAIParameters(body, options.drop);
}

/** Azure's error codes -> kinds, consulted before the HTTP status. */
export const AZURE_ERROR_KINDS: Readonly<Record<string, ErrorKind>> = {
  content_filter: "content_filter",
  ResponsibleAIPolicyViolation: "content_filter",
  unknown_model: "model_not_found",
  DeploymentNotFound: "model_not_found",
  "429": "rate_limit",
  "401": "authentication",
};

/** Categories an Azure content filter result marks `filtered: true` (`self_harm (medium)`). */
export function filteredCategories(results: unknown): string[] {
  if (!isRecord(results)) return [];
  const out: string[] = [];
  for (const [category, verdict] of Object.entries(results)) {
    if (isRecord(verdict) && verdict.filtered === true) {
      out.push(typeof verdict.severity === "string" ? `${category} (${verdict.severity})` : category);
    }
  }
  return out;
}

const FILTER_HINT =
  "Azure's content filter refused this content; it is not retried (the same input is filtered again). The " +
  "deployment's content filter policy is set in the Azure AI Foundry portal.";

/**
 * The kind of an Azure error body: `content_filter` (a filtered prompt's 400), `unknown_model` (v1 route, 400) and
 * `DeploymentNotFound` (404) model_not_found, Azure's `"429"` rate_limit, `"401"` authentication; else the HTTP
 * rules of OpenAI-style bodies.
 *
 * @example
 * ```ts
 * import { azureErrorKind } from "./codec.ts";
 * azureErrorKind({ code: "content_filter" }); // "content_filter"
 * ```
 */
export function azureErrorKind(details: ErrorDetails): ErrorKind | undefined {
  return AZURE_ERROR_KINDS[details.code ?? ""] ?? AZURE_ERROR_KINDS[details.type ?? ""];
}

/**
 * An Azure error response -> {@linkcode SwebenchError} (retry-after-ms / retry-after honoured by the generic
 * classifier). A filtered prompt names the filtered categories (`innererror.content_filter_result`).
 *
 * @example
 * ```ts
 * import { azureErrorFromBody } from "./codec.ts";
 * const e = azureErrorFromBody({ error: { code: "content_filter", message: "The response was filtered...", status: 400 } }, { status: 400 });
 * e.kind; // "content_filter"
 * ```
 */
export function azureErrorFromBody(
  body: unknown,
  options: { status: number; headers?: Headers; provider?: string; secrets?: readonly string[] },
): SwebenchError {
  const provider = options.provider ?? PROVIDER;
  const details = extractErrorDetails(body);
  const generic = classifyHttpError({
    status: options.status,
    headers: options.headers,
    provider,
    details,
    body: typeof body === "string" ? body : JSON.stringify(body),
    secrets: options.secrets,
  });
  const kind = azureErrorKind(details) ?? generic.kind;
  if (kind === generic.kind && kind !== "content_filter") return generic;
  let message = generic.message;
  if (
    kind === "content_filter" && isRecord(body) && isRecord(body.error) && isRecord(body.error.innererror)
  ) {
    const categories = filteredCategories(body.error.innererror.content_filter_result);
    if (categories.length > 0) message += `\nfiltered: ${categories.join(", ")}`;
  }
  return new SwebenchError(kind, message, {
    hint: kind === "content_filter" ? FILTER_HINT : undefined,
    status: generic.status,
    provider,
    code: generic.code,
    body: generic.body,
    retryAfterMs: generic.retryAfterMs,
    requestId: generic.requestId,
  });
}

/** The content_filter failure of an answer Azure stopped (`finish_reason: content_filter`). */
function filteredAnswer(provider: string, categories: string[], usage?: unknown): SwebenchError {
  const why = categories.length > 0 ? `: ${categories.join(", ")}` : "";
  return new SwebenchError(
    "content_filter",
    `${provider}: the answer was filtered (finish_reason content_filter)${why}`,
    {
      provider,
      code: "content_filter",
      hint: FILTER_HINT,
      body: usage === undefined ? undefined : JSON.stringify({ usage }),
    },
  );
}

/**
 * A whole Chat Completions answer from Azure -> unified fields (OpenAI decoding: `model` is the underlying dated
 * model, which the run log records). An answer stopped by the content filter throws `content_filter` naming the
 * filtered categories (the call is billed: the budget keeps its reservation for a failure after a 200).
 *
 * @example
 * ```ts
 * import { decodeAzureResponse } from "./codec.ts";
 * const r = decodeAzureResponse({ model: "gpt-4o-mini-2024-07-18", choices: [{ index: 0, message: { content: "Hi" }, finish_reason: "stop" }] });
 * r.model; // "gpt-4o-mini-2024-07-18"
 * ```
 */
export function decodeAzureResponse(
  body: unknown,
  options: { provider?: string } = {},
): ReturnType<typeof decodeOpenAIResponse> {
  const decoded = decodeOpenAIResponse(body);
  if (decoded.rawFinishReason !== "content_filter") return decoded;
  const choice = isRecord(body) && Array.isArray(body.choices) ? body.choices[0] : undefined;
  const categories = isRecord(choice) ? filteredCategories(choice.content_filter_results) : [];
  throw filteredAnswer(options.provider ?? PROVIDER, categories, isRecord(body) ? body.usage : undefined);
}

/** A chunk that marks some category filtered (JSON spacing free: a data line may be pretty-printed). */
const FILTERED_TRUE = /"filtered"\s*:\s*true/;

/**
 * The OpenAI stream decoder for Azure: the same events, except that a stream ending in
 * `finish_reason: content_filter` ends in one `content_filter` error (naming the categories the chunks marked
 * filtered) instead of a finish: the half answer is never a success.
 *
 * @example
 * ```ts
 * import { createAzureEventDecoder } from "./codec.ts";
 * import type { StreamEvent } from "../../core/mod.ts";
 * const events: StreamEvent[] = [];
 * const d = createAzureEventDecoder((e) => events.push(e));
 * d.push({ data: '{"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"content_filter"}]}' });
 * d.push({ data: "[DONE]" }); // events: start, text-delta, error (content_filter)
 * ```
 */
export function createAzureEventDecoder(
  emit: (event: StreamEvent) => void,
  options: { provider?: string } = {},
): PushDecoder<SseEvent> {
  const provider = options.provider ?? PROVIDER;
  const categories = new Set<string>();
  const inner = createOpenAIEventDecoder((event) => {
    if (event.type === "finish" && event.rawFinishReason === "content_filter") {
      emit({ type: "error", error: filteredAnswer(provider, [...categories], event.usage) });
      return;
    }
    emit(event);
  }, { provider });
  return {
    get done() {
      return inner.done;
    },
    push(sse) {
      // Only chunks that mark a category filtered are read twice.
      if (FILTERED_TRUE.test(sse.data)) {
        try {
          const chunk = JSON.parse(sse.data);
          for (const choice of Array.isArray(chunk?.choices) ? chunk.choices : []) {
            for (const c of filteredCategories(choice?.content_filter_results)) categories.add(c);
          }
        } catch {
          // The inner decoder reports malformed data.
        }
      }
      inner.push(sse);
    },
    end() {
      inner.end();
    },
  };
}

/** A dated API version (`2024-10-21`, `2025-04-01-preview`): the deployments route. */
const DATED_VERSION = /^\d{4}-\d{2}-\d{2}(?:-preview)?$/;

/**
 * The route of a call from the API version setting (`OPENAI_API_VERSION`): a dated version the deployments route
 * with that version; unset (or `v1`) the v1 route; another word (`preview`, `latest`) the v1 route with
 * `?api-version=<word>`.
 *
 * @example
 * ```ts
 * import { azureRoutePath } from "./codec.ts";
 * azureRoutePath("prod-4o", "2024-10-21"); // "/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21"
 * azureRoutePath("prod-4o", undefined); // "/openai/v1/chat/completions"
 * ```
 */
export function azureRoutePath(deployment: string, apiVersion: string | undefined): string {
  const version = apiVersion?.trim() ?? "";
  if (DATED_VERSION.test(version)) {
    return azurePath(deployment, { route: "deployments", apiVersion: version });
  }
  const path = azurePath(deployment, { route: "v1" });
  return version === "" || version === "v1" ? path : `${path}?api-version=${encodeURIComponent(version)}`;
}

/** Error details of an Azure body: a filtered prompt names its filtered categories on a second line. */
function azureErrorDetails(body: unknown): ErrorDetails {
  const details = extractErrorDetails(body);
  if (azureErrorKind(details) !== "content_filter") return details;
  const inner = isRecord(body) && isRecord(body.error) && isRecord(body.error.innererror)
    ? body.error.innererror
    : {};
  const categories = filteredCategories(inner.content_filter_result);
  return categories.length > 0 ? { ...details, detail: `filtered: ${categories.join(", ")}` } : details;
}

/** The catalog model a deployment runs (`priceAs` of the config file), when the caller said. */
function underlyingModel(settings: VendorSettings): string | undefined {
  return settings.priceAs?.trim() || undefined;
}

/**
 * Azure OpenAI as a kit codec: OpenAI's, with the route's path (from the `apiVersion` setting), the request for a
 * deployment (the underlying model, the `priceAs` setting, decides the reasoning-model rules), content filtering
 * as its own failure kind (prompt and answer, never retried), Azure's error codes, `apim-request-id`. No model
 * list: the API lists the resource's base models, not its deployments (what `-m` takes).
 *
 * @example
 * ```ts
 * import { AZURE_CODEC } from "./codec.ts";
 * AZURE_CODEC.path({ model: "prod-4o", prompt: "hi" }, { stream: false, settings: {} }); // "/openai/v1/chat/completions"
 * ```
 */
export const AZURE_CODEC: VendorCodec = {
  ...OPENAI_CODEC,
  path: (request, ctx) => azureRoutePath(request.model, ctx.settings.apiVersion),
  encode: (request, ctx) =>
    encodeAzureRequest(request, {
      stream: ctx.stream,
      underlyingModel: underlyingModel(ctx.settings),
      drop: ctx.drop === undefined ? undefined : [...ctx.drop],
    }),
  decodeWhole: (body, ctx) => decodeAzureResponse(body, { provider: ctx.provider }),
  eventDecoder: (emit, ctx) =>
    createAzureEventDecoder(withStartMeta(emit, ctx.requestId, ctx.rateLimit), { provider: ctx.provider }),
  errors: {
    kinds: AZURE_ERROR_KINDS,
    kindOf: (_status, details) => azureErrorKind(details),
    requestIdHeaders: ["apim-request-id", "x-request-id", "x-ms-request-id"],
    hint: (kind) => kind === "content_filter" ? FILTER_HINT : undefined,
    extract: azureErrorDetails,
  },
  errorHint: (error, ctx) =>
    error.kind === "model_not_found"
      ? `No deployment named ${
        JSON.stringify(ctx.model ?? "")
      } on this resource: -m takes a deployment's name ` +
        "(Azure AI Foundry portal, Deployments), not a model's."
      : undefined,
  unsupportedParameter: azureUnsupportedParameter,
  models: undefined,
};
