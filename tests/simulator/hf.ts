/**
 * Fake Hugging Face Hub for datasets: info (`/api/datasets/{id}`), tree listing (`/tree/{rev}[/{path}]`,
 * `recursive`, paged with a `Link` header), the parquet API (`/parquet[/{config}[/{split}[/{n}.parquet]]]`),
 * `paths-info`, and file downloads (`/datasets/{id}/resolve/{rev}/{path}`) with `Range` support. LFS files
 * (parquet, arrow, zip, gz, bin, safetensors) redirect (302) to `/cdn/lfs/{sha256}` like the real hub; other files
 * are served directly. Works with `@huggingface/hub` (`listFiles`, `downloadFile`, `fileDownloadInfo`) given
 * `hubUrl: sim.url`.
 *
 * @module
 */

import { plainResponse } from "./body.ts";
import { type HandlerContext, SimCore } from "./core.ts";
import type { Fault, HfDataset, HfSimOptions, Simulator } from "./types.ts";
import { randomHex } from "./util.ts";

const LFS_EXTENSIONS = /\.(parquet|arrow|zip|gz|bin|safetensors|tar|zst)$/i;

interface FileEntry {
  path: string;
  bytes: Uint8Array;
  lfs: boolean;
  /** git blob oid (of the pointer file for LFS files). */
  oid: string;
  sha256: string;
  pointerSize: number;
}

interface Repo {
  id: string;
  dataset: HfDataset;
  revision: string;
  sha: string;
  files: Map<string, FileEntry>;
  /** config -> split -> file paths. */
  parquet: Map<string, Map<string, string[]>>;
}

async function digestHex(algorithm: "SHA-1" | "SHA-256", data: Uint8Array): Promise<string> {
  const buf = await crypto.subtle.digest(algorithm, data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function gitBlobOid(content: Uint8Array): Promise<string> {
  const header = new TextEncoder().encode(`blob ${content.length}\0`);
  const all = new Uint8Array(header.length + content.length);
  all.set(header);
  all.set(content, header.length);
  return await digestHex("SHA-1", all);
}

function splitOf(path: string): { config: string; split: string } {
  const parts = path.split("/");
  const base = parts[parts.length - 1].replace(/\.parquet$/i, "");
  const fromBase = base.split("-")[0] || base;
  if (parts.length === 1) return { config: "default", split: fromBase };
  if (parts[0] === "data") return { config: parts.length >= 3 ? parts[1] : "default", split: fromBase };
  if (parts.length === 2) return { config: parts[0], split: fromBase };
  return { config: parts[0], split: parts[1] };
}

async function buildRepo(id: string, dataset: HfDataset): Promise<Repo> {
  const files = new Map<string, FileEntry>();
  for (const [path, bytes] of Object.entries(dataset.files).sort(([a], [b]) => a.localeCompare(b))) {
    const sha256 = await digestHex("SHA-256", bytes);
    const lfs = LFS_EXTENSIONS.test(path);
    const pointer = new TextEncoder().encode(
      `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${bytes.length}\n`,
    );
    files.set(path, {
      path,
      bytes,
      lfs,
      oid: await gitBlobOid(lfs ? pointer : bytes),
      sha256,
      pointerSize: pointer.length,
    });
  }
  const sha = await digestHex(
    "SHA-1",
    new TextEncoder().encode(`${id}\n${[...files.values()].map((f) => `${f.path}:${f.oid}`).join("\n")}`),
  );
  const parquet = new Map<string, Map<string, string[]>>();
  for (const path of files.keys()) {
    if (!/\.parquet$/i.test(path)) continue;
    const { config, split } = splitOf(path);
    if (!parquet.has(config)) parquet.set(config, new Map());
    const splits = parquet.get(config)!;
    if (!splits.has(split)) splits.set(split, []);
    splits.get(split)!.push(path);
  }
  return { id, dataset, revision: dataset.revision ?? "main", sha, files, parquet };
}

interface State {
  core: SimCore;
  options: HfSimOptions;
  repos: Map<string, Repo>;
  cdn: Map<string, FileEntry>;
}

function headers(extra?: Record<string, string>): Headers {
  const h = new Headers({ "x-request-id": `Root=1-${randomHex(8)}-${randomHex(24)}` });
  for (const [k, v] of Object.entries(extra ?? {})) h.set(k, v);
  return h;
}

function jsonResponse(status: number, body: unknown, extra?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: headers({ "content-type": "application/json; charset=utf-8", ...extra }),
  });
}

