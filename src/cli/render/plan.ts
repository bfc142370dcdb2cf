/**
 * The plan a run prints before anything is sent: instances, prompt tokens and how they were counted, expected and
 * worst-case cost, deprecated models, what earlier runs of the file spent.
 *
 * @module
 */
import { formatCount } from "../../core/format.ts";
import { deprecationNotice } from "../../providers/catalog.ts";
import { samplingNote } from "../../providers/registry.ts";
import type { Budget } from "../../resilience/budget.ts";
import type { CostPlan } from "../../run/cost_plan.ts";
import type { Target } from "../../run/target.ts";
import { plural, style } from "../output.ts";
import { formatUsd } from "../progress.ts";

/** How a plan's prompt tokens were counted, in words: `exact`, `exact, counted by the provider's API`, `estimate, ±25%`. */
export function countLabel(plan: CostPlan): string {
  if (plan.countSource === "api") return "exact, counted by the provider's API";
  if (plan.countMethod === "exact") return "exact";
  return `estimate, ±${Math.round(plan.errorBound * 100)}%`;
}

/** A warning line for a model whose end of life is past or within 30 days (naming its successor), if any. */
export function deprecationLine(target: Target, now: Date = new Date()): string | undefined {
  const n = deprecationNotice(target.entry, target.model, now);
  if (!n) return undefined;
  const text = n.successor
    ? n.message.replace(/\.$/, ` (-m ${n.successor}).`)
    : `${n.message} \`swebench provider models ${target.settings.name}\` lists the current models.`;
  return style.yellow(`  warning: ${text}`);
}

/**
 * The plan's notes on one model of a chain: a deprecation warning, and that the run's temperature is not sent
 * (with why, and how to send it where that is possible).
 */
export function targetLines(target: Target, temperature: number, now: Date = new Date()): string[] {
  const lines: string[] = [];
  const deprecated = deprecationLine(target, now);
  if (deprecated) lines.push(deprecated);
  const sampling = samplingNote(
    target.settings.kind,
    target.model,
    target.settings.settings ?? {},
    temperature,
  );
  if (sampling) lines.push(style.dim(`  ${target.settings.name}:${target.model}: ${sampling}`));
  return lines;
}

/** Print a plan (stderr) in a few lines. */
export function describePlan(label: string, plan: CostPlan, alreadyDone: number): string[] {
  const priced = plan.worstUsd !== undefined;
  return [
    `${style.bold("Plan")}: ${plural(plan.instances, "instance")} through ${label}` +
    (alreadyDone ? ` (${alreadyDone} already done)` : "") +
    (plan.skipped ? `, ${plan.skipped} too long (skipped)` : ""),
    `  prompt tokens: ${formatCount(plan.promptTokens)} (${countLabel(plan)})`,
    priced
      ? `  cost: expected ${formatUsd(plan.expectedUsd)}, worst case ${formatUsd(plan.worstUsd)}`
      : unpricedCostLine(),
  ];
}

/** The plan's cost line of a model without a price (known before anything is counted). */
export function unpricedCostLine(): string {
  return `  cost: ${
    style.yellow("unknown")
  } (the model has no price: add it under "models" in the config file, or name the catalog model it runs ` +
    `with "priceAs" in its provider's entry)`;
}

/**
 * The plan of a run that starts at once (no confirmation needed): what it sends, and why it did not wait for the
 * count; the cost comes with {@linkcode describeCountedPlan} once every prompt is counted.
 *
 * @example
 * ```ts
 * import { describeStartedPlan } from "./plan.ts";
 * describeStartedPlan("openai:gpt-4o-mini", 300, 0, "-y").endsWith("the prompts are counted alongside the calls"); // true
 * ```
 */
export function describeStartedPlan(label: string, todo: number, alreadyDone: number, why: string): string {
  return `${style.bold("Plan")}: ${plural(todo, "instance")} through ${label}` +
    (alreadyDone ? ` (${alreadyDone} already done)` : "") +
    `; started at once (${why}): the prompts are counted alongside the calls`;
}

/** The plan counted alongside the calls, shown above the progress once complete. */
export function describeCountedPlan(label: string, plan: CostPlan): string[] {
  return [
    // Short: printed above the live line of a terminal that may be narrow (the model is on the plan's first line).
    "plan, counted alongside the calls:" + (plan.skipped ? ` ${plan.skipped} too long (skipped)` : ""),
    ...describePlan(label, plan, 0).slice(1),
  ];
}

/** The plan's budget line when earlier runs spent something (stderr), e.g. before a resume. */
export function describeEarlierSpend(budget: Budget | undefined, file: string): string | undefined {
  if (budget === undefined || budget.spentBeforeUsd === 0) return undefined;
  return `  budget: --max-cost ${formatUsd(budget.maxUsd)} covers every run of ${file}: ` +
    `${formatUsd(budget.spentBeforeUsd)} spent before, ${formatUsd(budget.remaining)} left`;
}
