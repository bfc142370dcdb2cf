/**
 * The predictions file (the SWE-bench harness format) and its sidecar run log, written so that `kill -9` at any
 * moment loses at most the calls in flight, and re-running the same command resumes.
 *
 * - Predictions: JSON Lines, exactly `{"instance_id","model_name_or_path","model_patch"}` in that order. Each line is
 *   serialised whole and handed to the OS in one write (re-issued only for the unwritten rest of a short write)
 *   before the call resolves: from then on a killed process cannot lose it (the page cache survives `kill -9`).
 *   Both files are `syncData`'d at close; `sync: true` also syncs every line, which only adds protection against
 *   a power loss, at about 0.3 ms per line on a typical disk. Writes are serialised, so lines never interleave.
 * - Run log (`<predictions>.runlog.jsonl`): one JSON record per attempt (status, error, usage, cost, latency,
 *   attempts, finish reason, patch status, the full model output).
 * - What `kill -9` can tear: only the last line of either file (a write cut short leaves a line without its final
 *   `\n`; a crash of the machine can leave a final line of garbage such as NUL bytes). At open, a final line that
 *   lacks its newline or is not valid JSON is cut off; the instance is then simply done again.
 * - Resume: an instance is done when it has a prediction line. A failed instance gets no prediction line (only a run
 *   log record); without `retryFailed` it counts as done too (not sent again), with `retryFailed` it is redone.
 *   The same holds for instances skipped because the prompt does not fit. Records with error kind `interrupted` do
 *   not count as failed. An `ok` call whose patch is empty still gets a prediction line with `model_patch: ""`
 *   (the harness accepts it and counts it unresolved), so it is not retried forever.
 * - One writer per file: `<predictions>.lock` holds the writer's pid and an OS lock (`FsFile.tryLock`), so a second
 *   writer gets a clear usage error while a lock left behind by a killed process is taken over.
 *
 * @module
 */
import { SwebenchError } from "../core/errors.ts";
import type { FinishReason, TokenUsage } from "../core/response.ts";

/**
 * Failures that say nothing about the instance (the run was stopped, the key or account or permissions were
 * wrong, a wait for a rate-limit reset was too long): the instance is not done, and a re-run sends it again
 * without `--retry-failed`.
 */
export const RUN_LEVEL_KINDS: ReadonlySet<string> = new Set([
  "interrupted",
  "authentication",
  "config",
  "permission",
  "quota",
  "budget",
  "model_not_found",
  "rate_limit",
]);

/** One line of the predictions file (the SWE-bench harness format). */
export interface Prediction {
  /** Instance id. */
  instance_id: string;
  /** Model name as recorded for the harness. */
  model_name_or_path: string;
  /** The patch (may be empty). */
  model_patch: string;
}

/** Outcome of one attempt. */
export type RunStatus = "ok" | "failed" | "skipped";

/**
 * One run-log record (one per attempt).
 *
 * @example
 * ```ts
 * import type { RunLogRecord } from "@swebench/runner";
 * const rec: RunLogRecord = {
 *   instance_id: "psf__requests-2317", status: "failed", error: { kind: "timeout", message: "no answer" },
 *   provider: "openai", model: "gpt-4o-mini", attempts: 3,
 *   startedAt: "2025-01-01T00:00:00.000Z", finishedAt: "2025-01-01T00:01:00.000Z",
 * };
 * ```
 */
export interface RunLogRecord {
  /** Instance id. */
  instance_id: string;
  /** Outcome. */
  status: RunStatus;
  /** Error class and message, for `failed`. */
  error?: { kind: string; message: string; status?: number; code?: string };
  /** Why, for `skipped`. */
  reason?: string;
  /** Provider name of the run. */
  provider?: string;
  /** Model requested. */
  model?: string;
  /** Provider and model that answered, when a fallback did. */
  answeredBy?: { provider: string; model: string };
  /** Token usage. */
  usage?: TokenUsage;
  /** Cost in USD (absent when the model is unpriced). */
  costUsd?: number;
  /** Latency of the successful call in milliseconds. */
  latencyMs?: number;
  /** Attempts made (1 = first try). */
  attempts?: number;
  /** Normalised finish reason. */
  finishReason?: FinishReason;
  /** Provider's own finish reason. */
  rawFinishReason?: string;
  /** Provider request id. */
  requestId?: string;
  /** Patch recovery status (`valid`, `repaired`, `empty`, `invalid`). */
  patchStatus?: string;
  /** Why the patch has that status. */
  patchReasons?: string[];
  /** The full model output. */
  output?: string;
  /** ISO time the attempt started. */
  startedAt: string;
  /** ISO time the attempt ended. */
  finishedAt: string;
}

