/**
 * Terminal output: colour (off for NO_COLOR, --no-color, or a non-TTY), stderr messages, error printing.
 *
 * @module
 */
import { formatCount } from "../core/format.ts";
import { type SwebenchError, toSwebenchError } from "../core/mod.ts";
import { redactUrl } from "../http/auth.ts";
import { permissionError, shellValue } from "../http/permission.ts";
import { env } from "./env.ts";
import { write } from "./write.ts";

export { write };

let commandArgs: readonly string[] = [];

/** Remember the arguments the CLI runs with (`runCli`), for lines that say which command to run again. */
export function setCommandArgs(args: readonly string[]): void {
  commandArgs = [...args];
}

/**
 * The command being run, quoted for a POSIX shell: `swebench compare --providers a:b,c:d --batch`. A password in a
 * URL argument (`--base-url https://me:secret@host`) is masked: the line is printed.
 */
export function commandLine(): string {
  return ["swebench", ...commandArgs.map((a) => shellValue(redactUrl(a)))].join(" ");
}

/** Global output settings, set once from the global flags. */
export const ui: { color: boolean; quiet: boolean; verbose: boolean; json: boolean } = {
  color: false,
  quiet: false,
  verbose: false,
  json: false,
};

/** Decide colour from flags, NO_COLOR and whether stderr is a terminal. */
export function initUi(flags: { color?: boolean; quiet?: boolean; verbose?: boolean }): void {
  ui.quiet = !!flags.quiet;
  ui.verbose = !!flags.verbose;
  ui.color = flags.color !== false && env("NO_COLOR") === undefined && Deno.stderr.isTerminal();
}

const wrap = (open: number, close: number) => (s: string): string =>
  ui.color ? `\x1b[${open}m${s}\x1b[${close}m` : s;
/** ANSI styles (no-ops without colour). */
export const style: Record<"bold" | "dim" | "red" | "green" | "yellow" | "cyan", (s: string) => string> = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};

/** Write a line to stderr (progress, notices). */
export function info(line: string): void {
  if (!ui.quiet) write("stderr", line + "\n");
}
/** Write a warning to stderr (shown even with -q). */
export function warn(line: string): void {
  write("stderr", style.yellow("warning: ") + line + "\n");
}
/** Standard output is a terminal (results may carry colour and boxes). */
export const stdoutIsTerminal: boolean = (() => {
  try {
    return Deno.stdout.isTerminal();
  } catch {
    return false;
  }
})();
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** A count with its noun: `1 file`, `3 files`, `1,024 instances` (`many` for irregular plurals). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}

/** The text without ANSI escapes. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

/** Visible width of a string on a terminal (ANSI escapes do not count). */
export function visibleWidth(s: string): number {
  return [...s.replace(ANSI, "")].length;
}

/** The width of the terminal on stderr (live lines), or undefined when it cannot be known. */
export function stderrColumns(): number | undefined {
  try {
    const { columns } = Deno.consoleSize();
    return columns > 0 ? columns : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A live line cut to fit one terminal row (a wrapped line cannot be redrawn in place with `\r`): when too wide,
 * its colours are dropped and it ends in "…".
 */
export function fitLine(line: string, columns = stderrColumns()): string {
  if (columns === undefined || visibleWidth(line) < columns) return line;
  return [...line.replace(ANSI, "")].slice(0, Math.max(1, columns - 2)).join("") + "…";
}

/** Write a result line to stdout (colour only when stdout itself is a terminal). */
export function out(line: string): void {
  write("stdout", (stdoutIsTerminal ? line : line.replace(ANSI, "")) + "\n");
}

/** Normalise anything thrown into a SwebenchError (permission errors name the flag). */
export function asError(e: unknown): SwebenchError {
  return permissionError(e) ?? toSwebenchError(e);
}

/** Print an error: cause and fix in one or two lines (+ provider body with --verbose). Returns its exit code. */
export function printError(e: unknown): number {
  const err = asError(e);
  const lines = [`${style.red("error:")} ${err.message}`];
  if (err.hint) lines.push(`${style.dim("hint:")} ${err.hint}`);
  if (ui.verbose && err.body) lines.push(style.dim(err.body));
  if (ui.verbose && err.kind === "unexpected") {
    const stack = err.cause instanceof Error ? err.cause.stack : err.stack;
    if (stack) lines.push(style.dim(stack));
  }
  write("stderr", lines.join("\n") + "\n");
  return err.exitCode;
}

/** Print a notice of the run layer on stderr: a warning, or a note. */
export function printNotice(notice: { level: "info" | "warning"; message: string }): void {
  if (notice.level === "warning") warn(notice.message);
  else info(notice.message);
}
