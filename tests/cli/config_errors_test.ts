/**
 * Issue 11 item 8: a config file with a field of the wrong type, a config path that is a directory, or text that
 * is not JSON is a config error (exit 3) naming the field and the fix; the file's text (keys) is never echoed.
 */
import assert from "node:assert/strict";
import { runCli } from "./helpers.ts";

const SECRET = "sk-secret-config-key-123456";

async function withConfig(
  text: string,
  args: string[] = ["generate", "-p", "gold", "-d", "sample", "--dry-run"],
) {
  const home = await Deno.makeTempDir({ prefix: "swebench-home-" });
  const path = `${home}/config.json`;
  await Deno.writeTextFile(path, text, { mode: 0o600 });
  return { path, r: await runCli(args, { env: { HOME: home, SWEBENCH_CONFIG: path } }) };
}

Deno.test("config fields of the wrong type: exit 3 naming the field and the fix, never a crash", async () => {
  const cases: [unknown, RegExp, RegExp][] = [
    [{ fallback: "x:y" }, /"fallback" must be a list of strings, got a string/, /"fallback": \["anthropic:/],
    [{ fallback: ["x"] }, /"fallback\[0\]" must be of the form "provider:model"/, /"fallback": \[/],
    [{ models: {} }, /"models" must be a list of model entries, got an object/, /"models": \[\{"id"/],
    [
      { models: [{ id: "m", inputPerMTok: "0.3" }] },
      /"models\[0\]\.inputPerMTok" must be a number >= 0/,
      /0\.3/,
    ],
    [
      { providers: { openai: { maxCost: -1 } } },
      /"providers\.openai\.maxCost" must be a number >= 0/,
      /"maxCost": 5/,
    ],
    [{ maxCost: -1 }, /"maxCost" is not a top-level field/, /--max-cost/],
    [{ providers: [] }, /"providers" must be an object of provider entries, got a list/, /"providers": \{/],
    [
      { providers: { vllm: { kind: "vllm" } } },
      /"providers\.vllm\.kind" must be one of "openai", .*, got "vllm"/,
      /"kind": "openai"/,
    ],
    [
      { providers: { openai: { apiKeys: SECRET } } },
      /"providers\.openai\.apiKeys" must be a list/,
      /\["sk-\.\.\."/,
    ],
    [{ defaultProvider: 3 }, /"defaultProvider" must be a non-empty string, got the number 3/, /"openai"/],
  ];
  for (const [config, message, fix] of cases) {
    const { path, r } = await withConfig(JSON.stringify(config));
    assert.equal(r.code, 3, `${JSON.stringify(config)}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`error: config file ${path}: ${message.source}`));
    assert.match(r.stderr, new RegExp(`hint: .*${fix.source}`));
    assert.doesNotMatch(r.stderr, /unexpected|TypeError|is not a function|not iterable|\n\s+at /);
    assert.doesNotMatch(r.stderr, new RegExp(SECRET), "the value is never echoed");
  }
});

Deno.test("unknown config fields are warned about; the run goes on", async () => {
  const { r } = await withConfig(
    JSON.stringify({ defaultModle: "x", providers: { openai: { modle: "y" } } }),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: config file .*: unknown field "defaultModle" ignored/);
  assert.match(r.stderr, /unknown field "providers\.openai\.modle" ignored/);
});

Deno.test("a config file that is not JSON: line and column named, its text (keys) never shown", async () => {
  const text = `{\n  "providers": {\n    "openai": {"apiKey": ${SECRET}}\n  }\n}\n`;
  const { r } = await withConfig(text);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /is not valid JSON: line 3, column 26: unexpected character/);
  assert.doesNotMatch(r.stderr, /sk-|secret|apiKey/);
  const trailing = await withConfig(`{"providers": {"openai": {"apiKey": "${SECRET}",}}}`);
  assert.equal(trailing.r.code, 3);
  assert.match(trailing.r.stderr, /line 1, column \d+: a property name in double quotes is expected/);
  assert.doesNotMatch(trailing.r.stderr, /sk-|secret/);
  const empty = await withConfig("");
  assert.equal(empty.r.code, 3);
  assert.match(empty.r.stderr, /the file is empty/);
});

Deno.test("SWEBENCH_CONFIG pointing at a directory: config error naming it and the fix", async () => {
  const home = await Deno.makeTempDir({ prefix: "swebench-home-" });
  for (const args of [["provider", "list"], ["generate", "-p", "gold", "-d", "sample", "--dry-run"]]) {
    const r = await runCli(args, { env: { HOME: home, SWEBENCH_CONFIG: home } });
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`error: config file ${home} \\(from SWEBENCH_CONFIG\\) is a directory`),
    );
    assert.match(
      r.stderr,
      new RegExp(
        `hint: Point --config or SWEBENCH_CONFIG at a JSON file \\(e\\.g\\. ${home}/config\\.json\\)`,
      ),
    );
  }
});