/** Options of {@linkcode openPredictions}. */
export interface OpenPredictionsOptions {
  /** Start fresh: empty both files (`--overwrite`). */
  overwrite?: boolean;
  /** Redo failed (and skipped) instances (`--retry-failed`). */
  retryFailed?: boolean;
  /** fsync every line, not only at close (default false: a written line already survives `kill -9`). */
  sync?: boolean;
}

/**
 * An open predictions file with its run log.
 *
 * @example
 * ```ts ignore
 * import { openPredictions } from "@swebench/runner";
 * await using w = await openPredictions("predictions/m__sample__test.jsonl", {});
 * if (!w.done.has("psf__requests-2317")) {
 *   await w.writePrediction({ instance_id: "psf__requests-2317", model_name_or_path: "m", model_patch: "" });
 * }
 * ```
 */
export interface PredictionsWriter extends AsyncDisposable {
  /** Predictions file path. */
  readonly path: string;
  /** Run log path. */
  readonly runLogPath: string;
  /** Instances not to run again: those with a prediction line, plus failed and skipped ones unless retryFailed. */
  readonly done: Set<string>;
  /** Instances with a prediction line. */
  readonly predicted: Set<string>;
  /** Instances whose last attempt failed and that have no prediction line. */
  readonly failed: Set<string>;
  /** Instances whose last attempt was skipped (prompt too long) and that have no prediction line. */
  readonly skipped: Set<string>;
  /** `model_name_or_path` values found in the file at open (the CLI may warn when they differ from the run's). */
  readonly models: Set<string>;
  /** What was repaired at open (bytes cut from a torn final line), per file. */
  readonly repairs: { predictions: number; runLog: number };
  /** Notes about the files (e.g. unreadable run-log lines that were ignored). */
  readonly warnings: string[];
  /** Append one prediction line (whole, synced). */
  writePrediction(prediction: Prediction): Promise<void>;
  /** Append one run-log record (whole, synced). */
  writeRunLog(record: RunLogRecord): Promise<void>;
  /** Wait for pending writes, close both files, release the lock. Idempotent. */
  close(): Promise<void>;
}

/**
 * The run log beside a predictions file: `<predictions>.runlog.jsonl`.
 *
 * @example
 * ```ts
 * import { runLogPathFor } from "@swebench/runner";
 * runLogPathFor("predictions/a.jsonl"); // "predictions/a.jsonl.runlog.jsonl"
 * ```
 */
export function runLogPathFor(predictionsPath: string): string {
  return `${predictionsPath}.runlog.jsonl`;
}

/**
 * Default predictions path, mirroring SWE-bench's naming: `predictions/<model>__<dataset>__<split>.jsonl`, with `/`
 * in the model replaced by `__` and characters that are not portable in file names (`:` `\` `*` `?` `"` `<` `>`
 * `|`, spaces) by `_` (so `qwen2.5-coder:7b` -> `qwen2.5-coder_7b`).
 *
 * @example
 * ```ts
 * import { defaultPredictionsPath } from "@swebench/runner";
 * defaultPredictionsPath("openai/gpt-4o", "SWE-bench_Lite", "test"); // "predictions/openai__gpt-4o__SWE-bench_Lite__test.jsonl"
 * ```
 */
