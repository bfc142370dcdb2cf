/**
 * Environment access that respects scoped `--allow-env`: a variable Deno may not read counts as unset
 * (and `deniedEnv` remembers it so messages can name the flag).
 *
 * @module
 */

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

/** The variables the CLI reads (for `--allow-env=` in docs and hints). */
export const ENV_VARS: readonly string[] = [
  "OPENAI_API_KEY",
  "OPENAI_BASE_URL",
  "OPENAI_ORG_ID",
  "OPENAI_PROJECT_ID",
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_BASE_URL",
  "OLLAMA_HOST",
  "OLLAMA_NUM_PARALLEL",
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
