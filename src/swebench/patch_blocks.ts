/**
 * Finds the containers a model puts a patch in: `<patch>`/`<diff>` tags and Markdown code fences.
 *
 * @module
 */

/** The text inside one tag pair or code fence. */
export interface Block {
  /** The text inside, without the newline after the opening tag or fence line. */
  body: string;
  /** A closing tag or fence was found (false: the block runs to the end of the output). */
  terminated: boolean;
  /** Fence info string's first word, lower-cased (`diff`, `patch`, `python`, `""`); `patch`/`diff` for tags. */
  label: string;
  /** Spaces removed from the start of every body line (a fence indented inside a list); 0 otherwise. */
  dedented: number;
}

/**
 * Finds `<patch>...</patch>` and `<diff>...</diff>` blocks, in order. A closing tag at the start of a line is
 * preferred (a diff line never starts with `<`); an unclosed last tag runs to the end of the text.
 *
 * @example
 * ```ts
 * import { findTagBlocks } from "./patch_blocks.ts";
 * findTagBlocks("<patch>\n--- a/x\n</patch>")[0].body; // "--- a/x\n"
 * ```
 */
export function findTagBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  // Every tag position, found once: opening tags, opening tags that start a line, closing tags per name.
  const opens = [...text.matchAll(/<(patch|diff)>/gi)].map((m) => ({
    at: m.index,
    name: m[1].toLowerCase(),
  }));
  const lineOpens = opens.filter((o) => o.at === 0 || text[o.at - 1] === "\n").map((o) => o.at);
  const closes: Record<string, number[]> = { patch: [], diff: [] };
  for (const m of text.matchAll(/<\/(patch|diff)>/gi)) closes[m[1].toLowerCase()].push(m.index);
  const lineCloses: Record<string, number[]> = {
    patch: closes.patch.filter((at) => text[at - 1] === "\n"),
    diff: closes.diff.filter((at) => text[at - 1] === "\n"),
  };
  const firstAtOrAfter = (xs: number[], at: number) => {
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] < at) lo = mid + 1;
      else hi = mid;
    }
    return lo < xs.length ? xs[lo] : -1;
  };
  let from = 0;
  for (const open of opens) {
    if (open.at < from) continue;
    let bodyStart = open.at + open.name.length + 2;
    const nl = /^[ \t]*\r?\n/.exec(text.slice(bodyStart, bodyStart + 64));
    if (nl) bodyStart += nl[0].length;
    // The closing tag belongs to this block only if it comes before the next opening tag that starts a line
    // (a diff line holding "<patch>" starts with " ", "+" or "-"); one at the start of a line is preferred.
    const next = firstAtOrAfter(lineOpens, bodyStart);
    const nextOpen = next === -1 ? text.length : next;
    let end = firstAtOrAfter(lineCloses[open.name], bodyStart);
    if (end === -1 || end > nextOpen) {
      end = firstAtOrAfter(closes[open.name], bodyStart);
      if (end > nextOpen) end = -1;
    }
    if (end === -1) {
      blocks.push({
        body: text.slice(bodyStart, nextOpen),
        terminated: false,
        label: open.name,
        dedented: 0,
      });
      from = nextOpen;
      continue;
    }
    blocks.push({ body: text.slice(bodyStart, end), terminated: true, label: open.name, dedented: 0 });
    from = end + open.name.length + 3;
  }
  return blocks;
}

/** Options for {@linkcode findFenceBlocks}. */
export interface FenceOptions {
  /**
   * True for line indices (of `text.split("\n")`) that belong to a diff's hunk, where a fence-like line is a diff
   * line (a Markdown file's context line `` ` ``` `` is not a fence).
   */
  inDiff?: (line: number) => boolean;
}

const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})[ \t]*([^\s`]*)[^`\n]*$/;
const FENCE_CLOSE = /^( {0,3})(`{3,}|~{3,})[ \t]*\r?$/;

/**
 * Finds Markdown code fences (```` ``` ```` or `~~~`), in order. A closing fence may not be indented more than its
 * opening fence, so a diff context line ` ```` (a Markdown file's code fence) stays in the body; lines that
 * `options.inDiff` marks are never fences. An unclosed last
 * fence runs to the end of the text; one whose last line ends in the fence (`...x```) is closed there.
 *
 * @example
 * ```ts
 * import { findFenceBlocks } from "./patch_blocks.ts";
 * findFenceBlocks("text\n```diff\n--- a/x\n```\n")[0]; // { body: "--- a/x\n", terminated: true, label: "diff", dedented: 0 }
 * ```
 */
export function findFenceBlocks(text: string, options: FenceOptions = {}): Block[] {
  const blocks: Block[] = [];
  const lines = text.split("\n");
  const inDiff = options.inDiff ?? (() => false);
  let i = 0;
  while (i < lines.length) {
    const open = inDiff(i) ? null : FENCE_OPEN.exec(lines[i].replace(/\r$/, ""));
    if (!open) {
      i++;
      continue;
    }
    const indent = open[1].length;
    const fence = open[2];
    const label = open[3].toLowerCase();
    let j = i + 1;
    let closed = false;
    while (j < lines.length) {
      const close = inDiff(j) ? null : FENCE_CLOSE.exec(lines[j]);
      if (close && close[1].length <= indent && close[2][0] === fence[0] && close[2].length >= fence.length) {
        closed = true;
        break;
      }
      j++;
    }
    let bodyLines = lines.slice(i + 1, j);
    let body: string;
    if (closed) {
      body = bodyLines.length ? bodyLines.join("\n") + "\n" : "";
    } else {
      body = bodyLines.join("\n");
      const last = body.trimEnd();
      const lastLine = last.slice(last.lastIndexOf("\n") + 1);
      if (lastLine.endsWith(fence) && lastLine.length > fence.length + 1) {
        body = last.slice(0, last.length - fence.length);
        closed = true;
      }
    }
    let dedented = 0;
    if (indent > 0) {
      const pad = " ".repeat(indent);
      bodyLines = body.split("\n");
      if (bodyLines.every((l) => l.trim() === "" || l.startsWith(pad))) {
        body = bodyLines.map((l) => (l.startsWith(pad) ? l.slice(indent) : l.trim() === "" ? "" : l)).join(
          "\n",
        );
        dedented = indent;
      }
    }
    blocks.push({ body, terminated: closed, label, dedented });
    i = j + 1;
  }
  return blocks;
}
