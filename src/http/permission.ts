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

/**
 * Quote a word for a POSIX shell when it holds anything but plain path/host characters.
 *
 * @example
 * ```ts
 * import { shellValue } from "./permission.ts";
 * shellValue("/data/x.jsonl"); // "/data/x.jsonl"
 * shellValue("it's here"); // "'it'\\''s here'"
 * ```
 */
export function shellValue(value: string): string {
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
 * import { permissionError } from "@swebench/runner/lib";
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
  // Deno 2: PermissionDenied is the operating system refusing (EACCES), not a missing Deno flag: a plain I/O
  // error of the path (bad input, exit 2), never an --allow-* hint.
  return new SwebenchError("usage", `The operating system denied access: ${message}`, {
    hint:
      "Check the owner and mode of the path named (ls -l), or choose another path; no Deno flag changes this.",
    cause: error,
  });
}

/**
 * A file access that failed for want of permission, as the error to show: Deno's `NotCapable` (a flag not
 * granted) is kind `permission` naming `--allow-read=<path>` / `--allow-write=<path>`; the operating system's
 * `PermissionDenied` (EACCES, also under `-A`) is a plain I/O error naming the path (kind `usage`, exit 2), with
 * `fix` as the last part of its hint. `undefined` for any other error.
 *
 * @example
 * ```ts
 * import { fileAccessError } from "@swebench/runner/lib";
 * try {
 *   await Deno.writeTextFile("/sys/p.jsonl", "");
 * } catch (e) {
 *   console.log(fileAccessError(e, "/sys/p.jsonl", "write", "Choose another -o path.")?.message);
 * }
 * ```
 */
export function fileAccessError(
  error: unknown,
  path: string,
  op: "read" | "write",
  fix: string,
): SwebenchError | undefined {
  if (isNamed(error, "NotCapable")) {
    return new SwebenchError("permission", `Deno denied ${op} access to ${path}.`, {
      hint: `Run again with --allow-${op}=${shellValue(path)} (or -A to allow everything).`,
      cause: error,
    });
  }
  if (isNamed(error, "PermissionDenied")) {
    return new SwebenchError(
      "usage",
      `Could not ${op} ${path}: permission denied by the operating system`,
      {
        hint: `The file or its directory is not ${
          op === "write" ? "writable" : "readable"
        } by this user (check with ls -l; no Deno flag changes this). ${fix}`,
        cause: error,
      },
    );
  }
  return undefined;
}
