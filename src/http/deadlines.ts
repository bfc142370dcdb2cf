/**
 * Deadlines on one shared timer: the connect, total and idle timeouts of every request in flight, in a heap ordered
 * by time, with a single `setTimeout` armed for the earliest. Scheduling and cancelling a deadline costs a heap
 * operation instead of a timer each (with many requests in flight, most deadlines are cancelled long before they
 * are due). When no deadline is pending the timer is unref'd rather than cleared (it no longer keeps the process
 * alive, and firing with nothing due it just stops): one call after another then re-refs it instead of creating a
 * timer each.
 *
 * Internal to the HTTP layer (not exported by `mod.ts`).
 *
 * @module
 */

/** A scheduled deadline (see {@linkcode scheduleDeadline}); pass it to {@linkcode cancelDeadline}. */
export interface Deadline {
  /** When it is due, in `performance.now()` milliseconds. */
  readonly at: number;
  /** Called once when due, unless cancelled before. */
  readonly fire: () => void;
  /** Position in the heap; -1 once fired or cancelled. */
  index: number;
}

/** Longest delay a timer takes (a longer one would fire at once); a later deadline waits for a re-arm. */
const MAX_DELAY = 2_147_483_647;

const heap: Deadline[] = [];
type TimerId = ReturnType<typeof setTimeout>;
let timer: TimerId | undefined;
/** When the armed timer fires (Infinity: none armed). */
let timerAt = Infinity;
/** The armed timer keeps the process alive (false once unref'd for want of deadlines). */
let timerRefed = false;
/** Deno's timer ref/unref (absent elsewhere: then an idle timer is cleared). */
const timers =
  (globalThis as { Deno?: { refTimer?(id: TimerId): void; unrefTimer?(id: TimerId): void } }).Deno;
const canUnref = typeof timers?.unrefTimer === "function" && typeof timers?.refTimer === "function";

/**
 * Call `fire` at `at` (a `performance.now()` time), unless the returned deadline is cancelled before. `armAt`
 * (default `at`) makes the shared timer fire by then, for a deadline the caller will schedule then (so that doing
 * so does not re-arm the timer); a timer that fires with nothing due re-arms for the earliest deadline.
 *
 * @example
 * ```ts
 * import { cancelDeadline, scheduleDeadline } from "./deadlines.ts";
 * const d = scheduleDeadline(performance.now() + 5_000, () => console.log("timed out"));
 * cancelDeadline(d);
 * ```
 */
export function scheduleDeadline(at: number, fire: () => void, armAt: number = at): Deadline {
  const deadline: Deadline = { at, fire, index: heap.length };
  heap.push(deadline);
  up(deadline.index);
  const by = Math.min(at, armAt);
  if (by < timerAt) arm(by);
  else if (!timerRefed && timer !== undefined) {
    timers!.refTimer!(timer);
    timerRefed = true;
  }
  return deadline;
}

/**
 * Cancel a deadline (no effect once it fired or was cancelled). Once none is left the timer no longer keeps the
 * process alive.
 *
 * @example
 * ```ts
 * import { cancelDeadline, scheduleDeadline } from "./deadlines.ts";
 * cancelDeadline(scheduleDeadline(performance.now() + 1_000, () => {}));
 * ```
 */
export function cancelDeadline(deadline: Deadline | undefined): void {
  if (deadline === undefined || deadline.index < 0) return;
  remove(deadline);
  if (heap.length === 0 && timer !== undefined && timerRefed) {
    if (canUnref) {
      timers!.unrefTimer!(timer);
      timerRefed = false;
    } else {
      clearTimeout(timer);
      timer = undefined;
      timerAt = Infinity;
    }
  }
  // Otherwise the timer stays armed: if it fires before the next deadline is due, it re-arms.
}

function arm(at: number): void {
  if (timer !== undefined) clearTimeout(timer);
  timerAt = at;
  timerRefed = true;
  timer = setTimeout(onTimer, Math.min(MAX_DELAY, Math.max(0, at - performance.now())));
}

function onTimer(): void {
  timer = undefined;
  timerAt = Infinity;
  timerRefed = false;
  const now = performance.now();
  while (heap.length > 0 && heap[0].at <= now) {
    const due = heap[0];
    remove(due);
    try {
      due.fire();
    } catch (error) {
      // A deadline's own failure must not stop the others: report it asynchronously, as a timer callback would.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
  // A deadline scheduled by a callback may have armed the timer for later than the earliest one left.
  if (heap.length > 0 && heap[0].at < timerAt) arm(heap[0].at);
}

function remove(deadline: Deadline): void {
  const i = deadline.index;
  const last = heap.pop()!;
  deadline.index = -1;
  if (last === deadline) return;
  heap[i] = last;
  last.index = i;
  if (i > 0 && last.at < heap[(i - 1) >> 1].at) up(i);
  else down(i);
}

function up(i: number): void {
  const item = heap[i];
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent].at <= item.at) break;
    heap[i] = heap[parent];
    heap[i].index = i;
    i = parent;
  }
  heap[i] = item;
  item.index = i;
}

function down(i: number): void {
  const item = heap[i];
  const n = heap.length;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && heap[child + 1].at < heap[child].at) child++;
    if (heap[child].at >= item.at) break;
    heap[i] = heap[child];
    heap[i].index = i;
    i = child;
  }
  heap[i] = item;
  item.index = i;
}
