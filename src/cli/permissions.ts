/**
 * What the CLI may read and reach, from the vendors' specs: every environment variable (`ENV_VARS`) and host
 * (`NET_HOSTS`). The compile task's `--allow-env` / `--allow-net` and the README's permissions block are these
 * (`deno task permissions --write`). Not loaded by `--help` (it imports the provider registry).
 *
 * @module
 */
import { vendorEnvVariables, vendorHosts } from "../providers/registry.ts";
import { HF_HOSTS } from "../swebench/hf_paths.ts";

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
