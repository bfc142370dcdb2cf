/**
 * Hugging Face dataset download: list a split's parquet files, download them once into the cache directory
 * (atomically: temp file in the same directory, size check, rename) and reuse them with no network afterwards.
 *
 * Plain `fetch` rather than `@huggingface/hub`: we need four endpoints, manual redirects (so the token is never
 * sent to another origin such as the LFS CDN), a size check against `content-length`, and exact control of
 * errors and timers; the hub client would add a dependency surface without removing any of that code.
 *
 * @module
 */
import { SwebenchError } from "../core/errors.ts";
import { fileAccessError } from "../http/permission.ts";
import { DEFAULT_HF_ENDPOINT, HF_HOSTS, hfSplitDir, joinPath as join } from "./hf_paths.ts";

export { DEFAULT_HF_ENDPOINT, HF_HOSTS, hfSplitDir };

/** Options for talking to the hub. */
export interface HfOptions {
  /** Hub origin (`HF_ENDPOINT`); default {@linkcode DEFAULT_HF_ENDPOINT}. */
  endpoint?: string;
  /** Access token (`HF_TOKEN`), sent as `Authorization: Bearer` to the endpoint's origin only; never logged. */
  token?: string;
  /** Injectable fetch (tests). */
  fetch?: typeof fetch;
  /** Aborts listing and downloads. */
  signal?: AbortSignal;
  /** Milliseconds to wait for response headers (default 30 000; 0 = no limit). */
  connectTimeoutMs?: number;
  /** Milliseconds allowed between two body chunks, of a listing or a download (default 60 000; 0 = no limit). */
  idleTimeoutMs?: number;
  /** The dataset name as the user typed it, for the offline hint (`swebench dataset fetch <name>`). */
  displayName?: string;
  /** Download progress. */
  onProgress?: (event: HfProgress) => void;
}

/** Download progress of one file. */
export interface HfProgress {
  /** File name in the cache. */
  file: string;
  /** Bytes received so far. */
  bytes: number;
  /** Expected size, when known. */
  total?: number;
  /** True once the file is complete. */
  done: boolean;
}

/** A parquet file of a split, as listed by the hub. */
export interface HfRemoteFile {
  /** Name in the cache directory. */
  name: string;
  /** Download URL. */
  url: string;
  /** Size in bytes, when the listing said. */
  size?: number;
}

/** A split's files in the cache. */
export interface CachedSplit {
  /** Dataset id (`org/name`). */
  id: string;
  /** Split name. */
  split: string;
  /** Cache directory of the split. */
  dir: string;
  /** Parquet file paths, in read order. */
  files: string[];
  /** Total size in bytes. */
  sizeBytes: number;
  /** True when nothing was downloaded. */
  fromCache: boolean;
}

interface Manifest {
  id: string;
  split: string;
  endpoint: string;
  fetchedAt: string;
  files: { name: string; size: number; url: string }[];
}

const MANIFEST = "manifest.json";
const MAX_REDIRECTS = 10;
const MAX_TREE_PAGES = 100;

function endpointOf(options: HfOptions): string {
  return (options.endpoint || DEFAULT_HF_ENDPOINT).replace(/\/+$/, "");
}

function offlineHint(options: HfOptions): string {
  const name = options.displayName ?? "<name>";
  return `Check the network (and HF_ENDPOINT), then run \`swebench dataset fetch ${name}\` once while online; ` +
    "after that the dataset is read from the cache with no network.";
}

/**
 * The split's files in the cache, when a complete earlier download is there (a manifest written after the last
 * file, and every file present with its recorded size); `undefined` otherwise. No network.
 *
 * @example
 * ```ts ignore
 * import { readCachedSplit } from "@swebench/runner/lib";
 * const cached = await readCachedSplit("/tmp/cache", "princeton-nlp/SWE-bench_Lite", "test");
 * console.log(cached?.files);
 * ```
 */
