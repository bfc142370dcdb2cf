/**
 * Every simulator at once (OpenAI, Anthropic, Ollama, Hugging Face) and the environment that points the CLI at
 * them, with temp XDG directories: the offline world in which README examples and human-output tests run.
 */
import { startAnthropicSim, startHfSim, startOllamaSim, startOpenAISim } from "../simulator/mod.ts";
import type { Simulator } from "../simulator/mod.ts";
import { parquetBytes, rawRows } from "../swebench/_fixtures.ts";
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
  ollama: Simulator;
  hf: Simulator;
}

const LITE_TEST = rawRows("lite-test.jsonl");
const LITE_DEV = rawRows("lite-dev.jsonl");

/**
 * Start every simulator. Models answer each instance with its gold patch (found by base commit); the Hugging Face
 * simulator serves SWE-bench Lite (test and dev splits) from the fixtures.
 */
export async function startSimWorld(): Promise<SimWorld> {
  const instances = [...LITE_TEST, ...LITE_DEV] as unknown as Row[];
  const respond = goldResponder(instances);
  const openai = await startOpenAISim({ respond, apiKey: SIM_KEY });
  const anthropic = await startAnthropicSim({ respond, apiKey: SIM_KEY });
  const ollama = await startOllamaSim({ respond });
  const hf = await startHfSim({
    datasets: {
      "princeton-nlp/SWE-bench_Lite": {
        files: {
          "README.md": new TextEncoder().encode("# SWE-bench Lite\n"),
          "data/test-00000-of-00001.parquet": parquetBytes(LITE_TEST),
          "data/dev-00000-of-00001.parquet": parquetBytes(LITE_DEV),
        },
      },
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
    OLLAMA_HOST: ollama.url,
    HF_ENDPOINT: hf.url,
  };
  return {
    env,
    home,
    openai,
    anthropic,
    ollama,
    hf,
    async [Symbol.asyncDispose]() {
      for (const s of [openai, anthropic, ollama, hf]) await s[Symbol.asyncDispose]();
      await Deno.remove(home, { recursive: true }).catch(() => {});
    },
  };
}
