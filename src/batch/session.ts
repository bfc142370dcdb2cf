/**
 * One model's `--batch` run against its journal: open the journal (checking it belongs to this provider, base URL
 * and model), settle submissions a killed run left `submitting`, submit the instances not yet in a batch (split to
 * the API's limits, each journaled before it is sent), wait for every open batch, and hand each instance's result
 * to the caller, who writes it the way a normal run does. What is written where is the caller's; this module only
 * keeps the journal true, so that no instance is ever paid for twice.
 *
 * @module
 */
import { type CallOptions, SwebenchError, type UnifiedRequest } from "../core/mod.ts";
import type { BatchApi } from "./api.ts";
import { collectBatch, type CollectStats, type InstanceResult } from "./collect.ts";
import { assignCustomIds, customIdMapOf } from "./custom_id.ts";
import { type BatchJournal, JOURNAL_VERSION, type JournalSubmission, readJournal } from "./journal.ts";
import { type PollOptions, waitForBatches } from "./poll.ts";
import { splitBatches } from "./split.ts";
import {
  type JournalStore,
  journalStore,
  noteBatch,
  reconcileSubmission,
  sendSubmission,
  startSubmission,
} from "./submit.ts";
import type { BatchInfo } from "./types.ts";
import { utf8Length } from "./lines.ts";

/** Who a journal belongs to: a run's provider, batch wire, base URL and model. */
export type JournalOwner = Pick<BatchJournal, "provider" | "kind" | "baseUrl" | "model" | "settings">;

/**
 * The journal at `path`, or a new one (not yet written) for `owner`. A journal of another provider, base URL or
 * model that still lists open batches is a `config` error (those batches would never be collected); one whose
 * batches are all collected is replaced.
 *
 * @example
 * ```ts ignore
 * import { openJournal } from "./session.ts";
 * const store = await openJournal("preds.jsonl.batch.json", { provider: "openai", kind: "openai", baseUrl, model: "gpt-4o-mini" });
 * ```
 */
export async function openJournal(path: string, owner: JournalOwner): Promise<JournalStore> {
  const found = await readJournal(path);
  const fresh = (): BatchJournal => ({ version: JOURNAL_VERSION, ...owner, submissions: [] });
  if (found === undefined) return journalStore(path, fresh());
  const open = found.submissions.filter((s) => s.state !== "collected");
  const differs = (["provider", "baseUrl", "model"] as const).find((k) => found[k] !== owner[k]);
  if (differs !== undefined) {
    if (open.length === 0) return journalStore(path, fresh());
    throw new SwebenchError(
      "config",
      `the batch journal ${path} lists ${open.length} open batch(es) of ${found.provider}:${found.model} at ` +
        `${found.baseUrl}, not of this run (${owner.provider}:${owner.model} at ${owner.baseUrl})`,
      {
        hint: `Re-run with the journal's provider, model and base URL to collect them, or cancel them ` +
          `(\`swebench batch cancel ${path.replace(/\.batch\.json$/, "")}\`) and wait until they have ended.`,
      },
    );
  }
  return journalStore(path, found);
}

/**
 * Settle the submissions a killed run left `submitting` (journaled, create maybe sent): a batch found at the
 * provider is adopted; none found means none was made, and the submission is dropped (its instances are
 * submitted again with the others). Returns the submissions dropped.
 *
 * @example
 * ```ts ignore
 * import { settleSubmissions } from "./session.ts";
 * await settleSubmissions(api, store);
 * ```
 */
export async function settleSubmissions(
  api: BatchApi,
  store: JournalStore,
  call: CallOptions = {},
): Promise<JournalSubmission[]> {
  const dropped: JournalSubmission[] = [];
  for (const sub of store.journal.submissions.filter((s) => s.state === "submitting")) {
    const found = await reconcileSubmission(api, store, sub, call);
    if (found === undefined) dropped.push(sub);
  }
  if (dropped.length > 0) {
    store.journal.submissions = store.journal.submissions.filter((s) => !dropped.includes(s));
    await store.save();
  }
  return dropped;
}

/** One instance to submit: its request and the most it can cost at batch prices (undefined: unpriced). */
export interface BatchRequest {
  /** The instance. */
  instanceId: string;
  /** The request, as a normal call would send it. */
  request: UnifiedRequest;
  /** Worst-case USD at batch prices. */
  worstUsd?: number;
}

/**
 * Submit `requests` in as few batches as the API's limits allow: custom_ids assigned (safe for Anthropic's
 * pattern, reversible), items encoded like normal calls, split by count and bytes; each batch journaled before its
 * create is sent. Returns the created batches. A failure stops at that batch (the ones before keep running and are
 * journaled).
 *
 * @example
 * ```ts ignore
 * import { submitRequests } from "./session.ts";
 * const created = await submitRequests(api, store, [{ instanceId: "a", request }]);
 * ```
 */