export async function readCachedSplit(
  cacheDir: string,
  id: string,
  split: string,
): Promise<CachedSplit | undefined> {
  const dir = hfSplitDir(cacheDir, id, split);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(join(dir, MANIFEST)));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof SyntaxError) return undefined;
    throw fsError(e, dir, "read");
  }
  if (!Array.isArray(manifest.files) || manifest.files.length === 0) return undefined;
  const files: string[] = [];
  let sizeBytes = 0;
  for (const f of manifest.files) {
    const path = join(dir, f.name);
    try {
      const st = await Deno.stat(path);
      if (!st.isFile || st.size !== f.size) return undefined;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw fsError(e, dir, "read");
    }
    files.push(path);
    sizeBytes += f.size;
  }
  return { id, split, dir, files, sizeBytes, fromCache: true };
}

/**
 * Make sure a split is in the cache: reuse a complete cached copy (no network), otherwise list and download its
 * parquet files. `refresh` forces a new download (the old files stay until the new ones are complete).
 *
 * Errors: 401/403 -> `config` naming HF_TOKEN; 404 -> `usage` naming the dataset id; no network and no cache ->
 * `connection` saying to run `swebench dataset fetch <name>` when online; a short or cut download -> `connection`
 * (no partial file is left behind).
 *
 * @example
 * ```ts ignore
 * import { downloadSplit } from "@swebench/runner/lib";
 * const split = await downloadSplit("princeton-nlp/SWE-bench_Lite", "test", { cacheDir: "/tmp/cache", token: Deno.env.get("HF_TOKEN") });
 * console.log(split.files, split.sizeBytes);
 * ```
 */
export async function downloadSplit(
  id: string,
  split: string,
  options: HfOptions & { cacheDir: string; refresh?: boolean },
): Promise<CachedSplit> {
  if (!options.refresh) {
    const cached = await readCachedSplit(options.cacheDir, id, split);
    if (cached) return cached;
  }
  const remote = await listParquetFiles(id, split, options);
  const dir = hfSplitDir(options.cacheDir, id, split);
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (e) {
    throw fsError(e, options.cacheDir, "write");
  }
  await removeStaleParts(dir);
  const manifest: Manifest = {
    id,
    split,
    endpoint: endpointOf(options),
    fetchedAt: new Date().toISOString(),
    files: [],
  };
  const files: string[] = [];
  let sizeBytes = 0;
  for (const file of remote) {
    const path = join(dir, file.name);
    // A file completed by an earlier, interrupted fetch (same listed size) is not downloaded again.
    const existing = file.size === undefined ? undefined : await Deno.stat(path).catch(() => undefined);
    const size = existing?.isFile && existing.size === file.size && !options.refresh
      ? existing.size
      : await downloadFile(file, path, id, options);
    manifest.files.push({ name: file.name, size, url: file.url });
    files.push(path);
    sizeBytes += size;
  }
  await writeAtomic(join(dir, MANIFEST), new TextEncoder().encode(JSON.stringify(manifest, null, 2) + "\n"));
  return { id, split, dir, files, sizeBytes, fromCache: false };
}

/**
 * List the parquet files of a dataset split. Asks the hub's parquet API
 * (`/api/datasets/{id}/parquet/default/{split}`) first, and falls back to the repository tree
 * (`/api/datasets/{id}/tree/main?recursive=true`, files named `{split}-*.parquet`, preferably under `data/`).
 *
 * @example
 * ```ts ignore
 * import { listParquetFiles } from "@swebench/runner/lib";
 * console.log(await listParquetFiles("princeton-nlp/SWE-bench_Lite", "dev", {}));
 * ```
 */
