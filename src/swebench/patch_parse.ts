/**
 * Line-level parser for unified diffs (git and plain `---`/`+++` style), used by patch extraction,
 * validation and repair. It never throws and never changes the text: it only describes where file
 * sections and hunks are, what their headers declare and what their bodies hold.
 *
 * Hunk bodies are read by their declared counts first (as `git apply` does), so a removed line whose
 * content starts with `--` (it reads `--- ...`) or an added one starting with `++` stays a body line.
 * Only when the counts do not fit the body is the body read by its structure, and the counts recomputed.
 *
 * @module
 */

/** A hunk header with line numbers: `@@ -a[,b] +c[,d] @@ rest`. */
export const HUNK_HEADER: RegExp = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@([^\n]*)$/;

/** Extended git header lines that may follow `diff --git`. */
const EXTENDED_HEADER =
  /^(?:old mode |new mode |deleted file mode |new file mode |copy from |copy to |rename from |rename to |rename old |rename new |similarity index |dissimilarity index |index )/;

/** One hunk: where it is and what its header declares versus what its body holds. */
export interface ParsedHunk {
  /** Line index of the `@@` header. */
  header: number;
  /** Line index after the last body line. */
  end: number;
  /** The header carries line numbers (`@@ -a,b +c,d @@`); false for `@@ @@` and other malformed headers. */
  numbered: boolean;
  /** Declared old start line. */
  oldStart: number;
  /** Declared old line count (1 when omitted). */
  oldCount: number;
  /** Declared new start line. */
  newStart: number;
  /** Declared new line count (1 when omitted). */
  newCount: number;
  /** The old count was written out (`-a,b` rather than `-a`). */
  hasOldCount: boolean;
  /** The new count was written out. */
  hasNewCount: boolean;
  /** Text after the closing `@@` (function context), kept as is. */
  rest: string;
  /** Old-side lines the body holds (context, removed, blank). */
  actualOld: number;
  /** New-side lines the body holds (context, added, blank). */
  actualNew: number;
  /** Indices of empty lines inside the body: context lines that lost their leading space. */
  blankLines: number[];
  /** The body holds at least one added or removed line (git rejects a hunk of context only). */
  changed: boolean;
  /** The declared counts describe the body exactly. */
  countsOk: boolean;
  /** The text ended before the declared counts were satisfied (a possible truncation). */
  reachedEnd: boolean;
  /** Index of a line without diff prefix that interrupts the body (diff lines follow it), or -1. */
  brokenAt: number;
}

/** One file's diff: its header lines and hunks. */
export interface ParsedSection {
  /** Line index of the first header line. */
  start: number;
  /** Line index after the section's last line. */
  end: number;
  /** The file's path without `a/`/`b/` prefixes (the new path, or the old one for deletions); null for orphan hunks. */
  path: string | null;
  /** Hunks in order. */
  hunks: ParsedHunk[];
  /** Indices of blank lines found between two hunks (git would stop reading the file there). */
  blankBetweenHunks: number[];
  /** Structural problems that cannot be repaired (missing `+++`, hunk header without numbers, ...). */
  problems: string[];
}

/** A run of file sections separated by nothing but blank lines. */
export interface ParsedRegion {
  /** Line index of the first section's first line. */
  start: number;
  /** Line index after the last section's last line. */
  end: number;
  /** Sections in order. */
  sections: ParsedSection[];
  /** The region holds hunks without any file header. */
  orphan: boolean;
}

/** A parsed text: its lines and the diff regions found in it. */
export interface ParsedDiff {
  /** The text split on `\n`; a final `\n` does not produce a trailing empty line. `\r` stays in the lines. */
  lines: string[];
  /** The text ended with `\n`. */
  finalNewline: boolean;
  /** Diff regions in order; text between regions is prose. */
  regions: ParsedRegion[];
}

/**
 * Splits text into lines on `\n`, keeping any `\r`.
 *
 * @example
 * ```ts
 * import { splitLines } from "./patch_parse.ts";
 * splitLines("a\nb\n"); // { lines: ["a", "b"], finalNewline: true }
 * ```
 */
