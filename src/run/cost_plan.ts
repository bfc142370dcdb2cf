/**
 * The plan shown before money is spent: instances, counted prompt tokens, expected and worst-case cost.
 *
 * @module
 */
import { SwebenchError, toSwebenchError } from "../core/mod.ts";
import { worstCaseCost } from "../providers/catalog.ts";
import { countsTokensByApi } from "../providers/registry.ts";
import type { SwebenchInstance } from "../swebench/instance.ts";
import { buildPrompt } from "../swebench/prompt.ts";
import type { Target } from "./target.ts";

/** Prices per million tokens of the model (undefined = unpriced). */
export interface PlanPrices {
  /** USD per million input tokens. */
  inputPerMTok?: number;
  /** USD per million output tokens. */
  outputPerMTok?: number;
}

/** The cost plan of a run: what it sends and may cost. */
export interface CostPlan {
  /** Instances to send (already-done ones excluded). */
  instances: number;
  /** Instances that cannot fit the context window (recorded as skipped, not sent). */
  skipped: number;
  /** Counted prompt tokens of the instances to send. */
  promptTokens: number;
  /** Output tokens assumed for the expected cost (per call: min(max tokens, 1,024), a typical patch answer). */
  expectedOutputTokens: number;
  /** Output tokens of the worst case (per call: max tokens). */
  worstOutputTokens: number;
  /** Expected USD; undefined when the model is unpriced. */
  expectedUsd?: number;
  /** Worst-case USD (what a budget reserves); undefined when the model is unpriced. */
  worstUsd?: number;
  /** Token counting method. */
  countMethod: "exact" | "estimate";
  /** How the prompt tokens were counted: the model's own tokenizer, or the provider's API (Anthropic `count_tokens`). */
  countSource: "tokenizer" | "api";
  /** Relative error bound of an estimate (0.25 = may be off by 25 %); 0 when exact. */
  errorBound: number;
}

/** Output tokens per call assumed for the *expected* cost (typical SWE-bench patch answers are a few hundred). */
export const EXPECTED_OUTPUT_TOKENS = 1024;

/** Options of {@linkcode planCost} and {@linkcode planCostAlongside}. */
export interface PlanCostOptions {
  maxTokens: number;
  contextWindow?: number;
  countTokens: (text: string) => number;
  prices: PlanPrices;
  exact?: boolean;
  /** Relative error bound of the counter when not exact (default 0.25). */
  errorBound?: number;
  /**
   * Whole-request prompt counts from the provider's API (instance id -> tokens, framing included), e.g.
   * Anthropic's `count_tokens`: used instead of the local count where given, and the plan says "exact".
   */
  apiCounts?: ReadonlyMap<string, number>;
  /** Tokens the chat format adds per call (system + user message framing), counted into promptTokens. */
  framingTokens?: number;
  /**
   * The budget's reservation for one call (prompt text tokens, max tokens): when given, the worst case is the sum
   * of what the budget will reserve, so a `--max-cost` equal to the printed worst case never stops the run.
   */
  reserve?: (promptTokens: number, maxTokens: number) => number | undefined;
  /** Receives each instance's whole-prompt count, so the run can reuse it instead of counting again. */
  onCount?: (instanceId: string, fullTokens: number) => void;
}

/** A plan being made one instance at a time: {@linkcode planCost} all at once, {@linkcode planCostAlongside} in slices. */
function planAccumulator(options: PlanCostOptions): {
  add(inst: SwebenchInstance): void;
  result(): CostPlan;
} {
  let promptTokens = 0, sent = 0, skipped = 0, fromApi = 0;
  let reserved: number | undefined = 0;
  return {
    add(inst) {
      const p = buildPrompt(inst, {
        contextWindow: options.contextWindow,
        maxTokens: options.maxTokens,
        countTokens: options.countTokens,
      });
      if ("skipped" in p) {
        skipped++;
        return;
      }
      options.onCount?.(inst.instance_id, p.fullTokens);
      sent++;
      const counted = options.apiCounts?.get(inst.instance_id);
      if (counted !== undefined) fromApi++;
      promptTokens += counted ?? p.promptTokens + (options.framingTokens ?? 0);
      if (options.reserve && reserved !== undefined) {
        const r = options.reserve(p.promptTokens, options.maxTokens);
        reserved = r === undefined ? undefined : reserved + r;
      }
    },
    result() {
      // Counted by the API for every prompt sent: exact whatever the local tokenizer.
      const api = sent > 0 && fromApi === sent;
      const exact = api || options.exact !== false;
      const expectedOutputTokens = sent * Math.min(options.maxTokens, EXPECTED_OUTPUT_TOKENS);
      const worstOutputTokens = sent * options.maxTokens;
      const { inputPerMTok: inP, outputPerMTok: outP } = options.prices;
      const priced = inP !== undefined && outP !== undefined;
      return {
        instances: sent,
        skipped,
        promptTokens,
        expectedOutputTokens,
        worstOutputTokens,
        expectedUsd: priced ? (promptTokens * inP + expectedOutputTokens * outP) / 1e6 : undefined,
        worstUsd: options.reserve
          ? reserved
          : priced
          ? (promptTokens * inP + worstOutputTokens * outP) / 1e6
          : undefined,
        countMethod: exact ? "exact" : "estimate",
        countSource: api ? "api" : "tokenizer",
        errorBound: exact ? 0 : options.errorBound ?? 0.25,
      };
    },
  };
}

