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
 *   `\n`; a crash of the machine can leave a final line of garbage such as NUL bytes). At open, such a final line
 *   is cut off (the instance is then simply done again), but only when it is the start of one of our lines (or
 *   NUL bytes) and every other line is a record of the file's kind.
 * - Never someone else's file: an existing file whose lines are not predictions (or run-log records), a
 *   directory, a device or pipe (`/dev/stdout`), or a protected file (the dataset, also through a symlink) is
 *   refused with a usage error before anything is written, byte for byte untouched (also with `overwrite`).
 *   Both files are inspected before either is changed.
 * - Resume: an instance is done when it has a prediction line. A failed instance gets no prediction line (only a run
 *   log record); without `retryFailed` it counts as done too (not sent again), with `retryFailed` it is redone.
 *   Records with a run-level error kind ({@linkcode RUN_LEVEL_KINDS}: interrupted, a bad key, a request the
 *   settings made invalid, ...) do not count as failed. An instance skipped because its prompt does not fit is
 *   never done: the skip follows from the settings (`--max-tokens`, the model, `--context`), costs no call, and is
 *   decided again by the next run, so a corrected re-run does the work. An `ok` call whose patch is empty still gets a prediction line with `model_patch: ""`
 *   (the harness accepts it and counts it unresolved), so it is not retried forever.
 * - One writer per file: `<predictions>.lock` holds the writer's pid and an OS lock (`FsFile.tryLock`), so a second
 *   writer gets a clear usage error while a lock left behind by a killed process is taken over. The lock and the
 *   run log are keyed by the real path (symlinks followed): a symlink to a file another run writes is refused.
 *
 * @module
 */
import { acquireLock, type FileLock, releaseLock } from "./file_lock.ts";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { SwebenchError } from "../core/errors.ts";
import { fileError, readTextOf } from "./file_io.ts";
import {
  isInstanceFailure,
  isRunLogRecord,
  runLogPathFor,
  type RunLogRecord,
  type Spend,
  spendOf,
} from "./run_log.ts";

/** One line of the predictions file (the SWE-bench harness format). */
export interface Prediction {
  /** Instance id. */
  instance_id: string;
  /** Model name as recorded for the harness. */
  model_name_or_path: string;
  /** The patch (may be empty). */
  model_patch: string;
}

/** Options of {@linkcode openPredictions}. */
export interface OpenPredictionsOptions {
  /** Start fresh: empty both files (`--overwrite`). */
  overwrite?: boolean;
  /** Redo failed instances (`--retry-failed`). */
  retryFailed?: boolean;
  /** fsync every line, not only at close (default false: a written line already survives `kill -9`). */
  sync?: boolean;
  /**
   * Files that must never be written (the dataset): a predictions path or run log that is one of them, also
   * through a symlink, is refused. `what` names it in the message.
   */
  protect?: ReadonlyArray<{ path: string; what: string }>;
  /**
   * Remove both files at close when this writer created them and wrote nothing (a fallback model's file that no
   * answer needed).
   */
  removeIfUnused?: boolean;
}

/**
 * An open predictions file with its run log.
 *
 * @example
 * ```ts ignore
 * import { openPredictions } from "@swebench/runner/lib";
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
  /** Instances not to run again: those with a prediction line, plus failed ones unless retryFailed. */
  readonly done: Set<string>;
  /** Instances with a prediction line. */
  readonly predicted: Set<string>;
  /** Instances whose last attempt failed and that have no prediction line. */
  readonly failed: Set<string>;
  /**
   * Instances whose last attempt was skipped (prompt too long for the settings) and that have no prediction line:
   * never done, the next run decides again.
   */
  readonly skipped: Set<string>;
  /** `model_name_or_path` values found in the file at open (the CLI may warn when they differ from the run's). */
  readonly models: Set<string>;
  /** What was repaired at open (bytes cut from a torn final line), per file. */
  readonly repairs: { predictions: number; runLog: number };
  /** Notes about the files (e.g. unreadable run-log lines that were ignored). */
  readonly warnings: string[];
  /** What earlier runs of this file spent, from its run log at open (zero with `overwrite`). */
  readonly priorSpend: Spend;
  /** True when the predictions file did not exist (or was empty) at open. */
  readonly fresh: boolean;
  /** True once `close` removed the files (see {@linkcode OpenPredictionsOptions.removeIfUnused}). */
  readonly removed: boolean;
  /** Append one prediction line (whole, synced). */
  writePrediction(prediction: Prediction): Promise<void>;
  /** Append one run-log record (whole, synced). */
  writeRunLog(record: RunLogRecord): Promise<void>;
  /** Wait for pending writes, close both files, release the lock. Idempotent. */
  close(): Promise<void>;
}

