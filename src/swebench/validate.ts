/**
 * `swebench validate`: checks a predictions file the way the official SWE-bench harness reads it
 * (`swebench/harness/utils.py` `get_predictions_from_file`, `run_evaluation.py`, `reporting.py`), so that a file
 * the harness would refuse, or score wrongly without a word, is caught before an evaluation run.
 *
 * What the harness does, and what is checked here for each:
 * - the path must end in `.jsonl` (each line `json.loads`: a blank line or a byte-order mark aborts) or `.json`
 *   (a list of predictions, or an object keyed by instance id whose keys it ignores);
 * - each prediction must be an object with `instance_id` (checked by the loader), `model_patch` (read as
 *   `v["model_patch"]`: a missing key aborts) and `model_name_or_path` (read as `prediction["model_name_or_path"]`
 *   for the run report and the log directories);
 * - ids are put into a dict: a repeated id silently keeps the last prediction;
 * - ids that are not in the dataset split abort the run before anything is evaluated;
 * - the run report is filed under the first prediction's model name: a file of two models is scored as one;
 * - each patch goes to `git apply` (then `patch --fuzz=5`); an empty or `null` patch is counted as "empty patch".
 *
 * @module
 */
import { parse as parseJsonAst } from "@humanwhocodes/momoa";
import { SwebenchError } from "../core/mod.ts";
import { checkPatch } from "./patch.ts";

/**
 * One problem found in a predictions file.
 *
 * Codes: errors `extension`, `encoding`, `json`, `not-list`, `not-object`, `missing-key`, `wrong-type`,
 * `duplicate-id`, `unknown-id`, `models`, `no-predictions` and `patch-<kind>` (a patch `git apply` rejects:
 * `patch-hunk-counts`, `patch-structure`, `patch-no-diff`, `patch-no-final-newline`, `patch-context-only`,
 * `patch-blank-between-hunks`, `patch-crlf`); warnings `empty-patch`, `key-mismatch` and `patch-<kind>` for what
 * `git apply` tolerates (`patch-text-before`, `patch-text-between`, `patch-text-after`, `patch-blank-context`).
 *
 * @example
 * ```ts
 * import type { Problem } from "@swebench/runner/lib";
 * const p: Problem = { line: 3, instanceId: "django__django-11099", code: "duplicate-id", message: "..." };
 * ```
 */
export interface Problem {
  /** 1-based line of the file the problem is on (the line where the prediction starts in a `.json` file). */
  line?: number;
  /** The prediction's instance id, when it has one. */
  instanceId?: string;
  /** A stable code (see above). */
  code: string;
  /** What is wrong and what the harness would do with it, in one line. */
  message: string;
}

/**
 * What {@linkcode validatePredictions} found.
 *
 * @example
 * ```ts ignore
 * import { validatePredictions } from "@swebench/runner/lib";
 * const r = await validatePredictions("predictions.jsonl");
 * if (r.errors.length) Deno.exit(2);
 * console.log(`${r.predictions} predictions, ${r.emptyPatches} empty`);
 * ```
 */
export interface ValidationReport {
  /** The path checked. */
  file: string;
  /** How the file was read: `jsonl`, or `.json` holding a list (`json-list`) or an object keyed by id (`json-dict`). */
  format: "jsonl" | "json-list" | "json-dict";
  /** Number of predictions read (entries, before the harness drops repeated ids). */
  predictions: number;
  /** The distinct `model_name_or_path` values, in order of first appearance. */
  models: string[];
  /** Problems that make the harness abort or score the file wrongly. */
  errors: Problem[];
  /** Problems the harness survives (empty patches, text around a diff, ...). */
  warnings: Problem[];
  /** Predictions whose patch is empty, `null` or whitespace (the harness does not resolve them). */
  emptyPatches: number;
  /** Ids were checked against a dataset (`instanceIds` was given). */
  idsChecked: boolean;
  /** With `instanceIds`: how many of the dataset's instances have no prediction (the harness's "incomplete"). */
  notPredicted?: number;
}

