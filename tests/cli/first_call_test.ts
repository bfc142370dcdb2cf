/**
 * The first call goes alone (issue 10 §6): a rejected key, an unknown model, an invalid request or a refused
 * connection stop the run after that one request, at any concurrency, with a message naming what to fix.
 */
import assert from "node:assert/strict";
import { startOpenAISim } from "../simulator/mod.ts";
import { goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-test.jsonl", 40);
const KEY = "sk-test-first-call-0000";
const respond = goldResponder(instances);

/** Model calls the simulator received. */
const calls = (sim: { requests: { n?: number }[] }) => sim.requests.filter((q) => q.n !== undefined).length;

for (const c of ["8", "32"]) {
  Deno.test(`-c ${c}: a rejected key stops the run after one request, naming OPENAI_API_KEY (exit 3)`, async () => {
    await using sim = await startOpenAISim({ respond, apiKey: KEY });
    const { dir, data } = await tempDataset(rows);
    const out = `${dir}/p.jsonl`;
    const r = await runCli(["generate", "-p", "openai", "-d", data, "-o", out, "-c", c, "-y"], {
      env: { OPENAI_API_KEY: "sk-wrong-key-99999999", OPENAI_BASE_URL: `${sim.url}/v1` },
    });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(calls(sim), 1, "the simulator saw exactly one request");
    assert.match(r.stdout, /Stopped: openai: 401/);
    assert.match(r.stdout, /rejected the key in OPENAI_API_KEY/);
    assert.match(r.stdout, /swebench provider init openai/);
    assert.doesNotMatch(r.stdout + r.stderr, /sk-wrong-key-99999999/, "the key is never printed");
    assert.match(r.stdout, /Done: 0 ok, 1 failed, 0 skipped, 39 not started/);
    // The failure says nothing about the instance: a re-run with the right key sends it again.
    const again = await runCli(["generate", "-p", "openai", "-d", data, "-o", out, "-c", c, "-y", "--json"], {
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` },
    });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).ok, 40);
  });

  Deno.test(`-c ${c}: --base-url at a server that wants a key, none sent: names OPENAI_API_KEY (exit 3)`, async () => {
    await using sim = await startOpenAISim({ respond, apiKey: KEY });
    const { dir, data } = await tempDataset(rows);
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
        `${dir}/p.jsonl`,
        "-c",
        c,
        "-y",
      ],
    );
    assert.equal(r.code, 3, r.stderr);
    assert.equal(calls(sim), 1);
    assert.equal(sim.requests.find((q) => q.n === 0)?.headers.get("authorization"), null, "no key was sent");
    assert.match(r.stdout, /No key was sent/);
    assert.match(r.stdout, /set OPENAI_API_KEY/);
    assert.match(r.stdout, /swebench provider init openai/);
  });

  Deno.test(`-c ${c}: an unknown model stops the run after one request, naming provider models (exit 2)`, async () => {
    await using sim = await startOpenAISim({ respond, apiKey: KEY, models: ["gpt-4o-mini"] });
    const { dir, data } = await tempDataset(rows);
    const r = await runCli(
      [
        "generate",
        "-p",
        "openai",
        "-m",
        "gpt-4o-mini-typo",
        "-d",
        data,
        "-o",
        `${dir}/p.jsonl`,
        "-c",
        c,
        "-y",
      ],
      { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` } },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.equal(calls(sim), 1);
    assert.match(r.stdout, /Stopped: .*404/);
    assert.match(r.stdout, /swebench provider models openai/);
  });

  Deno.test(`-c ${c}: an invalid request stops the run after one request (exit 2)`, async () => {
    await using sim = await startOpenAISim({
      respond,
      apiKey: KEY,
      // Not a parameter the model refuses (that one would be dropped and sent once more): the request itself.
      faults: () => ({
        type: "status",
        status: 400,
        message: "Invalid 'messages[1].content': string too long",
      }),
    });
    const { dir, data } = await tempDataset(rows);
    const out = `${dir}/p.jsonl`;
    const r = await runCli(["generate", "-p", "openai", "-d", data, "-o", out, "-c", c, "-y"], {
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(calls(sim), 1);
    assert.match(
      r.stdout,
      /the run's first request was rejected: openai: 400 Invalid 'messages\[1\].content'/,
    );
    const log = await readJsonl(`${out}.runlog.jsonl`);
    assert.equal(log.length, 1);
    assert.equal(
      (log[0].error as { runLevel?: boolean }).runLevel,
      true,
      "a re-run sends the instance again",
    );
  });

  Deno.test(`-c ${c}: a refused connection stops the run at once, naming the address (exit 4)`, async () => {
    // A port that was just free: nothing listens there.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const { dir, data } = await tempDataset(rows);
    const r = await runCli(["generate", "-p", "openai", "-d", data, "-o", `${dir}/p.jsonl`, "-c", c, "-y"], {
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` },
    });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stdout, new RegExp(`Stopped: .*127\\.0\\.0\\.1:${port}`));
    assert.match(r.stdout, /refused/i);
    assert.match(r.stdout, /Done: 0 ok, 1 failed, 0 skipped, 39 not started/);
    assert.doesNotMatch(r.stderr, /retry/i, "nothing answers there: not retried");
  });
}

Deno.test("the others fan out once the first call succeeds: -c 8 runs calls in parallel after it", async () => {
  let arrived = 0, answered = 0;
  const inFlightWhenAnswered: number[] = [];
  await using sim = await startOpenAISim({
    // Called as each request arrives ...
    faults: () => {
      arrived++;
      return undefined;
    },
    // ... and as it is answered, after the latency.
    respond: (req) => {
      inFlightWhenAnswered.push(arrived - answered);
      answered++;
      return respond(req);
    },
    apiKey: KEY,
    latencyMs: 100,
  });
  const { dir, data } = await tempDataset(rows, 24);
  const r = await runCli([
    "generate",
    "-p",
    "openai",
    "-d",
    data,
    "-o",
    `${dir}/p.jsonl`,
    "-c",
    "8",
    "-y",
    "--json",
  ], {
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${sim.url}/v1` },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).ok, 24);
  assert.equal(inFlightWhenAnswered[0], 1, "the first request was the only one in flight");
  assert.ok(Math.max(...inFlightWhenAnswered) > 1, `then calls ran in parallel (${inFlightWhenAnswered})`);
});
