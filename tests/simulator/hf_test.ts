import assert from "node:assert/strict";
import { downloadFile, fileDownloadInfo, HubApiError, listFiles } from "@huggingface/hub";
import { type HfDataset, startHfSim } from "./mod.ts";

const enc = new TextEncoder();
const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256);
const LITE: HfDataset = {
  files: {
    "README.md": enc.encode("# SWE-bench Lite (simulated)\n"),
    "data/test-00000-of-00001.parquet": bytes(5000, 3),
    "data/dev-00000-of-00001.parquet": bytes(700, 5),
    "notes/deep/info.json": enc.encode('{"a":1}'),
  },
};
const repo = "datasets/princeton-nlp/SWE-bench_Lite";

Deno.test("hf sim: listFiles (recursive and not) with @huggingface/hub", async () => {
  await using sim = await startHfSim({ datasets: { "princeton-nlp/SWE-bench_Lite": LITE } });
  const all: { type: string; path: string; size: number; lfs?: { oid: string } }[] = [];
  for await (const f of listFiles({ repo, recursive: true, hubUrl: sim.url })) all.push(f);
  const files = all.filter((f) => f.type === "file").map((f) => f.path).sort();
  assert.deepEqual(files, Object.keys(LITE.files).sort());
  assert.ok(all.some((f) => f.type === "directory" && f.path === "notes/deep"));
  const parquet = all.find((f) => f.path === "data/test-00000-of-00001.parquet");
  assert.equal(parquet?.size, 5000);
  assert.match(parquet?.lfs?.oid ?? "", /^[0-9a-f]{64}$/);
  const top: string[] = [];
  for await (const f of listFiles({ repo, hubUrl: sim.url })) top.push(`${f.type}:${f.path}`);
  assert.deepEqual(top, ["directory:data", "directory:notes", "file:README.md"]);
  const sub: string[] = [];
  for await (const f of listFiles({ repo, path: "data", hubUrl: sim.url })) sub.push(f.path);
  assert.deepEqual(sub, ["data/dev-00000-of-00001.parquet", "data/test-00000-of-00001.parquet"]);
  const req = sim.requests.find((r) => r.path.includes("/tree/"));
  assert.equal(req?.search.includes("recursive=true"), true);
});

Deno.test("hf sim: tree pages with a Link header that listFiles follows", async () => {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 7; i++) files[`f${i}.txt`] = enc.encode(String(i));
  await using sim = await startHfSim({ datasets: { "o/paged": { files } }, treePageSize: 3 });
  const seen: string[] = [];
  for await (const f of listFiles({ repo: "datasets/o/paged", hubUrl: sim.url })) seen.push(f.path);
  assert.equal(seen.length, 7);
  assert.equal(sim.requests.length, 3);
});

Deno.test("hf sim: downloadFile of an LFS file follows the 302 to /cdn and gets the exact bytes", async () => {
  await using sim = await startHfSim({ datasets: { "princeton-nlp/SWE-bench_Lite": LITE } });
  const blob = await downloadFile({ repo, path: "data/test-00000-of-00001.parquet", hubUrl: sim.url });
  assert.ok(blob);
  assert.equal(blob.size, 5000);
  assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), LITE.files["data/test-00000-of-00001.parquet"]);
  const first = sim.requests[0];
  assert.equal(first.status, 302);
  assert.ok(sim.requests.some((r) => r.path.startsWith("/cdn/lfs/")));
  const readme = await downloadFile({ repo, path: "README.md", hubUrl: sim.url });
  assert.equal(await readme?.text(), "# SWE-bench Lite (simulated)\n");
  const info = await fileDownloadInfo({ repo, path: "README.md", hubUrl: sim.url });
  assert.equal(info?.size, LITE.files["README.md"].length);
  assert.match(info?.etag ?? "", /^"[0-9a-f]{40}"$/);
  // Unknown file: the hub answers 404 EntryNotFound, which the client turns into null.
  assert.equal(await downloadFile({ repo, path: "nope.txt", hubUrl: sim.url }), null);
});

Deno.test("hf sim: resolve honours Range (206, Content-Range), HEAD and 416", async () => {
  await using sim = await startHfSim({ datasets: { "princeton-nlp/SWE-bench_Lite": LITE } });
  const url = `${sim.url}/datasets/princeton-nlp/SWE-bench_Lite/resolve/main/README.md`;
  const part = await fetch(url, { headers: { range: "bytes=2-5" } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), `bytes 2-5/${LITE.files["README.md"].length}`);
  assert.equal(part.headers.get("accept-ranges"), "bytes");
  assert.equal(part.headers.get("content-length"), "4");
  assert.equal(await part.text(), "SWE-");
  const suffix = await fetch(url, { headers: { range: "bytes=-2" } });
  assert.equal(await suffix.text(), ")\n");
  const head = await fetch(url, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String(LITE.files["README.md"].length));
  assert.ok(head.headers.get("x-repo-commit"));
  const bad = await fetch(url, { headers: { range: "bytes=9999-" } });
  assert.equal(bad.status, 416);
  assert.equal(bad.headers.get("content-range"), `bytes */${LITE.files["README.md"].length}`);
  await bad.body?.cancel();
  // LFS: the 302 carries the linked size and etag; the CDN serves ranges too.
  const lfs = await fetch(
    `${sim.url}/datasets/princeton-nlp/SWE-bench_Lite/resolve/main/data/dev-00000-of-00001.parquet`,
    {
      redirect: "manual",
    },
  );
  assert.equal(lfs.status, 302);
  assert.equal(lfs.headers.get("x-linked-size"), "700");
  const cdn = lfs.headers.get("location") ?? "";
  assert.match(cdn, /\/cdn\/lfs\/[0-9a-f]{64}/);
  await lfs.body?.cancel();
  const ranged = await fetch(cdn, { headers: { range: "bytes=10-19" } });
  assert.equal(ranged.status, 206);
  assert.deepEqual(
    new Uint8Array(await ranged.arrayBuffer()),
    LITE.files["data/dev-00000-of-00001.parquet"].subarray(10, 20),
  );
});

