/**
 * The network timeouts a command uses: `--connect-timeout`, `--idle-timeout`, `--total-timeout` (seconds, 0 = no
 * limit), else the config file (the provider's entry, then the top level), else the defaults of the provider kind
 * (see `DEFAULT_TIMEOUTS` in the registry) or of the Hugging Face download.
 *
 * @module
 */
import type { ProviderOptions } from "../providers/kit/options.ts";
import type { ConfigFile } from "./config.ts";

/** The timeout flags, in seconds. */
export interface TimeoutFlags {
  /** `--connect-timeout`: the wait for the response headers. */
  connectTimeout?: number;
  /** `--idle-timeout`: the longest silence (or keep-alives only) inside a response body. */
  idleTimeout?: number;
  /** `--total-timeout`: the whole call, body included. */
  totalTimeout?: number;
}

/** Transport timeouts in milliseconds; an absent field keeps its default. */
export type Timeouts = NonNullable<ProviderOptions["timeouts"]>;

const FIELDS = [
  ["connectTimeout", "connectTimeoutMs"],
  ["idleTimeout", "idleTimeoutMs"],
  ["totalTimeout", "totalTimeoutMs"],
] as const;

/**
 * The timeouts set for `provider` (flag > `providers.<name>.<field>` > top-level `<field>`), in milliseconds.
 *
 * @example
 * ```ts
 * import { resolveTimeouts } from "./timeouts.ts";
 * resolveTimeouts({ idleTimeout: 60 }, { connectTimeout: 30 }, "openai"); // { connectTimeoutMs: 30000, idleTimeoutMs: 60000 }
 * ```
 */
export function resolveTimeouts(flags: TimeoutFlags, config: ConfigFile, provider?: string): Timeouts {
  const entry = provider === undefined ? undefined : config.providers?.[provider];
  const out: Timeouts = {};
  for (const [field, ms] of FIELDS) {
    const seconds = flags[field] ?? entry?.[field] ?? config[field];
    if (seconds !== undefined) out[ms] = Math.round(seconds * 1000);
  }
  return out;
}
