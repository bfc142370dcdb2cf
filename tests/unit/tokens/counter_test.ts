import assert from "node:assert/strict";
import { bytePairCount } from "../../../src/tokens/encoding.ts";
import {
  countRequestTokens,
  encodingForModel,
  estimateProfile,
  getTokenCounter,
  isOpenAIModel,
  loadEncoding,
  requestMessages,
} from "../../../src/tokens/mod.ts";
import { ANTHROPIC_SAMPLES } from "../../tokens/anthropic_samples.ts";

const CAPTURES = new URL("../../fixtures/captures/", import.meta.url);

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(new URL(path, CAPTURES)));
}

Deno.test("countChat equals OpenAI's reported prompt_tokens (capture completion-gpt-4o-mini)", async () => {
  const meta = await readJson("openai/completion-gpt-4o-mini.meta.json");
  const body = await readJson("openai/completion-gpt-4o-mini.json");
  const request = meta.request_body as { model: string; messages: { role: string; content: string }[] };
  const usage = body.usage as { prompt_tokens: number };
  const counter = await getTokenCounter(request.model);
  assert.equal(counter.exact, true);
  assert.equal(counter.errorBound, 0);
  assert.equal(counter.encoding, "o200k_base");
  assert.equal(counter.countChat(request.messages), usage.prompt_tokens);
  // The dated snapshot the response names counts the same.
  const dated = await getTokenCounter(body.model as string);
  assert.equal(dated.countChat(request.messages), usage.prompt_tokens);
});

Deno.test("count equals OpenAI's completion_tokens for a streamed gpt-4.1-nano answer (capture)", async () => {
  const lines = (await Deno.readTextFile(new URL("openai/chat-completion.chunks.jsonl", CAPTURES))).trim()
    .split("\n");
  const chunks = lines.map((line) => JSON.parse(line));
  let text = "";
  for (const chunk of chunks) for (const choice of chunk.choices ?? []) text += choice.delta?.content ?? "";
  const counter = await getTokenCounter(chunks[0].model);
  assert.equal(counter.count(text), chunks.at(-1).usage.completion_tokens);
});

Deno.test("chat format: 3 per message + role + content, +3 reply primer, name + 1", async () => {
  const counter = await getTokenCounter("gpt-4o");
  const hello = counter.count("hello");
  assert.equal(counter.countChat([{ role: "user", content: "hello" }]), 3 + 1 + hello + 3);
  const withName = [{ role: "user", content: "hello", name: "alice" }];
  assert.equal(counter.countChat(withName), 3 + 1 + hello + 3 + counter.count("alice") + 1);
  assert.equal(counter.countChat([]), 3);
  const legacy = await getTokenCounter("gpt-3.5-turbo-0301");
  const named = [{ role: "user", content: "hello", name: "bob" }];
  const expected = 3 + 4 + legacy.count("user") + legacy.count("hello") + legacy.count("bob") - 1;
  assert.equal(legacy.countChat(named), expected);
});

Deno.test("encodingForModel: o200k for 4o/4.1/4.5/5/o-series and unknown ids, cl100k for older", () => {
  const o200k = [
    "gpt-4o",
    "gpt-4o-mini-2024-07-18",
    "gpt-4.1-nano",
    "gpt-4.5-preview",
    "gpt-5",
    "gpt-5.4-mini",
    "o1",
    "o3-mini",
    "o4-mini",
    "chatgpt-4o-latest",
    "openai/gpt-4o",
    "some-future-model",
  ];
  for (const id of o200k) assert.equal(encodingForModel(id), "o200k_base", id);
  const cl100k = [
    "gpt-4",
    "gpt-4-0613",
    "gpt-4-turbo",
    "gpt-4-32k",
    "gpt-3.5-turbo",
    "gpt-35-turbo",
    "text-embedding-ada-002",
    "text-embedding-3-small",
    "ft:gpt-3.5-turbo-0125:org::abc",
  ];
  for (const id of cl100k) assert.equal(encodingForModel(id), "cl100k_base", id);
});

Deno.test("loadEncoding: one import per encoding, shared by every caller", async () => {
  const a = loadEncoding("cl100k_base");
  const b = loadEncoding("cl100k_base");
  assert.equal(a, b);
  const enc = await a;
  assert.equal(enc.name, "cl100k_base");
  assert.equal(enc.count(""), 0);
  // Special-token strings are ordinary text in message content (no throw, several tokens).
  assert.ok(enc.count("<|endoftext|>") > 1);
});

