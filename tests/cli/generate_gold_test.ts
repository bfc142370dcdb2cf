import assert from "node:assert/strict";
import { readJsonl, runCli, SHARED } from "./helpers.ts";

Deno.test("generate -p gold -d sample writes harness-format predictions offline", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/preds.jsonl`;
  const r = await runCli(["generate", "-p", "gold", "-d", "sample", "-o", out, "-q"], {
    permissions: ["--allow-read", "--allow-write", "--allow-env"], // no --allow-net: gold is offline
  });
  assert.equal(r.code, 0, r.stderr);
  const rows = await readJsonl(out);
  assert.ok(rows.length >= 3, "the bundled sample has a handful of instances");
  for (const row of rows) {
    assert.deepEqual(Object.keys(row), ["instance_id", "model_name_or_path", "model_patch"]);
    assert.equal(row.model_name_or_path, "gold");
    assert.match(String(row.model_patch), /^diff --git /);
  }
  assert.equal(new Set(rows.map((r) => r.instance_id)).size, rows.length, "one line per instance");
  const log = await readJsonl(`${out.replace(/\.jsonl$/, "")}.runlog.jsonl`).catch(() =>
    readJsonl(`${out}.runlog.jsonl`)
  );
  assert.equal(log.length, rows.length);
});

Deno.test("generate -p gold on a local .jsonl returns each gold patch byte for byte; re-run resumes", async () => {
  const dir = await Deno.makeTempDir();
  const lines = (await Deno.readTextFile(`${SHARED}swe-bench/lite-dev.jsonl`)).split("\n").filter(Boolean)
    .slice(0, 6);
  const data = `${dir}/six.jsonl`;
  await Deno.writeTextFile(data, lines.join("\n") + "\n");
  const out = `${dir}/p.jsonl`;
  const r = await runCli(["generate", "-p", "gold", "-d", data, "-o", out, "-q", "-c", "3"]);
  assert.equal(r.code, 0, r.stderr);
  const gold = new Map(lines.map((l) => JSON.parse(l)).map((x) => [x.instance_id, x.patch]));
  const rows = await readJsonl(out);
  assert.equal(rows.length, 6);
  for (const row of rows) assert.equal(row.model_patch, gold.get(row.instance_id as string));
  const again = await runCli(["generate", "-p", "gold", "-d", data, "-o", out, "--json"]);
  assert.equal(again.code, 0, again.stderr);
  const summary = JSON.parse(again.stdout);
  assert.equal(summary.alreadyDone, 6);
  assert.equal(summary.attempted, 0);
  assert.equal((await readJsonl(out)).length, 6);
});

Deno.test("a malformed dataset line fails with exit 2 naming file and line, and writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  const lines = (await Deno.readTextFile(`${SHARED}swe-bench/lite-dev.jsonl`)).split("\n").filter(Boolean)
    .slice(0, 3);
  const data = `${dir}/bad.jsonl`;
  await Deno.writeTextFile(data, [lines[0], "{not json", lines[1]].join("\n") + "\n");
  const r = await runCli(["generate", "-p", "gold", "-d", data, "-o", `${dir}/p.jsonl`]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.jsonl:2/);
});

Deno.test("usage errors exit 2 with the cause named", async () => {
  const unknown = await runCli(["generate", "-p", "nosuch", "-d", "sample", "--dry-run"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown provider "nosuch"/);
  assert.match(unknown.stderr, /openai, anthropic, ollama, .*gold/);
  const badFlag = await runCli(["generate", "-c", "zero"]);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--concurrency/);
  const unknownOption = await runCli(["generate", "--frobnicate"]);
  assert.equal(unknownOption.code, 2);
  const ids = await runCli(["generate", "-p", "gold", "-d", "sample", "-i", "nope__nope-1", "--dry-run"]);
  assert.equal(ids.code, 2);
  assert.match(ids.stderr, /nope__nope-1/);
});

Deno.test("a provider that needs a key and has none exits 3 naming the variable, sending nothing", async () => {
  const r = await runCli(["generate", "-p", "anthropic", "-d", "sample", "-o", "/dev/null/x.jsonl"]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /ANTHROPIC_API_KEY/);
  assert.match(r.stderr, /swebench provider init anthropic/);
});

Deno.test("--help and --version work and list the commands", async () => {
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /generate/);
  const version = await runCli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
  const genHelp = await runCli(["generate", "--help"]);
  assert.equal(genHelp.code, 0);
  assert.match(genHelp.stdout, /--max-cost/);
});