/**
 * Count the prompts of a selection and price them. Prompts are built and dropped one at a time (memory stays flat).
 *
 * @example
 * ```ts
 * import { planCost } from "@swebench/runner/lib";
 * const plan = planCost([], { maxTokens: 4096, countTokens: (t: string) => t.length / 4, prices: {} });
 * console.log(plan.instances); // 0
 * ```
 */
export function planCost(instances: readonly SwebenchInstance[], options: PlanCostOptions): CostPlan {
  const plan = planAccumulator(options);
  for (const inst of instances) plan.add(inst);
  return plan.result();
}

/**
 * {@linkcode planCost} alongside a run: the same plan, counted in slices of at most `sliceMs` of CPU with a
 * macrotask between them, so that calls, answers and timers of the run go on while it counts (each count is handed
 * to `onCount` as it is made: a call whose prompt was counted ahead does not count it again). Each slice first
 * awaits `before` (the run's quiet moment, see {@linkcode planForAlongside}). Stops early, with the plan of what it
 * counted, when `signal` aborts.
 *
 * @example
 * ```ts
 * import { planCostAlongside } from "./cost_plan.ts";
 * const plan = await planCostAlongside([], { maxTokens: 4096, countTokens: (t) => t.length / 4, prices: {} });
 * plan.instances; // 0
 * ```
 */
export async function planCostAlongside(
  instances: readonly SwebenchInstance[],
  options: PlanCostOptions & { sliceMs?: number; signal?: AbortSignal; before?: () => Promise<void> },
): Promise<CostPlan> {
  const plan = planAccumulator(options);
  const sliceMs = options.sliceMs ?? 8;
  let next = 0;
  while (next < instances.length && !options.signal?.aborted) {
    await options.before?.();
    const sliceStart = performance.now();
    while (next < instances.length && !options.signal?.aborted) {
      plan.add(instances[next++]);
      if (performance.now() - sliceStart >= sliceMs) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return plan.result();
}

/**
 * Worst-case USD of one call: counted prompt tokens (inflated by the counter's error bound, plus chat framing) and
 * max tokens, at list price (long-context tiers included).
 */
export function reservationFor(
  target: Target,
): (promptTokens: number, maxTokens: number) => number | undefined {
  if (target.free) return () => 0;
  const bound = target.counting?.errorBound ?? 0.25;
  return (promptTokens, maxTokens) =>
    worstCaseCost(target.entry, Math.ceil(promptTokens * (1 + bound) + 64), maxTokens);
}

/** The {@linkcode PlanCostOptions} of a target. */
function planOptions(
  target: Target,
  options: { maxTokens: number; counts?: Map<string, number>; apiCounts?: ReadonlyMap<string, number> },
): PlanCostOptions {
  return {
    maxTokens: options.maxTokens,
    contextWindow: target.entry?.contextWindow,
    countTokens: target.countTokens,
    prices: target.free ? { inputPerMTok: 0, outputPerMTok: 0 } : {
      inputPerMTok: target.entry?.inputPerMTok,
      outputPerMTok: target.entry?.outputPerMTok,
    },
    exact: target.counting?.exact ?? false,
    errorBound: target.counting?.errorBound,
    apiCounts: options.apiCounts,
    framingTokens: target.counter
      ? target.counter.countChat([{ role: "system", content: "" }, { role: "user", content: "" }])
      : 0,
    reserve: reservationFor(target),
    onCount: options.counts ? (id, n) => options.counts!.set(id, n) : undefined,
  };
}

/** The cost plan of a target for these instances. */
export function planFor(
  target: Target,
  instances: readonly SwebenchInstance[],
  options: { maxTokens: number; counts?: Map<string, number>; apiCounts?: ReadonlyMap<string, number> },
): CostPlan {
  return planCost(instances, planOptions(target, options));
}

/**
 * {@linkcode planFor} counted alongside the run ({@linkcode planCostAlongside}): the counts go into `counts` as they
 * are made, in the order of `instances` (the order the run starts them), so the run's calls find theirs counted.
 * The count is the run's background work: it loads the counter's tables and counts each slice only once `before`
 * resolves (the run was quiet: see `quiet.ts`), so the calls and their answers go first.
 */
export async function planForAlongside(
  target: Target,
  instances: readonly SwebenchInstance[],
  options: {
    maxTokens: number;
    counts: Map<string, number>;
    signal?: AbortSignal;
    before?: () => Promise<void>;
  },
): Promise<CostPlan> {
  await options.before?.();
  if (options.signal?.aborted) return planCost([], planOptions(target, options));
  await target.loadCounter();
  return await planCostAlongside(instances, {
    ...planOptions(target, options),
    signal: options.signal,
    before: options.before,
  });
}

/**
 * Prompt counts from the provider's API for the prompts of a plan (instance id -> whole-request tokens): the
 * vendor's count endpoint (a codec whose `countTokens` is of type `api`: Anthropic's `count_tokens`; free, cached
 * per prompt) when a key is set. The first count goes alone: a rejected key stops here
 * (exit 3, naming the variable) after one request. `undefined` without a key, for other providers, or offline
 * (the plan then states an estimate with its bound).
 */
export async function apiPromptCounts(
  target: Target,
  instances: readonly SwebenchInstance[],
  options: { maxTokens: number; concurrency?: number },
): Promise<Map<string, number> | undefined> {
  const provider = target.providers[0];
  if (
    !countsTokensByApi(target.settings.kind) || target.settings.apiKeys.length === 0 || !provider.countTokens
  ) {
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
          hint: target.settings.authHint ?? err.hint,
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