/**
 * Options of {@linkcode validatePredictions}.
 *
 * @example
 * ```ts
 * import type { ValidateOptions } from "@swebench/runner/lib";
 * const opts: ValidateOptions = { instanceIds: new Set(["astropy__astropy-12907"]) };
 * ```
 */
export interface ValidateOptions {
  /** The dataset split's instance ids: predictions for other ids are errors (the harness aborts on them). */
  instanceIds?: ReadonlySet<string>;
}

/** One entry as read from the file, before its fields are checked. */
interface Entry {
  line: number;
  value: unknown;
  /** The object key (json-dict only). */
  key?: string;
}

const REQUIRED = ["instance_id", "model_patch", "model_name_or_path"] as const;

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}

function quote(s: string, max = 80): string {
  return JSON.stringify(s.length > max ? s.slice(0, max - 3) + "..." : s);
}

/** Python's universal newlines: the lines `for line in f` yields, without their terminators. */
function pythonLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** momoa's token names, as the characters a person sees. */
const TOKENS: Record<string, string> = {
  LBrace: "{",
  RBrace: "}",
  LBracket: "[",
  RBracket: "]",
  Comma: ",",
  Colon: ":",
};

/** A JSON syntax error, described with its column (and line, for a whole document). */
function jsonSyntaxError(text: string, fallback: unknown): { line: number; column: number; reason: string } {
  try {
    parseJsonAst(text, { mode: "json" });
  } catch (e) {
    const m = /^(.*?)\s*\((\d+):(\d+)\)\s*$/.exec((e as Error).message);
    if (m) {
      const reason = m[1].replace(/\.$/, "").replace(
        /\b(LBrace|RBrace|LBracket|RBracket|Comma|Colon)\b/,
        (t) => `"${TOKENS[t]}"`,
      );
      return { line: Number(m[2]), column: Number(m[3]), reason };
    }
  }
  return { line: 1, column: 1, reason: (fallback as Error)?.message ?? String(fallback) };
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The first line (1-based) that is not valid UTF-8. */
function firstBadUtf8Line(bytes: Uint8Array): number {
  const strict = new TextDecoder("utf-8", { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 10) {
      try {
        strict.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return 1;
}

/**
 * Check a predictions file as the official SWE-bench harness reads it: `.jsonl`, or `.json` as a list or as an
 * object keyed by instance id. Reports broken JSON, missing or mistyped keys, ids not in the dataset (with
 * `instanceIds`), repeated ids, more than one model name, patches `git apply` rejects, and empty patches, each with
 * its line. Errors are what makes the harness abort or score the file wrongly; warnings what it survives.
 * A file that cannot be read at all (missing, a directory) throws a `usage` {@linkcode SwebenchError}.
 *
 * @example
 * ```ts ignore
 * import { validatePredictions } from "@swebench/runner/lib";
 * const r = await validatePredictions("preds.jsonl", { instanceIds: new Set(["astropy__astropy-12907"]) });
 * for (const p of r.errors) console.log(`preds.jsonl:${p.line}: ${p.message}`);
 * ```
 */
export async function validatePredictions(
  path: string,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new SwebenchError("usage", `predictions file not found: ${path}`, {
        hint:
          "Pass the .jsonl (or .json) file that `swebench generate` wrote, e.g. predictions/<model>__<dataset>__test.jsonl",
      });
    }
    if (e instanceof Deno.errors.IsADirectory || (e as { code?: string }).code === "EISDIR") {
      throw new SwebenchError("usage", `${path} is a directory, not a predictions file`, {
        hint: "Pass one .jsonl or .json file.",
      });
    }
    throw e;
  }
  return checkPredictions(bytes, path, options);
}

function checkPredictions(bytes: Uint8Array, file: string, options: ValidateOptions): ValidationReport {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const adder = (list: Problem[]) => (code: string, message: string, line?: number, instanceId?: string) => {
    list.push({
      ...(line !== undefined ? { line } : {}),
      ...(instanceId !== undefined ? { instanceId } : {}),
      code,
      message,
    });
  };
  const error = adder(errors);
  const warning = adder(warnings);

  // 1. The path: the harness picks its reader by the (case-sensitive) ending and refuses anything else.
  const name = file.split(/[\\/]/).pop() ?? file;
  let format: ValidationReport["format"];
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    error(
      "encoding",
      "not UTF-8 text: the harness cannot read the file (save it as UTF-8)",
      firstBadUtf8Line(bytes),
    );
    text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  }
  if (text.startsWith("\uFEFF")) {
    error(
      "encoding",
      "the file starts with a byte-order mark: the harness's json.loads rejects it (save it as UTF-8 without BOM)",
      1,
    );
    text = text.slice(1);
  }
  if (name.endsWith(".jsonl")) format = "jsonl";
  else if (name.endsWith(".json")) format = "json-list";
  else {
    const ext = /\.[^.]*$/.exec(name)?.[0];
    error(
      "extension",
      `the harness reads only files ending in .jsonl or .json (this one ${
        ext ? `ends in ${ext}` : "has no extension"
      }): rename it`,
    );
    // Read it as what it looks like, to report what else is wrong.
    format = /^\s*\[/.test(text) || (/^\s*\{/.test(text) && parsesAsJson(text)) ? "json-list" : "jsonl";
  }

  // 2. Entries, as the harness's loader reads them.
  const entries: Entry[] = [];
  if (format === "jsonl") {
    pythonLines(text).forEach((line, i) => {
      if (line.trim() === "") {
        error("json", "blank line: the harness's json.loads fails on it (remove the line)", i + 1);
        return;
      }
      try {
        entries.push({ line: i + 1, value: JSON.parse(line) });
      } catch (e) {
        const s = jsonSyntaxError(line, e);
        error("json", `broken JSON at column ${s.column}: ${s.reason}`, i + 1);
      }
    });
  } else {
    let ast: ReturnType<typeof parseJsonAst> | undefined;
    try {
      ast = parseJsonAst(text, { mode: "json" });
    } catch (e) {
      const s = jsonSyntaxError(text, e);
      const lines = pythonLines(text).filter((l) => l.trim() !== "");
      const looksJsonl = lines.length > 1 && lines.every(parsesAsJson);
      error(
        "json",
        `broken JSON at column ${s.column}: ${s.reason}${
          looksJsonl ? " (each line is a JSON document: this is JSON Lines, rename the file to .jsonl)" : ""
        }`,
        s.line,
      );
    }
    const root = ast?.body;
    if (root?.type === "Array") {
      for (const el of root.elements) {
        entries.push({
          line: el.loc.start.line,
          value: JSON.parse(text.slice(el.value.loc.start.offset, el.value.loc.end.offset)),
        });
      }
    } else if (root?.type === "Object") {
      format = "json-dict";
      const seen = new Map<string, number>();
      for (const m of root.members) {
        const key = m.name.type === "String" ? m.name.value : String(m.name.name);
        const first = seen.get(key);
        if (first !== undefined) {
          error(
            "duplicate-id",
            `key ${quote(key)} repeated (first at line ${first}): the harness keeps only the last one`,
            m.loc.start.line,
            key,
          );
        } else seen.set(key, m.loc.start.line);
        entries.push({
          line: m.loc.start.line,
          key,
          value: JSON.parse(text.slice(m.value.loc.start.offset, m.value.loc.end.offset)),
        });
      }
    } else if (root) {
      error(
        "not-list",
        `a .json predictions file holds a list of predictions or an object keyed by instance_id, not ${
          typeName(JSON.parse(text))
        }`,
        root.loc.start.line,
      );
    }
  }

  // 3. Each prediction's fields.
  const firstLineOf = new Map<string, number>();
  const models = new Map<string, { count: number; line: number }>();
  let emptyPatches = 0;
  for (const { line, value, key } of entries) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      error("not-object", `a prediction must be a JSON object, this is ${typeName(value)}`, line);
      continue;
    }
    const pred = value as Record<string, unknown>;
    const rawId = pred.instance_id;
    const id = typeof rawId === "string" ? rawId : undefined;
    const missing = REQUIRED.filter((k) => !(k in pred));
    if (missing.length > 0) {
      error(
        "missing-key",
        `${id ? `${id}: ` : ""}missing ${
          missing.map((k) => `"${k}"`).join(", ")
        }: the harness stops with a KeyError`,
        line,
        id,
      );
    }
    if ("instance_id" in pred && id === undefined) {
      error("wrong-type", `"instance_id" must be a string, this is ${typeName(rawId)}`, line);
    }
    const model = pred.model_name_or_path;
    if ("model_name_or_path" in pred) {
      if (typeof model === "string") {
        const m = models.get(model);
        if (m) m.count++;
        else models.set(model, { count: 1, line });
      } else {
        error(
          "wrong-type",
          `${id ? `${id}: ` : ""}"model_name_or_path" must be a string, this is ${typeName(model)}`,
          line,
          id,
        );
      }
    }
    if (key !== undefined && id !== undefined && key !== id) {
      warning(
        "key-mismatch",
        `key ${quote(key)} holds the prediction for ${
          quote(id)
        }: the harness ignores the key and uses "instance_id"`,
        line,
        id,
      );
    }
    if (id !== undefined) {
      const first = firstLineOf.get(id);
      if (first !== undefined) {
        error(
          "duplicate-id",
          `${id}: repeated instance_id (first at line ${first}): the harness keeps only the last one`,
          line,
          id,
        );
      } else firstLineOf.set(id, line);
      if (options.instanceIds && !options.instanceIds.has(id)) {
        error(
          "unknown-id",
          `${id}: not an instance of the dataset: the harness stops before evaluating anything`,
          line,
          id,
        );
      }
    }
    if (!("model_patch" in pred)) continue;
    const patch = pred.model_patch;
    const label = id ?? `line ${line}`;
    if (patch === null || patch === "") {
      emptyPatches++;
      warning(
        "empty-patch",
        `${label}: empty patch (the harness counts it as not resolved)`,
        line,
        id,
      );
    } else if (typeof patch !== "string") {
      error(
        "wrong-type",
        `${label}: "model_patch" must be a string or null, this is ${typeName(patch)}`,
        line,
        id,
      );
    } else if (patch.trim() === "") {
      emptyPatches++;
      warning(
        "empty-patch",
        `${label}: patch holds only whitespace (the harness tries to apply it and records an error)`,
        line,
        id,
      );
    } else {
      for (const p of checkPatch(patch)) {
        const where = p.message.startsWith("line ") ? "patch " : "patch: ";
        const why = p.severity === "error" ? "git apply rejects it" : "git apply skips it";
        const message = `${label}: ${where}${p.message} (${why})`;
        (p.severity === "error" ? error : warning)(`patch-${p.code}`, message, line, id);
      }
    }
  }

  // 4. The file as a whole.
  const names = [...models.keys()];
  if (names.length > 1) {
    const [first, ...others] = names;
    for (const other of others) {
      const m = models.get(other)!;
      error(
        "models",
        `a second model name ${quote(other)} (${m.count} prediction${
          m.count === 1 ? "" : "s"
        }, the first here) ` +
          `in a file of ${quote(first)}: the harness scores one model per file and files the report under ` +
          `${quote(first)}; split the file by model`,
        m.line,
      );
    }
  }
  if (entries.length === 0 && !errors.some((e) => e.code === "json")) {
    error("no-predictions", "the file holds no predictions: the harness has nothing to evaluate");
  }
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  warnings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const report: ValidationReport = {
    file,
    format,
    predictions: entries.length,
    models: names,
    errors,
    warnings,
    emptyPatches,
    idsChecked: options.instanceIds !== undefined,
  };
  if (options.instanceIds) {
    let notPredicted = 0;
    for (const id of options.instanceIds) if (!firstLineOf.has(id)) notPredicted++;
    report.notPredicted = notPredicted;
  }
  return report;
}