export function defaultPredictionsPath(model: string, datasetLabel: string, split: string): string {
  const clean = (s: string) => s.replaceAll("/", "__").replace(/[:\\*?"<>|\s]/g, "_");
  return `predictions/${clean(model)}__${clean(datasetLabel)}__${clean(split)}.jsonl`;
}

/** Serialise a prediction as its line (keys in harness order). */
function predictionLine(p: Prediction): string {
  for (const key of ["instance_id", "model_name_or_path", "model_patch"] as const) {
    if (typeof p[key] !== "string") {
      throw new SwebenchError("unexpected", `prediction field ${key} must be a string, got ${typeof p[key]}`);
    }
  }
  return JSON.stringify({
    instance_id: p.instance_id,
    model_name_or_path: p.model_name_or_path,
    model_patch: p.model_patch,
  }) + "\n";
}

interface ScannedLine {
  line: number;
  value: unknown;
}

/** Read a JSON Lines file, cutting a torn final line off the file. */
async function scanAndRepair(path: string): Promise<{ lines: ScannedLine[]; bad: number[]; cut: number }> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { lines: [], bad: [], cut: 0 };
    throw fileError(e, path, "read");
  }
  const decoder = new TextDecoder();
  const lines: ScannedLine[] = [];
  const bad: number[] = [];
  let keepBytes = bytes.length;
  let start = 0;
  let lineNo = 0;
  let lastStart = 0;
  let lastBad = false;
  while (start < bytes.length) {
    lineNo++;
    const nl = bytes.indexOf(0x0a, start);
    const end = nl < 0 ? bytes.length : nl;
    const text = decoder.decode(bytes.subarray(start, end)).replace(/\r$/, "");
    lastStart = start;
    lastBad = false;
    if (nl < 0) {
      // No newline: the write was cut short. Cut it off.
      keepBytes = start;
      break;
    }
    if (text.trim() !== "") {
      try {
        lines.push({ line: lineNo, value: JSON.parse(text) });
      } catch {
        bad.push(lineNo);
        lastBad = true;
      }
    }
    start = nl + 1;
  }
  // A complete last line that is not JSON (e.g. NUL bytes after a machine crash) is torn too.
  if (keepBytes === bytes.length && lastBad) {
    keepBytes = lastStart;
    bad.pop();
  }
  const cut = bytes.length - keepBytes;
  if (cut > 0) {
    try {
      const f = await Deno.open(path, { write: true });
      try {
        await f.truncate(keepBytes);
        await f.syncData();
      } finally {
        f.close();
      }
    } catch (e) {
      throw fileError(e, path, "write");
    }
  }
  return { lines, bad, cut };
}

function fileError(e: unknown, path: string, what: "read" | "write"): SwebenchError {
  if (e instanceof SwebenchError) return e;
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    return new SwebenchError("permission", `No permission to ${what} ${path}`, {
      cause: e,
      hint: `Add --allow-${what}=${path} (or --allow-${what}), or choose another -o path.`,
    });
  }
  return new SwebenchError(
    "unexpected",
    `Could not ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`,
    { cause: e, hint: "Check the disk (space, permissions) and the -o path." },
  );
}

const heldLocks = new Set<string>();

async function readLockOwner(file: Deno.FsFile): Promise<string> {
  try {
    await file.seek(0, Deno.SeekMode.Start);
    const buf = new Uint8Array(64);
    const n = await file.read(buf);
    const text = new TextDecoder().decode(buf.subarray(0, n ?? 0)).trim();
    return /^\d+$/.test(text) ? `pid ${text}` : "another process";
  } catch {
    return "another process";
  }
}

function lockedError(path: string, owner: string): SwebenchError {
  return new SwebenchError("usage", `${path} is being written by another run (${owner})`, {
    hint:
      "Wait for that run to finish, or write to another file with -o. Two runs must not share a predictions file.",
  });
}

