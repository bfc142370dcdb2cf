/**
 * Actions of `swebench batch list | status | cancel`. A target is a batch id (its provider from the prefix, or
 * `-p`) or a predictions file whose batch journal (`<predictions>.batch.json`) lists the batches of a
 * `generate --batch` run. The journal is only read here: the run that owns it records what the batches became.
 *
 * @module
 */
import type { BatchApi } from "../batch/api.ts";
import { BATCH_PROVIDERS, journalPathFor } from "../batch/basics.ts";
import { type BatchJournal, type JournalSubmission, readJournal } from "../batch/journal.ts";
import type { BatchInfo } from "../batch/types.ts";
import { stripControl, SwebenchError } from "../core/mod.ts";
import { redactUrl } from "../http/auth.ts";
import { batchApiFor, providerOfBatchId } from "./batch_setup.ts";
import { agoText, batchJson, batchLine, countsText, lineErrorLines, stateText } from "./batch_format.ts";
import { type ConfigFile, configPath, loadConfig, missingKeyError, resolveProvider } from "./config.ts";
import type { GlobalFlags } from "./options.ts";
import { asError, out, plural, style, warn } from "./output.ts";
import { renderTable } from "./table.ts";

/** Flags shared by the `batch` subcommands. */
export interface BatchFlags {
  /** `-p`: the provider. */
  provider?: string;
  /** `--base-url`. */
  baseUrl?: string;
  /** `--json`. */
  json?: true;
}

/** The batch API of a provider named by `-p` or a batch id; a provider without one is a usage error. */
function apiOf(name: string, config: ConfigFile, baseUrl: string | undefined, requireKey = true): BatchApi {
  if (!BATCH_PROVIDERS.includes(name)) {
    throw new SwebenchError(
      "usage",
      `${name} has no batch API; the providers with one are ${BATCH_PROVIDERS.join(", ")}`,
      { hint: `Use -p ${BATCH_PROVIDERS.join(" or -p ")}.` },
    );
  }
  const resolved = resolveProvider(name, { config, flags: { baseUrl } });
  if (requireKey && resolved.needsKey && !resolved.apiKey) throw missingKeyError(resolved);
  return batchApiFor(resolved, config);
}

/** What a `status`/`cancel` argument names. */
type Target =
  | { kind: "id"; provider: string; id: string }
  | { kind: "journal"; predictions: string; journalPath: string; journal: BatchJournal };

const JOURNAL_SUFFIX = ".batch.json";

async function targetOf(arg: string, flags: BatchFlags): Promise<Target> {
  const journalPath = arg.endsWith(JOURNAL_SUFFIX) ? arg : journalPathFor(arg);
  const journal = await readJournal(journalPath);
  if (journal !== undefined) {
    if (flags.provider !== undefined && flags.provider !== journal.provider) {
      throw new SwebenchError(
        "usage",
        `-p ${flags.provider}: the batches of ${journalPath} belong to ${journal.provider}`,
        { hint: "Drop -p: a predictions file names its provider." },
      );
    }
    const predictions = arg.endsWith(JOURNAL_SUFFIX) ? arg.slice(0, -JOURNAL_SUFFIX.length) : arg;
    return { kind: "journal", predictions, journalPath, journal };
  }
  if (await Deno.stat(arg).then(() => true, () => false)) {
    throw new SwebenchError(
      "usage",
      `${arg} has no batch journal (${journalPath}): it was not written by \`generate --batch\``,
      {
        hint: "Pass the predictions file of a --batch run, or a batch id (`swebench batch list` shows them).",
      },
    );
  }
  const provider = flags.provider ?? providerOfBatchId(arg);
  if (provider === undefined) {
    throw new SwebenchError("usage", `"${arg}" is neither a batch id nor an existing file`, {
      hint: "Batch ids look like batch_... (OpenAI) or msgbatch_... (Anthropic), and `swebench batch list` " +
        "shows them; or pass the predictions file of a `generate --batch` run.",
    });
  }
  return { kind: "id", provider, id: arg };
}

/** The API a journal's batches live at: the journal's provider, which must point at the journal's base URL. */
function journalApi(
  t: Extract<Target, { kind: "journal" }>,
  config: ConfigFile,
  flags: BatchFlags,
): BatchApi {
  const api = apiOf(t.journal.provider, config, flags.baseUrl);
  if (api.baseUrl !== t.journal.baseUrl) {
    throw new SwebenchError(
      "config",
      `the batches of ${t.journalPath} live at ${
        redactUrl(t.journal.baseUrl)
      }, but ${t.journal.provider} is set ` +
        `to ${redactUrl(api.baseUrl)}`,
      {
        hint: `Point ${t.journal.provider} there for this command: --base-url ${
          redactUrl(t.journal.baseUrl)
        } (the key goes only to the base URL you set).`,
      },
    );
  }
  return api;
}

