/**
 * The batch runner: joins datasets, prompts, the provider layer, patch recovery and the predictions writer.
 * It knows no wire format and no terminal: it emits progress events and returns a summary.
 *
 * @module
 */
import {
  type ErrorKind,
  isUnreachable,
  type Provider,
  SwebenchError,
  toSwebenchError,
  type UnifiedRequest,
} from "../core/mod.ts";
import type { CallContext, CallFn, CallResult } from "../resilience/call.ts";
import type { SwebenchInstance } from "../swebench/instance.ts";
import { buildPrompt } from "../swebench/prompt.ts";
import { CounterNotLoadedError } from "../tokens/bound.ts";
import type { PredictionsWriter } from "../swebench/predictions.ts";
import type { ProgressEvent, RunSummary } from "./events.ts";
import {
  answerRecord,
  failureRecord,
  type ModelOutput,
  predictionOf,
  type RecordBase,
  recordBase,
  skippedRecord,
} from "./record.ts";
import type { RunLogRecord } from "../swebench/run_log.ts";
import { Tallier } from "./tally.ts";

export type { CallContext, CallFn, CallResult, ModelOutput };

/**
 * The simplest call layer: one call, no retry.
 *
 * @example
 * ```ts
 * import { createGoldProvider, directCall } from "@swebench/runner/lib";
 * const call = directCall(createGoldProvider());
 * ```
 */
export function directCall(provider: Provider): CallFn {
  return async (request, context) => {
    // generate() with stream: true streams and collects inside the provider, which also prices the answer.
    const response = await provider.generate({ ...request, stream: context.stream }, {
      signal: context.signal,
    });
    return { response, attempts: 1 };
  };
}

/** Options of {@linkcode runBatch}. */
export interface RunBatchOptions {
  /** Selected instances (already filtered, sampled, sharded). */
  instances: readonly SwebenchInstance[];
  /** The call layer (see {@linkcode directCall}; the CLI passes the resilient one). */
  call: CallFn;
  /** Provider name of the run (for the run log). */
  providerName: string;
  /** Model id to request. */
  model: string;
  /** `model_name_or_path` written to predictions. */
  modelNameOrPath: string;
  /** Open predictions writer of the run's model (resume state inside). */
  writer: PredictionsWriter;
  /**
   * The predictions files of the fallback models, keyed `provider:model` (as the call layer reports `answeredBy`).
   * A fallback's answer goes to its own file and run log, never to the primary's; an answer from a model without
   * an entry here stops the run (kind `config`) rather than file a patch under the wrong name. Instances done in
   * any of these files count as done.
   */
  fallbackOutputs?: ReadonlyMap<string, ModelOutput>;
  /** Parallel calls (the first call of the run is always sent alone; the others start once it succeeds). */
  concurrency: number;
  /** Max tokens per call. */
  maxTokens: number;
  /** Sampling temperature. */
  temperature?: number;
  /** Stream responses. */
  stream?: boolean;
  /** Model context window (prompts are fitted to it); unknown = no fitting. */
  contextWindow?: number;
  /** Token counter for prompt fitting. */
  countTokens: (text: string) => number;
  /** Whole-prompt counts a plan already made (instance id -> tokens): not counted again. */
  knownTokens?: ReadonlyMap<string, number>;
  /**
   * An upper bound of `countTokens` that loads nothing: a prompt not counted yet that fits the context window by it
   * is sent sized by it (no budget needs its exact count). Without it every prompt is counted.
   */
  boundTokens?: (text: string) => number;
  /** Loads what `countTokens` needs; called when it threw {@linkcode CounterNotLoadedError}, then counted again. */
  loadCounter?: () => Promise<void>;
  /** Extra provider options added to every request. */
  extra?: Record<string, unknown>;
  /** Put each instance's reference patch into `extra.goldPatch` (the gold provider). */
  includeGold?: boolean;
  /** Aborts the run at once: in-flight calls are abandoned (second Ctrl-C). */
  signal?: AbortSignal;
  /** Stops starting new instances; in-flight calls finish and are written (first Ctrl-C). */
  stopSignal?: AbortSignal;
  /** Progress listener. */
  onEvent?: (event: ProgressEvent) => void;
  /** Told about every answer (which model answered and the model id the API reported), e.g. for a manifest. */
  onAnswer?: (answer: { provider: string; model: string; reportedModel: string }) => void;
  /** A more specific hint for an error that stops the run (e.g. the variable that holds the key). */
  hintFor?: (error: SwebenchError) => string | undefined;
  /** Budget ceiling, only for the summary. */
  maxCostUsd?: number;
  /** Further rounds for an instance whose call ended in a retryable failure (default {@linkcode REQUEUE_ROUNDS}). */
  requeueRounds?: number;
}

