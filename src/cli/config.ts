/**
 * The config file and the precedence flags > environment > config file > defaults.
 *
 * @module
 */
import type { ProviderSettings } from "../run/settings.ts";
import { type ProviderKind, SwebenchError } from "../core/mod.ts";
import type { ModelEntry } from "../providers/catalog.ts";
import { providerIds, specOf } from "../providers/registry.ts";
import { isOfficialHost, type ProviderSpec } from "../providers/kit/spec.ts";
import { checkConfig } from "./config_check.ts";
import { configWarnings } from "./config_warnings.ts";
import { env } from "./env.ts";

/** One provider's entry in the config file. */
export interface ProviderConfig {
  /** Wire protocol; built-in names imply it, custom names (e.g. `vllm`) need it (default `openai`). */
  kind?: ProviderKind;
  /** API key (stored in the 0600 config file only). */
  apiKey?: string;
  /** Additional keys: calls spread across them. */
  apiKeys?: string[];
  /** Base URL (vendor convention). */
  baseUrl?: string;
  /** Default model for this provider. */
  model?: string;
  /** OpenAI organization / project. */
  organization?: string;
  project?: string;
  /**
   * The catalog model to price this provider's models as: one id for every model of the entry, or model -> catalog
   * id (`{"prod-4o": "gpt-4o"}`: the model an Azure deployment or a served alias runs).
   */
  priceAs?: string | Record<string, string>;
  /** Known limits when the server sends no headers. */
  rpm?: number;
  tpm?: number;
  /** Per-provider budget in USD. */
  maxCost?: number;
  /** Network timeouts for this provider, in seconds (0 = no limit; see `swebench generate --help`). */
  connectTimeout?: number;
  idleTimeout?: number;
  totalTimeout?: number;
}

/** The config file. */
export interface ConfigFile {
  /** Providers by name. */
  providers?: Record<string, ProviderConfig>;
  /** Default provider and model. */
  defaultProvider?: string;
  defaultModel?: string;
  /** Fallback chain, `provider:model` entries. */
  fallback?: string[];
  /** Model catalog overrides and additions. */
  models?: ModelEntry[];
  /** Network timeouts of every provider (and dataset downloads), in seconds (0 = no limit). */
  connectTimeout?: number;
  idleTimeout?: number;
  totalTimeout?: number;
}

export { configWarnings } from "./config_warnings.ts";

/** Where a resolved value came from. */
export type Source = "flag" | "env" | "file" | "default";

/** Default path: `$XDG_CONFIG_HOME/swebench-runner/config.json` (or `~/.config/...`). */
export function defaultConfigPath(): string {
  const xdg = env("XDG_CONFIG_HOME");
  const home = env("HOME") ?? ".";
  return `${xdg ?? `${home}/.config`}/swebench-runner/config.json`;
}

/** Config path from `--config`, `SWEBENCH_CONFIG`, or the default. */
export function configPath(flag?: string): string {
  return flag ?? env("SWEBENCH_CONFIG") ?? defaultConfigPath();
}

/** Which setting chose the config path, for messages. */
function pathOrigin(path: string): string {
  return env("SWEBENCH_CONFIG") === path ? " (from SWEBENCH_CONFIG)" : "";
}

/**
 * Read the config file; a missing file is an empty config. A file that cannot be read (a directory, no
 * permission), is not JSON or has a field of the wrong type is a config error (exit 3) naming the field and the
 * fix; its text is never shown (it may hold keys). Unknown fields are warned about.
 */
