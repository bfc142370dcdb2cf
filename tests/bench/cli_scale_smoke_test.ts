/**
 * Smoke test of `bench/cli_bench.ts`, `bench/scale_bench.ts`, `bench/batch_bench.ts` and
 * `bench/first_request_bench.ts`: with `--tiny` (a few dozen instances, one round)
 * each must exit 0 and print its table; `--json` must print parseable results. No timing is asserted.
 */
import assert from "node:assert/strict";

const BENCH = new URL("../../bench/", import.meta.url);

async function run(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(script, BENCH).pathname, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("bench/cli_bench.ts --tiny runs gold, openai and the raw client and prints the ratio table", async () => {
  const { code, stdout, stderr } = await run("cli_bench.ts", ["--tiny"]);
  assert.equal(code, 0, `exit ${code}\n${stderr.slice(-2000)}`);
  assert.match(stdout, /\| contender\s+\| wall ms\s+\| peak RSS MB\s+\| patches = gold/);
  for (const row of ["CLI -p gold", "CLI -p openai", "raw fetch client", "--max-semi-space-size=4"]) {
    assert.ok(stdout.includes(row), row);
  }
  assert.match(stdout, /\| \(openai - gold\) \/ raw\s+\|\s+-?[\d.]+x \| <= 1\.1x/);
  assert.match(stdout, /\| --help cold start, ms/);
  // Every contender recovered every gold patch: "24/24".
  assert.equal(stdout.match(/\b24\/24\b/g)?.length, 4);
});

Deno.test("bench/scale_bench.ts --tiny prints the N table and the RSS slope", async () => {
  const { code, stdout, stderr } = await run("scale_bench.ts", ["--tiny"]);
  assert.equal(code, 0, `exit ${code}\n${stderr.slice(-2000)}`);
  assert.match(stdout, /\| +N \| contender\s+\| ideal ms \| wall ms \| wall \/ ideal/);
  assert.match(stdout, /slope MB \/ 1000 inst/);
  for (const n of ["16", "48"]) assert.match(stdout, new RegExp(`\\| +${n} \\| CLI -p openai`));
});

Deno.test("bench/scale_bench.ts --tiny --json prints one JSON document", async () => {
  const { code, stdout, stderr } = await run("scale_bench.ts", ["--tiny", "--json", "--sizes", "8,24"]);
  assert.equal(code, 0, `exit ${code}\n${stderr.slice(-2000)}`);
  const parsed = JSON.parse(stdout) as {
    bench: string;
    points: { n: number; contender: string; wallMs: number; rssMb: number }[];
    rssSlopeMbPer1000: Record<string, number>;
  };
  assert.equal(parsed.bench, "scale");
  assert.deepEqual(parsed.points.map((p) => `${p.n}/${p.contender}`), ["8/cli", "8/raw", "24/cli", "24/raw"]);
  for (const p of parsed.points) assert.ok(p.wallMs > 0);
  assert.ok("cli" in parsed.rssSlopeMbPer1000);
});

Deno.test("bench/batch_bench.ts --tiny prints the normal vs batch table and the submission table", async () => {
  const { code, stdout, stderr } = await run("batch_bench.ts", ["--tiny"]);
  assert.equal(code, 0, `exit ${code}\n${stderr.slice(-2000)}`);
  assert.match(stdout, /\| run\s+\| cost\s+\| batch\/normal \| HTTP requests/);
  for (const row of ["openai:gpt-4o-mini --batch", "anthropic:claude-haiku-4-5 normal (-c 32)"]) {
    assert.ok(stdout.includes(row), row);
  }
  // Every instance of the submission part came back.
  assert.equal(stdout.match(/^\| (openai|anthropic)\S+ +\| +60 \|/gm)?.length, 2, stdout);
});

Deno.test("bench/first_request_bench.ts --tiny prints the time to the first request, cold and warm", async () => {
  const { code, stdout, stderr } = await run("first_request_bench.ts", ["--tiny"]);
  assert.equal(code, 0, `exit ${code}\n${stderr.slice(-2000)}`);
  assert.match(stdout, /\| build\s+\| first request \(cold counts\) \| first request \(warm counts\)/);
  assert.match(stdout, /^\| this build +\| +\d[\d ]* \| +\d[\d ]* \| +\d+\.\d\dx \|/m);
  assert.match(stdout, /^\| raw fetch client +\| +\d[\d ]* \|/m);
});
