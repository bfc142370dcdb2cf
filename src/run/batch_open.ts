/**
 * Opening a batch-mode run (`RunSettings.batch`): the checks made before anything is read (every model's provider
 * has a batch API; no streaming, no fallback model), the guard of each predictions file's journal (a normal run never
 * pays again for instances waiting in open batches, `overwrite` never loses them), and each model's journal opened
 * with what a killed run left `submitting` settled. Executing it: `batch_mode.ts`.
 *
 * @module
 */
import type { BatchApi } from "../batch/api.ts";
import { BATCH_PROVIDERS, hasBatchApi, journalPathFor } from "../batch/basics.ts";
import { openInstances, readJournal } from "../batch/journal.ts";
import { createBatchApi } from "../batch/providers.ts";
import { openJournal, openWorstUsd, settleSubmissions } from "../batch/session.ts";
import type { JournalStore } from "../batch/submit.ts";
import { SwebenchError } from "../core/mod.ts";
import { batchResultKey, loggedBatchResults } from "./batch_record.ts";
import type { RunSettings } from "./settings.ts";
import type { Target } from "./target.ts";

/** One model's batches in an open run. */
export interface ModelBatch {
  /**
   * The provider's batch API.
   * @ignore
   */
  api: BatchApi;
  /**
   * The journal beside the predictions file (`store.path`).
   * @ignore
   */
  store: JournalStore;
  /** Instances in batches of an earlier run not collected yet: waited for, never submitted again. */
  waiting: Set<string>;
  /**
   * The results of open batches in the run log ({@linkcode batchResultKey}s): written before a crash kept their
   * batch from being journaled collected (a failed one has no prediction line), or by this run. Never written again.
   */
  logged: Set<string>;
  /** The most those open batches can still cost (USD, batch prices); undefined when unpriced. */
  openWorstUsd?: number;
}

/**
 * The `--batch` check of each model: its provider must have a batch API. A provider without one is a `usage` error
 * (exit 2) naming the providers that have one.
 *
 * @example
 * ```ts
 * import { checkBatchTargets } from "./batch_mode.ts";
 * checkBatchTargets([{ name: "openai", kind: "openai", model: "gpt-4o-mini" }], {}); // fine
 * try {
 *   checkBatchTargets([{ name: "ollama", kind: "ollama", model: "qwen2.5-coder:7b" }], {});
 * } catch (e) {
 *   console.log((e as Error).message); // "--batch: ollama (a local Ollama server) has no batch API; ..."
 * }
 * ```
 */
export function checkBatchTargets(
  targets: readonly { name: string; kind: string; model: string }[],
  flags: { stream?: boolean; fallback?: readonly unknown[] },
): void {
  const names = BATCH_PROVIDERS.join(", ");
  const without = targets.filter((t) => !hasBatchApi(t));
  if (without.length > 0) {
    const what = (t: { name: string; kind: string }) =>
      t.kind === "gold"
        ? `${t.name} answers offline from the dataset, so there is nothing to batch`
        : t.kind === "ollama"
        ? `${t.name} (a local Ollama server) has no batch API`
        : `${t.name} (${
          t.kind === "openai" ? "an OpenAI-compatible server" : `kind ${t.kind}`
        }) has no batch API`;
    throw new SwebenchError(
      "usage",
      `--batch: ${without.map(what).join("; ")}; the providers with one are ${names}`,
      {
        hint: `Run ${without.map((t) => `${t.name}:${t.model}`).join(", ")} without --batch (${
          without.length === 1 ? "its" : "their"
        } calls go directly), or use --batch with -p ${BATCH_PROVIDERS.join(" or -p ")}${
          targets.length > 1 ? ` (compare: ${BATCH_PROVIDERS.map((p) => `${p}:<model>`).join(", ")})` : ""
        }.`,
      },
    );
  }
  if (flags.stream) {
    throw new SwebenchError("usage", "--batch and --stream do not go together: a batch answers whole", {
      hint: "Drop --stream.",
    });
  }
  if (flags.fallback !== undefined && flags.fallback.length > 0) {
    throw new SwebenchError(
      "usage",
      "--batch and --fallback do not go together: a batch request has no second model to fall back to",
      {
        hint:
          "Drop --fallback (the config file's fallback models are not used with --batch); after the batch, " +
          "--retry-failed sends the failed instances again.",
      },
    );
  }
}

