/**
 * A stand-in for `python3` with the SWE-bench harness installed, for tests (Docker and the real harness are not
 * available here). Installed as `python3` on PATH by `stand_in.ts`, it answers:
 * - `-c <swebench-runner's probe>`: the probe's JSON line (swebench version, Docker version, or the errors real
 *   Python prints when `swebench` is not installed or Docker does not answer);
 * - `-m swebench.harness.run_evaluation --help`: the real `--help` of release 5.0.2 or 4.1.0
 *   (tests/fixtures/harness/help/, produced by the releases' own argparse definitions);
 * - `-m swebench.harness.run_evaluation <flags>`: what `run_evaluation.main` does, as read in the releases' source
 *   (argparse errors for unknown flags, the dataset and id checks, skipping instances that have a report, empty
 *   patches not run, `patch.diff`, `run_instance.log`, `test_output.txt` and `report.json` per instance under
 *   `logs/run_evaluation/<run_id>/<model>/<id>/`, no report when the patch does not apply, the tqdm progress bar
 *   on stderr, and `make_run_report`'s printout and `<model>.<run_id>.json` in `--report_dir` (5.x) or the
 *   working directory (4.x)). Grading is replaced by a rule: the dataset's gold patch resolves, any other patch
 *   with a hunk is unresolved, a patch without a hunk does not apply.
 *
 * Environment: STAND_IN_VERSION (5.0.2 | 4.1.0), STAND_IN_SWEBENCH=missing, STAND_IN_DOCKER=down (or dies: the
 * probe gets an answer, the run does not),
 * STAND_IN_DATASET (JSON Lines rows standing for every Hugging Face dataset; default Lite test),
 * STAND_IN_DELAY_MS (per instance), STAND_IN_LOG (one JSON line per invocation: argv and cwd).
 */

const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;
const env = (k: string) => Deno.env.get(k) ?? "";
const version = env("STAND_IN_VERSION") || "5.0.2";
const major = Number.parseInt(version, 10);
const enc = new TextEncoder();
const out = (s: string) => Deno.stdout.writeSync(enc.encode(s));
const err = (s: string) => Deno.stderr.writeSync(enc.encode(s));
const args = Deno.args;

if (env("STAND_IN_LOG")) {
  await Deno.writeTextFile(env("STAND_IN_LOG"), JSON.stringify({ argv: args, cwd: Deno.cwd() }) + "\n", {
    append: true,
  });
}

function pyTraceback(type: string, message: string, where = "run_evaluation.py"): never {
  err(
    `Traceback (most recent call last):\n  File "${where}", line 1, in <module>\n${type}: ${message}\n`,
  );
  Deno.exit(1);
}

// ---- python3 -c <probe>
if (args[0] === "-c") {
  if (!args[1]?.includes("SWEBENCH_RUNNER_PROBE")) {
    err("stand-in python3: only swebench-runner's probe is supported with -c\n");
    Deno.exit(1);
  }
  const r: Record<string, string> = { python: "3.11.7", executable: "/opt/stand-in/bin/python3" };
  if (env("STAND_IN_SWEBENCH") === "missing") {
    r.swebenchError = "ModuleNotFoundError: No module named 'swebench'";
  } else {
    r.swebench = version;
    if (env("STAND_IN_DOCKER") === "down") {
      r.dockerError = "DockerException: Error while fetching server API version: ('Connection aborted.', " +
        "FileNotFoundError(2, 'No such file or directory'))";
    } else r.docker = "28.2.2";
  }
  out("SWEBENCH_RUNNER_PROBE " + JSON.stringify(r) + "\n");
  Deno.exit(0);
}

if (args[0] !== "-m" || args[1] !== "swebench.harness.run_evaluation") {
  err(`stand-in python3: unsupported arguments ${JSON.stringify(args)}\n`);
  Deno.exit(2);
}
if (env("STAND_IN_SWEBENCH") === "missing") {
  err(
    "/opt/stand-in/bin/python3: Error while finding module specification for 'swebench.harness.run_evaluation' " +
      "(ModuleNotFoundError: No module named 'swebench')\n",
  );
  Deno.exit(1);
}

