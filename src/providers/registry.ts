/**
 * The provider registry: the vendors of `vendors.ts` by id, their facts for the CLI (from the specs, no codec
 * loaded), and the factory that loads only the chosen vendor's codec (`loadProvider`, what the run layer calls).
 * The library's synchronous `createProvider` is `create.ts` (every codec imported). Adding a vendor is a spec and a
 * codec in `providers/<id>/` and one line in `vendors.ts`.
 *
 * @module
 */
import { type Provider, type ProviderKind, SwebenchError } from "../core/mod.ts";
import type { Catalog, ModelEntry } from "./catalog.ts";
import type { VendorCodec } from "./kit/codec.ts";
import { httpProvider, type HttpProviderOptions } from "./kit/http_provider.ts";
import type { ProviderOptions } from "./kit/options.ts";
import type { ProviderSpec, VendorSettings } from "./kit/spec.ts";
import { type Vendor, VENDORS } from "./vendors.ts";

/** A built-in provider as the CLI reads it (derived from its {@linkcode ProviderSpec}). */
export interface BuiltinProvider {
  /** Wire protocol (the spec id). */
  kind: ProviderKind;
  /** Environment variable holding the API key (none for local providers). */
  keyEnv?: string;
  /** Environment variable holding the base URL. */
  baseUrlEnv?: string;
  /** Default base URL (vendor convention: OpenAI with /v1, Anthropic without). */
  defaultBaseUrl: string;
  /** Default model when none is given. */
  defaultModel: string;
  /** A key is required (a missing one fails before any request). */
  needsKey: boolean;
  /** Short description for `provider list`. */
  description: string;
}

const BY_ID: ReadonlyMap<string, Vendor> = new Map(VENDORS.map((v) => [v.spec.id, v]));

/**
 * The ids of every vendor, in `vendors.ts` order.
 *
 * @example
 * ```ts
 * import { providerIds } from "./registry.ts";
 * providerIds(); // ["openai", "anthropic", "ollama", "gemini", "gold"]
 * ```
 */
export function providerIds(): string[] {
  return VENDORS.map((v) => v.spec.id);
}

/**
 * The spec of a vendor id, or undefined.
 *
 * @example
 * ```ts
 * import { specOf } from "./registry.ts";
 * specOf("anthropic")?.keyEnv; // ["ANTHROPIC_API_KEY"]
 * ```
 */
export function specOf(id: string): ProviderSpec | undefined {
  return BY_ID.get(id)?.spec;
}

/**
 * Every vendor's spec, in `vendors.ts` order.
 *
 * @example
 * ```ts
 * import { providerSpecs } from "./registry.ts";
 * providerSpecs().filter((s) => s.local).map((s) => s.id); // ["ollama", "gold"]
 * ```
 */
export function providerSpecs(): ProviderSpec[] {
  return VENDORS.map((v) => v.spec);
}

/**
 * The catalog entry that prices `model` on a vendor: the vendor's own entries first, then (unless its spec says
 * `ownPricesOnly`) any entry of that id; the user's own entries (`models` of the config file) always count.
 *
 * @example
 * ```ts
 * import { defaultCatalog } from "./catalog.ts";
 * import { catalogEntry } from "./registry.ts";
 * catalogEntry(defaultCatalog(), "deepseek", "deepseek-chat")?.provider; // "deepseek"
 * catalogEntry(defaultCatalog(), "groq", "gpt-4o"); // undefined: Groq does not sell gpt-4o at OpenAI's price
 * ```
 */
export function catalogEntry(catalog: Catalog, kind: string, model: string): ModelEntry | undefined {
  const entry = catalog.lookup(model, kind);
  if (entry === undefined || !specOf(kind)?.ownPricesOnly) return entry;
  return entry.provider === kind || entry.verification === "user" ? entry : undefined;
}

/** The built-in providers (one per vendor), as the CLI reads them. */
export const BUILTIN_PROVIDERS: Readonly<Record<string, BuiltinProvider>> = Object.fromEntries(
  VENDORS.map(({ spec }): [string, BuiltinProvider] => {
    const entry: BuiltinProvider = {
      kind: spec.id as ProviderKind,
      defaultBaseUrl: spec.defaultBaseUrl,
      defaultModel: spec.defaultModel,
      needsKey: spec.keyRequired !== "never",
      description: spec.description,
    };
    if (spec.keyEnv.length > 0) entry.keyEnv = spec.keyEnv[0];
    if (spec.baseUrlEnv !== undefined) entry.baseUrlEnv = spec.baseUrlEnv;
    return [spec.id, entry];
  }),
);

