/**
 * The batch journal beside a predictions file (`<predictions>.batch.json`): what a `--batch` run submitted, so that
 * a run killed at any moment resumes the same batches instead of paying for the same instances twice.
 *
 * Each submission (one batch) is written **before** its create request is sent (state `submitting`: its tag, the
 * custom_id -> instance map, the request count), again once the API answered (`submitted`: the batch id), when the
 * batch ended (`ended`: how, the counts, validation errors) and once its results are in the predictions and the
 * run log (`collected`). Every write replaces the file atomically (a temporary file in the same directory, fsync,
 * rename, fsync of the directory): a reader sees the old journal or the new one, never a torn one.
 *
 * @module
 */
import { dirname } from "node:path";
import { SwebenchError } from "../core/mod.ts";
import { fileAccessError } from "../http/permission.ts";
import { customIdMapOf } from "./custom_id.ts";
import type { BatchCounts, BatchEnding, BatchLineError } from "./types.ts";

/** Version of the journal format this code writes and reads. */
export const JOURNAL_VERSION = 1;

/** Where a submission is (see the module doc). */
export type SubmissionState = "submitting" | "submitted" | "ended" | "collected";

/**
 * One batch of a run, as journaled.
 *
 * @example
 * ```ts
 * import type { JournalSubmission } from "./journal.ts";
 * const s: JournalSubmission = {
 *   tag: "swb-0f3a9c1e2b4d5e6f", state: "submitting", startedAt: "2026-01-01T00:00:00.000Z",
 *   requests: 1, bytes: 10240, ids: [["django__django-11099", "django__django-11099"]],
 * };
 * ```
 */
export interface JournalSubmission {
  /** Unique tag of the submission (OpenAI: the batch's `metadata.swebench_tag` and the input file's name). */
  tag: string;
  /** Where it is. */
  state: SubmissionState;
  /** When the submission began (ISO), before the create request: where a lost batch is looked for. */
  startedAt: string;
  /** Requests in the batch. */
  requests: number;
  /** Bytes of the batch as the API counts them. */
  bytes: number;
  /** `[customId, instanceId]` of every request. */
  ids: [string, string][];
  /** The most this batch can cost (USD, batch prices), when priced. */
  worstUsd?: number;
  /** OpenAI: the uploaded input file. */
  inputFileId?: string;
  /** The batch id, once known. */
  batchId?: string;
  /** When the batch id became known (ISO). */
  submittedAt?: string;
  /** The vendor's last status word. */
  status?: string;
  /** How the batch ended. */
  ending?: BatchEnding;
  /** Counts when last seen. */
  counts?: BatchCounts;
  /** When it ended (ISO). */
  endedAt?: string;
  /** Line-level validation errors of a batch that failed. */
  lineErrors?: BatchLineError[];
  /** When its results were written (ISO). */
  collectedAt?: string;
}

/**
 * A predictions file's batch journal.
 *
 * @example
 * ```ts
 * import { type BatchJournal, JOURNAL_VERSION } from "./journal.ts";
 * const j: BatchJournal = {
 *   version: JOURNAL_VERSION, provider: "openai", kind: "openai", baseUrl: "https://api.openai.com/v1",
 *   model: "gpt-4o-mini", submissions: [],
 * };
 * ```
 */
export interface BatchJournal {
  /** Format version ({@linkcode JOURNAL_VERSION}). */
  version: number;
  /** Provider name of the run. */
  provider: string;
  /** The batch wire (`openai`, `anthropic`). */
  kind: string;
  /** Base URL the batches live at. */
  baseUrl: string;
  /** Model of the run. */
  model: string;
  /** Request settings the batches were built with (reported when a resumed run asks for others). */
  settings?: { maxTokens?: number; temperature?: number };
  /** The batches, oldest first. */
  submissions: JournalSubmission[];
}

/**
 * A new submission tag: `swb-` and 16 random hex digits.
 *
 * @example
 * ```ts
 * import { newTag } from "./journal.ts";
 * newTag(); // "swb-5be0c2a91f3d7e64"
 * ```
 */
