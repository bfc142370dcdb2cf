/**
 * Flag value parsers: bad values are usage errors (exit 2) that name the flag and the expected form.
 *
 * @module
 */
import { Option } from "@commander-js/extra-typings";
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

/** Parse a date flag (`YYYY-MM-DD`, e.g. an API version). */
export function dateFlag(flag: string): (value: string) => string {
  return (value) => {
    const v = value.trim();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) {
      throw new SwebenchError("usage", `${flag} expects a date YYYY-MM-DD, got "${value}"`, {
        hint: `Example: ${flag} 2023-06-01`,
      });
    }
    return v;
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

/**
 * The `--connect-timeout`, `--idle-timeout` and `--total-timeout` options (seconds; 0 = no limit), each help text
 * ending with its defaults (e.g. "default 120; Ollama 600"). Add them with `.addOption()`.
 */
export function timeoutOptions(defaults: { connect: string; idle: string; total: string }) {
  return [
    new Option(
      "--connect-timeout <s>",
      `seconds to wait for the response headers of a streamed call (${defaults.connect}; 0 = no limit)`,
    ).argParser(numberFlag("--connect-timeout")),
    new Option(
      "--idle-timeout <s>",
      `seconds a response may send nothing but keep-alive pings (${defaults.idle}; 0 = no limit)`,
    ).argParser(numberFlag("--idle-timeout")),
    new Option(
      "--total-timeout <s>",
      `seconds one call may take, also the wait for a non-streamed answer (${defaults.total}; 0 = no limit)`,
    ).argParser(numberFlag("--total-timeout")),
  ] as const;
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
