/**
 * A target: one provider:model of a run, ready to call (one provider per key, catalog entry, token counter, cost
 * function), and the checks made on the targets before anything is sent.
 *
 * @module
 */
import { formatCount } from "../core/format.ts";
import { ERROR_KINDS, type Provider, SwebenchError } from "../core/mod.ts";
import {
  type Catalog,
  costOf,
  type DeprecationNotice,
  deprecationNotice,
  type ModelEntry,
} from "../providers/catalog.ts";
import type { VendorSettings } from "../providers/kit/spec.ts";
import { catalogEntry, isLocalKind, loadProvider, specOf } from "../providers/registry.ts";
import {
  type CounterFacts,
  counterFacts,
  CounterNotLoadedError,
  getTokenCounter,
  tokenBound,
  type TokenCounter,
} from "../tokens/mod.ts";
import type { ProviderSettings } from "./settings.ts";

/** A resolved provider:model, ready to call. */
export interface Target {
  /** What it was made from. */
  settings: ProviderSettings;
  /** One provider per API key (the first is the primary); a single entry for keyless providers. */
  providers: Provider[];
  /** Model id. */
  model: string;
  /** The catalog's entry of the model (prices, context window), when it has one. */
  entry?: ModelEntry;
  /** The catalog (built-in + overrides). */
  catalog: Catalog;
  /**
   * Token counter (exact for OpenAI models, an estimate with a bound for others); gold uses chars/4. Its tables are
   * loaded by {@linkcode Target.loadCounter}: before that it throws {@linkcode CounterNotLoadedError}.
   */
  countTokens: (text: string) => number;
  /**
   * An upper bound of {@linkcode Target.countTokens} that loads nothing (UTF-8 bytes, times an estimate's factor):
   * what a call is sized with when its exact count is not needed (no budget) or not made yet.
   */
  boundTokens: (text: string) => number;
  /** The counter behind {@linkcode Target.countTokens} (absent for gold, and until it is loaded). */
  counter?: TokenCounter;
  /** What the counter is (exact or an estimate, its bound), known before it is loaded; absent for gold. */
  counting?: CounterFacts;
  /** Load the counter's tables (once; concurrent callers share the load). Resolves at once for gold. */
  loadCounter: () => Promise<void>;
  /** True for providers that cost nothing (gold, Ollama). */
  free: boolean;
}

/**
 * Make a target: its providers (one per key), catalog entry, cost function and token counter. The counter's tables
 * are loaded before it returns unless `lazyCounter` (then {@linkcode Target.loadCounter} loads them when a count is
 * needed: a run that sizes its calls by {@linkcode Target.boundTokens} never loads them).
 *
 * @example
 * ```ts ignore
 * import { createTarget } from "./target.ts";
 * import { defaultCatalog } from "../providers/catalog.ts";
 * const t = await createTarget({ name: "gold", kind: "gold", apiKeys: [], baseUrl: "", model: "gold" }, defaultCatalog());
 * ```
 */
export async function createTarget(
  settings: ProviderSettings,
  catalog: Catalog,
  options: { lazyCounter?: boolean } = {},
): Promise<Target> {
  const spec = specOf(settings.kind);
  const free = isLocalKind(settings.kind);
  const priced = settings.priceAs ?? settings.model;
  const entry = spec?.offline ? undefined : catalogEntry(catalog, settings.kind, priced);
  const keys = settings.apiKeys.length > 0 ? settings.apiKeys : [undefined];
  // Only this vendor's codec is loaded (once for every key).
  const providers = await Promise.all(keys.map((apiKey) =>
    loadProvider({
      kind: settings.kind,
      name: settings.name,
      apiKey,
      baseUrl: settings.baseUrl,
      organization: settings.organization,
      project: settings.project,
      settings: settingsOf(settings),
      cost: (model, usage) => costOf(pricedEntry(catalog, settings, model) ?? entry, usage, settings.kind),
      timeouts: settings.timeouts ?? {},
    })
  ));
  const chars = (t: string) => Math.ceil(t.length / 4);
  let loading: Promise<void> | undefined;
  const target: Target = {
    settings,
    providers,
    model: settings.model,
    entry,
    catalog,
    countTokens: spec?.offline ? chars : (t) => {
      if (target.counter === undefined) throw new CounterNotLoadedError(priced);
      return target.counter.count(t);
    },
    boundTokens: spec?.offline ? chars : tokenBound(priced),
    counting: spec?.offline ? undefined : counterFacts(priced),
    loadCounter: () => {
      if (spec?.offline || target.counter !== undefined) return Promise.resolve();
      loading ??= getTokenCounter(priced).then((c) => {
        target.counter = c;
      }, (e) => {
        loading = undefined; // a failed import is retried by the next caller
        throw e;
      });
      return loading;
    },
    free,
  };
  if (!options.lazyCounter) await target.loadCounter();
  return target;
}

