/**
 * Patch recovery (docs/architecture.md#the-walk-of-one-generate): finds the unified diff in a model's output, checks its structure and repairs
 * what is safely repairable, without ever inventing content.
 *
 * Where the diff is looked for, in order:
 * 1. `<patch>...</patch>` / `<diff>...</diff>` tags (an unclosed last tag runs to the end of the output);
 * 2. Markdown fences labelled `diff`/`patch` (or any fence whose body is a diff; other fences are ignored);
 * 3. bare `diff --git` or `---`/`+++` text anywhere in the output, prose before and after cut off.
 *
 * When several diffs are found (two fences, or diffs separated by prose), diffs of different files are
 * concatenated and, for a file patched more than once, the last complete diff wins (the model revised its answer).
 *
 * "Unchanged" means: a diff that {@linkcode validatePatch} finds sound is returned byte for byte (status `valid`),
 * from its first header line (or from the start of its container when only blank lines precede it, as in the
 * SWE-bench predictions that start with an empty line: `git apply` skips them) to the end of its last hunk; text
 * after the last hunk is not part of the patch. Diffs combined from several places are each byte for byte.
 * A diff that needed changes is `repaired`, with one reason per change: hunk header counts recomputed from the
 * bodies, empty lines inside hunks restored as context lines (`" "`; `git apply` tolerates them, the space makes
 * them unambiguous), blank lines between hunks removed (`git apply` would stop reading there), the missing final
 * newline added, CRLF normalised when every line of the response (or of the diff) ends in CRLF. A diff whose lines
 * carry `\r` only in some lines is a patch of CRLF files and is left alone. Line numbers are never guessed, and a
 * hunk that looks truncated or has lines without a diff prefix makes the result `invalid`.
 *
 * @module
 */

import { findFenceBlocks, findTagBlocks } from "./patch_blocks.ts";
import {
  isAllCrlf,
  type ParsedDiff,
  parseDiff,
  type ParsedRegion,
  recountedHeader,
  show,
} from "./patch_parse.ts";

/** Outcome of patch recovery. */
export type PatchStatus = "valid" | "repaired" | "empty" | "invalid";

/**
 * A recovered patch and how it was obtained.
 *
 * @example
 * ```ts
 * import { extractPatch, type PatchResult } from "@swebench/runner/lib";
 * const r: PatchResult = extractPatch("<patch>\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n</patch>");
 * r.status; // "valid"
 * ```
 */
export interface PatchResult {
  /**
   * The patch to submit: the diff as found (`valid`), after repair (`repaired`), `""` (`empty`), or, for
   * `invalid`, the diff-like text with its unrepairable parts as found (for the run log; the harness would reject it).
   */
  patch: string;
  /** `valid`, `repaired`, `empty` or `invalid`. */
  status: PatchStatus;
  /** Why: each repair made, each problem found, and which diffs were combined or ignored. */
  reasons: string[];
  /** Where the diff was found. */
  source: "tags" | "fence" | "bare" | "none";
}

/**
 * Options for {@linkcode extractPatch}.
 *
 * @example
 * ```ts
 * import type { ExtractOptions } from "@swebench/runner/lib";
 * const opts: ExtractOptions = { truncated: true }; // the model stopped at max tokens
 * ```
 */
export interface ExtractOptions {
  /**
   * The output was cut off (finish reason `length`): a last hunk that is shorter than its header says and runs to
   * the end of the output is then reported as truncated (`invalid`) instead of having its counts recomputed.
   * Diffs in an unclosed tag or fence are treated this way regardless.
   */
  truncated?: boolean;
}

const DIFF_LABELS = new Set(["diff", "patch", "udiff", "git-diff", "gitdiff"]);

/** One file section of a candidate diff, rendered. */
interface Piece {
  path: string | null;
  /** The section, repaired. */
  text: string;
  /** The section as found, up to the next section or the end of its container (what an invalid result holds). */
  raw: string;
  repairs: string[];
  problems: string[];
}

/** One diff region found in a container, rendered. */
interface Candidate {
  /** The whole region, leading blank lines and blank lines between files included. */
  text: string;
  pieces: Piece[];
  where: string;
}

