/**
 * The gold spec: offline, local, no key; answers from the dataset's reference patch (not an HTTP vendor: its
 * provider is made by `createGoldProvider`, not by the kit).
 *
 * @module
 */
import type { ProviderSpec } from "../kit/spec.ts";

/**
 * Gold's facts.
 *
 * @example
 * ```ts
 * import { GOLD_SPEC } from "./spec.ts";
 * GOLD_SPEC.offline; // true
 * ```
 */
export const GOLD_SPEC: ProviderSpec = {
  id: "gold",
  description: "Offline: answers with the dataset's reference patch (harness sanity check)",
  keyEnv: [],
  defaultBaseUrl: "offline",
  normalizeBaseUrl: (raw) => ({ url: raw }),
  auth: { type: "none" },
  keyRequired: "never",
  hosts: [],
  local: true,
  offline: true,
  defaultModel: "gold",
  settings: [],
  sendsTemperature: () => false,
  hints: { invalidBaseUrl: "gold takes no base URL.", credentialsInUrl: "gold takes no key." },
};
