/**
 * Architecture figures of the repository, taken before and after the renovation of issue 12 (provider kit, run
 * layer, one concept per file, curated public API), so the closing note can compare them:
 *
 * - **lines per provider**: each vendor's files (`src/providers/<vendor>/`, or today the flat
 *   `src/providers/<vendor>*.ts` of a module that exports `create<Vendor>Provider`) and the shared kit (every other
 *   `.ts` file of `src/providers/` except the catalog), plus code lines that name a vendor outside `src/providers/`
 *   (vendor facts living in shared layers);
 * - **public API size**: the names `deno doc --json` lists for `src/mod.ts` and `main.ts`;
 * - **largest files**: the 10 longest `.ts` files of `src/` (data files such as `catalog_data.json` are not code);
 * - **duplicate blocks**: the pairs the `duplicates` command finds in `src/`;
 * - **import direction**: from the `deno info --json` graph of every module of `src/` and `main.ts`, imports that run
 *   upward through the layers `cli -> generate/run -> swebench, resilience, providers -> http, tokens -> core`,
 *   imports between peers of one level (reported, not counted as violations), and CLI commands importing another
 *   command's modules;
 * - **circular imports**: strongly connected components of the same graph (all edges: static, type-only and
 *   dynamic), and those that remain with static value imports only;
 * - **test times** (`--times`, slow): wall time of `deno task test:unit` and `deno task test`, where the tasks exist;
 * - **files touched** (`--touched <ref>`): the files a branch changed since it left HEAD (the "add a throwaway
 *   provider" procedure of `notes/h12-plan.md`), by area.
 *
 * Run from the repository root: `deno run -A scripts/arch_metrics.ts [--json] [--times] [--touched <ref>]
 * [--vendors a,b,...]`. It only reads: no file is written (the graph root lives in a temporary directory).
 *
 * @module
 */

/** Layer of each top-level folder of `src/` (higher imports lower; equal ranks are peers). */
export const LAYER_RANK: Readonly<Record<string, number>> = {
  core: 0,
  http: 1,
  tokens: 1,
  providers: 2,
  resilience: 2,
  swebench: 2,
  // Provider batch APIs: on the providers' codecs and the predictions files, under the run layer that drives them.
  batch: 2.5,
  generate: 3,
  run: 3,
  cli: 4,
  // `src/mod.ts` and `main.ts`: the entries, above everything.
  "(entry)": 5,
};

/** Folders of `src/providers/` that hold the shared kit, not a vendor. */
const KIT_DIRS = new Set(["kit", "http", "shared", "common", "_shared", "testing"]);

/** One directed import edge between two project modules (paths relative to the repository root). */
export interface Edge {
  /** Importing module. */
  from: string;
  /** Imported module. */
  to: string;
  /** `static` value import, `type` (type-only) import, or `dynamic` import(). */
  kind: "static" | "type" | "dynamic";
}

/** A file and its line count. */
export interface FileLines {
  /** Path relative to the repository root. */
  path: string;
  /** Lines (as `wc -l` counts them for a file that ends in a newline). */
  lines: number;
}

/** Everything the script measures. */
export interface ArchMetrics {
  /** `git rev-parse --short HEAD` and the date of the measurement. */
  commit: string;
  /** When measured (ISO 8601). */
  measuredAt: string;
  /** Lines per provider. */
  providers: {
    vendors: { name: string; lines: number; files: FileLines[] }[];
    kit: { lines: number; files: FileLines[] };
    catalog: { lines: number; files: FileLines[] };
    /** Non-comment lines outside `src/providers/` naming a vendor, per `src/` folder. */
    vendorMentions: {
      total: number;
      byLayer: Record<string, number>;
      byVendor: Record<string, number>;
      byFile: Record<string, number>;
    };
  };
  /** Names exported by the library entries. */
  publicApi: { entry: string; names: number; byKind: Record<string, number>; list: string[] }[];
  /** The 10 longest `.ts` files of `src/`. */
  largestFiles: FileLines[];
  /** Pairs found by `duplicates` in `src/`. */
  duplicates:
    | { pairs: number; byShape: number; boilerplate: number; filesRead: number; rows: string[] }
    | { error: string };
  /** Import-direction findings. */
  imports: {
    modules: number;
    edges: number;
    upward: Edge[];
    sideways: Edge[];
    commandToCommand: Edge[];
    unranked: string[];
  };
  /** Strongly connected components with more than one module (or a self-import). */
  cycles: { all: string[][]; staticOnly: string[][] };
  /** Test task wall times (with `--times`). */
  times?: {
    task: string;
    seconds: number;
    code: number;
    summary: string;
    failed: string[];
    loadAvg: string;
  }[];
  /** Files changed by `--touched <ref>`. */
  touched?: {
    ref: string;
    base: string;
    files: { status: string; path: string; area: string; added: number; deleted: number }[];
  };
}

