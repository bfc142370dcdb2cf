/**
 * The shape of the option table stored from commander (parse_table.ts) for the fast parse (fast_parse.ts).
 *
 * @module
 */
import type { ParserSpec } from "./options.ts";

/** One option as commander defines it. */
export interface FlagSpec {
  /** `--max-tokens` */
  long: string;
  /** `-c` */
  short?: string;
  /** The key in the parsed flags (`maxTokens`; `color` for `--no-color`). */
  attribute: string;
  /** It takes a value (`<n>`); else it is a switch (true, or false for a `--no-` flag). */
  value: boolean;
  /** A `--no-` flag. */
  negate?: boolean;
  /** The only values it accepts. */
  choices?: readonly string[];
  /** Its value parser (options.ts). */
  parser?: ParserSpec;
}

/** A command's options and the values commander starts from (its defaults). */
export interface CommandTable {
  options: readonly FlagSpec[];
  start: Readonly<Record<string, unknown>>;
}

/** The program's global options and the fast commands. */
export interface ParseTable {
  /** Flags commander answers itself (help, version): never parsed here. */
  declined: readonly string[];
  globals: CommandTable;
  commands: Readonly<Record<string, CommandTable>>;
}
