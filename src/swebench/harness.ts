/**
 * Driving the official SWE-bench harness (`python -m swebench.harness.run_evaluation`) as a subprocess. The harness
 * stays the judge; this module only finds it, checks that it can run, builds its command line from the flags the
 * installed version accepts, and streams its output.
 *
 * What the harness does, read from its source (SWE-bench/SWE-bench `swebench/harness/run_evaluation.py`,
 * `reporting.py`, `utils.py`, releases 4.1.0 and 5.0.2):
 * - flags: `--dataset_name`, `--split`, `--instance_ids` (space separated, `nargs="+"`), `--predictions_path`,
 *   `--max_workers`, `--run_id` (required), `--report_dir`; 4.x also has `--namespace`, `--cache_level`,
 *   `--clean`, `--force_rebuild`, `--instance_image_tag`, `--env_image_tag`, which 5.x dropped;
 * - it writes the run's report `<model with "/" as "__">.<run_id>.json` into `--report_dir` (5.x; 4.x accepts the
 *   flag but writes into the working directory) and one `report.json` per evaluated instance under
 *   `logs/run_evaluation/<run_id>/<model>/<instance_id>/` of the working directory;
 * - an instance with a `report.json` is skipped on a re-run with the same run id (even if its patch changed);
 *   an instance whose patch does not apply gets no `report.json` (it counts as an error and is retried on a
 *   re-run); empty patches are never run; prediction ids missing from the dataset abort the run;
 * - its exit code is 0 whatever was resolved; it prints `Report written to <path>` at the end.
 *
 * @module
 */
import { SwebenchError } from "../core/errors.ts";
import type { DatasetRef } from "./datasets.ts";

/** The harness module run with `python -m`. */
export const HARNESS_MODULE = "swebench.harness.run_evaluation";

/** Marker of the probe's answer line (importing swebench may print other things first). */
const PROBE_MARKER = "SWEBENCH_RUNNER_PROBE";

/**
 * The Python probe: imports `swebench` and asks Docker for its version through the same `docker` package the
 * harness uses (`docker.from_env()`), printing one JSON line after the marker.
 */
export const PROBE_SCRIPT: string = [
  "import json, sys",
  `r = {"python": sys.version.split()[0], "executable": sys.executable}`,
  "try:",
  "    import swebench",
  `    r["swebench"] = str(getattr(swebench, "__version__", "unknown"))`,
  "except Exception as e:",
  `    r["swebenchError"] = type(e).__name__ + ": " + str(e)`,
  `if "swebench" in r:`,
  "    try:",
  "        import docker",
  `        r["docker"] = str(docker.from_env(timeout=20).version().get("Version", "unknown"))`,
  "    except Exception as e:",
  `        r["dockerError"] = type(e).__name__ + ": " + str(e)`,
  `print("${PROBE_MARKER} " + json.dumps(r), flush=True)`,
].join("\n");

/** What the probe found. */
export interface HarnessProbe {
  /** The Python command used (`SWEBENCH_PYTHON` or `python3`). */
  python: string;
  /** Its version (`3.11.7`). */
  pythonVersion?: string;
  /** Its executable path. */
  executable?: string;
  /** `swebench.__version__`. */
  swebenchVersion?: string;
  /** Why `import swebench` failed. */
  swebenchError?: string;
  /** Docker server version. */
  dockerVersion?: string;
  /** Why Docker did not answer. */
  dockerError?: string;
}

/** The installed harness: its version and the flags its `--help` lists. */
export interface HarnessInfo {
  /** Python command. */
  python: string;
  /** Python version. */
  pythonVersion?: string;
  /** swebench version (`5.0.2`). */
  version: string;
  /** Major version (4, 5, ...); 0 when unknown. */
  major: number;
  /** Docker server version. */
  dockerVersion?: string;
  /** Long flags accepted by `run_evaluation` (`--run_id`, ...). */
  flags: ReadonlySet<string>;
}

