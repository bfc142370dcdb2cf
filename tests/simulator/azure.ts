/**
 * Fake Azure OpenAI: `POST /openai/deployments/{deployment}/chat/completions?api-version=...` and the newer
 * `POST /openai/v1/chat/completions` (deployment in `model`), `api-key` header (or `Authorization: Bearer`: an
 * Entra ID token, or the key itself on the v1 route as Microsoft documents for the plain OpenAI client), content
 * filtering (a filtered prompt is a 400 `content_filter` with `innererror`; a filtered answer ends with
 * `finish_reason: "content_filter"`), `prompt_filter_results` / `content_filter_results`, Azure's 429 with
 * `retry-after-ms` and `retry-after`, `x-ratelimit-*`, and the reported `model` of the underlying model. Shapes
 * follow `tests/fixtures/captures/azure/`.
 *
 * @module
 */

import { type HandlerContext, SimCore } from "./core.ts";
import {
  azureFilterResults,
  chatCtx,
  type ChatHooks,
  errorResponse,
  plainChat,
  prepareChat,
  statusFault,
  streamChat,
  vendorError,
} from "./openai.ts";
import { encodingForModel, getTokenizer, openAIChatTokens } from "./tokens.ts";
import type { SimOptions, SimRequest, Simulator } from "./types.ts";
import { splitText } from "./util.ts";

/**
 * Options of the Azure simulator.
 *
 * @example
 * ```ts
 * import { startAzureSim } from "./mod.ts";
 * await using sim = await startAzureSim({
 *   deployments: { "prod-4o": "gpt-4o-mini" },
 *   contentFilter: (req) => (String(req.body.messages[0].content).includes("weapon") ? { on: "prompt" } : undefined),
 * });
 * ```
 */
export interface AzureSimOptions extends SimOptions {
  /** Deployment name -> underlying model. When unset every deployment exists and runs the model of its name. */
  deployments?: Record<string, string>;
  /** When set, a Bearer token equal to this is accepted as an Entra ID token (besides `apiKey`). */
  entraToken?: string;
  /**
   * Content filter verdict for a request: `on: "prompt"` answers 400 `content_filter`; `on: "completion"` stops the
   * answer halfway with `finish_reason: "content_filter"`. `category` defaults to `violence` (prompt: `self_harm`),
   * `severity` to `medium`.
   */
  contentFilter?: (
    req: SimRequest,
  ) => { on: "prompt" | "completion"; category?: string; severity?: string } | undefined;
}

/** API versions the deployments route accepts (GA and preview, as `OPENAI_API_VERSION` is set in practice). */
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

function azureError(code: string, message: string, extra: Record<string, unknown> = {}): unknown {
  return { error: { code, message, ...extra } };
}

/** Azure's own error code and message for the statuses its gateway answers itself. */
const AZURE_STATUS: Record<number, [string, string]> = {
  401: [
    "401",
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
  ],
  404: [
    "DeploymentNotFound",
    "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
  ],
  500: ["InternalServerError", "The server had an error while processing your request. Sorry about that!"],
  503: [
    "ServiceUnavailable",
    "The service is temporarily unable to process your request. Please try again later.",
  ],
};

const ACCESS_DENIED = AZURE_STATUS[401][1];

/**
 * Start the fake Azure OpenAI server. Point `AzureOpenAI` at it with `endpoint: sim.url`, or the plain `OpenAI`
 * client at `${sim.url}/openai/v1` for the v1 route.
 *
 * @example
 * ```ts
 * import { AzureOpenAI } from "openai";
 * import { startAzureSim } from "./mod.ts";
 * await using sim = await startAzureSim({ deployments: { "my-4o": "gpt-4o-mini" } });
 * const client = new AzureOpenAI({ endpoint: sim.url, apiKey: "k", apiVersion: "2024-10-21", deployment: "my-4o" });
 * const r = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
 * console.log(r.model); // "gpt-4o-mini-2024-07-18"
 * ```
 */
