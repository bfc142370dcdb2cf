/**
 * The budget (docs/architecture.md#resilience, step 1): reserve a call's worst-case cost before it starts, settle to the billed cost after.
 * A call whose reservation would pass the ceiling is never started, so the total spend never passes `--max-cost`
 * (LiteLLM and SWE-bench's own script check after the call and overshoot by one request; this does not).
 * A reservation that does not fit while other calls are in flight waits for them to settle
 * ({@linkcode Budget.reserveWhenFree}): their worst cases are usually far above what they bill, so the room comes
 * back; the run stops only when nothing in flight can free enough room.
 *
 * Accounting is in integer units of 1e-10 USD (reservations and actual costs rounded up, the ceiling rounded to
 * the nearest unit), so sums carry no floating-point drift.
 *
 * What to do with a reservation when the call fails:
 * - an HTTP error response (4xx/5xx) bills nothing: {@linkcode Budget.release};
 * - a call that may have reached the model (dropped connection, timeout, stream cut or error event after 200)
 *   may still be billed, and its usage is unknown: {@linkcode Budget.keep} books the whole reservation (the
 *   worst case) as spent — conservative: the budget may stop a run a little early, never late;
 * - a call whose usage is known: {@linkcode Budget.settle} with its cost.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import { formatUsd } from "../core/format.ts";

/** USD per accounting unit. */
const UNIT = 1e-10;
const UNITS_PER_USD = 1e10;

/**
 * Options of {@linkcode Budget}.
 *
 * @example
 * ```ts
 * import { Budget, type BudgetOptions } from "./budget.ts";
 * const global = new Budget({ maxUsd: 10, name: "global" });
 * const options: BudgetOptions = { maxUsd: 4, name: "anthropic", parent: global };
 * ```
 */
export interface BudgetOptions {
  /** The ceiling in USD (`--max-cost`, or a provider's `maxCost` in the config file). */
  maxUsd: number;
  /** Name used in messages (`global`, `openai`); default `budget`. */
  name?: string;
  /**
   * An enclosing budget (the global one around a per-provider one): every reservation must fit both, and is
   * settled or released in both.
   */
  parent?: Budget;
  /**
   * USD already spent before this budget was made (earlier runs of the same predictions file, from its run log):
   * booked as spent from the start, so `maxUsd` holds across resumes.
   */
  spentUsd?: number;
}

/** State of a {@linkcode Reservation}. */
export type ReservationState = "open" | "settled" | "released";

interface ReservationInternal {
  units: number;
  state: ReservationState;
  budget: Budget;
  parent?: Reservation;
}

const internals = new WeakMap<Reservation, ReservationInternal>();

/**
 * Money set aside for one call by {@linkcode Budget.reserve}. Settle or release it exactly once; a second
 * settle/release is ignored.
 *
 * @example
 * ```ts
 * import { Budget } from "./budget.ts";
 * const budget = new Budget({ maxUsd: 1 });
 * const r = budget.reserve(0.25, "django__django-11099");
 * console.log(r.usd, r.state); // 0.25 "open"
 * budget.settle(r, 0.01);
 * console.log(r.state); // "settled"
 * ```
 */
export class Reservation {
  /** The reserved amount (USD, as asked). */
  readonly usd: number;
  /** What the reservation is for (instance id, model), for messages. */
  readonly label?: string;

  /** Created by {@linkcode Budget.reserve} only. */
  constructor(usd: number, label: string | undefined, internal: ReservationInternal) {
    this.usd = usd;
    this.label = label;
    internals.set(this, internal);
  }

  /** `open` until settled or released. */
  get state(): ReservationState {
    return internals.get(this)?.state ?? "released";
  }
}

function toUnits(usd: number, round: (n: number) => number): number {
  return round(usd * UNITS_PER_USD);
}

function validAmount(usd: number, what: string): number {
  if (typeof usd !== "number" || !Number.isFinite(usd) || usd < 0) {
    throw new SwebenchError("unexpected", `budget: invalid ${what} ${usd} (must be a finite amount >= 0)`);
  }
  return usd;
}

/**
 * A spending ceiling with reservations.
 *
 * @example
 * ```ts
 * import { Budget } from "./budget.ts";
 * const global = new Budget({ maxUsd: 5, name: "global" });
 * const openai = new Budget({ maxUsd: 2, name: "openai", parent: global });
 * const r = openai.reserve(0.12, "astropy__astropy-12907"); // throws kind "budget" when it does not fit
 * // ... the call ...
 * openai.settle(r, 0.031);
 * console.log(global.spent, openai.remaining);
 * ```
 */