/**
 * Default transport timeouts, sized for real providers:
 * - connect: the response headers of a streamed call (and of model lists and token counts) within 2 minutes
 *   (they come within seconds; a long prompt or a queue may take a minute). A non-streamed answer's headers come
 *   only with the finished answer, so for it the total timeout is the wait instead.
 * - idle: 5 minutes without data in a body, keep-alive pings not counting as data (a reasoning model may think
 *   for minutes before its first token; a stream that only pings ends after that).
 * - total: 10 minutes per call, body included (as OpenAI's and Anthropic's own SDKs), enough for a long answer.
 * Ollama (local, maybe a CPU, calls queued behind each other): 10 minutes connect, 5 idle, 60 total.
 * Per-call options and `timeouts` override them (the CLI: `--connect-timeout`, `--idle-timeout`,
 * `--total-timeout` and the config file's fields of the same names).
 */
export const DEFAULT_TIMEOUTS: Readonly<
  Record<"remote" | "local", Required<NonNullable<ProviderOptions["timeouts"]>>>
> = {
  remote: { connectTimeoutMs: 120_000, idleTimeoutMs: 300_000, totalTimeoutMs: 600_000 },
  local: { connectTimeoutMs: 600_000, idleTimeoutMs: 300_000, totalTimeoutMs: 3_600_000 },
};

/** Options of {@linkcode loadProvider} (and of the library's `createProvider`). */
export interface CreateProviderOptions extends ProviderOptions {
  /** Wire protocol: a vendor id of `vendors.ts`. */
  kind: ProviderKind;
  /** Vendor settings (the spec's `settings`: OpenAI organization/project, Anthropic version/beta). */
  settings?: VendorSettings;
  /** OpenAI organization header (same as `settings.organization`). */
  organization?: string;
  /** OpenAI project header (same as `settings.project`). */
  project?: string;
}

/**
 * The vendor of a kind. An unknown kind is a usage error naming the known ones.
 *
 * @example
 * ```ts
 * import { vendorOf } from "./registry.ts";
 * vendorOf("anthropic").spec.keyEnv; // ["ANTHROPIC_API_KEY"]
 * ```
 */
export function vendorOf(kind: string): Vendor {
  const vendor = BY_ID.get(kind);
  if (vendor === undefined) {
    throw new SwebenchError("usage", `unknown provider kind: ${String(kind)}`, {
      hint: `Known kinds: ${providerIds().join(", ")}.`,
    });
  }
  return vendor;
}

/**
 * A provider of a vendor, given its codec (HTTP vendors; `undefined` for a vendor with its own factory): the
 * caller's options over the kind's default timeouts, `organization` and `project` merged into the settings. The
 * one place both factories (`loadProvider`, the library's `createProvider`) build a provider.
 *
 * @example
 * ```ts
 * import { providerOf, vendorOf } from "./registry.ts";
 * import { OPENAI_CODEC } from "./openai/codec.ts";
 * const p = providerOf(vendorOf("openai"), OPENAI_CODEC, { kind: "openai", baseUrl: "http://127.0.0.1:8000/v1" });
 * ```
 */
export function providerOf(
  vendor: Vendor,
  codec: VendorCodec | undefined,
  input: CreateProviderOptions,
): Provider {
  const { kind: _kind, organization, project, settings, ...rest } = input;
  const defaults = DEFAULT_TIMEOUTS[vendor.spec.local ? "local" : "remote"];
  const options: HttpProviderOptions = {
    ...rest,
    timeouts: { ...defaults, ...input.timeouts },
    settings: { organization, project, ...settings },
  };
  if (vendor.create !== undefined) return vendor.create(options);
  if (codec === undefined) {
    throw new SwebenchError("unexpected", `the ${vendor.spec.id} provider needs its codec, none was given`);
  }
  return httpProvider({ spec: vendor.spec, codec, options });
}

/**
 * Load a vendor's codec (once per process: the module system caches it); `undefined` for a vendor with its own
 * factory. A codec that does not load (a damaged installation) is an `unexpected` error (exit 1) naming the vendor.
 *
 * @example
 * ```ts ignore
 * import { loadCodec, vendorOf } from "./registry.ts";
 * const codec = await loadCodec(vendorOf("anthropic"));
 * ```
 */
export async function loadCodec(vendor: Vendor): Promise<VendorCodec | undefined> {
  if (vendor.codec === undefined) return undefined;
  try {
    return await vendor.codec();
  } catch (e) {
    throw new SwebenchError(
      "unexpected",
      `could not load the ${vendor.spec.id} provider's wire format: ${
        e instanceof Error ? e.message : String(e)
      }`,
      {
        provider: vendor.spec.id,
        hint: "Part of the installation is missing or damaged: reinstall swebench-runner (from a clone: " +
          "`git status` shows what changed); if it persists, re-run with --verbose and report it.",
        cause: e,
      },
    );
  }
}