export async function startAzureSim(options: AzureSimOptions = {}): Promise<Simulator<AzureSimOptions>> {
  const core = new SimCore<AzureSimOptions>(options);
  const underlying = (deployment: string): string | undefined => {
    const map = core.options.deployments;
    return map === undefined ? deployment : map[deployment];
  };
  const hooks: ChatHooks = {
    flavor: "azure",
    hasModel: () => true,
    async countPrompt(model, messages) {
      const tok = await getTokenizer(encodingForModel(model), core.options.tokenizer);
      return { tokens: openAIChatTokens(tok, messages) };
    },
  };

  async function chat(ctx: HandlerContext, deployment: string | undefined, v1: boolean): Promise<Response> {
    const { log, signal, request } = ctx;
    const c = chatCtx(core as unknown as SimCore, hooks);
    const name = deployment ?? (typeof log.body?.model === "string" ? log.body.model : "");
    c.azure = { deployment: name, v1 };
    const fault = core.beginModelCall(log);
    const early = await core.prelude(log, fault, signal);
    if (early) return early;
    if (fault?.type === "status") {
      if (fault.body === undefined && fault.status === 429) {
        return errorResponse(c, 429, azureError("429", rateMessage(v1, 1)), {
          "retry-after": "1",
          "retry-after-ms": "1000",
          ...fault.headers,
        });
      }
      if (fault.body === undefined && AZURE_STATUS[fault.status]) {
        const [code, message] = AZURE_STATUS[fault.status];
        return errorResponse(
          c,
          fault.status,
          azureError(fault.code ?? code, fault.message ?? message),
          fault.headers,
        );
      }
      return statusFault(c, fault);
    }
    // Authentication: api-key, or a Bearer token (Entra ID; on v1 the key itself, as the OpenAI client sends it).
    const key = request.headers.get("api-key");
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    if (key === null && bearer === undefined) {
      return errorResponse(c, 401, azureError("401", ACCESS_DENIED));
    }
    const { apiKey, entraToken } = core.options;
    const keyOk = key !== null
      ? apiKey === undefined || key === apiKey
      : (entraToken !== undefined && bearer === entraToken) ||
        (v1 && apiKey !== undefined && bearer === apiKey) ||
        (apiKey === undefined && entraToken === undefined);
    if (!keyOk) return errorResponse(c, 401, azureError("401", ACCESS_DENIED));

    const model = underlying(name);
    if (model === undefined || name === "") {
      return v1
        ? errorResponse(
          c,
          400,
          azureError("unknown_model", `Unknown model: ${name}`, { details: `Unknown model: ${name}` }),
        )
        : errorResponse(c, 404, azureError(...AZURE_STATUS[404]));
    }
    const prep = await prepareChat(core as unknown as SimCore, hooks, log, ctx.json, model);
    if (!prep.ok) {
      return prep.body !== undefined
        ? errorResponse(c, prep.status, prep.body)
        : vendorError(c, prep.status, prep.code, prep.message);
    }
    const verdict = core.options.contentFilter?.(log);
    if (verdict?.on === "prompt") {
      const filter = { category: verdict.category ?? "self_harm", severity: verdict.severity ?? "medium" };
      return errorResponse(c, 400, {
        error: {
          message:
            "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
          type: null,
          param: "prompt",
          code: "content_filter",
          status: 400,
          innererror: {
            code: "ResponsibleAIPolicyViolation",
            content_filter_result: azureFilterResults("prompt", filter),
          },
        },
      });
    }
    const { reply, body, stream, maxTokens } = prep;
    if (core.window) {
      const decision = core.window.acquire(reply.promptTokens + (maxTokens ?? 0));
      if (!decision.ok) {
        const ms = Math.max(1, Math.round(decision.snapshot.resetMs));
        const seconds = Math.max(1, Math.ceil(ms / 1000));
        return errorResponse(c, 429, azureError("429", rateMessage(v1, seconds, decision.limitedBy)), {
          "retry-after": String(seconds),
          "retry-after-ms": String(ms),
        });
      }
    }
    if (fault?.type === "error-event" && !stream) return vendorError(c, 500);
    if (verdict?.on === "completion") {
      c.azure.filter = { category: verdict.category ?? "violence", severity: verdict.severity ?? "medium" };
      const pieces = splitText(reply.text, Math.max(1, Math.ceil([...reply.text].length / 2)));
      reply.text = pieces[0] ?? "";
      reply.completionTokens = reply.tok.count(reply.text);
      reply.finish = "content_filter";
    }
    if (stream) return streamChat(c, reply, body, fault, signal);
    return plainChat(c, reply, fault, signal);
  }

  function rateMessage(v1: boolean, seconds: number, by: string = "requests"): string {
    return `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version ${
      v1 ? "v1" : "2024-10-21"
    } have exceeded ${
      by === "tokens" ? "token" : "call"
    } rate limit of your current OpenAI S0 pricing tier. Please retry after ${seconds} second${
      seconds === 1 ? "" : "s"
    }. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.`;
  }

  await core.start((ctx) => {
    const path = ctx.url.pathname.replace(/\/+$/, "");
    const method = ctx.request.method;
    const c = chatCtx(core as unknown as SimCore, hooks);
    const dep = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(path);
    if (dep && method === "POST") {
      const version = ctx.url.searchParams.get("api-version");
      if (version === null) return errorResponse(c, 404, azureError("404", "Resource not found"));
      if (!API_VERSION.test(version)) {
        return errorResponse(
          c,
          400,
          azureError(
            "BadRequest",
            "API version not supported",
          ),
        );
      }
      return chat(ctx, decodeURIComponent(dep[1]), false);
    }
    if (path === "/openai/v1/chat/completions" && method === "POST") return chat(ctx, undefined, true);
    return errorResponse(c, 404, azureError("404", "Resource not found"));
  });
  return core.simulator();
}
