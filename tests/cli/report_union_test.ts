/**
 * Issue 11 item 8: `report a.runlog b.runlog --html r.html` when the two models ran different instances (the
 * per-instance charts are indexed by the union of instance ids).
 */
import assert from "node:assert/strict";
import { runCli } from "./helpers.ts";

Deno.test("report --html over two models that ran different instances", async () => {
  const dir = await Deno.makeTempDir();
  const a = await runCli(["generate", "-p", "gold", "-d", "sample", "-n", "2", "-o", `${dir}/a.jsonl`]);
  assert.equal(a.code, 0, a.stderr);
  // The same provider under another model name, over three other instances.
  const b = await runCli([
    "generate",
    "-p",
    "gold",
    "-m",
    "gold-b",
    "-d",
    "sample",
    "--filter",
    "sympy*,pylint*,sphinx*",
    "-o",
    `${dir}/b.jsonl`,
  ]);
  assert.equal(b.code, 0, b.stderr);
  const html = `${dir}/r.html`;
  const r = await runCli([
    "report",
    `${dir}/a.jsonl.runlog.jsonl`,
    `${dir}/b.jsonl.runlog.jsonl`,
    "--html",
    html,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /gold:gold\s+2\s/);
  assert.match(r.stdout, /gold:gold-b\s+3\s/);
  assert.match(r.stdout, /Report: .*r\.html/);
  const page = await Deno.readTextFile(html);
  // One cost bar per instance a model ran, named by model and instance; none for an instance it did not run.
  const bars = [...page.matchAll(/<title>(gold:[^,<]+), ([^:<]+): \$/g)].map((m) => `${m[1]} ${m[2]}`);
  assert.equal(bars.length, 5, bars.join("\n"));
  assert.ok(bars.includes("gold:gold-b sympy__sympy-20212"));
  assert.ok(
    !bars.some((b) => b.startsWith("gold:gold ") && b.includes("pylint")),
    "no bar for what a model did not run",
  );
});