export function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === "") return { lines: [], finalNewline: false };
  const lines = text.split("\n");
  const finalNewline = lines[lines.length - 1] === "";
  if (finalNewline) lines.pop();
  return { lines, finalNewline };
}

/**
 * True when every line of the text ends in CRLF (the unterminated last line, if any, is not considered).
 *
 * @example
 * ```ts
 * import { isAllCrlf } from "./patch_parse.ts";
 * isAllCrlf("a\r\nb\r\n"); // true
 * isAllCrlf("a\r\nb\n"); // false
 * ```
 */
export function isAllCrlf(text: string): boolean {
  let newlines = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    if (i === 0 || text.charCodeAt(i - 1) !== 13) return false;
    newlines++;
  }
  return newlines > 0;
}

/**
 * Strips `a/`/`b/` prefixes and tab-separated timestamps from a `---`/`+++` path.
 *
 * @example
 * ```ts
 * import { cleanPath } from "./patch_parse.ts";
 * cleanPath("b/src/x.py\t2024-01-01"); // "src/x.py"
 * ```
 */
export function cleanPath(raw: string): string {
  let p = raw.replace(/\r$/, "");
  const tab = p.indexOf("\t");
  if (tab !== -1) p = p.slice(0, tab);
  p = p.trim();
  if (p.length > 1 && p.startsWith('"') && p.endsWith('"')) p = p.slice(1, -1);
  if (p.startsWith("a/") || p.startsWith("b/")) p = p.slice(2);
  return p;
}

/** The new path of a `diff --git a/X b/Y` line (paths may hold spaces; quoted paths are unquoted). */
function gitHeaderPath(line: string): string {
  const rest = line.slice("diff --git ".length).replace(/\r$/, "");
  const half = (rest.length - 1) / 2;
  if (
    Number.isInteger(half) && rest[half] === " " &&
    cleanPath(rest.slice(0, half)) === cleanPath(rest.slice(half + 1))
  ) {
    return cleanPath(rest.slice(half + 1));
  }
  const b = rest.lastIndexOf(" b/");
  if (b !== -1) return cleanPath(rest.slice(b + 1));
  const q = rest.lastIndexOf(' "b/');
  if (q !== -1) return cleanPath(rest.slice(q + 1));
  return cleanPath(rest);
}

/** Could `--- old` / `+++ new` be a file header pair (rather than a removed and an added line)? */
function plausiblePair(oldRaw: string, newRaw: string): boolean {
  if (oldRaw.includes("\t") || newRaw.includes("\t")) return true; // GNU diff timestamps
  const o = cleanPath(oldRaw);
  const n = cleanPath(newRaw);
  if (o === "" || n === "") return false;
  if (o === n || o === "/dev/null" || n === "/dev/null") return true;
  if (oldRaw.trimStart().startsWith("a/") && newRaw.trimStart().startsWith("b/")) return true;
  const tail = (p: string) => p.slice(p.indexOf("/") + 1);
  return !/\s/.test(o) && !/\s/.test(n) && tail(o) === tail(n);
}

function hasChange(lines: string[], from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = lines[k].charCodeAt(0);
    if (c === 43 || c === 45) return true;
  }
  return false;
}

function isBodyLine(line: string): boolean {
  const c = line.charCodeAt(0);
  return c === 32 || c === 43 || c === 45 || c === 92; // ' ' '+' '-' '\'
}

function isBlank(line: string): boolean {
  return line.trim() === "";
}

/** Parser state over one text. */
class Parser {
  readonly lines: string[];
  readonly n: number;

  constructor(lines: string[]) {
    this.lines = lines;
    this.n = lines.length;
  }

  /**
   * `---` followed by `+++`. Inside a hunk (`inHunk`), where the pair could be a removed line `-- x` and an added
   * line `++ y`, it must also be followed by a hunk header and name plausible paths.
   */
  unifiedHeaderAt(i: number, inHunk: boolean): boolean {
    const l = this.lines;
    if (i + 1 >= this.n || !l[i].startsWith("--- ") || !l[i + 1].startsWith("+++ ")) return false;
    if (!inHunk) return true;
    return i + 2 < this.n && l[i + 2].startsWith("@@") && plausiblePair(l[i].slice(4), l[i + 1].slice(4));
  }

