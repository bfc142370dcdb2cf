/**
 * A provider the library does not ship: implement the `Provider` interface for your API and hand it to the batch
 * runner. Here the "API" is a tiny JSON service started in this process (`POST /complete {prompt} -> {text}`).
 *
 * ```sh
 * deno run -A examples/custom_provider.ts [output-dir]
 * ```
 *
 * The contract: `generate` resolves a `UnifiedResponse` or throws a `SwebenchError` whose kind says what happened
 * (the resilience layer retries `connection`, `server`, `rate_limit`...; never `authentication`); `stream` never
 * throws and ends with exactly one `finish` or `error` event.
 *
 * @module
 */
import {
  directCall,
  emptyUsage,
  openPredictions,
  type Provider,
  runBatch,
  type StreamEvent,
  SwebenchError,
  type UnifiedRequest,
  type UnifiedResponse,
} from "../src/mod.ts";
import { loadInstances, resolveDataset } from "../src/mod.ts";

// The service: answers every prompt with a small diff.
const DIFF = "--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-old\n+new\n";
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
  const { prompt } = await req.json();
  return Response.json({
    text: `Here is the fix for a ${prompt.length}-character issue:\n\`\`\`diff\n${DIFF}\`\`\``,
  });
});
const url = `http://127.0.0.1:${server.addr.port}`;

function createMyProvider(baseUrl: string): Provider {
  const generate = async (request: UnifiedRequest): Promise<UnifiedResponse> => {
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(`${baseUrl}/complete`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: `${request.system ?? ""}\n${request.prompt}` }),
      });
    } catch (e) {
      throw new SwebenchError("connection", `cannot reach ${baseUrl}: ${(e as Error).message}`, {
        provider: "mine",
      });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new SwebenchError(res.status >= 500 ? "server" : "invalid_request", `HTTP ${res.status}`, {
        provider: "mine",
        status: res.status,
      });
    }
    const { text } = await res.json() as { text: string };
    return {
      content: text,
      model: request.model,
      provider: "mine",
      usage: { ...emptyUsage(), promptTokens: Math.ceil(request.prompt.length / 4), completionTokens: 20 },
      latencyMs: performance.now() - started,
      finishReason: "stop",
      costUsd: 0, // unknown would be `undefined`, never a silent 0: this service is free
    };
  };
  return {
    name: "mine",
    kind: "openai", // the wire kind closest to it; only used in messages
    baseUrl,
    generate,
    stream(request) {
      return new ReadableStream<StreamEvent>({
        async start(controller) {
          try {
            const r = await generate(request);
            controller.enqueue({ type: "start", model: r.model });
            controller.enqueue({ type: "text-delta", text: r.content });
            controller.enqueue({ type: "finish", finishReason: "stop", usage: r.usage });
          } catch (e) {
            controller.enqueue({ type: "error", error: e as SwebenchError });
          }
          controller.close();
        },
      });
    },
  };
}

const dir = Deno.args[0] ?? await Deno.makeTempDir({ prefix: "swebench-example-" });
const instances = (await loadInstances(resolveDataset("sample", { cacheDir: `${dir}/cache` }))).slice(0, 3);
const writer = await openPredictions(`${dir}/mine.jsonl`, {});
try {
  const summary = await runBatch({
    instances,
    call: directCall(createMyProvider(url)),
    providerName: "mine",
    model: "my-model",
    modelNameOrPath: "my-model",
    writer,
    concurrency: 4,
    maxTokens: 1024,
    countTokens: (text) => Math.ceil(text.length / 4),
  });
  console.log(`mine: ${summary.ok} ok, ${summary.failed} failed; patches ${JSON.stringify(summary.patches)}`);
  console.log(`predictions: ${dir}/mine.jsonl`);
} finally {
  await writer.close();
  await server.shutdown();
}
