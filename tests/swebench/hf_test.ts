import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/errors.ts";
import { datasetInfo, fetchDataset, loadInstances, resolveDataset } from "../../src/swebench/datasets.ts";
import { downloadSplit, hfSplitDir, listParquetFiles, readCachedSplit } from "../../src/swebench/hf.ts";
import { parseInstance } from "../../src/swebench/instance.ts";
import { startHfSim } from "../simulator/mod.ts";
import { parquetBytes, rawRows, tempDir } from "./_fixtures.ts";

const LITE_ID = "princeton-nlp/SWE-bench_Lite";
const TEST_ROWS = rawRows("lite-test.jsonl");
const DEV_ROWS = rawRows("lite-dev.jsonl");
const TEST_PARQUET = parquetBytes(TEST_ROWS, { rowGroupSize: 100 });
const DEV_PARQUET = parquetBytes(DEV_ROWS);
const EXPECTED_TEST = TEST_ROWS.map((r, i) => parseInstance(r, String(i)));

function liteDataset(extra: Record<string, Uint8Array> = {}) {
  return {
    files: {
      "README.md": new TextEncoder().encode("# SWE-bench Lite\n"),
      "data/test-00000-of-00001.parquet": TEST_PARQUET,
      "data/dev-00000-of-00001.parquet": DEV_PARQUET,
      ...extra,
    },
  };
}

async function rejects(p: Promise<unknown>, kind: string, ...parts: string[]): Promise<SwebenchError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SwebenchError, String(e));
    assert.equal(e.kind, kind, `${e.kind}: ${e.message}`);
    for (const part of parts) {
      assert.ok(
        (e.message + " " + e.hint).includes(part),
        `"${e.message}" / "${e.hint}" should mention ${part}`,
      );
    }
    return e;
  }
  assert.fail("expected a rejection");
}