export async function listParquetFiles(
  id: string,
  split: string,
  options: HfOptions = {},
): Promise<HfRemoteFile[]> {
  const endpoint = endpointOf(options);
  const enc = id.split("/").map(encodeURIComponent).join("/");
  // 1. The parquet API (the hub's own conversion; works for datasets stored as JSON too).
  const apiUrl = `${endpoint}/api/datasets/${enc}/parquet/default/${encodeURIComponent(split)}`;
  const res = await hubFetch(apiUrl, id, options);
  if (res.ok) {
    const body = await readJson(res, apiUrl, id, options);
    if (Array.isArray(body) && body.length > 0 && body.every((u) => typeof u === "string")) {
      return body.map((u: string, i: number) => {
        const url = new URL(u, endpoint + "/").href;
        const base = decodeURIComponent(new URL(url).pathname.split("/").pop() || `${i}.parquet`);
        return { name: safeName(base.endsWith(".parquet") ? base : `${base}.parquet`), url };
      });
    }
  } else {
    await res.body?.cancel();
    if (res.status === 401 || res.status === 403) throw authError(id, res.status, options);
  }
  // 2. The repository tree.
  const tree = await listTree(id, options);
  const want = (p: string) => {
    const base = p.split("/").pop() ?? "";
    return base.endsWith(".parquet") && (base.startsWith(`${split}-`) || base === `${split}.parquet`);
  };
  const parquet = tree.filter((f) => f.path.endsWith(".parquet"));
  let chosen = parquet.filter((f) => f.path.startsWith("data/") && want(f.path));
  if (chosen.length === 0) chosen = parquet.filter((f) => want(f.path));
  if (chosen.length === 0) chosen = parquet.filter((f) => f.path.split("/").slice(0, -1).includes(split));
  if (chosen.length === 0) {
    const splits = [
      ...new Set(parquet.map((f) => (f.path.split("/").pop() ?? "").replace(/(-\d+-of-\d+)?\.parquet$/, ""))),
    ];
    throw new SwebenchError(
      "usage",
      `Hugging Face dataset "${id}" has no parquet files for split "${split}"` +
        (splits.length
          ? ` (files found for: ${splits.slice(0, 10).join(", ")})`
          : " (it has no parquet files)"),
      {
        hint:
          "Pick another --split, or download the data yourself and pass the local .jsonl/.json/.parquet path.",
      },
    );
  }
  chosen.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return chosen.map((f) => ({
    name: safeName(f.path.split("/").pop()!),
    url: `${endpoint}/datasets/${enc}/resolve/main/${f.path.split("/").map(encodeURIComponent).join("/")}`,
    size: f.size,
  }));
}

interface TreeEntry {
  type: string;
  path: string;
  size?: number;
  lfs?: { size?: number };
}

async function listTree(id: string, options: HfOptions): Promise<TreeEntry[]> {
  const endpoint = endpointOf(options);
  const enc = id.split("/").map(encodeURIComponent).join("/");
  let url: string | undefined = `${endpoint}/api/datasets/${enc}/tree/main?recursive=true`;
  const out: TreeEntry[] = [];
  for (let page = 0; url && page < MAX_TREE_PAGES; page++) {
    const res = await hubFetch(url, id, options);
    if (!res.ok) {
      await res.body?.cancel();
      throw statusError(id, res.status, url, options);
    }
    const body = await readJson(res, url, id, options);
    if (!Array.isArray(body)) {
      throw new SwebenchError("server", `Hugging Face tree listing of "${id}" is not a JSON array`);
    }
    for (const e of body) {
      if (e && typeof e === "object" && typeof e.path === "string" && e.type === "file") {
        out.push({ type: e.type, path: e.path, size: e.lfs?.size ?? e.size });
      }
    }
    url = nextLink(res.headers.get("link"), url);
  }
  return out;
}

function nextLink(link: string | null, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = part.match(/<([^>]+)>\s*;\s*rel="?next"?/);
    if (m) return new URL(m[1], base).href;
  }
  return undefined;
}

function safeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
  return cleaned || "data.parquet";
}

