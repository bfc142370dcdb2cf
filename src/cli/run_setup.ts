/**
 * Shared setup of `generate` and `compare`: resolve a provider:model target, load and select instances,
 * plan and confirm the cost before money is spent.
 *
 * @module
 */
import { type Provider, SwebenchError, toSwebenchError } from "../core/mod.ts";
import { planRun, type RunPlan } from "../run/cost_plan.ts";
import {
  type Catalog,
  catalogWithOverrides,
  costOf,
  defaultCatalog,
  type DeprecationNotice,
  deprecationNotice,
  type ModelEntry,
  worstCaseCost,
} from "../providers/catalog.ts";
import { createProvider } from "../providers/registry.ts";
import { type ContextVariant, type DatasetRef, loadInstances, resolveDataset } from "../swebench/datasets.ts";
import type { SwebenchInstance } from "../swebench/instance.ts";
import { buildPrompt } from "../swebench/prompt.ts";
import { parseShard, selectInstances } from "../swebench/select.ts";
import { getTokenCounter, type TokenCounter } from "../tokens/mod.ts";
import {
  authHint,
  type ConfigFile,
  missingKeyError,
  type ResolvedProvider,
  resolveProvider,
} from "./config.ts";
import { env } from "./env.ts";
import { resolveTimeouts, type TimeoutFlags } from "./timeouts.ts";
import { info, plural, style, warn } from "./output.ts";
import { cacheDir } from "./paths.ts";
import { formatUsd } from "./progress.ts";

/** A resolved provider:model, ready to call. */
export interface Target {
  resolved: ResolvedProvider;
  /** One provider per API key (the first is the primary); a single entry for keyless providers. */
  providers: Provider[];
  model: string;
  entry?: ModelEntry;
  catalog: Catalog;
  /** Token counter (exact for OpenAI models, an estimate with a bound for others); gold uses chars/4. */
  countTokens: (text: string) => number;
  counter?: TokenCounter;
  /** True for providers that cost nothing (gold, Ollama). */
  free: boolean;
}

/**
 * Resolve one target; a missing key fails here, before any request (exit 3).
 */
export async function setupTarget(
  name: string,
  options: {
    config: ConfigFile;
    model?: string;
    baseUrl?: string;
    primary?: boolean;
    requireKey?: boolean;
    /** `--connect-timeout` / `--idle-timeout` / `--total-timeout` (over the config file's). */
    timeouts?: TimeoutFlags;
  },
): Promise<Target> {
  const resolved = resolveProvider(name, {
    config: options.config,
    flags: options,
    primary: options.primary,
  });
  if (resolved.needsKey && !resolved.apiKey && options.requireKey !== false) throw missingKeyError(resolved);
  const catalog = catalogWithOverrides(defaultCatalog(), options.config.models ?? []);
  const free = resolved.kind === "gold" || resolved.kind === "ollama";
  const entry = resolved.kind === "gold" ? undefined : catalog.lookup(resolved.model, resolved.kind);
  const keys = resolved.apiKeys.length > 0 ? resolved.apiKeys : [undefined];
  const providers = keys.map((apiKey) =>
    createProvider({
      kind: resolved.kind,
      name: resolved.name,
      apiKey,
      baseUrl: resolved.baseUrl,
      organization: resolved.organization,
      project: resolved.project,
      cost: (model, usage) => costOf(catalog.lookup(model, resolved.kind) ?? entry, usage, resolved.kind),
      timeouts: resolveTimeouts(options.timeouts ?? {}, options.config, name),
    })
  );
  const counter = resolved.kind === "gold" ? undefined : await getTokenCounter(resolved.model);
  return {
    resolved,
    providers,
    model: resolved.model,
    entry,
    catalog,
    counter,
    countTokens: counter ? (t) => counter.count(t) : (t) => Math.ceil(t.length / 4),
    free,
  };
}

/**
 * `--max-tokens` must fit every model of the run: at most the model's output limit, and below its context window
 * (the prompt needs room too). Checked before anything is sent; a model the catalog does not know is not checked.
 */
