/**
 * What a run without `--batch` needs to know of batches, without loading the batch machinery (issue 15 §5: a plain
 * `generate` loads no batch client, journal reader or batch runner before its first request): which providers have
 * a batch API, the batch price factor (the plan's "with --batch" offer), where a predictions file's journal is and
 * whether there is one (only then is the journal read and guarded: `src/run/batch_open.ts guardJournal`).
 *
 * @module
 */
import type { ProviderKind } from "../core/mod.ts";

/** The providers with a batch API, by their built-in names. */
export const BATCH_PROVIDERS: readonly string[] = ["openai", "anthropic"];

/** Fraction of the list price both batch APIs charge (OpenAI Batch API, Anthropic Message Batches). */
export const BATCH_PRICE_FACTOR = 0.5;

/**
 * True when a provider (its `-p` name and kind, resolved) has a batch API: the OpenAI Batch API and Anthropic
 * Message Batches by their built-in names; Ollama, gold and OpenAI-compatible servers under their own names have
 * none.
 *
 * @example
 * ```ts
 * import { hasBatchApi } from "./basics.ts";
 * hasBatchApi({ name: "openai", kind: "openai" }); // true
 * hasBatchApi({ name: "vllm", kind: "openai" }); // false
 * ```
 */
export function hasBatchApi(provider: { name: string; kind: ProviderKind | string }): boolean {
  return BATCH_PROVIDERS.includes(provider.name) && provider.kind === provider.name;
}

/**
 * The journal beside a predictions file: `<predictions>.batch.json`.
 *
 * @example
 * ```ts
 * import { journalPathFor } from "./basics.ts";
 * journalPathFor("predictions/a.jsonl"); // "predictions/a.jsonl.batch.json"
 * ```
 */
export function journalPathFor(predictionsPath: string): string {
  return `${predictionsPath}.batch.json`;
}

/**
 * False only when a predictions file certainly has no journal (its path is not found); anything else (a journal,
 * a path that cannot be read) is for the journal's reader to say.
 *
 * @example
 * ```ts ignore
 * import { mayHaveJournal } from "./basics.ts";
 * await mayHaveJournal("predictions/a.jsonl"); // false: no predictions/a.jsonl.batch.json
 * ```
 */
export async function mayHaveJournal(predictionsPath: string): Promise<boolean> {
  try {
    await Deno.stat(journalPathFor(predictionsPath));
    return true;
  } catch (error) {
    return !(error instanceof Deno.errors.NotFound);
  }
}