/** Error kinds after which no further instance is started: every one of them would fail the same way. */
const FATAL: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  "authentication",
  "config",
  "permission",
  "quota",
  "model_not_found",
  "html_page",
]);

/** Failure kinds that belong to one instance (its prompt), not to the provider: they never stop a run. */
const INSTANCE_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>(["context_length", "content_filter"]);

/**
 * Failures in a row after which the run stops rather than burn through every instance: a provider
 * that is down, a rate limit whose reset is hours away, a parameter the model rejects. At least this many, and
 * at least the concurrency once calls fan out (before that, calls go one at a time and this many suffice).
 */
export const MAX_CONSECUTIVE_FAILURES = 5;

/**
 * Further rounds an instance gets after its call ended in a retryable failure (connection, timeout, 5xx,
 * overload, rate limit, open breaker): it is queued again after the other instances, each round waiting at
 * least what the server or the breaker asked (`retryAfterMs`) and 1 s, 2 s, 4 s ... before it is reported failed.
 */
export const REQUEUE_ROUNDS = 3;

/** A failure whose server-requested wait is longer than this is not queued again (it is reported failed). */
export const MAX_REQUEUE_WAIT_MS = 120_000;

interface Pending {
  inst: SwebenchInstance;
  /** 0 for the first attempt, then 1..requeueRounds. */
  round: number;
  /** `Date.now()` before which it is not started again. */
  notBefore: number;
}

/**
 * Run a batch of instances through a model and write predictions.
 *
 * The first call of the run goes alone: only when it succeeds do the others fan out to `concurrency`, so a
 * rejected key, an unknown model, an invalid request or a server that is not there cost one request, not one per
 * worker. An instance whose call ends in a retryable failure is queued again after the others (see
 * {@linkcode REQUEUE_ROUNDS}). Answers of fallback models go to their own predictions files
 * ({@linkcode RunBatchOptions.fallbackOutputs}).
 *
 * @example
 * ```ts ignore
 * import { createGoldProvider, directCall, openPredictions, runBatch, loadInstances, resolveDataset } from "@swebench/runner/lib";
 * const instances = await loadInstances(resolveDataset("sample", { cacheDir: ".cache" }));
 * const writer = await openPredictions("predictions/gold.jsonl", {});
 * const summary = await runBatch({
 *   instances, call: directCall(createGoldProvider()), providerName: "gold", model: "gold",
 *   modelNameOrPath: "gold", writer, concurrency: 4, maxTokens: 4096, countTokens: (t) => t.length / 4,
 *   includeGold: true,
 * });
 * await writer.close();
 * console.log(summary.ok);
 * ```
 */