/**
 * Default predictions path, mirroring SWE-bench's naming: `predictions/<model>__<dataset>__<split>.jsonl`, with `/`
 * in the model replaced by `__` and characters that are not portable in file names (`:` `\` `*` `?` `"` `<` `>`
 * `|`, spaces) by `_` (so `qwen2.5-coder:7b` -> `qwen2.5-coder_7b`).
 *
 * @example
 * ```ts
 * import { defaultPredictionsPath } from "@swebench/runner/lib";
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

/** What {@linkcode inspectFile} found in an existing file (nothing is changed by looking). */
interface Inspection {
  /** The file exists. */
  exists: boolean;
  /** Complete lines that are records of the expected kind. */
  lines: ScannedLine[];
  /** Complete lines (1-based numbers) that are not records: damage in the middle of the file. */
  bad: number[];
  /** Bytes to keep: everything before a torn final line (the file size when nothing is torn). */
  keep: number;
  /** Bytes a repair would cut (a torn final line). */
  cut: number;
}

/** The start of every line this module writes (JSON.stringify puts `instance_id` first in both files). */
const OWN_LINE_START = '{"instance_id":';

/**
 * A final line that a crash of ours can leave: the beginning of one of our lines cut short (no newline, or not
 * valid JSON), or NUL bytes (a machine crash can leave a block of zeros). Anything else is someone's text.
 */
function isTornLine(bytes: Uint8Array): boolean {
  if (bytes.length > 0 && bytes.every((b) => b === 0 || b === 0x0a || b === 0x0d)) return true;
  const text = new TextDecoder().decode(bytes.subarray(0, OWN_LINE_START.length + 8)).replace(/\0+$/, "");
  if (text === "") return false;
  return text.startsWith(OWN_LINE_START) || OWN_LINE_START.startsWith(text);
}

/** A predictions line: an object with a string `instance_id`, a `model_name_or_path` and a `model_patch`. */
function isPredictionRecord(v: unknown): boolean {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.instance_id === "string" && "model_name_or_path" in o &&
    (typeof o.model_patch === "string" || o.model_patch === null);
}

/**
 * Read a JSON Lines file without changing it: which complete lines are records, which are not, and whether the
 * final line is one of ours torn by a crash (see {@linkcode isTornLine}). A final line that is neither a record
 * nor torn counts as bad, like damage in the middle.
 */
async function inspectFile(path: string, isRecord: (v: unknown) => boolean): Promise<Inspection> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { exists: false, lines: [], bad: [], keep: 0, cut: 0 };
    throw fileError(e, path, "read");
  }
  const decoder = new TextDecoder();
  const lines: ScannedLine[] = [];
  const bad: number[] = [];
  let keep = bytes.length;
  let start = 0;
  let lineNo = 0;
  while (start < bytes.length) {
    lineNo++;
    const nl = bytes.indexOf(0x0a, start);
    const end = nl < 0 ? bytes.length : nl;
    const last = nl < 0 || nl === bytes.length - 1;
    const raw = bytes.subarray(start, end);
    const text = decoder.decode(raw).replace(/\r$/, "");
    let value: unknown;
    let parsed = false;
    if (nl >= 0 && text.trim() !== "") {
      try {
        value = JSON.parse(text);
        parsed = true;
      } catch { /* not JSON */ }
    }
    if (nl < 0 || (last && !parsed && text.trim() !== "")) {
      // The final line: without its newline it was cut short; with it but unreadable, garbage of a crash.
      if (isTornLine(raw)) {
        keep = start;
        break;
      }
      bad.push(lineNo);
    } else if (text.trim() !== "") {
      if (parsed && isRecord(value)) lines.push({ line: lineNo, value });
      else bad.push(lineNo);
    }
    if (nl < 0) break;
    start = nl + 1;
  }
  return { exists: true, lines, bad, keep, cut: bytes.length - keep };
}