function hubError(status: number, message: string, code?: string): Response {
  const extra: Record<string, string> = {};
  if (code) {
    extra["x-error-code"] = code;
    extra["x-error-message"] = message;
  }
  return jsonResponse(status, { error: message }, extra);
}

/** Authorization check: server token everywhere, any bearer token for private datasets. */
function authError(state: State, repo: Repo | undefined, request: Request): Response | undefined {
  const auth = request.headers.get("authorization") ?? "";
  const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
  if (state.options.token !== undefined) {
    if (token !== state.options.token) return hubError(401, "Invalid credentials in Authorization header");
    return undefined;
  }
  if (repo?.dataset.private && !token) return hubError(401, "Repository not found", "RepoNotFound");
  return undefined;
}

/** Split `segments` into a known dataset id and the rest. */
function findRepo(state: State, segments: string[]): { repo?: Repo; id: string; rest: string[] } {
  if (segments.length >= 2) {
    const two = `${segments[0]}/${segments[1]}`;
    const repo = state.repos.get(two);
    if (repo) return { repo, id: two, rest: segments.slice(2) };
  }
  if (segments.length >= 1) {
    const repo = state.repos.get(segments[0]);
    if (repo) return { repo, id: segments[0], rest: segments.slice(1) };
  }
  return { id: segments.slice(0, 2).join("/"), rest: segments.slice(2) };
}

function revisionOk(repo: Repo, rev: string): boolean {
  return rev === repo.revision || rev === "main" || rev === repo.sha;
}

function info(repo: Repo): Record<string, unknown> {
  const [author] = repo.id.includes("/") ? repo.id.split("/") : [""];
  let used = 0;
  for (const f of repo.files.values()) used += f.bytes.length;
  return {
    _id: repo.sha.slice(0, 24),
    id: repo.id,
    author,
    sha: repo.sha,
    lastModified: "2024-06-04T00:00:00.000Z",
    private: repo.dataset.private === true,
    gated: false,
    disabled: false,
    downloads: 0,
    likes: 0,
    tags: [],
    cardData: {},
    description: "",
    siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })),
    createdAt: "2024-01-01T00:00:00.000Z",
    usedStorage: used,
  };
}

function treeEntries(repo: Repo, dir: string, recursive: boolean): Record<string, unknown>[] | undefined {
  const prefix = dir ? `${dir}/` : "";
  if (dir && ![...repo.files.keys()].some((p) => p.startsWith(prefix))) return undefined;
  const dirs = new Set<string>();
  const files: FileEntry[] = [];
  for (const f of repo.files.values()) {
    if (!f.path.startsWith(prefix)) continue;
    const rest = f.path.slice(prefix.length).split("/");
    if (rest.length === 1) files.push(f);
    else if (recursive) {
      for (let i = 1; i < rest.length; i++) dirs.add(prefix + rest.slice(0, i).join("/"));
      files.push(f);
    } else dirs.add(prefix + rest[0]);
  }
  const entries: Record<string, unknown>[] = [];
  for (const d of [...dirs].sort()) {
    entries.push({ type: "directory", oid: randomTreeOid(repo, d), size: 0, path: d });
  }
  for (const f of files.sort((a, b) => a.path.localeCompare(b.path))) {
    const e: Record<string, unknown> = { type: "file", oid: f.oid, size: f.bytes.length, path: f.path };
    if (f.lfs) e.lfs = { oid: f.sha256, size: f.bytes.length, pointerSize: f.pointerSize };
    entries.push(e);
  }
  return entries;
}

