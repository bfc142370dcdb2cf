/**
 * The batch engine shared by the OpenAI Batch API and Anthropic Message Batches simulators: the store of batches,
 * the clock (poll steps, `stepMs`, the completion window), per-request outcomes, pages of lists, faults on the
 * batch endpoints, and the {@linkcode BatchControl} handed to tests. Each vendor supplies its own state machine.
 *
 * @module
 */

import { plainResponse } from "./body.ts";
import type { HandlerContext, SimCore } from "./core.ts";
import type { BatchControl, BatchOutcome, Fault, SimOptions } from "./types.ts";

/** One request of a batch. */
export interface BatchEntry {
  /** 0-based position in the input. */
  index: number;
  /** The request's `custom_id`. */
  customId: string;
  /** OpenAI: the line's `body`; Anthropic: `params`. */
  // deno-lint-ignore no-explicit-any
  body: any;
  /** What the test asked to happen to it. */
  outcome: BatchOutcome;
  /** Set once the request has an end: its kind and the vendor's rendered result. */
  done?: { kind: "succeeded" | "errored" | "expired" | "canceled" | "timeout"; result: unknown };
}

/** What every vendor's batch record holds. */
export interface BatchBase {
  /** Batch id. */
  id: string;
  /** Creation time (ms, from the batch clock). */
  createdAt: number;
  /** End of the completion window (ms). */
  expiresAt: number;
  /** Steps taken so far. */
  steps: number;
  /** The requests, in input order. */
  entries: BatchEntry[];
}

/** A vendor's state machine. */
export interface BatchVendor<B extends BatchBase> {
  /** Take one step. */
  step(b: B): void;
  /** True once the batch can no longer change. */
  ended(b: B): boolean;
  /** The completion window closed: unfinished requests expire and the batch ends. */
  expire(b: B): void;
  /** Status as the vendor names it. */
  status(b: B): string;
}

/**
 * The batches of one simulator.
 *
 * @example
 * ```ts ignore
 * const store = new BatchStore(core, vendor);
 * ```
 */
export class BatchStore<B extends BatchBase> {
  /** Batches by id, in creation order. */
  readonly batches: Map<string, B> = new Map();
  readonly #core: SimCore<SimOptions>;
  readonly #vendor: BatchVendor<B>;

  /** A store for `core`'s options and `vendor`'s state machine. */
  constructor(core: SimCore<SimOptions>, vendor: BatchVendor<B>) {
    this.#core = core;
    this.#vendor = vendor;
  }

  /** The batch clock (ms). */
  now(): number {
    return this.#core.options.batch?.now?.() ?? Date.now();
  }

  /** The completion window (ms). */
  windowMs(): number {
    return this.#core.options.batch?.windowMs ?? 24 * 3600_000;
  }

  /** Outcome of a new request, from the `outcome` option (default succeeded). */
  outcomeOf(batchId: string, index: number, customId: string, body: unknown): BatchOutcome {
    return this.#core.options.batch?.outcome?.({ batchId, customId, index, body }) ?? { type: "succeeded" };
  }

  /** Add a new batch. */
  add(b: B): void {
    this.batches.set(b.id, b);
  }

  /** Bring a batch up to date with the clock (`stepMs` steps, then the window), and return it. */
  get(id: string): B | undefined {
    const b = this.batches.get(id);
    if (b) this.#sync(b);
    return b;
  }

  /** Every batch, newest first, each brought up to date. */
  newestFirst(): B[] {
    const all = [...this.batches.values()].reverse();
    for (const b of all) this.#sync(b);
    return all;
  }

  #sync(b: B): void {
    const stepMs = this.#core.options.batch?.stepMs;
    const now = this.now();
    if (stepMs !== undefined && stepMs > 0) {
      const target = Math.floor((now - b.createdAt) / stepMs);
      for (let guard = 0; b.steps < target && !this.#vendor.ended(b) && guard < 100_000; guard++) {
        this.#one(b);
      }
    }
    if (!this.#vendor.ended(b) && now >= b.expiresAt) this.#vendor.expire(b);
  }

  #one(b: B): void {
    if (this.#vendor.ended(b)) return;
    this.#vendor.step(b);
    b.steps++;
  }

  /** A retrieve of the batch: take `stepsPerPoll` steps (default 1) after answering is decided. */
  polled(b: B): void {
    const n = this.#core.options.batch?.stepsPerPoll ?? 1;
    for (let i = 0; i < n; i++) this.#one(b);
  }

