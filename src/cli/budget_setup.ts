/**
 * The run's budget (`--max-cost`), shared by every model of a run.
 *
 * @module
 */

/** Placeholder until the resilience layer's Budget lands. */
export function createSharedBudget(maxUsd: number | undefined): { maxUsd: number } | undefined {
  return maxUsd === undefined ? undefined : { maxUsd };
}