export function newTag(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `swb-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

const STATES: ReadonlySet<string> = new Set(["submitting", "submitted", "ended", "collected"]);

function broken(path: string, what: string): SwebenchError {
  return new SwebenchError("config", `The batch journal ${path} is not valid: ${what}.`, {
    hint:
      "It was edited or damaged. Check its batches with `swebench batch status <id>`; move the journal away " +
      "only once you know none of them is still running (a re-run would submit those instances again).",
  });
}

/**
 * Read a journal; `undefined` when there is none. A journal that does not parse or holds an impossible
 * submission is a `config` error naming the file (never silently ignored: it may list paid batches).
 *
 * @example
 * ```ts ignore
 * import { readJournal } from "./journal.ts";
 * const journal = await readJournal("predictions/a.jsonl.batch.json");
 * ```
 */
export async function readJournal(path: string): Promise<BatchJournal | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    const access = fileAccessError(error, path, "read", "Fix the permissions of the batch journal.");
    if (access) throw access;
    // Not a file we can read (a directory, a symlink loop, ...): not a journal of ours; nothing was changed.
    throw new SwebenchError(
      "usage",
      `The batch journal ${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: "That path is where swebench-runner keeps the batches of this predictions file: it must be a " +
          "file it wrote. Move whatever is there away, or choose another -o.",
        cause: error,
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw broken(path, "it is not JSON");
  }
  const j = value as Partial<BatchJournal> | null;
  if (typeof j !== "object" || j === null || typeof j.version !== "number") throw broken(path, "no version");
  if (j.version > JOURNAL_VERSION) {
    throw new SwebenchError(
      "config",
      `The batch journal ${path} was written by a newer swebench-runner (format ${j.version}).`,
      { hint: "Upgrade swebench-runner to resume these batches." },
    );
  }
  for (const key of ["provider", "kind", "baseUrl", "model"] as const) {
    if (typeof j[key] !== "string") throw broken(path, `no ${key}`);
  }
  if (!Array.isArray(j.submissions)) throw broken(path, "no submissions");
  const instances = new Set<string>();
  for (const [i, s] of j.submissions.entries()) {
    const where = `submission ${i + 1}`;
    if (typeof s !== "object" || s === null) throw broken(path, `${where} is not an object`);
    if (typeof s.tag !== "string" || !STATES.has(s.state) || typeof s.startedAt !== "string") {
      throw broken(path, `${where} has no tag, state or start time`);
    }
    if (s.state !== "submitting" && typeof s.batchId !== "string") {
      throw broken(path, `${where} has no batch id`);
    }
    if (!Array.isArray(s.ids) || s.ids.length !== s.requests) {
      throw broken(path, `${where}'s ids do not match`);
    }
    try {
      customIdMapOf(s.ids);
    } catch (error) {
      throw broken(path, `${where}: ${(error as Error).message}`);
    }
    if (s.state !== "collected") {
      for (const [, instance] of s.ids) {
        if (instances.has(instance)) throw broken(path, `instance ${instance} is in two open batches`);
        instances.add(instance);
      }
    }
  }
  return j as BatchJournal;
}

/**
 * Write a journal atomically and durably: a temporary file beside it, fsync, rename over it, fsync of the
 * directory. A failure leaves the previous journal as it was.
 *
 * @example
 * ```ts ignore
 * import { writeJournal } from "./journal.ts";
 * await writeJournal("predictions/a.jsonl.batch.json", journal);
 * ```
 */
export async function writeJournal(path: string, journal: BatchJournal): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  try {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: 0o644 });
    try {
      await file.write(new TextEncoder().encode(`${JSON.stringify(journal, null, 1)}\n`));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
    await syncDirectory(dirname(path));
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw fileAccessError(
      error,
      path,
      "write",
      "The batch journal must be writable beside the predictions.",
    ) ??
      error;
  }
}

/** fsync a directory so that a rename in it survives a crash (not possible on Windows: skipped there). */
async function syncDirectory(dir: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch {
    // Some file systems refuse to sync a directory; the rename itself is still atomic.
  } finally {
    handle?.close();
  }
}

/**
 * Instances in batches whose results are not yet collected: they must not be submitted again.
 *
 * @example
 * ```ts
 * import { openInstances } from "./journal.ts";
 * openInstances({ version: 1, provider: "openai", kind: "openai", baseUrl: "", model: "m", submissions: [] }).size; // 0
 * ```
 */
export function openInstances(journal: BatchJournal | undefined): Set<string> {
  const open = new Set<string>();
  for (const s of journal?.submissions ?? []) {
    if (s.state !== "collected") { for (const [, instance] of s.ids) open.add(instance); }
  }
  return open;
}
