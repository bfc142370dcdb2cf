/**
 * One SWE-bench task instance and the validation every dataset row goes through.
 *
 * @module
 */
import { SwebenchError } from "../core/errors.ts";

/**
 * A SWE-bench instance, field names and meanings as in the Hugging Face datasets
 * (`princeton-nlp/SWE-bench*`). `FAIL_TO_PASS` / `PASS_TO_PASS` are decoded to arrays.
 *
 * @example
 * ```ts
 * import type { SwebenchInstance } from "@swebench/runner/lib";
 * const inst: SwebenchInstance = {
 *   instance_id: "psf__requests-2317",
 *   repo: "psf/requests",
 *   base_commit: "091991be0da19de9108dbe5e3752917fea3d7fdc",
 *   problem_statement: "method = builtin_str(method) problem",
 * };
 * ```
 */
export interface SwebenchInstance {
  /** `owner__repo-PR`, unique within a dataset. */
  instance_id: string;
  /** `owner/repo` on GitHub. */
  repo: string;
  /** Commit the patch must apply to. */
  base_commit: string;
  /** The issue text (may be empty when `text` carries the prompt). */
  problem_statement: string;
  /** Comments on the issue before the fix. */
  hints_text?: string;
  /** The reference (gold) patch. */
  patch?: string;
  /** The patch adding the tests that judge the fix. */
  test_patch?: string;
  /** Creation time of the pull request. */
  created_at?: string;
  /** Package version (selects the harness environment). */
  version?: string;
  /** Tests that must go from failing to passing. */
  FAIL_TO_PASS?: string[];
  /** Tests that must keep passing. */
  PASS_TO_PASS?: string[];
  /** Commit used to build the environment. */
  environment_setup_commit?: string;
  /** A ready prompt (retrieval variants `*_bm25_13K`, `*_oracle`, ...): first line system, rest user. */
  text?: string;
}

/** The fields of {@linkcode SwebenchInstance}, in the Hugging Face column order (plus `text`). */
export const INSTANCE_FIELDS: readonly string[] = [
  "repo",
  "instance_id",
  "base_commit",
  "patch",
  "test_patch",
  "problem_statement",
  "hints_text",
  "created_at",
  "version",
  "FAIL_TO_PASS",
  "PASS_TO_PASS",
  "environment_setup_commit",
  "text",
];

const OPTIONAL_STRINGS = [
  "hints_text",
  "patch",
  "test_patch",
  "created_at",
  "version",
  "environment_setup_commit",
  "text",
] as const;

const FIX_HINT =
  "Fix that row of the dataset (or regenerate the file from the Hugging Face dataset); rows need string fields " +
  "instance_id, repo, base_commit and problem_statement (or text), and FAIL_TO_PASS / PASS_TO_PASS as a list of " +
  "test names or a JSON string holding one.";

