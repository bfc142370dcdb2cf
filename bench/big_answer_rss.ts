/**
 * Peak memory of `swebench generate` when a server answers one call with a huge body (issue 11 item 4): a local
 * server sends an OpenAI chat completion whose content is `--mb` MiB (default 200), plain or `--stream`ed, and the
 * CLI runs against it as a subprocess; its peak RSS (VmHWM, read from /proc while it runs) and the run log size
 * are printed. Linux only. Not a test: figures for docs/notes.
 *
 *   deno run -A bench/big_answer_rss.ts [--mb 200] [--stream] [-c 1] [--main ../other-checkout/main.ts]
 *
 * @module
 */
const arg = (name: string, fallback: string): string => {
  const i = Deno.args.indexOf(name);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1] : fallback;
};
const mb = Number(arg("--mb", "200"));
const concurrency = arg("-c", "1");
const stream = Deno.args.includes("--stream");
const main = arg("--main", new URL("../main.ts", import.meta.url).pathname);

const enc = new TextEncoder();
const MiB = 2 ** 20;
const HEAD = enc.encode(
  `{"id":"x","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"`,
);
const TAIL = enc.encode(`"}}],"usage":{"prompt_tokens":10,"completion_tokens":10,"total_tokens":20}}`);
const PLAIN = enc.encode("a".repeat(MiB));
const DELTA = enc.encode(
  `data: ${
    JSON.stringify({
      id: "c",
      object: "chat.completion.chunk",
      model: "gpt-4o-mini",
      choices: [{ index: 0, delta: { content: "a".repeat(MiB - 200) }, finish_reason: null }],
    })
  }\n\n`,
);

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
  const streamed = (await req.json()).stream === true;
  let sent = -1;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent < 0) {
        sent = 0;
        if (!streamed) c.enqueue(HEAD);
        return;
      }
      if (sent < mb) {
        c.enqueue(streamed ? DELTA : PLAIN);
        sent++;
        return;
      }
      c.enqueue(streamed ? enc.encode("data: [DONE]\n\n") : TAIL);
      c.close();
    },
  });
  return new Response(body, {
    headers: { "content-type": streamed ? "text/event-stream" : "application/json" },
  });
});

const dir = await Deno.makeTempDir();
const out = `${dir}/p.jsonl`;
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", main, ...`generate -p openai -m gpt-4o-mini -d sample -y -q`.split(" "), ...[
    ...["-n", concurrency, "-c", concurrency, "-o", out],
    ...(stream ? ["--stream"] : []),
  ]],
  env: { OPENAI_API_KEY: "sk-bench", OPENAI_BASE_URL: `http://127.0.0.1:${server.addr.port}/v1` },
  stdout: "null",
  stderr: "null",
}).spawn();
let peakKiB = 0;
const started = performance.now();
const poll = setInterval(() => {
  try {
    const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
    peakKiB = Math.max(peakKiB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
  } catch { /* exited */ }
}, 50);
const { code } = await child.status;
clearInterval(poll);
await server.shutdown();
const log = await Deno.stat(`${out}.runlog.jsonl`).catch(() => undefined);
console.log(
  `answer ${mb} MiB${stream ? " streamed" : ""}, -c ${concurrency}: exit ${code}, peak RSS ${
    (peakKiB / 1024).toFixed(0)
  } MiB, run log ${log ? (log.size / MiB).toFixed(2) : "-"} MiB, ${
    ((performance.now() - started) / 1000).toFixed(1)
  } s`,
);
await Deno.remove(dir, { recursive: true });
