/**
 * Smoke test of the benchmark scripts: `bench/run.ts --tiny` runs each of ours (a few iterations) and every one
 * must exit 0 and print its table; `--json` must print parseable results. No timing is asserted.
 */
import assert from "node:assert/strict";

const RUN = new URL("../../bench/run.ts", import.meta.url).pathname;

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", RUN, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("bench/run.ts --tiny runs the overhead and stream benchmarks and prints tables", async () => {
  const { code, stdout, stderr } = await run(["--tiny", "--only", "overhead,stream"]);
  assert.equal(code, 0, `exit ${code}\n${stderr.slice(-2000)}`);
  // Overhead: the ratio table names every contender and every cell.
  assert.match(stdout, /Ratio to ours/);
  for (const name of ["raw fetch", "ours", "ours (signal)", "vendor SDK", "AI SDK"]) {
    assert.ok(stdout.includes(name), name);
  }
  for (
    const cell of ["openai plain c=1", "openai stream c=64", "anthropic plain c=64", "anthropic stream c=1"]
  ) {
    assert.ok(stdout.includes(cell), cell);
  }
  // Stream: events/s table for both SSE formats and NDJSON.
  assert.match(stdout, /\| format\s+\| read\s+\| contender/);
  for (const row of ["openai SSE", "anthropic SSE", "ollama NDJSON", "bare eventsource-parser"]) {
    assert.ok(stdout.includes(row), row);
  }
  assert.doesNotMatch(stdout, /\| n\/a|exit [1-9]/); // every contender ran and returned the exact answer
});

Deno.test("bench/run.ts --tiny --json prints one JSON object with each benchmark's results", async () => {
  const { code, stdout, stderr } = await run(["--tiny", "--json", "--only", "stream"]);
  assert.equal(code, 0, `exit ${code}\n${stderr.slice(-2000)}`);
  const parsed = JSON.parse(stdout) as { stream: { bench: string; results: { eventsPerSec: number }[] } };
  assert.equal(parsed.stream.bench, "stream");
  assert.ok(parsed.stream.results.length > 0);
  for (const r of parsed.stream.results) assert.ok(r.eventsPerSec > 0);
});

Deno.test("bench/rate_limit_pace.ts --tiny --json: every client gets every call answered and a window pace", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../bench/rate_limit_pace.ts", import.meta.url).pathname,
      "--tiny",
      "--json",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr.slice(-2000));
  const parsed = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    rows: { client: string; vendor: string; sent: number; limited: number; windowPace: number }[];
  };
  const clients = parsed.rows.map((r) => `${r.vendor} ${r.client}`).sort();
  assert.deepEqual(clients, ["anthropic naive", "anthropic ours", "openai naive", "openai ours"]);
  for (const r of parsed.rows) {
    assert.ok(r.windowPace > 0 && r.windowPace <= 1.05, `${r.vendor} ${r.client}: ${r.windowPace}`);
    // Every call was answered: the server saw at least the 20 calls, plus any 429s.
    assert.equal(r.sent - r.limited, 20, `${r.vendor} ${r.client}`);
  }
});
