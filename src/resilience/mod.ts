/**
 * Resilience: budget, rate limiter, retries, circuit breaker, key pool and the resilient call layer that joins
 * them (docs/architecture.md#resilience).
 *
 * @module
 */
export * from "./call.ts";
export * from "./budget.ts";
export * from "./rate_limiter.ts";
export * from "./retry.ts";
export * from "./breaker.ts";
export * from "./key_pool.ts";
export * from "./resilient_call.ts";
export { formatUsd, formatWait } from "../core/format.ts";
