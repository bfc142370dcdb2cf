/**
 * Issue 15 (time to first request): main.ts runs a plain `generate` line without loading commander
 * (src/cli/fast_generate.ts). Checked on the real CLI: with commander made unloadable (an import map), a plain line
 * still runs and a line in another form fails on the load (so the map is in force); and a person sees the same
 * thing, output, exit code and errors, whichever parser read the line.
 */
import assert from "node:assert/strict";
import { PARSE_TABLE_PATH, parseTableModule } from "../../scripts/parse_table.ts";
import { readJsonl, runCli, runCommanderCli, unloadableMap } from "./helpers.ts";

/** An import map: the project's imports, commander replaced by a module that cannot be loaded as it. */
function noCommanderMap(dir: string): Promise<string> {
  return unloadableMap(dir, ["@commander-js/extra-typings", "commander"]);
}

Deno.test("generate: src/cli/parse_table.ts is the option table commander defines now", async () => {
  assert.ok(
    (await Deno.readTextFile(PARSE_TABLE_PATH)) === await parseTableModule(),
    "src/cli/parse_table.ts is stale: run `deno task help-text --write`",
  );
});

Deno.test("deno task help-text checks both stored files and says they are current", async () => {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../scripts/help_text.ts", import.meta.url).pathname],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout);
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  assert.match(out, /src\/cli\/help_text\.ts is up to date/);
  assert.match(out, /src\/cli\/parse_table\.ts is up to date/);
});

Deno.test("generate: a plain line runs with commander unloadable; a line in another form needs it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "swebench-fast-" });
  const map = await noCommanderMap(dir);
  const permissions = ["-A", `--import-map=${map}`];
  const plain = await runCli(["generate", "-p", "gold", "-n", "2", "-o", `${dir}/a.jsonl`, "-y"], {
    permissions,
    cwd: dir,
  });
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal((await readJsonl(`${dir}/a.jsonl`)).length, 2);
  assert.match(plain.stdout, /Done: 2 ok/);
  // `-n2` (an attached value) is commander's form: with the map in force, loading it fails.
  const other = await runCli(["generate", "-p", "gold", "-n2", "-o", `${dir}/b.jsonl`, "-y"], {
    permissions,
    cwd: dir,
  });
  assert.notEqual(other.code, 0);
  assert.match(
    other.stderr,
    /(commander|extra-typings) was loaded|'@commander-js\/extra-typings' does not provide/,
  );
});

Deno.test("generate: output, exit code and errors are the same whichever parser read the line", async () => {
  const cases: string[][] = [
    // A run (human output, piped; then --json), and the lines after it resume the same file.
    ["generate", "-p", "gold", "-n", "3", "-o", "p.jsonl", "-y"],
    ["generate", "-p", "gold", "-n", "3", "-o", "p.jsonl", "--json"],
    ["generate", "-p", "gold", "-d", "sample", "-n", "2", "-o", "p.jsonl", "--dry-run", "-v"],
    // A value a flag parser refuses (usage, exit 2), with and without --json.
    ["generate", "-p", "gold", "--max-cost", "-1"],
    ["generate", "-p", "gold", "-c", "0", "--json"],
    // The config file's warnings (an unknown key) come after the run; global options after the command.
    ["generate", "-p", "gold", "-n", "1", "-o", "c.jsonl", "-y", "--config", "config.json", "-q"],
    // An error of the run itself (no such dataset file).
    ["generate", "-p", "gold", "-d", "missing.jsonl", "-o", "q.jsonl"],
  ];
  const fastDir = await Deno.makeTempDir({ prefix: "swebench-fast-" });
  const commanderDir = await Deno.makeTempDir({ prefix: "swebench-commander-" });
  // Every line here is a plain one: the fast side runs with commander unloadable, so it cannot fall back to it.
  const permissions = ["-A", `--import-map=${await noCommanderMap(await Deno.makeTempDir())}`];
  for (const dir of [fastDir, commanderDir]) {
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ defaultProvider: "gold", bogusKey: 1 }));
  }
  for (const args of cases) {
    const ours = await runCli(args, { cwd: fastDir, env: { HOME: fastDir }, permissions });
    const theirs = await runCommanderCli(args, commanderDir, commanderDir);
    const line = `swebench ${args.join(" ")}`;
    // The paths, and the run's wall time (--json), differ from run to run.
    const same = (s: string) =>
      s.replaceAll(fastDir, "<dir>").replaceAll(commanderDir, "<dir>").replace(
        /"wallMs": [0-9.e-]+/,
        '"wallMs": 0',
      );
    assert.equal(ours.code, theirs.code, line);
    assert.equal(same(ours.stdout), same(theirs.stdout), line);
    assert.equal(same(ours.stderr), same(theirs.stderr), line);
    if (args.includes("config.json")) assert.match(ours.stderr, /warning: .*bogusKey/, line);
  }
  assert.equal(
    await Deno.readTextFile(`${fastDir}/p.jsonl`),
    await Deno.readTextFile(`${commanderDir}/p.jsonl`),
  );
});