/** Take `<path>.lock`: created with createNew (pid inside) and held with an exclusive OS lock. */
async function acquireLock(path: string): Promise<{ file: Deno.FsFile; lockPath: string }> {
  const lockPath = `${path}.lock`;
  if (heldLocks.has(lockPath)) throw lockedError(path, `this process, pid ${Deno.pid}`);
  for (let attempt = 0; attempt < 5; attempt++) {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(lockPath, { read: true, write: true, createNew: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw fileError(e, lockPath, "write");
      try {
        file = await Deno.open(lockPath, { read: true, write: true });
      } catch (e2) {
        if (e2 instanceof Deno.errors.NotFound) continue; // removed meanwhile: try again
        throw fileError(e2, lockPath, "write");
      }
    }
    let locked = false;
    try {
      locked = await file.tryLock(true);
    } catch {
      locked = false;
    }
    if (!locked) {
      const owner = await readLockOwner(file);
      file.close();
      throw lockedError(path, owner);
    }
    // The holder may have removed the file between our open and our lock: make sure we lock the file at the path.
    const [held, atPath] = await Promise.all([file.stat(), Deno.stat(lockPath).catch(() => undefined)]);
    if (!atPath || (held.ino !== null && atPath.ino !== null && held.ino !== atPath.ino)) {
      file.close();
      continue;
    }
    try {
      await file.truncate(0);
      await file.seek(0, Deno.SeekMode.Start);
      await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
    } catch (e) {
      file.close();
      throw fileError(e, lockPath, "write");
    }
    heldLocks.add(lockPath);
    return { file, lockPath };
  }
  throw lockedError(path, "another process");
}

class JsonLinesWriter implements PredictionsWriter {
  readonly done: Set<string> = new Set();
  readonly predicted: Set<string> = new Set();
  readonly failed: Set<string> = new Set();
  readonly skipped: Set<string> = new Set();
  readonly models: Set<string> = new Set();
  readonly repairs: { predictions: number; runLog: number } = { predictions: 0, runLog: 0 };
  readonly warnings: string[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #closing?: Promise<void>;
  #encoder = new TextEncoder();
  #files: { pred: Deno.FsFile; log: Deno.FsFile; predSize: number; logSize: number };
  #lock: { file: Deno.FsFile; lockPath: string };
  #sync: boolean;

  constructor(
    readonly path: string,
    readonly runLogPath: string,
    files: { pred: Deno.FsFile; log: Deno.FsFile; predSize: number; logSize: number },
    lock: { file: Deno.FsFile; lockPath: string },
    sync: boolean,
  ) {
    this.#files = files;
    this.#lock = lock;
    this.#sync = sync;
  }

  #append(which: "pred" | "log", text: string): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new SwebenchError("unexpected", `${this.path}: writer is closed`));
    }
    const bytes = this.#encoder.encode(text);
    const job = this.#queue.then(async () => {
      const file = which === "pred" ? this.#files.pred : this.#files.log;
      const sizeKey = which === "pred" ? "predSize" : "logSize";
      const before = this.#files[sizeKey];
      const target = which === "pred" ? this.path : this.runLogPath;
      try {
        let off = await file.write(bytes);
        while (off < bytes.length) off += await file.write(bytes.subarray(off));
        if (this.#sync) await file.syncData();
        this.#files[sizeKey] = before + bytes.length;
      } catch (e) {
        // Never leave a partial line for the next one to be glued to.
        await file.truncate(before).catch(() => {});
        throw fileError(e, target, "write");
      }
    });
    this.#queue = job.catch(() => {});
    return job;
  }

  async writePrediction(prediction: Prediction): Promise<void> {
    const line = predictionLine(prediction);
    await this.#append("pred", line);
    this.predicted.add(prediction.instance_id);
    this.done.add(prediction.instance_id);
    this.failed.delete(prediction.instance_id);
    this.skipped.delete(prediction.instance_id);
  }

  async writeRunLog(record: RunLogRecord): Promise<void> {
    if (typeof record?.instance_id !== "string" || !["ok", "failed", "skipped"].includes(record.status)) {
      throw new SwebenchError(
        "unexpected",
        "run-log record needs a string instance_id and a status ok|failed|skipped",
      );
    }
    await this.#append("log", JSON.stringify(record) + "\n");
    const id = record.instance_id;
    if (this.predicted.has(id)) return;
    this.failed.delete(id);
    this.skipped.delete(id);
    if (record.status === "failed" && !RUN_LEVEL_KINDS.has(record.error?.kind ?? "")) this.failed.add(id);
    if (record.status === "skipped") this.skipped.add(id);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      await this.#queue;
      for (const f of [this.#files.pred, this.#files.log]) {
        try {
          await f.syncData();
        } catch { /* best effort: the data is in the page cache already */ }
        try {
          f.close();
        } catch { /* already closed */ }
      }
      heldLocks.delete(this.#lock.lockPath);
      await Deno.remove(this.#lock.lockPath).catch(() => {});
      try {
        await this.#lock.file.unlock();
      } catch { /* closing releases it anyway */ }
      try {
        this.#lock.file.close();
      } catch { /* already closed */ }
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Open (or create) a predictions file and its run log for writing, resuming where an earlier run stopped.
 * See the module documentation for what counts as done, how torn lines are repaired and how the lock works.
 * A prediction line in the middle of the file that is not valid JSON is a usage error naming the line.
 *
 * @example
 * ```ts ignore
 * import { openPredictions } from "@swebench/runner";
 * const w = await openPredictions("predictions/gpt-4o__SWE-bench_Lite__test.jsonl", { retryFailed: true });
 * console.log(w.done.size, "instances already done");
 * await w.close();
 * ```
 */
export async function openPredictions(
  path: string,
  options: OpenPredictionsOptions = {},
): Promise<PredictionsWriter> {
  const logPath = runLogPathFor(path);
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  if (dir !== "") {
    try {
      await Deno.mkdir(dir, { recursive: true });
    } catch (e) {
      throw fileError(e, dir, "write");
    }
  }
  const lock = await acquireLock(path);
  const opened: Deno.FsFile[] = [];
  try {
    const predicted = new Set<string>();
    const models = new Set<string>();
    const lastStatus = new Map<string, RunLogRecord>();
    let repairs = { predictions: 0, runLog: 0 };
    const warnings: string[] = [];
    if (!options.overwrite) {
      const preds = await scanAndRepair(path);
      if (preds.bad.length > 0) {
        throw new SwebenchError("usage", `${path}:${preds.bad[0]}: not a valid JSON line`, {
          hint:
            "The predictions file is damaged in the middle: fix or delete that line, or start fresh with " +
            "--overwrite.",
        });
      }
      for (const { line, value } of preds.lines) {
        const id = (value as { instance_id?: unknown })?.instance_id;
        if (typeof id !== "string") {
          throw new SwebenchError("usage", `${path}:${line}: not a prediction (no string "instance_id")`, {
            hint:
              "This does not look like a predictions file written by swebench: choose another -o, or --overwrite.",
          });
        }
        predicted.add(id);
        const model = (value as { model_name_or_path?: unknown }).model_name_or_path;
        if (typeof model === "string") models.add(model);
      }
      const log = await scanAndRepair(logPath);
      if (log.bad.length > 0) {
        warnings.push(`${logPath}: ignored ${log.bad.length} unreadable line(s) (first: line ${log.bad[0]})`);
      }
      for (const { value } of log.lines) {
        const rec = value as RunLogRecord;
        if (rec && typeof rec.instance_id === "string") lastStatus.set(rec.instance_id, rec);
      }
      repairs = { predictions: preds.cut, runLog: log.cut };
      if (preds.cut > 0) warnings.push(`${path}: cut a torn last line (${preds.cut} bytes)`);
      if (log.cut > 0) warnings.push(`${logPath}: cut a torn last line (${log.cut} bytes)`);
    }
    const openOne = async (p: string) => {
      try {
        const f = await Deno.open(p, { append: true, create: true, truncate: false });
        opened.push(f);
        if (options.overwrite) {
          await f.truncate(0);
          if (options.sync === true) await f.syncData();
        }
        return { f, size: (await f.stat()).size };
      } catch (e) {
        throw fileError(e, p, "write");
      }
    };
    const pred = await openOne(path);
    const log = await openOne(logPath);
    const writer = new JsonLinesWriter(
      path,
      logPath,
      { pred: pred.f, log: log.f, predSize: pred.size, logSize: log.size },
      lock,
      options.sync === true,
    );
    writer.repairs.predictions = repairs.predictions;
    writer.repairs.runLog = repairs.runLog;
    writer.warnings.push(...warnings);
    for (const m of models) writer.models.add(m);
    for (const id of predicted) {
      writer.predicted.add(id);
      writer.done.add(id);
    }
    for (const [id, rec] of lastStatus) {
      if (predicted.has(id)) continue;
      if (rec.status === "failed" && !RUN_LEVEL_KINDS.has(rec.error?.kind ?? "")) writer.failed.add(id);
      if (rec.status === "skipped") writer.skipped.add(id);
    }
    if (!options.retryFailed) {
      for (const id of writer.failed) writer.done.add(id);
      for (const id of writer.skipped) writer.done.add(id);
    }
    return writer;
  } catch (e) {
    for (const f of opened) {
      try {
        f.close();
      } catch { /* ignore */ }
    }
    heldLocks.delete(lock.lockPath);
    await Deno.remove(lock.lockPath).catch(() => {});
    try {
      lock.file.close();
    } catch { /* ignore */ }
    throw e;
  }
}

/**
 * Read a predictions file (a torn final line is ignored, nothing is modified).
 *
 * @example
 * ```ts ignore
 * import { readPredictions } from "@swebench/runner";
 * const preds = await readPredictions("predictions/gold__sample.jsonl");
 * ```
 */
export async function readPredictions(path: string): Promise<Prediction[]> {
  return (await readJsonLines(path)).filter((v): v is Prediction =>
    !!v && typeof (v as Prediction).instance_id === "string" &&
    typeof (v as Prediction).model_patch === "string"
  );
}

/**
 * Read a run log (`swebench report`); a torn final line and unreadable lines are ignored, nothing is modified.
 *
 * @example
 * ```ts ignore
 * import { readRunLog } from "@swebench/runner";
 * const records = await readRunLog("predictions/gold__sample.jsonl.runlog.jsonl");
 * ```
 */
export async function readRunLog(path: string): Promise<RunLogRecord[]> {
  return (await readJsonLines(path)).filter((v): v is RunLogRecord =>
    !!v && typeof (v as RunLogRecord).instance_id === "string" &&
    typeof (v as RunLogRecord).status === "string"
  );
}

async function readJsonLines(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new SwebenchError("usage", `File not found: ${path}`, { hint: "Check the path." });
    }
    throw fileError(e, path, "read");
  }
  const out: unknown[] = [];
  const lines = text.split("\n");
  // The last element is "" when the file ends with a newline, else a torn line: skip it either way.
  for (const line of lines.slice(0, -1)) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line));
    } catch { /* unreadable line */ }
  }
  return out;
}
