/**
 * The call layer the CLI hands to the batch runner: resilience (budget, rate limits, breaker, retries,
 * fallback) around the resolved targets.
 *
 * @module
 */
import { maskKey } from "../http/auth.ts";
import type { Budget } from "../resilience/budget.ts";
import type { CallFn } from "../resilience/call.ts";
import { ollamaConcurrency } from "../resilience/rate_limiter.ts";
import { type ChainEntry, createResilientCall, type ResilienceStats } from "../resilience/resilient_call.ts";
import type { Spend } from "../swebench/run_log.ts";
import { providerBudget } from "./budget_setup.ts";
import { env } from "./env.ts";
import { plural } from "./output.ts";
import { parseProviderModel } from "./options.ts";
import { formatUsd } from "./progress.ts";
import { reservationFor, type Target } from "./run_setup.ts";

/** `provider:model` entries of `--fallback` / the config file. */
export function parseFallbacks(items: readonly string[]): { provider: string; model?: string }[] {
  return items.map(parseProviderModel);
}

function chainEntry(
  t: Target,
  flags: { rpm?: number; tpm?: number },
  budget: Budget | undefined,
): ChainEntry {
  const rpm = flags.rpm ?? t.resolved.rpm;
  const tpm = flags.tpm ?? t.resolved.tpm;
  return {
    provider: t.providers.length === 1 ? t.providers[0] : t.providers,
    model: t.model,
    contextWindow: t.entry?.contextWindow,
    maxOutputTokens: t.entry?.maxOutputTokens,
    estimateCost: reservationFor(t),
    rateLimits: {
      name: t.resolved.name,
      rpm,
      tpm,
      ...(t.resolved.kind === "ollama"
        ? { maxConcurrent: ollamaConcurrency(env("OLLAMA_NUM_PARALLEL")) }
        : {}),
    },
    keyLabels: t.resolved.apiKeys.length > 1 ? t.resolved.apiKeys.map(maskKey) : undefined,
    budget,
  };
}

/** Summary lines of the resilience layer (only what happened). */
export function resilienceLines(s: ResilienceStats): string[] {
  const lines: string[] = [];
  if (s.rateLimited) {
    lines.push(`Rate limited: ${s.rateLimited} response(s) were 429; the limiter paused the key`);
  }
  if (s.fallbacks) lines.push(`Fallbacks: ${plural(s.fallbacks, "move")} to a later model of the chain`);
  // One line per endpoint: how often its breaker opened, why last, and its state now.
  const byEndpoint = new Map<string, { opened: number; reason?: string; state: string }>();
  for (const c of s.breakerChanges) {
    const e = byEndpoint.get(c.endpoint) ?? { opened: 0, state: c.from };
    if (c.to === "open") {
      e.opened++;
      e.reason = c.reason ?? e.reason;
    }
    e.state = c.to;
    byEndpoint.set(c.endpoint, e);
  }
  for (const [endpoint, e] of byEndpoint) {
    lines.push(
      `Circuit ${endpoint}: opened ${e.opened} time(s)${
        e.reason ? ` (last: ${e.reason})` : ""
      }; now ${e.state}`,
    );
  }
  if (s.keys.length > 1) {
    for (const k of s.keys) {
      lines.push(
        `Key ${k.label}: ${k.requests} requests, ${k.ok} ok, ${k.failed} failed` +
          (k.rateLimited ? `, ${k.rateLimited} rate limited` : "") +
          (k.disabled ? ` (disabled: ${k.disabled})` : ""),
      );
    }
  }
  if (s.budget) {
    const b = s.budget;
    lines.push(
      `Budget: ${formatUsd(b.spentBeforeUsd)} spent before, ${formatUsd(b.spentThisRunUsd)} this run, ` +
        `${formatUsd(b.remainingUsd)} left of ${
          formatUsd(b.maxUsd)
        } (--max-cost covers every run of this file)` +
        (b.refused ? `; ${b.refused} call(s) refused` : ""),
    );
  }
  return lines;
}

/** Build the call function and a stats reader for the summary. */
export function buildCall(options: {
  primary: Target;
  fallbacks: Target[];
  flags: { rpm?: number; tpm?: number };
  budget?: Budget;
  /** What earlier runs of the predictions file spent (per-provider budgets count it too). */
  spentBefore?: Spend;
  onNotice?: (message: string) => void;
}): { call: CallFn; stats: () => { lines: string[]; stats: ResilienceStats } } {
  const targets = [options.primary, ...options.fallbacks];
  // One budget per provider name (a config `maxCost`), shared by every chain entry of that provider.
  const perProvider = new Map<string, Budget | undefined>();
  const budgetOf = (t: Target) => {
    if (!perProvider.has(t.resolved.name)) {
      perProvider.set(t.resolved.name, providerBudget(t, options.budget, options.spentBefore));
    }
    return perProvider.get(t.resolved.name);
  };
  // --rpm/--tpm describe the primary provider's account; fallbacks use their own config values.
  const call = createResilientCall({
    chain: targets.map((t, i) => chainEntry(t, i === 0 ? options.flags : {}, budgetOf(t))),
    budget: options.budget,
  });
  return {
    call,
    stats: () => {
      const s = call.stats();
      return { lines: resilienceLines(s), stats: s };
    },
  };
}