interface CandidateOptions {
  /** The container was closed (a later end of text means nothing was cut off). */
  terminated: boolean;
  /** The output was normalised from CRLF before this container was cut out. */
  crlf: boolean;
  /** Indentation removed from a fence's body. */
  dedented: number;
  /** Names the container in reasons ("fence 2", "tags 1", "output"). */
  where: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Renders one region: repaired hunk headers, restored blank context lines, dropped blank lines between hunks. */
function renderRegion(
  pd: ParsedDiff,
  region: ParsedRegion,
  keepLeading: boolean,
  rawEndAfter: number,
): { text: string; pieces: Piece[] } {
  const { lines } = pd;
  const out: string[] = keepLeading ? lines.slice(0, region.start) : [];
  const pieces: Piece[] = [];
  region.sections.forEach((s, si) => {
    const name = s.path ?? "(no file header)";
    const repairs: string[] = [];
    const headers = new Map<number, string>();
    const blanks = new Set<number>();
    s.hunks.forEach((h, hi) => {
      if (h.numbered && !h.countsOk && (h.actualOld > 0 || h.actualNew > 0)) {
        const fixed = recountedHeader(h);
        headers.set(h.header, fixed);
        repairs.push(
          `${name}: hunk ${hi + 1} (line ${h.header + 1}) header ${show(lines[h.header])} recomputed to ${
            show(fixed)
          }`,
        );
      }
      for (const b of h.blankLines) blanks.add(b);
    });
    if (blanks.size > 0) {
      repairs.push(
        `${name}: ${plural(blanks.size, "empty line")} inside hunks restored as context lines (" ")`,
      );
    }
    const drop = new Set(s.blankBetweenHunks);
    if (drop.size > 0) repairs.push(`${name}: removed ${plural(drop.size, "blank line")} between hunks`);
    const problems = [...s.problems];
    const idle = s.hunks.filter((h) => h.numbered && !h.changed && (h.actualOld > 0 || h.actualNew > 0));
    if (idle.length > 0 && idle.length === s.hunks.length) {
      problems.push(`${name}: no hunk adds or removes a line (context lines only)`);
    } else if (idle.length > 0) {
      for (const h of idle) for (let k = h.header; k < h.end; k++) drop.add(k);
      repairs.push(
        `${name}: removed ${plural(idle.length, "hunk")} that only held context lines (no change)`,
      );
    }
    const body: string[] = [];
    for (let k = s.start; k < s.end; k++) {
      if (drop.has(k)) continue;
      body.push(headers.get(k) ?? (blanks.has(k) ? " " : lines[k]));
    }
    const rawEnd = region.sections[si + 1]?.start ?? rawEndAfter;
    const raw = lines.slice(s.start, rawEnd).join("\n").trimEnd() + "\n";
    pieces.push({ path: s.path, text: body.join("\n") + "\n", raw, repairs, problems });
    for (const l of body) out.push(l);
    const next = region.sections[si + 1];
    if (next) { for (let k = s.end; k < next.start; k++) out.push(lines[k]); }
  });
  if (region.end === lines.length && !pd.finalNewline && pieces.length > 0) {
    pieces[pieces.length - 1].repairs.push("added the missing newline at the end of the patch");
  }
  return { text: out.join("\n") + "\n", pieces };
}

/** Every diff region in a container's text, rendered, with container-level repairs and problems attached. */
function candidatesFrom(text: string, opts: CandidateOptions): Candidate[] {
  let src = text;
  let crlf = opts.crlf;
  if (isAllCrlf(src)) {
    src = src.replaceAll("\r\n", "\n").replace(/\r$/, "");
    crlf = true;
  }
  const pd = parseDiff(src);
  return pd.regions.map((region, ri) => {
    const keepLeading = ri === 0 && pd.lines.slice(0, region.start).every((l) => l.trim() === "");
    const rawEndAfter = pd.regions[ri + 1]?.start ?? pd.lines.length;
    const { text: rendered, pieces } = renderRegion(pd, region, keepLeading, rawEndAfter);
    const common: string[] = [];
    if (crlf) common.push("normalised CRLF line endings to LF");
    if (opts.dedented > 0) common.push(`removed the ${opts.dedented}-space indentation of the fenced block`);
    for (const p of pieces) p.repairs.unshift(...common);
    const lastSection = region.sections[region.sections.length - 1];
    const lastHunk = lastSection.hunks[lastSection.hunks.length - 1];
    if (
      !opts.terminated && ri === pd.regions.length - 1 && lastHunk && lastHunk.reachedEnd &&
      !lastHunk.countsOk
    ) {
      pieces[pieces.length - 1].problems.push(
        `${lastSection.path ?? "(no file header)"}: the diff looks truncated: its last hunk (line ${
          lastHunk.header + 1
        }) has ${lastHunk.actualOld} old / ${lastHunk.actualNew} new lines where its header declares ${lastHunk.oldCount} / ${lastHunk.newCount}, and the output ends there`,
      );
    }
    return { text: rendered, pieces, where: opts.where };
  });
}

/** A fence labelled as a diff that holds no file header at all. */
function headerlessCandidate(label: string, body: string, where: string): Candidate {
  const raw = body.trimEnd() + "\n";
  return {
    text: raw,
    pieces: [{
      path: null,
      text: raw,
      raw,
      repairs: [],
      problems: [
        `${where}: a \`\`\`${label} block holds no file header (diff --git or ---/+++) and no hunk header`,
      ],
    }],
    where,
  };
}

interface Entry {
  piece: Piece;
  cand: Candidate;
  /** A later diff of the same file replaced it. */
  removed: boolean;
}

/** Marks the lines of the text that belong to diff sections (read as bare text). */
function diffLines(text: string): (line: number) => boolean {
  const inside = new Uint8Array(text.length === 0 ? 0 : text.split("\n").length);
  for (const region of parseDiff(text).regions) {
    for (const s of region.sections) {
      for (const h of s.hunks) inside.fill(1, h.header + 1, h.end);
    }
  }
  return (line) => inside[line] === 1;
}

/** Chooses among candidates: different files are combined, the last complete diff of a file wins. */
function combine(cands: Candidate[], source: PatchResult["source"]): PatchResult {
  const notes: string[] = [];
  const entries: Entry[] = [];
  const good = (p: Piece) => p.problems.length === 0;
  // path -> candidate -> its live entries for that path (so each entry is looked at a bounded number of times)
  const byPath = new Map<string, Map<Candidate, Entry[]>>();
  const live = (e: Entry) => !e.removed;
  for (const cand of cands) {
    if (!cand.pieces.every(good)) {
      const paths = cand.pieces.map((p) => p.path);
      const covered = paths.every((p) =>
        p !== null &&
        [...(byPath.get(p)?.values() ?? [])].some((es) => es.some((e) => live(e) && good(e.piece)))
      );
      if (covered) {
        notes.push(
          `ignored a later incomplete diff of ${paths.join(", ")} in ${cand.where} (kept the earlier one)`,
        );
        continue;
      }
    }
    for (const piece of cand.pieces) {
      const entry: Entry = { piece, cand, removed: false };
      entries.push(entry);
      if (piece.path === null) continue;
      let groups = byPath.get(piece.path);
      if (!groups) byPath.set(piece.path, groups = new Map());
      if (good(piece)) {
        for (const [other, es] of groups) {
          if (other === cand) continue;
          for (const e of es) e.removed = true;
          groups.delete(other);
          notes.push(`ignored an earlier diff of ${piece.path} in ${other.where} (${cand.where} revises it)`);
        }
      }
      const own = groups.get(cand);
      if (own) own.push(entry);
      else groups.set(cand, [entry]);
    }
  }
  let kept = entries.filter(live);
  // Hunks without any file header cannot be applied; those that repeat hunks of the kept diffs are excerpts.
  const goodText = kept.filter((e) => good(e.piece)).map((e) => e.piece.text).join("");
  const excerpts = kept.filter((e) =>
    e.piece.path === null && !good(e.piece) && isExcerpt(e.piece.raw, goodText)
  );
  if (excerpts.length > 0) {
    notes.push(
      `ignored ${
        plural(excerpts.length, "diff excerpt")
      } without a file header that repeats hunks of the diff (${excerpts[0].cand.where})`,
    );
    const ignored = new Set(excerpts);
    kept = kept.filter((e) => !ignored.has(e));
  }

  const usedCands = [...new Set(kept.map((e) => e.cand))];
  if (usedCands.length > 1) notes.push(`combined diffs from ${usedCands.map((c) => c.where).join(", ")}`);
  const problems = kept.flatMap((e) => e.piece.problems);
  const whole = usedCands.length === 1 && usedCands[0].pieces.length === kept.length;
  const patch = problems.length > 0
    ? kept.map((e) => (good(e.piece) ? e.piece.text : e.piece.raw)).join("")
    : whole
    ? usedCands[0].text
    : kept.map((e) => e.piece.text).join("");
  const repairs = [...new Set(kept.flatMap((e) => e.piece.repairs))];
  const status: PatchStatus = problems.length > 0 ? "invalid" : repairs.length > 0 ? "repaired" : "valid";
  return { patch, status, reasons: capped([...problems, ...repairs, ...notes]), source };
}

/** Every hunk body of the fragment (lines between `@@` headers) occurs in the complete diff's text. */
function isExcerpt(fragment: string, complete: string): boolean {
  if (complete === "") return false;
  const bodies: string[][] = [];
  for (const line of fragment.split("\n")) {
    if (line.startsWith("@@")) bodies.push([]);
    else if (bodies.length > 0 && line !== "") bodies[bodies.length - 1].push(line);
  }
  return bodies.length > 0 && bodies.every((b) => b.length > 0 && complete.includes(b.join("\n") + "\n"));
}

/** Keeps the reasons list readable for pathological outputs. */
function capped(reasons: string[], max = 40): string[] {
  if (reasons.length <= max) return reasons;
  return [...reasons.slice(0, max - 1), `... and ${reasons.length - max + 1} more`];
}

/**
 * Extracts the unified diff from a model's output and repairs what is safely repairable.
 * Never throws; valid diffs come back byte for byte.
 *
 * @example
 * ```ts
 * import { extractPatch } from "@swebench/runner/lib";
 * const fence = "`".repeat(3);
 * const out = `Fix:\n${fence}diff\n--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n-a = 1\n+a = 2\n${fence}\nDone.`;
 * const r = extractPatch(out);
 * // r.status === "repaired" (the header said 2 lines, the body has 1), r.source === "fence"
 * // r.patch === "--- a/x.py\n+++ b/x.py\n@@ -1,1 +1,1 @@\n-a = 1\n+a = 2\n"
 * ```
 */
export function extractPatch(output: string, options: ExtractOptions = {}): PatchResult {
  let text = typeof output === "string" ? output : "";
  if (text.trim() === "") {
    return { patch: "", status: "empty", reasons: ["the output is empty"], source: "none" };
  }
  const crlf = isAllCrlf(text);
  if (crlf) text = text.replaceAll("\r\n", "\n").replace(/\r$/, "");

  const stages: Array<() => { cands: Candidate[]; source: PatchResult["source"] }> = [
    () => ({
      source: "tags",
      cands: findTagBlocks(text).flatMap((b, i) =>
        candidatesFrom(b.body, {
          terminated: b.terminated,
          crlf,
          dedented: 0,
          where: `<${b.label}> block ${i + 1}`,
        })
      ),
    }),
    () => ({
      source: "fence",
      cands: findFenceBlocks(text, { inDiff: diffLines(text) }).flatMap((b, i) => {
        const where = `fence ${i + 1}`;
        const found = candidatesFrom(b.body, { terminated: b.terminated, crlf, dedented: b.dedented, where });
        if (found.length === 0 && DIFF_LABELS.has(b.label) && b.body.trim() !== "") {
          return [headerlessCandidate(b.label, b.body, where)];
        }
        return found;
      }),
    }),
    () => ({
      source: "bare",
      cands: candidatesFrom(text, { terminated: !options.truncated, crlf, dedented: 0, where: "the output" }),
    }),
  ];
  // An invalid diff in tags gives way to a good one in fences; bare text is read only when no container holds a
  // diff (reading a truncated fenced diff as bare text would hide its truncation).
  let fallback: PatchResult | null = null;
  for (const [i, stage] of stages.entries()) {
    if (i === stages.length - 1 && fallback) break;
    const { cands, source } = stage();
    if (cands.length === 0) continue;
    const result = combine(cands, source);
    if (result.status !== "invalid") return result;
    fallback ??= result;
  }
  return fallback ?? { patch: "", status: "empty", reasons: ["no diff found in the output"], source: "none" };
}

/**
 * One structural problem of a patch, as {@linkcode checkPatch} reports it.
 *
 * @example
 * ```ts
 * import type { PatchProblem } from "@swebench/runner/lib";
 * const p: PatchProblem = { code: "hunk-counts", severity: "error", message: "line 3: ..." };
 * ```
 */
export interface PatchProblem {
  /**
   * What is wrong: `empty`, `crlf`, `no-diff`, `text-before`, `text-between`, `text-after`, `structure`,
   * `hunk-counts`, `context-only`, `blank-context`, `blank-between-hunks`, `no-final-newline`.
   */
  code: string;
  /**
   * `error` when `git apply` (the harness's first three attempts) rejects the patch because of it; `warning` when
   * `git apply` accepts it (text around the diff, an empty context line).
   */
  severity: "error" | "warning";
  /** The problem, with the line of the patch it is on (1-based). */
  message: string;
}

/**
 * Checks a unified diff's structure (headers, hunk counts) and says, for each problem, whether `git apply` would
 * reject the patch because of it. Blank lines before the first header and after the last hunk are accepted.
 *
 * @example
 * ```ts
 * import { checkPatch } from "@swebench/runner/lib";
 * checkPatch("--- a/x\n+++ b/x\n@@ -1,3 +1 @@\n-a\n+b\n")[0].code; // "hunk-counts"
 * checkPatch("Fix:\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")[0].severity; // "warning"
 * ```
 */
export function checkPatch(patch: string): PatchProblem[] {
  if (typeof patch !== "string" || patch.trim() === "") {
    return [{ code: "empty", severity: "error", message: "empty patch" }];
  }
  const problems: PatchProblem[] = [];
  const error = (code: string, message: string) => problems.push({ code, severity: "error", message });
  const warning = (code: string, message: string) => problems.push({ code, severity: "warning", message });
  let src = patch;
  if (isAllCrlf(src)) {
    error("crlf", "every line ends in CRLF (a transport artefact; the patch needs LF line endings)");
    src = src.replaceAll("\r\n", "\n");
  }
  const pd = parseDiff(src);
  const { lines, regions } = pd;
  if (regions.length === 0) {
    error("no-diff", "no file header (diff --git or ---/+++) found");
    return problems;
  }
  const prose = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (lines[k].trim() !== "") return k;
    return -1;
  };
  const before = prose(0, regions[0].start);
  if (before !== -1) {
    warning("text-before", `line ${before + 1}: text before the first file header: ${show(lines[before])}`);
  }
  regions.forEach((region, ri) => {
    const next = regions[ri + 1];
    const junk = prose(region.end, next ? next.start : lines.length);
    if (junk !== -1) {
      warning(
        next ? "text-between" : "text-after",
        `line ${junk + 1}: text ${next ? "between file diffs" : "after the last hunk"}: ${show(lines[junk])}`,
      );
    }
    for (const s of region.sections) {
      for (const p of s.problems) error("structure", p);
      for (const h of s.hunks) {
        if (h.numbered && !h.countsOk && (h.actualOld > 0 || h.actualNew > 0)) {
          error(
            "hunk-counts",
            `line ${h.header + 1}: hunk header ${
              show(lines[h.header])
            } does not match its body (${h.actualOld} old, ${h.actualNew} new lines)`,
          );
        }
        if (h.numbered && !h.changed && (h.actualOld > 0 || h.actualNew > 0)) {
          error("context-only", `line ${h.header + 1}: hunk holds context lines only (git rejects it)`);
        }
        if (h.blankLines.length > 0) {
          const more = h.blankLines.length > 1 ? ` (and ${h.blankLines.length - 1} more)` : "";
          warning(
            "blank-context",
            `line ${
              h.blankLines[0] + 1
            }${more}: empty line inside a hunk (a context line needs its leading space)`,
          );
        }
      }
      for (const b of s.blankBetweenHunks) {
        error("blank-between-hunks", `line ${b + 1}: blank line between hunks`);
      }
    }
  });
  if (!pd.finalNewline) error("no-final-newline", "the patch does not end with a newline");
  return problems;
}