/** Cut a torn final line off (after {@linkcode inspectFile} found one). */
async function cutTornLine(path: string, keep: number): Promise<void> {
  try {
    const f = await Deno.open(path, { write: true });
    try {
      await f.truncate(keep);
      await f.syncData();
    } finally {
      f.close();
    }
  } catch (e) {
    throw fileError(e, path, "write");
  }
}

/** The error for an existing file that swebench did not write: it is never changed. */
function foreignFileError(path: string, what: "predictions" | "run log", line: number): SwebenchError {
  const shape = what === "predictions"
    ? 'one JSON object per line with "instance_id", "model_name_or_path" and "model_patch"'
    : 'one JSON object per line with "instance_id" and "status"';
  return new SwebenchError(
    "usage",
    `${path} is not a ${what} file (line ${line} is not a ${what} record): it was left untouched`,
    {
      hint: `swebench only adds to files it wrote (${shape}). Choose another -o path, ` +
        "or move this file away yourself.",
    },
  );
}

/** `stat`/`lstat` of a path; undefined when it does not exist. */
async function statOf(
  stat: (p: string) => Promise<Deno.FileInfo>,
  p: string,
  shown: string,
): Promise<Deno.FileInfo | undefined> {
  try {
    return await stat(p);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw fileError(e, shown, "read");
  }
}

/**
 * The file a path names with every symlink followed, also a dangling one (whose target the first write creates):
 * two paths to one file give the same answer, so they share one lock.
 */
async function realTarget(path: string): Promise<string> {
  let p = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    const info = await statOf(Deno.lstat, p, path);
    if (!info?.isSymlink) break;
    const target = await Deno.readLink(p);
    p = isAbsolute(target) ? target : resolve(dirname(p), target);
  }
  try {
    return await Deno.realPath(p);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw fileError(e, path, "read");
  }
  try {
    return join(await Deno.realPath(dirname(p)), basename(p));
  } catch {
    return p;
  }
}

/** An existing path must be a regular file: never a directory, a terminal, a pipe or a device. */
async function checkRegularFile(path: string): Promise<void> {
  const info = await statOf(Deno.stat, path, path);
  if (info === undefined) return;
  if (info.isFile) {
    // `-o /dev/stdout` when stdout is redirected to a file: predictions and the summary would mix in it.
    for (const std of ["/dev/stdout", "/dev/stderr"]) {
      const s = await Deno.stat(std).catch(() => undefined);
      if (s?.ino && s.ino === info.ino && s.dev === info.dev) {
        throw new SwebenchError("usage", `${path} is where this command prints (its ${std.slice(5)})`, {
          hint:
            "Predictions are written to a file of their own, with the run log beside it, so that a crash " +
            "loses nothing and the same command resumes: write to a file (-o preds.jsonl) and read it with cat.",
        });
      }
    }
    return;
  }
  if (info.isDirectory) {
    throw new SwebenchError("usage", `${path} is a directory, not a file`, {
      hint: `-o takes a file path, e.g. -o ${join(path, "predictions.jsonl")}.`,
    });
  }
  throw new SwebenchError("usage", `${path} is not a regular file (a terminal, pipe or device)`, {
    hint:
      "Predictions are written to a file, with the run log beside it, so that a crash loses nothing and " +
      "the same command resumes: write to a file (-o preds.jsonl) and read it with cat.",
  });
}

/**
 * Check, without writing anything, that `path` can take predictions: an existing path (and its run log) must be a
 * regular file, and neither may be a protected file (the dataset), also through a symlink. Returns the real path
 * (symlinks followed; the lock and the run log are keyed by it), the path to open and the run log's path.
 *
 * @example
 * ```ts ignore
 * import { checkPredictionsPath } from "@swebench/runner/lib";
 * await checkPredictionsPath("d.jsonl", { protect: [{ path: "d.jsonl", what: "dataset" }] }); // throws: usage
 * ```
 */
