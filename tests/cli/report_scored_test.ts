/**
 * `swebench report` joined with harness results: a real swebench 5.0.2 run report (37 Lite predictions, 25
 * resolved; tests/fixtures/harness/) with a run log of that size, through the CLI.
 */
import assert from "node:assert/strict";
import { runCli } from "./helpers.ts";

const REAL = new URL("../fixtures/harness/swebench-5.0.2-lite/", import.meta.url).pathname;
const MODEL = "glm-5.3-zcode-campaign";
const realReport = JSON.parse(await Deno.readTextFile(`${REAL}${MODEL}.tonight.json`));
const IDS: string[] = realReport.submitted_ids;

const patchFor = (id: string) =>
  `diff --git a/${id}.py b/${id}.py\n--- a/${id}.py\n+++ b/${id}.py\n@@ -1 +1 @@\n-old <tag>\n+new & fixed\n`;

/** Predictions + run log for `model_name_or_path` = model, as generate writes them. */
async function writeRun(dir: string, file: string, model: string, provider: string, runModel: string) {
  const preds = IDS.map((id) =>
    JSON.stringify({ instance_id: id, model_name_or_path: model, model_patch: patchFor(id) })
  );
  await Deno.writeTextFile(`${dir}/${file}`, preds.join("\n") + "\n");
  const t = "2026-01-01T00:00:00.000Z";
  const recs = IDS.map((id) => ({
    instance_id: id,
    status: "ok",
    provider,
    model: runModel,
    usage: { promptTokens: 9000, completionTokens: 1000, totalTokens: 10000 },
    costUsd: 0.1,
    latencyMs: 2000,
    attempts: 1,
    patchStatus: "valid",
    startedAt: t,
    finishedAt: t,
  }));
  // Two billed attempts that produced no prediction: they cost money and resolve nothing.
  for (const id of ["astropy__astropy-12907", "astropy__astropy-14182"]) {
    recs.push({ ...recs[0], instance_id: id, status: "failed", costUsd: 0.05, usage: undefined as never });
  }
  await Deno.writeTextFile(
    `${dir}/${file}.runlog.jsonl`,
    recs.map((r) => JSON.stringify(r)).join("\n") + "\n",
  );
}

async function realRunDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "report-scored-" });
  await writeRun(dir, "glm.jsonl", MODEL, "openai", "glm-5.3");
  return dir;
}

async function copyRealResults(to: string) {
  await Deno.copyFile(`${REAL}${MODEL}.tonight.json`, `${to}/${MODEL}.tonight.json`);
  await new Deno.Command("cp", { args: ["-r", `${REAL}logs`, to] }).output();
}