/** The vendor settings a target's providers get: the spec's settings and `priceAs`. */
function settingsOf(settings: ProviderSettings): VendorSettings | undefined {
  return settings.priceAs === undefined
    ? settings.settings
    : { ...settings.settings, priceAs: settings.priceAs };
}

/**
 * The catalog entry that prices an answer: the `priceAs` model when the settings name one (the user's word over
 * the API's), else the model the API reported.
 */
function pricedEntry(catalog: Catalog, settings: ProviderSettings, reported: string): ModelEntry | undefined {
  return catalogEntry(catalog, settings.kind, settings.priceAs ?? reported);
}

/** A paid target whose model has no price (input and output per million tokens) in the catalog. */
export function unpriced(t: Target): boolean {
  return !t.free && (t.entry?.inputPerMTok === undefined || t.entry.outputPerMTok === undefined);
}

/** `provider:model` of a target, as the call layer reports who answered. */
export function labelOf(t: Target): string {
  return `${t.settings.name}:${t.model}`;
}

/** `model_name_or_path` of a target (the gold provider writes `gold`). */
export function modelNameOf(t: Target): string {
  return specOf(t.settings.kind)?.offline ? t.settings.kind : t.model;
}

/**
 * `--max-tokens` must fit every model of the run: at most the model's output limit, and below its context window
 * (the prompt needs room too). Checked before anything is sent; a model the catalog does not know is not checked.
 */
export function checkMaxTokens(targets: readonly Target[], maxTokens: number): void {
  const n = formatCount;
  for (const t of targets) {
    const out = t.entry?.maxOutputTokens;
    const window = t.entry?.contextWindow;
    const model = labelOf(t);
    const limits = [
      out !== undefined ? `at most ${n(out)} output tokens` : undefined,
      window !== undefined ? `context window ${n(window)} tokens` : undefined,
    ].filter(Boolean).join(", ");
    const tooLong = out !== undefined && maxTokens > out;
    if (tooLong || (window !== undefined && maxTokens >= window)) {
      const most = Math.min(out ?? Infinity, window !== undefined ? window - 1 : Infinity);
      throw new SwebenchError(
        "usage",
        `--max-tokens ${n(maxTokens)} is more than ${model} allows (${limits})`,
        {
          hint: `Use --max-tokens ${most} or less (the default is 4096); ` +
            (tooLong
              ? "no call was sent."
              : "the prompt needs room in the context window too; no call was sent."),
        },
      );
    }
  }
}

/** The models of a chain whose end of life is past or within 30 days of `now` (for `--json`). */
export function deprecations(targets: readonly Target[], now: Date = new Date()): DeprecationNotice[] {
  return targets.flatMap((t) => {
    const n = deprecationNotice(t.entry, t.model, now);
    return n ? [n] : [];
  });
}

/**
 * A hint for an error that stopped a run, specific to the target it came from: where the key comes from (even when
 * none was sent), the command that lists the models.
 */
export function stopHint(targets: readonly Target[], err: SwebenchError): string | undefined {
  const target = targets.find((t) => t.settings.name === err.provider) ?? targets[0];
  if (err.kind === "authentication" && err.status !== 403) return target.settings.authHint;
  if (err.kind === "model_not_found" && err.hint === ERROR_KINDS.model_not_found.hint) {
    return `${target.settings.name} does not serve "${target.model}": \`swebench provider models ${target.settings.name}\` ` +
      "lists the models it has; pass one with -m.";
  }
  return undefined;
}