export async function checkPredictionsPath(
  path: string,
  options: Pick<OpenPredictionsOptions, "protect"> = {},
): Promise<{ real: string; file: string; logPath: string }> {
  await checkRegularFile(path);
  const real = await realTarget(path);
  // Without a symlink in the way the path stays as given (relative paths in messages stay relative).
  const file = real === resolve(path) ? path : real;
  const logPath = runLogPathFor(file);
  await checkRegularFile(logPath);
  for (const p of options.protect ?? []) {
    const other = await realTarget(p.path).catch(() => resolve(p.path));
    if (other === real || other === resolve(runLogPathFor(real))) {
      throw new SwebenchError(
        "usage",
        `${other === real ? path : logPath} is the ${p.what} (${p.path}): it was left untouched`,
        { hint: "Write predictions to another file with -o, e.g. -o predictions/out.jsonl." },
      );
    }
  }
  return { real, file, logPath };
}

class JsonLinesWriter implements PredictionsWriter {
  readonly done: Set<string> = new Set();
  readonly predicted: Set<string> = new Set();
  readonly failed: Set<string> = new Set();
  readonly skipped: Set<string> = new Set();
  readonly models: Set<string> = new Set();
  readonly repairs: { predictions: number; runLog: number } = { predictions: 0, runLog: 0 };
  readonly warnings: string[] = [];
  priorSpend: Spend = spendOf([]);
  fresh = false;
  removed = false;
  #created: { pred: boolean; log: boolean } = { pred: false, log: false };
  #removeIfUnused = false;
  #wrote = false;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #closing?: Promise<void>;
  #encoder = new TextEncoder();
  #files: { pred: Deno.FsFile; log: Deno.FsFile; predSize: number; logSize: number };
  #lock: FileLock;
  #sync: boolean;

  constructor(
    readonly path: string,
    readonly runLogPath: string,
    files: { pred: Deno.FsFile; log: Deno.FsFile; predSize: number; logSize: number },
    lock: FileLock,
    sync: boolean,
  ) {
    this.#files = files;
    this.#lock = lock;
    this.#sync = sync;
  }