// ------------------------------------------------------------------------------------------------ helpers

async function run(
  cmd: string,
  args: string[],
  cwd = ".",
): Promise<{ code: number; out: string; err: string }> {
  const output = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  return {
    code: output.code,
    out: new TextDecoder().decode(output.stdout),
    err: new TextDecoder().decode(output.stderr),
  };
}

/** Lines of a text as `wc -l` counts them for a file that ends in a newline. */
export function countLines(text: string): number {
  if (text === "") return 0;
  const n = text.split("\n").length;
  return text.endsWith("\n") ? n - 1 : n;
}

async function walk(dir: string, filter: (path: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(d)];
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) await visit(p);
      else if (e.isFile && filter(p)) out.push(p);
    }
  };
  await visit(dir);
  return out;
}

async function fileLines(path: string): Promise<FileLines> {
  return { path, lines: countLines(await Deno.readTextFile(path)) };
}

const sum = (files: FileLines[]): number => files.reduce((n, f) => n + f.lines, 0);

/** The layer of a repository-relative module path (`src/http/fetch.ts` -> `http`; entries -> `(entry)`). */
export function layerOf(path: string): string | undefined {
  if (path === "main.ts" || path === "src/mod.ts") return "(entry)";
  const m = /^src\/([^/]+)\//.exec(path);
  return m?.[1];
}

/** The command group of a CLI module (`src/cli/compare_action.ts` -> `compare`), given the known groups. */
export function commandGroupOf(path: string, groups: ReadonlySet<string>): string | undefined {
  const m = /^src\/cli\/(?:commands\/)?([^/]+)\.ts$/.exec(path);
  if (!m) return undefined;
  const base = m[1].replace(/_action$/, "");
  if (path.startsWith("src/cli/commands/")) return base;
  return groups.has(base) ? base : undefined;
}

/** Upward, sideways and command-to-command edges of a module graph. */
export function classifyEdges(
  edges: readonly Edge[],
  commandGroups: ReadonlySet<string>,
): { upward: Edge[]; sideways: Edge[]; commandToCommand: Edge[]; unranked: string[] } {
  const upward: Edge[] = [];
  const sideways: Edge[] = [];
  const commandToCommand: Edge[] = [];
  const unranked = new Set<string>();
  for (const e of edges) {
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (a === undefined || b === undefined) continue;
    const ra = LAYER_RANK[a];
    const rb = LAYER_RANK[b];
    if (ra === undefined) unranked.add(a);
    if (rb === undefined) unranked.add(b);
    if (ra === undefined || rb === undefined) continue;
    if (rb > ra) upward.push(e);
    else if (ra === rb && a !== b) sideways.push(e);
    const ga = commandGroupOf(e.from, commandGroups);
    const gb = commandGroupOf(e.to, commandGroups);
    if (ga !== undefined && gb !== undefined && ga !== gb) commandToCommand.push(e);
  }
  return { upward, sideways, commandToCommand, unranked: [...unranked].sort() };
}

/** Strongly connected components (Tarjan) with more than one member, or a member that imports itself. */
export function findCycles(nodes: readonly string[], edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const n of nodes) next.set(n, []);
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, []);
    if (!next.has(e.to)) next.set(e.to, []);
    next.get(e.from)!.push(e.to);
  }
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string) => {
    // Iterative DFS (the graph is small, but recursion depth should not depend on it).
    const work: { v: string; i: number }[] = [{ v, i: 0 }];
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const succ = next.get(top.v)!;
      if (top.i < succ.length) {
        const w = succ[top.i++];
        if (!idx.has(w)) {
          idx.set(w, index);
          low.set(w, index);
          index++;
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.v, Math.min(low.get(top.v)!, idx.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].v;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
      }
      if (low.get(top.v) === idx.get(top.v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== top.v);
        const selfLoop = comp.length === 1 && next.get(comp[0])!.includes(comp[0]);
        if (comp.length > 1 || selfLoop) out.push(comp.sort());
      }
    }
  };
  for (const n of next.keys()) if (!idx.has(n)) strong(n);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Parse the summary line and rows of the `duplicates` command. */
