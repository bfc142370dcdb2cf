/**
 * Deno permission errors turned into a {@linkcode SwebenchError} of kind `permission` whose hint names the exact
 * flag to add (`--allow-net=api.openai.com:443`, `--allow-read=/data/x.jsonl`, `--allow-env=OPENAI_API_KEY`).
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";

// Deno: `Requires net access to "api.openai.com:443", run again with the --allow-net flag`
// (older releases: `Requires read access to <CWD>, ...`, no quotes).
const REQUIRES = /Requires (\w+) access to (?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/;

/** Quote a flag value for a POSIX shell when it holds anything but plain path/host characters. */
function shellValue(value: string): string {
  return /^[\w@%+=:,./\-\[\]]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

function isNamed(error: unknown, name: "NotCapable" | "PermissionDenied"): boolean {
  const errors = (globalThis as { Deno?: { errors?: Record<string, unknown> } }).Deno?.errors;
  const cls = errors?.[name];
  if (typeof cls === "function" && error instanceof (cls as new () => Error)) return true;
  return error instanceof Error && error.name === name;
}

/**
 * Map a Deno `NotCapable` (a permission the process was not granted) or `PermissionDenied` (the OS refused)
 * to a `permission` {@linkcode SwebenchError}; `undefined` for anything else.
 * Also looks one level into `error.cause`, where fetch wrappers may put the original error.
 *
 * @example
 * ```ts
 * import { permissionError } from "@swebench/runner";
 * try {
 *   await fetch("https://api.openai.com/v1/models");
 * } catch (e) {
 *   const p = permissionError(e);
 *   if (p) console.error(p.message, p.hint); // ... Run again with --allow-net=api.openai.com:443 ...
 * }
 * ```
 */
export function permissionError(error: unknown): SwebenchError | undefined {
  if (error instanceof SwebenchError) return error.kind === "permission" ? error : undefined;
  const notCapable = isNamed(error, "NotCapable");
  const denied = !notCapable && isNamed(error, "PermissionDenied");
  if (!notCapable && !denied) {
    const cause = error instanceof Error ? error.cause : undefined;
    return cause !== undefined && cause !== error && !(cause instanceof SwebenchError)
      ? permissionError(cause)
      : undefined;
  }
  const message = (error as Error).message ?? "";
  const m = REQUIRES.exec(message);
  if (m) {
    const what = m[1];
    const raw = m[2] ?? m[3];
    // `<CWD>`: Deno.cwd() without read access; `.` grants exactly the working directory.
    const target = raw === "<CWD>" ? "." : raw;
    const flag = what === "all" ? "--allow-all" : `--allow-${what}=${shellValue(target)}`;
    const where = raw === "<CWD>" ? "the working directory" : target;
    return new SwebenchError("permission", `Deno denied ${what} access to ${where}.`, {
      hint: `Run again with ${flag} (or -A to allow everything).`,
      cause: error,
    });
  }
  if (notCapable) {
    const flag = /--allow-(\w+)/.exec(message)?.[0];
    return new SwebenchError("permission", `Deno denied a permission: ${message}`, {
      hint: flag ? `Run again with ${flag} (or -A to allow everything).` : undefined,
      cause: error,
    });
  }
  // Deno 2: PermissionDenied is the operating system refusing (EACCES), not a missing Deno flag.
  return new SwebenchError("permission", `The operating system denied access: ${message}`, {
    hint: "Check the file's owner and mode, or choose another path.",
    cause: error,
  });
}