/** A subprocess runner (injectable for tests of the pure parts; the CLI uses {@linkcode spawnCollect}). */
export type CommandRunner = (
  cmd: string,
  args: string[],
  options?: { cwd?: string; timeoutMs?: number },
) => Promise<{ code: number; stdout: string; stderr: string }>;

/**
 * Run a command to completion, collecting its output; a missing program throws `Deno.errors.NotFound`.
 *
 * @example
 * ```ts ignore
 * import { spawnCollect } from "@swebench/runner/lib";
 * const r = await spawnCollect("python3", ["--version"]);
 * ```
 */
export async function spawnCollect(
  cmd: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (options.timeoutMs) {
    timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, options.timeoutMs);
  }
  try {
    const r = await child.output();
    return {
      code: r.signal ? 128 + (r.signal === "SIGKILL" ? 9 : 15) : r.code,
      stdout: new TextDecoder().decode(r.stdout),
      stderr: new TextDecoder().decode(r.stderr),
    };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

const lastLine = (text: string): string =>
  text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).pop() ?? "";

function pythonNotFound(python: string, fromEnv: boolean): SwebenchError {
  return new SwebenchError(
    "config",
    `Python not found: "${python}"${fromEnv ? " (from SWEBENCH_PYTHON)" : ""}`,
    {
      hint: fromEnv
        ? "Point SWEBENCH_PYTHON at the python of the environment where `pip install swebench` was run " +
          "(e.g. SWEBENCH_PYTHON=$HOME/venvs/swebench/bin/python), or unset it to use python3."
        : "Install Python 3.10+ and the harness (`python3 -m pip install swebench`), or set SWEBENCH_PYTHON to " +
          "the python of an environment that has it.",
    },
  );
}

/**
 * Ask `python` whether it can import `swebench` and whether Docker answers. Throws a `config` error (exit 3) that
 * says how to fix it when Python is missing, `swebench` cannot be imported or Docker does not answer.
 *
 * @example
 * ```ts ignore
 * import { probeHarness } from "@swebench/runner/lib";
 * const p = await probeHarness("python3");
 * console.log(p.swebenchVersion, p.dockerVersion);
 * ```
 */
