/**
 * The Azure OpenAI endpoint variable's forms and the route each implies: what the spec checks a base URL with,
 * without the codec (which re-exports it).
 *
 * @module
 */
import { SwebenchError } from "../../core/mod.ts";

/** The two routes. */
export type AzureRoute = "deployments" | "v1";

/**
 * `AZURE_OPENAI_ENDPOINT` -> the resource URL and the route it implies. Accepted: `https://RES.openai.azure.com`
 * (with or without a trailing `/`), the same ending in `/openai` (deployments route), or in `/openai/v1` (v1
 * route, as Microsoft's samples for the plain OpenAI client write it). Throws `config` for anything that is not an
 * http(s) URL, or that carries credentials.
 *
 * @example
 * ```ts
 * import { parseAzureEndpoint } from "./endpoint.ts";
 * parseAzureEndpoint("https://my-res.openai.azure.com/openai/v1/"); // { url: "https://my-res.openai.azure.com", route: "v1" }
 * ```
 */
export function parseAzureEndpoint(
  raw: string,
  name = "AZURE_OPENAI_ENDPOINT",
): { url: string; route?: AzureRoute } {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SwebenchError("config", `${name} is not a URL: ${JSON.stringify(text.slice(0, 80))}`, {
      hint:
        "Set it to the resource endpoint, e.g. https://my-resource.openai.azure.com (Azure portal, Keys and Endpoint).",
    });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new SwebenchError("config", `${name} must be an http(s) URL, got ${url.protocol}`, {
      hint: "Set it to the resource endpoint, e.g. https://my-resource.openai.azure.com.",
    });
  }
  if (url.username !== "" || url.password !== "") {
    throw new SwebenchError("config", `${name} must not contain credentials`, {
      hint: "Put the key in AZURE_OPENAI_API_KEY, not in the URL.",
    });
  }
  let path = url.pathname.replace(/\/+$/, "");
  let route: AzureRoute | undefined;
  if (/\/openai\/v1$/.test(path)) {
    route = "v1";
    path = path.slice(0, -"/openai/v1".length);
  } else if (/\/openai$/.test(path)) {
    route = "deployments";
    path = path.slice(0, -"/openai".length);
  }
  const out: { url: string; route?: AzureRoute } = { url: `${url.origin}${path}` };
  if (route !== undefined) out.route = route;
  return out;
}
