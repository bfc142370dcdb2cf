/**
 * The scoped permissions the compile task (and the README) document are enough for real runs, and a permission
 * they do not grant fails with the exact flag to add.
 */
import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { startOpenAISim } from "../simulator/mod.ts";
import { readJsonl, runCli, SHARED } from "./helpers.ts";

const compileFlags = denoJson.tasks.compile.split(" ").filter((a) => a.startsWith("--allow-"));

Deno.test("the compile task's scoped permissions run gold and an OpenAI-compatible server on loopback", async () => {
  assert.ok(compileFlags.some((f) => f.startsWith("--allow-net=api.openai.com,")));
  const dir = await Deno.makeTempDir();
  const gold = await runCli(["generate", "-p", "gold", "-d", "sample", "-o", `${dir}/g.jsonl`, "-q"], {
    permissions: compileFlags,
  });
  assert.equal(gold.code, 0, gold.stderr);
  await using sim = await startOpenAISim();
  const data = `${dir}/one.jsonl`;
  await Deno.writeTextFile(
    data,
    (await Deno.readTextFile(`${SHARED}swe-bench/lite-dev.jsonl`)).split("\n")[0] + "\n",
  );
  const r = await runCli(
    [
      "generate",
      "-p",
      "openai",
      "--base-url",
      `${sim.url}/v1`,
      "-d",
      data,
      "-o",
      `${dir}/o.jsonl`,
      "-q",
      "-y",
    ],
    { permissions: compileFlags },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await readJsonl(`${dir}/o.jsonl`)).length, 1);
});

Deno.test("a host outside --allow-net fails with the exact flag to add, exit 3", async () => {
  const dir = await Deno.makeTempDir();
  const r = await runCli([
    "generate",
    "-p",
    "openai",
    "-d",
    "sample",
    "-n",
    "1",
    "-o",
    `${dir}/p.jsonl`,
    "-y",
  ], {
    permissions: ["--allow-read", "--allow-write", "--allow-env", "--allow-net=127.0.0.1"],
    env: { OPENAI_API_KEY: "sk-test-0000000000" },
  });
  assert.equal(r.code, 3);
  assert.match(r.stdout + r.stderr, /--allow-net=api\.openai\.com:443/);
});

Deno.test("an unwritable output names --allow-write", async () => {
  const dir = await Deno.makeTempDir();
  const r = await runCli(["generate", "-p", "gold", "-d", "sample", "-o", `${dir}/p.jsonl`], {
    permissions: ["--allow-read", "--allow-env"],
  });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /--allow-write/);
});