/** A journaled submission that is already collected, as a BatchInfo from what the journal recorded. */
function fromJournal(s: JournalSubmission): BatchInfo {
  const at = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
  return {
    id: s.batchId ?? s.tag,
    state: "ended",
    ...(s.ending ? { ending: s.ending } : {}),
    status: s.status ?? "ended",
    counts: s.counts ??
      { total: s.requests, succeeded: 0, errored: 0, expired: 0, canceled: 0, processing: 0 },
    createdAt: at(s.submittedAt) ?? at(s.startedAt) ?? 0,
    ...(s.endedAt ? { endedAt: at(s.endedAt) } : {}),
    lineErrors: s.lineErrors ?? [],
  };
}

/** `batch list`. */
export async function batchList(
  flags: { provider?: string; baseUrl?: string; limit: number; json?: true },
  globals: GlobalFlags,
): Promise<number> {
  const config = await loadConfig(configPath(globals.config));
  if (flags.baseUrl !== undefined && flags.provider === undefined) {
    throw new SwebenchError("usage", "--base-url needs -p: it is the address of one provider's API", {
      hint: "Example: swebench batch list -p openai --base-url https://proxy.example/v1",
    });
  }
  let names: string[];
  if (flags.provider !== undefined) names = [flags.provider];
  else {
    names = BATCH_PROVIDERS.filter((n) => resolveProvider(n, { config }).apiKey !== undefined);
    if (names.length === 0) {
      throw new SwebenchError(
        "config",
        `no key is set for a provider with a batch API (${BATCH_PROVIDERS.join(", ")})`,
        {
          hint: "Set OPENAI_API_KEY or ANTHROPIC_API_KEY (or run `swebench provider init openai`).",
        },
      );
    }
  }
  const rows: { provider: string; batch: BatchInfo }[] = [];
  const errors: { provider: string; error: SwebenchError }[] = [];
  const more: string[] = [];
  for (const name of names) {
    try {
      const page = await apiOf(name, config, flags.baseUrl).list({ limit: flags.limit });
      for (const batch of page.batches) rows.push({ provider: name, batch });
      if (page.next !== undefined) more.push(name);
    } catch (e) {
      // One provider's failure does not hide the other's batches; alone, it is the command's error.
      if (names.length === 1) throw e;
      errors.push({ provider: name, error: asError(e) });
    }
  }
  if (errors.length === names.length) throw errors[0].error;
  if (flags.json) {
    out(JSON.stringify(
      {
        batches: rows.map((r) => ({ provider: r.provider, ...batchJson(r.batch) })),
        more,
        errors: errors.map((e) => ({ provider: e.provider, error: e.error.toJSON() })),
      },
      null,
      2,
    ));
  } else {
    for (const e of errors) warn(`${e.provider}: ${e.error.message}`);
    if (rows.length === 0) {
      out(`No batches at ${names.filter((n) => !errors.some((e) => e.provider === n)).join(", ")}.`);
    } else {
      const now = Date.now();
      out(renderTable(
        ["provider", "batch", "status", "requests", "created", "model"],
        rows.map(({ provider, batch }) => [
          provider,
          stripControl(batch.id),
          stateText(batch),
          countsText(batch.counts),
          agoText(batch.createdAt, now),
          batch.model !== undefined ? stripControl(batch.model) : "-",
        ]),
      ));
      for (const name of more) {
        out(style.dim(`${name} has more batches: --limit ${flags.limit * 5} shows more.`));
      }
    }
  }
  return errors.length > 0 ? errors[0].error.exitCode : 0;
}

