/**
 * Driving the harness: flags from the real `--help` of releases 4.1.0 and 5.0.2, the dataset names it knows,
 * run ids, and the probe's fix-it errors (exit 3) for a missing Python, swebench or Docker.
 */
import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/errors.ts";
import { resolveDataset } from "../../src/swebench/datasets.ts";
import {
  type CommandRunner,
  defaultRunId,
  detectHarness,
  harnessArgs,
  harnessDatasetName,
  parseHarnessHelp,
  probeHarness,
} from "../../src/swebench/harness.ts";

const HELP = new URL("../fixtures/harness/help/", import.meta.url).pathname;
const help5 = await Deno.readTextFile(`${HELP}run_evaluation-5.0.2.txt`);
const help4 = await Deno.readTextFile(`${HELP}run_evaluation-4.1.0.txt`);
const DROPPED_IN_5 = [
  "--namespace",
  "--cache_level",
  "--clean",
  "--force_rebuild",
  "--instance_image_tag",
  "--env_image_tag",
];

Deno.test("--help of 5.0.2 lacks the flags 5.x dropped; 4.1.0 has them; both have what evaluate passes", () => {
  const f5 = parseHarnessHelp(help5), f4 = parseHarnessHelp(help4);
  for (const f of DROPPED_IN_5) {
    assert.ok(!f5.has(f), `5.0.2 has no ${f}`);
    assert.ok(f4.has(f), `4.1.0 has ${f}`);
  }
  for (
    const f of [
      "--dataset_name",
      "--split",
      "--predictions_path",
      "--run_id",
      "--max_workers",
      "--instance_ids",
    ]
  ) {
    assert.ok(f5.has(f) && f4.has(f), f);
  }
});

Deno.test("harnessArgs passes only listed flags, ids space separated (nargs='+')", () => {
  const f5 = parseHarnessHelp(help5);
  const args = harnessArgs({
    datasetName: "SWE-bench/SWE-bench_Lite",
    split: "test",
    predictionsPath: "/p/x.jsonl",
    runId: "r1",
    maxWorkers: 2,
    instanceIds: ["a__b-1", "c__d-2"],
    reportDir: "/p",
  }, f5);
  assert.deepEqual(args, [
    "-m",
    "swebench.harness.run_evaluation",
    "--dataset_name",
    "SWE-bench/SWE-bench_Lite",
    "--split",
    "test",
    "--predictions_path",
    "/p/x.jsonl",
    "--run_id",
    "r1",
    "--max_workers",
    "2",
    "--instance_ids",
    "a__b-1",
    "c__d-2",
    "--report_dir",
    "/p",
  ]);
  // A harness without --report_dir (older than both releases) does not get it.
  const old = new Set([...f5].filter((f) => f !== "--report_dir"));
  assert.ok(
    !harnessArgs({ datasetName: "d", split: "test", predictionsPath: "/p", runId: "r", reportDir: "/x" }, old)
      .includes("--report_dir"),
  );
  const noIds = new Set([...f5].filter((f) => f !== "--instance_ids"));
  assert.throws(
    () =>
      harnessArgs(
        { datasetName: "d", split: "t", predictionsPath: "/p", runId: "r", instanceIds: ["a"] },
        noIds,
      ),
    /no --instance_ids flag/,
  );
});

Deno.test("dataset names: the SWE-bench organisation's copies (which carry 5.x's columns), files as paths", () => {
  const ref = (name: string, context?: "oracle" | "bm25-13k") =>
    resolveDataset(name, { cacheDir: "/c", context });
  assert.equal(harnessDatasetName(ref("lite")), "SWE-bench/SWE-bench_Lite");
  assert.equal(harnessDatasetName(ref("lite", "oracle")), "SWE-bench/SWE-bench_Lite");
  assert.equal(harnessDatasetName(ref("full", "bm25-13k")), "SWE-bench/SWE-bench");
  assert.equal(harnessDatasetName(ref("verified")), "SWE-bench/SWE-bench_Verified");
  assert.equal(harnessDatasetName(ref("princeton-nlp/SWE-bench_Lite")), "SWE-bench/SWE-bench_Lite");
  assert.equal(harnessDatasetName(ref("sample")), "SWE-bench/SWE-bench_Lite");
  assert.equal(harnessDatasetName(ref("/data/my.jsonl")), "/data/my.jsonl");
  assert.equal(
    harnessDatasetName(ref("SWE-bench/SWE-bench_Multilingual")),
    "SWE-bench/SWE-bench_Multilingual",
  );
});

Deno.test("default run id: same content resumes, changed content gets a new id, Docker-safe", async () => {
  const a = await defaultRunId("predictions/gpt-4o-mini__SWE-bench_Lite__test.jsonl", "x\n");
  assert.equal(a, await defaultRunId("predictions/gpt-4o-mini__SWE-bench_Lite__test.jsonl", "x\n"));
  assert.notEqual(a, await defaultRunId("predictions/gpt-4o-mini__SWE-bench_Lite__test.jsonl", "y\n"));
  assert.match(a, /^gpt-4o-mini__SWE-bench_Lite__test-[0-9a-f]{8}$/);
  assert.match(await defaultRunId("p/my model:7b (v2).jsonl", ""), /^my-model-7b--v2-?-[0-9a-f]{8}$/);
});