export async function probeHarness(
  python: string,
  options: { run?: CommandRunner; fromEnv?: boolean; timeoutMs?: number } = {},
): Promise<HarnessProbe> {
  const run = options.run ?? spawnCollect;
  let r;
  try {
    r = await run(python, ["-c", PROBE_SCRIPT], { timeoutMs: options.timeoutMs ?? 90_000 });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw pythonNotFound(python, !!options.fromEnv);
    throw e;
  }
  const line = r.stdout.split("\n").find((l) => l.startsWith(PROBE_MARKER + " "));
  let found: Record<string, string> | undefined;
  try {
    found = line ? JSON.parse(line.slice(PROBE_MARKER.length + 1)) : undefined;
  } catch { /* not our answer */ }
  if (!found) {
    throw new SwebenchError(
      "config",
      `"${python}" did not run as Python (exit ${r.code}): ${lastLine(r.stderr || r.stdout) || "no output"}`,
      {
        hint:
          "Set SWEBENCH_PYTHON to a Python 3 interpreter of the environment where `pip install swebench` was run.",
      },
    );
  }
  const probe: HarnessProbe = {
    python,
    pythonVersion: found.python,
    executable: found.executable,
    swebenchVersion: found.swebench,
    swebenchError: found.swebenchError,
    dockerVersion: found.docker,
    dockerError: found.dockerError,
  };
  const exe = probe.executable ?? python;
  if (probe.swebenchVersion === undefined) {
    throw new SwebenchError(
      "config",
      `${exe} (Python ${probe.pythonVersion ?? "?"}) cannot import swebench: ${
        probe.swebenchError ?? "unknown error"
      }`,
      {
        hint: `Install the harness into that Python: ${exe} -m pip install swebench ` +
          "(or set SWEBENCH_PYTHON to the python of an environment that has it). It also needs Docker.",
      },
    );
  }
  if (probe.dockerVersion === undefined) {
    const err = probe.dockerError ?? "unknown error";
    const noPackage = /No module named ['"]?docker/.test(err);
    throw new SwebenchError(
      "config",
      noPackage
        ? `swebench ${probe.swebenchVersion} is installed but its docker package is missing: ${err}`
        : `Docker does not answer: ${err}`,
      {
        hint: noPackage
          ? `Reinstall the harness with its dependencies: ${exe} -m pip install -U swebench`
          : "The harness runs every instance in a Docker container. Start Docker (`sudo systemctl start docker`, " +
            "or open Docker Desktop), check that `docker info` works for this user (Linux: " +
            "`sudo usermod -aG docker $USER`, then log in again), or set DOCKER_HOST to the daemon's socket.",
      },
    );
  }
  return probe;
}

/**
 * The long flags a `--help` text lists (`--run_id`, `--report_dir`, ...).
 *
 * @example
 * ```ts
 * import { parseHarnessHelp } from "@swebench/runner/lib";
 * parseHarnessHelp("usage: run_evaluation.py [-h] -id RUN_ID [--report_dir REPORT_DIR]").has("--report_dir"); // true
 * ```
 */
export function parseHarnessHelp(help: string): Set<string> {
  return new Set(help.match(/--[A-Za-z][A-Za-z0-9_-]*/g) ?? []);
}

/** Flags without which this module cannot drive the harness. */
const REQUIRED_FLAGS = ["--dataset_name", "--split", "--predictions_path", "--run_id"];

/**
 * Probe, then read `run_evaluation --help` for the flags this version accepts. Throws `config` errors (exit 3)
 * with the fix when anything is missing.
 *
 * @example
 * ```ts ignore
 * import { detectHarness } from "@swebench/runner/lib";
 * const h = await detectHarness("python3");
 * console.log(h.version, h.flags.has("--namespace"));
 * ```
 */
export async function detectHarness(
  python: string,
  options: { run?: CommandRunner; fromEnv?: boolean } = {},
): Promise<HarnessInfo> {
  const run = options.run ?? spawnCollect;
  const probe = await probeHarness(python, options);
  const help = await run(python, ["-m", HARNESS_MODULE, "--help"], { timeoutMs: 180_000 });
  const flags = parseHarnessHelp(help.stdout);
  const missing = REQUIRED_FLAGS.filter((f) => !flags.has(f));
  if (help.code !== 0 || missing.length > 0) {
    const why = help.code !== 0
      ? lastLine(help.stderr || help.stdout) || `exit ${help.code}`
      : `its --help lacks ${missing.join(", ")}`;
    throw new SwebenchError(
      "config",
      `The SWE-bench harness (swebench ${probe.swebenchVersion}) cannot start: ${why}`,
      {
        hint: `Reinstall it: ${probe.executable ?? python} -m pip install -U swebench`,
        body: (help.stderr || help.stdout).slice(-4000),
      },
    );
  }
  const major = Number.parseInt(probe.swebenchVersion ?? "", 10);
  return {
    python,
    pythonVersion: probe.pythonVersion,
    version: probe.swebenchVersion ?? "unknown",
    major: Number.isFinite(major) ? major : 0,
    dockerVersion: probe.dockerVersion,
    flags,
  };
}

/** The Hugging Face names the harness loads for our short dataset names (the `SWE-bench` organisation's copies,
 * which carry the columns 5.x needs: `image`, `eval_script`, `log_parser`, `eval_type`). */
const HARNESS_DATASETS: Record<string, string> = {
  "lite": "SWE-bench/SWE-bench_Lite",
  "verified": "SWE-bench/SWE-bench_Verified",
  "full": "SWE-bench/SWE-bench",
  "princeton-nlp/swe-bench_lite": "SWE-bench/SWE-bench_Lite",
  "princeton-nlp/swe-bench_verified": "SWE-bench/SWE-bench_Verified",
  "princeton-nlp/swe-bench": "SWE-bench/SWE-bench",
};

/** Columns swebench 5.x reads from every dataset row (`make_test_spec`). */
export const HARNESS5_COLUMNS: readonly string[] = ["image", "eval_script", "log_parser", "eval_type"];

/**
 * The `--dataset_name` for a dataset: `lite`/`verified`/`full` (and their `princeton-nlp/...` ids, and their
 * retrieval variants, whose instances are the same) -> `SWE-bench/SWE-bench_Lite`, ...; `sample` ->
 * `SWE-bench/SWE-bench_Lite` (its five instances are Lite test instances: pass them as `--instance_ids`); a local
 * file -> its path; any other Hugging Face id as given.
 *
 * @example
 * ```ts
 * import { harnessDatasetName, resolveDataset } from "@swebench/runner/lib";
 * harnessDatasetName(resolveDataset("lite", { cacheDir: "/c", context: "oracle" })); // "SWE-bench/SWE-bench_Lite"
 * ```
 */
export function harnessDatasetName(ref: DatasetRef): string {
  if (ref.kind === "sample") return HARNESS_DATASETS.lite;
  if (ref.kind === "local") return ref.path!;
  const byName = HARNESS_DATASETS[ref.name.trim().toLowerCase()];
  if (byName) return byName;
  const base = ref.id!.replace(/_(bm25_\d+K|oracle)$/, "");
  return HARNESS_DATASETS[base.toLowerCase()] ?? ref.id!;
}

/** What {@linkcode harnessArgs} needs. */
export interface HarnessRunOptions {
  /** `--dataset_name`. */
  datasetName: string;
  /** `--split`. */
  split: string;
  /** `--predictions_path` (absolute: the harness runs in another directory). */
  predictionsPath: string;
  /** `--run_id`. */
  runId: string;
  /** `--max_workers` (harness default 4). */
  maxWorkers?: number;
  /** `--instance_ids`. */
  instanceIds?: readonly string[];
  /** `--report_dir` (only where the version accepts it). */
  reportDir?: string;
}

/**
 * The harness's arguments, using only the flags this version lists in its `--help`.
 *
 * @example
 * ```ts
 * import { harnessArgs } from "@swebench/runner/lib";
 * const flags = new Set(["--dataset_name", "--split", "--predictions_path", "--run_id", "--max_workers"]);
 * harnessArgs({ datasetName: "SWE-bench/SWE-bench_Lite", split: "test", predictionsPath: "/p.jsonl", runId: "r" }, flags);
 * // ["-m", "swebench.harness.run_evaluation", "--dataset_name", "SWE-bench/SWE-bench_Lite", ...]
 * ```
 */
export function harnessArgs(o: HarnessRunOptions, flags: ReadonlySet<string>): string[] {
  const args = ["-m", HARNESS_MODULE];
  const add = (flag: string, ...values: string[]) => {
    if (flags.has(flag)) args.push(flag, ...values);
  };
  add("--dataset_name", o.datasetName);
  add("--split", o.split);
  add("--predictions_path", o.predictionsPath);
  add("--run_id", o.runId);
  if (o.maxWorkers !== undefined) add("--max_workers", String(o.maxWorkers));
  if (o.instanceIds?.length) {
    if (!flags.has("--instance_ids")) {
      throw new SwebenchError("config", "This version of the harness has no --instance_ids flag", {
        hint: "Upgrade it (pip install -U swebench) or evaluate the whole file without -i.",
      });
    }
    add("--instance_ids", ...o.instanceIds);
  }
  if (o.reportDir !== undefined) add("--report_dir", o.reportDir);
  return args;
}

/**
 * A run id the harness and Docker accept, from the predictions file name and its content: re-running on the same
 * file resumes (the harness skips instances it already has a report for), while a changed file gets a new id
 * (the harness would otherwise reuse the old results, whatever the new patches say).
 *
 * @example
 * ```ts
 * import { defaultRunId } from "@swebench/runner/lib";
 * await defaultRunId("predictions/gpt-4o-mini__SWE-bench_Lite__test.jsonl", "{}\n"); // "gpt-4o-mini__SWE-bench_Lite__test-ca3d163b"
 * ```
 */
export async function defaultRunId(predictionsPath: string, content: string | Uint8Array): Promise<string> {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  const hex = [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const stem = (predictionsPath.split(/[\\/]/).pop() ?? "run").replace(/\.(jsonl|json)$/i, "");
  const clean = stem.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 80) || "run";
  return `${clean}-${hex}`;
}

/** Checks a run id (Docker container names hold it). */
export function checkRunId(runId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(runId)) {
    throw new SwebenchError("usage", `Invalid --run-id "${runId}"`, {
      hint: "Use letters, digits, '_', '.' and '-' (it becomes part of Docker container names).",
    });
  }
  return runId;
}

