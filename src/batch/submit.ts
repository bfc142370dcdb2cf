/**
 * Submitting a batch under the journal, so that a crash at any moment never pays twice for one instance:
 *
 * 1. {@linkcode startSubmission}: the submission (tag, custom_id map, size) is journaled as `submitting` before
 *    anything is sent;
 * 2. {@linkcode sendSubmission}: the create request; its answer is journaled (`submitted`, the batch id). A create
 *    the API refused (a 4xx) leaves the journal without the submission; a create whose answer was lost
 *    (connection, timeout, 5xx) is looked for at once ({@linkcode BatchApi.findLost}) and adopted when found, else
 *    left `submitting` for the next run;
 * 3. {@linkcode reconcileSubmission}: what a resumed run does with a `submitting` submission: adopt the batch the
 *    lost answer made, or learn that none was made (then the same submission is sent again).
 *
 * @module
 */
import { type CallOptions, SwebenchError, toSwebenchError } from "../core/mod.ts";
import type { BatchApi } from "./api.ts";
import { type BatchJournal, type JournalSubmission, newTag, writeJournal } from "./journal.ts";
import type { BatchInfo } from "./types.ts";

/**
 * A journal in memory with its file: `save()` writes it (atomically; saves are queued, never interleaved).
 *
 * @example
 * ```ts ignore
 * import { journalStore } from "./submit.ts";
 * const store = journalStore("predictions/a.jsonl.batch.json", journal);
 * await store.save();
 * ```
 */
export interface JournalStore {
  /** The journal's path. */
  readonly path: string;
  /** The journal (mutated in place, then saved). */
  readonly journal: BatchJournal;
  /** Write the journal as it is now. */
  save(): Promise<void>;
}

/**
 * A {@linkcode JournalStore} over `journal`, written to `path`.
 *
 * @example
 * ```ts ignore
 * import { journalStore } from "./submit.ts";
 * const store = journalStore(path, { version: 1, provider: "openai", kind: "openai", baseUrl, model, submissions: [] });
 * ```
 */
export function journalStore(path: string, journal: BatchJournal): JournalStore {
  let queue: Promise<void> = Promise.resolve();
  return {
    path,
    journal,
    save() {
      const next = queue.then(() => writeJournal(path, journal));
      queue = next.catch(() => {});
      return next;
    },
  };
}

/**
 * Update a submission from the API's view of its batch: the id, status and counts; `submitting` becomes
 * `submitted`, and an ended batch makes it `ended` (with how, when, and its validation errors).
 *
 * @example
 * ```ts ignore
 * import { noteBatch } from "./submit.ts";
 * noteBatch(sub, await api.retrieve(sub.batchId!));
 * await store.save();
 * ```
 */
export function noteBatch(sub: JournalSubmission, info: BatchInfo): void {
  sub.batchId = info.id;
  sub.status = info.status;
  sub.counts = info.counts;
  if (sub.state === "submitting") {
    sub.state = "submitted";
    sub.submittedAt = new Date().toISOString();
  }
  if (info.state === "ended" && sub.state === "submitted") {
    sub.state = "ended";
    sub.ending = info.ending;
    sub.endedAt = new Date(info.endedAt ?? Date.now()).toISOString();
    if (info.lineErrors.length > 0) sub.lineErrors = info.lineErrors;
  }
}

/**
 * Journal a new submission as `submitting` (before anything is sent) and return it.
 *
 * @example
 * ```ts ignore
 * import { startSubmission } from "./submit.ts";
 * const sub = await startSubmission(store, { ids: ids.pairs(), bytes: 10240 });
 * ```
 */
export async function startSubmission(
  store: JournalStore,
  input: { ids: [string, string][]; bytes: number; worstUsd?: number },
): Promise<JournalSubmission> {
  const sub: JournalSubmission = {
    tag: newTag(),
    state: "submitting",
    startedAt: new Date().toISOString(),
    requests: input.ids.length,
    bytes: input.bytes,
    ids: input.ids,
    ...(input.worstUsd === undefined ? {} : { worstUsd: input.worstUsd }),
  };
  store.journal.submissions.push(sub);
  await store.save();
  return sub;
}