export function parseDuplicates(
  text: string,
): { pairs: number; byShape: number; boilerplate: number; filesRead: number; rows: string[] } {
  const first = text.split("\n", 1)[0] ?? "";
  const files = /\((\d+) files? read\)/.exec(first);
  const rows = text.split("\n").filter((l) => /^D\d+ /.test(l));
  if (/^no duplicates/.test(first)) {
    return { pairs: 0, byShape: 0, boilerplate: 0, filesRead: files ? Number(files[1]) : 0, rows };
  }
  const pairs = /^(\d+) pairs? of places/.exec(first);
  if (!pairs) throw new Error(`unexpected duplicates output: ${first}`);
  const shape = /(\d+) by shape alone/.exec(first);
  const boiler = /(\d+) of those marked boilerplate/.exec(first);
  return {
    pairs: Number(pairs[1]),
    byShape: shape ? Number(shape[1]) : 0,
    boilerplate: boiler ? Number(boiler[1]) : 0,
    filesRead: files ? Number(files[1]) : 0,
    rows,
  };
}

/** The area of a changed file, for the "files touched to add a provider" count. */
export function areaOf(path: string): string {
  if (path.startsWith("src/")) return "src";
  if (path.startsWith("tests/")) return "tests";
  if (path.startsWith("scripts/")) return "scripts";
  if (path.startsWith("bench/")) return "bench";
  if (path.startsWith("examples/")) return "examples";
  if (path.endsWith(".md")) return "docs";
  return "config";
}

// ------------------------------------------------------------------------------------------------ measurements

async function measureProviders(vendorsFlag: string | undefined): Promise<ArchMetrics["providers"]> {
  const root = "src/providers";
  const entries = [...Deno.readDirSync(root)].sort((a, b) => a.name.localeCompare(b.name));
  const given = vendorsFlag
    ? new Set(vendorsFlag.split(",").map((s) => s.trim()).filter(Boolean))
    : undefined;
  const vendorFiles = new Map<string, FileLines[]>();
  const kit: FileLines[] = [];
  const catalog: FileLines[] = [];
  const flat = new Map<string, string[]>();
  for (const e of entries) {
    const path = `${root}/${e.name}`;
    if (e.isDirectory) {
      const files = await Promise.all((await walk(path, (p) => p.endsWith(".ts"))).map(fileLines));
      const isKit = given ? !given.has(e.name) : KIT_DIRS.has(e.name);
      if (isKit) kit.push(...files);
      else vendorFiles.set(e.name, files);
    } else if (e.isFile && e.name.endsWith(".ts")) {
      const prefix = e.name.replace(/\.ts$/, "").split("_")[0];
      if (!flat.has(prefix)) flat.set(prefix, []);
      flat.get(prefix)!.push(path);
    }
  }
  for (const [prefix, paths] of flat) {
    const files = await Promise.all(paths.map(fileLines));
    if (prefix === "catalog") {
      catalog.push(...files);
      continue;
    }
    let vendor: boolean;
    if (given) vendor = given.has(prefix);
    else if (vendorFiles.has(prefix)) vendor = true;
    else {
      vendor = false;
      for (const p of paths) {
        if (/export (?:async )?function create[A-Z]\w*Provider\b/.test(await Deno.readTextFile(p))) {
          vendor = true;
        }
      }
    }
    if (vendor) vendorFiles.set(prefix, [...(vendorFiles.get(prefix) ?? []), ...files]);
    else kit.push(...files);
  }
  // Code lines outside src/providers that name a vendor (vendor facts in shared layers).
  const names = [...vendorFiles.keys()].filter((n) => n !== "gold");
  const byLayer: Record<string, number> = {};
  const byVendor: Record<string, number> = {};
  const byFile: Record<string, number> = {};
  let total = 0;
  if (names.length > 0) {
    const pattern = new RegExp(`(${names.join("|")})`, "i");
    for (const path of await walk("src", (p) => p.endsWith(".ts") && !p.startsWith(`${root}/`))) {
      let inBlock = false;
      for (const raw of (await Deno.readTextFile(path)).split("\n")) {
        const line = raw.trim();
        if (inBlock) {
          if (line.includes("*/")) inBlock = false;
          continue;
        }
        if (line.startsWith("/*")) {
          inBlock = !line.includes("*/");
          continue;
        }
        if (line.startsWith("//") || line.startsWith("*")) continue;
        const m = pattern.exec(line);
        if (!m) continue;
        total++;
        const layer = layerOf(path) ?? "?";
        byLayer[layer] = (byLayer[layer] ?? 0) + 1;
        const v = m[1].toLowerCase();
        byVendor[v] = (byVendor[v] ?? 0) + 1;
        byFile[path] = (byFile[path] ?? 0) + 1;
      }
    }
  }
  return {
    vendors: [...vendorFiles].map(([name, files]) => ({ name, lines: sum(files), files })),
    kit: { lines: sum(kit), files: kit },
    catalog: { lines: sum(catalog), files: catalog },
    vendorMentions: { total, byLayer, byVendor, byFile },
  };
}

