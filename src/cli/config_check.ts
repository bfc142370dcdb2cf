/**
 * The config file's shape, checked field by field when it is read: a wrong type is a `config` error (exit 3)
 * naming the field, what it must be and how to fix it, never a crash further on. Values are never echoed (a key
 * in the wrong place must not be printed). Unknown fields are warned about, not refused (a newer version's file
 * still works).
 *
 * Hand-written rather than a schema library: zod added 110-135 ms to every command's start here and valibot's
 * default messages echo the value received; the checks are a few lines each.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import { MODEL_ENTRY_FIELDS } from "../providers/catalog.ts";
import { providerSpecs, wireKinds } from "../providers/registry.ts";

/** The timeout fields (seconds; 0 = no limit), at the top level and per provider. */
const TIMEOUT_FIELDS = ["connectTimeout", "idleTimeout", "totalTimeout"] as const;

/** Fields of one provider entry (`providers.<name>`). */
/** Config keys of the vendors' settings beyond organization/project (Anthropic `version`, `beta`, ...). */
const VENDOR_SETTING_KEYS: readonly string[] = [
  ...new Set(providerSpecs().flatMap((s) => s.settings.map((v) => v.configKey ?? v.name))),
].filter((k) => k !== "organization" && k !== "project");

const PROVIDER_FIELDS = new Set([
  "kind",
  "apiKey",
  "apiKeys",
  "baseUrl",
  "model",
  "organization",
  "project",
  "rpm",
  "tpm",
  "maxCost",
  ...TIMEOUT_FIELDS,
  ...VENDOR_SETTING_KEYS,
  "priceAs",
]);

/** Top-level fields. */
const TOP_FIELDS = new Set([
  "providers",
  "defaultProvider",
  "defaultModel",
  "fallback",
  "models",
  ...TIMEOUT_FIELDS,
]);

/** The numeric fields of a `models` entry. */
const MODEL_NUMBERS = MODEL_ENTRY_FIELDS.filter((f) => /Window|Tokens|PerMTok$/.test(f));
const MODEL_FIELDS = new Set<string>(MODEL_ENTRY_FIELDS);

