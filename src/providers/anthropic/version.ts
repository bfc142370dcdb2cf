/**
 * Anthropic API versions and what they change in a request. `2026-10-21` (the default of `@anthropic-ai/sdk` 1.x)
 * removes `temperature`, `top_p` and `top_k`: a request that sends one gets a 400 `... Extra inputs are not
 * permitted`, even at default values; it also refuses a `document` block in an assistant message and citations on
 * user text blocks (this runner sends neither: one user text message). `2023-06-01` behaves as before. Pure.
 *
 * @module
 */
import type { SwebenchError } from "../../core/mod.ts";

/** The version sent when the configuration names none. */
export const ANTHROPIC_DEFAULT_VERSION = "2026-10-21";

/** The previous version, still selectable (config `version`, `--anthropic-version`): sampling parameters work. */
export const ANTHROPIC_LEGACY_VERSION = "2023-06-01";

/** Versions this runner knows; another value is sent as given and treated like the newest it follows. */
export const ANTHROPIC_VERSIONS: readonly string[] = [ANTHROPIC_LEGACY_VERSION, ANTHROPIC_DEFAULT_VERSION];

/** Sampling parameters the 2026-10-21 version refuses. */
export const ANTHROPIC_SAMPLING_PARAMETERS: readonly string[] = ["temperature", "top_p", "top_k"];

/**
 * Whether a Claude model takes sampling parameters (`temperature`, `top_p`, `top_k`). From Claude Opus 4.7 and
 * Sonnet 5 on (Opus 4.7, 4.8, 5, 5.5; Sonnet 5, 5.5; Haiku 5.5), and for the Fable and Mythos families, the API
 * answers 400 to a non-default value ("`temperature` is deprecated for this model"), so none is sent. Unknown
 * names (not `claude-<family>-<major>[-<minor>]`) are assumed to take them.
 *
 * @example
 * ```ts
 * import { anthropicAcceptsSampling } from "./version.ts";
 * anthropicAcceptsSampling("claude-sonnet-4-5"); // true
 * anthropicAcceptsSampling("claude-sonnet-5-5"); // false
 * ```
 */
export function anthropicAcceptsSampling(model: string): boolean {
  const id = model.slice(model.lastIndexOf("/") + 1).toLowerCase().replace(/^anthropic\./, "");
  if (/^claude-(?:fable|mythos)(?:$|-)/.test(id)) return false;
  const m = /^claude-(opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?(?:$|[-@])/.exec(id);
  if (!m) return true;
  const version = Number(m[2]) + (m[3] !== undefined ? Number(m[3]) / 10 : 0);
  return version < 4.7;
}

/**
 * True when `version` takes sampling parameters: versions before 2026-10-21 (compared as dates; a value that is
 * not a date is taken as the legacy behaviour, as the API answers unknown old versions).
 *
 * @example
 * ```ts
 * import { anthropicTakesSampling } from "./version.ts";
 * anthropicTakesSampling("2026-10-21"); // false
 * anthropicTakesSampling("2023-06-01"); // true
 * ```
 */
export function anthropicTakesSampling(version: string | undefined): boolean {
  const v = (version ?? ANTHROPIC_DEFAULT_VERSION).trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return true;
  return v < ANTHROPIC_DEFAULT_VERSION;
}

/**
 * Remove what `version` refuses from an encoded Messages body (after any `extra.anthropic` override was merged):
 * under 2026-10-21 `temperature`, `top_p`, `top_k`. Returns the names it removed (the plan says so when the user
 * asked for a temperature: sampling is then the model's own). The body is changed in place.
 *
 * @example
 * ```ts
 * import { applyAnthropicVersion } from "./version.ts";
 * const body: Record<string, unknown> = { model: "claude-sonnet-4-5", max_tokens: 10, temperature: 0, messages: [] };
 * applyAnthropicVersion(body, "2026-10-21"); // ["temperature"]; body has no temperature
 * ```
 */
export function applyAnthropicVersion(body: Record<string, unknown>, version: string | undefined): string[] {
  if (anthropicTakesSampling(version)) return [];
  const removed: string[] = [];
  for (const name of ANTHROPIC_SAMPLING_PARAMETERS) {
    if (name in body) {
      delete body[name];
      removed.push(name);
    }
  }
  return removed;
}

/**
 * The plan's line when the user asked for a temperature that `version` does not take, else `undefined`.
 *
 * @example
 * ```ts
 * import { anthropicSamplingNote } from "./version.ts";
 * anthropicSamplingNote("2026-10-21", 0);
 * // "anthropic API version 2026-10-21 takes no temperature: sampling is the model's own (--temperature 0 not sent; ..."
 * ```
 */
export function anthropicSamplingNote(
  version: string | undefined,
  temperature: number | undefined,
): string | undefined {
  if (temperature === undefined || anthropicTakesSampling(version)) return undefined;
  return `anthropic API version ${
    version ?? ANTHROPIC_DEFAULT_VERSION
  } takes no temperature: sampling is the ` +
    `model's own (--temperature ${temperature} not sent; select version ${ANTHROPIC_LEGACY_VERSION} with ` +
    "--anthropic-version or the config's anthropic version to send it)";
}

/** Wire names -> unified names of the parameters a request may lose. */
const UNIFIED: Readonly<Record<string, string>> = {
  temperature: "temperature",
  top_p: "top_p",
  top_k: "top_k",
  stop_sequences: "stop",
};

/**
 * The parameter an Anthropic 400 says the model (or the API version) does not take: `temperature: Extra inputs
 * are not permitted` (2026-10-21), `` `temperature` is deprecated for this model `` (newer models under
 * 2023-06-01), `top_p`, `top_k`, `stop_sequences` (-> `stop`); `undefined` for any other error.
 *
 * @example
 * ```ts
 * import { anthropicUnsupportedParameter } from "./version.ts";
 * import { SwebenchError } from "../../core/mod.ts";
 * const e = new SwebenchError("invalid_request", "anthropic: 400 temperature: Extra inputs are not permitted (invalid_request_error)", { status: 400 });
 * anthropicUnsupportedParameter(e); // "temperature"
 * ```
 */
export function anthropicUnsupportedParameter(error: SwebenchError): string | undefined {
  if (error.kind !== "invalid_request") return undefined;
  if (error.status !== undefined && error.status !== 400) return undefined;
  const m = /\b([a-z_]+): Extra inputs are not permitted/.exec(error.message) ??
    /`?\b([a-z_]+)`? (?:is deprecated|is not supported) (?:for|with|on) this model/.exec(error.message);
  return m ? UNIFIED[m[1]] : undefined;
}

/** Unified names -> the Messages API's wire names, where they differ. */
const WIRE: Readonly<Record<string, string>> = { stop: "stop_sequences" };

/**
 * Leave out of an encoded Messages body the parameters a model refused (`EncodeContext.drop`, unified names:
 * `stop` is `stop_sequences`). The body is changed in place and returned.
 *
 * @example
 * ```ts
 * import { dropAnthropicParameters } from "./version.ts";
 * dropAnthropicParameters({ model: "claude-x", temperature: 0, stop_sequences: ["END"] }, new Set(["stop"]));
 * // { model: "claude-x", temperature: 0 }
 * ```
 */
export function dropAnthropicParameters(
  body: Record<string, unknown>,
  names: Iterable<string> | undefined,
): Record<string, unknown> {
  for (const name of names ?? []) delete body[WIRE[name] ?? name];
  return body;
}
