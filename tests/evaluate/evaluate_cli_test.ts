/**
 * `swebench evaluate` end to end through the CLI, with the stand-in harness on PATH as `python3`
 * (stand_in_harness.ts: the real --help of 5.0.2 / 4.1.0, the real files in the real places).
 */
import assert from "node:assert/strict";
import { DENO_DIR, readJsonl, runCli } from "../cli/helpers.ts";
import { installStandIn, pathWith } from "./stand_in.ts";

const { bin } = await installStandIn();
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const PRED = "predictions/gold__sample__test.jsonl";

let template: Promise<string> | undefined;

/** A fresh directory with the gold predictions for the bundled sample (5 Lite instances), generated once. */
async function goldSample(): Promise<{ dir: string; log: string; env: Record<string, string> }> {
  template ??= (async () => {
    const t = await Deno.makeTempDir({ prefix: "evaluate-template-" });
    const g = await runCli(["generate", "-p", "gold", "-d", "sample", "-o", PRED], { cwd: t });
    assert.equal(g.code, 0, g.stderr);
    return t;
  })();
  const from = await template;
  const dir = await Deno.makeTempDir({ prefix: "evaluate-" });
  await Deno.mkdir(`${dir}/predictions`);
  for (const f of [PRED, `${PRED}.runlog.jsonl`]) await Deno.copyFile(`${from}/${f}`, `${dir}/${f}`);
  const log = `${dir}/stand-in.log`;
  return { dir, log, env: { PATH: pathWith(bin), STAND_IN_LOG: log } };
}

async function calls(log: string): Promise<{ argv: string[]; cwd: string }[]> {
  try {
    return (await readJsonl(log)) as unknown as { argv: string[]; cwd: string }[];
  } catch {
    return [];
  }
}

const harnessRuns = async (log: string) =>
  (await calls(log)).filter((c) => c.argv[0] === "-m" && !c.argv.includes("--help"));