/** A runner answering the probe as real Python would, from a scripted answer. */
function fakePython(answer: Record<string, string> | "garbage", help = help5): CommandRunner {
  return (_cmd, args) => {
    if (args[0] === "-c") {
      return Promise.resolve({
        code: 0,
        stdout: answer === "garbage" ? "hello\n" : `noise\nSWEBENCH_RUNNER_PROBE ${JSON.stringify(answer)}\n`,
        stderr: "",
      });
    }
    return Promise.resolve({ code: 0, stdout: help, stderr: "" });
  };
}

function configError(e: unknown, message: RegExp, hint: RegExp): true {
  assert.ok(e instanceof SwebenchError, String(e));
  assert.equal(e.kind, "config");
  assert.equal(e.exitCode, 3);
  assert.match(e.message, message);
  assert.match(e.hint ?? "", hint);
  return true;
}

Deno.test("probe: swebench not importable -> exit 3 naming the python and the pip command", async () => {
  await assert.rejects(
    () =>
      probeHarness("python3", {
        run: fakePython({
          python: "3.11.7",
          executable: "/usr/bin/python3",
          swebenchError: "ModuleNotFoundError: No module named 'swebench'",
        }),
      }),
    (e) =>
      configError(
        e,
        /\/usr\/bin\/python3 \(Python 3\.11\.7\) cannot import swebench: ModuleNotFoundError/,
        /\/usr\/bin\/python3 -m pip install swebench/,
      ),
  );
});

Deno.test("probe: Docker not answering -> exit 3 saying how to start it; docker package missing -> reinstall", async () => {
  const base = { python: "3.11.7", executable: "/v/bin/python", swebench: "5.0.2" };
  await assert.rejects(
    () =>
      probeHarness("python3", {
        run: fakePython({ ...base, dockerError: "DockerException: Error while fetching server API version" }),
      }),
    (e) =>
      configError(
        e,
        /Docker does not answer: DockerException/,
        /systemctl start docker.*docker info.*DOCKER_HOST/s,
      ),
  );
  await assert.rejects(
    () =>
      probeHarness("python3", {
        run: fakePython({ ...base, dockerError: "ModuleNotFoundError: No module named 'docker'" }),
      }),
    (e) => configError(e, /docker package is missing/, /pip install -U swebench/),
  );
});

Deno.test("probe: no such python, or a program that is not Python -> exit 3", async () => {
  const missing: CommandRunner = () => Promise.reject(new Deno.errors.NotFound("spawn failed"));
  await assert.rejects(
    () => probeHarness("/nope/python", { run: missing, fromEnv: true }),
    (e) => configError(e, /Python not found: "\/nope\/python" \(from SWEBENCH_PYTHON\)/, /SWEBENCH_PYTHON/),
  );
  await assert.rejects(
    () => probeHarness("python3", { run: missing }),
    (e) => configError(e, /Python not found: "python3"$/, /pip install swebench/),
  );
  await assert.rejects(
    () => probeHarness("/bin/echo", { run: fakePython("garbage") }),
    (e) => configError(e, /did not run as Python/, /SWEBENCH_PYTHON/),
  );
});

Deno.test("detectHarness: version, Docker and the flags of the installed release", async () => {
  const ok = { python: "3.11.7", executable: "/v/bin/python", swebench: "4.1.0", docker: "28.2.2" };
  const h = await detectHarness("python3", { run: fakePython(ok, help4) });
  assert.equal(h.version, "4.1.0");
  assert.equal(h.major, 4);
  assert.equal(h.dockerVersion, "28.2.2");
  assert.ok(h.flags.has("--namespace"));
  // A --help that fails (a broken install) is a configuration error with its last line.
  const broken: CommandRunner = (_c, args) =>
    args[0] === "-c" ? fakePython(ok)(_c, args) : Promise.resolve({
      code: 1,
      stdout: "",
      stderr: "Traceback (most recent call last):\nModuleNotFoundError: No module named 'datasets'\n",
    });
  await assert.rejects(
    () => detectHarness("python3", { run: broken }),
    (e) =>
      configError(
        e,
        /cannot start: ModuleNotFoundError: No module named 'datasets'/,
        /pip install -U swebench/,
      ),
  );
});

// The real probe in a real Python: where python3 exists without swebench (as on this project's machines), the
// message is Python's own.
const realPython = await (async () => {
  try {
    const r = await new Deno.Command("python3", {
      args: ["-c", "import swebench"],
      stderr: "null",
      stdout: "null",
    })
      .output();
    return r.code !== 0; // python3 is there and cannot import swebench
  } catch {
    return false;
  }
})();

Deno.test({
  name: "the probe in a real python3 without swebench: exit 3 with Python's ModuleNotFoundError",
  ignore: !realPython,
  fn: async () => {
    await assert.rejects(
      () => probeHarness("python3"),
      (e) =>
        configError(
          e,
          /cannot import swebench: ModuleNotFoundError: No module named 'swebench'/,
          /-m pip install swebench/,
        ),
    );
  },
});
