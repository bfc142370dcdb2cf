/**
 * `generate --batch`: the run's instances through the provider's batch API instead of one call each, written to
 * the same predictions file, run log and manifest, with the same summary. Before anything is sent: the journal
 * beside the predictions is read (batches of an earlier run are waited for, never submitted again), the plan shows
 * the normal and the batch cost side by side, and `--max-cost` must cover the whole batch's worst case. Then each
 * batch is journaled, submitted, polled (progress from its counts) and collected.
 *
 * Ctrl-C (or SIGTERM/SIGHUP) stops the waiting, not the batches: the command says how to resume (the same
 * command) or cancel (`swebench batch cancel <predictions>`), and exits 130.
 *
 * @module
 */
import type { BatchApi } from "../batch/api.ts";
import { BATCH_PRICE_FACTOR, batchCost } from "../batch/cost.ts";
import { type BatchJournal, journalPathFor, openInstances, readJournal } from "../batch/journal.ts";
import { type BatchRunLogRecord, writeBatchResult } from "../batch/record.ts";
import {
  type BatchRequest,
  collectOpenBatches,
  openJournal,
  openWorstUsd,
  settleSubmissions,
  submitRequests,
} from "../batch/session.ts";
import { formatBytes } from "../batch/split.ts";
import type { BatchInfo } from "../batch/types.ts";
import { SwebenchError, toSwebenchError } from "../core/mod.ts";
import type { RunSummary } from "../run/events.ts";
import { emptyTally, Tallier } from "../run/tally.ts";
import { recordBase, skippedRecord } from "../run/record.ts";
import type { SwebenchInstance } from "../swebench/instance.ts";
import type { PredictionsWriter } from "../swebench/predictions.ts";
import type { Spend } from "../swebench/run_log.ts";
import { buildPrompt } from "../swebench/prompt.ts";
import { batchJson, batchLine, countsText, lineErrorLines, stateText } from "./batch_format.ts";
import { manifestPathFor } from "../swebench/manifest.ts";
import { describeBatchPlan } from "./batch_plan.ts";
import { fitLine, info, out, plural, style, ui, write } from "./output.ts";
import { formatDuration, formatUsd } from "./progress.ts";
import { planFor, reservationFor } from "../run/cost_plan.ts";
import { labelOf, type Target } from "../run/target.ts";
import { confirmSpend } from "./confirm.ts";

/** What `generate` has resolved and opened when it hands over to batch mode. */
export interface BatchRunContext {
  /** The run's model. */
  target: Target;
  /** Its batch API. */
  api: BatchApi;
  /** The selected instances (done ones included). */
  instances: readonly SwebenchInstance[];
  /** The predictions file as given (messages) and its real file (the journal sits beside it). */
  output: string;
  file: string;
  /** The open predictions file and run log. */
  writer: PredictionsWriter;
  /** `model_name_or_path` of the file. */
  modelNameOrPath: string;
  /** Record a reported model id in the manifest. */
  reported: (reportedModel: string) => void;
  /** What earlier runs of the file spent. */
  priorSpend: Spend;
  /** The flags that matter here. */
  flags: {
    maxTokens: number;
    temperature: number;
    maxCost?: number;
    yes?: boolean;
    json?: boolean;
    /** Print the plan (default true; compare prints every model's plan itself). */
    showPlan?: boolean;
  };
  /** Stops the wait (Ctrl-C): the batches keep running. */
  signal: AbortSignal;
  /** Poll intervals (tests shorten them); defaults 5 s growing to 60 s. */
  poll?: { initialMs?: number; maxMs?: number };
  /** What other models of the same command committed (compare: one budget for all), in USD. */
  committedUsd?: number;
}

/** What a batch run did, for the summary and `--json`. */
export interface BatchRunResult {
  /** The run's summary, as a normal run's. */
  summary: RunSummary;
  /** The batches of this run (submitted now or earlier), as last seen. */
  batches: BatchInfo[];
  /** Instances waiting in batches of an earlier run when this one started. */
  resumed: number;
  /** The journal's path. */
  journal: string;
}

function emptySummary(selected: number, alreadyDone: number, maxCostUsd?: number): RunSummary {
  return {
    ...emptyTally(),
    selected,
    alreadyDone,
    attempted: 0,
    notStarted: 0,
    requeued: 0,
    answersByModel: {},
    costUnknown: false,
    retries: 0,
    wallMs: 0,
    maxCostUsd,
  };
}

/**
 * The message of a batch run that stopped waiting: the batches keep running; how to resume or cancel.
 *
 * @example
 * ```ts
 * import { keepRunningLines } from "./batch_run.ts";
 * keepRunningLines("p.jsonl", ["batch_1"]).length; // 2
 * ```
 */