// ---- argparse, with the release's own flags
const help = await Deno.readTextFile(`${FIXTURES}harness/help/run_evaluation-${version}.txt`);
const usage = help.slice(0, help.indexOf("\n\n"));
const SHORT: Record<string, string> = {
  "-d": "--dataset_name",
  "-s": "--split",
  "-i": "--instance_ids",
  "-p": "--predictions_path",
  "-t": "--timeout",
  "-id": "--run_id",
  "-n": "--namespace",
};
const known = new Set(help.match(/--[a-z_]+/g));
const opts: Record<string, string | string[]> = {};
const unknown: string[] = [];
for (let i = 2; i < args.length; i++) {
  let a = args[i];
  if (a === "-h" || a === "--help") {
    out(help);
    Deno.exit(0);
  }
  a = SHORT[a] ?? a;
  if (!known.has(a)) {
    unknown.push(args[i]);
    continue;
  }
  if (a === "--instance_ids") {
    const ids: string[] = [];
    while (i + 1 < args.length && !args[i + 1].startsWith("-")) ids.push(args[++i]);
    opts[a] = ids;
  } else opts[a] = args[++i];
}
const argError = (msg: string): never => {
  err(`${usage}\nrun_evaluation.py: error: ${msg}\n`);
  Deno.exit(2);
};
const missingRequired = ["-p/--predictions_path", "-id/--run_id"].filter((f) => !opts[f.split("/")[1]]);
if (missingRequired.length) argError(`the following arguments are required: ${missingRequired.join(", ")}`);
if (unknown.length) argError(`unrecognized arguments: ${unknown.join(" ")}`);
for (const f of ["--max_workers", "--timeout", "--open_file_limit"]) {
  if (opts[f] !== undefined && !/^-?\d+$/.test(opts[f] as string)) {
    argError(`argument ${f}: invalid int value: '${opts[f]}'`);
  }
}

const datasetName = (opts["--dataset_name"] as string) ?? "SWE-bench/SWE-bench_Lite";
const split = (opts["--split"] as string) ?? "test";
const predictionsPath = opts["--predictions_path"] as string;
const runId = opts["--run_id"] as string;
const instanceIds = opts["--instance_ids"] as string[] | undefined;
const reportDir = (opts["--report_dir"] as string) ?? ".";
const maxWorkers = Number(opts["--max_workers"] ?? 4);

// ---- main()
if (major >= 5) await Deno.mkdir(reportDir, { recursive: true });
type Pred = { instance_id: string; model_name_or_path: string; model_patch: string | null };
let predList: Pred[];
if (predictionsPath.endsWith(".jsonl")) {
  predList = (await Deno.readTextFile(predictionsPath)).split("\n").filter((l) => l !== "").map((l) =>
    JSON.parse(l)
  );
} else if (predictionsPath.endsWith(".json")) {
  const v = JSON.parse(await Deno.readTextFile(predictionsPath));
  predList = Array.isArray(v) ? v : Object.values(v);
} else pyTraceback("ValueError", "Predictions path must be .json or .jsonl", "utils.py");
const predictions = new Map(predList.map((p) => [p.instance_id, p]));
const RUN_DIR = `logs/run_evaluation/${runId}`;
if (major >= 5) {
  await Deno.mkdir(RUN_DIR, { recursive: true });
  await Deno.writeTextFile(
    `${RUN_DIR}/run.json`,
    JSON.stringify(
      { dataset: datasetName, split, task_repo: null, created_at: new Date().toISOString() },
      null,
      2,
    ) +
      "\n",
  );
}

type Row = Record<string, unknown> & {
  instance_id: string;
  patch: string;
  FAIL_TO_PASS: string;
  PASS_TO_PASS: string;
};
async function loadDataset(ids?: string[]): Promise<Row[]> {
  let rows: Row[];
  if (datasetName.endsWith(".jsonl") || datasetName.endsWith(".json")) {
    const text = await Deno.readTextFile(datasetName);
    rows = datasetName.endsWith(".json")
      ? JSON.parse(text)
      : text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  } else {
    const file = env("STAND_IN_DATASET") || `${FIXTURES}swe-bench/lite-test.jsonl`;
    rows = (await Deno.readTextFile(file)).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  }
  if (ids) {
    const have = new Set(rows.map((r) => r.instance_id));
    const missing = ids.filter((id) => !have.has(id));
    if (missing.length) {
      pyTraceback(
        "ValueError",
        `Some instance IDs not found in dataset!\nMissing IDs:\n${missing.join(" ")}`,
        "utils.py",
      );
    }
    rows = rows.filter((r) => ids.includes(r.instance_id));
  }
  return rows;
}