export async function runBatch(options: RunBatchOptions): Promise<RunSummary> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  const outputs = [...(options.fallbackOutputs?.values() ?? [])];
  const isDone = (id: string) => options.writer.done.has(id) || outputs.some((o) => o.writer.done.has(id));
  const todo = options.instances.filter((i) => !isDone(i.instance_id));
  const alreadyDone = options.instances.length - todo.length;
  const primaryLabel = `${options.providerName}:${options.model}`;
  const rounds = Math.max(0, Math.floor(options.requeueRounds ?? REQUEUE_ROUNDS));
  const summary: RunSummary = {
    selected: options.instances.length,
    alreadyDone,
    attempted: 0,
    ok: 0,
    failed: 0,
    skipped: 0,
    notStarted: 0,
    requeued: 0,
    answersByModel: {},
    patches: {},
    failuresByKind: {},
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    costUnknown: false,
    latencyP50Ms: 0,
    latencyP95Ms: 0,
    retries: 0,
    wallMs: 0,
    maxCostUsd: options.maxCostUsd,
  };
  // The summary's outcome, token, cost and latency figures are the tally of the records this run writes.
  const tally = new Tallier(summary);
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort(options.signal?.reason);
  if (options.signal?.aborted) inner.abort(options.signal.reason);
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  // Wakes workers that wait for a queued instance when the run stops.
  const halt = new AbortController();
  const onStopSignal = () => halt.abort();
  if (options.stopSignal?.aborted) halt.abort();
  options.stopSignal?.addEventListener("abort", onStopSignal, { once: true });
  inner.signal.addEventListener("abort", () => halt.abort(), { once: true });
  let stop:
    | { by: "budget" | "interrupted" | "fatal"; message: string; exitCode: number; kind?: ErrorKind }
    | undefined;
  const setStop = (s: NonNullable<typeof stop>) => {
    stop ??= s;
    halt.abort();
  };
  const stopFor = (err: SwebenchError, exitCode = err.exitCode, prefix = ""): NonNullable<typeof stop> => ({
    by: "fatal",
    message: `${prefix}${err.message}\n${options.hintFor?.(err) ?? err.hint}`,
    exitCode: exitCode === 0 ? 1 : exitCode,
    kind: err.kind,
  });

  emit({ type: "run-start", total: options.instances.length, alreadyDone, concurrency: options.concurrency });

  const queue: Pending[] = todo.map((inst) => ({ inst, round: 0, notBefore: 0 }));
  /** Instances waiting in the queue for another round (counted as not done if the run stops). */
  const waiting = new Set<string>();
  let firstOk = false;
  let onFirstOk = () => {};
  const firstOkSeen = new Promise<void>((resolve) => onFirstOk = resolve);
  let streak = { count: 0, kinds: new Set<string>() };
  const streakLimit = Math.max(MAX_CONSECUTIVE_FAILURES, options.concurrency);

  const runOne = async (p: Pending): Promise<void> => {
    try {
      await attempt(p);
    } catch (e) {
      // Only writing the files can get here (a full disk, a closed writer): nothing more can be saved, so stop.
      const err = toSwebenchError(e);
      setStop(stopFor(err));
      inner.abort(err);
    }
  };

  const outputFor = (answeredBy: CallResult["answeredBy"]): ModelOutput & { label: string } => {
    const label = answeredBy ? `${answeredBy.provider}:${answeredBy.model}` : primaryLabel;
    if (label === primaryLabel) {
      return { writer: options.writer, modelNameOrPath: options.modelNameOrPath, label };
    }
    const out = options.fallbackOutputs?.get(label);
    if (out === undefined) {
      throw new SwebenchError("config", `${label} answered, but no predictions file was opened for it`, {
        hint:
          "Each model's answers go to its own predictions file: pass fallbackOutputs for every fallback model.",
      });
    }
    return { ...out, label };
  };

  const attempt = async (p: Pending): Promise<void> => {
    const inst = p.inst;
    const base = recordBase(inst.instance_id, options.providerName, options.model);
    const build = () =>
      buildPrompt(inst, {
        contextWindow: options.contextWindow,
        maxTokens: options.maxTokens,
        countTokens: options.countTokens,
        knownTokens: options.knownTokens?.get(inst.instance_id),
        boundTokens: options.boundTokens,
      });
    const tryBuild = (): ReturnType<typeof buildPrompt> | undefined => {
      try {
        return build();
      } catch (e) {
        if (e instanceof CounterNotLoadedError && options.loadCounter) return undefined;
        // One instance the prompt builder cannot handle costs that instance, not the run.
        return { skipped: `the prompt could not be built: ${toSwebenchError(e).message}` };
      }
    };
    // The counter's tables are loaded on the first prompt that needs an exact count (a failed load stops the run:
    // every other prompt would meet it too).
    const prompt = tryBuild() ?? await options.loadCounter!().then(tryBuild) ??
      { skipped: "the prompt could not be counted" };
    if ("skipped" in prompt) {
      const record = skippedRecord(base, prompt.skipped);
      tally.outcome(record);
      await options.writer.writeRunLog(record);
      emit({
        type: "instance-done",
        instanceId: inst.instance_id,
        status: "skipped",
        message: prompt.skipped,
      });
      return;
    }
    if (p.round === 0) summary.attempted++;
    emit({ type: "instance-start", instanceId: inst.instance_id });
    const request: UnifiedRequest = {
      model: options.model,
      system: prompt.system,
      prompt: prompt.user,
      maxTokens: options.maxTokens,
      temperature: options.temperature,
      stream: options.stream,
      extra: options.includeGold ? { ...options.extra, goldPatch: inst.patch ?? null } : options.extra,
    };
    // Until one call has succeeded, this is the run's only call in flight (see runBatch).
    const probe = !firstOk;
    let retries = 0;
    // Budget reservations booked whole because the cost is unknown (see CallContext.onKept): recorded in the run
    // log so that the next run's budget counts them.
    let keptUsd = 0;
    let result: CallResult;
    try {
      result = await options.call(request, {
        instanceId: inst.instance_id,
        promptTokens: prompt.promptTokens,
        signal: inner.signal,
        stopSignal: options.stopSignal,
        onKept: (usd) => {
          keptUsd += usd;
        },
        stream: options.stream ?? false,
        probe,
        onRetry: ({ attempt, error, waitMs }) => {
          retries++;
          summary.retries++;
          emit({
            type: "instance-retry",
            instanceId: inst.instance_id,
            attempt,
            errorKind: error.kind,
            message: error.message,
            waitMs,
          });
        },
        onNotice: (message) => emit({ type: "notice", message }),
      });
    } catch (e) {
      await failed(p, e, { base, retries, probe, keptUsd });
      return;
    }
    const r = result.response;
    const target = outputFor(result.answeredBy);
    const { prediction, patch: extracted } = predictionOf(inst.instance_id, target.modelNameOrPath, r);
    // Write the prediction line first: it is what the harness reads; the run log is the sidecar.
    await target.writer.writePrediction(prediction);
    waiting.delete(inst.instance_id);
    if (!firstOk) {
      firstOk = true;
      onFirstOk();
    }
    summary.answersByModel[target.label] = (summary.answersByModel[target.label] ?? 0) + 1;
    streak = { count: 0, kinds: new Set<string>() };
    const fallback = target.label !== primaryLabel && result.answeredBy !== undefined;
    const record = answerRecord(base, r, extracted, {
      answeredBy: result.answeredBy,
      fallbackFrom: fallback ? primaryLabel : undefined,
      attempts: result.attempts,
      round: p.round,
      keptUsd,
    });
    tally.outcome(record);
    tally.spend(record);
    await target.writer.writeRunLog(record);
    try {
      const [provider, ...rest] = target.label.split(":");
      options.onAnswer?.({ provider, model: rest.join(":"), reportedModel: r.model });
    } catch { /* a listener's failure is not the instance's */ }
    emit({
      type: "instance-done",
      instanceId: inst.instance_id,
      status: "ok",
      patchStatus: extracted.status,
      costUsd: r.costUsd,
      usage: r.usage,
      latencyMs: r.latencyMs,
      answeredBy: fallback ? target.label : undefined,
    });
  };

  const failed = async (
    p: Pending,
    e: unknown,
    ctx: { base: RecordBase; retries: number; probe: boolean; keptUsd: number },
  ): Promise<void> => {
    const inst = p.inst;
    const err = toSwebenchError(e);
    if (err.kind === "interrupted" || inner.signal.aborted) {
      // Not a failure of the instance: it is simply not done; the next run resumes it.
      if (p.round === 0) summary.attempted--;
      summary.notStarted++;
      waiting.delete(inst.instance_id);
      if (ctx.keptUsd > 0) {
        // An abandoned call may have been billed: the record (kind interrupted, not done) keeps it on the books.
        await options.writer.writeRunLog({
          ...ctx.base,
          status: "failed",
          error: { kind: "interrupted", message: err.message },
          keptUsd: ctx.keptUsd,
          attempts: (e as { attempts?: number }).attempts ?? ctx.retries + 1,
          finishedAt: new Date().toISOString(),
        } as RunLogRecord);
      }
      emit({ type: "instance-cancelled", instanceId: inst.instance_id, reason: "interrupted" });
      return;
    }
    if (err.kind === "budget") {
      // The call was never started: the budget refused it.
      if (p.round === 0) summary.attempted--;
      summary.notStarted++;
      waiting.delete(inst.instance_id);
      setStop({ by: "budget", message: err.message, exitCode: err.exitCode, kind: err.kind });
      emit({ type: "instance-cancelled", instanceId: inst.instance_id, reason: "budget" });
      return;
    }
    // Does this failure stop the run? Always for a wrong key, account, model or permission; for the run's first
    // call also an invalid request and an address where nothing answers (every other call would fail the same way).
    let runStop: NonNullable<typeof stop> | undefined;
    if (FATAL.has(err.kind)) runStop = stopFor(err);
    else if (ctx.probe && err.kind === "invalid_request") {
      runStop = stopFor(err, err.exitCode, "the run's first request was rejected: ");
    } else if (ctx.probe && isUnreachable(err)) runStop = stopFor(err, 4);
    const wait = Math.max(err.retryAfterMs ?? 0, 1000 * 2 ** p.round);
    let again = !runStop && !stop && err.retryable && p.round < rounds &&
      (err.retryAfterMs ?? 0) <= MAX_REQUEUE_WAIT_MS && !halt.signal.aborted;
    // Failures in a row say the provider, not the instances, is the problem. Not counted: failures that belong to
    // the instance (its prompt), and an open breaker's refusal that is queued again (all calls in flight get
    // it at once: one fact, not many).
    if (!INSTANCE_KINDS.has(err.kind) && !(again && err.kind === "breaker_open")) {
      streak.count++;
      streak.kinds.add(err.kind);
    }
    // Until a call succeeds, calls go one at a time: fewer failures in a row are as telling.
    const limit = firstOk ? streakLimit : MAX_CONSECUTIVE_FAILURES;
    if (!runStop && streak.count >= limit) {
      again = false;
      runStop = stopFor(
        err,
        err.exitCode,
        `${streak.count} instances in a row failed (${[...streak.kinds].join(", ")}); stopping ` +
          "(re-run the same command to resume). Last: ",
      );
    }
    const attempts = (e as { attempts?: number }).attempts ?? ctx.retries + 1;
    const record = failureRecord(ctx.base, err, {
      attempts,
      round: p.round,
      keptUsd: ctx.keptUsd,
      // A failure that stops the run says nothing about the instance: a re-run does it again.
      runLevel: !!runStop,
      requeued: again,
    });
    await options.writer.writeRunLog(record);
    if (again) {
      summary.requeued++;
      waiting.add(inst.instance_id);
      queue.push({ inst, round: p.round + 1, notBefore: Date.now() + wait });
      emit({
        type: "instance-requeued",
        instanceId: inst.instance_id,
        errorKind: err.kind,
        message: err.message,
        round: p.round + 1,
        rounds,
        waitMs: wait,
      });
    } else {
      waiting.delete(inst.instance_id);
      tally.outcome(record);
      emit({
        type: "instance-done",
        instanceId: inst.instance_id,
        status: "failed",
        errorKind: err.kind,
        message: err.message,
      });
    }
    if (runStop) setStop(runStop);
  };

  /** Resolves after `ms`, or at once when the run stops. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (halt.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        halt.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      halt.signal.addEventListener("abort", done, { once: true });
    });

  const stopped = () => !!stop || inner.signal.aborted || !!options.stopSignal?.aborted;
  const worker = async () => {
    while (queue.length > 0 && !stopped()) {
      const now = Date.now();
      let index = queue.findIndex((q) => q.notBefore <= now);
      if (index < 0) {
        // Only instances waiting for their next round: sleep until the first is due.
        await pause(Math.min(...queue.map((q) => q.notBefore)) - now);
        continue;
      }
      if (index > 0 && queue[0].notBefore <= now) index = 0;
      const [p] = queue.splice(index, 1);
      await runOne(p);
    }
  };
  try {
    const n = Math.max(1, Math.min(options.concurrency, todo.length));
    // The first call goes alone; the others fan out once one call has succeeded.
    const workers = [worker()];
    await Promise.race([firstOkSeen, workers[0]]);
    if (firstOk && !stopped()) { for (let k = 1; k < n; k++) workers.push(worker()); }
    await Promise.all(workers);
  } finally {
    options.signal?.removeEventListener("abort", onOuterAbort);
    options.stopSignal?.removeEventListener("abort", onStopSignal);
  }
  // Instances never taken, or waiting for another round when the run stopped: a re-run does them.
  summary.notStarted += queue.filter((q) => q.round === 0).length + waiting.size;
  if (inner.signal.aborted || options.stopSignal?.aborted) {
    stop ??= { by: "interrupted", message: "interrupted", exitCode: 130 };
  }
  if (stop) {
    summary.stoppedBy = stop.by;
    summary.stopMessage = stop.message;
    summary.stopExitCode = stop.exitCode;
    if (stop.kind) summary.stopKind = stop.kind;
  }
  tally.finish();
  summary.costUnknown = tally.unpriced > 0;
  summary.wallMs = performance.now() - started;
  emit({ type: "run-end", summary });
  return summary;
}