Deno.test("hf sim: dataset info, parquet API and 404s in the hub's shape", async () => {
  await using sim = await startHfSim({ datasets: { "princeton-nlp/SWE-bench_Lite": LITE } });
  const info = await (await fetch(`${sim.url}/api/datasets/princeton-nlp/SWE-bench_Lite`)).json();
  assert.equal(info.id, "princeton-nlp/SWE-bench_Lite");
  assert.match(info.sha, /^[0-9a-f]{40}$/);
  assert.deepEqual(
    info.siblings.map((s: { rfilename: string }) => s.rfilename).sort(),
    Object.keys(LITE.files).sort(),
  );
  const parquet = await (await fetch(`${sim.url}/api/datasets/princeton-nlp/SWE-bench_Lite/parquet`)).json();
  assert.deepEqual(Object.keys(parquet), ["default"]);
  assert.deepEqual(Object.keys(parquet.default).sort(), ["dev", "test"]);
  const urls: string[] =
    await (await fetch(`${sim.url}/api/datasets/princeton-nlp/SWE-bench_Lite/parquet/default/test`)).json();
  assert.equal(urls.length, 1);
  assert.ok(urls[0].startsWith(sim.url));
  const file = await fetch(urls[0]);
  assert.equal(file.status, 200);
  assert.deepEqual(new Uint8Array(await file.arrayBuffer()), LITE.files["data/test-00000-of-00001.parquet"]);
  const missing = await fetch(`${sim.url}/api/datasets/nobody/nothing`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get("x-error-code"), "RepoNotFound");
  assert.deepEqual(await missing.json(), { error: "Repository not found" });
  const badRev = await fetch(`${sim.url}/datasets/princeton-nlp/SWE-bench_Lite/resolve/v9/README.md`);
  assert.equal(badRev.status, 404);
  assert.equal(badRev.headers.get("x-error-code"), "RevisionNotFound");
  await badRev.body?.cancel();
  const bySha = await fetch(`${sim.url}/datasets/princeton-nlp/SWE-bench_Lite/resolve/${info.sha}/README.md`);
  assert.equal(bySha.status, 200);
  await bySha.body?.cancel();
  await assert.rejects(
    (async () => {
      for await (const _ of listFiles({ repo: "datasets/nobody/nothing", hubUrl: sim.url })) { /* none */ }
    })(),
    (e: unknown) => e instanceof HubApiError && e.statusCode === 404,
  );
});

Deno.test("hf sim: token and private datasets require Authorization: Bearer", async () => {
  await using sim = await startHfSim({
    datasets: {
      "o/secret": { files: { "a.txt": enc.encode("A") }, private: true },
      "o/open": { files: { "b.txt": enc.encode("B") } },
    },
  });
  const anon = await fetch(`${sim.url}/api/datasets/o/secret`);
  assert.equal(anon.status, 401);
  await anon.body?.cancel();
  assert.equal(
    await (await downloadFile({ repo: "datasets/o/open", path: "b.txt", hubUrl: sim.url }))?.text(),
    "B",
  );
  const withToken = await downloadFile({
    repo: "datasets/o/secret",
    path: "a.txt",
    hubUrl: sim.url,
    accessToken: "hf_any",
  });
  assert.equal(await withToken?.text(), "A");
  await using guarded = await startHfSim({
    datasets: { "o/open": { files: { "b.txt": enc.encode("B") } } },
    token: "hf_right",
  });
  await assert.rejects(
    downloadFile({ repo: "datasets/o/open", path: "b.txt", hubUrl: guarded.url, accessToken: "hf_wrong" }),
    (e: unknown) => e instanceof HubApiError && e.statusCode === 401,
  );
  const ok = await downloadFile({
    repo: "datasets/o/open",
    path: "b.txt",
    hubUrl: guarded.url,
    accessToken: "hf_right",
  });
  assert.equal(await ok?.text(), "B");
  assert.ok(guarded.requests.every((r) => r.headers.get("authorization")?.startsWith("Bearer ")));
});

Deno.test("hf sim: download faults count file downloads only (status, cut, drop)", async () => {
  await using sim = await startHfSim({
    datasets: { "princeton-nlp/SWE-bench_Lite": LITE },
    faults: [{ type: "status", status: 503 }, { type: "cut", atByte: 100 }, { type: "drop" }],
  });
  const url =
    `${sim.url}/datasets/princeton-nlp/SWE-bench_Lite/resolve/main/data/test-00000-of-00001.parquet`;
  const info = await fetch(`${sim.url}/api/datasets/princeton-nlp/SWE-bench_Lite`);
  assert.equal(info.status, 200, "API calls are not downloads");
  await info.body?.cancel();
  const a = await fetch(url);
  assert.equal(a.status, 503);
  await a.body?.cancel();
  const b = await fetch(url);
  assert.equal(b.status, 200);
  assert.equal(b.headers.get("content-length"), "5000");
  await assert.rejects(b.arrayBuffer());
  await assert.rejects(fetch(url), TypeError);
  const c = await fetch(url);
  assert.equal((await c.arrayBuffer()).byteLength, 5000);
  assert.deepEqual(
    sim.requests.filter((r) => r.n !== undefined).map((r) => r.n),
    [0, 1, 2, 3],
  );
});
