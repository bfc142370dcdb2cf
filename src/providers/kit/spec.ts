/**
 * A vendor's static facts ({@linkcode ProviderSpec}): where it lives, how its key travels, which hosts and variables
 * it needs, whether it is local. Data plus two small functions; the wire format is the codec's
 * (`kit/codec.ts`), the behaviour the kit's (`kit/http_provider.ts`).
 *
 * @module
 */
import type { EstimateProfile } from "../../tokens/estimate.ts";

/**
 * Model ids whose token counts follow one estimate profile (Claude generation 1 and 2).
 *
 * @example
 * ```ts
 * import { CLAUDE_PROFILE } from "../../tokens/estimate.ts";
 * import type { ModelFamily } from "./spec.ts";
 * const claude: ModelFamily = { pattern: /^claude-/, profile: CLAUDE_PROFILE };
 * ```
 */
export interface ModelFamily {
  /** Model ids of the family. */
  readonly pattern: RegExp;
  /** How to estimate their counts. */
  readonly profile: EstimateProfile;
}

/**
 * How the key travels. `bearer`: `Authorization: Bearer <key>` (OpenAI and compatible; Ollama when a key is
 * given). `header`: the key alone in a vendor header (`x-api-key`, Azure `api-key`, Gemini `x-goog-api-key`).
 * Credentials in a base URL (`user:pass@host`, Ollama) become Basic auth whatever the strategy.
 *
 * @example
 * ```ts
 * import type { AuthSpec } from "./spec.ts";
 * const anthropic: AuthSpec = { type: "header", header: "x-api-key" };
 * ```
 */
export type AuthSpec =
  | { readonly type: "bearer" }
  | { readonly type: "header"; readonly header: string }
  | { readonly type: "none" };

/** Vendor settings as resolved by the caller (CLI: flags > env > config file): name -> value. */
export type VendorSettings = Readonly<Record<string, string | undefined>>;

/**
 * A vendor setting beyond key, base URL and model (OpenAI organization, Anthropic version). The CLI reads it from
 * `env` and the config file's `configKey`; the spec's `headers(settings)` and the codec's `encode` get the value.
 *
 * @example
 * ```ts
 * import type { VendorSetting } from "./spec.ts";
 * const project: VendorSetting = { name: "project", env: "OPENAI_PROJECT_ID", description: "Sent as OpenAI-Project" };
 * ```
 */
export interface VendorSetting {
  /** Key in {@linkcode VendorSettings} (and the provider option of the same name). */
  readonly name: string;
  /** Environment variable holding it (enters the compile task's `--allow-env`). */
  readonly env?: string;
  /** Key in a config file entry (default: `name`). */
  readonly configKey?: string;
  /** Default value. */
  readonly default?: string;
  /** The CLI flag that sets it for a run, as commander names its value (`anthropicVersion` for `--anthropic-version`). */
  readonly flag?: string;
  /** One line for help texts. */
  readonly description: string;
}

/** The texts a spec adds to messages (the kit words the rest). */
export interface SpecHints {
  /** The fix for a base URL that does not parse (what it should look like, which variable sets it). */
  readonly invalidBaseUrl: string;
  /** The fix for credentials written into a base URL. */
  readonly credentialsInUrl: string;
  /** A connection failure: how to start or reach the server (shown for local specs and non-official hosts). */
  connection?(baseUrl: string): string;
  /** What to check when a web page answers instead of the API, lower case ("check the base URL (it ends in /v1)"). */
  readonly htmlPage?: string;
  /** For a codec without a model list: what `-m` takes and where to find it (Azure: the deployment names). */
  readonly noModelList?: string;
}

/**
 * Issue 14 (batch APIs), reserved: a vendor's batch limits and price factor. Absent = no batch API.
 *
 * @example
 * ```ts
 * import type { BatchSpec } from "./spec.ts";
 * const openai: BatchSpec = { maxRequests: 50_000, maxBytes: 200 * 2 ** 20, priceFactor: 0.5, customIdPattern: /^[\w-]{1,64}$/ };
 * ```
 */
export interface BatchSpec {
  /** Most requests in one batch. */
  readonly maxRequests: number;
  /** Most bytes of one batch's input. */
  readonly maxBytes: number;
  /** Price of a batched call relative to a direct one (0.5 = half). */
  readonly priceFactor: number;
  /** What a custom id may look like. */
  readonly customIdPattern: RegExp;
}

/**
 * A normalised base URL and the credentials taken out of it (Basic auth, redacted like a key).
 *
 * @example
 * ```ts
 * import type { BaseUrl } from "./spec.ts";
 * const b: BaseUrl = { url: "http://127.0.0.1:11434" };
 * ```
 */
export interface BaseUrl {
  /** The URL without credentials; request paths are appended to it. */
  url: string;
  /** User of `user:pass@host` (Basic auth). */
  username?: string;
  /** Password of `user:pass@host`. */
  password?: string;
}

