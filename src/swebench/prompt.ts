/**
 * Prompts: the dataset's ready `text` prompt (retrieval variants), split as SWE-bench's own inference does, or a
 * template built from the instance; then fitted to the model's context window, cutting code context (and hints)
 * before the issue text.
 *
 * @module
 */
import type { SwebenchInstance } from "./instance.ts";

/** Options of {@linkcode buildPrompt}. */
export interface PromptOptions {
  /** Model context window in tokens; unknown = no fitting. */
  contextWindow?: number;
  /** Tokens reserved for the answer (`--max-tokens`). */
  maxTokens: number;
  /** Token counter of the model. */
  countTokens: (text: string) => number;
  /** Tokens kept free for chat-message framing and counter error; default 32 + 2% of the context window. */
  marginTokens?: number;
  /** The count of the whole, unfitted prompt when already known (a plan counted it): not counted again. */
  knownTokens?: number;
  /**
   * An upper bound of `countTokens` that costs nothing (e.g. UTF-8 bytes for a byte-level BPE): when the whole
   * prompt fits by it, `countTokens` is not called and `promptTokens` is that bound (`bounded`).
   */
  boundTokens?: (text: string) => number;
}

/** A prompt ready to send. */
export interface BuiltPrompt {
  /** System message. */
  system: string;
  /** User message. */
  user: string;
  /** Counted tokens of system + user (without message framing). */
  promptTokens: number;
  /** True when code context or hints were cut to fit. */
  truncated: boolean;
  /** Counted tokens of the whole prompt before any fitting (pass it back as `knownTokens`). */
  fullTokens: number;
  /** True when `promptTokens` and `fullTokens` are the upper bound of `boundTokens`, not a count. */
  bounded?: boolean;
}

/** An instance that cannot fit: not sent, recorded as skipped. */
export interface SkippedPrompt {
  /** Why, with the numbers. */
  skipped: string;
}

/** Result of {@linkcode buildPrompt}. */
export type PromptResult = BuiltPrompt | SkippedPrompt;

/** System message of the built-in template. */
export const TEMPLATE_SYSTEM: string =
  "You are an expert software engineer who resolves GitHub issues. You answer with a patch that applies to the " +
  "repository with `git apply`.";

const PATCH_FORMAT_EXAMPLE = `<patch>
diff --git a/src/pkg/module.py b/src/pkg/module.py
--- a/src/pkg/module.py
+++ b/src/pkg/module.py
@@ -10,7 +10,7 @@ def parse(value):
     if value is None:
         return None
-    return int(value)
+    return int(value.strip())
 
 
 def render(value):
</patch>`;

const TRUNCATION_MARK = "[... truncated to fit the context window ...]";

/** The template's user message (no fitting). */
function templateUser(inst: SwebenchInstance, hints: string | undefined): string {
  const parts = [
    `Below is an issue reported in the GitHub repository ${inst.repo}. The repository is checked out at commit ` +
    `${inst.base_commit}. Resolve the issue.`,
    "",
    "<issue>",
    inst.problem_statement.replace(/\s+$/, ""),
    "</issue>",
  ];
  if (hints !== undefined && hints.trim() !== "") {
    parts.push(
      "",
      "Comments made on the issue before it was fixed:",
      "<hints>",
      hints.replace(/\s+$/, ""),
      "</hints>",
    );
  }
  parts.push(
    "",
    "Answer with one patch in unified diff format (as produced by `git diff`): paths relative to the repository " +
      "root with a/ and b/ prefixes, correct @@ hunk headers, and enough unchanged context lines for `git apply` " +
      "to place each hunk. Put the whole patch between <patch> and </patch>, like this:",
    PATCH_FORMAT_EXAMPLE,
  );
  return parts.join("\n");
}

/**
 * Version of the prompt template and fitting rules: raised by hand on any change that alters what a model is sent
 * (the manifest also records a hash of {@linkcode promptTemplateText}, which changes with the text itself).
 */
export const PROMPT_TEMPLATE_VERSION = "1";

/**
 * The template as text (system message, user message around placeholder fields, the truncation mark and the rule
 * for ready `text` prompts): what a manifest hashes to tell prompts of one version from another.
 *
 * @example
 * ```ts
 * import { promptTemplateText } from "@swebench/runner/lib";
 * promptTemplateText().includes("{problem_statement}"); // true
 * ```
 */