/** `batch status <id|predictions>`. */
export async function batchStatus(target: string, flags: BatchFlags, globals: GlobalFlags): Promise<number> {
  const config = await loadConfig(configPath(globals.config));
  const t = await targetOf(target, flags);
  if (t.kind === "id") {
    const batch = await apiOf(t.provider, config, flags.baseUrl).retrieve(t.id);
    if (flags.json) out(JSON.stringify({ provider: t.provider, ...batchJson(batch) }, null, 2));
    else {
      out(`${t.provider} ${batchLine(batch)}`);
      if (batch.model !== undefined) out(`  model: ${stripControl(batch.model)}`);
      for (const l of lineErrorLines(batch)) out(l);
    }
    return 0;
  }
  const { journal } = t;
  const open = journal.submissions.filter((s) => s.state !== "collected" && s.batchId !== undefined);
  const api = open.length > 0 ? journalApi(t, config, flags) : undefined;
  const rows: { submission: JournalSubmission; batch?: BatchInfo }[] = [];
  for (const s of journal.submissions) {
    const batch = s.batchId === undefined
      ? undefined
      : s.state === "collected"
      ? fromJournal(s)
      : await api!.retrieve(s.batchId);
    rows.push({ submission: s, batch });
  }
  if (flags.json) {
    out(JSON.stringify(
      {
        predictions: t.predictions,
        journal: t.journalPath,
        provider: journal.provider,
        model: journal.model,
        baseUrl: redactUrl(journal.baseUrl),
        submissions: rows.map(({ submission: s, batch }) => ({
          tag: s.tag,
          state: s.state,
          requests: s.requests,
          batchId: s.batchId ?? null,
          batch: batch === undefined ? null : batchJson(batch),
        })),
      },
      null,
      2,
    ));
    return 0;
  }
  out(
    `${t.predictions}: ${
      plural(journal.submissions.length, "batch", "batches")
    } through ${journal.provider}:` +
      `${stripControl(journal.model)} (journal ${t.journalPath})`,
  );
  for (const { submission: s, batch } of rows) {
    if (batch === undefined) {
      out(
        `  ${s.tag}: being submitted (${plural(s.requests, "request")}, no batch id yet: ` +
          "the next run looks for it before sending anything)",
      );
      continue;
    }
    out(`  ${batchLine(batch)}${s.state === "collected" ? "; collected" : ""}`);
    for (const l of lineErrorLines(batch)) out(l);
  }
  const notCollected = journal.submissions.filter((s) => s.state !== "collected").length;
  if (notCollected > 0) {
    const them = notCollected === 1 ? "it" : "them";
    out(
      `Re-run the generate command that wrote ${t.predictions} to wait for and collect ${them}; ` +
        `\`swebench batch cancel ${t.predictions}\` cancels ${them}.`,
    );
  } else out(`All collected into ${t.predictions}.`);
  return 0;
}

/** `batch cancel <id|predictions>`. */
export async function batchCancel(target: string, flags: BatchFlags, globals: GlobalFlags): Promise<number> {
  const config = await loadConfig(configPath(globals.config));
  const t = await targetOf(target, flags);
  const ids: { provider: string; id: string }[] = [];
  const pending: JournalSubmission[] = [];
  let api: BatchApi;
  if (t.kind === "id") {
    api = apiOf(t.provider, config, flags.baseUrl);
    ids.push({ provider: t.provider, id: t.id });
  } else {
    const open = t.journal.submissions.filter((s) => s.state === "submitted" || s.state === "submitting");
    for (const s of open) {
      if (s.batchId !== undefined) ids.push({ provider: t.journal.provider, id: s.batchId });
      else pending.push(s);
    }
    if (ids.length === 0 && pending.length === 0) {
      if (flags.json) out(JSON.stringify({ canceled: [], alreadyEnded: [], notSubmitted: [] }, null, 2));
      else out(`Nothing to cancel: every batch of ${t.predictions} has ended.`);
      return 0;
    }
    api = journalApi(t, config, flags);
  }
  const canceled: { provider: string; batch: BatchInfo }[] = [];
  const ended: { provider: string; batch: BatchInfo }[] = [];
  for (const { provider, id } of ids) {
    const now = await api.retrieve(id);
    if (now.state === "ended" || now.state === "canceling") ended.push({ provider, batch: now });
    else canceled.push({ provider, batch: await api.cancel(id) });
  }
  if (flags.json) {
    out(JSON.stringify(
      {
        canceled: canceled.map((c) => ({ provider: c.provider, ...batchJson(c.batch) })),
        alreadyEnded: ended.map((c) => ({ provider: c.provider, ...batchJson(c.batch) })),
        notSubmitted: pending.map((s) => s.tag),
      },
      null,
      2,
    ));
    return 0;
  }
  for (const { provider, batch } of canceled) {
    out(`Cancel requested: ${provider} ${batchLine(batch)}`);
  }
  for (const { provider, batch } of ended) {
    out(
      `${provider} ${stripControl(batch.id)} ${
        batch.state === "canceling" ? "is already being canceled" : `already ended (${stateText(batch)})`
      }: nothing to cancel.`,
    );
  }
  for (const s of pending) {
    warn(
      `submission ${s.tag} (${
        plural(s.requests, "request")
      }) has no batch id yet: its create may be in flight ` +
        "or its answer lost. Re-run the generate command (it finds the batch), then cancel again.",
    );
  }
  if (canceled.length > 0) {
    out(
      t.kind === "journal"
        ? `Finished requests keep their results: re-run the generate command that wrote ${t.predictions} to ` +
          "collect them; canceled instances are recorded as failed (canceled), --retry-failed sends them again."
        : "Finished requests keep their results; the batch ends once the requests in flight are done.",
    );
  }
  return 0;
}