/** Result of {@linkcode runHarness}. */
export interface HarnessExit {
  /** Exit code (128 + signal number when killed). */
  code: number;
  /** The path after `Report written to` (relative to the harness's working directory), if printed. */
  reportPath?: string;
  /** The last lines of its output (progress bars split at `\r`). */
  tail: string[];
  /** True when it was stopped by {@linkcode HarnessRun.signal}. */
  interrupted: boolean;
}

/** Options of {@linkcode runHarness}. */
export interface HarnessRun {
  /** Python command. */
  python: string;
  /** Arguments from {@linkcode harnessArgs}. */
  args: string[];
  /** Working directory (logs/ goes there). */
  cwd: string;
  /** Receives the harness's output as it comes (stdout and stderr), for streaming to the user. */
  onOutput?: (chunk: Uint8Array) => void;
  /** Aborting sends SIGINT to the harness and waits for it to stop. */
  signal?: AbortSignal;
  /** Lines of output kept for error messages (default 40). */
  tailLines?: number;
}

/**
 * Run the harness, streaming its output, and wait for it.
 *
 * @example
 * ```ts ignore
 * import { harnessArgs, runHarness } from "@swebench/runner/lib";
 * const exit = await runHarness({ python: "python3", args, cwd: "predictions", onOutput: (b) => Deno.stderr.writeSync(b) });
 * ```
 */
