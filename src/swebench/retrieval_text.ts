/**
 * The `text` prompt of SWE-bench's retrieval datasets (`princeton-nlp/SWE-bench_Lite_bm25_13K`, `..._oracle`, ...),
 * built from an instance and the files a retriever chose. Byte for byte the format of SWE-bench's
 * `swebench/inference/make_datasets/create_instance.py` `prompt_style_3` (the style of the published datasets), so a
 * row given this `text` is prompted, fitted and split exactly as a row of those datasets is.
 *
 * This is the seam for datasets without an upstream retrieval variant (SWE-bench Verified): a retriever that picks
 * files at the instance's base commit passes them here and puts the result in the row's `text`. No retrieval is
 * done in this module.
 *
 * @module
 */
import type { SwebenchInstance } from "./instance.ts";

/** One file of the code context: its path relative to the repository root and its whole content. */
export interface ContextFile {
  /** Path relative to the repository root (`django/db/models/query.py`). */
  path: string;
  /** The file's text at the instance's base commit. */
  content: string;
}

/** SWE-bench's `PATCH_EXAMPLE`, the example patch of every retrieval prompt. */
const PATCH_EXAMPLE = `--- a/file.py
+++ b/file.py
@@ -1,27 +1,35 @@
 def euclidean(a, b):
-    while b:
-        a, b = b, a % b
-    return a
+    if b == 0:
+        return a
+    return euclidean(b, a % b)
 
 
 def bresenham(x0, y0, x1, y1):
     points = []
     dx = abs(x1 - x0)
     dy = abs(y1 - y0)
-    sx = 1 if x0 < x1 else -1
-    sy = 1 if y0 < y1 else -1
-    err = dx - dy
+    x, y = x0, y0
+    sx = -1 if x0 > x1 else 1
+    sy = -1 if y0 > y1 else 1
 
-    while True:
-        points.append((x0, y0))
-        if x0 == x1 and y0 == y1:
-            break
-        e2 = 2 * err
-        if e2 > -dy:
+    if dx > dy:
+        err = dx / 2.0
+        while x != x1:
+            points.append((x, y))
             err -= dy
-            x0 += sx
-        if e2 < dx:
-            err += dx
-            y0 += sy
+            if err < 0:
+                y += sy
+                err += dx
+            x += sx
+    else:
+        err = dy / 2.0
+        while y != y1:
+            points.append((x, y))
+            err -= dx
+            if err < 0:
+                x += sx
+                err += dy
+            y += sy
 
+    points.append((x, y))
     return points`;

/** The first line of every retrieval prompt (the system message, as SWE-bench's `run_api.py` splits it). */
export const RETRIEVAL_PREMISE =
  "You will be provided with a partial code base and an issue statement explaining a problem to resolve.";

/**
 * Files as SWE-bench's `make_code_text` lays them out: sorted by path, each between `[start of path]` and
 * `[end of path]`, every line prefixed with its 1-based number and a space.
 */
export function codeText(files: readonly ContextFile[]): string {
  let all = "";
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    all += `[start of ${f.path}]\n`;
    all += f.content.split("\n").map((line, i) => `${i + 1} ${line}`).join("\n");
    all += `\n[end of ${f.path}]\n`;
  }
  return all.replace(/^\n+|\n+$/g, "");
}

/**
 * The `text` of a retrieval row for an instance: the premise, the issue, the README files and the retrieved files
 * with line numbers, the example patch and the instruction (SWE-bench's `prompt_style_3`).
 *
 * @example
 * ```ts ignore
 * import { retrievalText } from "./retrieval_text.ts";
 * const text = retrievalText(instance, {
 *   readmes: [{ path: "README.rst", content: readme }],
 *   files: [{ path: "astropy/modeling/separable.py", content: source }],
 * });
 * const row = { ...instance, text }; // prompted like a row of princeton-nlp/SWE-bench_Lite_bm25_13K
 * ```
 */
export function retrievalText(
  inst: Pick<SwebenchInstance, "problem_statement">,
  context: { readmes?: readonly ContextFile[]; files: readonly ContextFile[] },
): string {
  return [
    RETRIEVAL_PREMISE,
    "<issue>",
    inst.problem_statement,
    "</issue>",
    "",
    "<code>",
    codeText(context.readmes ?? []),
    codeText(context.files),
    "</code>",
    "",
    "Here is an example of a patch file. It consists of changes to the code base. It specifies the file names, " +
    "the line numbers of each change, and the removed and added lines. A single patch file can contain changes " +
    "to multiple files.",
    "<patch>",
    PATCH_EXAMPLE,
    "</patch>",
    "",
    "I need you to solve the provided issue by generating a single patch file that I can apply directly to this " +
    "repository using git apply. Please respond with a single patch file in the format shown above.",
    "Respond below:",
  ].join("\n");
}
