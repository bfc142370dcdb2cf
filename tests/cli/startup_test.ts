/**
 * Issue 15 item 5: `--help` loads no npm package and no `node:` module (the stored help, src/cli/help_static.ts),
 * and `--version` only the CLI definition. The CLI entry's static module graph (what is loaded before any command
 * runs) holds no provider, tokenizer, dataset reader or npm package but commander; and the library's holds no
 * parquet reader (imported on first use). Timings are measured in bench/cli_bench.ts.
 */
import assert from "node:assert/strict";

interface DenoInfo {
  roots: string[];
  modules: { specifier: string; dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[] }[];
}

/**
 * Every module `root` loads statically (dynamic imports not followed), with the npm packages it names; modules
 * matching `skip` (a path from the repository root) are left out, with what only they import.
 */
async function staticGraph(root: string, skip?: RegExp): Promise<{ files: string[]; npm: string[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(root, import.meta.url).pathname],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(out.code, 0);
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as DenoInfo;
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const npm = new Set<string>();
  const repo = new URL("../../", import.meta.url).href;
  const stack = [info.roots[0]];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (seen.has(s) || skip?.test(s.replace(repo, ""))) continue;
    seen.add(s);
    for (const d of bySpecifier.get(s)?.dependencies ?? []) {
      const spec = d.code?.specifier;
      if (spec === undefined || d.isDynamic) continue;
      if (spec.startsWith("npm:")) {
        npm.add(spec.replace(/^npm:\/?/, "").replace(/@[^@/]*$/, "").replace(/@\^.*$/, ""));
      } else stack.push(spec);
    }
  }
  return { files: [...seen].map((f) => f.replace(repo, "")).sort(), npm: [...npm].sort() };
}

Deno.test("--help of a known command loads only the stored help: no commander, no npm package, no node: module", async () => {
  const { files, npm } = await staticGraph("../../src/cli/help_static.ts");
  assert.deepEqual(npm, []);
  assert.deepEqual(files, [
    "src/cli/help_static.ts",
    "src/cli/help_text.ts",
    "src/cli/help_width.ts",
    "src/cli/write.ts",
  ]);
  // That main.ts answers before loading commander: tests/cli/help_static_test.ts runs it with --no-npm.
});

Deno.test("commander's program loads only the CLI definition: no provider, tokenizer, dataset reader or npm package but commander", async () => {
  const { files, npm } = await staticGraph("../../src/cli/main.ts");
  assert.deepEqual(npm, ["@commander-js/extra-typings"]);
  const heavy = files.filter((f) => /^src\/(providers|tokens|swebench|resilience|generate|run)\//.test(f));
  assert.deepEqual(heavy, [], "modules a command loads when it runs, not before");
});

Deno.test("the package's main entry loads nothing before it knows it runs: the library is the /lib export", async () => {
  // `export * from "./src/mod.ts"` in main.ts made `--help` load every provider, the tokenizer and the run layer.
  const { files, npm } = await staticGraph("../../main.ts");
  assert.deepEqual(files, ["main.ts"]);
  assert.deepEqual(npm, []);
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assert.equal(denoJson.exports["."], "./main.ts");
  assert.equal(denoJson.exports["./lib"], "./src/mod.ts");
});

Deno.test("the library entry does not load the parquet reader until a parquet file is read", async () => {
  const { npm } = await staticGraph("../../src/mod.ts");
  assert.equal(npm.some((p) => p.startsWith("hyparquet")), false, npm.join(", "));
});

Deno.test("a plain generate line loads no commander: neither the fast parse nor the generate action imports it, nor picomatch", async () => {
  const parse = await staticGraph("../../src/cli/fast_generate.ts");
  assert.deepEqual(parse.npm, []);
  assert.ok(!parse.files.includes("src/cli/main.ts"));
  const action = await staticGraph("../../src/cli/generate_action.ts");
  // Nor a CommonJS package (picomatch is loaded only for a --filter): each loads Deno's Node compatibility layer.
  assert.deepEqual(action.npm, ["eventsource-parser"]);
  // That the CLI runs such a line without loading it: tests/cli/fast_generate_test.ts (commander made unloadable).
});

Deno.test("a plain generate line loads no batch machinery: no batch client, journal reader, batch runner or rendering", async () => {
  const { files } = await staticGraph("../../src/cli/generate_action.ts");
  // Only what a run without --batch needs to know of batches: which providers have a batch API (the plan's offer
  // line), the price factor, where a journal is and whether there is one (src/batch/basics.ts). Batch mode, a file
  // with a journal and a plan's offer line import the rest (tests/cli/generate_batch_test.ts runs them).
  assert.deepEqual(files.filter((f) => f.startsWith("src/batch/")), ["src/batch/basics.ts"]);
  // src/run/batch.ts is not batch mode: it is the runner of every normal run (runBatch: the first call alone, then
  // -c workers). Batch mode is src/run/batch_mode.ts, batch_open.ts and batch_record.ts.
  assert.deepEqual(files.filter((f) => /^src\/run\/batch/.test(f)), ["src/run/batch.ts"]);
  assert.deepEqual(files.filter((f) => /^src\/cli\/(batch|render\/batch)/.test(f)), []);
});

Deno.test("a plain generate run loads only its vendor's codec, when it makes the provider, and no Hugging Face download or bundled sample for a local file", async () => {
  const { files } = await staticGraph("../../src/cli/generate_action.ts");
  // Specs are static: config checks, `provider list`, permissions and the plan read them without a codec.
  for (const vendor of ["openai", "anthropic", "ollama", "gemini", "azure", "openai_compatible", "gold"]) {
    assert.ok(files.includes(`src/providers/${vendor}/spec.ts`), vendor);
  }
  // Each codec is imported by its vendor line's loader (src/providers/vendors.ts), which createTarget awaits.
  assert.deepEqual(files.filter((f) => /^src\/providers\/(?!kit\/)[^/]+\/codec\.ts$/.test(f)), []);
  assert.ok(!files.includes("src/providers/create.ts"), "the library's factory imports every codec");
  // The Hugging Face download (hf.ts) loads for a Hugging Face dataset only, the bundled sample for `-d sample`.
  assert.ok(files.includes("src/swebench/datasets.ts"));
  assert.deepEqual(files.filter((f) => /^src\/swebench\/(hf|sample_data)\.ts$/.test(f)), []);
});