function bad(where: string, message: string): SwebenchError {
  return new SwebenchError("usage", `${where}: ${message}`, { hint: FIX_HINT });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return "binary data";
  if (typeof value === "string") {
    return value.length > 40
      ? `the string ${JSON.stringify(value.slice(0, 40))}...`
      : `the string ${JSON.stringify(value)}`;
  }
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

function requiredString(
  row: Record<string, unknown>,
  field: string,
  where: string,
  allowEmpty = false,
): string {
  const value = row[field];
  if (value === undefined || value === null) throw bad(where, `missing required field "${field}"`);
  if (typeof value !== "string") {
    throw bad(where, `field "${field}" must be a string, got ${describe(value)}`);
  }
  if (!allowEmpty && value.trim() === "") throw bad(where, `field "${field}" is empty`);
  return value;
}

function optionalString(row: Record<string, unknown>, field: string, where: string): string | undefined {
  const value = row[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  // Some exports carry versions as numbers (3.0 -> "3.0" is lost by JSON, so keep what we get) and dates as Dates.
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  throw bad(where, `field "${field}" must be a string, got ${describe(value)}`);
}

function testList(row: Record<string, unknown>, field: string, where: string): string[] | undefined {
  let value = row[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") {
    if (value.trim() === "") return [];
    try {
      value = JSON.parse(value);
    } catch {
      throw bad(
        where,
        `field "${field}" is a string but not JSON: expected a JSON list of test names like ["test_a"]`,
      );
    }
  }
  if (!Array.isArray(value)) {
    throw bad(
      where,
      `field "${field}" must be a list of test names (or a JSON string of one), got ${describe(value)}`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== "string") {
      throw bad(
        where,
        `field "${field}" item ${i} must be a string (a test name), got ${describe(value[i])}`,
      );
    }
  }
  return value as string[];
}

/** Options of {@linkcode parseInstance} and of the dataset readers. */
export interface ParseOptions {
  /**
   * Read the test fields: `test_patch`, `FAIL_TO_PASS`, `PASS_TO_PASS` (default true). `false` leaves them out,
   * unread and unchecked: a generation run never reads them, and parsing the test lists is most of a row's cost
   * (15 of 20 ms for the 300 Lite rows).
   */
  tests?: boolean;
}

/**
 * Validate one dataset row and return it as a {@linkcode SwebenchInstance}.
 *
 * Required: `instance_id`, `repo`, `base_commit` (non-empty strings) and `problem_statement` or `text`.
 * `FAIL_TO_PASS` / `PASS_TO_PASS` may be arrays or JSON-encoded strings (the Hugging Face encoding).
 * Unknown fields are dropped. Errors are {@linkcode SwebenchError} kind `"usage"` whose message starts with
 * `where` (e.g. `data.jsonl:12`) and names the field. With `{ tests: false }` the test fields are skipped unread.
 *
 * @example
 * ```ts
 * import { parseInstance } from "@swebench/runner/lib";
 * const inst = parseInstance(
 *   { instance_id: "a__b-1", repo: "a/b", base_commit: "abc", problem_statement: "Bug", FAIL_TO_PASS: '["t1"]' },
 *   "data.jsonl:1",
 * );
 * console.log(inst.FAIL_TO_PASS); // ["t1"]
 * ```
 */
export function parseInstance(row: unknown, where: string, options: ParseOptions = {}): SwebenchInstance {
  if (row === null || typeof row !== "object" || Array.isArray(row)) {
    throw bad(where, `a row must be a JSON object, got ${describe(row)}`);
  }
  const r = row as Record<string, unknown>;
  const instance_id = requiredString(r, "instance_id", where);
  const at = `${where} (${instance_id})`;
  const repo = requiredString(r, "repo", at);
  const base_commit = requiredString(r, "base_commit", at);
  const text = optionalString(r, "text", at);
  let problem_statement: string;
  if (r.problem_statement === undefined || r.problem_statement === null) {
    if (text === undefined || text.trim() === "") {
      throw bad(at, `missing required field "problem_statement" (or a "text" prompt)`);
    }
    problem_statement = "";
  } else {
    problem_statement = requiredString(r, "problem_statement", at, true);
    if (problem_statement.trim() === "" && (text === undefined || text.trim() === "")) {
      throw bad(at, `field "problem_statement" is empty and there is no "text" prompt`);
    }
  }
  const inst: SwebenchInstance = { instance_id, repo, base_commit, problem_statement };
  const tests = options.tests !== false;
  for (const field of OPTIONAL_STRINGS) {
    if (!tests && field === "test_patch") continue;
    const value = field === "text" ? text : optionalString(r, field, at);
    if (value !== undefined) inst[field] = value;
  }
  if (!tests) return inst;
  const f2p = testList(r, "FAIL_TO_PASS", at);
  if (f2p !== undefined) inst.FAIL_TO_PASS = f2p;
  const p2p = testList(r, "PASS_TO_PASS", at);
  if (p2p !== undefined) inst.PASS_TO_PASS = p2p;
  return inst;
}