export class Budget {
  /** Name used in messages. */
  readonly name: string;
  /** The enclosing budget, if any. */
  readonly parent?: Budget;
  #maxUnits: number;
  #maxUsd: number;
  #spent = 0;
  #prior = 0;
  #reserved = 0;
  #overrun = 0;
  #refused = 0;
  #open = 0;
  #waiters: Array<() => void> = [];

  /** Create a budget of `options.maxUsd`. */
  constructor(options: BudgetOptions) {
    this.#maxUsd = validAmount(options.maxUsd, "maximum cost");
    this.#maxUnits = toUnits(this.#maxUsd, Math.round);
    this.name = options.name ?? "budget";
    this.parent = options.parent;
    this.#prior = toUnits(validAmount(options.spentUsd ?? 0, "earlier spend"), Math.ceil);
    this.#spent = this.#prior;
  }

  /** USD spent before this budget was made (see {@linkcode BudgetOptions.spentUsd}). */
  get spentBeforeUsd(): number {
    return this.#prior * UNIT;
  }
  /** USD spent by this run (spent minus spent before). */
  get spentThisRunUsd(): number {
    return (this.#spent - this.#prior) * UNIT;
  }

  /** The ceiling in USD. */
  get maxUsd(): number {
    return this.#maxUsd;
  }
  /** USD spent (earlier runs, settled calls, and kept reservations of calls that may have been billed). */
  get spent(): number {
    return this.#spent * UNIT;
  }
  /** USD reserved by calls in flight. */
  get reserved(): number {
    return this.#reserved * UNIT;
  }
  /** USD neither spent nor reserved (never negative). */
  get remaining(): number {
    return Math.max(0, this.#maxUnits - this.#spent - this.#reserved) * UNIT;
  }
  /**
   * USD billed beyond reservations (a call that cost more than its worst-case estimate: an estimator that was
   * not a worst case, e.g. cache-write rates above the input rate). 0 when every estimate held.
   */
  get overrunUsd(): number {
    return this.#overrun * UNIT;
  }
  /** Reservations refused so far. */
  get refused(): number {
    return this.#refused;
  }
  /** Reservations open now. */
  get openReservations(): number {
    return this.#open;
  }

  /** True when a reservation of `usd` would fit this budget and every parent. */
  canReserve(usd: number): boolean {
    const units = toUnits(validAmount(usd, "reservation"), Math.ceil);
    return this.#fits(units) && (this.parent?.canReserve(usd) ?? true);
  }

  #fits(units: number): boolean {
    return this.#spent + this.#reserved + units <= this.#maxUnits;
  }

  /**
   * Reserve `usd` (a call's worst case) before starting the call. Throws {@linkcode SwebenchError} kind
   * `budget` when spent + reserved + `usd` would pass the ceiling of this budget or of a parent: the call must
   * not start.
   */
  reserve(usd: number, label?: string): Reservation {
    const units = toUnits(validAmount(usd, "reservation"), Math.ceil);
    const blocker = this.#firstBlocker(units);
    if (blocker !== undefined) {
      this.#refused++;
      if (blocker !== this) blocker.#refused++;
      throw blocker.#refusal(usd, label);
    }
    const parent = this.parent?.reserve(usd, label);
    this.#reserved += units;
    this.#open++;
    return new Reservation(usd, label, { units, state: "open", budget: this, parent });
  }

  /**
   * Reserve `usd`, waiting while it does not fit but calls in flight may free room: when a reservation that
   * blocks it settles below its worst case (or is released), it is tried again. Throws the refusal (kind
   * `budget`) only when nothing in flight can free enough room — what is already spent plus `usd` passes the
   * ceiling (spent never goes down). Rejects with `signal`'s reason when `signal` aborts while waiting.
   *
   * @example
   * ```ts
   * import { Budget } from "./budget.ts";
   * const b = new Budget({ maxUsd: 1 });
   * const first = b.reserve(0.8, "a");
   * const second = b.reserveWhenFree(0.5, "b"); // waits: 0.8 is reserved, but may settle lower
   * b.settle(first, 0.1);
   * console.log((await second).usd); // 0.5
   * ```
   */
  async reserveWhenFree(usd: number, label?: string, signal?: AbortSignal): Promise<Reservation> {
    const units = toUnits(validAmount(usd, "reservation"), Math.ceil);
    while (true) {
      signal?.throwIfAborted();
      const blocker = this.#firstBlocker(units);
      // Nothing in flight can make room: the spent part alone leaves too little (reserve throws the refusal).
      if (blocker === undefined || blocker.#spent + units > blocker.#maxUnits || blocker.#open === 0) {
        return this.reserve(usd, label);
      }
      await blocker.#nextChange(signal);
    }
  }

  /** Resolves at the next settle or release of this budget; rejects when `signal` aborts. */
  #nextChange(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        reject(signal?.reason);
      };
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.#waiters.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #changed(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Calls waiting in {@linkcode Budget.reserveWhenFree} for room in this budget. */
  get waiting(): number {
    return this.#waiters.length;
  }