Deno.test("report finds the real harness report beside the predictions: resolved %, cost and tokens per resolved, per repo", async () => {
  const dir = await realRunDir();
  const before = await runCli(["report", "glm.jsonl.runlog.jsonl"], { cwd: dir });
  assert.equal(before.code, 0, before.stderr);
  assert.match(before.stderr, /No harness results beside glm\.jsonl: run `swebench evaluate glm\.jsonl`/);
  assert.ok(!before.stdout.includes("Resolved"));

  await copyRealResults(dir);
  const r = await runCli(["report", "glm.jsonl.runlog.jsonl"], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /openai:glm-5\.3: harness results glm-5\.3-zcode-campaign\.tonight\.json \(\+ 4 per-instance reports\)/,
  );
  // 37 submitted, 25 resolved; the run cost 37 x $0.10 + 2 failed attempts x $0.05 = $3.80 -> $0.152 per resolved;
  // 370,000 tokens / 25.
  assert.match(r.stdout, /openai:glm-5\.3\s+37\s+25\s+67\.6%\s+12\s+0\s+0\s+\$3\.80\s+\$0\.1520\s+14,800/);
  assert.match(r.stdout, /25 of the 300 instances in the harness's dataset selection \(8\.3%\)/);
  assert.match(r.stdout, /django\/django\s+24\/33/);
  assert.match(r.stdout, /pylint-dev\/pylint\s+1\/2/);
  assert.match(r.stdout, /pytest-dev\/pytest\s+0\/2/);
  assert.ok(!r.stdout.includes("only one model"), "nothing to compare with one model");

  const j = await runCli(["report", "glm.jsonl.runlog.jsonl", "--json"], { cwd: dir });
  const ev = JSON.parse(j.stdout).evaluation[0];
  assert.equal(ev.resolved, 25);
  assert.equal(ev.submitted, 37);
  assert.equal(ev.totalInstances, 300);
  assert.ok(Math.abs(ev.costPerResolved - 0.152) < 1e-9);
  assert.equal(ev.tokensPerResolved, 14800);
  assert.equal(ev.runId, "tonight");
  const p5103 = ev.instances.find((e: { instance_id: string }) =>
    e.instance_id === "pytest-dev__pytest-5103"
  );
  assert.equal(p5103.reason, "no tests collected");
});

Deno.test("report --results: given explicitly (from anywhere), two models, the instances only one resolves, HTML", async () => {
  const dir = await realRunDir();
  const elsewhere = await Deno.makeTempDir();
  await copyRealResults(elsewhere);
  // A second model over the same instances; its run report resolves one instance the first does not.
  await writeRun(dir, "claude.jsonl", "claude-x", "anthropic", "claude-x");
  const resolvedB = ["django__django-10914", "django__django-11001"];
  const reportB = {
    ...realReport,
    resolved_instances: 2,
    unresolved_instances: 35,
    resolved_ids: resolvedB,
    unresolved_ids: IDS.filter((id) => !resolvedB.includes(id)),
    ambiguous_failure_ids: [],
    failure_reasons: {},
  };
  await Deno.writeTextFile(`${dir}/b.json`, JSON.stringify(reportB));
  const args = [
    "report",
    "glm.jsonl.runlog.jsonl",
    "claude.jsonl.runlog.jsonl",
    "--results",
    `${elsewhere}/${MODEL}.tonight.json`,
    "--results",
    "b.json",
    "--html",
    "r.html",
  ];
  const r = await runCli(args, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /anthropic:claude-x\s+37\s+2\s+5\.4%/);
  assert.match(r.stdout, /Resolved by only one model \(of the instances the others also attempted\):/);
  assert.match(r.stdout, /anthropic:claude-x \(1\): django__django-11001/);
  assert.match(r.stdout, /openai:glm-5\.3 \(24\): /);
  assert.ok(!/openai:glm-5\.3 \(24\):[^\n]*django__django-10914/.test(r.stdout), "both resolve 10914");
  assert.match(r.stdout, /repository\s+openai:glm-5\.3\s+anthropic:claude-x/);

  const html = await Deno.readTextFile(`${dir}/r.html`);
  assert.match(html, /<h2>Resolved \(SWE-bench harness\)<\/h2>/);
  assert.match(html, /<h2>Resolved by only one model<\/h2>/);
  // One row per instance that opens both models' patches and verdicts.
  assert.equal(html.match(/<details id="/g)?.length, 39, "37 predicted + 2 that failed in generation");
  const row = html.slice(
    html.indexOf('<details id="django__django-11001"'),
    html.indexOf("</details>", html.indexOf('<details id="django__django-11001"')),
  );
  assert.match(
    row,
    /<span class="b unresolved">unresolved<\/span>.*<span class="b resolved">resolved<\/span>/s,
  );
  assert.match(
    row,
    /<span class="d">-old &lt;tag&gt;<\/span><span class="a">\+new &amp; fixed<\/span>/,
    "patch lines escaped and coloured",
  );
  const row6506 = html.slice(html.indexOf('<details id="pylint-dev__pylint-6506"'));
  assert.match(
    row6506.slice(0, row6506.indexOf("</details>")),
    /FAIL_TO_PASS 0\/2 pass; PASS_TO_PASS 6\/6 pass/,
  );
  const failedRow = html.slice(html.indexOf('<details id="astropy__astropy-12907"'));
  assert.match(failedRow, /no patch \(failed\)/);
  assert.ok(!/<script|<link|https?:\/\//.test(html.replace(/xmlns="[^"]*"/g, "")), "self-contained, offline");
});

Deno.test("report --results: a file that is not a run report, or that matches no run log, is exit 2", async () => {
  const dir = await realRunDir();
  const perInstance = `${REAL}logs/run_evaluation/tonight/${MODEL}/django__django-10924/report.json`;
  const a = await runCli(["report", "glm.jsonl.runlog.jsonl", "--results", perInstance], { cwd: dir });
  assert.equal(a.code, 2);
  assert.match(a.stderr, /report\.json is not a SWE-bench harness report: "total_instances" is missing/);
  await Deno.writeTextFile(`${dir}/other.json`, JSON.stringify({ ...realReport, submitted_ids: ["x__y-1"] }));
  const b = await runCli(["report", "glm.jsonl.runlog.jsonl", "--results", "other.json"], { cwd: dir });
  assert.equal(b.code, 2);
  assert.match(b.stderr, /other\.json matches none of the run logs given/);
  const c = await runCli(["report", "glm.jsonl.runlog.jsonl", "--results", "missing.json"], { cwd: dir });
  assert.equal(c.code, 2);
  assert.ok(!c.stderr.includes("    at "), c.stderr);
});