/** Everything in a directory tree (relative paths). */
async function listAll(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(`${d}/${e.name}`, `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  await walk(dir, "").catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  return out.sort();
}

const offlineFetch: typeof fetch = () =>
  Promise.reject(new TypeError("error sending request: network unreachable"));

Deno.test("hf: lite downloads through the parquet API and the LFS redirect, then loads 300 instances", async () => {
  await using dir = await tempDir();
  await using sim = await startHfSim({ datasets: { [LITE_ID]: liteDataset() } });
  const ref = resolveDataset("lite", { cacheDir: dir.path, hfEndpoint: sim.url });
  const got = await loadInstances(ref);
  assert.deepEqual(got, EXPECTED_TEST);
  const paths = sim.requests.map((r) => r.path);
  assert.ok(
    paths.some((p) => p.startsWith(`/api/datasets/${LITE_ID}/parquet/default/test`)),
    paths.join(" "),
  );
  assert.ok(paths.some((p) => p.startsWith("/cdn/lfs/")), "followed the redirect to the CDN");
  const splitDir = hfSplitDir(dir.path, LITE_ID, "test");
  assert.equal(splitDir, `${dir.path}/datasets/princeton-nlp__SWE-bench_Lite/test`);
  assert.deepEqual(await listAll(splitDir), ["0.parquet", "manifest.json"]);
  assert.deepEqual(await Deno.readFile(`${splitDir}/0.parquet`), TEST_PARQUET);

  const dev = await loadInstances(
    resolveDataset("lite", { cacheDir: dir.path, hfEndpoint: sim.url, split: "dev" }),
  );
  assert.equal(dev.length, 23);
});

Deno.test("hf: a cached split is reused with the network gone", async () => {
  await using dir = await tempDir();
  {
    await using sim = await startHfSim({ datasets: { [LITE_ID]: liteDataset() } });
    const first = await fetchDataset(resolveDataset("lite", { cacheDir: dir.path, hfEndpoint: sim.url }));
    assert.equal(first.fromCache, false);
    assert.equal(first.sizeBytes, TEST_PARQUET.length);
  }
  // The simulator is closed: its port refuses connections; and a fetch that always fails.
  const calls: string[] = [];
  const noNet: typeof fetch = (input) => {
    calls.push(String(input));
    return offlineFetch(input);
  };
  const ref = resolveDataset("lite", { cacheDir: dir.path, hfEndpoint: "http://127.0.0.1:9", fetch: noNet });
  assert.deepEqual(await loadInstances(ref), EXPECTED_TEST);
  const again = await fetchDataset(ref);
  assert.equal(again.fromCache, true);
  const info = await datasetInfo(ref);
  assert.equal(info.id, LITE_ID);
  assert.equal(info.rows, 300);
  assert.equal(info.repos["sympy/sympy"], 77);
  assert.equal(info.sizeBytes, TEST_PARQUET.length);
  assert.equal(info.cachedPath, hfSplitDir(dir.path, LITE_ID, "test"));
  assert.deepEqual(calls, [], "no network call at all");
});

Deno.test("hf: no cache and no network -> connection error telling to run `swebench dataset fetch`", async () => {
  await using dir = await tempDir();
  const ref = resolveDataset("lite", { cacheDir: dir.path, split: "dev", fetch: offlineFetch });
  const e = await rejects(
    loadInstances(ref),
    "connection",
    "huggingface.co",
    "swebench dataset fetch lite --split dev",
  );
  assert.ok(e.retryable);
  // A closed port on 127.0.0.1 (real network error, not an injected one).
  let url: string;
  {
    await using sim = await startHfSim({ datasets: {} });
    url = sim.url;
  }
  await rejects(
    loadInstances(resolveDataset("lite", { cacheDir: dir.path, hfEndpoint: url, context: "oracle" })),
    "connection",
    "swebench dataset fetch lite --context oracle",
  );
  assert.deepEqual(await listAll(dir.path), []);
});

Deno.test("hf: 401 without a token -> config error naming HF_TOKEN; the token works and is never shown", async () => {
  await using dir = await tempDir();
  const token = "hf_sim_secret_token_1234";
  await using sim = await startHfSim({ datasets: { [LITE_ID]: liteDataset() }, token });
  const e = await rejects(
    loadInstances(resolveDataset("lite", { cacheDir: dir.path, hfEndpoint: sim.url })),
    "config",
    "HF_TOKEN",
    LITE_ID,
  );
  assert.equal(e.exitCode, 3);
  const bad = await rejects(
    loadInstances(
      resolveDataset("lite", { cacheDir: dir.path, hfEndpoint: sim.url, hfToken: "hf_wrong_wrong" }),
    ),
    "config",
    "HF_TOKEN",
  );
  assert.ok(!JSON.stringify(bad.toJSON(true)).includes("hf_wrong_wrong"));
  const ref = resolveDataset("lite", { cacheDir: dir.path, hfEndpoint: sim.url, hfToken: token });
  assert.equal((await loadInstances(ref)).length, 300);
  const hubCalls = sim.requests.filter((r) => !r.path.startsWith("/cdn/"));
  assert.ok(hubCalls.length > 0);
  const authorised = hubCalls.filter((r) => r.headers.get("authorization") === `Bearer ${token}`);
  assert.ok(authorised.length >= 2);
  for (const d of await listAll(dir.path)) {
    if (d.endsWith(".json")) assert.ok(!(await Deno.readTextFile(`${dir.path}/${d}`)).includes(token));
  }
});

Deno.test("hf: private dataset without a token is a config error; unknown dataset a usage error naming it", async () => {
  await using dir = await tempDir();
  await using sim = await startHfSim({
    datasets: { "acme/private-bench": { ...liteDataset(), private: true }, [LITE_ID]: liteDataset() },
  });
  await rejects(
    loadInstances(resolveDataset("acme/private-bench", { cacheDir: dir.path, hfEndpoint: sim.url })),
    "config",
    "HF_TOKEN",
  );
  const ok = await loadInstances(
    resolveDataset("acme/private-bench", { cacheDir: dir.path, hfEndpoint: sim.url, hfToken: "hf_anything" }),
  );
  assert.equal(ok.length, 300);
  const e = await rejects(
    loadInstances(resolveDataset("acme/no-such-bench", { cacheDir: dir.path, hfEndpoint: sim.url })),
    "usage",
    "acme/no-such-bench",
    "not found",
  );
  assert.equal(e.exitCode, 2);
  await rejects(
    loadInstances(resolveDataset("lite", { cacheDir: dir.path, hfEndpoint: sim.url, split: "train" })),
    "usage",
    'split "train"',
    "test",
  );
});

Deno.test("hf: a download cut mid-body leaves no partial file; the next fetch completes", async () => {
  await using dir = await tempDir();
  await using sim = await startHfSim({
    datasets: { [LITE_ID]: liteDataset() },
    faults: [{ type: "cut", atByte: 5000 }],
  });
  const ref = resolveDataset("lite", { cacheDir: dir.path, hfEndpoint: sim.url });
  await rejects(loadInstances(ref), "connection", "cut", "swebench dataset fetch lite");
  const splitDir = hfSplitDir(dir.path, LITE_ID, "test");
  assert.deepEqual(await listAll(splitDir), [], "no partial, no temp file, no manifest");
  assert.equal(await readCachedSplit(dir.path, LITE_ID, "test"), undefined);
  // A temp file left by a download killed long ago is cleaned up; a recent one (maybe live) is not touched.
  await Deno.writeTextFile(`${splitDir}/.0.parquet.dead0000.part`, "partial");
  await Deno.utime(
    `${splitDir}/.0.parquet.dead0000.part`,
    new Date(Date.now() - 3600_000),
    new Date(Date.now() - 3600_000),
  );
  await Deno.writeTextFile(`${splitDir}/.0.parquet.live0000.part`, "partial");
  assert.equal((await loadInstances(ref)).length, 300);
  assert.deepEqual(await listAll(splitDir), [".0.parquet.live0000.part", "0.parquet", "manifest.json"]);
});

Deno.test("hf: a short body, a server error and a dropped connection are clean failures", async () => {
  await using dir = await tempDir();
  await using sim = await startHfSim({
    datasets: { [LITE_ID]: liteDataset() },
    faults: [{ type: "malformed" }, { type: "status", status: 500 }, { type: "drop" }],
  });
  const ref = resolveDataset("lite", { cacheDir: dir.path, hfEndpoint: sim.url });
  const splitDir = hfSplitDir(dir.path, LITE_ID, "test");
  await rejects(loadInstances(ref), "server", "not a parquet file");
  assert.deepEqual(await listAll(splitDir), []);
  await rejects(loadInstances(ref), "server", "HTTP 500");
  assert.deepEqual(await listAll(splitDir), []);
  await rejects(loadInstances(ref), "connection");
  assert.deepEqual(await listAll(splitDir), []);
  assert.equal((await loadInstances(ref)).length, 300);
});

Deno.test("hf: a stalled download times out and leaves nothing behind", async () => {
  await using dir = await tempDir();
  await using sim = await startHfSim({
    datasets: { [LITE_ID]: liteDataset() },
    faults: [{ type: "stall", afterBytes: 1000 }],
  });
  const splitDir = hfSplitDir(dir.path, LITE_ID, "test");
  await rejects(
    downloadSplit(LITE_ID, "test", { cacheDir: dir.path, endpoint: sim.url, idleTimeoutMs: 300 }),
    "timeout",
    "stalled",
  );
  assert.deepEqual(await listAll(splitDir), []);
});

Deno.test("hf: tree fallback (paged), several shards read in order, size check against the listing", async () => {
  await using dir = await tempDir();
  const half = TEST_ROWS.length / 2;
  await using sim = await startHfSim({
    datasets: {
      "acme/sharded": {
        files: {
          "README.md": new TextEncoder().encode("# x\n"),
          "data/test-00000-of-00002.parquet": parquetBytes(TEST_ROWS.slice(0, half)),
          "data/test-00001-of-00002.parquet": parquetBytes(TEST_ROWS.slice(half)),
          "data/dev-00000-of-00001.parquet": DEV_PARQUET,
        },
      },
    },
    treePageSize: 2,
  });
  // The parquet API is unavailable (e.g. a mirror without it): fall back to the tree listing.
  const noParquetApi: typeof fetch = (input, init) =>
    String(input).includes("/parquet/")
      ? Promise.resolve(new Response("{}", { status: 404 }))
      : fetch(input, init);
  const files = await listParquetFiles("acme/sharded", "test", { endpoint: sim.url, fetch: noParquetApi });
  assert.deepEqual(files.map((f) => f.name), ["test-00000-of-00002.parquet", "test-00001-of-00002.parquet"]);
  assert.ok(files.every((f) => f.url.includes("/datasets/acme/sharded/resolve/main/data/") && f.size! > 0));
  assert.ok(sim.requests.filter((r) => r.path.includes("/tree/main")).length >= 3, "followed Link pages");
  const ref = resolveDataset("acme/sharded", {
    cacheDir: dir.path,
    hfEndpoint: sim.url,
    fetch: noParquetApi,
  });
  assert.deepEqual(await loadInstances(ref), EXPECTED_TEST);
  const info = await datasetInfo(ref);
  assert.equal(info.rows, 300);
  assert.equal(info.sizeBytes, files.reduce((a, f) => a + f.size!, 0));
});

Deno.test("hf: the token goes to the hub's origin only, never to a redirect target elsewhere", async () => {
  await using dir = await tempDir();
  const seen: { url: string; auth: string | null }[] = [];
  const bytes = parquetBytes(TEST_ROWS.slice(0, 3));
  const fake: typeof fetch = (input, init) => {
    const url = String(input);
    seen.push({ url, auth: new Headers(init?.headers).get("authorization") });
    assert.equal(init?.redirect, "manual");
    if (url === "https://hub.example/api/datasets/org/ds/parquet/default/test") {
      return Promise.resolve(
        Response.json(["https://hub.example/api/datasets/org/ds/parquet/default/test/0.parquet"]),
      );
    }
    if (url === "https://hub.example/api/datasets/org/ds/parquet/default/test/0.parquet") {
      return Promise.resolve(
        new Response(null, { status: 302, headers: { location: "https://cdn.example/blob?sig=1" } }),
      );
    }
    if (url === "https://cdn.example/blob?sig=1") {
      return Promise.resolve(new Response(bytes, { headers: { "content-length": String(bytes.length) } }));
    }
    return Promise.resolve(new Response("nope", { status: 404 }));
  };
  const ref = resolveDataset("org/ds", {
    cacheDir: dir.path,
    hfEndpoint: "https://hub.example",
    hfToken: "hf_origin_only",
    fetch: fake,
  });
  assert.equal((await loadInstances(ref)).length, 3);
  assert.deepEqual(seen.map((s) => [new URL(s.url).host, s.auth]), [
    ["hub.example", "Bearer hf_origin_only"],
    ["hub.example", "Bearer hf_origin_only"],
    ["cdn.example", null],
  ]);
});

Deno.test("hf: content-length mismatch is an incomplete download, not a cached file", async () => {
  await using dir = await tempDir();
  const bytes = parquetBytes(TEST_ROWS.slice(0, 3));
  const fake: typeof fetch = (input) => {
    const url = String(input);
    if (url.endsWith("/parquet/default/test")) return Promise.resolve(Response.json([`${url}/0.parquet`]));
    // Claims more bytes than it sends (a proxy that truncates).
    return Promise.resolve(new Response(bytes, { headers: { "content-length": String(bytes.length + 10) } }));
  };
  const ref = resolveDataset("org/ds", {
    cacheDir: dir.path,
    hfEndpoint: "https://hub.example",
    fetch: fake,
  });
  await rejects(loadInstances(ref), "connection", "incomplete");
  assert.deepEqual(await listAll(dir.path), []);
});