  /**
   * Process the next requests of an in-progress batch (`requestsPerStep`, default all), skipping the ones whose
   * outcome is `expired`. Returns whether any request that can still run is left, and whether expired ones wait.
   */
  work(b: B, run: (e: BatchEntry) => void): { more: boolean; waitingToExpire: boolean } {
    const per = this.#core.options.batch?.requestsPerStep ?? Infinity;
    let n = 0;
    for (const e of b.entries) {
      if (n >= per) break;
      if (e.done || e.outcome.type === "expired") continue;
      run(e);
      n++;
    }
    return {
      more: b.entries.some((e) => !e.done && e.outcome.type !== "expired"),
      waitingToExpire: b.entries.some((e) => !e.done && e.outcome.type === "expired"),
    };
  }

  /** Test control over this store. */
  control(): BatchControl {
    const pick = (id?: string): B[] => {
      if (id === undefined) return [...this.batches.values()];
      const b = this.batches.get(id);
      if (!b) throw new Error(`no batch ${id} in the simulator`);
      return [b];
    };
    return {
      advance: (id, steps = 1) => {
        for (const b of pick(id)) for (let i = 0; i < steps; i++) this.#one(b);
      },
      finish: (id) => {
        for (const b of pick(id)) {
          for (let guard = 0; !this.#vendor.ended(b) && guard < 1_000_000; guard++) this.#one(b);
        }
      },
      expire: (id) => {
        for (const b of pick(id)) if (!this.#vendor.ended(b)) this.#vendor.expire(b);
      },
      list: () =>
        [...this.batches.values()].map((b) => ({
          id: b.id,
          status: this.#vendor.status(b),
          requests: b.entries.length,
        })),
    };
  }
}

/**
 * A page of `items` (newest first) after the item with id `after` (OpenAI `after`, Anthropic `after_id`), or the
 * page just before `before` (Anthropic `before_id`).
 *
 * @example
 * ```ts
 * pageOf([{ id: "a" }, { id: "b" }, { id: "c" }], { after: "a", limit: 1 }); // { data: [{ id: "b" }], hasMore: true }
 * ```
 */
export function pageOf<T extends { id: string }>(
  items: T[],
  q: { after?: string | null; before?: string | null; limit: number },
): { data: T[]; hasMore: boolean } {
  if (q.before) {
    const end = Math.max(0, items.findIndex((x) => x.id === q.before));
    const start = Math.max(0, end - q.limit);
    return { data: items.slice(start, end), hasMore: start > 0 };
  }
  const start = q.after ? items.findIndex((x) => x.id === q.after) + 1 : 0;
  const data = items.slice(start, start + q.limit);
  return { data, hasMore: start + q.limit < items.length };
}

/** `limit` query parameter within [1, max], default `def`. */
export function limitOf(url: URL, def: number, max: number): number {
  const n = Number(url.searchParams.get("limit") ?? def);
  return Number.isFinite(n) ? Math.min(max, Math.max(1, Math.floor(n))) : def;
}

/**
 * The fault plan of one batch-endpoint call: `before` is applied first (latency, status, and `drop` unless the
 * call creates something), `after` once the work is done (a create's `drop`; cut / stall / malformed bodies).
 *
 * @example
 * ```ts ignore
 * const plan = await batchFaults(core, ctx, true);
 * if (plan.early) return plan.early;
 * ```
 */
export async function batchFaults(
  core: SimCore<SimOptions>,
  ctx: HandlerContext,
  creates: boolean,
): Promise<{ fault?: Fault; early?: Response; status?: Extract<Fault, { type: "status" }> }> {
  const fault = core.beginBatchCall(ctx.log);
  const early = await core.prelude(
    ctx.log,
    creates && fault?.type === "drop" ? undefined : fault,
    ctx.signal,
  );
  if (early) return { fault, early };
  if (fault?.type === "status") return { fault, status: fault };
  return { fault };
}

/** Send a JSON body with a batch call's fault applied (a create's `drop` included). */
export function batchReply(
  core: SimCore<SimOptions>,
  ctx: HandlerContext,
  fault: Fault | undefined,
  status: number,
  headers: Headers,
  text: string,
  bytes?: Uint8Array,
): Response {
  if (fault?.type === "drop") return core.dropResponse(ctx.log);
  return plainResponse(core, { status, headers, text, bytes, fault }, ctx.signal);
}
