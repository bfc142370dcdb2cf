import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/errors.ts";
import {
  datasetCacheDir,
  datasetInfo,
  KNOWN_DATASETS,
  loadInstances,
  resolveDataset,
} from "../../src/swebench/datasets.ts";
import { parseInstance } from "../../src/swebench/instance.ts";
import { SAMPLE_INSTANCES } from "../../src/swebench/sample_data.ts";
import { DATA, FIELDS, parquetBytes, rawRows, tempDir } from "./_fixtures.ts";

async function rejects(p: Promise<unknown>, kind: string, ...parts: string[]): Promise<SwebenchError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SwebenchError, `expected SwebenchError, got ${e}`);
    assert.equal(e.kind, kind, e.message);
    for (const part of parts) assert.ok(e.message.includes(part), `"${e.message}" should mention ${part}`);
    return e;
  }
  assert.fail("expected a rejection");
}

function throws(fn: () => unknown, kind: string, ...parts: string[]): SwebenchError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SwebenchError);
    assert.equal(e.kind, kind);
    for (const part of parts) {
      assert.ok((e.message + e.hint).includes(part), `"${e.message}" should mention ${part}`);
    }
    return e;
  }
  assert.fail("expected an error");
}

const opts = { cacheDir: "/tmp/swebench-cache-unused" };

Deno.test("resolveDataset: short names, splits and retrieval variants", () => {
  const cases: [string, Parameters<typeof resolveDataset>[1], string, string][] = [
    ["lite", opts, "princeton-nlp/SWE-bench_Lite", "SWE-bench_Lite"],
    ["verified", opts, "princeton-nlp/SWE-bench_Verified", "SWE-bench_Verified"],
    ["full", opts, "princeton-nlp/SWE-bench", "SWE-bench"],
    [
      "lite",
      { ...opts, context: "bm25-13k" },
      "princeton-nlp/SWE-bench_Lite_bm25_13K",
      "SWE-bench_Lite_bm25_13K",
    ],
    [
      "lite",
      { ...opts, context: "bm25-27k" },
      "princeton-nlp/SWE-bench_Lite_bm25_27K",
      "SWE-bench_Lite_bm25_27K",
    ],
    [
      "lite",
      { ...opts, context: "bm25-40k" },
      "princeton-nlp/SWE-bench_Lite_bm25_40K",
      "SWE-bench_Lite_bm25_40K",
    ],
    ["lite", { ...opts, context: "oracle" }, "princeton-nlp/SWE-bench_Lite_oracle", "SWE-bench_Lite_oracle"],
    ["full", { ...opts, context: "bm25-13k" }, "princeton-nlp/SWE-bench_bm25_13K", "SWE-bench_bm25_13K"],
    ["full", { ...opts, context: "bm25-40k" }, "princeton-nlp/SWE-bench_bm25_40K", "SWE-bench_bm25_40K"],
    ["full", { ...opts, context: "oracle" }, "princeton-nlp/SWE-bench_oracle", "SWE-bench_oracle"],
    ["Lite", { ...opts, context: "none" }, "princeton-nlp/SWE-bench_Lite", "SWE-bench_Lite"],
    ["my-org/my.data_set", opts, "my-org/my.data_set", "my.data_set"],
  ];
  for (const [name, o, id, label] of cases) {
    const ref = resolveDataset(name, o);
    assert.equal(ref.kind, "hf");
    assert.equal(ref.id, id);
    assert.equal(ref.label, label);
    assert.equal(ref.split, "test");
    assert.equal(ref.endpoint, "https://huggingface.co");
  }
  const dev = resolveDataset("lite", { ...opts, split: "dev", hfEndpoint: "http://127.0.0.1:9/" });
  assert.equal(dev.split, "dev");
  assert.equal(dev.endpoint, "http://127.0.0.1:9");
  assert.equal(datasetCacheDir(dev), "/tmp/swebench-cache-unused/datasets/princeton-nlp__SWE-bench_Lite/dev");
  assert.ok(KNOWN_DATASETS.some((d) => d.name === "verified"));
});