  /**
   * A file section starts here: `diff --git`, a `---`/`+++` pair, or a `diff ...` line before such a pair.
   * Inside a hunk whose counts are not trusted, a `---`/`+++` pair must also be followed by a hunk header.
   */
  fileHeaderAt(i: number, inHunk: boolean): boolean {
    const line = this.lines[i];
    if (line === undefined) return false;
    if (line.startsWith("diff --git ")) return true;
    if (line.startsWith("diff ")) return this.unifiedHeaderAt(i + 1, inHunk);
    return this.unifiedHeaderAt(i, inHunk);
  }

  /** After a hunk whose counts were satisfied at `j`: does the hunk really end there? */
  boundaryOk(j: number): boolean {
    let k = j;
    while (k < this.n && this.lines[k] === "") k++;
    if (k >= this.n) return true;
    const line = this.lines[k];
    if (line.startsWith("@@") || this.fileHeaderAt(k, false)) return true;
    return !isBodyLine(line);
  }

  parseHunk(h: number): ParsedHunk {
    const lines = this.lines;
    const m = HUNK_HEADER.exec(lines[h]);
    const hunk: ParsedHunk = {
      header: h,
      end: h + 1,
      numbered: m !== null,
      oldStart: m ? Number(m[1]) : 0,
      oldCount: m ? (m[2] === undefined ? 1 : Number(m[2])) : 0,
      newStart: m ? Number(m[3]) : 0,
      newCount: m ? (m[4] === undefined ? 1 : Number(m[4])) : 0,
      hasOldCount: m ? m[2] !== undefined : false,
      hasNewCount: m ? m[4] !== undefined : false,
      rest: m ? m[5] : "",
      actualOld: 0,
      actualNew: 0,
      blankLines: [],
      changed: false,
      countsOk: false,
      reachedEnd: false,
      brokenAt: -1,
    };
    if (m) {
      // 1. By the declared counts, as git reads it.
      let o = 0;
      let nw = 0;
      let j = h + 1;
      const blanks: number[] = [];
      while ((o < hunk.oldCount || nw < hunk.newCount) && j < this.n) {
        const line = lines[j];
        const c = line.charCodeAt(0);
        if (line === "") {
          o++;
          nw++;
          blanks.push(j);
        } else if (c === 32) {
          o++;
          nw++;
        } else if (c === 45) {
          if (this.unifiedHeaderAt(j, true)) break; // the next file's headers, not `-- x` / `++ y`
          o++;
        } else if (c === 43) nw++;
        else if (c !== 92) break;
        j++;
      }
      while (j < this.n && lines[j].charCodeAt(0) === 92) j++;
      if (o === hunk.oldCount && nw === hunk.newCount && this.boundaryOk(j)) {
        hunk.end = j;
        hunk.actualOld = o;
        hunk.actualNew = nw;
        hunk.blankLines = blanks;
        hunk.countsOk = true;
        hunk.changed = hasChange(lines, h + 1, j);
        return hunk;
      }
      hunk.reachedEnd = j >= this.n;
    }
    // 2. By structure: body lines up to the next hunk, file header or prose; trailing blank lines are not body.
    let j = h + 1;
    let last = h;
    const pending: number[] = [];
    const blanks: number[] = [];
    while (j < this.n) {
      const line = lines[j];
      if (line.startsWith("@@") || this.fileHeaderAt(j, true)) break;
      if (line === "") {
        pending.push(j);
      } else if (isBodyLine(line)) {
        for (const b of pending) blanks.push(b);
        pending.length = 0;
        last = j;
      } else {
        // A line without prefix right inside the body, with diff lines after it: the hunk is damaged, not ended.
        const after = lines[j + 1];
        if (
          pending.length === 0 && after !== undefined && isBodyLine(after) && !this.fileHeaderAt(j + 1, true)
        ) {
          hunk.brokenAt = j;
        }
        break;
      }
      j++;
    }
    hunk.end = last + 1;
    hunk.blankLines = blanks;
    let o = 0;
    let nw = 0;
    for (let k = h + 1; k < hunk.end; k++) {
      const c = lines[k].charCodeAt(0);
      if (lines[k] === "" || c === 32) {
        o++;
        nw++;
      } else if (c === 45) o++;
      else if (c === 43) nw++;
    }
    hunk.actualOld = o;
    hunk.actualNew = nw;
    hunk.countsOk = m !== null && o === hunk.oldCount && nw === hunk.newCount;
    hunk.changed = hasChange(lines, h + 1, hunk.end);
    // Only a hunk that runs to the end of the text (nothing but blank lines after it) can be truncated.
    if (hunk.reachedEnd) hunk.reachedEnd = lines.slice(hunk.end).every(isBlank);
    return hunk;
  }

