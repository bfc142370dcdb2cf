/**
 * The rule of `tests/unit/` (`deno task test:unit`): pure tests that run in seconds. No test here starts a server,
 * spawns a process or uses the simulators; those live in the other folders of `tests/` and run in `deno task test`.
 */
import assert from "node:assert/strict";

const UNIT = new URL("./", import.meta.url);
const FORBIDDEN: [RegExp, string][] = [
  [/\bDeno\.(Command|serve|listen|listenTls|connect)\b/, "starts a process or a server"],
  [/simulator\//, "uses a simulator"],
  [/_server\.ts/, "uses a raw test server"],
  [/cli\/helpers\.ts/, "runs the CLI"],
];

async function* testFiles(dir: URL): AsyncGenerator<URL> {
  for await (const e of Deno.readDir(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* testFiles(url);
    else if (e.name.endsWith(".ts")) yield url;
  }
}

Deno.test("tests/unit holds pure tests only: no server, no subprocess, no simulator", async () => {
  const offenders: string[] = [];
  let files = 0;
  for await (const url of testFiles(UNIT)) {
    if (url.href === import.meta.url) continue;
    files++;
    const text = await Deno.readTextFile(url);
    for (const [pattern, what] of FORBIDDEN) {
      if (pattern.test(text)) offenders.push(`${url.pathname.split("/tests/unit/")[1]} ${what}`);
    }
  }
  assert.ok(files > 0, "tests/unit has test files");
  assert.deepEqual(offenders, [], "move these tests out of tests/unit (they run in `deno task test`)");
});
