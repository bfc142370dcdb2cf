/**
 * Where things live on disk: the cache directory.
 *
 * @module
 */
import { env } from "./env.ts";

/** `SWEBENCH_CACHE_DIR`, else `$XDG_CACHE_HOME/swebench-runner`, else `~/.cache/swebench-runner`. */
export function cacheDir(): string {
  const explicit = env("SWEBENCH_CACHE_DIR");
  if (explicit) return explicit;
  const xdg = env("XDG_CACHE_HOME");
  return `${xdg ?? `${env("HOME") ?? "."}/.cache`}/swebench-runner`;
}