export async function loadConfig(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    if (
      e instanceof Deno.errors.IsADirectory || (await Deno.stat(path).catch(() => undefined))?.isDirectory
    ) {
      throw new SwebenchError("config", `config file ${path}${pathOrigin(path)} is a directory`, {
        hint:
          `Point --config or SWEBENCH_CONFIG at a JSON file (e.g. ${
            path.replace(/\/+$/, "")
          }/config.json), ` +
          "or unset it to use the default.",
      });
    }
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new SwebenchError(
        "config",
        `cannot read the config file ${path}${pathOrigin(path)}: permission denied`,
        {
          hint: `Make it readable by this user (chmod 600 ${path}), or point --config elsewhere.`,
        },
      );
    }
    throw e; // Deno's NotCapable: the CLI names the --allow-read flag
  }
  try {
    const mode = (await Deno.stat(path)).mode;
    if (mode !== null && (mode & 0o077) !== 0 && text.includes("apiKey")) {
      configWarnings.push(
        `${path} holds API keys and is readable by others (mode ${
          (mode & 0o777).toString(8)
        }): chmod 600 ${path}`,
      );
    }
  } catch { /* stat is best effort */ }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message can quote the text around the error (a key): say where, never what.
    throw new SwebenchError(
      "config",
      `config file ${path}${pathOrigin(path)} is not valid JSON: ${
        text.trim() === "" ? "the file is empty" : await jsonErrorAt(text)
      }`,
      {
        hint: `${
          text.trim() === ""
            ? "Write {} into it"
            : "Fix that spot (the file's text is not shown: it may hold keys)"
        }, or delete ${path} and run \`swebench provider init <name>\` again.`,
      },
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new SwebenchError("config", `config file ${path}${pathOrigin(path)} must hold a JSON object`, {
      hint: `Write it as {"providers": {...}}, or delete ${path}.`,
    });
  }
  configWarnings.push(...checkConfig(parsed as Record<string, unknown>, path));
  return parsed as ConfigFile;
}

const JSON_ERRORS: Record<string, string> = {
  InvalidSymbol: "unexpected character",
  InvalidNumberFormat: "malformed number",
  PropertyNameExpected: "a property name in double quotes is expected (a trailing comma?)",
  ValueExpected: "a value is expected",
  ColonExpected: "':' is expected",
  CommaExpected: "',' is expected",
  CloseBraceExpected: "'}' is expected",
  CloseBracketExpected: "']' is expected",
  EndOfFileExpected: "nothing may follow the JSON value",
  InvalidCommentToken: "comments are not allowed",
  UnexpectedEndOfComment: "unterminated comment",
  UnexpectedEndOfString: "unterminated string",
  UnexpectedEndOfNumber: "unterminated number",
  InvalidUnicode: "invalid \\u escape",
  InvalidEscapeCharacter: "invalid escape character",
  InvalidCharacter: "invalid character in a string",
};

/** Where strict JSON parsing of `text` fails, as "line L, column C: what" (located with jsonc-parser). */
async function jsonErrorAt(text: string): Promise<string> {
  const { parse, printParseErrorCode } = await import("jsonc-parser");
  const errors: import("jsonc-parser").ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first === undefined) return "it could not be parsed";
  const before = text.slice(0, first.offset);
  const line = before.split("\n").length;
  const column = first.offset - before.lastIndexOf("\n");
  const code = printParseErrorCode(first.error);
  return `line ${line}, column ${column}: ${JSON_ERRORS[code] ?? code}`;
}

/** How long `updateConfig` waits for another process's update of the same file. */
const CONFIG_LOCK_WAIT_MS = 10_000;

/**
 * Read-modify-write the config file under an exclusive OS lock on `<path>.lock`, so that concurrent updates (three
 * `provider init` at once) each see the others' entries: the file is re-read under the lock, `change` edits that
 * fresh copy, and the result is written atomically before the lock is released. Waits at most 10 s for another
 * update (then a config error); an update killed midway leaves its lock to the OS, which releases it.
 */
export async function updateConfig(
  path: string,
  change: (config: ConfigFile) => void,
): Promise<ConfigFile> {
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = await Deno.open(`${path}.lock`, { read: true, write: true, create: true, mode: 0o600 });
  try {
    const deadline = Date.now() + CONFIG_LOCK_WAIT_MS;
    for (let wait = 10; !(await lock.tryLock(true)); wait = Math.min(200, wait * 2)) {
      if (Date.now() > deadline) {
        throw new SwebenchError("config", `config file ${path} is being updated by another process`, {
          hint: `Wait for the other \`swebench provider init\` to finish, then run this one again.`,
        });
      }
      await new Promise((r) => setTimeout(r, wait));
    }
    const config = await loadConfig(path);
    change(config);
    await saveConfig(path, config);
    return config;
  } finally {
    lock.close(); // releases the lock
  }
}

