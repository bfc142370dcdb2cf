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
