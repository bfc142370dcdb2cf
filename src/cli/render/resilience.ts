/**
 * The summary lines of the resilience layer: rate limits, fallbacks, breakers, keys, budget (only what happened).
 *
 * @module
 */
import type { ResilienceStats } from "../../resilience/resilient_call.ts";
import { plural } from "../output.ts";
import { formatUsd } from "../progress.ts";

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
