/**
 * Small helpers shared by the simulators: abortable sleep, random ids, time formats, text splitting.
 *
 * @module
 */

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX = "0123456789abcdef";

/**
 * Resolve after `ms` milliseconds, or as soon as `signal` aborts (never rejects; the timer is always cleared).
 *
 * @example
 * ```ts
 * await sleep(10, new AbortController().signal);
 * ```
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Random string of `length` characters from `alphabet` (base62 by default).
 *
 * @example
 * ```ts
 * randomString(29); // "D8Z5f52zQqikDBEKQMQoYcWMcWPeU"-like
 * ```
 */
export function randomString(length: number, alphabet: string = BASE62): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/**
 * Random lowercase hex string.
 *
 * @example
 * ```ts
 * randomHex(32);
 * ```
 */
export function randomHex(length: number): string {
  return randomString(length, HEX);
}

/**
 * Go-style duration as OpenAI sends in `x-ratelimit-reset-*`: `12ms`, `1.5s`, `6m0s`, `1h2m3s`.
 *
 * @example
 * ```ts
 * formatDuration(360000); // "6m0s"
 * formatDuration(1500); // "1.5s"
 * formatDuration(12); // "12ms"
 * ```
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = ((total % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, "");
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`;
}

/**
 * RFC 3339 timestamp with nanosecond digits, as Ollama writes `created_at` / `expires_at`.
 *
 * @example
 * ```ts
 * nanoTimestamp(Date.UTC(2026, 0, 10)); // "2026-01-10T00:00:00.000000000Z"-like (sub-ms digits vary)
 * ```
 */
export function nanoTimestamp(ms: number = Date.now()): string {
  const iso = new Date(ms).toISOString(); // 2026-01-10T16:55:30.915Z
  const sub = String(Math.floor(performance.now() * 1000) % 1_000_000).padStart(6, "0");
  return `${iso.slice(0, 23)}${sub}Z`;
}

/**
 * Split text into pieces of `size` code points (never inside a surrogate pair).
 *
 * @example
 * ```ts
 * splitText("héllo wörld", 4); // ["héll", "o wö", "rld"]
 * ```
 */
export function splitText(text: string, size: number): string[] {
  const step = Math.max(1, Math.floor(size));
  const out: string[] = [];
  let piece = "";
  let count = 0;
  for (const ch of text) {
    piece += ch;
    if (++count === step) {
      out.push(piece);
      piece = "";
      count = 0;
    }
  }
  if (piece) out.push(piece);
  return out;
}

/**
 * Cut `text` at the first occurrence of any stop sequence.
 *
 * @example
 * ```ts
 * applyStop("a END b", ["END"]); // { text: "a ", stop: "END" }
 * ```
 */
export function applyStop(text: string, stops: unknown): { text: string; stop?: string } {
  const list = typeof stops === "string" ? [stops] : Array.isArray(stops) ? stops : [];
  let best = -1;
  let which: string | undefined;
  for (const s of list) {
    if (typeof s !== "string" || s === "") continue;
    const at = text.indexOf(s);
    if (at >= 0 && (best < 0 || at < best)) {
      best = at;
      which = s;
    }
  }
  return best < 0 ? { text } : { text: text.slice(0, best), stop: which };
}

/**
 * Text of a message `content` that is a string or an array of parts (`{type:"text", text}`).
 *
 * @example
 * ```ts
 * contentText([{ type: "text", text: "a" }, { type: "text", text: "b" }]); // "ab"
 * ```
 */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    let out = "";
    for (const part of content) {
      if (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string") {
        out += (part as { text: string }).text;
      }
    }
    return out;
  }
  return "";
}

/**
 * Plain object check for parsed JSON.
 *
 * @example
 * ```ts
 * isRecord({}); // true
 * ```
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The default assistant text. */
export const DEFAULT_REPLY: string = "Hello from the simulator. This is a deterministic reply.";
