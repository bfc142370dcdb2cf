/**
 * File errors of the predictions side, as a person should read them: Deno's missing flag (`permission`), the
 * operating system refusing (EACCES) or an I/O error of the disk (usage, exit 2, naming the path), a file that is
 * not there.
 *
 * @module
 */
import { SwebenchError } from "../core/errors.ts";
import { fileAccessError } from "../http/permission.ts";

/**
 * A failed read or write of `path` as the error to show: Deno's `NotCapable` names the flag, the operating
 * system's refusal or an I/O error (a full disk, a read-only file system) is a usage error naming the path and
 * what to do; a {@linkcode SwebenchError} passes through.
 *
 * @example
 * ```ts ignore
 * import { fileError } from "./file_io.ts";
 * try {
 *   await Deno.writeTextFile("/proc/x.jsonl", "");
 * } catch (e) {
 *   throw fileError(e, "/proc/x.jsonl", "write");
 * }
 * ```
 */
export function fileError(e: unknown, path: string, what: "read" | "write"): SwebenchError {
  if (e instanceof SwebenchError) return e;
  const access = fileAccessError(e, path, what, "Choose another -o path.");
  if (access) return access;
  // An I/O error of the disk or the path (full disk, read-only file system, ...): bad input, exit 2.
  const detail = e instanceof Error ? e.message : String(e);
  const full = /no space left|os error 28\b|quota exceeded|os error 122\b/i.test(detail);
  return new SwebenchError("usage", `Could not ${what} ${path}: ${detail}`, {
    cause: e,
    hint: full
      ? "The disk is full: free some space (or write to another disk with -o), then re-run the same command; " +
        "finished predictions are kept."
      : "Check the -o path and the disk, then re-run the same command; finished predictions are kept.",
  });
}

/**
 * The text of a file; a missing file is a usage error naming it, any other failure goes through
 * {@linkcode fileError}.
 *
 * @example
 * ```ts ignore
 * import { readTextOf } from "./file_io.ts";
 * const text = await readTextOf("predictions/gold__sample.jsonl");
 * ```
 */
export async function readTextOf(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new SwebenchError("usage", `File not found: ${path}`, { hint: "Check the path.", cause: e });
    }
    throw fileError(e, path, "read");
  }
}
