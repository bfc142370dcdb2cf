/**
 * Auth strategies (bearer token, the key alone in a vendor header, none) and the helpers that keep keys out of
 * messages: {@linkcode redact} and {@linkcode maskKey}.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";

/**
 * How a provider authenticates: the headers to send and the secrets that must never appear in output.
 *
 * @example
 * ```ts
 * import { bearerAuth } from "@swebench/runner/lib";
 * const auth = bearerAuth("sk-test-1234567890");
 * const headers = { "content-type": "application/json", ...auth.headers() };
 * ```
 */
export interface AuthStrategy {
  /** Which scheme this is. */
  readonly name: "bearer" | "header" | "none";
  /** The headers to add to every request (a fresh object on each call). */
  headers(): Record<string, string>;
  /** Values to {@linkcode redact} from anything shown or stored. */
  secrets(): string[];
}

function checkKey(apiKey: string, scheme: string): string {
  const key = typeof apiKey === "string" ? apiKey.trim() : "";
  if (key === "") {
    throw new SwebenchError("authentication", `Empty API key for ${scheme} authentication.`);
  }
  // deno-lint-ignore no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(key)) {
    // Would make an invalid header (and a confusing TypeError from fetch); never echo the key itself.
    throw new SwebenchError(
      "authentication",
      `The API key (${maskKey(key)}) contains whitespace or control characters.`,
      { hint: "Copy the key again without line breaks or spaces." },
    );
  }
  return key;
}

/**
 * `Authorization: Bearer <key>` (OpenAI and OpenAI-compatible servers).
 * Leading and trailing whitespace is trimmed; an empty key or one with inner whitespace throws a
 * {@linkcode SwebenchError} of kind `authentication`.
 *
 * @example
 * ```ts
 * import { bearerAuth } from "@swebench/runner/lib";
 * bearerAuth("sk-test-1234567890").headers(); // { Authorization: "Bearer sk-test-1234567890" }
 * ```
 */
export function bearerAuth(apiKey: string): AuthStrategy {
  const key = checkKey(apiKey, "bearer");
  return {
    name: "bearer",
    headers: () => ({ Authorization: `Bearer ${key}` }),
    secrets: () => [key],
  };
}

/**
 * The key alone in one vendor header (`x-api-key`, Azure `api-key`, Gemini `x-goog-api-key`); never in the URL.
 *
 * @example
 * ```ts
 * import { headerKeyAuth } from "./auth.ts";
 * headerKeyAuth("x-goog-api-key", "AIza-example-key").headers(); // { "x-goog-api-key": "AIza-example-key" }
 * ```
 */
export function headerKeyAuth(header: string, apiKey: string): AuthStrategy {
  const key = checkKey(apiKey, header);
  return { name: "header", headers: () => ({ [header]: key }), secrets: () => [key] };
}

/**
 * No authentication (Ollama, local servers).
 *
 * @example
 * ```ts
 * import { noAuth } from "@swebench/runner/lib";
 * noAuth().headers(); // {}
 * ```
 */
export function noAuth(): AuthStrategy {
  return { name: "none", headers: () => ({}), secrets: () => [] };
}

/**
 * A function that replaces every secret in a text with `***` (see {@linkcode createRedactor}).
 *
 * @example
 * ```ts
 * import { createRedactor, type Redactor } from "@swebench/runner/lib";
 * const redactKey: Redactor = createRedactor(["sk-abcdef"]);
 * redactKey("key=sk-abcdef rejected"); // "key=*** rejected"
 * ```
 */
export type Redactor = (text: string) => string;

/** Characters with a meaning in a RegExp, escaped to match literally. */
const REGEXP_SYNTAX = /[.*+?^${}()|[\]\\/-]/g;

/**
 * Build once, for a fixed list of secrets, the function {@linkcode redact} applies: every occurrence of every secret
 * (of at least 4 characters; also in URL-encoded form) becomes `***`, a secret that contains another being
 * replaced whole. The secrets are encoded and sorted once, into one RegExp of escaped alternatives (longest
 * first); a text that holds none of them (the usual case, checked with `includes`) is returned as it is.
 * Providers build one per provider and run it over every error message and response body.
 *
 * @example
 * ```ts
 * import { createRedactor } from "@swebench/runner/lib";
 * const redactKeys = createRedactor(["sk-abcdef", "ab/cd=="]);
 * redactKeys("key=sk-abcdef, url ?k=ab%2Fcd%3D%3D"); // "key=***, url ?k=***"
 * ```
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const all: string[] = [];
  for (const s of secrets) {
    if (typeof s !== "string" || s.length < 4) continue;
    if (!all.includes(s)) all.push(s);
    const encoded = encodeURIComponent(s);
    if (encoded !== s && !all.includes(encoded)) all.push(encoded);
  }
  if (all.length === 0) return (text) => text;
  // Longest first, so that at any position a secret that contains another is matched whole.
  all.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(all.map((s) => s.replace(REGEXP_SYNTAX, "\\$&")).join("|"), "g");
  return (text) => {
    if (typeof text !== "string" || text === "") return text;
    for (const s of all) {
      if (text.includes(s)) return text.replace(pattern, "***");
    }
    return text;
  };
}

/**
 * Replace every occurrence of every secret (of at least 4 characters; also in URL-encoded form) with `***`.
 * For a text at a time; code that redacts often with the same secrets builds a {@linkcode createRedactor} once.
 *
 * @example
 * ```ts
 * import { redact } from "@swebench/runner/lib";
 * redact("key=sk-abcdef rejected", ["sk-abcdef"]); // "key=*** rejected"
 * ```
 */
export function redact(text: string, secrets: readonly string[]): string {
  if (secrets.length === 0 || text === "") return text;
  return createRedactor(secrets)(text);
}

/**
 * A key safe to show: first 3 and last 4 characters (`sk-...abcd`); keys shorter than 12 characters become `***`.
 *
 * @example
 * ```ts
 * import { maskKey } from "@swebench/runner/lib";
 * maskKey("sk-proj-1234567890abcd"); // "sk-...abcd"
 * ```
 */
export function maskKey(key: string): string {
  if (typeof key !== "string" || key.length < 12) return "***";
  return `${key.slice(0, 3)}...${key.slice(-4)}`;
}

/**
 * A URL with any `user:password@` part masked, for display (`provider list`, messages).
 *
 * @example
 * ```ts
 * import { redactUrl } from "@swebench/runner/lib";
 * redactUrl("https://me:secret@ollama.example:11434"); // "https://***@ollama.example:11434"
 * ```
 */
export function redactUrl(url: string): string {
  // Up to the last `@` of the authority: a password may itself contain `@`.
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/i, "$1***@");
}