/**
 * A vendor's static facts. One per vendor in `src/providers/<id>/spec.ts`; the registry, the CLI's lists and
 * variables, and the compile task's permissions are read from these.
 *
 * @example
 * ```ts
 * import type { ProviderSpec } from "./spec.ts";
 * import { normalizeHttpBaseUrl } from "./whole_body.ts";
 * const ACME: ProviderSpec = {
 *   id: "acme",
 *   description: "Acme Generate API",
 *   keyEnv: ["ACME_API_KEY"],
 *   baseUrlEnv: "ACME_BASE_URL",
 *   defaultBaseUrl: "https://api.acme.example",
 *   normalizeBaseUrl: (raw, name) => ({
 *     url: normalizeHttpBaseUrl(raw, { name, dropV1: true, invalidHint: "e.g. https://api.acme.example", credentialsHint: "Use ACME_API_KEY." }),
 *   }),
 *   auth: { type: "header", header: "x-acme-key" },
 *   keyRequired: "official-host",
 *   hosts: ["api.acme.example"],
 *   local: false,
 *   defaultModel: "acme-coder-1",
 *   settings: [],
 *   hints: { invalidBaseUrl: "e.g. https://api.acme.example", credentialsInUrl: "Use ACME_API_KEY." },
 * };
 * ```
 */
export interface ProviderSpec {
  /** Registry id, also the wire kind a custom config entry names (`openai`, `anthropic`, `ollama`, `gold`). */
  readonly id: string;
  /** One line for `provider list`, help texts and the README table. */
  readonly description: string;
  /** Variables holding the key, first set wins; [] for none. */
  readonly keyEnv: readonly string[];
  /** Variable holding the base URL. */
  readonly baseUrlEnv?: string;
  /** Default base URL, in the vendor's convention. */
  readonly defaultBaseUrl: string;
  /** Normalise a base URL by the vendor's convention; throws `config` with the spec's hints. */
  normalizeBaseUrl(raw: string, name: string): BaseUrl;
  /** How the key travels. */
  readonly auth: AuthSpec;
  /** When a missing key fails before any request: always, only for the official hosts, or never. */
  readonly keyRequired: "always" | "official-host" | "never";
  /** Official API hosts: the compile task's `--allow-net`, and what `official-host` means. */
  readonly hosts: readonly string[];
  /** A local server: cost 0 unless a cost function says otherwise, local timeouts, no spend prompt. */
  readonly local: boolean;
  /** No network at all (gold). */
  readonly offline?: boolean;
  /** Default model. */
  readonly defaultModel: string;
  /** Vendor settings beyond key, base URL and model. */
  readonly settings: readonly VendorSetting[];
  /** Headers every request carries, key or not (anthropic-version, OpenAI-Organization). */
  headers?(settings: VendorSettings): Record<string, string>;
  /** Texts for messages. */
  readonly hints: SpecHints;
  /**
   * Only the catalog entries of this vendor's id price its models (an OpenAI-compatible host: another host's
   * price for the same open model is not its price); default: its own entries first, then any entry of the id.
   */
  readonly ownPricesOnly?: boolean;
  /** Model families whose tokenizer this vendor documents (estimate profiles by id pattern). */
  readonly modelFamilies?: readonly ModelFamily[];
  /** Concurrency cap from the environment (Ollama: OLLAMA_NUM_PARALLEL, named in `extraEnv`). */
  maxConcurrent?(env: (name: string) => string | undefined): number | undefined;
  /** Variables the vendor reads beyond `keyEnv`, `baseUrlEnv` and the settings' `env` (`OLLAMA_NUM_PARALLEL`). */
  readonly extraEnv?: readonly string[];
  /**
   * Whether a request's temperature reaches this model (absent: always). False for models or API versions that
   * refuse sampling parameters; the manifest then records that none was sent.
   */
  sendsTemperature?(model: string, settings: VendorSettings): boolean;
  /** The plan's line when `sendsTemperature` is false (why, and how to send it), e.g. an API version's rule. */
  samplingNote?(model: string, settings: VendorSettings, temperature: number): string | undefined;
  /** Issue 14: batch API limits; absent = no batch API. */
  readonly batch?: BatchSpec;
}

/**
 * The first variable of `spec.keyEnv`, for messages ("set OPENAI_API_KEY"); undefined for a keyless spec.
 *
 * @example
 * ```ts
 * import { keyVariable } from "./spec.ts";
 * keyVariable({ keyEnv: ["GEMINI_API_KEY", "GOOGLE_API_KEY"] }); // "GEMINI_API_KEY"
 * ```
 */
export function keyVariable(spec: Pick<ProviderSpec, "keyEnv">): string | undefined {
  return spec.keyEnv[0];
}

/**
 * Whether `baseUrl` is one of the spec's official hosts.
 *
 * @example
 * ```ts
 * import { isOfficialHost } from "./spec.ts";
 * isOfficialHost({ hosts: ["api.openai.com"] }, "https://api.openai.com/v1"); // true
 * ```
 */
export function isOfficialHost(spec: Pick<ProviderSpec, "hosts">, baseUrl: string): boolean {
  return spec.hosts.includes(new URL(baseUrl).hostname);
}