export async function runHarness(o: HarnessRun): Promise<HarnessExit> {
  const child = new Deno.Command(o.python, {
    args: o.args,
    cwd: o.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONUNBUFFERED: "1" },
  }).spawn();
  const keep = o.tailLines ?? 40;
  const tail: string[] = [];
  let reportPath: string | undefined;
  let interrupted = false;
  const onAbort = () => {
    interrupted = true;
    try {
      child.kill("SIGINT");
    } catch { /* already gone */ }
  };
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener("abort", onAbort, { once: true });
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of stream) {
      o.onOutput?.(chunk);
      partial += decoder.decode(chunk, { stream: true });
      const parts = partial.split(/\r\n|\r|\n/);
      partial = parts.pop() ?? "";
      for (const line of parts) {
        const m = /^Report written to (.+)$/.exec(line.trim());
        if (m) reportPath = m[1].trim();
        if (line.trim()) tail.push(line);
        if (tail.length > keep) tail.shift();
      }
    }
    if (partial.trim()) tail.push(partial);
    if (tail.length > keep) tail.shift();
  };
  try {
    const [status] = await Promise.all([child.status, pump(child.stdout), pump(child.stderr)]);
    const code = status.signal
      ? 128 + (status.signal === "SIGINT" ? 2 : status.signal === "SIGKILL" ? 9 : 15)
      : status.code;
    return { code, reportPath, tail, interrupted };
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
  }
}
