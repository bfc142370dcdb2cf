/**
 * Flag value parsers: bad values are usage errors (exit 2) that name the flag and the expected form. No commander
 * here: the fast parse of `generate` (fast_parse.ts) uses these parsers without loading it. Each parser carries its
 * {@linkcode ParserSpec}, so the option table stored from commander (parse_table.ts) can name it.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";

/**
 * A flag parser as data: `["int", flag, min]`, `["number", flag, max]` (`null`: no maximum), `["date", flag]`,
 * `["list"]`. {@linkcode flagParser} makes the parser; the parser made carries its spec ({@linkcode parserSpec}).
 */
export type ParserSpec =
  | readonly ["int", string, number]
  | readonly ["number", string, number | null]
  | readonly ["date", string]
  | readonly ["list"];

/** A flag value parser (commander's `argParser` signature: the value, and the value so far). */
export type FlagParser<T> = (value: string, previous?: T) => T;

const SPEC = Symbol("parserSpec");

/** The {@linkcode ParserSpec} a parser of this module was made from; undefined for any other function. */
export function parserSpec(parse: unknown): ParserSpec | undefined {
  return typeof parse === "function" ? (parse as { [SPEC]?: ParserSpec })[SPEC] : undefined;
}

function tagged<T>(spec: ParserSpec, parse: FlagParser<T>): FlagParser<T> {
  return Object.assign(parse, { [SPEC]: spec });
}

/** The parser a {@linkcode ParserSpec} names. */
export function flagParser(spec: ParserSpec): FlagParser<unknown> {
  switch (spec[0]) {
    case "int":
      return intFlag(spec[1], spec[2]);
    case "number":
      return numberFlag(spec[1], spec[2] ?? Infinity);
    case "date":
      return dateFlag(spec[1]);
    case "list":
      return listFlag as FlagParser<unknown>;
  }
}

/** Parse a positive integer flag. */
export function intFlag(flag: string, min = 1): (value: string) => number {
  return tagged(["int", flag, min], (value) => {
    // Decimal digits only: Number() would read "" as 0 (`--seed "$UNSET"`) and take 0x10, 1e3, 0b11.
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min) {
      throw new SwebenchError("usage", `${flag} expects a whole number >= ${min}, got "${value}"`, {
        hint: `Example: ${flag} ${Math.max(min, 8)}`,
      });
    }
    return n;
  });
}

/** Parse a date flag (`YYYY-MM-DD`, e.g. an API version). */
export function dateFlag(flag: string): (value: string) => string {
  return tagged(["date", flag], (value) => {
    const v = value.trim();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) {
      throw new SwebenchError("usage", `${flag} expects a date YYYY-MM-DD, got "${value}"`, {
        hint: `Example: ${flag} 2023-06-01`,
      });
    }
    return v;
  });
}

/** Parse a non-negative number flag. */
export function numberFlag(flag: string, max = Infinity): (value: string) => number {
  return tagged(["number", flag, max === Infinity ? null : max], (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > max) {
      throw new SwebenchError(
        "usage",
        `${flag} expects a number${max < Infinity ? ` from 0 to ${max}` : " >= 0"}, got "${value}"`,
        { hint: `Example: ${flag} ${max < Infinity ? max / 2 : 10}` },
      );
    }
    return n;
  });
}

/** Split a comma-separated list, dropping empty items. */
export const listFlag: (value: string, previous?: string[]) => string[] = tagged(
  ["list"],
  (
    value: string,
    previous?: string[],
  ) => [...(previous ?? []), ...value.split(",").map((s) => s.trim()).filter(Boolean)],
);

/** Parse `provider:model` (the model may itself contain colons, e.g. `ollama:qwen2.5-coder:7b`). */
export function parseProviderModel(text: string): { provider: string; model?: string } {
  const i = text.indexOf(":");
  if (i < 0) return { provider: text };
  if (i === 0) {
    throw new SwebenchError("usage", `"${text}" is not provider:model`, {
      hint: "Example: --fallback anthropic:claude-sonnet-5-5,ollama:qwen2.5-coder:7b",
    });
  }
  return { provider: text.slice(0, i), model: text.slice(i + 1) || undefined };
}

/** Global flags shared by every command. */
export type GlobalFlags = {
  verbose?: true;
  quiet?: true;
  color: boolean;
  config?: string;
};
