/**
 * One provider, one call, one stream, one patch: the library's basic use.
 *
 * Run against any OpenAI-compatible server (vLLM, llama.cpp, Ollama's /v1, or OpenAI itself):
 *
 * ```sh
 * EXAMPLE_BASE_URL=http://127.0.0.1:8000/v1 EXAMPLE_MODEL=qwen deno run -A examples/basic_usage.ts
 * ```
 *
 * `OPENAI_API_KEY` is sent when set. `tests/examples_test.ts` runs it against the simulator.
 *
 * @module
 */
import { createProvider, extractPatch, isSwebenchError } from "../src/mod.ts";

const baseUrl = Deno.env.get("EXAMPLE_BASE_URL") ?? "http://127.0.0.1:8000/v1";
const model = Deno.env.get("EXAMPLE_MODEL") ?? "qwen";

const provider = createProvider({ kind: "openai", baseUrl, apiKey: Deno.env.get("OPENAI_API_KEY") });
const prompt = "Fix the off-by-one error in utils.py and answer with a unified diff.";

try {
  // One call, whole answer: usage, cost (undefined when the model has no price), finish reason.
  const r = await provider.generate({ model, prompt, maxTokens: 1024 });
  const patch = extractPatch(r.content);
  console.log(
    `generate: ${r.usage.completionTokens} completion tokens, finish ${r.finishReason}, patch ${patch.status}`,
  );

  // The same call streamed: text arrives in pieces; the stream ends with exactly one finish or error event.
  let text = "";
  for await (const e of provider.stream({ model, prompt, maxTokens: 1024 })) {
    if (e.type === "text-delta") text += e.text;
    else if (e.type === "finish") console.log(`stream: ${text.length} characters, finish ${e.finishReason}`);
    else if (e.type === "error") throw e.error;
  }
} catch (e) {
  // Every failure is a SwebenchError with a kind (authentication, rate_limit, connection...) and a hint.
  if (!isSwebenchError(e)) throw e;
  console.error(`${e.kind}: ${e.message}\n${e.hint}`);
  Deno.exit(e.exitCode);
}