Deno.test("resolveDataset: local files and the sample", () => {
  const j = resolveDataset("./data/My.Rows.JSONL", opts);
  assert.deepEqual([j.kind, j.format, j.path, j.label], [
    "local",
    "jsonl",
    "./data/My.Rows.JSONL",
    "My.Rows",
  ]);
  assert.equal(resolveDataset("x.json", opts).format, "json");
  assert.equal(resolveDataset("/abs/x.parquet", opts).format, "parquet");
  const s = resolveDataset("sample", opts);
  assert.deepEqual([s.kind, s.label], ["sample", "sample"]);
});

Deno.test("resolveDataset: bad combinations are usage errors that say what to do", () => {
  throws(
    () => resolveDataset("verified", { ...opts, context: "bm25-13k" }),
    "usage",
    "Verified",
    "--context",
  );
  throws(
    () => resolveDataset("verified", { ...opts, context: "oracle" }),
    "usage",
    "SWE-bench_Verified_oracle",
  );
  throws(() => resolveDataset("org/x", { ...opts, context: "oracle" }), "usage", "--context");
  throws(() => resolveDataset("a.jsonl", { ...opts, context: "oracle" }), "usage", "local file");
  throws(() => resolveDataset("sample", { ...opts, split: "dev" }), "usage", "test split");
  throws(() => resolveDataset("lyte", opts), "usage", "lyte", "lite, verified, full");
  throws(() => resolveDataset("lite", { ...opts, context: "bm25" as "oracle" }), "usage", "bm25-13k");
  throws(() => resolveDataset("lite", { ...opts, split: "../x" }), "usage", "--split");
});

Deno.test("resolveDataset: the HF token is never part of the ref", () => {
  const ref = resolveDataset("lite", { ...opts, hfToken: "hf_secretsecret" });
  assert.ok(!JSON.stringify(ref).includes("hf_secret"));
  assert.ok(!Deno.inspect(ref, { showHidden: true, depth: 10 }).includes("hf_secret"));
});

Deno.test("sample: 5 real Lite instances from 5 repos with every field, loaded as copies", async () => {
  const ref = resolveDataset("sample", opts);
  const a = await loadInstances(ref);
  assert.equal(a.length, 5);
  assert.equal(new Set(a.map((i) => i.repo)).size, 5);
  const lite = new Map(rawRows().map((r) => [r.instance_id, r]));
  for (const inst of a) {
    for (const f of FIELDS) assert.ok(f in inst, `${inst.instance_id} lacks ${f}`);
    assert.deepEqual(inst, parseInstance(lite.get(inst.instance_id), "lite"));
  }
  a[0].problem_statement = "changed";
  const b = await loadInstances(ref);
  assert.notEqual(b[0].problem_statement, "changed");
  assert.equal(SAMPLE_INSTANCES.length, 5);
  const info = await datasetInfo(ref);
  assert.equal(info.rows, 5);
  assert.equal(info.id, "sample");
  assert.equal(info.cachedPath, null);
  assert.equal(Object.values(info.repos).reduce((x, y) => x + y, 0), 5);
  assert.ok(info.sizeBytes > 1000);
});

Deno.test("jsonl: the real Lite files load with every row validated", async () => {
  const test = await loadInstances(resolveDataset(new URL("lite-test.jsonl", DATA).pathname, opts));
  assert.equal(test.length, 300);
  assert.equal(new Set(test.map((i) => i.instance_id)).size, 300);
  const dev = await loadInstances(resolveDataset(new URL("lite-dev.jsonl", DATA).pathname, opts));
  assert.equal(dev.length, 23);
  const v5 = await loadInstances(resolveDataset(new URL("verified-5field.jsonl", DATA).pathname, opts));
  assert.equal(v5.length, 51);
  assert.equal(v5[0].FAIL_TO_PASS, undefined);
  const info = await datasetInfo(resolveDataset(new URL("lite-test.jsonl", DATA).pathname, opts));
  assert.equal(info.rows, 300);
  assert.equal(info.repos["django/django"], 114);
  assert.equal(info.sizeBytes, (await Deno.stat(new URL("lite-test.jsonl", DATA))).size);
});