export async function submitRequests(
  api: BatchApi,
  store: JournalStore,
  requests: readonly BatchRequest[],
  options: CallOptions & { onSubmitted?: (batch: BatchInfo, index: number, of: number) => void } = {},
): Promise<BatchInfo[]> {
  if (requests.length === 0) return [];
  const ids = assignCustomIds(requests.map((r) => r.instanceId));
  const items = requests.map((r) => api.encode(ids.customIdOf(r.instanceId)!, r.request));
  const slices = splitBatches(
    items.map(utf8Length),
    api.limits,
    (i) => `the request of ${requests[i].instanceId}`,
  );
  const created: BatchInfo[] = [];
  for (const [n, slice] of slices.entries()) {
    const part = requests.slice(slice.start, slice.end);
    const worst = part.reduce<number | undefined>(
      (sum, r) => (sum === undefined || r.worstUsd === undefined ? undefined : sum + r.worstUsd),
      0,
    );
    const sub = await startSubmission(store, {
      ids: part.map((r) => [ids.customIdOf(r.instanceId)!, r.instanceId]),
      bytes: slice.bytes,
      ...(worst === undefined ? {} : { worstUsd: worst }),
    });
    const batch = await sendSubmission(api, store, sub, items.slice(slice.start, slice.end), options);
    created.push(batch);
    options.onSubmitted?.(batch, n, slices.length);
  }
  return created;
}

/** Options of {@linkcode collectOpenBatches}. */
export interface CollectOptions extends Omit<PollOptions, "onUpdate"> {
  /** Every open batch as last seen (journal order), after each round of polls. */
  onUpdate?: (batches: BatchInfo[]) => void;
  /** Write one instance's result (the caller's predictions and run log). */
  onResult: (result: InstanceResult, batch: BatchInfo) => Promise<void>;
  /**
   * Results already written (a collection cut short by a crash) are not handed on again: the instance, and the
   * batch and custom_id of the result.
   */
  isDone?: (instanceId: string, from: { batchId: string; customId: string }) => boolean;
}

/**
 * Wait for every open batch of the journal and collect each: the results handed to `onResult` one instance at a
 * time, then the submission journaled `collected`. The journal records each batch's state as polls see it. A
 * caller abort stops the wait (`interrupted`; the batches keep running, a re-run collects them).
 *
 * @example
 * ```ts ignore
 * import { collectOpenBatches } from "./session.ts";
 * await collectOpenBatches(api, store, { onResult: async ({ instanceId, result }) => console.log(instanceId, result.type) });
 * ```
 */
export async function collectOpenBatches(
  api: BatchApi,
  store: JournalStore,
  options: CollectOptions,
): Promise<CollectStats> {
  const stats: CollectStats = { unknown: 0, repeated: 0, missing: 0 };
  const open = store.journal.submissions.filter((s) => s.state === "submitted" || s.state === "ended");
  if (open.length === 0) return stats;
  const byId = new Map(open.map((s) => [s.batchId!, s]));
  const ended = await waitForBatches(api, open.map((s) => s.batchId!), {
    ...options,
    onUpdate: (batches) => {
      for (const b of batches) noteBatch(byId.get(b.id)!, b);
      store.save().catch(() => {}); // the journal after the last round is saved below, failures included
      options.onUpdate?.(batches);
    },
  });
  await store.save();
  for (const batch of ended) {
    const sub = byId.get(batch.id)!;
    const ids = customIdMapOf(sub.ids);
    for await (const r of collectBatch(api, batch, ids, stats, options)) {
      if (options.isDone?.(r.instanceId, { batchId: batch.id, customId: r.result.customId })) continue;
      await options.onResult(r, batch);
    }
    sub.state = "collected";
    sub.collectedAt = new Date().toISOString();
    await store.save();
  }
  return stats;
}

/**
 * The most the open batches of a journal can still cost (their journaled worst cases); undefined when one is
 * unpriced.
 *
 * @example
 * ```ts
 * import { openWorstUsd } from "./session.ts";
 * openWorstUsd({ version: 1, provider: "openai", kind: "openai", baseUrl: "", model: "m", submissions: [] }); // 0
 * ```
 */
export function openWorstUsd(journal: BatchJournal): number | undefined {
  let sum: number | undefined = 0;
  for (const s of journal.submissions) {
    if (s.state === "collected") continue;
    sum = sum === undefined || s.worstUsd === undefined ? undefined : sum + s.worstUsd;
  }
  return sum;
}
