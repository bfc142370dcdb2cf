/**
 * Measurement only: rebuild the `text` of SWE-bench's "oracle" retrieval rows (princeton-nlp/SWE-bench_Lite_oracle)
 * from local git mirrors of the repositories, the way SWE-bench's `create_text_dataset.py --file_source oracle
 * --prompt_style style-3` makes them: the README* files at the repository root and the files the gold patch edits,
 * at the instance's base commit, laid out by {@linkcode retrievalText}. Used to measure what the plan says for
 * `--context oracle` when the Hugging Face hub cannot be reached; not part of the tool.
 *
 * ```sh
 * deno run -A scripts/oracle_rows.ts tests/fixtures/swe-bench/lite-test.jsonl /path/to/mirrors out.jsonl
 * ```
 *
 * `mirrors` holds one bare or normal git repository per GitHub repository, named `owner+name/repo` (the layout the
 * team's `fetch` tool writes) or `owner+name`. Instances whose repository or base commit is missing are left out and
 * counted on stderr.
 *
 * @module
 */
import { parseDiff } from "../src/swebench/patch_parse.ts";
import { type ContextFile, retrievalText } from "../src/swebench/retrieval_text.ts";

/** The paths SWE-bench's `get_oracle_filenames` takes from a patch: each `---` source path without `a/`. */
export function oracleFilenames(patch: string): string[] {
  const parsed = parseDiff(patch);
  const names = new Set<string>();
  for (const region of parsed.regions) {
    for (const section of region.sections) {
      const stop = section.hunks[0]?.header ?? section.end;
      for (let i = section.start; i < stop; i++) {
        const m = /^--- (.+?)(\t.*)?$/.exec(parsed.lines[i]);
        if (m) {
          // unidiff's source_file, then Python's .split("a/", 1)[-1]
          const src = m[1];
          const at = src.indexOf("a/");
          names.add(at < 0 ? src : src.slice(at + 2));
          break;
        }
      }
    }
  }
  return [...names];
}

async function git(repo: string, ...args: string[]): Promise<string | undefined> {
  const r = await new Deno.Command("git", { args: ["-C", repo, ...args], stdout: "piped", stderr: "null" })
    .output();
  return r.success ? new TextDecoder().decode(r.stdout) : undefined;
}

async function findMirror(root: string, repo: string): Promise<string | undefined> {
  const base = `${root}/${repo.replace("/", "+")}`;
  for (const p of [`${base}/repo`, base]) {
    if (await Deno.stat(p).then(() => true, () => false)) return p;
  }
  return undefined;
}

if (import.meta.main) {
  const [input, mirrors, output] = Deno.args;
  if (!input || !mirrors || !output) {
    console.error("usage: oracle_rows.ts <dataset.jsonl> <mirrors-dir> <out.jsonl>");
    Deno.exit(2);
  }
  const rows = Deno.readTextFileSync(input).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  const out: string[] = [];
  const missing: Record<string, number> = {};
  for (const row of rows) {
    const mirror = await findMirror(mirrors, row.repo);
    const tree = mirror ? await git(mirror, "ls-tree", "--name-only", row.base_commit) : undefined;
    if (!mirror || tree === undefined) {
      missing[row.repo] = (missing[row.repo] ?? 0) + 1;
      continue;
    }
    const read = async (path: string): Promise<ContextFile> => ({
      path,
      // "/dev/null" (a file the patch creates) reads as empty, as open("/dev/null") does upstream.
      // Python's open() reads with universal newlines: \r\n and \r become \n.
      content: path === "/dev/null"
        ? ""
        : ((await git(mirror, "show", `${row.base_commit}:${path}`)) ?? "").replace(/\r\n?/g, "\n"),
    });
    const readmes = [];
    for (const name of tree.split("\n").filter((n) => n.toLowerCase().startsWith("readme"))) {
      const type = await git(mirror, "cat-file", "-t", `${row.base_commit}:${name}`);
      if (type?.trim() === "blob") readmes.push(await read(name));
    }
    const files = [];
    for (const name of oracleFilenames(row.patch)) files.push(await read(name));
    out.push(JSON.stringify({ ...row, text: retrievalText(row, { readmes, files }) }));
  }
  Deno.writeTextFileSync(output, out.map((l) => l + "\n").join(""));
  console.error(
    `${out.length} of ${rows.length} rows written to ${output}` +
      (Object.keys(missing).length ? `; left out (no mirror or commit): ${JSON.stringify(missing)}` : ""),
  );
}