function randomTreeOid(repo: Repo, dir: string): string {
  // Deterministic stand-in for a git tree oid.
  let h = 0;
  for (const ch of `${repo.sha}/${dir}`) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return (h.toString(16).padStart(8, "0").repeat(5)).slice(0, 40);
}

function tree(state: State, ctx: HandlerContext, repo: Repo, rest: string[]): Response {
  // rest = [rev, ...path]
  const rev = decodeURIComponent(rest[0] ?? "main");
  if (!revisionOk(repo, rev)) return hubError(404, `Invalid rev id: ${rev}`, "RevisionNotFound");
  const dir = rest.slice(1).map(decodeURIComponent).join("/");
  const recursive = ctx.url.searchParams.get("recursive") === "true";
  const entries = treeEntries(repo, dir, recursive);
  if (!entries) return hubError(404, `Entry not found`, "EntryNotFound");
  const pageSize = Math.max(1, state.options.treePageSize ?? 1000);
  const cursor = Number(ctx.url.searchParams.get("cursor") ?? 0) || 0;
  const page = entries.slice(cursor, cursor + pageSize);
  const extra: Record<string, string> = {};
  if (cursor + pageSize < entries.length) {
    const next = new URL(ctx.url.href);
    next.searchParams.set("cursor", String(cursor + pageSize));
    extra.link = `<${next.href}>; rel="next"`;
  }
  return jsonResponse(200, page, extra);
}

function parquetUrl(state: State, repo: Repo, config: string, split: string, n: number): string {
  return `${state.core.url}/api/datasets/${repo.id}/parquet/${encodeURIComponent(config)}/${
    encodeURIComponent(split)
  }/${n}.parquet`;
}

function parquetApi(state: State, repo: Repo, rest: string[]): Response {
  const [config, split, file] = rest.map(decodeURIComponent);
  const splitsOf = (c: string) => {
    const out: Record<string, string[]> = {};
    for (const [s, paths] of repo.parquet.get(c) ?? []) {
      out[s] = paths.map((_, i) => parquetUrl(state, repo, c, s, i));
    }
    return out;
  };
  if (config === undefined) {
    const out: Record<string, Record<string, string[]>> = {};
    for (const c of repo.parquet.keys()) out[c] = splitsOf(c);
    return jsonResponse(200, out);
  }
  if (!repo.parquet.has(config)) return hubError(404, `Config ${config} not found`);
  if (split === undefined) return jsonResponse(200, splitsOf(config));
  const paths = repo.parquet.get(config)!.get(split);
  if (!paths) return hubError(404, `Split ${split} not found in config ${config}`);
  if (file === undefined) {
    return jsonResponse(
      200,
      paths.map((_, i) => parquetUrl(state, repo, config, split, i)),
    );
  }
  const n = Number(/^(\d+)\.parquet$/.exec(file)?.[1] ?? NaN);
  if (!Number.isInteger(n) || n < 0 || n >= paths.length) {
    return hubError(404, "Entry not found", "EntryNotFound");
  }
  const location = `${state.core.url}/datasets/${repo.id}/resolve/${repo.revision}/${
    paths[n].split("/").map(encodeURIComponent).join("/")
  }`;
  return new Response(null, { status: 302, headers: headers({ location }) });
}

function pathsInfo(repo: Repo, body: unknown): Response {
  const paths = (body && typeof body === "object" && Array.isArray((body as { paths?: unknown }).paths))
    ? (body as { paths: unknown[] }).paths.filter((p): p is string => typeof p === "string")
    : [];
  const out: Record<string, unknown>[] = [];
  for (const p of paths) {
    const f = repo.files.get(p);
    if (f) {
      const e: Record<string, unknown> = { type: "file", oid: f.oid, size: f.bytes.length, path: f.path };
      if (f.lfs) e.lfs = { oid: f.sha256, size: f.bytes.length, pointerSize: f.pointerSize };
      out.push(e);
    } else if ([...repo.files.keys()].some((k) => k.startsWith(`${p}/`))) {
      out.push({ type: "directory", oid: randomTreeOid(repo, p), size: 0, path: p });
    }
  }
  return jsonResponse(200, out);
}