/** A listing's JSON body, read under the idle timeout (a body that stalls after the headers never hangs). */
async function readJson(res: Response, url: string, id: string, options: HfOptions): Promise<unknown> {
  const text = new TextDecoder().decode(await readBody(res, url, id, options));
  try {
    return JSON.parse(text);
  } catch {
    if (/^\ufeff?\s*</.test(text)) throw htmlPage(res.status, url, text);
    throw new SwebenchError("server", `Hugging Face returned invalid JSON for ${new URL(url).pathname}`, {
      status: res.status,
      body: text.slice(0, 500),
      hint: offlineHint(options),
    });
  }
}

/** A web page where the hub's API or a file should be: a proxy or a captive portal's login (kind `html_page`). */
function htmlPage(status: number, url: string, text: string): SwebenchError {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.replace(/\s+/g, " ").trim().slice(0, 200);
  return new SwebenchError(
    "html_page",
    `got an HTML page${title ? ` ("${title}")` : ""} from ${
      new URL(url).host
    } (status ${status}) instead of ` +
      "Hugging Face's answer: a proxy or login page is in the way",
    {
      status,
      body: text.slice(0, 500),
      hint:
        "Log in to the network (captive portal) or fix the proxy, or check HF_ENDPOINT; then run the same " +
        "command again (nothing was cached).",
    },
  );
}

/** The whole body, each read under the idle timeout and the caller's signal; a stall is a `timeout` error. */
async function readBody(res: Response, url: string, id: string, options: HfOptions): Promise<Uint8Array> {
  if (res.body === null) return new Uint8Array(0);
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let stalled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => reader.cancel().catch(() => {});
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      if (idleMs > 0) {
        timer = setTimeout(() => {
          stalled = true;
          reader.cancel().catch(() => {});
        }, idleMs);
      }
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (options.signal?.aborted) {
          throw new SwebenchError("interrupted", "Download interrupted", { cause: e });
        }
        throw new SwebenchError("connection", `The answer of ${new URL(url).host} for "${id}" was cut`, {
          cause: e,
          hint: offlineHint(options),
        });
      } finally {
        clearTimeout(timer);
      }
      if (options.signal?.aborted) throw new SwebenchError("interrupted", "Download interrupted");
      if (stalled) {
        throw new SwebenchError(
          "timeout",
          `${new URL(url).host} stopped sending its answer for "${id}" (no data for ${
            Math.round(idleMs / 1000)
          } s after ${size} bytes)`,
          { hint: `Retry later, or raise --idle-timeout. ${offlineHint(options)}` },
        );
      }
      if (chunk.done) break;
      chunks.push(chunk.value);
      size += chunk.value.byteLength;
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function authError(id: string, status: number, options: HfOptions): SwebenchError {
  return new SwebenchError(
    "config",
    `Hugging Face refused access to dataset "${id}" (HTTP ${status})` +
      (options.token ? ": the token in HF_TOKEN is not accepted for it" : " without a token"),
    {
      status,
      hint: options.token
        ? "Check HF_TOKEN (a read token of an account that accepted the dataset's terms), and the dataset id."
        : "If the dataset is private or gated, set HF_TOKEN to a Hugging Face read token; also check the dataset id.",
    },
  );
}

function statusError(id: string, status: number, url: string, options: HfOptions): SwebenchError {
  if (status === 401 || status === 403) return authError(id, status, options);
  if (status === 404) {
    return new SwebenchError(
      "usage",
      `Hugging Face dataset "${id}" not found (HTTP 404 at ${new URL(url).pathname})`,
      {
        status,
        hint:
          "Check the dataset id (`org/name`, e.g. princeton-nlp/SWE-bench_Lite) and HF_ENDPOINT; `swebench dataset " +
          "list` shows the known names.",
      },
    );
  }
  if (status === 429) {
    return new SwebenchError("rate_limit", `Hugging Face rate-limited the download of "${id}" (HTTP 429)`, {
      status,
      hint: "Wait a minute and retry; set HF_TOKEN for higher limits.",
    });
  }
  return new SwebenchError(
    "server",
    `Hugging Face returned HTTP ${status} for "${id}" (${new URL(url).pathname})`,
    {
      status,
      hint: offlineHint(options),
    },
  );
}