export function checkMaxTokens(targets: readonly Target[], maxTokens: number): void {
  const n = (x: number) => x.toLocaleString("en-US");
  for (const t of targets) {
    const out = t.entry?.maxOutputTokens;
    const window = t.entry?.contextWindow;
    const model = `${t.resolved.name}:${t.model}`;
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

/** Selection flags shared by `generate` and `compare`. */
export interface SelectionFlags {
  dataset: string;
  split: string;
  context: ContextVariant;
  instances?: string[];
  filter?: string;
  count?: number;
  sample?: number;
  seed: number;
  shard?: string;
}

/** Load the dataset and apply the selection (exit 2 on an empty selection or unknown ids). */
export async function loadSelection(
  flags: SelectionFlags,
  download: { connectTimeoutMs?: number; idleTimeoutMs?: number } = {},
): Promise<{ ref: DatasetRef; instances: SwebenchInstance[] }> {
  const shard = flags.shard ? parseShard(flags.shard) : undefined;
  const ref = resolveDataset(flags.dataset, {
    split: flags.split,
    context: flags.context,
    cacheDir: cacheDir(),
    hfEndpoint: env("HF_ENDPOINT"),
    hfToken: env("HF_TOKEN"),
  });
  const all = await loadInstances(ref, download);
  if (all.length === 0) {
    throw new SwebenchError(
      "usage",
      `the dataset ${ref.path ?? ref.id ?? ref.name} (${ref.split}) is empty: it has no rows`,
      {
        hint: ref.kind === "local"
          ? "Check the file: it holds no instance (one JSON object per line, or a JSON array, or parquet rows)."
          : "Check the dataset name and --split with `swebench dataset info <name>`.",
      },
    );
  }
  const instances = selectInstances(all, {
    instances: flags.instances,
    filter: flags.filter,
    count: flags.count,
    sample: flags.sample,
    seed: flags.seed,
    shard,
  });
  // generate never reads the tests: drop them so a 2,294-instance run holds a third of the memory.
  for (const inst of instances) {
    delete inst.test_patch;
    delete inst.FAIL_TO_PASS;
    delete inst.PASS_TO_PASS;
  }
  if (instances.length === 0) {
    throw new SwebenchError("usage", "the selection is empty: no instance matches", {
      hint: "Check --instances/--filter/--count/--shard against `swebench dataset info <name>`.",
    });
  }
  return { ref, instances };
}

/**
 * Worst-case USD of one call: counted prompt tokens (inflated by the counter's error bound, plus chat framing) and
 * max tokens, at list price (long-context tiers included).
 */
export function reservationFor(
  target: Target,
): (promptTokens: number, maxTokens: number) => number | undefined {
  if (target.free) return () => 0;
  const bound = target.counter?.errorBound ?? 0.25;
  return (promptTokens, maxTokens) =>
    worstCaseCost(target.entry, Math.ceil(promptTokens * (1 + bound) + 64), maxTokens);
}

/** Plan a run for a target. */
export function planFor(
  target: Target,
  instances: readonly SwebenchInstance[],
  options: { maxTokens: number; counts?: Map<string, number>; apiCounts?: ReadonlyMap<string, number> },
): RunPlan {
  return planRun(instances, {
    maxTokens: options.maxTokens,
    contextWindow: target.entry?.contextWindow,
    countTokens: target.countTokens,
    prices: target.free ? { inputPerMTok: 0, outputPerMTok: 0 } : {
      inputPerMTok: target.entry?.inputPerMTok,
      outputPerMTok: target.entry?.outputPerMTok,
    },
    exact: target.counter?.exact ?? false,
    errorBound: target.counter?.errorBound,
    apiCounts: options.apiCounts,
    framingTokens: target.counter
      ? target.counter.countChat([{ role: "system", content: "" }, { role: "user", content: "" }])
      : 0,
    reserve: reservationFor(target),
    onCount: options.counts ? (id, n) => options.counts!.set(id, n) : undefined,
  });
}

/** Worst-case cost above which a run asks for confirmation (TTY) or needs --yes / --max-cost (non-TTY). */
export const CONFIRM_ABOVE_USD = 1;

/** How a plan's prompt tokens were counted, in words: `exact`, `exact, count_tokens`, `estimate, ±25%`. */
export function countLabel(plan: RunPlan): string {
  if (plan.countSource === "api") return "exact, counted with count_tokens";
  if (plan.countMethod === "exact") return "exact";
  return `estimate, ±${Math.round(plan.errorBound * 100)}%`;
}

/**
 * Prompt counts from the provider's API for the prompts of a plan (instance id -> whole-request tokens): Anthropic's
 * `count_tokens` (free, cached per prompt) when a key is set. The first count goes alone: a rejected key stops here
 * (exit 3, naming the variable) after one request. `undefined` without a key, for other providers, or offline
 * (the plan then states an estimate with its bound).
 */
export async function apiPromptCounts(
  target: Target,
  instances: readonly SwebenchInstance[],
  options: { maxTokens: number; concurrency?: number },
): Promise<Map<string, number> | undefined> {
  const provider = target.providers[0];
  if (target.resolved.kind !== "anthropic" || !target.resolved.apiKey || !provider.countTokens) {
    return undefined;
  }
  const requests: { id: string; system: string; prompt: string }[] = [];
  for (const inst of instances) {
    const p = buildPrompt(inst, {
      contextWindow: target.entry?.contextWindow,
      maxTokens: options.maxTokens,
      countTokens: target.countTokens,
    });
    if (!("skipped" in p)) requests.push({ id: inst.instance_id, system: p.system, prompt: p.user });
  }
  const counts = new Map<string, number>();
  const countOne = async (r: (typeof requests)[number]): Promise<boolean> => {
    let n;
    try {
      n = await provider.countTokens!({ model: target.model, system: r.system, prompt: r.prompt });
    } catch (e) {
      const err = toSwebenchError(e);
      if (err.kind === "authentication" && err.status !== 403) {
        throw new SwebenchError(err.kind, err.message, {
          ...err,
          hint: authHint(target.resolved),
          cause: err,
        });
      }
      // What every call would meet too stops here; anything else (a server error, a gateway without
      // count_tokens) leaves the plan to the estimate.
      const unknownModel = err.kind === "model_not_found" && err.message.includes(target.model);
      if (["permission", "config", "quota", "authentication"].includes(err.kind) || unknownModel) throw err;
      return false;
    }
    if (n.method !== "exact") return false; // offline: the provider estimated
    counts.set(r.id, n.tokens);
    return true;
  };
  if (requests.length === 0 || !await countOne(requests[0])) return undefined;
  let next = 1;
  let offline = false;
  const worker = async () => {
    while (next < requests.length && !offline) {
      if (!await countOne(requests[next++])) offline = true;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  return offline ? undefined : counts;
}

/** The models of a chain whose end of life is past or within 30 days of `now` (for `--json`). */
export function deprecations(targets: readonly Target[], now: Date = new Date()): DeprecationNotice[] {
  return targets.flatMap((t) => {
    const n = deprecationNotice(t.entry, t.model, now);
    return n ? [n] : [];
  });
}

/** A warning line for a model whose end of life is past or within 30 days (naming its successor), if any. */
export function deprecationLine(target: Target, now: Date = new Date()): string | undefined {
  const n = deprecationNotice(target.entry, target.model, now);
  if (!n) return undefined;
  const text = n.successor
    ? n.message.replace(/\.$/, ` (-m ${n.successor}).`)
    : `${n.message} \`swebench provider models ${target.resolved.name}\` lists the current models.`;
  return style.yellow(`  warning: ${text}`);
}

/** Print a plan (stderr) in a few lines. */
export function describePlan(label: string, plan: RunPlan, alreadyDone: number): string[] {
  const priced = plan.worstUsd !== undefined;
  return [
    `${style.bold("Plan")}: ${plural(plan.instances, "instance")} through ${label}` +
    (alreadyDone ? ` (${alreadyDone} already done)` : "") +
    (plan.skipped ? `, ${plan.skipped} too long (skipped)` : ""),
    `  prompt tokens: ${plan.promptTokens.toLocaleString("en-US")} (${countLabel(plan)})`,
    priced
      ? `  cost: expected ${formatUsd(plan.expectedUsd)}, worst case ${formatUsd(plan.worstUsd)}`
      : `  cost: ${
        style.yellow("unknown")
      } (the model has no price: add it under "models" in the config file)`,
  ];
}

/**
 * Ask before spending: on a TTY above the threshold, a yes/no prompt; off a TTY above the threshold (or with an
 * unpriced model), `--yes` or `--max-cost` is required. Returns false when the user declines.
 */
export async function confirmSpend(
  worstUsd: number | undefined,
  flags: { yes?: boolean; maxCost?: number; free: boolean; json?: boolean },
): Promise<boolean> {
  if (flags.free || flags.yes) return true;
  const above = worstUsd === undefined || worstUsd > CONFIRM_ABOVE_USD;
  if (!above) return true;
  if (flags.maxCost !== undefined) {
    if (worstUsd !== undefined && worstUsd > flags.maxCost) {
      info(
        `The budget (${
          formatUsd(flags.maxCost)
        }) stops the run before the worst case: finished work is kept.`,
      );
    }
    return true;
  }
  const why = worstUsd === undefined ? "its cost is unknown" : `it may cost up to ${formatUsd(worstUsd)}`;
  if (!Deno.stdin.isTerminal() || flags.json) {
    throw new SwebenchError(
      "usage",
      `not starting: ${why} and ${flags.json ? "--json runs never ask" : "there is no terminal to confirm"}`,
      {
        hint: "Pass --yes to accept, or --max-cost USD to cap the spend (the run stops before passing it).",
      },
    );
  }
  const p = await import("@clack/prompts");
  const ok = await p.confirm({
    message: `Start? ${why[0].toUpperCase()}${why.slice(1)}.`,
    initialValue: false,
  });
  if (p.isCancel(ok) || !ok) {
    warn("not started");
    return false;
  }
  return true;
}
