/**
 * Issue 11 item 7: no hang and no misdiagnosis on hostile networks, through the CLI.
 * - `dataset fetch` whose body stalls after the headers ends with a timeout (flag or config file field);
 * - a 200 HTML page (a captive portal) is named, stops the run (exit 3), is not retried, and is not counted done:
 *   the same command after logging in does the work;
 * - headers that never come (streamed: `--connect-timeout`; non-streamed: `--total-timeout`) and a stream of
 *   keep-alive pings only (`--idle-timeout`) end each attempt with a timeout.
 */
import assert from "node:assert/strict";
import { rawServer } from "../hostile/_server.ts";
import { startOpenAISim } from "../simulator/mod.ts";
import { generateArgs, goldResponder, readJsonl, realRows, runCli, tempDataset } from "./helpers.ts";

const { lines: rows, instances } = await realRows("lite-test.jsonl", 5);
const KEY = "sk-test-network-00000000";

/** A hub whose every answer stalls after the headers and one byte (bounded: 30 s, or until closed). */
function stallingHub() {
  return rawServer(async (_req, wire) => {
    await wire.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 4096\r\n\r\n[");
    await wire.sleep(30_000);
  });
}

Deno.test("dataset fetch: a body that stalls after the headers ends with a timeout (flag and config field)", async () => {
  await using hub = stallingHub();
  const home = await Deno.makeTempDir({ prefix: "swebench-home-" });
  const env = { HOME: home, HF_ENDPOINT: hub.url };
  const flag = await runCli(["dataset", "fetch", "lite", "--idle-timeout", "1"], { env });
  assert.equal(flag.code, 1, flag.stderr);
  assert.match(
    flag.stderr,
    /error: 127\.0\.0\.1:\d+ stopped sending its answer for "princeton-nlp\/SWE-bench_Lite" \(no data for 1 s after 1 bytes\)/,
  );
  assert.match(flag.stderr, /hint: Retry later, or raise --idle-timeout/);
  // The same from the config file.
  await Deno.mkdir(`${home}/.config/swebench-runner`, { recursive: true });
  await Deno.writeTextFile(`${home}/.config/swebench-runner/config.json`, JSON.stringify({ idleTimeout: 1 }));
  const config = await runCli(["dataset", "fetch", "lite"], { env });
  assert.equal(config.code, 1, config.stderr);
  assert.match(config.stderr, /no data for 1 s/);
  // A wrong type there is a config error naming the field.
  await Deno.writeTextFile(
    `${home}/.config/swebench-runner/config.json`,
    JSON.stringify({ idleTimeout: "1" }),
  );
  const bad = await runCli(["dataset", "fetch", "lite"], { env });
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /"idleTimeout" must be a number >= 0, got a string/);
});

Deno.test("a captive portal's 200 HTML page: named, exit 3, not retried, not done; after login the rerun works", async () => {
  await using sim = await startOpenAISim({ respond: goldResponder(instances), apiKey: KEY });
  let portal = true;
  const portalHits: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (portal) {
      portalHits.push(await req.text());
      return new Response(
        "<!DOCTYPE html><html><head><title>Hotel WiFi - Please log in</title></head><body>...</body></html>",
        { headers: { "content-type": "text/html" } },
      );
    }
    // Logged in: the API answers.
    return await fetch(`${sim.url}${url.pathname}`, {
      method: req.method,
      headers: req.headers,
      body: req.body,
    });
  });
  try {
    const { dir, data } = await tempDataset(rows);
    for (const stream of [false, true]) {
      portal = true;
      portalHits.length = 0;
      const out = `${dir}/p${stream}.jsonl`;
      const args = generateArgs("openai", "gpt-4o-mini", data, out, "-y");
      if (stream) args.push("--stream");
      const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `http://127.0.0.1:${server.addr.port}/v1` };
      const r = await runCli(args, { env });
      assert.equal(r.code, 3, r.stderr);
      assert.match(
        r.stdout,
        /Stopped: openai: got an HTML page \("Hotel WiFi - Please log in"\) with status 200 instead of the API's answer: a proxy or login page is in the way/,
      );
      assert.match(r.stdout, /Log in to the network \(captive portal\) or fix the proxy/);
      assert.doesNotMatch(r.stderr + r.stdout, /not valid JSON|overloaded|circuit/);
      // Never retried: one request per instance at most.
      const sent = portalHits.map((b) => JSON.parse(b).messages.at(-1).content as string);
      assert.ok(sent.length <= rows.length, `${sent.length} requests`);
      assert.equal(new Set(sent).size, sent.length, "no instance was sent twice");
      // Logged in: the same command does every instance (none was recorded as done).
      portal = false;
      const again = await runCli(args, { env });
      assert.equal(again.code, 0, again.stderr);
      assert.equal((await readJsonl(out)).length, rows.length);
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("headers that never come and pings-only streams end each attempt with a timeout (flags)", async () => {
  let pinged = 0;
  await using server = rawServer(async (req, wire) => {
    if (req.json?.stream && req.json.model !== "silent-model") {
      await wire.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n");
      for (let i = 0; i < 300 && !wire.closed; i++) {
        await wire.write(": keep-alive\n\n");
        pinged++;
        await wire.sleep(200);
      }
      return;
    }
    await wire.sleep(30_000); // never answers
  });
  const { dir, data } = await tempDataset(rows, 1);
  const base = (mode: string, model = "gpt-4o-mini") =>
    generateArgs("openai", model, data, `${dir}/${mode}.jsonl`, "-y");
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${server.url}/v1` };
  const [pings, whole, headers] = await Promise.all([
    runCli([...base("pings"), "--stream", "--idle-timeout", "1"], { env }),
    runCli([...base("whole"), "--total-timeout", "1", "--connect-timeout", "0"], { env }),
    runCli([...base("headers", "silent-model"), "--stream", "--connect-timeout", "1"], { env }),
  ]);
  assert.equal(headers.code, 4, headers.stderr);
  assert.match(
    headers.stderr,
    /failed .*: timeout: openai: no response headers from http:\/\/127\.0\.0\.1:\d+ within 1000 ms \(connect timeout\)/,
  );
  assert.equal(pings.code, 4, pings.stderr);
  assert.match(
    pings.stderr,
    /failed .*: timeout: openai: the stream from http:\/\/127\.0\.0\.1:\d+ sent only keep-alive pings, no data, for 1 s \(idle timeout\)/,
  );
  assert.ok(pinged > 0);
  assert.equal(whole.code, 4, whole.stderr);
  assert.match(
    whole.stderr,
    /failed .*: timeout: openai: request to http:\/\/127\.0\.0\.1:\d+ exceeded the total timeout of 1000 ms/,
  );
  for (const mode of ["pings", "whole", "headers"]) {
    const log = await readJsonl(`${dir}/${mode}.jsonl.runlog.jsonl`);
    assert.equal((log[0].error as { kind: string }).kind, "timeout");
    assert.equal(log[0].attempts, 5, "a timeout is retried, each attempt bounded");
  }
});