const modelDir = (p: Pred) => (p.model_name_or_path ?? "None").replaceAll("/", "__");
const logDir = (p: Pred) => `${RUN_DIR}/${modelDir(p)}/${p.instance_id}`;
const exists = async (path: string) => {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
};

// get_dataset_from_preds
const dataset = await loadDataset();
const datasetIds = new Set(dataset.map((r) => r.instance_id));
if (instanceIds) {
  const missingPreds = instanceIds.filter((id) => !predictions.has(id));
  if (missingPreds.length) out(`Warning: Missing predictions for ${missingPreds.length} instance IDs.\n`);
}
const notInDataset = [...predictions.keys()].filter((id) => !datasetIds.has(id));
if (notInDataset.length) {
  pyTraceback(
    "ValueError",
    `Some prediction IDs not found in dataset!\nMissing IDs:\n${notInDataset.join(" ")}`,
  );
}
let toRun = instanceIds ? dataset.filter((r) => instanceIds.includes(r.instance_id)) : dataset;
const completed = new Set<string>();
for (const r of toRun) {
  const p = predictions.get(r.instance_id);
  if (p && await exists(`${logDir(p)}/report.json`)) completed.add(r.instance_id);
}
if (completed.size) {
  out(`${completed.size} instances already run, skipping...\n`);
  toRun = toRun.filter((r) => !completed.has(r.instance_id));
}
const isEmpty = (p: Pred) => p.model_patch === "" || p.model_patch === null;
toRun = toRun.filter((r) => predictions.has(r.instance_id) && !isEmpty(predictions.get(r.instance_id)!));
const fullDataset = await loadDataset(instanceIds);

// "dies": Docker answered the probe, then went away before the run.
if (env("STAND_IN_DOCKER") === "down" || env("STAND_IN_DOCKER") === "dies") {
  pyTraceback(
    "docker.errors.DockerException",
    "Error while fetching server API version: ('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))",
  );
}

let interrupted = false;
Deno.addSignalListener("SIGINT", () => interrupted = true);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runInstance(row: Row): Promise<boolean> {
  const pred = predictions.get(row.instance_id)!;
  const dir = logDir(pred);
  await Deno.mkdir(dir, { recursive: true });
  // The SWE-bench organisation's Hugging Face datasets carry these columns for 5.x; a local file may not.
  if (major >= 5 && /\.jsonl?$/.test(datasetName)) {
    for (const k of ["image", "eval_script", "log_parser", "eval_type"]) {
      if (!(k in row)) pyTraceback("KeyError", `'${k}'`, "utils.py");
    }
  }
  const log: string[] = [`Creating container for ${row.instance_id}...`];
  await Deno.writeTextFile(`${dir}/patch.diff`, pred.model_patch ?? "");
  const patch = pred.model_patch ?? "";
  const delay = Number(env("STAND_IN_DELAY_MS") || 0);
  if (delay) await sleep(delay);
  if (!patch.includes("\n@@ ")) {
    const output = 'error: No valid patches in input (allow with "--allow-empty")';
    log.push(`>>>>> Patch Apply Failed:\n${output}`);
    await Deno.writeTextFile(`${dir}/run_instance.log`, log.join("\n") + "\n");
    out(
      `Error in evaluation for ${row.instance_id}: >>>>> Patch Apply Failed:\n${output}\n` +
        `Check (${dir}/run_instance.log) for more information.\n`,
    );
    return false;
  }
  log.push(">>>>> Applied Patch:\nChecking patch ...");
  const resolved = patch === row.patch;
  const list = (v: unknown): string[] => typeof v === "string" ? JSON.parse(v) : (v as string[] ?? []);
  const f2p = list(row.FAIL_TO_PASS), p2p = list(row.PASS_TO_PASS);
  const report = {
    [row.instance_id]: {
      patch_is_None: false,
      patch_exists: true,
      patch_successfully_applied: true,
      resolved,
      ...(major >= 5 ? { infra_failure: false } : {}),
      tests_status: {
        FAIL_TO_PASS: resolved ? { success: f2p, failure: [] } : { success: [], failure: f2p },
        PASS_TO_PASS: { success: p2p, failure: [] },
        FAIL_TO_FAIL: { success: [], failure: [] },
        PASS_TO_FAIL: { success: [], failure: [] },
      },
    },
  };
  await Deno.writeTextFile(`${dir}/test_output.txt`, ">>>>> Start Test Output\n>>>>> End Test Output\n");
  log.push(`Result for ${row.instance_id}: resolved: ${resolved}`);
  await Deno.writeTextFile(`${dir}/run_instance.log`, log.join("\n") + "\n");
  await Deno.writeTextFile(`${dir}/report.json`, JSON.stringify(report, null, 4));
  return true;
}

