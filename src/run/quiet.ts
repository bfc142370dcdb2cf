/**
 * The run's quiet moments: background work of a run (the plan counted alongside the calls) waits until no call has
 * started or ended for a while, so that the calls and their answers go first. Against a real API a call takes
 * seconds and the run is quiet most of the time, so the background work goes on at once; against a server that
 * answers in a millisecond it waits, and is dropped if the calls end first.
 *
 * @module
 */
import { sleep } from "../resilience/retry.ts";

/** How long nothing must happen before background work takes a turn (ms). */
export const QUIET_MS = 50;

/**
 * Tells when a run has been quiet: {@linkcode QuietWatch.touch} on every event of the run,
 * {@linkcode QuietWatch.wait} before each turn of background work.
 *
 * @example
 * ```ts
 * import { QuietWatch } from "./quiet.ts";
 * const quiet = new QuietWatch(5);
 * quiet.touch();
 * await quiet.wait(); // about 5 ms later
 * ```
 */
export class QuietWatch {
  #last = performance.now();
  /** Quiet after `quietMs` without a touch; every wait ends at once when `signal` aborts. */
  constructor(readonly quietMs: number = QUIET_MS, readonly signal?: AbortSignal) {}

  /** Something happened (a call started, answered, failed, was retried). */
  touch(): void {
    this.#last = performance.now();
  }

  /** Resolves once nothing touched the watch for `quietMs` (at once when the signal aborted). */
  async wait(): Promise<void> {
    while (!this.signal?.aborted) {
      const idle = performance.now() - this.#last;
      if (idle >= this.quietMs) return;
      await sleep(this.quietMs - idle, this.signal).catch(() => {});
    }
  }
}
