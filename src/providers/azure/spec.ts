/**
 * The Azure OpenAI spec: a resource endpoint (`AZURE_OPENAI_ENDPOINT`), the key in the `api-key` header
 * (`AZURE_OPENAI_API_KEY`), `-m` naming the deployment, and the API version (`OPENAI_API_VERSION`) that chooses
 * the route: a dated version the deployments route (what `openai`'s `AzureOpenAI` calls), none the v1 route.
 *
 * @module
 */
import { SwebenchError } from "../../core/mod.ts";
import type { ProviderSpec } from "../kit/spec.ts";
import { isOpenAIReasoningModel } from "../openai/models.ts";
import { parseAzureEndpoint } from "./endpoint.ts";

const INVALID_BASE_URL =
  "Set AZURE_OPENAI_ENDPOINT (or --base-url) to the resource endpoint, e.g. https://my-resource.openai.azure.com " +
  "(Azure portal: the resource's Keys and Endpoint).";
const CREDENTIALS_IN_URL =
  "Put the key in AZURE_OPENAI_API_KEY (or `swebench provider init azure`), not in the URL.";

const DEPLOYMENTS_HINT =
  "-m takes a deployment name: the resource's deployments are listed in the Azure AI Foundry portal (Deployments) " +
  "or by `az cognitiveservices account deployment list`.";

/**
 * Azure OpenAI's facts. The endpoint has no default: without `AZURE_OPENAI_ENDPOINT` (or `--base-url`, or the
 * config file's `baseUrl`) a call is a `config` error naming the variable.
 *
 * @example
 * ```ts
 * import { AZURE_SPEC } from "./spec.ts";
 * AZURE_SPEC.normalizeBaseUrl("https://my-res.openai.azure.com/openai/v1/", "azure").url; // "https://my-res.openai.azure.com"
 * ```
 */
export const AZURE_SPEC: ProviderSpec = {
  id: "azure",
  description: "Azure OpenAI (-m is the deployment name)",
  keyEnv: ["AZURE_OPENAI_API_KEY"],
  baseUrlEnv: "AZURE_OPENAI_ENDPOINT",
  defaultBaseUrl: "",
  normalizeBaseUrl: (raw, name) => {
    if (raw.trim() === "") {
      throw new SwebenchError("config", `${name}: no Azure OpenAI endpoint`, {
        provider: name,
        hint: INVALID_BASE_URL,
      });
    }
    const endpoint = parseAzureEndpoint(
      raw,
      name === "azure" ? "AZURE_OPENAI_ENDPOINT" : `${name}: the base URL`,
    );
    return { url: endpoint.url };
  },
  auth: { type: "header", header: "api-key" },
  keyRequired: "always",
  // Every resource has its own host (<resource>.openai.azure.com): none is "the" official host.
  hosts: [],
  local: false,
  defaultModel: "gpt-4o-mini",
  settings: [
    {
      name: "apiVersion",
      env: "OPENAI_API_VERSION",
      description:
        "API version: a date (2024-10-21, 2025-04-01-preview) uses the deployments route with it; unset, the v1 route",
    },
  ],
  // The deployment's model (the config's priceAs) decides: reasoning models take no temperature.
  sendsTemperature: (model, settings) => !isOpenAIReasoningModel(settings.priceAs ?? model),
  hints: {
    invalidBaseUrl: INVALID_BASE_URL,
    credentialsInUrl: CREDENTIALS_IN_URL,
    connection: (baseUrl) =>
      `Is ${baseUrl} the resource endpoint (AZURE_OPENAI_ENDPOINT, e.g. https://my-resource.openai.azure.com)?`,
    htmlPage: "check AZURE_OPENAI_ENDPOINT (the resource endpoint, https://<resource>.openai.azure.com)",
    noModelList: DEPLOYMENTS_HINT,
  },
};
