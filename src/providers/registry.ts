/**
 * The provider registry: built-in providers, their environment variables and defaults, and one factory.
 * Adding a provider is one module in `providers/` and one entry here.
 *
 * @module
 */
import { type Provider, type ProviderKind, SwebenchError } from "../core/mod.ts";
import { createAnthropicProvider } from "./anthropic/provider.ts";
import { anthropicAcceptsSampling } from "./anthropic/codec.ts";
import { createGoldProvider } from "./gold/provider.ts";
import { createOllamaProvider } from "./ollama/provider.ts";
import { createOpenAIProvider } from "./openai/provider.ts";
import { isOpenAIReasoningModel } from "./openai/codec.ts";
import type { ProviderOptions } from "./kit/options.ts";

/** Static facts about a built-in provider. */
export interface ProviderSpec {
  /** Wire protocol. */
  kind: ProviderKind;
  /** Environment variable holding the API key (none for local providers). */
  keyEnv?: string;
  /** Environment variable holding the base URL. */
  baseUrlEnv?: string;
  /** Default base URL (vendor convention: OpenAI with /v1, Anthropic without). */
  defaultBaseUrl: string;
  /** Default model when none is given. */
  defaultModel: string;
  /** A key is required (a missing one fails before any request). */
  needsKey: boolean;
  /** Short description for `provider list`. */
  description: string;
}

/** The built-in providers. */
export const BUILTIN_PROVIDERS: Readonly<Record<string, ProviderSpec>> = {
  openai: {
    kind: "openai",
    keyEnv: "OPENAI_API_KEY",
    baseUrlEnv: "OPENAI_BASE_URL",
    defaultBaseUrl: "https://api.openai.com/v1",
    defaultModel: "gpt-4o-mini",
    needsKey: true,
    description: "OpenAI Chat Completions (also any OpenAI-compatible server via --base-url)",
  },
  anthropic: {
    kind: "anthropic",
    keyEnv: "ANTHROPIC_API_KEY",
    baseUrlEnv: "ANTHROPIC_BASE_URL",
    defaultBaseUrl: "https://api.anthropic.com",
    defaultModel: "claude-sonnet-5-5",
    needsKey: true,
    description: "Anthropic Messages API",
  },
  ollama: {
    kind: "ollama",
    baseUrlEnv: "OLLAMA_HOST",
    defaultBaseUrl: "http://127.0.0.1:11434",
    defaultModel: "qwen2.5-coder:7b",
    needsKey: false,
    description: "Local Ollama server (native /api/chat)",
  },
  gold: {
    kind: "gold",
    defaultBaseUrl: "offline",
    defaultModel: "gold",
    needsKey: false,
    description: "Offline: answers with the dataset's reference patch (harness sanity check)",
  },
};

/**
 * Default transport timeouts, sized for real providers:
 * - connect: the response headers of a streamed call (and of model lists and token counts) within 2 minutes
 *   (they come within seconds; a long prompt or a queue may take a minute). A non-streamed answer's headers come
 *   only with the finished answer, so for it the total timeout is the wait instead.
 * - idle: 5 minutes without data in a body, keep-alive pings not counting as data (a reasoning model may think
 *   for minutes before its first token; a stream that only pings ends after that).
 * - total: 10 minutes per call, body included (as OpenAI's and Anthropic's own SDKs), enough for a long answer.
 * Ollama (local, maybe a CPU, calls queued behind each other): 10 minutes connect, 5 idle, 60 total.
 * Per-call options and `timeouts` override them (the CLI: `--connect-timeout`, `--idle-timeout`,
 * `--total-timeout` and the config file's fields of the same names).
 */
export const DEFAULT_TIMEOUTS: Readonly<
  Record<"remote" | "local", Required<NonNullable<ProviderOptions["timeouts"]>>>
> = {
  remote: { connectTimeoutMs: 120_000, idleTimeoutMs: 300_000, totalTimeoutMs: 600_000 },
  local: { connectTimeoutMs: 600_000, idleTimeoutMs: 300_000, totalTimeoutMs: 3_600_000 },
};

/** Options of {@linkcode createProvider}. */
export interface CreateProviderOptions extends ProviderOptions {
  /** Wire protocol. */
  kind: ProviderKind;
  /** OpenAI organization header. */
  organization?: string;
  /** OpenAI project header. */
  project?: string;
}

/**
 * Create a provider of a given wire protocol.
 *
 * @example
 * ```ts
 * import { createProvider } from "@swebench/runner";
 * const local = createProvider({ kind: "openai", name: "vllm", baseUrl: "http://127.0.0.1:8000/v1" });
 * console.log(local.name);
 * ```
 */
export function createProvider(input: CreateProviderOptions): Provider {
  const defaults = DEFAULT_TIMEOUTS[input.kind === "ollama" ? "local" : "remote"];
  const options = { ...input, timeouts: { ...defaults, ...input.timeouts } };
  switch (options.kind) {
    case "openai":
      return createOpenAIProvider(options);
    case "anthropic":
      return createAnthropicProvider(options);
    case "ollama":
      return createOllamaProvider(options);
    case "gold":
      return createGoldProvider();
    default:
      throw new SwebenchError("usage", `unknown provider kind: ${String(options.kind)}`, {
        hint: `Known kinds: openai, anthropic, ollama, gold.`,
      });
  }
}

/**
 * Whether a request's `temperature` reaches the model: not for the gold echo, OpenAI reasoning models (o-series,
 * gpt-5) or Claude models that refuse sampling parameters (Opus 4.7+, Sonnet 5+, ...). The manifest records what
 * was sent.
 *
 * @example
 * ```ts
 * import { sendsTemperature } from "@swebench/runner";
 * sendsTemperature("openai", "gpt-4o-mini"); // true
 * sendsTemperature("anthropic", "claude-sonnet-5-5"); // false
 * ```
 */
export function sendsTemperature(kind: ProviderKind, model: string): boolean {
  if (kind === "gold") return false;
  if (kind === "openai") return !isOpenAIReasoningModel(model);
  if (kind === "anthropic") return anthropicAcceptsSampling(model);
  return true;
}