function fsError(e: unknown, path: string, what: "read" | "write"): SwebenchError {
  if (e instanceof SwebenchError) return e;
  const access = fileAccessError(e, path, what, "Or set SWEBENCH_CACHE_DIR to a writable directory.");
  if (access) return access;
  return new SwebenchError(
    "unexpected",
    `Could not ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`,
    { cause: e },
  );
}

function netPermissionError(e: unknown, url: string): SwebenchError | undefined {
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    const u = new URL(url);
    const hostPort = u.port ? `${u.hostname}:${u.port}` : u.hostname;
    return new SwebenchError("permission", `No network permission for ${hostPort}`, {
      cause: e,
      hint: `Add --allow-net=${hostPort}.`,
    });
  }
  return undefined;
}

/** A fetch with manual redirects (token only to the endpoint's origin), a header timeout and error mapping. */
async function hubFetch(url: string, id: string, options: HfOptions): Promise<Response> {
  const doFetch = options.fetch ?? fetch;
  const origin = new URL(endpointOf(options)).origin;
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers = new Headers({ "user-agent": "swebench-runner" });
    if (options.token && new URL(current).origin === origin) {
      headers.set("authorization", `Bearer ${options.token}`);
    }
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) controller.abort(options.signal.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const connectMs = options.connectTimeoutMs ?? 30_000;
    const timer = connectMs > 0
      ? setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, connectMs)
      : undefined;
    let res: Response;
    try {
      res = await doFetch(current, { headers, redirect: "manual", signal: controller.signal });
    } catch (e) {
      if (options.signal?.aborted) {
        throw new SwebenchError("interrupted", "Download interrupted", { cause: e });
      }
      const perm = netPermissionError(e, current);
      if (perm) throw perm;
      const host = new URL(current).host;
      throw new SwebenchError(
        timedOut ? "timeout" : "connection",
        timedOut
          ? `No answer from ${host} within ${Math.round(connectMs / 1000)} s while fetching dataset "${id}"`
          : `Could not reach ${host} to fetch dataset "${id}": ${e instanceof Error ? e.message : String(e)}`,
        { cause: e, hint: offlineHint(options) },
      );
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.has("location")) {
      await res.body?.cancel();
      current = new URL(res.headers.get("location")!, current).href;
      continue;
    }
    return res;
  }
  throw new SwebenchError("server", `Too many redirects while fetching dataset "${id}"`, {
    hint: offlineHint(options),
  });
}