  configure(o: { created: { pred: boolean; log: boolean }; removeIfUnused: boolean }): void {
    this.#created = o.created;
    this.#removeIfUnused = o.removeIfUnused;
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
        this.#wrote = true;
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
    if (isInstanceFailure(record)) this.failed.add(id);
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
      if (this.#removeIfUnused && !this.#wrote) {
        // Files this writer created and never wrote to: leave nothing behind.
        if (this.#created.pred && this.#files.predSize === 0) await Deno.remove(this.path).catch(() => {});
        if (this.#created.log && this.#files.logSize === 0) {
          await Deno.remove(this.runLogPath).catch(() => {});
        }
        this.removed = this.#created.pred;
      }
      await releaseLock(this.#lock);
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
 * import { openPredictions } from "@swebench/runner/lib";
 * const w = await openPredictions("predictions/gpt-4o__SWE-bench_Lite__test.jsonl", { retryFailed: true });
 * console.log(w.done.size, "instances already done");
 * await w.close();
 * ```
 */
export async function openPredictions(
  path: string,
  options: OpenPredictionsOptions = {},
): Promise<PredictionsWriter> {
  const dir = dirname(path);
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (e) {
    throw fileError(e, dir, "write");
  }
  const { real, file, logPath } = await checkPredictionsPath(path, options);
  const lock = await acquireLock(real, path);
  const opened: Deno.FsFile[] = [];
  try {
    const predicted = new Set<string>();
    const models = new Set<string>();
    const lastStatus = new Map<string, RunLogRecord>();
    let repairs = { predictions: 0, runLog: 0 };
    const warnings: string[] = [];
    const records: RunLogRecord[] = [];
    // Look at both files before changing either: a file swebench did not write is refused untouched.
    const preds = await inspectFile(file, isPredictionRecord);
    const log = await inspectFile(logPath, isRunLogRecord);
    if (preds.bad.length > 0 && preds.lines.length === 0) {
      throw foreignFileError(path, "predictions", preds.bad[0]);
    }
    if (log.bad.length > 0 && log.lines.length === 0) throw foreignFileError(logPath, "run log", log.bad[0]);
    if (!options.overwrite) {
      if (preds.bad.length > 0) {
        throw new SwebenchError(
          "usage",
          `${path}:${preds.bad[0]}: not a prediction line (a JSON object with "instance_id", ` +
            `"model_name_or_path" and "model_patch"): the file was left untouched`,
          {
            hint:
              "The predictions file is damaged in the middle: fix or delete that line, or start fresh with " +
              "--overwrite.",
          },
        );
      }
      for (const { value } of preds.lines) {
        const v = value as Prediction;
        predicted.add(v.instance_id);
        if (typeof v.model_name_or_path === "string") models.add(v.model_name_or_path);
      }
      if (log.bad.length > 0) {
        warnings.push(`${logPath}: ignored ${log.bad.length} unreadable line(s) (first: line ${log.bad[0]})`);
      }
      for (const { value } of log.lines) {
        const rec = value as RunLogRecord;
        lastStatus.set(rec.instance_id, rec);
        records.push(rec);
      }
      if (preds.cut > 0) await cutTornLine(file, preds.keep);
      if (log.cut > 0) await cutTornLine(logPath, log.keep);
      repairs = { predictions: preds.cut, runLog: log.cut };
      if (preds.cut > 0) warnings.push(`${path}: cut a torn last line (${preds.cut} bytes)`);
      if (log.cut > 0) warnings.push(`${logPath}: cut a torn last line (${log.cut} bytes)`);
    }
    const openOne = async (p: string) => {
      try {
        const existed = await Deno.stat(p).then(() => true, () => false);
        const f = await Deno.open(p, { append: true, create: true, truncate: false });
        opened.push(f);
        if (options.overwrite) {
          await f.truncate(0);
          if (options.sync === true) await f.syncData();
        }
        return { f, size: (await f.stat()).size, existed };
      } catch (e) {
        throw fileError(e, p, "write");
      }
    };
    const predFile = await openOne(file);
    const logFile = await openOne(logPath);
    const writer = new JsonLinesWriter(
      path,
      logPath,
      { pred: predFile.f, log: logFile.f, predSize: predFile.size, logSize: logFile.size },
      lock,
      options.sync === true,
    );
    writer.configure({
      created: { pred: !predFile.existed, log: !logFile.existed },
      removeIfUnused: options.removeIfUnused === true,
    });
    writer.fresh = predFile.size === 0;
    writer.repairs.predictions = repairs.predictions;
    writer.repairs.runLog = repairs.runLog;
    writer.warnings.push(...warnings);
    writer.priorSpend = spendOf(records);
    for (const m of models) writer.models.add(m);
    for (const id of predicted) {
      writer.predicted.add(id);
      writer.done.add(id);
    }
    for (const [id, rec] of lastStatus) {
      if (predicted.has(id)) continue;
      if (isInstanceFailure(rec)) writer.failed.add(id);
      if (rec.status === "skipped") writer.skipped.add(id);
    }
    if (!options.retryFailed) {
      for (const id of writer.failed) writer.done.add(id);
    }
    return writer;
  } catch (e) {
    for (const f of opened) {
      try {
        f.close();
      } catch { /* ignore */ }
    }
    await releaseLock(lock);
    throw e;
  }
}

/**
 * Read a predictions file (a torn final line is ignored, nothing is modified).
 *
 * @example
 * ```ts ignore
 * import { readPredictions } from "@swebench/runner/lib";
 * const preds = await readPredictions("predictions/gold__sample.jsonl");
 * ```
 */
export async function readPredictions(path: string): Promise<Prediction[]> {
  return (await readJsonLines(path)).filter((v): v is Prediction =>
    !!v && typeof (v as Prediction).instance_id === "string" &&
    typeof (v as Prediction).model_patch === "string"
  );
}

async function readJsonLines(path: string): Promise<unknown[]> {
  const out: unknown[] = [];
  const lines = (await readTextOf(path)).split("\n");
  // The last element is "" when the file ends with a newline, else a torn line: skip it either way.
  for (const line of lines.slice(0, -1)) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line));
    } catch { /* unreadable line */ }
  }
  return out;
}