async function measurePublicApi(): Promise<ArchMetrics["publicApi"]> {
  const out: ArchMetrics["publicApi"] = [];
  for (const entry of ["src/mod.ts", "main.ts"]) {
    const r = await run("deno", ["doc", "--json", entry]);
    if (r.code !== 0) throw new Error(`deno doc --json ${entry} failed:\n${r.err}`);
    const doc = JSON.parse(r.out) as {
      nodes: Record<string, { symbols: { name: string; declarations: { kind: string }[] }[] }>;
    };
    const symbols = Object.values(doc.nodes).flatMap((n) => n.symbols);
    const byKind: Record<string, number> = {};
    for (const s of symbols) {
      const kind = s.declarations[0]?.kind ?? "?";
      byKind[kind] = (byKind[kind] ?? 0) + 1;
    }
    const list = [...new Set(symbols.map((s) => s.name))].sort();
    out.push({ entry, names: list.length, byKind, list });
  }
  return out;
}

async function measureLargest(): Promise<FileLines[]> {
  const files = await Promise.all((await walk("src", (p) => p.endsWith(".ts"))).map(fileLines));
  return files.sort((a, b) => b.lines - a.lines || a.path.localeCompare(b.path)).slice(0, 10);
}

async function measureDuplicates(): Promise<ArchMetrics["duplicates"]> {
  try {
    const r = await run("duplicates", ["--repo", "src", "--most", "200", "--seconds", "120"]);
    return parseDuplicates(r.out);
  } catch (e) {
    return { error: `duplicates could not run: ${(e as Error).message}` };
  }
}