  #firstBlocker(units: number): Budget | undefined {
    const up = this.parent === undefined ? undefined : this.parent.#firstBlocker(units);
    if (up !== undefined) return up;
    return this.#fits(units) ? undefined : this;
  }

  #refusal(usd: number, label: string | undefined): SwebenchError {
    const what = label ? ` (${label})` : "";
    return new SwebenchError(
      "budget",
      `${this.name} budget: the next call${what} may cost up to ${
        formatUsd(usd)
      }, which would pass the ceiling of ${formatUsd(this.maxUsd)} (${formatUsd(this.spent)} spent${
        this.#prior > 0 ? `, ${formatUsd(this.spentBeforeUsd)} of it by earlier runs of this file` : ""
      }, ${formatUsd(this.reserved)} reserved by calls in flight).`,
      {
        hint:
          "Raise --max-cost (or the provider's maxCost in the config file); finished predictions are kept and the next run resumes.",
      },
    );
  }

  /**
   * Settle a reservation to the call's billed cost. A lower cost frees the difference; a higher one (the
   * estimate was not a worst case) is booked too and counted in {@linkcode Budget.overrunUsd}: later
   * reservations see it. `undefined` or an invalid cost keeps the whole reservation (conservative).
   */
  settle(reservation: Reservation, actualUsd: number | undefined): void {
    const r = internals.get(reservation);
    if (r === undefined || r.state !== "open" || r.budget !== this) return;
    const units = typeof actualUsd === "number" && Number.isFinite(actualUsd) && actualUsd >= 0
      ? toUnits(actualUsd, Math.ceil)
      : r.units;
    this.#reserved -= r.units;
    this.#spent += units;
    if (units > r.units) this.#overrun += units - r.units;
    this.#open--;
    r.state = "settled";
    if (r.parent) this.parent?.settle(r.parent, actualUsd);
    this.#changed();
  }

  /** Book the whole reservation as spent: the call may have been billed and its usage is unknown. */
  keep(reservation: Reservation): void {
    this.settle(reservation, undefined);
  }

  /** Give a reservation back unspent: the call failed without being billed (an HTTP error response). */
  release(reservation: Reservation): void {
    const r = internals.get(reservation);
    if (r === undefined || r.state !== "open" || r.budget !== this) return;
    this.#reserved -= r.units;
    this.#open--;
    r.state = "released";
    if (r.parent) this.parent?.release(r.parent);
    this.#changed();
  }

  /** A JSON summary (for the run summary). */
  toJSON(): BudgetSummary {
    return {
      name: this.name,
      maxUsd: this.maxUsd,
      spentUsd: this.spent,
      spentBeforeUsd: this.spentBeforeUsd,
      spentThisRunUsd: this.spentThisRunUsd,
      reservedUsd: this.reserved,
      remainingUsd: this.remaining,
      overrunUsd: this.overrunUsd,
      refused: this.refused,
    };
  }
}

/**
 * What {@linkcode Budget.toJSON} reports.
 *
 * @example
 * ```ts
 * import { Budget, type BudgetSummary } from "./budget.ts";
 * const summary: BudgetSummary = new Budget({ maxUsd: 5 }).toJSON();
 * console.log(summary.spentUsd, summary.remainingUsd);
 * ```
 */
export interface BudgetSummary {
  /** Budget name. */
  name: string;
  /** Ceiling. */
  maxUsd: number;
  /** Spent so far (earlier runs included). */
  spentUsd: number;
  /** Spent by earlier runs of the same predictions file (from its run log). */
  spentBeforeUsd: number;
  /** Spent by this run. */
  spentThisRunUsd: number;
  /** Reserved by calls in flight. */
  reservedUsd: number;
  /** Neither spent nor reserved. */
  remainingUsd: number;
  /** Billed beyond reservations. */
  overrunUsd: number;
  /** Reservations refused. */
  refused: number;
}