export function keepRunningLines(output: string, ids: readonly string[]): string[] {
  return [
    `The ${ids.length === 1 ? "batch keeps" : `${ids.length} batches keep`} running at the provider${
      ids.length > 0 ? ` (${ids.join(", ")})` : ""
    }: nothing is lost.`,
    `Re-run the same command to wait for and collect ${
      ids.length === 1 ? "it" : "them"
    }; \`swebench batch cancel ${output}\` cancels ${ids.length === 1 ? "it" : "them"}.`,
  ];
}

/** The live line of the wait: one batch, or the sum of several. */
function progressLine(batches: readonly BatchInfo[], started: number): string {
  const elapsed = formatDuration(performance.now() - started);
  if (batches.length === 1) {
    const b = batches[0];
    return `${b.id}: ${stateText(b)}, ${countsText(b.counts)}, ${elapsed}`;
  }
  const sum = { total: 0, succeeded: 0, errored: 0, expired: 0, canceled: 0, processing: 0 };
  for (const b of batches) {
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += b.counts[k];
  }
  const ended = batches.filter((b) => b.state === "ended").length;
  return `${batches.length} batches (${ended} ended): ${countsText(sum)}, ${elapsed}`;
}

/**
 * Run the instances not yet done through the batch API; returns what was done. Throws `budget` (nothing sent) when
 * the worst case passes `--max-cost`, and `interrupted` when the wait was stopped (the batches keep running).
 */
export async function runBatchMode(ctx: BatchRunContext): Promise<BatchRunResult> {
  return await collectBatchRun(await sendBatchRun(await prepareBatchRun(ctx)));
}

/** A batch run between its submission and its collection (see {@linkcode submitBatchRun}). */
export interface SubmittedBatchRun {
  /** The run's context. */
  ctx: BatchRunContext;
  /** Worst case (USD, batch prices) of what this run submitted now; undefined when unpriced. */
  worstUsd?: number;
  /** @ignore */
  readonly state: {
    store: Awaited<ReturnType<typeof openJournal>>;
    summary: RunSummary;
    tally: Tallier<RunSummary>;
    waiting: Set<string>;
    started: number;
    journalPath: string;
    requests: BatchRequest[];
  };
}

/**
 * The first part of a batch run, before anything is sent: journal, settle what a killed run left, plan (printed),
 * budget, confirm, build the requests. `ctx.committedUsd` is what other models of the same command will submit
 * (compare: one budget for all, checked for every model before any batch is sent).
 */
export async function prepareBatchRun(ctx: BatchRunContext): Promise<SubmittedBatchRun> {
  const started = performance.now();
  const { target, api, writer, flags } = ctx;
  const journalPath = journalPathFor(ctx.file);
  const store = await openJournal(journalPath, {
    provider: target.settings.name,
    kind: api.kind,
    baseUrl: api.baseUrl,
    model: target.model,
    settings: { maxTokens: flags.maxTokens, temperature: flags.temperature },
  });
  const call = { signal: ctx.signal };
  // A run killed between journaling a batch and hearing back from the API: find that batch before anything else.
  await settleSubmissions(api, store, call);
  const waiting = openInstances(store.journal);
  const alreadyDone = ctx.instances.filter((i) => writer.done.has(i.instance_id)).length;
  const summary = emptySummary(ctx.instances.length, alreadyDone, flags.maxCost);
  // The summary's outcome, token, cost and latency figures are the tally of the records written, as in a normal run.
  const tally = new Tallier(summary);
  const todo = ctx.instances.filter((i) => !writer.done.has(i.instance_id) && !waiting.has(i.instance_id));
  const counts = new Map<string, number>();
  const requests: BatchRequest[] = [];
  let submittedWorst: number | undefined = 0;
  if (todo.length > 0) {
    const plan = planFor(target, todo, { maxTokens: flags.maxTokens, counts });
    const batchWorst = plan.worstUsd === undefined ? undefined : plan.worstUsd * BATCH_PRICE_FACTOR;
    if (!flags.json && flags.showPlan !== false) {
      for (const l of describeBatchPlan(labelOf(target), plan, alreadyDone)) info(l);
      if (waiting.size > 0) {
        info(`  waiting in batches of an earlier run: ${plural(waiting.size, "instance")}`);
      }
    }
    if (flags.maxCost !== undefined) {
      const open = openWorstUsd(store.journal) ?? 0;
      const total = ctx.priorSpend.usd + (ctx.committedUsd ?? 0) + open + (batchWorst ?? Infinity);
      if (total > flags.maxCost) {
        throw new SwebenchError(
          "budget",
          `the batch's worst case (${formatUsd(batchWorst)}) would pass --max-cost ${
            formatUsd(flags.maxCost)
          }` +
            (ctx.priorSpend.usd > 0 || open > 0 || (ctx.committedUsd ?? 0) > 0
              ? ` with ${formatUsd(ctx.priorSpend.usd)} spent before${
                open > 0 ? `, ${formatUsd(open)} in open batches` : ""
              }${(ctx.committedUsd ?? 0) > 0 ? `, ${formatUsd(ctx.committedUsd)} for the other models` : ""}`
              : "") +
            ": nothing was submitted",
          {
            hint:
              "A batch is paid whole, so --max-cost must cover its worst case: raise it, or select fewer " +
              "instances (-n, --filter), or lower --max-tokens.",
          },
        );
      }
    }
    if (!await confirmSpend(batchWorst, { ...flags, free: false })) {
      throw new SwebenchError("interrupted", "not started");
    }
    const reserve = reservationFor(target);
    for (const inst of todo) {
      const prompt = buildPrompt(inst, {
        contextWindow: target.entry?.contextWindow,
        maxTokens: flags.maxTokens,
        countTokens: target.countTokens,
        knownTokens: counts.get(inst.instance_id),
      });
      if ("skipped" in prompt) {
        const record = skippedRecord(
          recordBase(inst.instance_id, target.settings.name, target.model),
          prompt.skipped,
        );
        await writer.writeRunLog(record);
        tally.outcome(record);
        continue;
      }
      const worst = reserve(prompt.promptTokens, flags.maxTokens);
      requests.push({
        instanceId: inst.instance_id,
        request: {
          model: target.model,
          system: prompt.system,
          prompt: prompt.user,
          maxTokens: flags.maxTokens,
          temperature: flags.temperature,
        },
        ...(worst === undefined ? {} : { worstUsd: worst * BATCH_PRICE_FACTOR }),
      });
      submittedWorst = worst === undefined || submittedWorst === undefined
        ? undefined
        : submittedWorst + worst * BATCH_PRICE_FACTOR;
    }
  } else if (waiting.size > 0 && !flags.json) {
    info(
      `Resuming: ${plural(waiting.size, "instance")} in batches of an earlier run; nothing new to submit.`,
    );
  }
  summary.attempted = requests.length + [...waiting].filter((id) => !writer.done.has(id)).length;
  return {
    ctx,
    worstUsd: submittedWorst,
    state: { store, summary, tally, waiting, started, journalPath, requests },
  };
}