/** The API answered the create with a refusal: nothing was created. */
function refused(error: SwebenchError): boolean {
  if (error.status !== undefined) return error.status >= 400 && error.status < 500;
  // Failures before any request was sent.
  return ["config", "permission", "usage", "authentication"].includes(error.kind);
}

/**
 * Send a journaled `submitting` submission (its `items` in the order of its ids) and journal the answer. A refused
 * create removes the submission from the journal and throws; a lost answer is looked for, then adopted or left
 * `submitting` (the error is thrown, with a hint that re-running the command resumes safely).
 *
 * @example
 * ```ts ignore
 * import { sendSubmission } from "./submit.ts";
 * const batch = await sendSubmission(api, store, sub, items, { signal });
 * ```
 */
export async function sendSubmission(
  api: BatchApi,
  store: JournalStore,
  sub: JournalSubmission,
  items: readonly string[],
  call: CallOptions = {},
): Promise<BatchInfo> {
  let info: BatchInfo;
  try {
    info = await api.create(items, {
      ...call,
      tag: sub.tag,
      onUploaded: async (fileId) => {
        sub.inputFileId = fileId;
        await store.save();
      },
    });
  } catch (cause) {
    const error = toSwebenchError(cause);
    if (refused(error)) {
      const at = store.journal.submissions.indexOf(sub);
      if (at >= 0) store.journal.submissions.splice(at, 1);
      await store.save();
      throw error;
    }
    if (!call.signal?.aborted) {
      const found = await reconcileSubmission(api, store, sub, call).catch(() => undefined);
      if (found) return found;
    }
    throw new SwebenchError(error.kind, error.message, {
      provider: error.provider ?? api.provider,
      status: error.status,
      code: error.code,
      requestId: error.requestId,
      cause: error,
      hint: "The batch may or may not have been created. Re-run the same command: it looks for this batch " +
        `(tag ${sub.tag}) before submitting anything again.`,
    });
  }
  noteBatch(sub, info);
  await store.save();
  return info;
}

/**
 * Find the batch a `submitting` submission's lost create answer made. Found once: adopted (journaled as
 * `submitted`) and returned. Not found: `undefined` (no batch was made; the caller sends the submission again).
 * Found more than once (Anthropic batches are matched by time and size only): the one not canceled when only one
 * is, else a `config` error listing them, so that the user decides (nothing is submitted).
 *
 * @example
 * ```ts ignore
 * import { reconcileSubmission } from "./submit.ts";
 * const adopted = await reconcileSubmission(api, store, sub);
 * ```
 */
export async function reconcileSubmission(
  api: BatchApi,
  store: JournalStore,
  sub: JournalSubmission,
  call: CallOptions = {},
): Promise<BatchInfo | undefined> {
  const known = new Set(store.journal.submissions.map((s) => s.batchId).filter((id) => id !== undefined));
  const found =
    (await api.findLost({ tag: sub.tag, since: Date.parse(sub.startedAt), requests: sub.requests }, call))
      .filter((b) => !known.has(b.id));
  if (found.length === 0) return undefined;
  // Of several candidates, those the user canceled are not this run's.
  const live = found.filter((b) => b.ending !== "canceled" && b.state !== "canceling");
  if (found.length > 1 && live.length === 1) found.splice(0, found.length, live[0]);
  if (found.length > 1) {
    throw new SwebenchError(
      "config",
      `${api.provider}: ${found.length} batches of ${sub.requests} requests were created after ${sub.startedAt} ` +
        `and may be the one this run lost track of: ${found.map((b) => b.id).join(", ")}.`,
      {
        provider: api.provider,
        hint:
          "Nothing was submitted. Check them with `swebench batch status <id>`, cancel the ones that are not " +
          "this run's (`swebench batch cancel <id>`), then re-run the same command: it adopts the one left.",
      },
    );
  }
  noteBatch(sub, found[0]);
  await store.save();
  return found[0];
}