Deno.test("src/tokens imports no encoding statically (loading src/tokens costs nothing until a count)", async () => {
  const dir = new URL("../../../src/tokens/", import.meta.url);
  for await (const file of Deno.readDir(dir)) {
    const text = await Deno.readTextFile(new URL(file.name, dir));
    assert.doesNotMatch(text, /^import[^;]*from\s+"(gpt-tokenizer|js-tiktoken)/m, file.name);
  }
});

Deno.test("U+FEFF: counts match tiktoken (gpt-tokenizer 4.0.0 strips a leading BOM in merged byte lookups)", async () => {
  const o200k = await loadEncoding("o200k_base");
  // 7 = tiktoken 1.0.22 (WASM build of OpenAI's Rust tiktoken) `encode_ordinary` on this string.
  assert.equal(o200k.count("> \n> \uFEFF\n> Hi"), 7);
  assert.ok(o200k.count("\uFEFF\uFEFF\uFEFF x") >= 2);
});

Deno.test("bytePairCount: lowest-rank pair first, leftmost on ties, stops when no pair is a token", () => {
  const ranks = new Map([["ab", 0], ["bc", 1], ["abc", 2], ["cd", 3]]);
  const rankOf = (key: string) => ranks.get(key);
  const bytes = (s: string) => new TextEncoder().encode(s);
  assert.equal(bytePairCount(bytes("abcd"), rankOf), 2); // ab|c|d -> abc|d (cd never formed)
  assert.equal(bytePairCount(bytes("bcd"), rankOf), 2); // bc|d
  assert.equal(bytePairCount(bytes("x"), rankOf), 1);
  assert.equal(bytePairCount(bytes(""), rankOf), 0);
});

Deno.test("family detection: OpenAI ids are exact; Claude, open models and gpt-oss are estimates", async () => {
  for (const id of ["gpt-4o", "o3", "openai/gpt-5", "ft:gpt-4o-mini-2024-07-18:org::x"]) {
    assert.equal(isOpenAIModel(id), true, id);
  }
  for (const id of ["claude-sonnet-4-5", "qwen2.5-coder:7b", "llama3", "gpt-oss:20b", "ollama"]) {
    assert.equal(isOpenAIModel(id), false, id);
    const counter = await getTokenCounter(id);
    assert.equal(counter.exact, false, id);
    assert.equal(counter.errorBound, 0.25, id);
    assert.equal(counter.encoding, "o200k_base");
  }
  assert.equal(estimateProfile("claude-sonnet-4-5-20250929").family, "claude");
  assert.equal(estimateProfile("claude-3-7-sonnet-20250219").family, "claude");
  assert.equal(estimateProfile("claude-opus-4-6").family, "claude");
  assert.equal(estimateProfile("anthropic/claude-haiku-4-5").family, "claude");
  for (
    const id of [
      "claude-opus-4-7",
      "claude-opus-4-8",
      "claude-sonnet-5",
      "claude-opus-5-5",
      "claude-fable-5-1",
    ]
  ) {
    assert.equal(estimateProfile(id).family, "claude-v2-tokenizer", id);
  }
  assert.equal(estimateProfile("qwen2.5-coder:7b").family, "open-model");
});

Deno.test("Claude estimate stays within its stated bound on real Anthropic usage", async () => {
  for (const sample of ANTHROPIC_SAMPLES) {
    const counter = await getTokenCounter(sample.model);
    const messages = [
      ...(sample.system ? [{ role: "system", content: sample.system }] : []),
      { role: "user", content: sample.text },
    ];
    const estimate = sample.kind === "prompt" ? counter.countChat(messages) : counter.count(sample.text);
    const error = Math.abs(estimate - sample.reported) / sample.reported;
    assert.ok(error <= counter.errorBound, `${sample.name}: estimate ${estimate} vs ${sample.reported}`);
  }
});

Deno.test("open-model estimate: scaled content + ChatML framing, never below the o200k chat count", async () => {
  const exact = await getTokenCounter("gpt-4o");
  const est = await getTokenCounter("qwen2.5-coder:7b");
  const messages = [{ role: "system", content: "You fix bugs." }, {
    role: "user",
    content: "x = 1\n".repeat(500),
  }];
  assert.ok(est.countChat(messages) >= exact.countChat(messages));
  assert.ok(est.countChat(messages) <= exact.countChat(messages) * 1.25);
  assert.equal(est.count(""), 0);
});

Deno.test("countRequestTokens: system + user in the chat format; exact or estimate with the bound", async () => {
  const exact = await countRequestTokens({ model: "gpt-4o-mini", prompt: "hello" });
  assert.deepEqual(exact, { tokens: 8, method: "exact", errorBound: 0 });
  const withSystem = await countRequestTokens({ model: "gpt-4o-mini", system: "Be brief.", prompt: "hello" });
  const counter = await getTokenCounter("gpt-4o-mini");
  assert.equal(withSystem.tokens, 8 + 3 + 1 + counter.count("Be brief."));
  assert.deepEqual(requestMessages({ model: "m", system: "", prompt: "p" }), [{
    role: "user",
    content: "p",
  }]);
  const estimate = await countRequestTokens({
    model: "claude-sonnet-4-5",
    prompt: "What is 1+1? Answer with just the number.",
  });
  assert.equal(estimate.method, "estimate");
  assert.equal(estimate.errorBound, 0.25);
  assert.ok(Math.abs(estimate.tokens - 20) / 20 <= 0.25);
});