export function promptTemplateText(): string {
  const placeholder: SwebenchInstance = {
    instance_id: "{instance_id}",
    repo: "{repo}",
    base_commit: "{base_commit}",
    problem_statement: "{problem_statement}",
  };
  return [
    `version ${PROMPT_TEMPLATE_VERSION}`,
    `system: ${TEMPLATE_SYSTEM}`,
    `user: ${templateUser(placeholder, "{hints_text}")}`,
    `truncation: ${TRUNCATION_MARK}`,
    "text prompts: first line system, the rest user; code blocks dropped from the end, then cut by lines",
  ].join("\n");
}

/** Split a ready `text` prompt like SWE-bench's run_api.py: first line system, the rest user. */
function splitText(text: string): { system: string; user: string } {
  const nl = text.indexOf("\n");
  return nl < 0 ? { system: "", user: text } : { system: text.slice(0, nl), user: text.slice(nl + 1) };
}

interface CodeBlock {
  /** `[start of name]` ... `[end of name]` text, or a loose line range. */
  lines: string[];
  /** Header and footer lines (kept when the block is truncated). */
  header?: string;
  footer?: string;
}

interface CodeSection {
  before: string; // user text up to and including the "<code>\n" line
  blocks: CodeBlock[];
  after: string; // from the "</code>" line on
}

/** Find the `<code>` ... `</code>` section of a retrieval prompt and split it into file blocks. */
function findCode(user: string): CodeSection | undefined {
  const open = /<\/issue>\n\n?<code>\n/.exec(user);
  if (!open) return undefined;
  const start = open.index + open[0].length;
  const end = user.lastIndexOf("</code>");
  if (end < start) return undefined;
  // The section text is user.slice(start, end); it normally ends with "\n" before "</code>".
  let body = user.slice(start, end);
  let tail = "";
  if (body.endsWith("\n")) {
    body = body.slice(0, -1);
    tail = "\n";
  }
  const lines = body === "" ? [] : body.split("\n");
  const blocks: CodeBlock[] = [];
  let loose: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\[start of (.+)\]$/.exec(lines[i]);
    const close = m ? lines.indexOf(`[end of ${m[1]}]`, i + 1) : -1;
    if (m && close > i) {
      if (loose.length) {
        blocks.push({ lines: loose });
        loose = [];
      }
      blocks.push({ header: lines[i], lines: lines.slice(i + 1, close), footer: lines[close] });
      i = close;
    } else {
      loose.push(lines[i]);
    }
  }
  if (loose.length) blocks.push({ lines: loose });
  return { before: user.slice(0, start), blocks, after: tail + user.slice(end) };
}

function blockText(b: CodeBlock): string {
  return [
    ...(b.header !== undefined ? [b.header] : []),
    ...b.lines,
    ...(b.footer !== undefined ? [b.footer] : []),
  ]
    .join("\n");
}

function assemble(section: CodeSection, blocks: CodeBlock[]): string {
  const body = blocks.map(blockText).join("\n");
  // Keep the "\n</code>" framing even when every block is gone.
  const after = body === "" && section.after.startsWith("\n") ? section.after.slice(1) : section.after;
  return section.before + body + after;
}

function truncateLines(lines: string[], keep: number): string[] {
  return keep >= lines.length ? lines : [...lines.slice(0, keep), TRUNCATION_MARK];
}