async function moduleGraph(): Promise<{ modules: string[]; edges: Edge[] }> {
  const cwd = Deno.cwd();
  const sources = [...await walk("src", (p) => p.endsWith(".ts")), "main.ts"];
  const tmp = await Deno.makeTempDir({ prefix: "arch-metrics-" });
  try {
    const rootFile = `${tmp}/roots.ts`;
    await Deno.writeTextFile(
      rootFile,
      sources.map((p) => `import "${new URL(p, `file://${cwd}/`).href}";`).join("\n") + "\n",
    );
    const r = await run("deno", ["info", "--json", "--config", `${cwd}/deno.json`, rootFile]);
    if (r.code !== 0) throw new Error(`deno info failed:\n${r.err}`);
    const info = JSON.parse(r.out) as {
      modules: {
        specifier: string;
        dependencies?: { code?: { specifier: string }; type?: { specifier: string }; isDynamic?: boolean }[];
      }[];
    };
    const prefix = `file://${cwd}/`;
    const rel = (s: string | undefined) => (s?.startsWith(prefix) ? s.slice(prefix.length) : undefined);
    const modules: string[] = [];
    const edges: Edge[] = [];
    for (const m of info.modules) {
      const from = rel(m.specifier);
      if (from === undefined || !from.endsWith(".ts")) continue;
      modules.push(from);
      for (const d of m.dependencies ?? []) {
        const to = rel(d.code?.specifier ?? d.type?.specifier);
        if (to === undefined || !to.endsWith(".ts")) continue;
        const kind: Edge["kind"] = d.isDynamic ? "dynamic" : d.code ? "static" : "type";
        edges.push({ from, to, kind });
      }
    }
    return { modules: modules.sort(), edges };
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

async function measureImports(): Promise<{ imports: ArchMetrics["imports"]; cycles: ArchMetrics["cycles"] }> {
  const { modules, edges } = await moduleGraph();
  const groups = new Set(
    modules.filter((m) => /^src\/cli\/[^/]+_action\.ts$/.test(m)).map((m) =>
      m.replace(/^src\/cli\//, "").replace(/_action\.ts$/, "")
    ),
  );
  const classified = classifyEdges(edges, groups);
  return {
    imports: { modules: modules.length, edges: edges.length, ...classified },
    cycles: {
      all: findCycles(modules, edges),
      staticOnly: findCycles(modules, edges.filter((e) => e.kind === "static")),
    },
  };
}

async function measureTimes(): Promise<NonNullable<ArchMetrics["times"]>> {
  const config = JSON.parse(await Deno.readTextFile("deno.json")) as { tasks?: Record<string, string> };
  const out: NonNullable<ArchMetrics["times"]> = [];
  for (const task of ["test:unit", "test"]) {
    if (config.tasks?.[task] === undefined) continue;
    const loadAvg = await Deno.readTextFile("/proc/loadavg").then((t) => t.trim()).catch(() => "?");
    console.error(`running deno task ${task} (load ${loadAvg}) ...`);
    const started = performance.now();
    const r = await run("deno", ["task", task]);
    const seconds = (performance.now() - started) / 1000;
    // deno test's last summary line: "ok | 812 passed (3 steps) | 0 failed (1m52s)".
    // deno-lint-ignore no-control-regex
    const plain = (r.out + r.err).replace(/\x1b\[[0-9;]*m/g, "");
    const summary = plain.split("\n").filter((l) => /^(ok|FAILED) \| /.test(l)).at(-1) ?? "(no summary line)";
    // Failed tests: "<name> ... FAILED (12ms)" lines (with --parallel prefixed by "./file => ").
    const failed = [
      ...new Set(plain.split("\n").filter((l) => / \.\.\. FAILED/.test(l)).map((l) => l.trim())),
    ];
    out.push({ task, seconds: Math.round(seconds * 10) / 10, code: r.code, summary, failed, loadAvg });
  }
  return out;
}

async function measureTouched(ref: string): Promise<NonNullable<ArchMetrics["touched"]>> {
  const base = await run("git", ["merge-base", "HEAD", ref]);
  if (base.code !== 0) throw new Error(`git merge-base HEAD ${ref} failed: ${base.err.trim()}`);
  const baseRev = base.out.trim();
  const diff = await run("git", ["diff", "--name-status", baseRev, ref]);
  const numstat = await run("git", ["diff", "--numstat", baseRev, ref]);
  if (diff.code !== 0 || numstat.code !== 0) throw new Error(`git diff failed: ${diff.err.trim()}`);
  const lines = new Map<string, [number, number]>();
  for (const line of numstat.out.split("\n").filter(Boolean)) {
    const [added, deleted, ...rest] = line.split("\t");
    lines.set(rest.at(-1)!, [Number(added) || 0, Number(deleted) || 0]);
  }
  const files = diff.out.split("\n").filter(Boolean).map((line) => {
    const [status, ...rest] = line.split("\t");
    const path = rest.at(-1)!;
    const [added, deleted] = lines.get(path) ?? [0, 0];
    return { status, path, area: areaOf(path), added, deleted };
  });
  return { ref, base: baseRev.slice(0, 9), files };
}

// ------------------------------------------------------------------------------------------------ report

function printHuman(m: ArchMetrics): void {
  const p = (s = "") => console.log(s);
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  p(`Architecture figures at ${m.commit} (${m.measuredAt})`);
  p();
  p("Lines per provider (src/providers)");
  for (const v of m.providers.vendors) {
    p(`  ${v.name.padEnd(12)} ${pad(v.lines, 6)}  ${
      v.files.map((f) => `${f.path.slice(14)} ${f.lines}`).join(", ")
    }`);
  }
  p(`  ${"(kit)".padEnd(12)} ${pad(m.providers.kit.lines, 6)}  ${
    m.providers.kit.files.map((f) => `${f.path.slice(14)} ${f.lines}`).join(", ")
  }`);
  p(`  ${"(catalog)".padEnd(12)} ${pad(m.providers.catalog.lines, 6)}  ${
    m.providers.catalog.files.map((f) => `${f.path.slice(14)} ${f.lines}`).join(", ")
  } (+ catalog_data.json)`);
  const vm = m.providers.vendorMentions;
  p(
    `  code lines naming a vendor outside src/providers: ${vm.total} (${
      Object.entries(vm.byLayer).map(([k, v]) => `${k} ${v}`).join(", ")
    }; ${Object.entries(vm.byVendor).map(([k, v]) => `${k} ${v}`).join(", ")})`,
  );
  p(`    ${
    Object.entries(vm.byFile).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k.slice(4)} ${v}`).join(", ")
  }`);
  p();
  p("Public API (deno doc --json)");
  for (const a of m.publicApi) {
    p(`  ${a.entry.padEnd(12)} ${pad(a.names, 4)} names (${
      Object.entries(a.byKind).map(([k, v]) => `${v} ${k}`).join(", ")
    })`);
  }
  p();
  p("Largest files (src/**/*.ts)");
  for (const f of m.largestFiles) p(`  ${pad(f.lines, 5)}  ${f.path}`);
  p();
  if ("error" in m.duplicates) p(`Duplicate blocks: ${m.duplicates.error}`);
  else {
    const d = m.duplicates;
    p(
      `Duplicate blocks (duplicates --repo src): ${d.pairs} pairs (${
        d.pairs - d.byShape
      } identical, ${d.byShape} by shape, ${d.boilerplate} of those boilerplate), ${d.filesRead} files read`,
    );
    for (const r of d.rows) p(`  ${r}`);
  }
  p();
  const i = m.imports;
  p(`Imports (${i.modules} modules, ${i.edges} edges: static, type-only and dynamic)`);
  p(`  upward (violations): ${i.upward.length}`);
  for (const e of i.upward) p(`    ${e.from} -> ${e.to} (${e.kind})`);
  p(`  command -> another command's module (violations): ${i.commandToCommand.length}`);
  for (const e of i.commandToCommand) p(`    ${e.from} -> ${e.to} (${e.kind})`);
  p(`  between peers of one level (reported): ${i.sideways.length}`);
  for (const e of i.sideways) p(`    ${e.from} -> ${e.to} (${e.kind})`);
  if (i.unranked.length > 0) {
    p(`  folders without a layer (add them to LAYER_RANK): ${i.unranked.join(", ")}`);
  }
  p();
  p(`Circular imports: ${m.cycles.all.length} (all edges), ${m.cycles.staticOnly.length} (static value imports only)`);
  for (const c of m.cycles.all) p(`  ${c.join(" <-> ")}`);
  if (m.times) {
    p();
    p("Test times");
    if (m.times.length === 0) p("  (no test task)");
    for (const t of m.times) {
      p(`  deno task ${t.task.padEnd(10)} ${
        pad(t.seconds.toFixed(1), 7)
      } s, exit ${t.code}, ${t.summary} (load ${t.loadAvg})`);
      for (const f of t.failed) p(`    ${f}`);
    }
  }
  if (m.touched) {
    p();
    const byArea: Record<string, number> = {};
    for (const f of m.touched.files) byArea[f.area] = (byArea[f.area] ?? 0) + 1;
    p(`Files touched by ${m.touched.ref} since ${m.touched.base}: ${m.touched.files.length} (${
      Object.entries(byArea).map(([k, v]) => `${k} ${v}`).join(", ")
    })`);
    const added = m.touched.files.reduce((n, f) => n + f.added, 0);
    const deleted = m.touched.files.reduce((n, f) => n + f.deleted, 0);
    const outside = m.touched.files.filter((f) => f.area !== "tests").length;
    p(`  ${outside} outside tests/; +${added} -${deleted} lines`);
    for (const f of m.touched.files) {
      p(`  ${f.status}  ${f.area.padEnd(8)} ${`+${f.added} -${f.deleted}`.padEnd(10)} ${f.path}`);
    }
  }
}

// ------------------------------------------------------------------------------------------------ self-test

function selfTest(): void {
  const assert = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`self-test failed: ${what}`);
  };
  const edges: Edge[] = [
    { from: "src/http/a.ts", to: "src/core/b.ts", kind: "static" },
    { from: "src/core/b.ts", to: "src/http/a.ts", kind: "type" },
    { from: "src/providers/x.ts", to: "src/resilience/y.ts", kind: "static" },
    { from: "src/cli/compare_action.ts", to: "src/cli/generate_action.ts", kind: "static" },
    { from: "src/cli/compare.ts", to: "src/cli/compare_action.ts", kind: "dynamic" },
    { from: "src/cli/compare_action.ts", to: "src/cli/compare.ts", kind: "type" },
    { from: "src/mod.ts", to: "src/cli/main.ts", kind: "static" },
  ];
  const c = classifyEdges(edges, new Set(["compare", "generate"]));
  assert(c.upward.length === 1 && c.upward[0].from === "src/core/b.ts", "one upward edge");
  assert(c.sideways.length === 1 && c.sideways[0].to === "src/resilience/y.ts", "one sideways edge");
  assert(
    c.commandToCommand.length === 1 && c.commandToCommand[0].to === "src/cli/generate_action.ts",
    "cmd edge",
  );
  const cycles = findCycles(["src/http/a.ts", "src/core/b.ts"], edges);
  assert(cycles.length === 2, "two cycles (http<->core, compare<->compare_action)");
  assert(findCycles([], edges.filter((e) => e.kind === "static")).length === 0, "no static-only cycle");
  assert(countLines("a\nb\n") === 2 && countLines("a\nb") === 2 && countLines("") === 0, "line counts");
  const d = parseDuplicates(
    "14 pairs of places (84 files read), each sharing runs of 6 or more identical or same-shape lines " +
      "(10 by shape alone, 7 of those marked boilerplate)\nD1 a.ts:1-9 ~ b.ts:1-9\n",
  );
  assert(d.pairs === 14 && d.byShape === 10 && d.boilerplate === 7 && d.filesRead === 84, "duplicates line");
  assert(d.rows.length === 1, "duplicates rows");
  assert(parseDuplicates("no duplicates (12 files read)\n").pairs === 0, "no duplicates");
  assert(areaOf("README.md") === "docs" && areaOf("deno.json") === "config", "areas");
  console.log("self-test ok");
}

// ------------------------------------------------------------------------------------------------ main

if (import.meta.main) {
  const args = Deno.args;
  const value = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (args.includes("--help")) {
    console.log(
      "deno run -A scripts/arch_metrics.ts [--json] [--times] [--touched <ref>] [--vendors a,b] [--self-test]",
    );
    Deno.exit(0);
  }
  if (args.includes("--self-test")) {
    selfTest();
    Deno.exit(0);
  }
  try {
    Deno.statSync("deno.json");
    Deno.statSync("src/providers");
  } catch {
    console.error("Run from the repository root (deno.json and src/providers/ not found here).");
    Deno.exit(2);
  }
  const head = await run("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = (await run("git", ["status", "--porcelain", "--", "src", "main.ts", "deno.json"])).out.trim();
  const [providers, publicApi, largestFiles, duplicates, graph] = await Promise.all([
    measureProviders(value("--vendors")),
    measurePublicApi(),
    measureLargest(),
    measureDuplicates(),
    measureImports(),
  ]);
  const metrics: ArchMetrics = {
    commit: head.out.trim() + (dirty ? "+dirty" : ""),
    measuredAt: new Date().toISOString(),
    providers,
    publicApi,
    largestFiles,
    duplicates,
    imports: graph.imports,
    cycles: graph.cycles,
  };
  if (args.includes("--times")) metrics.times = await measureTimes();
  const touched = value("--touched");
  if (touched !== undefined) metrics.touched = await measureTouched(touched);
  if (args.includes("--json")) console.log(JSON.stringify(metrics, null, 2));
  else printHuman(metrics);
}