Deno.test("jsonl: BOM, CRLF, blank lines and a last line without newline are fine", async () => {
  await using dir = await tempDir();
  const rows = rawRows().slice(0, 3).map((r) => JSON.stringify(r));
  const path = `${dir.path}/crlf.jsonl`;
  await Deno.writeTextFile(path, "\ufeff" + rows[0] + "\r\n\r\n" + rows[1] + "\r\n" + rows[2]);
  const got = await loadInstances(resolveDataset(path, opts));
  assert.equal(got.length, 3);
});

Deno.test("jsonl: malformed rows fail with file:line and the field", async () => {
  await using dir = await tempDir();
  const rows = rawRows().slice(0, 4);
  const path = `${dir.path}/bad.jsonl`;
  const lines = rows.map((r) => JSON.stringify(r));
  await Deno.writeTextFile(
    path,
    [lines[0], "", lines[1], '{"instance_id": "x", "repo": ', lines[3]].join("\n"),
  );
  const e = await rejects(loadInstances(resolveDataset(path, opts)), "usage", `${path}:4`, "not valid JSON");
  assert.equal(e.exitCode, 2);

  const missing = { ...rows[1] };
  delete missing.base_commit;
  await Deno.writeTextFile(path, [lines[0], JSON.stringify(missing)].join("\n") + "\n");
  await rejects(
    loadInstances(resolveDataset(path, opts)),
    "usage",
    `${path}:2`,
    '"base_commit"',
    String(rows[1].instance_id),
  );

  await Deno.writeTextFile(
    path,
    [lines[0], JSON.stringify({ ...rows[1], FAIL_TO_PASS: "[oops" })].join("\n"),
  );
  await rejects(loadInstances(resolveDataset(path, opts)), "usage", `${path}:2`, '"FAIL_TO_PASS"');

  await Deno.writeTextFile(path, [lines[0], lines[1], lines[0]].join("\n"));
  await rejects(loadInstances(resolveDataset(path, opts)), "usage", `${path}:3`, "duplicate", `${path}:1`);

  await Deno.writeFile(path, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d, 0x0a]));
  await rejects(loadInstances(resolveDataset(path, opts)), "usage", "UTF-8");
});

Deno.test("tests: false loads every form without the test fields, unread: a run reads no tests", async () => {
  await using dir = await tempDir();
  const rows = rawRows().slice(0, 3);
  // A test list that is not JSON: the default load refuses it, a load without tests never reads it.
  const bad = [rows[0], { ...rows[1], PASS_TO_PASS: "[oops" }, rows[2]];
  const files = {
    jsonl: bad.map((r) => JSON.stringify(r)).join("\n"),
    json: JSON.stringify(bad),
  };
  const loads: [string, string][] = [];
  for (const [ext, text] of Object.entries(files)) {
    const path = `${dir.path}/bad.${ext}`;
    await Deno.writeTextFile(path, text);
    loads.push([ext, path]);
  }
  const parquet = `${dir.path}/bad.parquet`;
  await Deno.writeFile(parquet, parquetBytes(bad as typeof rows));
  loads.push(["parquet", parquet]);
  for (const [ext, path] of loads) {
    await rejects(
      loadInstances(resolveDataset(path, opts)),
      "usage",
      '"PASS_TO_PASS"',
      String(rows[1].instance_id),
    );
    const got = await loadInstances(resolveDataset(path, opts), { tests: false });
    assert.deepEqual(got.map((i) => i.instance_id), rows.map((r) => r.instance_id), ext);
    for (const [k, inst] of got.entries()) {
      const full = parseInstance(rows[k], "lite");
      delete full.test_patch;
      delete full.FAIL_TO_PASS;
      delete full.PASS_TO_PASS;
      assert.deepEqual(inst, full, `${ext}: every field but the tests`);
    }
  }
  // Everything else is still checked: a missing base_commit, a duplicate id.
  const missing = { ...rows[1] };
  delete missing.base_commit;
  await Deno.writeTextFile(loads[0][1], [rows[0], missing].map((r) => JSON.stringify(r)).join("\n"));
  await rejects(loadInstances(resolveDataset(loads[0][1], opts), { tests: false }), "usage", '"base_commit"');
  await Deno.writeTextFile(loads[0][1], [rows[0], rows[0]].map((r) => JSON.stringify(r)).join("\n"));
  await rejects(loadInstances(resolveDataset(loads[0][1], opts), { tests: false }), "usage", "duplicate");
  const sample = await loadInstances(resolveDataset("sample", opts), { tests: false });
  assert.equal(sample.length, 5);
  for (const inst of sample) {
    assert.ok(
      inst.patch && !("FAIL_TO_PASS" in inst) && !("PASS_TO_PASS" in inst) && !("test_patch" in inst),
    );
  }
  assert.ok(
    SAMPLE_INSTANCES.every((i) => i.FAIL_TO_PASS !== undefined),
    "the shared sample rows keep theirs",
  );
});

