/**
 * The README's command examples are tests, so the README cannot drift from the CLI.
 *
 * Every line of a README code block that invokes the CLI (`swebench ...`, or `deno ... jsr:@swebench/runner ...`)
 * is found, and each one must be either
 * - run, in README order, in one sandbox against the simulators (keys and base URLs in the environment, temp
 *   XDG directories, `swebench` = `deno run -A main.ts`), and succeed; or
 * - listed in `CANNOT_RUN` with the reason it cannot run offline, and still parse against the CLI (a known
 *   command, known flags, valid values: commander's own parser with the actions switched off).
 * A README line that is in neither, or an entry here that is no longer in the README, fails the test: adding an
 * example to the README means adding it here. Inline `swebench ...` spans in prose and tables must parse too.
 *
 * To run offline, these substitutions are made (and only these): `jsr:@swebench/runner` -> this checkout's
 * `main.ts` (the permission flags in front of it are kept, so the README's scoped permission set is tested);
 * `${{ matrix.shard }}` -> each shard of the matrix; a vLLM server's `http://127.0.0.1:8000/v1` -> a keyless
 * OpenAI-compatible simulator; the `...` of a template -> `-p gold -d sample`.
 */
import assert from "node:assert/strict";
import { CommanderError } from "@commander-js/extra-typings";
import { buildProgram } from "../../src/cli/main.ts";
import { cliEnv, readJsonl } from "./helpers.ts";
import { startSimWorld } from "./sim_env.ts";

const README = new URL("../../README.md", import.meta.url);
const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** README examples that cannot run offline, with the reason; each must still parse. */
const CANNOT_RUN: Record<string, string> = {
  "swebench generate -p openrouter -m qwen/qwen3-coder -d lite --context bm25-13k -n 10 --max-cost 2":
    "calls openrouter.ai, which needs the network and a key",
  "deno install -g -A --v8-flags=--max-semi-space-size=4 -n swebench jsr:@swebench/runner":
    "installs from JSR, which needs the network",
  "swebench generate -p openai -m gpt-4.1-mini -d lite-oracle.jsonl --dry-run":
    "reads oracle rows that scripts/oracle_rows.ts rebuilds from git mirrors of the repositories",
  "swebench evaluate predictions/gpt-4o-mini__SWE-bench_Lite_bm25_13K__test.jsonl":
    "runs the official harness: needs Python with swebench installed and Docker",
  "swebench evaluate predictions/gold__sample__test.jsonl predictions/gpt-4o-mini__sample__test.jsonl":
    "runs the official harness: needs Python with swebench installed and Docker",
  "swebench report predictions/gold__sample__test.jsonl.runlog.jsonl predictions/gpt-4o-mini__sample__test.jsonl.runlog.jsonl --html report.html":
    "reports on the evaluate transcript above it: its inputs come from the harness",
};

/** Shell lines of the README that are not CLI invocations but are run in sequence with them. */
const ALSO_RUN = new Set(["cat preds-*[0-9].jsonl > predictions.jsonl"]);

/** One line of a README code block: its text (continuations joined, comments and `$ ` prompts dropped). */
interface Example {
  text: string;
  line: number;
  lang: string;
  /** A usage synopsis (`swebench generate [-p provider] ...`, `evaluate <predictions...> [-d dataset] ...`). */
  synopsis: boolean;
}

/** The CLI's command names (a synopsis may start with one instead of `swebench`). */
const COMMANDS = buildProgram(() => {}).commands.map((c) => c.name());