/**
 * Create a provider of a given wire protocol, loading only that vendor's codec (what the run layer calls: a run
 * over one vendor does not load the others' wire formats). An unknown kind is a usage error naming the known ones;
 * a codec that does not load is an `unexpected` error.
 *
 * @example
 * ```ts ignore
 * import { loadProvider } from "./registry.ts";
 * const p = await loadProvider({ kind: "anthropic", apiKey: Deno.env.get("ANTHROPIC_API_KEY") });
 * console.log(p.kind); // "anthropic"
 * ```
 */
export async function loadProvider(input: CreateProviderOptions): Promise<Provider> {
  const vendor = vendorOf(input.kind);
  return providerOf(vendor, await loadCodec(vendor), input);
}

/**
 * Whether a request's `temperature` reaches the model (the spec's `sendsTemperature`): not for the gold echo, OpenAI
 * reasoning models (o-series, gpt-5) or Claude models and API versions that refuse sampling parameters. The
 * manifest records what was sent.
 *
 * @example
 * ```ts
 * import { sendsTemperature } from "@swebench/runner/lib";
 * sendsTemperature("openai", "gpt-4o-mini"); // true
 * sendsTemperature("anthropic", "claude-sonnet-5-5"); // false
 * ```
 */
export function sendsTemperature(kind: ProviderKind, model: string, settings: VendorSettings = {}): boolean {
  const spec = specOf(kind);
  return spec?.sendsTemperature?.(model, settings) ?? true;
}

/**
 * The plan's line when a run's temperature does not reach the model (none for the offline gold echo): the
 * vendor's reason (Anthropic: API version 2026-10-21 takes no sampling parameter, `--anthropic-version 2023-06-01`
 * sends it) or that the model takes none.
 *
 * @example
 * ```ts
 * import { samplingNote } from "./registry.ts";
 * samplingNote("openai", "o3-mini", {}, 0); // "temperature 0 is not sent: o3-mini takes none (sampling is the model's own)"
 * ```
 */
export function samplingNote(
  kind: ProviderKind,
  model: string,
  settings: VendorSettings,
  temperature: number,
): string | undefined {
  const spec = specOf(kind);
  if (spec?.offline || sendsTemperature(kind, model, settings)) return undefined;
  return spec?.samplingNote?.(model, settings, temperature) ??
    `temperature ${temperature} is not sent: ${model} takes none (sampling is the model's own)`;
}

/**
 * Whether a provider kind is local (Ollama) or offline (gold): its calls cost nothing and reserve no budget. The
 * one place the CLI and the run layer ask.
 *
 * @example
 * ```ts
 * import { isLocalKind } from "./registry.ts";
 * isLocalKind("ollama"); // true
 * ```
 */
export function isLocalKind(kind: ProviderKind): boolean {
  return specOf(kind)?.local === true;
}

/**
 * The kinds a configured provider may name (`"kind"` in the config file, `provider init --kind`): every vendor that
 * speaks HTTP (not gold).
 *
 * @example
 * ```ts
 * import { wireKinds } from "./registry.ts";
 * wireKinds().includes("openai"); // true
 * ```
 */
export function wireKinds(): string[] {
  return VENDORS.filter((v) => v.spec.offline !== true).map((v) => v.spec.id);
}

/**
 * Whether a kind's prompt counts come from the vendor's API (a request per prompt, cached): the plan then asks it
 * when a key is set.
 *
 * @example
 * ```ts
 * import { countsTokensByApi } from "./registry.ts";
 * countsTokensByApi("anthropic"); // true
 * ```
 */
export function countsTokensByApi(kind: ProviderKind): boolean {
  return BY_ID.get(kind)?.countsByApi === true;
}

/**
 * Every environment variable the vendors read (keys, base URLs, settings, extras), in `vendors.ts` order: the
 * CLI's variable list and the compile task's `--allow-env` are built from it.
 *
 * @example
 * ```ts
 * import { vendorEnvVariables } from "./registry.ts";
 * vendorEnvVariables().includes("OPENAI_API_KEY"); // true
 * ```
 */
export function vendorEnvVariables(): string[] {
  const names = VENDORS.flatMap(({ spec }) => [
    ...spec.keyEnv,
    ...(spec.baseUrlEnv ? [spec.baseUrlEnv] : []),
    ...spec.settings.flatMap((s) => s.env ? [s.env] : []),
    ...(spec.extraEnv ?? []),
  ]);
  return [...new Set(names)];
}

/**
 * Every official API host of the vendors (the compile task's `--allow-net`, with the dataset hosts).
 *
 * @example
 * ```ts
 * import { vendorHosts } from "./registry.ts";
 * vendorHosts().includes("api.openai.com"); // true
 * ```
 */
export function vendorHosts(): string[] {
  return [...new Set(VENDORS.flatMap(({ spec }) => spec.hosts))];
}
