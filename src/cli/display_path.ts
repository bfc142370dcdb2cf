/**
 * Paths as a user would type them.
 *
 * @module
 */

/**
 * A path relative to the working directory when it is under it, else unchanged.
 *
 * @example
 * ```ts
 * import { displayPath } from "./display_path.ts";
 * displayPath(`${Deno.cwd()}/predictions/a.json`); // "predictions/a.json"
 * ```
 */
export function displayPath(path: string): string {
  let cwd: string;
  try {
    cwd = Deno.cwd();
  } catch {
    return path;
  }
  if (path.startsWith(cwd + "/")) return path.slice(cwd.length + 1);
  return path.startsWith("./") ? path.slice(2) : path;
}