/** Code-block lines of the README, continuations (`\`, indented YAML scalars, synopsis lines) joined. */
function codeBlockLines(markdown: string): Example[] {
  const out: Example[] = [];
  const lines = markdown.split("\n");
  let lang: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)/.exec(lines[i]);
    if (fence) {
      lang = lang === null ? fence[1] || "text" : null;
      continue;
    }
    if (lang === null || lang === "ts" || lang === "json") continue;
    const start = i;
    let text = lines[i];
    while (text.endsWith("\\") && i + 1 < lines.length) {
      text = text.slice(0, -1).trimEnd() + " " + lines[++i].trim();
    }
    if (lang === "yaml" && /^\s*- run: /.test(text)) {
      const indent = text.indexOf("-");
      while (
        i + 1 < lines.length && lines[i + 1].search(/\S/) > indent + 2 && !lines[i + 1].startsWith("```")
      ) {
        text += " " + lines[++i].trim();
      }
      text = text.replace(/^\s*- run: /, "");
    }
    // A synopsis continues on indented lines of bracketed flags.
    while (/^\s*\S/.test(text) && i + 1 < lines.length && /^\s+\[/.test(lines[i + 1])) {
      text += " " + lines[++i].trim();
    }
    text = text.replace(/^\$ /, "").replace(/\s+#.*$/, "").replace(/^#.*$/, "").trim();
    if (!text) continue;
    const first = text.split(" ")[0];
    const synopsis = lang === "text" && / \[-/.test(text) &&
      (first === "swebench" || COMMANDS.includes(first));
    if (synopsis && first !== "swebench") text = `swebench ${text}`;
    out.push({ text, line: start + 1, lang, synopsis });
  }
  return out;
}

/** Does this shell line invoke the CLI? */
function invokesCli(text: string): boolean {
  return text.split("|").some((seg) => {
    const s = seg.trim();
    return s.startsWith("swebench ") || (s.startsWith("deno ") && s.includes("jsr:@swebench/runner"));
  });
}

/** Shell-like words (quotes removed; `$VAR` kept as written). */
function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** The CLI arguments of an example (after `swebench`, or after `jsr:@swebench/runner`). */
function cliArgs(text: string): string[] | undefined {
  const seg = text.split("|").map((s) => s.trim()).find((s) =>
    s.startsWith("swebench ") || s.includes("jsr:@swebench/runner")
  )!;
  const w = words(seg);
  const at = w[0] === "swebench" ? 0 : w.indexOf("jsr:@swebench/runner");
  return at < 0 ? undefined : w.slice(at + 1);
}

/**
 * Parse `args` with the real program and no actions: unknown commands and flags, missing arguments and bad values
 * are errors. Returns the error text, or undefined when it parses.
 */
async function parseOnly(args: string[]): Promise<string | undefined> {
  const program = buildProgram(() => {});
  let captured = "";
  const walk = (c: typeof program) => {
    c.configureOutput({ writeOut: () => {}, writeErr: (s) => captured += s });
    if (c !== program) c.action(() => {});
    for (const sub of c.commands) walk(sub as unknown as typeof program);
  };
  walk(program);
  try {
    await program.parseAsync(args, { from: "user" });
    return undefined;
  } catch (e) {
    if (e instanceof CommanderError && e.code === "commander.helpDisplayed") return undefined;
    return captured || (e as Error).message;
  }
}

/** The synopsis's flags, one by one, must be flags of its command. */
async function parseSynopsis(text: string): Promise<string[]> {
  // The command words and its positional arguments (placeholders filled in), then each flag in turn.
  const base = words(text.replace(/\[[^\]]*\]/g, "")).slice(1).map((w) => w.startsWith("<") ? "x" : w);
  const problems: string[] = [];
  for (const m of text.matchAll(/\[(-[^\]]+)\]/g)) {
    for (const opt of m[1].split(/\s+(?=-)/)) {
      const [flag, value] = opt.split(" ");
      const sample = value === undefined ? [] : [/[|]/.test(value) ? value.split("|")[0] : sampleValue(flag)];
      const err = await parseOnly([...base, flag, ...sample]);
      if (err && !/required option/.test(err)) problems.push(`${flag}: ${err.trim()}`);
    }
  }
  return problems;
}

/** A valid value for a flag of the synopsis (its placeholder names a kind, not a value). */
function sampleValue(flag: string): string {
  const values: Record<string, string> = {
    "--shard": "1/2",
    "--fallback": "openai:gpt-4o-mini",
    "--temperature": "0",
    "--max-cost": "1",
    "--anthropic-version": "2023-06-01",
    "--base-url": "http://127.0.0.1:8000/v1",
  };
  return values[flag] ?? "1";
}