function contentTypeOf(path: string): string {
  if (/\.json$/i.test(path)) return "application/json";
  if (/\.(md|txt|jsonl|csv|py|yaml|yml)$/i.test(path)) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

/** Parse a single `bytes=` range; null = ignore the header; "invalid" = 416. */
function parseRange(header: string | null, size: number): { start: number; end: number } | null | "invalid" {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "invalid";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start) return null;
  }
  if (start >= size) return "invalid";
  return { start, end };
}

/** Serve the bytes of `file` (with Range), applying a download fault. */
async function serveBytes(
  state: State,
  ctx: HandlerContext,
  file: FileEntry,
  base: Record<string, string>,
): Promise<Response> {
  const { core } = state;
  const head = ctx.request.method === "HEAD";
  let fault: Fault | undefined;
  if (!head) {
    fault = core.beginModelCall(ctx.log);
    const early = await core.prelude(ctx.log, fault, ctx.signal);
    if (early) return early;
    if (fault?.type === "status") {
      if (fault.body !== undefined) {
        return new Response(typeof fault.body === "string" ? fault.body : JSON.stringify(fault.body), {
          status: fault.status,
          headers: headers({ "content-type": "application/json; charset=utf-8", ...fault.headers }),
        });
      }
      return jsonResponse(fault.status, { error: fault.message ?? "Internal Error" }, fault.headers);
    }
    if (fault?.type === "error-event") return jsonResponse(500, { error: "Internal Error" });
  }
  const size = file.bytes.length;
  const range = parseRange(ctx.request.headers.get("range"), size);
  const h = headers({ ...base, "accept-ranges": "bytes" });
  if (range === "invalid") {
    h.set("content-range", `bytes */${size}`);
    return new Response(null, { status: 416, headers: h });
  }
  let body = file.bytes;
  let status = 200;
  if (range) {
    body = file.bytes.subarray(range.start, range.end + 1);
    status = 206;
    h.set("content-range", `bytes ${range.start}-${range.end}/${size}`);
  }
  h.set("content-length", String(body.length));
  if (head) return new Response(null, { status, headers: h });
  if (fault?.type === "malformed") {
    // Corrupted download: half the bytes, with a matching content-length.
    const half = body.subarray(0, Math.floor(body.length / 2));
    h.set("content-length", String(half.length));
    return new Response(half as Uint8Array<ArrayBuffer>, { status, headers: h });
  }
  if (fault?.type === "cut" || fault?.type === "stall") {
    return plainResponse(core, { status, headers: h, text: "", fault, bytes: body }, ctx.signal);
  }
  return new Response(body as Uint8Array<ArrayBuffer>, { status, headers: h });
}

function resolve(
  state: State,
  ctx: HandlerContext,
  repo: Repo,
  rest: string[],
): Response | Promise<Response> {
  const rev = decodeURIComponent(rest[0] ?? "");
  if (!revisionOk(repo, rev)) return hubError(404, `Invalid rev id: ${rev}`, "RevisionNotFound");
  const path = rest.slice(1).map(decodeURIComponent).join("/");
  const file = repo.files.get(path);
  if (!file) return hubError(404, "Entry not found", "EntryNotFound");
  const name = path.split("/").pop() ?? path;
  const common: Record<string, string> = {
    "x-repo-commit": repo.sha,
    "content-disposition": `inline; filename*=UTF-8''${encodeURIComponent(name)}; filename="${name}";`,
  };
  if (file.lfs) {
    const location = `${state.core.url}/cdn/lfs/${file.sha256}?filename=${encodeURIComponent(name)}`;
    return new Response(`Found. Redirecting to ${location}`, {
      status: 302,
      headers: headers({
        ...common,
        location,
        "content-type": "text/plain; charset=utf-8",
        "x-linked-size": String(file.bytes.length),
        "x-linked-etag": `"${file.sha256}"`,
        etag: `"${file.oid}"`,
      }),
    });
  }
  return serveBytes(state, ctx, file, {
    ...common,
    "content-type": contentTypeOf(path),
    etag: `"${file.oid}"`,
  });
}

