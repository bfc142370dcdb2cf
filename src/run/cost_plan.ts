/**
 * The plan shown before money is spent: instances, counted prompt tokens, expected and worst-case cost.
 *
 * @module
 */
import type { SwebenchInstance } from "../swebench/instance.ts";
import { buildPrompt } from "../swebench/prompt.ts";

/** Prices per million tokens of the model (undefined = unpriced). */
export interface PlanPrices {
  /** USD per million input tokens. */
  inputPerMTok?: number;
  /** USD per million output tokens. */
  outputPerMTok?: number;
}

/** The run plan. */
export interface RunPlan {
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

/**
 * Count the prompts of a selection and price them. Prompts are built and dropped one at a time (memory stays flat).
 *
 * @example
 * ```ts
 * import { planRun } from "@swebench/runner";
 * const plan = planRun([], { maxTokens: 4096, countTokens: (t: string) => t.length / 4, prices: {} });
 * console.log(plan.instances); // 0
 * ```
 */
export function planRun(
  instances: readonly SwebenchInstance[],
  options: {
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
  },
): RunPlan {
  let promptTokens = 0, sent = 0, skipped = 0, fromApi = 0;
  let reserved: number | undefined = 0;
  for (const inst of instances) {
    const p = buildPrompt(inst, {
      contextWindow: options.contextWindow,
      maxTokens: options.maxTokens,
      countTokens: options.countTokens,
    });
    if ("skipped" in p) skipped++;
    else {
      options.onCount?.(inst.instance_id, p.fullTokens);
      sent++;
      const counted = options.apiCounts?.get(inst.instance_id);
      if (counted !== undefined) fromApi++;
      promptTokens += counted ?? p.promptTokens + (options.framingTokens ?? 0);
      if (options.reserve && reserved !== undefined) {
        const r = options.reserve(p.promptTokens, options.maxTokens);
        reserved = r === undefined ? undefined : reserved + r;
      }
    }
  }
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
}