/** Write the config file atomically (temp file + rename) with mode 0600. */
export async function saveConfig(path: string, config: ConfigFile): Promise<void> {
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(tmp, JSON.stringify(config, null, 2) + "\n", { mode: 0o600, createNew: true });
    await Deno.chmod(tmp, 0o600);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/**
 * A provider with every setting resolved and its source: the run layer's {@linkcode ProviderSettings} (without what
 * `src/cli/settings.ts` adds: timeouts, concurrency, the key hint) plus where each value came from.
 */
export interface ResolvedProvider extends Omit<ProviderSettings, "timeouts" | "maxConcurrent" | "authHint"> {
  /** The key from the environment or the file's `apiKey` (a file's `apiKeys` list may add more). */
  apiKey?: string;
  /** Env var that holds the key for this provider, if any. */
  keyEnv?: string;
  /** A request without a key would be refused (official hosts). */
  needsKey: boolean;
  /** Where the key, the base URL and the model came from. */
  sources: { apiKey?: Source; baseUrl: Source; model: Source };
}

/** The host name of a URL (the text itself when it is not a URL). */
export function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** Names a user may pass to `-p`: built-ins plus the config file's providers. */
export function knownProviderNames(config: ConfigFile): string[] {
  return [...new Set([...providerIds(), ...Object.keys(config.providers ?? {})])];
}

/**
 * Resolve one provider's settings with precedence flags > env > file > defaults.
 * Unknown names fail with the list of known ones (exit 2).
 */
export function resolveProvider(
  name: string,
  options: { config: ConfigFile; flags?: { baseUrl?: string; model?: string }; primary?: boolean },
): ResolvedProvider {
  // The built-in provider of that name (its spec), if any; a configured entry may name another wire kind.
  const builtin = specOf(name);
  const file = options.config.providers?.[name];
  if (!builtin && !file) {
    throw new SwebenchError("usage", `unknown provider "${name}"`, {
      hint: `Known providers: ${knownProviderNames(options.config).join(", ")}. ` +
        `Add an OpenAI-compatible one with \`swebench provider init ${name} --base-url URL\`.`,
    });
  }
  const kind: ProviderKind = file?.kind ?? builtin?.id ?? "openai";
  const vendor = specOf(kind);
  const defaults = builtin ?? vendor;
  const pick = <T>(...c: [T | undefined, Source][]): [T | undefined, Source | undefined] => {
    for (const [v, s] of c) if (v !== undefined && v !== "") return [v, s];
    return [undefined, undefined];
  };
  // Environment variables belong to the built-in provider of that name only; custom providers use the file.
  const keyVars = builtin?.keyEnv ?? [];
  const keyVar = keyVars.find((v) => env(v) !== undefined) ?? keyVars[0];
  const envKey = keyVar ? env(keyVar) : undefined;
  const envBase = builtin?.baseUrlEnv ? env(builtin.baseUrlEnv) : undefined;
  const [apiKey, keySource] = pick<string>([envKey, "env"], [file?.apiKey, "file"]);
  const [baseUrl, baseSource] = pick<string>(
    [options.flags?.baseUrl, "flag"],
    [envBase, "env"],
    [file?.baseUrl, "file"],
    [defaults?.defaultBaseUrl, "default"],
  );
  // SWEBENCH_MODEL names the run's model: it applies to the primary provider only, never to fallbacks.
  const envModel = options.primary ? env("SWEBENCH_MODEL") : undefined;
  const [model, modelSource] = pick<string>(
    [options.flags?.model, "flag"],
    [envModel, "env"],
    [file?.model, "file"],
    [options.config.defaultProvider === name ? options.config.defaultModel : undefined, "file"],
    [defaults?.defaultModel, "default"],
  );
  const keys = [...new Set([apiKey, ...(file?.apiKeys ?? [])].filter((k): k is string => !!k))];
  const settings = vendorSettings(vendor, builtin !== undefined, file);
  const priceAs = typeof file?.priceAs === "string" ? file.priceAs : file?.priceAs?.[model!];
  return {
    name,
    kind,
    apiKey,
    apiKeys: keys,
    // No default endpoint (Azure): empty, and the provider's check names the variable.
    baseUrl: baseUrl ?? "",
    model: model!,
    organization: settings?.organization,
    project: settings?.project,
    ...(settings ? { settings } : {}),
    ...(priceAs ? { priceAs } : {}),
    rpm: file?.rpm,
    tpm: file?.tpm,
    maxCost: file?.maxCost,
    keyEnv: keyVar,
    needsKey: needsKey(vendor, baseUrl ?? ""),
    sources: { apiKey: keySource, baseUrl: baseSource ?? "default", model: modelSource! },
  };
}

/**
 * The vendor settings of a provider entry (the spec's `settings`): from the setting's variable (built-in names
 * only), then the config entry's field, then the default. Undefined when none has a value.
 */
function vendorSettings(
  vendor: ProviderSpec | undefined,
  builtin: boolean,
  file: ProviderConfig | undefined,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const s of vendor?.settings ?? []) {
    const fromFile = (file as Record<string, unknown> | undefined)?.[s.configKey ?? s.name];
    const value = (builtin && s.env ? env(s.env) : undefined) ??
      (typeof fromFile === "string" && fromFile !== "" ? fromFile : undefined) ?? s.default;
    if (value !== undefined) out[s.name] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Whether a missing key fails before any request (the spec's `keyRequired`): always, never, or only for the
 * vendor's official hosts (an OpenAI-compatible vLLM or a proxy usually needs none).
 */
function needsKey(vendor: ProviderSpec | undefined, baseUrl: string): boolean {
  if (vendor === undefined || vendor.keyRequired === "never") return false;
  if (vendor.keyRequired === "always") return true;
  try {
    return isOfficialHost(vendor, baseUrl);
  } catch {
    return true;
  }
}

/** The error for a provider that needs a key and has none (exit 3, no request sent). */
export function missingKeyError(p: ResolvedProvider): SwebenchError {
  const how = p.keyEnv
    ? `Set ${p.keyEnv} (export ${p.keyEnv}=...) or run \`swebench provider init ${p.name}\`.`
    : `Run \`swebench provider init ${p.name}\` to store a key.`;
  return new SwebenchError("config", `${p.name}: no API key found`, { hint: how, provider: p.name });
}

/**
 * What to do about a rejected key (401/403 authentication), naming the variable the provider reads even when no key
 * was sent (an OpenAI-compatible `--base-url` needs none unless the server asks for one).
 */
export function authHint(p: ResolvedProvider): string {
  const init = `\`swebench provider init ${p.name}\``;
  const where = p.sources.apiKey === "env" && p.keyEnv
    ? `the key in ${p.keyEnv}`
    : p.sources.apiKey === "file"
    ? "the key stored in the config file"
    : undefined;
  if (where) {
    return `The server at ${hostOf(p.baseUrl)} rejected ${where}: check it${
      p.keyEnv && p.sources.apiKey !== "env" ? ` (or set ${p.keyEnv})` : ""
    }, or store another with ${init}.`;
  }
  return `No key was sent and the server at ${hostOf(p.baseUrl)} asks for one: ${
    p.keyEnv ? `set ${p.keyEnv} (export ${p.keyEnv}=...) or run ${init}` : `run ${init} to store one`
  }.`;
}

/** `err` with {@linkcode authHint} as its hint when it is a rejected key (401), `err` itself otherwise. */
export function withAuthHint(err: SwebenchError, p: ResolvedProvider): SwebenchError {
  if (err.kind !== "authentication" || err.status === 403) return err;
  return new SwebenchError(err.kind, err.message, { ...err, hint: authHint(p), cause: err });
}
