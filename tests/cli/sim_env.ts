/**
 * Every simulator at once (OpenAI, Anthropic, Gemini, Ollama, Azure OpenAI, Hugging Face) and the environment that points the CLI at
 * them, with temp XDG directories: the offline world in which README examples and human-output tests run.
 */
import {
  startAnthropicSim,
  startAzureSim,
  startGeminiSim,
  startHfSim,
  startOllamaSim,
  startOpenAISim,
} from "../simulator/mod.ts";
import type { Simulator } from "../simulator/mod.ts";
import { retrievalText } from "../../src/swebench/retrieval_text.ts";
import { FIELDS, parquetBytes, rawRows } from "../swebench/_fixtures.ts";
import { goldResponder, type Row } from "./helpers.ts";

/** The key every simulator accepts. */
export const SIM_KEY = "sk-sim-0123456789abcdef";

/** Running simulators, the environment for `runCli`, and a home directory; dispose to stop them. */
export interface SimWorld extends AsyncDisposable {
  /** Environment for `runCli(args, { env })`: keys, base URLs, HF endpoint, HOME and XDG dirs. */
  env: Record<string, string>;
  /** The temp home (also the working directory to run in: `predictions/` lands here). */
  home: string;
  openai: Simulator;
  anthropic: Simulator;
  gemini: Simulator;
  ollama: Simulator;
  /** Azure OpenAI: the deployment `my-gpt-4o-mini` runs gpt-4o-mini (the v1 route: no OPENAI_API_VERSION). */
  azure: Simulator;
  hf: Simulator;
  /** An OpenAI-compatible server that needs no key (as vLLM or llama.cpp on your own machine). */
  local: Simulator;
}

const LITE_TEST = rawRows("lite-test.jsonl");
const LITE_DEV = rawRows("lite-dev.jsonl");

/** A Lite split as its retrieval variant: the same rows with a `text` prompt (SWE-bench's style, no files). */
const withText = (rows: Record<string, unknown>[]) =>
  rows.map((r) => ({ ...r, text: retrievalText(r as { problem_statement: string }, { files: [] }) }));

/** A Hugging Face dataset of a test and a dev parquet file. */
const hfDataset = (test: Record<string, unknown>[], dev: Record<string, unknown>[], fields?: string[]) => ({
  files: {
    "README.md": new TextEncoder().encode("# SWE-bench Lite\n"),
    "data/test-00000-of-00001.parquet": parquetBytes(test, { fields }),
    "data/dev-00000-of-00001.parquet": parquetBytes(dev, { fields }),
  },
});

/**
 * Answers like a model that knows the gold patch: the instance is found by its base commit (template prompts) or
 * by the start of its issue text (retrieval prompts, which carry no commit).
 */
function goldAnswers(rows: readonly Record<string, unknown>[]): (req: { body: unknown }) => string {
  const byCommit = goldResponder(rows as unknown as Row[]);
  const issues = rows.map((r) => ({
    key: JSON.stringify(String(r.problem_statement).slice(0, 200)).slice(1, -1),
    patch: String(r.patch),
  }));
  return (req) => {
    const answer = byCommit(req);
    if (answer) return answer;
    const text = JSON.stringify(req.body);
    const hit = issues.find((i) => text.includes(i.key));
    return hit ? `<patch>\n${hit.patch}</patch>` : "";
  };
}

/**
 * Start every simulator. Models answer each instance with its gold patch (found by base commit); the Hugging Face
 * simulator serves SWE-bench Lite (test and dev splits) from the fixtures, and its `bm25_13K` retrieval variant (the
 * same rows with a `text` prompt).
 */
export async function startSimWorld(): Promise<SimWorld> {
  const respond = goldAnswers([...LITE_TEST, ...LITE_DEV]);
  const openai = await startOpenAISim({ respond, apiKey: SIM_KEY });
  const anthropic = await startAnthropicSim({ respond, apiKey: SIM_KEY });
  const gemini = await startGeminiSim({ respond, apiKey: SIM_KEY });
  const ollama = await startOllamaSim({ respond });
  const azure = await startAzureSim({
    respond,
    apiKey: SIM_KEY,
    deployments: { "my-gpt-4o-mini": "gpt-4o-mini" },
  });
  const local = await startOpenAISim({ respond });
  const hf = await startHfSim({
    datasets: {
      "princeton-nlp/SWE-bench_Lite": hfDataset(LITE_TEST, LITE_DEV),
      "princeton-nlp/SWE-bench_Lite_bm25_13K": hfDataset(withText(LITE_TEST), withText(LITE_DEV), [
        ...FIELDS,
        "text",
      ]),
    },
  });
  const home = await Deno.makeTempDir({ prefix: "swebench-world-" });
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
    XDG_CACHE_HOME: `${home}/.cache`,
    OPENAI_API_KEY: SIM_KEY,
    OPENAI_BASE_URL: `${openai.url}/v1`,
    ANTHROPIC_API_KEY: SIM_KEY,
    ANTHROPIC_BASE_URL: anthropic.url,
    GEMINI_API_KEY: SIM_KEY,
    GOOGLE_GEMINI_BASE_URL: gemini.url,
    OLLAMA_HOST: ollama.url,
    AZURE_OPENAI_API_KEY: SIM_KEY,
    AZURE_OPENAI_ENDPOINT: azure.url,
    HF_ENDPOINT: hf.url,
  };
  return {
    env,
    home,
    openai,
    anthropic,
    gemini,
    ollama,
    azure,
    hf,
    local,
    async [Symbol.asyncDispose]() {
      for (const s of [openai, anthropic, gemini, ollama, azure, hf, local]) await s[Symbol.asyncDispose]();
      await Deno.remove(home, { recursive: true }).catch(() => {});
    },
  };
}