  /** Reads hunks from `j` on; blank lines between two hunks are noted. Returns the index after the last. */
  parseHunks(j: number, section: ParsedSection): number {
    let end = j;
    while (end < this.n) {
      if (this.lines[end].startsWith("@@")) {
        const hunk = this.parseHunk(end);
        if (!hunk.numbered) {
          section.problems.push(
            `line ${end + 1}: hunk header without line numbers: ${show(this.lines[end])}`,
          );
        } else if (hunk.actualOld === 0 && hunk.actualNew === 0) {
          section.problems.push(`line ${end + 1}: hunk has no body lines`);
        }
        if (hunk.brokenAt !== -1) {
          section.problems.push(
            `line ${hunk.brokenAt + 1}: a line inside a hunk lacks its diff prefix (" ", "+" or "-"): ${
              show(this.lines[hunk.brokenAt])
            }`,
          );
        }
        section.hunks.push(hunk);
        end = hunk.end;
        continue;
      }
      // Blank lines followed by another hunk of the same file.
      let k = end;
      while (k < this.n && this.lines[k] === "") k++;
      if (k > end && k < this.n && section.hunks.length > 0 && HUNK_HEADER.test(this.lines[k])) {
        for (let b = end; b < k; b++) section.blankBetweenHunks.push(b);
        end = k;
        continue;
      }
      break;
    }
    return end;
  }

  parseSection(i: number): ParsedSection {
    const lines = this.lines;
    const section: ParsedSection = {
      start: i,
      end: i + 1,
      path: null,
      hunks: [],
      blankBetweenHunks: [],
      problems: [],
    };
    let j = i;
    let gitPath: string | null = null;
    if (lines[i].startsWith("diff --git ")) {
      gitPath = gitHeaderPath(lines[i]);
      j = i + 1;
      while (j < this.n && EXTENDED_HEADER.test(lines[j])) {
        const r = /^(?:rename|copy) to (.*)$/.exec(lines[j]);
        if (r) gitPath = cleanPath(r[1]);
        j++;
      }
      section.path = gitPath;
      const line = lines[j] ?? "";
      if (line.startsWith("Binary files ") && /differ\r?$/.test(line)) {
        section.end = j + 1;
        return section;
      }
      if (/^GIT binary patch\r?$/.test(line)) {
        section.end = this.parseBinary(j + 1, section);
        return section;
      }
      if (!this.unifiedHeaderAt(j, false)) {
        if (line.startsWith("--- ")) {
          section.problems.push(`line ${j + 2}: "---" header without a following "+++" header`);
          j++;
        } else if (line.startsWith("@@") || line.startsWith("+++ ")) {
          section.problems.push(`line ${j + 1}: hunk without "---"/"+++" file headers`);
          section.end = this.parseHunks(line.startsWith("+++ ") ? j + 1 : j, section);
          return section;
        }
        section.end = j;
        return section;
      }
    } else if (!lines[i].startsWith("--- ")) {
      j = i + 1; // a `diff ...` line before the ---/+++ pair
    }
    const oldPath = cleanPath(lines[j].slice(4));
    const newPath = cleanPath(lines[j + 1].slice(4));
    section.path = newPath === "/dev/null" || newPath === "dev/null" ? oldPath : newPath;
    if (gitPath !== null && section.path === "/dev/null") section.path = gitPath;
    j += 2;
    const end = this.parseHunks(j, section);
    if (section.hunks.length === 0) {
      section.problems.push(`line ${j}: file ${section.path} has "---"/"+++" headers but no hunks`);
    }
    section.end = end;
    return section;
  }