Deno.test("evaluate (swebench 5.0.2): validates, runs the harness with its flags, streams it, reads its reports", async () => {
  const { dir, log, env } = await goldSample();
  const r = await runCli(["evaluate", PRED], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  // What a person sees: the plan, the harness's own progress, then the verdict.
  assert.match(r.stderr, /dataset sample \(test\) from the file name/);
  assert.match(r.stderr, /Harness: swebench 5\.0\.2 \(Python 3\.11\.7, python3\), Docker 28\.2\.2/);
  assert.match(r.stderr, /Running 5 instances\.\.\./, "the harness's output is streamed");
  assert.match(r.stderr, /5\/5 \[/, "its progress bar too");
  assert.match(
    r.stdout,
    /gold__sample__test\.jsonl: 5 of 5 resolved \(100\.0%\); 0 unresolved, 0 empty, 0 errors/,
  );
  assert.match(
    r.stdout,
    /Next: swebench report predictions\/gold__sample__test\.jsonl\.runlog\.jsonl --html/,
  );
  // The harness ran once, beside the predictions, with 5.x's flags only.
  const runs = await harnessRuns(log);
  assert.equal(runs.length, 1);
  const argv = runs[0].argv;
  assert.equal(runs[0].cwd, await Deno.realPath(`${dir}/predictions`));
  const flag = (f: string) => argv[argv.indexOf(f) + 1];
  assert.equal(flag("--dataset_name"), "SWE-bench/SWE-bench_Lite");
  assert.equal(flag("--split"), "test");
  assert.equal(flag("--predictions_path"), await Deno.realPath(`${dir}/${PRED}`));
  assert.equal(flag("--report_dir"), await Deno.realPath(`${dir}/predictions`));
  const ids = argv.slice(argv.indexOf("--instance_ids") + 1).filter((_, i, a) =>
    !a.slice(0, i + 1).some((x) => x.startsWith("--"))
  );
  assert.equal(ids.length, 5, "the sample's five ids, space separated");
  for (const f of ["--namespace", "--cache_level", "--clean", "--force_rebuild"]) {
    assert.ok(!argv.includes(f), f);
  }
  // The real files in the real places, and the record report uses to find them.
  const runId = flag("--run_id");
  assert.match(runId, /^gold__sample__test-[0-9a-f]{8}$/);
  await Deno.stat(`${dir}/predictions/gold.${runId}.json`);
  await Deno.stat(`${dir}/predictions/logs/run_evaluation/${runId}/gold/django__django-16046/report.json`);
  const rec = JSON.parse(await Deno.readTextFile(`${dir}/${PRED}.evaluation.json`));
  assert.equal(rec.runId, runId);
  assert.equal(rec.harnessVersion, "5.0.2");
  // report joins the run log with those results without being told where they are.
  const rep = await runCli(["report", `${PRED}.runlog.jsonl`, "--json"], { cwd: dir });
  assert.equal(rep.code, 0, rep.stderr);
  const ev = JSON.parse(rep.stdout).evaluation;
  assert.equal(ev.length, 1);
  assert.equal(ev[0].resolved, 5);
  assert.equal(ev[0].resolvedRate, 1);
  assert.equal(ev[0].runId, runId);
});

Deno.test("evaluate: a file named freely takes its dataset from the run manifest generate wrote beside it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "evaluate-manifest-" });
  const g = await runCli(["generate", "-p", "gold", "-d", "sample", "-o", "mine.jsonl"], { cwd: dir });
  assert.equal(g.code, 0, g.stderr);
  const log = `${dir}/stand-in.log`;
  const env = { PATH: pathWith(bin), STAND_IN_LOG: log };
  const r = await runCli(["evaluate", "mine.jsonl"], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /mine\.jsonl: dataset sample \(test\) from its run manifest \(-d to choose another\)/,
  );
  assert.doesNotMatch(r.stderr, /assuming -d lite/);
  const argv = (await harnessRuns(log))[0].argv;
  assert.equal(argv[argv.indexOf("--dataset_name") + 1], "SWE-bench/SWE-bench_Lite");
  assert.equal(argv[argv.indexOf("--split") + 1], "test");
  assert.match(r.stdout, /mine\.jsonl: 5 of 5 resolved/);
  // Without the manifest the same file falls back to the documented guess, and says so.
  await Deno.remove(`${dir}/mine.jsonl.manifest.json`);
  await Deno.remove(`${dir}/mine.jsonl.evaluation.json`).catch(() => {});
  const again = await runCli(["evaluate", "mine.jsonl", "--run-id", "second"], { cwd: dir, env });
  assert.match(again.stderr, /mine\.jsonl: assuming -d lite \(pass -d to choose the dataset\)/);
});

Deno.test("evaluate (swebench 4.1.0): the older release's flags and report place", async () => {
  const { dir, log, env } = await goldSample();
  const r = await runCli(["evaluate", PRED, "--max-workers", "2"], {
    cwd: dir,
    env: { ...env, STAND_IN_VERSION: "4.1.0" },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /swebench 4\.1\.0/);
  assert.match(r.stdout, /5 of 5 resolved/);
  const argv = (await harnessRuns(log))[0].argv;
  assert.equal(argv[argv.indexOf("--max_workers") + 1], "2");
  // 4.x writes its report into the working directory: evaluate runs it beside the predictions, so it is there.
  const runId = argv[argv.indexOf("--run_id") + 1];
  const report = JSON.parse(await Deno.readTextFile(`${dir}/predictions/gold.${runId}.json`));
  assert.equal(report.infra_failure_instances, undefined, "4.x report shape");
  assert.equal(report.resolved_instances, 5);
});

Deno.test("evaluate: resolved, unresolved, a patch that does not apply and an empty patch; report shows them", async () => {
  const { dir, env } = await goldSample();
  const preds = await readJsonl(`${dir}/${PRED}`);
  const byId = Object.fromEntries(preds.map((p) => [p.instance_id as string, p]));
  // The run log stays as generate wrote it; the predictions are edited to cover every outcome.
  // A patch that applies but is not the fix (a changed added line), one `git apply` rejects, an empty one.
  byId["sympy__sympy-20212"].model_patch = (byId["sympy__sympy-20212"].model_patch as string)
    .replace(/\n\+(?!\+\+)/, "\n+ ");
  byId["sphinx-doc__sphinx-8721"].model_patch = "I could not find the bug.\n";
  byId["pylint-dev__pylint-5859"].model_patch = "";
  await Deno.writeTextFile(`${dir}/${PRED}`, preds.map((p) => JSON.stringify(p)).join("\n") + "\n");
  const r = await runCli(["evaluate", PRED], { cwd: dir, env });
  assert.equal(
    r.code,
    0,
    "a patch that does not apply is the model's failure, not a reason to retry: " + r.stderr,
  );
  assert.match(
    r.stdout,
    /2 of 5 resolved \(40\.0%\); 1 unresolved, 1 empty, 1 error \(patch did not apply: 1\)/,
  );
  assert.match(r.stderr, /1 empty: not run/);
  assert.match(
    r.stderr,
    /1 patch\(es\) that `git apply` rejects \(sphinx-doc__sphinx-8721\): the harness will count them as errors/,
  );
  const rep = await runCli(["report", `${PRED}.runlog.jsonl`], { cwd: dir });
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(rep.stdout, /Resolved \(SWE-bench harness\):/);
  assert.match(rep.stdout, /gold:gold\s+5\s+2\s+40\.0%\s+1\s+1\s+1\s+\$0\s+\$0\s+0/);
  assert.match(rep.stdout, /sympy\/sympy\s+0\/1/);
  assert.match(rep.stdout, /django\/django\s+1\/1/);
  const json = JSON.parse((await runCli(["report", `${PRED}.runlog.jsonl`, "--json"], { cwd: dir })).stdout);
  const inst = Object.fromEntries(
    json.evaluation[0].instances.map((e: { instance_id: string }) => [e.instance_id, e]),
  );
  assert.equal(inst["sphinx-doc__sphinx-8721"].outcome, "error");
  assert.equal(inst["sphinx-doc__sphinx-8721"].reason, "patch did not apply");
  assert.equal(inst["pylint-dev__pylint-5859"].outcome, "empty");
  assert.equal(inst["sympy__sympy-20212"].outcome, "unresolved");
  assert.deepEqual(inst["sympy__sympy-20212"].passToPass.passed, inst["sympy__sympy-20212"].passToPass.total);
  assert.equal(inst["sympy__sympy-20212"].failToPass.passed, 0);
});

Deno.test("evaluate twice resumes the same run (the harness skips what it has); a changed file gets a new run id", async () => {
  const { dir, log, env } = await goldSample();
  assert.equal((await runCli(["evaluate", PRED], { cwd: dir, env })).code, 0);
  const again = await runCli(["evaluate", PRED], { cwd: dir, env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /5 instances already run, skipping\.\.\./);
  assert.match(again.stdout, /5 of 5 resolved/);
  const runs = await harnessRuns(log);
  const id = (argv: string[]) => argv[argv.indexOf("--run_id") + 1];
  assert.equal(id(runs[0].argv), id(runs[1].argv));
  // An edited file (here one patch changed) is a different run: its results are not the old patches'.
  const text = await Deno.readTextFile(`${dir}/${PRED}`);
  await Deno.writeTextFile(`${dir}/${PRED}`, text.replace(/\\n\+(?!\+\+)/, "\\n+ "));
  assert.equal((await runCli(["evaluate", PRED], { cwd: dir, env })).code, 0);
  const third = (await harnessRuns(log))[2];
  assert.notEqual(id(third.argv), id(runs[0].argv));
  // Forcing the old run id with changed patches is allowed, with a warning that the harness keeps old results.
  const forced = await runCli(["evaluate", PRED, "--run-id", id(runs[0].argv)], { cwd: dir, env });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /1 instance\(s\) already have results under run id .* for a different patch/);
});

Deno.test("evaluate: Python cannot import swebench -> exit 3 with the fix, nothing run", async () => {
  const { dir, log, env } = await goldSample();
  const r = await runCli(["evaluate", PRED], { cwd: dir, env: { ...env, STAND_IN_SWEBENCH: "missing" } });
  assert.equal(r.code, 3, r.stderr);
  assert.match(
    r.stderr,
    /error: \/opt\/stand-in\/bin\/python3 \(Python 3\.11\.7\) cannot import swebench: ModuleNotFoundError: No module named 'swebench'/,
  );
  assert.match(
    r.stderr,
    /hint: Install the harness into that Python: \/opt\/stand-in\/bin\/python3 -m pip install swebench/,
  );
  assert.equal((await harnessRuns(log)).length, 0);
  assert.ok(!r.stderr.includes("    at "), "no stack trace");
});

Deno.test("evaluate: Docker does not answer -> exit 3 with how to start it, nothing run", async () => {
  const { dir, log, env } = await goldSample();
  const r = await runCli(["evaluate", PRED], { cwd: dir, env: { ...env, STAND_IN_DOCKER: "down" } });
  assert.equal(r.code, 3, r.stderr);
  assert.match(
    r.stderr,
    /error: Docker does not answer: DockerException: Error while fetching server API version/,
  );
  assert.match(r.stderr, /hint: .*sudo systemctl start docker/);
  assert.equal((await harnessRuns(log)).length, 0);
});

Deno.test("evaluate: SWEBENCH_PYTHON that does not exist -> exit 3 naming it", async () => {
  const { dir, env } = await goldSample();
  const r = await runCli(["evaluate", PRED], {
    cwd: dir,
    env: { ...env, SWEBENCH_PYTHON: `${dir}/no/python` },
  });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /error: Python not found: ".*\/no\/python" \(from SWEBENCH_PYTHON\)/);
});

Deno.test("evaluate: bad predictions are refused before the harness runs (exit 2)", async () => {
  const { dir, log, env } = await goldSample();
  // An id that is not in the dataset: the harness would abort the whole run.
  const text = await Deno.readTextFile(`${dir}/${PRED}`);
  await Deno.writeTextFile(
    `${dir}/bad__sample__test.jsonl`,
    text.replace("django__django-16046", "django__django-99999"),
  );
  const r = await runCli(["evaluate", "bad__sample__test.jsonl"], { cwd: dir, env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /bad__sample__test\.jsonl:1: django__django-99999: not an instance of the dataset/);
  assert.match(r.stderr, /`swebench validate bad__sample__test\.jsonl` lists every problem/);
  // Two models in one file.
  await Deno.writeTextFile(
    `${dir}/two__sample__test.jsonl`,
    text.replace('"model_name_or_path":"gold"', '"model_name_or_path":"other"'),
  );
  const two = await runCli(["evaluate", "two__sample__test.jsonl"], { cwd: dir, env });
  assert.equal(two.code, 2);
  assert.match(
    two.stderr,
    /two__sample__test\.jsonl:2: a second model name "gold" .* split the file by model/,
  );
  // -i naming an instance without a prediction; a missing file; a bad run id.
  const i = await runCli(["evaluate", PRED, "-i", "astropy__astropy-12907"], { cwd: dir, env });
  assert.equal(i.code, 2);
  assert.match(i.stderr, /-i names instance\(s\) with no prediction/);
  assert.equal((await runCli(["evaluate", "nope.jsonl", "-d", "sample"], { cwd: dir, env })).code, 2);
  const bad = await runCli(["evaluate", PRED, "--run-id", "a b"], { cwd: dir, env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Invalid --run-id "a b"/);
  assert.equal((await harnessRuns(log)).length, 0, "the harness never ran");
});

Deno.test("evaluate with 5.x and a local dataset file without image/eval_script/...: exit 2 saying what to pass", async () => {
  const { dir, env } = await goldSample();
  const lines = (await Deno.readTextFile(new URL("../fixtures/swe-bench/lite-test.jsonl", import.meta.url)))
    .split("\n");
  const ids = new Set((await readJsonl(`${dir}/${PRED}`)).map((p) => p.instance_id));
  await Deno.writeTextFile(
    `${dir}/rows.jsonl`,
    lines.filter((l) => l && ids.has(JSON.parse(l).instance_id)).join("\n") + "\n",
  );
  const r = await runCli(["evaluate", PRED, "-d", "rows.jsonl"], { cwd: dir, env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /rows\.jsonl lacks the columns swebench 5\.0\.2 reads from every row: image, eval_script, log_parser, eval_type/,
  );
  assert.match(r.stderr, /-d lite/);
  // swebench 4.x reads the same file (it builds its own images): allowed.
  const old = await runCli(["evaluate", PRED, "-d", "rows.jsonl"], {
    cwd: dir,
    env: { ...env, STAND_IN_VERSION: "4.1.0" },
  });
  assert.equal(old.code, 0, old.stderr);
});

Deno.test("evaluate: a harness failure is exit 1 with its last line; ids it refuses are exit 2", async () => {
  const { dir, env } = await goldSample();
  // The harness's dataset lacks the sample's instances: it raises "Some instance IDs not found in dataset!".
  const rows = new URL("../fixtures/swe-bench/lite-dev.jsonl", import.meta.url).pathname;
  const r = await runCli(["evaluate", PRED], { cwd: dir, env: { ...env, STAND_IN_DATASET: rows } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /The harness refused .*ids not in SWE-bench\/SWE-bench_Lite/);
  // Docker goes away between the probe and the run: the harness crashes; exit 1 with its last line.
  const fails = await runCli(["evaluate", PRED], { cwd: dir, env: { ...env, STAND_IN_DOCKER: "dies" } });
  assert.equal(fails.code, 1, fails.stderr);
  assert.match(
    fails.stderr,
    /error: The SWE-bench harness failed \(exit 1\): docker\.errors\.DockerException: Error while fetching/,
  );
  assert.match(fails.stderr, /hint: Its output is above; logs are in .*logs\/run_evaluation\//);
});

Deno.test("evaluate --json: one JSON document on stdout; the harness's output on stderr", async () => {
  const { dir, env } = await goldSample();
  const r = await runCli(["evaluate", PRED, "--json"], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.harness.version, "5.0.2");
  assert.equal(doc.evaluations[0].resolved, 5);
  assert.equal(doc.evaluations[0].submitted, 5);
  assert.equal(doc.evaluations[0].resolvedIds.length, 5);
  assert.match(r.stderr, /Report written to/);
});

Deno.test("evaluate: Ctrl-C stops the harness and exits 130; the same command resumes", async () => {
  const { dir, env } = await goldSample();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "evaluate", PRED, "--max-workers", "1"],
    cwd: dir,
    clearEnv: true,
    env: {
      ...env,
      HOME: dir,
      DENO_DIR,
      NO_COLOR: "1",
      STAND_IN_DELAY_MS: "400",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let err = "";
  const reader = child.stderr.getReader();
  const deadline = Date.now() + 60_000;
  while (!err.includes("1/5 [") && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    err += decoder.decode(value);
  }
  assert.ok(err.includes("1/5 ["), err);
  child.kill("SIGINT");
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    err += decoder.decode(value);
  }
  const status = await child.status;
  await child.stdout.cancel();
  assert.equal(status.code, 130, err);
  assert.match(err, /Interrupted: the harness stopped/);
  assert.match(err, /Re-run the same command to resume/);
  const again = await runCli(["evaluate", PRED], { cwd: dir, env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /[1-4] instances already run, skipping/);
  assert.match(again.stdout, /5 of 5 resolved/);
});
