/**
 * The conformance suite against the Azure OpenAI simulator, on both routes: the deployments route (a dated API
 * version, as `openai`'s `AzureOpenAI` calls it) and the v1 route (no API version). The provider is the kit's `httpProvider` on
 * the Azure spec and codec (what `vendors.ts` registers).
 */
import { AZURE_CODEC } from "../../src/providers/azure/codec.ts";
import { AZURE_SPEC } from "../../src/providers/azure/spec.ts";
import { httpProvider } from "../../src/providers/kit/http_provider.ts";
import { startAzureSim } from "../simulator/mod.ts";
import { conformanceSuite, type StatusExpectation } from "./conformance.ts";

const KEY = "azure-conformance-key-0123456789abcdef";

/** Azure's gateway answers 429 with both retry-after-ms and retry-after: the millisecond header wins. */
const STATUSES: StatusExpectation[] = [
  { status: 400, kind: "invalid_request" },
  { status: 401, kind: "authentication" },
  { status: 403, kind: "authentication" },
  {
    status: 429,
    kind: "rate_limit",
    headers: { "retry-after-ms": "1500", "retry-after": "2" },
    retryAfterMs: 1500,
  },
  { status: 500, kind: "server" },
  { status: 503, kind: "overloaded" },
];

for (
  const route of [{ name: "deployments", apiVersion: "2024-10-21" }, { name: "v1", apiVersion: undefined }]
) {
  conformanceSuite({
    name: `azure (${route.name} route)`,
    start: (options) => startAzureSim({ ...options, deployments: { "prod-mini": "gpt-4o-mini" } }),
    create: (sim, extra) =>
      httpProvider({
        spec: AZURE_SPEC,
        codec: AZURE_CODEC,
        options: {
          baseUrl: sim.url,
          apiKey: extra?.apiKey ?? KEY,
          cost: extra?.cost,
          settings: route.apiVersion === undefined ? {} : { apiVersion: route.apiVersion },
        },
      }),
    model: "prod-mini",
    validKey: KEY,
    errorStatuses: STATUSES,
    streamErrors: [{ errorType: "rate_limit_exceeded", kind: "rate_limit" }],
    // Azure has no model list (deployments are listed by the management API, not this one).
    skip: ["list-models"],
  });
}