Deno.test("README: every CLI example runs offline against the simulators, or parses and says why not", async (t) => {
  const markdown = await Deno.readTextFile(README);
  const examples = codeBlockLines(markdown);
  const cli = examples.filter((e) => invokesCli(e.text));
  assert.ok(cli.length >= 10, `only ${cli.length} CLI examples found: is the extraction broken?`);

  for (const listed of Object.keys(CANNOT_RUN)) {
    assert.ok(
      cli.some((e) => e.text === listed),
      `CANNOT_RUN lists a line the README no longer has:\n${listed}`,
    );
  }

  await t.step("each usage synopsis names only flags its command has", async () => {
    const synopses = cli.filter((e) => e.synopsis);
    assert.ok(synopses.length >= 1, "no synopsis found");
    for (const e of synopses) {
      assert.deepEqual(await parseSynopsis(e.text), [], `README.md:${e.line}: ${e.text}`);
    }
  });

  await t.step("the examples that cannot run offline parse against the CLI", async () => {
    for (const e of cli.filter((e) => e.text in CANNOT_RUN)) {
      const args = cliArgs(e.text);
      if (args && args.length > 0) assert.equal(await parseOnly(args), undefined, `README.md:${e.line}`);
    }
  });

  await t.step("inline `swebench ...` spans in prose and tables parse against the CLI", async () => {
    const spans = [...markdown.matchAll(/`(swebench [^`]+)`/g)].map((m) => m[1]);
    assert.ok(spans.length > 5);
    for (const span of spans) {
      const args = words(span.replace(/<run-log\.\.\.>/, "x.runlog.jsonl").replace(/<[^>]+>/g, "x")).slice(1);
      const err = await parseOnly(args);
      // `swebench evaluate` in a sentence names the command; its required arguments are not part of the point.
      const reference = args.every((a) => /^[a-z]+$/.test(a)) && /missing required argument/.test(err ?? "");
      assert.ok(err === undefined || reference, `\`${span}\` does not parse: ${err}`);
    }
  });

  await using world = await startSimWorld();
  const sandbox = await Deno.makeTempDir({ prefix: "swebench-readme-" });
  // Examples run from a clone's root: paths like tests/fixtures/... must resolve.
  await Deno.symlink(new URL("../../tests", import.meta.url).pathname, `${sandbox}/tests`);
  const env = cliEnv(world.home, { ...world.env });
  const shell = async (line: string) => {
    const script = `swebench() { "${Deno.execPath()}" run -A "${MAIN}" "$@"; }\n${line}`;
    const r = await new Deno.Command("sh", {
      args: ["-c", script],
      cwd: sandbox,
      clearEnv: true,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: r.code, out: new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr) };
  };
  const offline = (text: string) =>
    text.replaceAll("jsr:@swebench/runner", MAIN)
      .replaceAll("http://127.0.0.1:8000/v1", `${world.local.url}/v1`)
      .replace(/ generate \.\.\.$/, " generate -p gold -d sample");

  for (const e of examples) {
    const runs = (invokesCli(e.text) && !e.synopsis && !(e.text in CANNOT_RUN)) || ALSO_RUN.has(e.text);
    if (!runs) continue;
    await t.step(
      `README.md:${e.line}: ${e.text.length > 90 ? e.text.slice(0, 87) + "..." : e.text}`,
      async () => {
        const variants = e.text.includes("${{ matrix.shard }}")
          ? [1, 2, 3, 4].map((s) => e.text.replaceAll("${{ matrix.shard }}", String(s)))
          : [e.text];
        for (const v of variants) {
          const r = await shell(offline(v));
          assert.equal(r.code, 0, `README.md:${e.line} exits ${r.code}:\n${v}\n${r.out}`);
          assert.doesNotMatch(r.out, /unexpected error|^\s+at \S+:\d+:\d+/im, r.out);
        }
      },
    );
  }

  await t.step("what the examples promise holds", async () => {
    const preds = await readJsonl(`${sandbox}/predictions/gpt-4o-mini__SWE-bench_Lite_bm25_13K__test.jsonl`);
    assert.equal(preds.length, 300, "the quick start's real run: 300 instances");
    assert.match(await Deno.readTextFile(`${sandbox}/report.html`), /^<!doctype html>/);
    // The four shards, concatenated, are the whole selection once.
    const merged = await readJsonl(`${sandbox}/predictions.jsonl`);
    assert.equal(merged.length, 300);
    assert.equal(new Set(merged.map((p) => p.instance_id)).size, 300);
  });
});