/** The second part: submit the prepared requests (each batch journaled before its create is sent). */
export async function sendBatchRun(run: SubmittedBatchRun): Promise<SubmittedBatchRun> {
  const { ctx } = run;
  const { api, flags } = ctx;
  const { store, requests } = run.state;
  const call = { signal: ctx.signal };
  await submitRequests(api, store, requests, {
    ...call,
    onSubmitted: (b, n, of) => {
      if (!flags.json) {
        const sub = store.journal.submissions.find((s) => s.batchId === b.id);
        info(
          `submitted ${of > 1 ? `batch ${n + 1} of ${of}: ` : ""}${b.id} (${
            plural(sub?.requests ?? 0, "request")
          }, ${formatBytes(sub?.bytes ?? 0)})`,
        );
      }
    },
  });
  return run;
}

/** The last part of a batch run: wait for every open batch with progress, write each result, summarise. */
export async function collectBatchRun(run: SubmittedBatchRun): Promise<BatchRunResult> {
  const { ctx } = run;
  const { store, summary, tally, waiting, started, journalPath } = run.state;
  const { target, api, writer, flags } = ctx;
  const call = { signal: ctx.signal };
  const tty = Deno.stderr.isTerminal() && !ui.quiet && !flags.json;
  let lastPlain = 0;
  let last: BatchInfo[] = [];
  const cost = (model: string, usage: Parameters<typeof batchCost>[1]) =>
    batchCost(target.catalog.lookup(model, target.settings.kind) ?? target.entry, usage);
  try {
    await collectOpenBatches(api, store, {
      ...call,
      ...ctx.poll,
      onUpdate: (batches) => {
        last = batches;
        if (ui.quiet || flags.json) return;
        const line = progressLine(batches, started);
        if (tty) write("stderr", `\r\x1b[2K${fitLine(line)}`);
        else if (performance.now() - lastPlain >= 30_000 || batches.every((b) => b.state === "ended")) {
          lastPlain = performance.now();
          info(line);
        }
      },
      onError: (e, waitMs) => {
        if (ui.verbose && !flags.json) info(`polling: ${e.message} (next poll in ${formatDuration(waitMs)})`);
      },
      isDone: (id) => writer.predicted.has(id),
      onResult: async (r, batch) => {
        const record: BatchRunLogRecord = await writeBatchResult(
          {
            provider: target.settings.name,
            model: target.model,
            modelNameOrPath: ctx.modelNameOrPath,
            writer,
            cost,
          },
          r,
          batch,
        );
        tally.outcome(record);
        tally.spend(record);
        if (record.reportedModel) ctx.reported(record.reportedModel);
        if (record.status === "failed" && !flags.json && ui.verbose) {
          info(
            `${style.red("failed")} ${record.instance_id}: ${record.error?.kind}: ${record.error?.message}`,
          );
        }
      },
    });
  } catch (e) {
    if (tty) write("stderr", "\n");
    const err = toSwebenchError(e);
    if (err.kind === "interrupted" || ctx.signal.aborted) {
      const open = store.journal.submissions.filter((s) => s.state !== "collected" && s.batchId);
      throw new SwebenchError("interrupted", "interrupted: stopped waiting for the batches", {
        hint: keepRunningLines(ctx.output, open.map((s) => s.batchId!)).join("\n"),
      });
    }
    throw err;
  }
  if (tty && last.length > 0) write("stderr", "\n");
  summary.answersByModel = summary.ok > 0 ? { [labelOf(target)]: summary.ok } : {};
  tally.finish();
  summary.costUnknown = tally.unpriced > 0;
  summary.wallMs = performance.now() - started;
  return { summary, batches: last, resumed: waiting.size, journal: journalPath };
}