/**
 * Start the fake Hugging Face Hub.
 *
 * @example
 * ```ts
 * import { downloadFile, listFiles } from "@huggingface/hub";
 * import { startHfSim } from "./mod.ts";
 * await using sim = await startHfSim({
 *   datasets: { "org/data": { files: { "data/test-00000-of-00001.parquet": new Uint8Array([80, 65, 82, 49]) } } },
 * });
 * for await (const f of listFiles({ repo: "datasets/org/data", recursive: true, hubUrl: sim.url })) console.log(f.path);
 * const blob = await downloadFile({ repo: "datasets/org/data", path: "data/test-00000-of-00001.parquet", hubUrl: sim.url });
 * console.log(blob?.size); // 4
 * ```
 */
export async function startHfSim(options: HfSimOptions): Promise<Simulator> {
  const repos = new Map<string, Repo>();
  const cdn = new Map<string, FileEntry>();
  for (const [id, ds] of Object.entries(options.datasets)) {
    const repo = await buildRepo(id, ds);
    repos.set(id, repo);
    for (const f of repo.files.values()) if (f.lfs) cdn.set(f.sha256, f);
  }
  const core = new SimCore({ faults: options.faults });
  const state: State = { core, options, repos, cdn };
  await core.start((ctx) => {
    const { request, url } = ctx;
    const method = request.method;
    const segments = url.pathname.split("/").filter((s) => s !== "");
    if (segments[0] === "cdn" && segments[1] === "lfs" && (method === "GET" || method === "HEAD")) {
      const file = cdn.get(segments[2] ?? "");
      if (!file) return hubError(404, "Not Found");
      return serveBytes(state, ctx, file, {
        "content-type": "application/octet-stream",
        etag: `"${file.sha256}"`,
        "x-cache": "Hit from simulator",
      });
    }
    if (segments[0] === "api" && segments[1] === "datasets") {
      const { repo, id, rest } = findRepo(state, segments.slice(2).map(decodeURIComponent));
      const denied = authError(state, repo, request);
      if (denied) return denied;
      if (!repo) return hubError(404, "Repository not found", "RepoNotFound");
      if (rest.length === 0 && method === "GET") return jsonResponse(200, info(repo));
      if (rest[0] === "revision" && method === "GET") {
        const rev = rest.slice(1).join("/");
        if (!revisionOk(repo, rev)) return hubError(404, `Invalid rev id: ${rev}`, "RevisionNotFound");
        return jsonResponse(200, info(repo));
      }
      if (rest[0] === "tree" && method === "GET") return tree(state, ctx, repo, rest.slice(1));
      if (rest[0] === "parquet" && method === "GET") return parquetApi(state, repo, rest.slice(1));
      if (rest[0] === "paths-info" && method === "POST") {
        const rev = rest.slice(1).join("/") || "main";
        if (!revisionOk(repo, rev)) return hubError(404, `Invalid rev id: ${rev}`, "RevisionNotFound");
        return pathsInfo(repo, ctx.log.body);
      }
      return hubError(404, `Sorry, we can't find the page you are looking for. (${id})`);
    }
    if (
      segments[0] === "datasets" && segments.includes("resolve") && (method === "GET" || method === "HEAD")
    ) {
      const at = segments.indexOf("resolve");
      const { repo } = findRepo(state, segments.slice(1, at).map(decodeURIComponent));
      const denied = authError(state, repo, request);
      if (denied) return denied;
      if (!repo) return hubError(404, "Repository not found", "RepoNotFound");
      return resolve(state, ctx, repo, segments.slice(at + 1));
    }
    return hubError(404, "Sorry, we can't find the page you are looking for.");
  });
  return core.simulator((o) => core.setOptions(o));
}