/** What a value is, in words, without the value itself (a value may be a key), unless it is a known word. */
function what(value: unknown, showWord = false): string {
  if (showWord && typeof value === "string" && /^[\w.-]{1,40}$/.test(value)) return `"${value}"`;
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return Number.isFinite(value) ? `the number ${value}` : "a number";
  return `a ${typeof value}`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Check a parsed config file. Throws a `config` {@linkcode SwebenchError} for the first field of a wrong type
 * (named with its path, e.g. `providers.openai.maxCost`); returns the warnings for unknown fields.
 *
 * @example
 * ```ts
 * import { checkConfig } from "./config_check.ts";
 * checkConfig({ fallback: ["anthropic:claude-haiku-4-5"] }, "config.json"); // []
 * ```
 */
export function checkConfig(parsed: Record<string, unknown>, path: string): string[] {
  const warnings: string[] = [];
  const fail = (field: string, must: string, got: unknown, fix: string, showWord = false): never => {
    throw new SwebenchError(
      "config",
      `config file ${path}: "${field}" must be ${must}, got ${what(got, showWord)}`,
      { hint: `${fix} (edit ${path}, or delete the field).` },
    );
  };
  const unknown = (field: string, known: Set<string>) =>
    warnings.push(
      `config file ${path}: unknown field "${field}" ignored (known here: ${[...known].join(", ")})`,
    );
  const str = (field: string, v: unknown, example: string) => {
    if (v !== undefined && (typeof v !== "string" || v.trim() === "")) {
      fail(field, "a non-empty string", v, `Write it as "${field.split(".").pop()}": ${example}`);
    }
  };
  const num = (field: string, v: unknown, min: number, example: string, integer = false) => {
    if (v === undefined) return;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
      fail(
        field,
        `${integer ? "a whole number" : "a number"} >= ${min}`,
        v,
        `Write it as "${field.split(".").pop()}": ${example}`,
      );
    }
  };
  const strings = (field: string, v: unknown, example: string, pattern?: RegExp, patternWords?: string) => {
    if (v === undefined) return;
    if (!Array.isArray(v)) fail(field, "a list of strings", v, `Write it as a list: "${field}": ${example}`);
    (v as unknown[]).forEach((item, i) => {
      if (typeof item !== "string" || item.trim() === "") {
        fail(`${field}[${i}]`, "a non-empty string", item, `Write it as "${field}": ${example}`);
      }
      if (pattern && !pattern.test(item as string)) {
        fail(
          `${field}[${i}]`,
          patternWords!,
          "a string of another form",
          `Write it as "${field}": ${example}`,
        );
      }
    });
  };
  if (parsed.maxCost !== undefined) {
    // Ignoring a budget the user believes is set could cost money: refused, not warned about.
    throw new SwebenchError("config", `config file ${path}: "maxCost" is not a top-level field`, {
      hint: `A run's budget is the --max-cost flag; a per-provider one goes under "providers": {"<name>": ` +
        `{"maxCost": 5}} (edit ${path}).`,
    });
  }
  const timeouts = (prefix: string, o: Record<string, unknown>) => {
    for (const t of TIMEOUT_FIELDS) {
      num(`${prefix}${t}`, o[t], 0, `${t === "totalTimeout" ? 600 : 120} (seconds; 0 = no limit)`);
    }
  };
  for (const key of Object.keys(parsed)) if (!TOP_FIELDS.has(key)) unknown(key, TOP_FIELDS);
  timeouts("", parsed);
  str("defaultProvider", parsed.defaultProvider, `"openai"`);
  str("defaultModel", parsed.defaultModel, `"gpt-4o-mini"`);
  strings(
    "fallback",
    parsed.fallback,
    `["anthropic:claude-haiku-4-5"]`,
    /^[^:\s]+:\S/,
    `of the form "provider:model"`,
  );

  const providers = parsed.providers;
  if (providers !== undefined) {
    if (!isObject(providers)) {
      fail(
        "providers",
        "an object of provider entries",
        providers,
        `Write it as "providers": {"openai": {}}`,
      );
    }
    for (const [name, entry] of Object.entries(providers as Record<string, unknown>)) {
      const at = `providers.${name}`;
      if (!isObject(entry)) {
        fail(at, "an object", entry, `Write it as "${name}": {"model": "..."}`);
      }
      const e = entry as Record<string, unknown>;
      for (const key of Object.keys(e)) {
        if (!PROVIDER_FIELDS.has(key)) unknown(`${at}.${key}`, PROVIDER_FIELDS);
      }
      const kinds = wireKinds();
      if (e.kind !== undefined && !kinds.includes(e.kind as string)) {
        fail(
          `${at}.kind`,
          `one of ${kinds.map((k) => `"${k}"`).join(", ")}`,
          e.kind,
          `Write it as "kind": "openai"`,
          true,
        );
      }
      str(`${at}.apiKey`, e.apiKey, `"sk-..." (or run \`swebench provider init ${name}\`)`);
      strings(`${at}.apiKeys`, e.apiKeys, `["sk-...", "sk-..."]`);
      str(`${at}.baseUrl`, e.baseUrl, `"http://127.0.0.1:8000/v1"`);
      str(`${at}.model`, e.model, `"gpt-4o-mini"`);
      str(`${at}.organization`, e.organization, `"org-..."`);
      str(`${at}.project`, e.project, `"proj_..."`);
      for (const key of VENDOR_SETTING_KEYS) str(`${at}.${key}`, e[key], `"..." (a string)`);
      if (typeof e.priceAs !== "string") {
        const map = e.priceAs;
        if (map !== undefined && !isObject(map)) {
          fail(
            `${at}.priceAs`,
            "a catalog model id or an object of them",
            map,
            `Write it as "priceAs": {"my-deployment": "gpt-4o"}`,
          );
        }
        for (const [model, id] of Object.entries((map ?? {}) as Record<string, unknown>)) {
          str(`${at}.priceAs.${model}`, id, `"gpt-4o" (the catalog model it runs)`);
        }
      } else str(`${at}.priceAs`, e.priceAs, `"gpt-4o"`);
      num(`${at}.rpm`, e.rpm, 1, "500 (requests per minute)");
      num(`${at}.tpm`, e.tpm, 1, "200000 (tokens per minute)");
      num(`${at}.maxCost`, e.maxCost, 0, "5 (USD for this provider)");
      timeouts(`${at}.`, e);
    }
  }

  const models = parsed.models;
  if (models !== undefined) {
    if (!Array.isArray(models)) {
      fail(
        "models",
        "a list of model entries",
        models,
        `Write it as "models": [{"id": "my-model", "provider": "openai", "inputPerMTok": 0.3, "outputPerMTok": 1.2}]`,
      );
    }
    (models as unknown[]).forEach((m, i) => {
      const at = `models[${i}]`;
      if (!isObject(m)) fail(at, "an object", m, `Write it as {"id": "my-model", "provider": "openai"}`);
      const e = m as Record<string, unknown>;
      for (const key of Object.keys(e)) if (!MODEL_FIELDS.has(key)) unknown(`${at}.${key}`, MODEL_FIELDS);
      if (typeof e.id !== "string" || e.id.trim() === "") {
        fail(`${at}.id`, "a non-empty string", e.id, `Give the model's id: "id": "my-model"`);
      }
      str(`${at}.provider`, e.provider, `"openai"`);
      for (const field of MODEL_NUMBERS) {
        const integer = field === "contextWindow" || field === "maxOutputTokens";
        num(
          `${at}.${field}`,
          e[field],
          integer ? 1 : 0,
          integer ? "128000" : "0.3 (USD per million tokens)",
          integer,
        );
      }
      strings(`${at}.aliases`, e.aliases, `["my-model-2025"]`);
      if (e.longContext !== undefined) {
        if (!isObject(e.longContext)) {
          fail(
            `${at}.longContext`,
            "an object",
            e.longContext,
            `Write it as {"thresholdTokens": 200000, ...}`,
          );
        }
        const lc = e.longContext as Record<string, unknown>;
        num(`${at}.longContext.thresholdTokens`, lc.thresholdTokens, 1, "200000", true);
        for (
          const f of [
            "inputPerMTok",
            "outputPerMTok",
            "cacheReadPerMTok",
            "cacheWrite5mPerMTok",
            "cacheWrite1hPerMTok",
          ]
        ) {
          num(`${at}.longContext.${f}`, lc[f], 0, "6 (USD per million tokens)");
        }
      }
    });
  }
  return warnings;
}
