/**
 * Environment access that respects scoped `--allow-env`: a variable Deno may not read counts as unset
 * (and `deniedEnv` remembers it so messages can name the flag).
 *
 * @module
 */
import { vendorEnvVariables, vendorHosts } from "../providers/registry.ts";
import { HF_HOSTS } from "../swebench/hf.ts";

/** Variables that were set-but-unreadable (permission not granted). */
export const deniedEnv: Set<string> = new Set();

/** Read an environment variable; undefined when unset, empty, or not permitted. */
export function env(name: string): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "env", variable: name }).state;
    if (state !== "granted") {
      deniedEnv.add(name);
      return undefined;
    }
    const v = Deno.env.get(name);
    return v === undefined || v === "" ? undefined : v;
  } catch {
    deniedEnv.add(name);
    return undefined;
  }
}

/** The variables the CLI reads besides the vendors' own (datasets, defaults, paths, output). */
const RUNNER_ENV_VARS: readonly string[] = [
  "HF_TOKEN",
  "HF_ENDPOINT",
  "SWEBENCH_PROVIDER",
  "SWEBENCH_MODEL",
  "SWEBENCH_CONFIG",
  "SWEBENCH_CACHE_DIR",
  "SWEBENCH_PYTHON",
  "XDG_CONFIG_HOME",
  "XDG_CACHE_HOME",
  "HOME",
  "NO_COLOR",
];

/**
 * Every variable the CLI reads: the vendors' (keys, base URLs, settings, from their specs) then the runner's. The
 * compile task's `--allow-env` and the README's permissions block are this list (`deno task permissions` writes
 * them; a test checks they match).
 */
export const ENV_VARS: readonly string[] = [...vendorEnvVariables(), ...RUNNER_ENV_VARS];

/**
 * The hosts the CLI may reach: the vendors' official API hosts (from their specs, local servers included) and the
 * dataset hosts. The compile task's `--allow-net`.
 */
export const NET_HOSTS: readonly string[] = [...new Set([...vendorHosts(), ...HF_HOSTS])];