/** The checks of a batch-mode run (see {@linkcode checkBatchTargets}); nothing for a normal run. */
export function checkBatchSettings(settings: RunSettings): void {
  if (!settings.batch) return;
  checkBatchTargets(settings.targets.map((t) => t.primary), {
    stream: settings.request.stream,
    fallback: settings.targets.flatMap((t) => t.fallbacks),
  });
}

/**
 * Before a predictions file is opened: instances waiting in open batches of an earlier `--batch` run must not be
 * paid for again by a normal run, nor lost by `overwrite` (both usage errors, nothing written). Returns those
 * instances (none for a normal run); the journal is only read. `prepareRun` calls it when the file may have a
 * journal (`mayHaveJournal`): a run next to none loads no batch module.
 */
export async function guardJournal(
  output: string,
  file: string,
  options: { batch: boolean; overwrite: boolean },
): Promise<Set<string>> {
  const journal = await readJournal(journalPathFor(file));
  const open = openInstances(journal);
  if (open.size > 0 && (options.overwrite || !options.batch)) {
    const n = `${open.size} instance${open.size === 1 ? "" : "s"}`;
    const what = `${n} of ${output} ${
      open.size === 1 ? "is" : "are"
    } in batches of an earlier --batch run that are not collected yet`;
    throw new SwebenchError(
      "usage",
      options.overwrite
        ? `--overwrite would lose them: ${what}`
        : `${what}: a run without --batch would pay for ${open.size === 1 ? "it" : "them"} again`,
      {
        hint:
          `Re-run with --batch to wait for and collect them (\`swebench batch status ${output}\` shows them), ` +
          `or cancel them with \`swebench batch cancel ${output}\` and re-run with --batch once they have ended.`,
      },
    );
  }
  return open;
}

/**
 * Open a model's journal (a fresh one with `overwrite`, whose guard found no open batch), settle the submissions a
 * killed run left `submitting` (a batch found at the provider is adopted, none means none was made), and note the
 * instances still waiting in open batches (those whose result the run log `runLog` holds are not waiting).
 */
export async function openModelBatch(
  target: Target,
  file: string,
  settings: RunSettings,
  runLog: string,
): Promise<ModelBatch> {
  const t = target.settings;
  const api = createBatchApi({
    name: t.name,
    kind: t.kind,
    apiKey: t.apiKeys[0],
    baseUrl: t.baseUrl,
    organization: t.organization,
    project: t.project,
    timeouts: t.timeouts,
    settings: t.settings,
  });
  const path = journalPathFor(file);
  if (settings.output.overwrite) await Deno.remove(path).catch(() => {});
  const store = await openJournal(path, {
    provider: t.name,
    kind: api.kind,
    baseUrl: api.baseUrl,
    model: target.model,
    settings: { maxTokens: settings.request.maxTokens, temperature: settings.request.temperature },
  });
  // A run killed between journaling a batch and hearing back from the API: find that batch before anything else.
  await settleSubmissions(api, store);
  const logged = await loggedBatchResults(runLog, store.journal);
  const waiting = openInstances(store.journal);
  for (const s of store.journal.submissions) {
    if (s.state === "collected" || !s.batchId) continue;
    for (const [customId, id] of s.ids) {
      if (logged.has(batchResultKey(s.batchId, customId))) waiting.delete(id);
    }
  }
  return { api, store, waiting, logged, openWorstUsd: openWorstUsd(store.journal) };
}
