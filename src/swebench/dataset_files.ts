/**
 * Local dataset files: `.jsonl`, `.json` and `.parquet` readers, with errors that name the file and line.
 *
 * @module
 */
import type { AsyncBuffer } from "hyparquet";
import { SwebenchError } from "../core/errors.ts";
import { fileAccessError } from "../http/permission.ts";
import { parseInstance, type ParseOptions, type SwebenchInstance } from "./instance.ts";

function readError(e: unknown, path: string): SwebenchError {
  if (e instanceof SwebenchError) return e;
  if (e instanceof Deno.errors.NotFound) {
    return new SwebenchError("usage", `Dataset file not found: ${path}`, {
      hint: "Check the path, or use a dataset name (`swebench dataset list`).",
    });
  }
  const access = fileAccessError(e, path, "read", "Or copy the dataset somewhere readable.");
  if (access) return access;
  if (e instanceof Deno.errors.IsADirectory) {
    return new SwebenchError("usage", `${path} is a directory, not a dataset file`);
  }
  return new SwebenchError(
    "usage",
    `Could not read dataset ${path}: ${e instanceof Error ? e.message : String(e)}`,
    {
      cause: e,
      hint: "Check that the file is a readable .jsonl, .json or .parquet dataset.",
    },
  );
}

/** `Deno.stat` of a local dataset file, with the error a user can act on. */
export async function statLocal(path: string): Promise<Deno.FileInfo> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(path);
  } catch (e) {
    throw readError(e, path);
  }
  if (!st.isFile) throw new SwebenchError("usage", `${path} is not a file`);
  return st;
}

/** Takes one instance read from a file, with where it was read (`file:line`). */
export type Add = (inst: SwebenchInstance, where: string) => void;

function malformedJson(where: string, e: unknown): SwebenchError {
  const detail = e instanceof Error ? e.message : String(e);
  return new SwebenchError("usage", `${where}: not valid JSON (${detail})`, {
    hint: "Each line of a .jsonl dataset must be one JSON object; fix or remove that line.",
  });
}

/** Bytes read at a time by {@linkcode readJsonl}; a longer line grows the buffer. */
const JSONL_CHUNK = 256 * 1024;

/**
 * Read a `.jsonl` dataset file line by line (errors name the line). The file is read through one reused buffer
 * (fresh memory costs page faults: reading a 3.7 MB file into one new buffer took 17-24 ms here, through a reused
 * 256 KiB one 2-5 ms), each line decoded and parsed on its own.
 */