if (toRun.length === 0) out("No instances to run.\n");
else {
  out(`Running ${toRun.length} instances...\n`);
  let ok = 0, bad = 0;
  const bar = (n: number) => {
    const total = toRun.length;
    const filled = Math.round((n / total) * 10);
    const desc = n ? `${ok} ran successfully, ${bad} failed: ` : "";
    err(
      `\r${desc}${String(Math.round((n / total) * 100)).padStart(3)}%|${"█".repeat(filled)}${
        " ".repeat(10 - filled)
      }| ${n}/${total} [00:00<00:00]`,
    );
  };
  bar(0);
  let next = 0;
  const worker = async () => {
    while (next < toRun.length && !interrupted) {
      const row = toRun[next++];
      if (await runInstance(row)) ok++;
      else bad++;
      bar(ok + bad);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, maxWorkers) }, worker));
  err("\n");
  if (interrupted) {
    err(
      'Traceback (most recent call last):\n  File "run_evaluation.py", line 1, in <module>\nKeyboardInterrupt\n',
    );
    Deno.exit(130);
  }
  out("All instances run.\n");
}

// ---- make_run_report
const ids = {
  completed: new Set<string>(),
  resolved: new Set<string>(),
  unresolved: new Set<string>(),
  error: new Set<string>(),
  incomplete: new Set<string>(),
  empty: new Set<string>(),
};
for (const row of fullDataset) {
  const id = row.instance_id;
  const p = predictions.get(id);
  if (!p) {
    ids.incomplete.add(id);
    continue;
  }
  if (isEmpty(p)) {
    ids.empty.add(id);
    continue;
  }
  const file = `${logDir(p)}/report.json`;
  if (await exists(file)) {
    ids.completed.add(id);
    try {
      const r = JSON.parse(await Deno.readTextFile(file));
      (r[id].resolved ? ids.resolved : ids.unresolved).add(id);
    } catch {
      ids.error.add(id);
    }
  } else ids.error.add(id);
}
const sorted = (s: Iterable<string>) => [...s].sort();
out(`Total instances: ${fullDataset.length}\n`);
out(`Instances submitted: ${[...predictions.keys()].filter((id) => datasetIds.has(id)).length}\n`);
out(`Instances completed: ${ids.completed.size}\n`);
out(`Instances incomplete: ${ids.incomplete.size}\n`);
out(`Instances resolved: ${ids.resolved.size}\n`);
out(`Instances unresolved: ${ids.unresolved.size}\n`);
if (major >= 5) {
  out("Instances with likely infrastructure failures: 0\n");
  out("Instances with ambiguous failures: 0\n");
}
out(`Instances with empty patches: ${ids.empty.size}\n`);
out(`Instances with errors: ${ids.error.size}\n`);
out("Unstopped containers: 0\nUnremoved images: 0\n");
const report: Record<string, unknown> = {
  total_instances: fullDataset.length,
  submitted_instances: predictions.size,
  completed_instances: ids.completed.size,
  resolved_instances: ids.resolved.size,
  unresolved_instances: ids.unresolved.size,
  ...(major >= 5 ? { infra_failure_instances: 0, ambiguous_failure_instances: 0 } : {}),
  empty_patch_instances: ids.empty.size,
  error_instances: ids.error.size,
  completed_ids: sorted(ids.completed),
  incomplete_ids: sorted(ids.incomplete),
  empty_patch_ids: sorted(ids.empty),
  submitted_ids: sorted(predictions.keys()),
  resolved_ids: sorted(ids.resolved),
  unresolved_ids: sorted(ids.unresolved),
  ...(major >= 5 ? { infra_failure_ids: [], ambiguous_failure_ids: [], failure_reasons: {} } : {}),
  error_ids: sorted(ids.error),
  schema_version: 2,
  ...(major >= 5 ? { unstopped_instances: 0, unstopped_containers: [], unremoved_images: [] } : {}),
};
const name = `${modelDir(predList[0])}.${runId}.json`;
const reportFile = major >= 5 && reportDir !== "." ? `${reportDir.replace(/\/$/, "")}/${name}` : name;
await Deno.writeTextFile(reportFile, JSON.stringify(report, null, 4) + "\n");
out(`Report written to ${reportFile}\n`);