Deno.test("jsonl: rows longer than a read, and many short ones, load intact in order", async () => {
  await using dir = await tempDir();
  const rows = rawRows().slice(0, 40);
  // 300 KB and 700 KB rows of multibyte text (a character may straddle any read), between ordinary rows.
  const long = (n: number, i: number): Record<string, unknown> => ({
    ...rows[i],
    problem_statement: `${"ünïcødé ✓ 🐍 ".repeat(n)}end ${i}`,
  });
  const all = [rows[0], long(20_000, 1), ...rows.slice(2, 30), long(45_000, 30), ...rows.slice(31)];
  const path = `${dir.path}/long.jsonl`;
  await Deno.writeTextFile(path, all.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const got = await loadInstances(resolveDataset(path, opts));
  assert.deepEqual(got.map((i) => i.instance_id), all.map((r) => r.instance_id));
  assert.equal(got[1].problem_statement, all[1].problem_statement);
  assert.equal(got[30].problem_statement, all[30].problem_statement);
  assert.deepEqual(got[39], parseInstance(all[39], "x"));

  // A line number after the long rows is still right.
  const bad = [...all.slice(0, 35).map((r) => JSON.stringify(r)), "{oops", JSON.stringify(all[35])];
  await Deno.writeTextFile(path, bad.join("\r\n"));
  await rejects(loadInstances(resolveDataset(path, opts)), "usage", `${path}:36:`, "not valid JSON");
});

Deno.test("jsonl: invalid UTF-8 names its own line, also past the first read", async () => {
  await using dir = await tempDir();
  const rows = rawRows().slice(0, 60);
  const lines = rows.map((r) => new TextEncoder().encode(JSON.stringify(r) + "\n"));
  const path = `${dir.path}/latin1.jsonl`;
  // Line 50 holds a Latin-1 "é" (0xe9), not UTF-8; the lines before it are more than one read.
  const broken = new TextEncoder().encode(JSON.stringify({ ...rows[49], hints_text: "caf_" }) + "\n");
  broken[broken.indexOf(0x5f)] = 0xe9;
  const parts = [...lines.slice(0, 49), broken, ...lines.slice(50)];
  assert.ok(
    parts.slice(0, 49).reduce((n, b) => n + b.length, 0) > 256 * 1024,
    "the bad line is past one read",
  );
  const all = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  parts.reduce((at, b) => (all.set(b, at), at + b.length), 0);
  await Deno.writeFile(path, all);
  const e = await rejects(loadInstances(resolveDataset(path, opts)), "usage", `${path}:50:`, "UTF-8");
  assert.match(e.hint ?? "", /iconv/);
});

Deno.test("jsonl: an empty file or only blank lines hold no instance", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/empty.jsonl`;
  await Deno.writeTextFile(path, "");
  assert.deepEqual(await loadInstances(resolveDataset(path, opts)), []);
  await Deno.writeTextFile(path, "\n\r\n  \n");
  assert.deepEqual(await loadInstances(resolveDataset(path, opts)), []);
});

Deno.test("missing files and directories are usage errors", async () => {
  await using dir = await tempDir();
  await rejects(
    loadInstances(resolveDataset(`${dir.path}/nope.jsonl`, opts)),
    "usage",
    "not found",
    "nope.jsonl",
  );
  await Deno.mkdir(`${dir.path}/d.json`);
  await rejects(loadInstances(resolveDataset(`${dir.path}/d.json`, opts)), "usage", "d.json");
});

Deno.test("json: array, {rows: [...]} and datasets-server {rows: [{row}]} forms", async () => {
  await using dir = await tempDir();
  const rows = rawRows().slice(0, 3);
  const expected = rows.map((r, i) => parseInstance(r, String(i)));
  const forms = {
    "array.json": rows,
    "rows.json": { rows },
    "server.json": {
      features: [],
      rows: rows.map((row, row_idx) => ({ row_idx, row, truncated_cells: [] })),
      num_rows_total: 3,
    },
  };
  for (const [name, body] of Object.entries(forms)) {
    const path = `${dir.path}/${name}`;
    await Deno.writeTextFile(path, JSON.stringify(body));
    assert.deepEqual(await loadInstances(resolveDataset(path, opts)), expected, name);
  }
});

Deno.test("json: malformed files and rows are named", async () => {
  await using dir = await tempDir();
  const rows = rawRows().slice(0, 3);
  const path = `${dir.path}/bad.json`;
  await Deno.writeTextFile(path, "[{]");
  await rejects(loadInstances(resolveDataset(path, opts)), "usage", path, "not valid JSON");
  await Deno.writeTextFile(path, JSON.stringify({ data: rows }));
  await rejects(loadInstances(resolveDataset(path, opts)), "usage", path, '"rows"');
  await Deno.writeTextFile(path, JSON.stringify({ rows: [rows[0], { ...rows[1], repo: 3 }] }));
  await rejects(loadInstances(resolveDataset(path, opts)), "usage", `${path} rows[1]`, '"repo"');
  await Deno.writeTextFile(path, JSON.stringify([rows[0], rows[1], "x"]));
  await rejects(loadInstances(resolveDataset(path, opts)), "usage", `${path} [2]`);
});

Deno.test("parquet: the 300 Lite rows round-trip through parquet (several row groups, snappy and plain)", async () => {
  await using dir = await tempDir();
  const rows = rawRows();
  const expected = await loadInstances(resolveDataset(new URL("lite-test.jsonl", DATA).pathname, opts));
  for (const codec of ["SNAPPY", "UNCOMPRESSED"] as const) {
    const path = `${dir.path}/lite-${codec}.parquet`;
    await Deno.writeFile(path, parquetBytes(rows, { rowGroupSize: 70, codec }));
    const got = await loadInstances(resolveDataset(path, opts));
    assert.deepEqual(got, expected);
    const info = await datasetInfo(resolveDataset(path, opts));
    assert.equal(info.rows, 300);
    assert.equal(info.cachedPath, path);
  }
});

Deno.test("parquet: retrieval-style files with a text column and missing optional columns", async () => {
  await using dir = await tempDir();
  const rows = rawRows().slice(0, 5).map((r) => ({
    ...r,
    text: `System line\n<issue>\n${r.problem_statement}\n</issue>`,
  }));
  const path = `${dir.path}/text.parquet`;
  await Deno.writeFile(
    path,
    parquetBytes(rows, { fields: ["instance_id", "text", "repo", "base_commit", "problem_statement"] }),
  );
  const got = await loadInstances(resolveDataset(path, opts));
  assert.equal(got.length, 5);
  assert.ok(got[0].text?.startsWith("System line\n"));
  assert.equal(got[0].FAIL_TO_PASS, undefined);
});

Deno.test("parquet: a bad row is named by row number; a corrupt file is a usage error", async () => {
  await using dir = await tempDir();
  const rows = rawRows().slice(0, 10);
  rows[6] = { ...rows[6], repo: undefined };
  const path = `${dir.path}/bad.parquet`;
  await Deno.writeFile(path, parquetBytes(rows, { rowGroupSize: 4 }));
  await rejects(loadInstances(resolveDataset(path, opts)), "usage", `${path} row 7`, '"repo"');
  await Deno.writeFile(path, new TextEncoder().encode("PAR1 this is not really parquet PAR1"));
  await rejects(loadInstances(resolveDataset(path, opts)), "usage", path, "parquet");
  const good = parquetBytes(rawRows().slice(0, 10));
  await Deno.writeFile(path, good.subarray(0, good.length - 100));
  await rejects(loadInstances(resolveDataset(path, opts)), "usage", path);
});