  /** `GIT binary patch`: one or two `literal`/`delta` blocks, each ended by a blank line. */
  parseBinary(j: number, section: ParsedSection): number {
    let blocks = 0;
    while (j < this.n && /^(?:literal|delta) \d+\r?$/.test(this.lines[j])) {
      j++;
      while (j < this.n && this.lines[j] !== "" && this.lines[j] !== "\r") {
        if (!/^[A-Za-z][0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]*\r?$/.test(this.lines[j])) {
          section.problems.push(`line ${j + 1}: malformed GIT binary patch data`);
          return j;
        }
        j++;
      }
      if (j < this.n) j++; // the blank line ending the block
      blocks++;
    }
    if (blocks === 0) section.problems.push(`line ${j + 1}: GIT binary patch without literal/delta data`);
    return j;
  }

  parse(): ParsedRegion[] {
    const regions: ParsedRegion[] = [];
    let current: ParsedRegion | null = null;
    let i = 0;
    while (i < this.n) {
      const line = this.lines[i];
      let section: ParsedSection | null = null;
      let orphan = false;
      if (this.fileHeaderAt(i, false)) {
        section = this.parseSection(i);
      } else if (line.startsWith("@@")) {
        orphan = true;
        section = { start: i, end: i + 1, path: null, hunks: [], blankBetweenHunks: [], problems: [] };
        section.problems.push(`line ${i + 1}: hunk without a file header (diff --git or ---/+++)`);
        section.end = this.parseHunks(i, section);
      }
      if (section === null) {
        i++;
        continue;
      }
      const joinable = current !== null && !current.orphan && !orphan &&
        this.lines.slice(current.end, i).every(isBlank);
      if (joinable && current) {
        current.sections.push(section);
        current.end = section.end;
      } else {
        current = { start: i, end: section.end, sections: [section], orphan };
        regions.push(current);
      }
      i = Math.max(section.end, i + 1);
    }
    return regions;
  }
}

/** Quotes a line for a message, shortened. */
export function show(line: string): string {
  const s = line.replace(/\r$/, "");
  return JSON.stringify(s.length > 60 ? s.slice(0, 57) + "..." : s);
}

/**
 * Parses text into diff regions, file sections and hunks. Text that is not part of a diff is skipped.
 *
 * @example
 * ```ts
 * import { parseDiff } from "./patch_parse.ts";
 * const p = parseDiff("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
 * p.regions[0].sections[0].hunks[0].countsOk; // true
 * ```
 */
export function parseDiff(text: string): ParsedDiff {
  const { lines, finalNewline } = splitLines(text);
  const regions = new Parser(lines).parse();
  return { lines, finalNewline, regions };
}

/**
 * Formats a hunk header with the counts its body holds, keeping the start lines, the count style
 * (`-a` vs `-a,1`) and the text after `@@`.
 *
 * @example
 * ```ts
 * import { parseDiff, recountedHeader } from "./patch_parse.ts";
 * const h = parseDiff("--- a/x\n+++ b/x\n@@ -1,9 +1,9 @@ f\n-a\n+b\n").regions[0].sections[0].hunks[0];
 * recountedHeader(h); // "@@ -1,1 +1,1 @@ f"
 * ```
 */
export function recountedHeader(h: ParsedHunk): string {
  const count = (c: number, had: boolean) => (had || c !== 1 ? `,${c}` : "");
  return `@@ -${h.oldStart}${count(h.actualOld, h.hasOldCount)} +${h.newStart}${
    count(h.actualNew, h.hasNewCount)
  } @@${h.rest}`;
}