/** Download one file to `path` atomically; returns its size. */
async function downloadFile(
  file: HfRemoteFile,
  path: string,
  id: string,
  options: HfOptions,
): Promise<number> {
  const res = await hubFetch(file.url, id, options);
  if (!res.ok) {
    await res.body?.cancel();
    throw statusError(id, res.status, file.url, options);
  }
  const lengthHeader = res.headers.get("content-length");
  const expected = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : file.size;
  const dir = path.slice(0, path.lastIndexOf("/"));
  const tmp = `${dir}/.${file.name}.${crypto.randomUUID().slice(0, 8)}.part`;
  let out: Deno.FsFile | undefined;
  let written = 0;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let idleTimedOut = false;
  const reader = res.body!.getReader();
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const armIdle = () => {
    clearTimeout(idleTimer);
    if (idleMs <= 0) return;
    idleTimer = setTimeout(() => {
      idleTimedOut = true;
      reader.cancel().catch(() => {});
    }, idleMs);
  };
  try {
    try {
      out = await Deno.open(tmp, { read: true, write: true, createNew: true });
    } catch (e) {
      throw fsError(e, dir, "write");
    }
    const onAbort = () => reader.cancel().catch(() => {});
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      armIdle();
      for (let guard = 0; guard < 1e9; guard++) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          throw new SwebenchError(
            "connection",
            `Download of ${file.name} for "${id}" was cut after ${written} bytes` +
              (expected !== undefined ? ` of ${expected}` : ""),
            { cause: e, hint: offlineHint(options) },
          );
        }
        if (chunk.done) break;
        armIdle();
        let off = 0;
        while (off < chunk.value.length) off += await out.write(chunk.value.subarray(off));
        written += chunk.value.length;
        options.onProgress?.({ file: file.name, bytes: written, total: expected, done: false });
      }
    } finally {
      clearTimeout(idleTimer);
      options.signal?.removeEventListener("abort", onAbort);
    }
    if (options.signal?.aborted) throw new SwebenchError("interrupted", "Download interrupted");
    if (idleTimedOut) {
      throw new SwebenchError(
        "timeout",
        `Download of ${file.name} for "${id}" stalled: no data for ${
          Math.round(idleMs / 1000)
        } s after ${written} bytes`,
        { hint: `Retry later, or raise --idle-timeout. ${offlineHint(options)}` },
      );
    }
    if (expected !== undefined && written !== expected) {
      throw new SwebenchError(
        "connection",
        `Download of ${file.name} for "${id}" is incomplete: ${written} of ${expected} bytes`,
        { hint: offlineHint(options) },
      );
    }
    if (!(await looksLikeParquet(out, written))) {
      const head = new Uint8Array(Math.min(written, 4096));
      await out.seek(0, Deno.SeekMode.Start);
      await readFull(out, head);
      const text = new TextDecoder().decode(head);
      if (/^\ufeff?\s*</.test(text)) throw htmlPage(res.status, file.url, text);
      throw new SwebenchError("server", `Downloaded ${file.name} for "${id}" is not a parquet file`, {
        hint: "Check HF_ENDPOINT: it must point to a Hugging Face hub (or mirror).",
      });
    }
    await out.syncData();
    out.close();
    out = undefined;
    await Deno.rename(tmp, path);
    options.onProgress?.({ file: file.name, bytes: written, total: expected, done: true });
    return written;
  } catch (e) {
    try {
      out?.close();
    } catch { /* already closed */ }
    await Deno.remove(tmp).catch(() => {});
    throw e instanceof SwebenchError ? e : fsError(e, dir, "write");
  }
}

/** Temp files of downloads killed mid-way (no write for 10 minutes; live downloads write at least every idle timeout). */
async function removeStaleParts(dir: string): Promise<void> {
  const cutoff = Date.now() - 10 * 60_000;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.startsWith(".") || !e.name.endsWith(".part")) continue;
      const path = join(dir, e.name);
      const st = await Deno.stat(path).catch(() => undefined);
      if (st?.mtime && st.mtime.getTime() < cutoff) await Deno.remove(path).catch(() => {});
    }
  } catch {
    // best effort
  }
}

async function looksLikeParquet(file: Deno.FsFile, size: number): Promise<boolean> {
  if (size < 12) return false;
  const head = new Uint8Array(4);
  const tail = new Uint8Array(4);
  await file.seek(0, Deno.SeekMode.Start);
  await readFull(file, head);
  await file.seek(size - 4, Deno.SeekMode.Start);
  await readFull(file, tail);
  const magic = (b: Uint8Array) => b[0] === 0x50 && b[1] === 0x41 && b[2] === 0x52 && b[3] === 0x31; // PAR1
  return magic(head) && magic(tail);
}

async function readFull(file: Deno.FsFile, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const n = await file.read(buf.subarray(off));
    if (n === null) throw new Error("unexpected end of file");
    off += n;
  }
}

async function writeAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.part`;
  try {
    const f = await Deno.open(tmp, { write: true, createNew: true });
    try {
      let off = 0;
      while (off < data.length) off += await f.write(data.subarray(off));
      await f.syncData();
    } finally {
      f.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw fsError(e, path, "write");
  }
}
