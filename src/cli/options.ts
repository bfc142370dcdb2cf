/**
 * Flag value parsers: bad values are usage errors (exit 2) that name the flag and the expected form.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";

/** Parse a positive integer flag. */
export function intFlag(flag: string, min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new SwebenchError("usage", `${flag} expects a whole number >= ${min}, got "${value}"`, {
        hint: `Example: ${flag} ${Math.max(min, 8)}`,
      });
    }
    return n;
  };
}

/** Parse a non-negative number flag. */
export function numberFlag(flag: string, max = Infinity): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > max) {
      throw new SwebenchError(
        "usage",
        `${flag} expects a number${max < Infinity ? ` from 0 to ${max}` : " >= 0"}, got "${value}"`,
        { hint: `Example: ${flag} ${max < Infinity ? max / 2 : 10}` },
      );
    }
    return n;
  };
}

/** Split a comma-separated list, dropping empty items. */
export function listFlag(value: string, previous?: string[]): string[] {
  return [...(previous ?? []), ...value.split(",").map((s) => s.trim()).filter(Boolean)];
}

/** Parse `provider:model` (the model may itself contain colons, e.g. `ollama:qwen2.5-coder:7b`). */
export function parseProviderModel(text: string): { provider: string; model?: string } {
  const i = text.indexOf(":");
  if (i < 0) return { provider: text };
  if (i === 0) {
    throw new SwebenchError("usage", `"${text}" is not provider:model`, {
      hint: "Example: --fallback anthropic:claude-sonnet-4-5,ollama:qwen2.5-coder:7b",
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