/**
 * Before the predictions file is opened: instances waiting in open batches of an earlier `--batch` run must not be
 * paid for again by a normal run, nor lost by `--overwrite` (both usage errors, nothing written); an `--overwrite`
 * whose journal holds only collected batches starts a fresh journal. Returns the journal as found.
 */
export async function guardJournal(
  output: string,
  file: string,
  flags: { batch?: boolean; overwrite?: boolean },
): Promise<BatchJournal | undefined> {
  const path = journalPathFor(file);
  const journal = await readJournal(path);
  const open = openInstances(journal);
  if (open.size > 0 && (flags.overwrite || !flags.batch)) {
    const what = `${plural(open.size, "instance")} of ${output} ${
      open.size === 1 ? "is" : "are"
    } in batches of an earlier --batch run that are not collected yet`;
    throw new SwebenchError(
      "usage",
      flags.overwrite
        ? `--overwrite would lose them: ${what}`
        : `${what}: a run without --batch would pay for ${open.size === 1 ? "it" : "them"} again`,
      {
        hint:
          `Re-run with --batch to wait for and collect them (\`swebench batch status ${output}\` shows them), ` +
          `or cancel them with \`swebench batch cancel ${output}\` and re-run with --batch once they have ended.`,
      },
    );
  }
  if (journal !== undefined && flags.overwrite) {
    await Deno.remove(path).catch(() => {});
    return undefined;
  }
  return journal;
}

/** `generate --batch` once the files are open: run, print the summary (or the JSON document), return the exit code. */
export async function generateBatch(
  ctx: BatchRunContext & {
    /** The code context report (as a normal run's JSON carries it). */
    codeContext: object;
    /** The normal run's summary printer (the same lines for both kinds of run). */
    printSummary: (
      summary: RunSummary,
      output: string,
      runLog: string,
      files: Record<string, string>,
      options: { batch: boolean },
    ) => void;
  },
): Promise<number> {
  const result = await runBatchMode(ctx);
  const { summary } = result;
  const code = summary.stoppedBy ? summary.stopExitCode ?? 1 : summary.failed > 0 ? 4 : 0;
  const spentThisRun = summary.costUsd;
  const budget = ctx.flags.maxCost === undefined ? undefined : {
    maxUsd: ctx.flags.maxCost,
    spentBeforeUsd: ctx.priorSpend.usd,
    spentThisRunUsd: spentThisRun,
    remainingUsd: Math.max(0, ctx.flags.maxCost - ctx.priorSpend.usd - spentThisRun),
  };
  if (ctx.flags.json) {
    out(JSON.stringify(
      {
        output: ctx.output,
        runLog: ctx.writer.runLogPath,
        manifest: manifestPathFor(ctx.file),
        predictionFiles: { [labelOf(ctx.target)]: ctx.output },
        exitCode: code,
        ...ctx.codeContext,
        ...summary,
        batch: {
          journal: result.journal,
          priceFactor: BATCH_PRICE_FACTOR,
          resumed: result.resumed,
          batches: result.batches.map(batchJson),
        },
        ...(budget ? { budget } : {}),
      },
      null,
      2,
    ));
    return code;
  }
  ctx.printSummary(summary, ctx.output, ctx.writer.runLogPath, {}, { batch: true });
  for (const b of result.batches) {
    out(`Batch ${batchLine(b)}`);
    for (const l of lineErrorLines(b)) out(l);
  }
  if (budget) {
    out(
      `Budget: ${formatUsd(budget.spentBeforeUsd)} spent before, ${
        formatUsd(budget.spentThisRunUsd)
      } this run, ` +
        `${formatUsd(budget.remainingUsd)} left of ${
          formatUsd(budget.maxUsd)
        } (--max-cost covers every run of this file)`,
    );
  }
  return code;
}