/** Largest k in [0, n] with fits(k), assuming fits is monotone; -1 when even fits(0) is false. */
function largestFitting(n: number, fits: (k: number) => boolean): number {
  if (!fits(0)) return -1;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function hasTextPrompt(inst: SwebenchInstance): boolean {
  return inst.text !== undefined && inst.text.trim() !== "";
}

/**
 * The whole prompt of an instance before any fitting: what {@linkcode buildPrompt} sends when it fits.
 *
 * @example
 * ```ts
 * import { unfittedPrompt } from "./prompt.ts";
 * const inst = { instance_id: "a__b-1", repo: "a/b", base_commit: "0".repeat(40), problem_statement: "It fails." };
 * unfittedPrompt(inst).user.includes("It fails."); // true
 * ```
 */
export function unfittedPrompt(inst: SwebenchInstance): { system: string; user: string } {
  return hasTextPrompt(inst)
    ? splitText(inst.text!)
    : { system: TEMPLATE_SYSTEM, user: templateUser(inst, inst.hints_text) };
}

/**
 * Build the prompt of an instance and fit it to `contextWindow - maxTokens - margin`.
 *
 * With a `text` field (retrieval datasets) the first line is the system message and the rest the user message,
 * exactly as SWE-bench's `run_api.py` splits it; when too long, whole files of the `<code>` section are dropped from
 * the end, then the last remaining file is cut by lines. Without `text`, a template from repo, base commit, issue and
 * hints asks for a unified diff in `<patch>` tags; when too long, the hints are cut. The issue text itself is never
 * cut: an instance that still does not fit returns `{ skipped }` with the numbers.
 *
 * @example
 * ```ts
 * import { buildPrompt, SAMPLE_INSTANCES } from "@swebench/runner/lib";
 * const p = buildPrompt(SAMPLE_INSTANCES[0], { contextWindow: 8192, maxTokens: 1024, countTokens: (t) => Math.ceil(t.length / 4) });
 * if ("skipped" in p) console.log(p.skipped);
 * else console.log(p.promptTokens, p.truncated);
 * ```
 */
export function buildPrompt(inst: SwebenchInstance, options: PromptOptions): PromptResult {
  const count = (system: string, user: string) => options.countTokens(system) + options.countTokens(user);
  const useText = hasTextPrompt(inst);
  const { system, user } = unfittedPrompt(inst);
  const window = options.contextWindow;
  const margin = window === undefined ? 0 : options.marginTokens ?? 32 + Math.ceil(window * 0.02);
  const budget = window === undefined ? Infinity : window - options.maxTokens - margin;
  if (options.knownTokens === undefined && options.boundTokens && budget > 0) {
    const bound = options.boundTokens(system) + options.boundTokens(user);
    if (bound <= budget) {
      return { system, user, promptTokens: bound, truncated: false, fullTokens: bound, bounded: true };
    }
  }
  const full = options.knownTokens ?? count(system, user);
  if (window === undefined) {
    return { system, user, promptTokens: full, truncated: false, fullTokens: full };
  }

  const limits = `context window ${window} - max tokens ${options.maxTokens} - margin ${margin} = ${budget}`;
  if (budget <= 0) {
    return { skipped: `no room for a prompt: ${limits} tokens` };
  }
  if (full <= budget) return { system, user, promptTokens: full, truncated: false, fullTokens: full };

  if (!useText) {
    const hints = inst.hints_text ?? "";
    const hintLines = hints.split("\n");
    const build = (k: number) =>
      templateUser(inst, k === 0 ? undefined : truncateLines(hintLines, k).join("\n"));
    const k = hints.trim() === ""
      ? -1
      : largestFitting(hintLines.length, (n) => count(system, build(n)) <= budget);
    if (k < 0) {
      const bare = count(system, build(0));
      return {
        skipped:
          `prompt needs ${bare} tokens without hints (${full} with them) but only ${budget} fit (${limits})`,
      };
    }
    const u = build(k);
    return { system, user: u, promptTokens: count(system, u), truncated: true, fullTokens: full };
  }

  const section = findCode(user);
  if (!section || section.blocks.length === 0) {
    return {
      skipped:
        `prompt needs ${full} tokens but only ${budget} fit (${limits}) and it has no code context to cut`,
    };
  }
  // Drop whole blocks from the end: estimate with per-block counts, then verify with full counts.
  const blocks = section.blocks;
  const baseTokens = count(system, assemble(section, []));
  if (baseTokens > budget) {
    return {
      skipped:
        `prompt needs ${baseTokens} tokens even without code context (${full} with it) but only ${budget} ` +
        `fit (${limits})`,
    };
  }
  const sizes = blocks.map((b) => options.countTokens(blockText(b) + "\n"));
  let keep = blocks.length;
  let estimate = baseTokens + sizes.reduce((a, b) => a + b, 0);
  while (keep > 1 && estimate > budget) estimate -= sizes[--keep];
  let kept = blocks.slice(0, keep);
  let tokens = count(system, assemble(section, kept));
  while (keep > 1 && tokens > budget) {
    kept = blocks.slice(0, --keep);
    tokens = count(system, assemble(section, kept));
  }
  if (tokens > budget) {
    // One block left and still too long: cut it by lines.
    const last = kept[keep - 1];
    const withLines = (
      n: number,
    ): CodeBlock[] => [...kept.slice(0, keep - 1), { ...last, lines: truncateLines(last.lines, n) }];
    const n = largestFitting(
      last.lines.length,
      (k) => count(system, assemble(section, withLines(k))) <= budget,
    );
    kept = n < 0 ? kept.slice(0, keep - 1) : withLines(n);
  }
  const u = assemble(section, kept);
  tokens = count(system, u);
  if (tokens > budget) {
    return {
      skipped: `prompt needs ${tokens} tokens after cutting code context but only ${budget} fit (${limits})`,
    };
  }
  return { system, user: u, promptTokens: tokens, truncated: true, fullTokens: full };
}
