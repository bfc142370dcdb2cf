/**
 * `OLLAMA_HOST` as Ollama reads it: `host`, `host:port`, `:port` or a URL; credentials in it become Basic auth.
 *
 * @module
 */
import { SwebenchError } from "../../core/mod.ts";
import { redactUrl } from "../../http/auth.ts";

/** Where Ollama listens when `OLLAMA_HOST` is not set. */
export const DEFAULT_OLLAMA_HOST: string = "http://127.0.0.1:11434";
/** Ollama's default port, used when a host without scheme has no port. */
export const DEFAULT_OLLAMA_PORT: string = "11434";

/** A parsed `OLLAMA_HOST`: the URL without credentials, and the credentials if the host carried any. */
export interface OllamaHost {
  /** Origin plus optional path prefix, no trailing slash, no credentials (`http://127.0.0.1:11434`). */
  url: string;
  /** Basic-auth user name from `http://user:pass@host` forms. */
  username?: string;
  /** Basic-auth password from `http://user:pass@host` forms. */
  password?: string;
}

/**
 * Parse `OLLAMA_HOST` the way the official `ollama` client does (default port 11434 when no scheme is given,
 * 80/443 for explicit `http://`/`https://` URLs, `:port` means 127.0.0.1, trailing slash stripped), and in
 * addition map the bind-all addresses `0.0.0.0` and `[::]` to `127.0.0.1` (a server started with
 * `OLLAMA_HOST=0.0.0.0` is reached through loopback) and move `user:pass@` credentials out of the URL.
 *
 * @example
 * ```ts
 * import { parseOllamaHost } from "./host.ts";
 * parseOllamaHost("https://u:p@ollama.example.com"); // { url: "https://ollama.example.com:443", username: "u", password: "p" }
 * ```
 */
export function parseOllamaHost(host?: string): OllamaHost {
  let text = (host ?? "").trim();
  if (text === "") return { url: DEFAULT_OLLAMA_HOST };
  let explicit = text.includes("://");
  if (text.startsWith(":")) {
    text = `http://127.0.0.1${text}`;
    explicit = true;
  }
  if (!explicit) text = `http://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new SwebenchError("config", `Invalid Ollama host ${JSON.stringify(maskUserinfo(host))}.`, {
      provider: "ollama",
      hint:
        "Set OLLAMA_HOST (or --base-url) to host:port or a URL, e.g. 127.0.0.1:11434 or http://127.0.0.1:11434.",
      cause,
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SwebenchError(
      "config",
      `Unsupported scheme in Ollama host ${JSON.stringify(maskUserinfo(host))}.`,
      {
        provider: "ollama",
        hint: "Use an http:// or https:// URL, or host:port.",
      },
    );
  }
  let port = url.port;
  if (!port) port = explicit ? (url.protocol === "https:" ? "443" : "80") : DEFAULT_OLLAMA_PORT;
  let hostname = url.hostname;
  if (hostname === "0.0.0.0" || hostname === "[::]") hostname = "127.0.0.1";
  let formatted = `${url.protocol}//${hostname}:${port}${url.pathname}`;
  while (formatted.endsWith("/")) formatted = formatted.slice(0, -1);
  const result: OllamaHost = { url: formatted };
  if (url.username) result.username = decodeURIComponent(url.username);
  if (url.password) result.password = decodeURIComponent(url.password);
  return result;
}

/** A host as typed, for messages: any `user:password@` part masked, with or without a scheme. */
function maskUserinfo(host: string | undefined): string {
  const text = (host ?? "").trim();
  return text.includes("://") ? redactUrl(text) : text.replace(/^[^/?#\s]*@/, "***@");
}

/**
 * Normalise `OLLAMA_HOST` (`host[:port]`, `:port` or a URL) to a base URL without trailing slash or credentials.
 *
 * @example
 * ```ts
 * import { normalizeOllamaHost } from "./host.ts";
 * normalizeOllamaHost("127.0.0.1:11434"); // "http://127.0.0.1:11434"
 * normalizeOllamaHost("0.0.0.0");         // "http://127.0.0.1:11434"
 * normalizeOllamaHost("https://ollama.example.com/"); // "https://ollama.example.com:443"
 * ```
 */
export function normalizeOllamaHost(host?: string): string {
  return parseOllamaHost(host).url;
}