export async function readJsonl(path: string, add: Add, options: ParseOptions = {}): Promise<void> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    throw readError(e, path);
  }
  let lineNo = 0;
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  /** One line's bytes (without its `\n`): decoded on its own, so an invalid byte names its own line. */
  const handle = (bytes: Uint8Array) => {
    lineNo++;
    let line: string;
    try {
      line = utf8.decode(bytes);
    } catch (e) {
      throw new SwebenchError("usage", `${path}:${lineNo}: not valid UTF-8 text`, {
        cause: e,
        hint:
          "A .jsonl dataset must be UTF-8 encoded: re-encode the file (e.g. iconv -t UTF-8) or fix that line.",
      });
    }
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") return;
    const where = `${path}:${lineNo}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw malformedJson(where, e);
    }
    add(parseInstance(value, where, options), where);
  };
  // Split on newline bytes before decoding: a decoder over whole chunks would only know the chunk, not the line
  // (and one non-ASCII byte would make a whole chunk a two-byte string, slower to decode and to parse).
  // buf[start, len) holds the bytes not handled yet; buf[0, scan) holds no newline.
  let buf = new Uint8Array(JSONL_CHUNK);
  let start = 0;
  let len = 0;
  let scan = 0;
  try {
    for (;;) {
      const data = buf.subarray(0, len);
      for (let nl = data.indexOf(10, scan); nl >= 0; nl = data.indexOf(10, start)) {
        handle(data.subarray(start, nl));
        start = nl + 1;
      }
      // Keep the unfinished line at the front; in a bigger buffer when it fills half of this one (reads stay large).
      buf.copyWithin(0, start, len);
      len -= start;
      start = 0;
      if (len > buf.length / 2) {
        const bigger = new Uint8Array(buf.length * 2);
        bigger.set(buf.subarray(0, len));
        buf = bigger;
      }
      scan = len;
      let n: number | null;
      try {
        n = await file.read(buf.subarray(len));
      } catch (e) {
        throw readError(e, path);
      }
      if (n === null) break;
      len += n;
    }
    if (len > 0) handle(buf.subarray(0, len));
  } finally {
    file.close();
  }
}

/** Read a `.json` dataset file: an array of instances, or one per line. */
export async function readJsonFile(path: string, add: Add, options: ParseOptions = {}): Promise<void> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw readError(e, path);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SwebenchError(
      "usage",
      `${path}: not valid JSON (${e instanceof Error ? e.message : String(e)})`,
      {
        hint: 'A .json dataset must be an array of rows or {"rows": [...]} (one JSON object per row).',
      },
    );
  }
  let rows: unknown[];
  let prefix: string;
  if (Array.isArray(value)) {
    rows = value;
    prefix = "";
  } else if (value && typeof value === "object" && Array.isArray((value as { rows?: unknown }).rows)) {
    rows = (value as { rows: unknown[] }).rows;
    prefix = "rows";
  } else {
    throw new SwebenchError(
      "usage",
      `${path}: expected a JSON array of rows or an object with a "rows" array`,
      {
        hint:
          'Use [{...}, {...}] or {"rows": [...]} (the Hugging Face datasets-server /rows format works too).',
      },
    );
  }
  for (let i = 0; i < rows.length; i++) {
    let row = rows[i];
    // datasets-server: {"row_idx": 0, "row": {...}, "truncated_cells": []}
    if (
      row && typeof row === "object" && !Array.isArray(row) && "row" in row &&
      (row as { row: unknown }).row && typeof (row as { row: unknown }).row === "object" &&
      !("instance_id" in row)
    ) {
      row = (row as { row: unknown }).row;
    }
    const where = `${path} ${prefix}[${i}]`;
    add(parseInstance(row, where, options), where);
  }
}

/** A hyparquet AsyncBuffer over an open file: reads only the byte ranges asked for. */
function fileBuffer(file: Deno.FsFile, byteLength: number): AsyncBuffer {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    byteLength,
    slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? byteLength, byteLength);
      const job = queue.then(async () => {
        const buf = new Uint8Array(Math.max(0, stop - start));
        await file.seek(start, Deno.SeekMode.Start);
        let off = 0;
        while (off < buf.length) {
          const n = await file.read(buf.subarray(off));
          if (n === null) throw new Error(`unexpected end of file at byte ${start + off}`);
          off += n;
        }
        return buf.buffer;
      });
      queue = job.catch(() => {});
      return job;
    },
  };
}

/** Read a `.parquet` dataset file (hyparquet, read in ranges). */
export async function readParquet(path: string, add: Add, options: ParseOptions = {}): Promise<void> {
  let file: Deno.FsFile;
  let size: number;
  try {
    file = await Deno.open(path, { read: true });
    size = (await file.stat()).size;
  } catch (e) {
    throw readError(e, path);
  }
  try {
    // Imported on first use: the parquet reader and its codecs are not loaded by `--help` or a .jsonl dataset.
    const [{ parquetMetadataAsync, parquetReadObjects }, { compressors }] = await Promise.all([
      import("hyparquet"),
      import("hyparquet-compressors"),
    ]);
    const buffer = fileBuffer(file, size);
    let metadata;
    try {
      metadata = await parquetMetadataAsync(buffer);
    } catch (e) {
      throw new SwebenchError(
        "usage",
        `${path}: not a readable parquet file (${e instanceof Error ? e.message : e})`,
        {
          cause: e,
          hint:
            "If it was downloaded, delete its cache directory and run `swebench dataset fetch` again; otherwise " +
            "re-export it (or convert it to .jsonl).",
        },
      );
    }
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      let rows: Record<string, unknown>[];
      try {
        rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, compressors }) as Record<
          string,
          unknown
        >[];
      } catch (e) {
        throw new SwebenchError(
          "usage",
          `${path}: rows ${rowStart + 1}-${rowEnd} could not be decoded (${
            e instanceof Error ? e.message : e
          })`,
          {
            cause: e,
            hint: "If it was downloaded, delete its cache directory and run `swebench dataset fetch` again.",
          },
        );
      }
      for (let i = 0; i < rows.length; i++) {
        const where = `${path} row ${rowStart + i + 1}`;
        add(parseInstance(rows[i], where, options), where);
      }
      rowStart = rowEnd;
    }
  } finally {
    file.close();
  }
}