/**
 * Validates a unified diff's structure (headers, hunk counts); returns problems found (empty = valid).
 * Blank lines before the first header and after the last hunk are accepted (`git apply` ignores them).
 * {@linkcode checkPatch} gives the same problems with a code and whether `git apply` rejects the patch.
 *
 * @example
 * ```ts
 * import { validatePatch } from "@swebench/runner/lib";
 * validatePatch("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"); // []
 * validatePatch("--- a/x\n+++ b/x\n@@ -1,3 +1 @@\n-a\n+b\n").length; // 1 (counts do not match)
 * ```
 */
export function validatePatch(patch: string): string[] {
  return checkPatch(patch).map((p) => p.message);
}

/**
 * Recomputes @@ -a,b +c,d @@ counts from the hunk bodies. Only hunk headers whose counts do not match their
 * bodies change; start lines, the text after `@@` and every other byte stay as they are. Hunk bodies are read
 * by their declared counts when those fit, otherwise up to the next hunk, file header or non-diff line.
 *
 * @example
 * ```ts
 * import { recomputeHunkCounts } from "@swebench/runner/lib";
 * recomputeHunkCounts("--- a/x\n+++ b/x\n@@ -1,5 +1,7 @@\n-a\n+b\n");
 * // "--- a/x\n+++ b/x\n@@ -1,1 +1,1 @@\n-a\n+b\n"
 * ```
 */
export function recomputeHunkCounts(patch: string): string {
  if (typeof patch !== "string" || patch === "") return typeof patch === "string" ? patch : "";
  const crlf = isAllCrlf(patch);
  const pd = parseDiff(crlf ? patch.replaceAll("\r\n", "\n") : patch);
  const original = patch.split("\n");
  for (const region of pd.regions) {
    for (const s of region.sections) {
      for (const h of s.hunks) {
        if (h.numbered && !h.countsOk && (h.actualOld > 0 || h.actualNew > 0)) {
          original[h.header] = recountedHeader(h) + (crlf ? "\r" : "");
        }
      }
    }
  }
  return original.join("\n");
}
