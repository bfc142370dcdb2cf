/**
 * The batch runner: joins datasets, prompts, the provider layer, patch recovery and the predictions writer.
 * It knows no wire format and no terminal: it emits progress events and returns a summary.
 *
 * @module
 */
import { type ErrorKind, type Provider, toSwebenchError, type UnifiedRequest } from "../core/mod.ts";
import type { CallContext, CallFn, CallResult } from "../resilience/call.ts";
import type { SwebenchInstance } from "../swebench/instance.ts";
import { buildPrompt } from "../swebench/prompt.ts";
import { extractPatch } from "../swebench/patch.ts";
import { loggedOutput, type PredictionsWriter, type RunLogRecord } from "../swebench/predictions.ts";
import { percentile, type ProgressEvent, type RunSummary } from "./events.ts";

export type { CallContext, CallFn, CallResult };

/**
 * The simplest call layer: one call, no retry.
 *
 * @example
 * ```ts
 * import { createGoldProvider, directCall } from "@swebench/runner";
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
  /** Open predictions writer (resume state inside). */
  writer: PredictionsWriter;
  /** Parallel calls. */
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
  /** Budget ceiling, only for the summary. */
  maxCostUsd?: number;
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

/**
 * Failures in a row (of one kind) after which the run stops rather than burn through every instance: a provider
 * that is down, a rate limit whose reset is hours away, a parameter the model rejects. At least this many, and
 * at least the concurrency.
 */
export const MAX_CONSECUTIVE_FAILURES = 5;

/**
 * Run a batch of instances through a model and write predictions.
 *
 * @example
 * ```ts ignore
 * import { createGoldProvider, directCall, openPredictions, runBatch, loadInstances, resolveDataset } from "@swebench/runner";
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
  const todo = options.instances.filter((i) => !options.writer.done.has(i.instance_id));
  const alreadyDone = options.instances.length - todo.length;
  const summary: RunSummary = {
    selected: options.instances.length,
    alreadyDone,
    attempted: 0,
    ok: 0,
    failed: 0,
    skipped: 0,
    notStarted: 0,
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
  const latencies: number[] = [];
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort(options.signal?.reason);
  if (options.signal?.aborted) inner.abort(options.signal.reason);
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  let stop: { by: "budget" | "interrupted" | "fatal"; message: string; exitCode: number } | undefined;

  emit({ type: "run-start", total: options.instances.length, alreadyDone, concurrency: options.concurrency });

  let streak = { kind: "", count: 0 };
  const streakLimit = Math.max(MAX_CONSECUTIVE_FAILURES, options.concurrency);
  const runOne = async (inst: SwebenchInstance): Promise<void> => {
    try {
      await attempt(inst);
    } catch (e) {
      // Only writing the files can get here (a full disk, a closed writer): nothing more can be saved, so stop.
      const err = toSwebenchError(e);
      stop ??= {
        by: "fatal",
        message: `${err.message}\n${err.hint}`,
        exitCode: err.exitCode === 0 ? 1 : err.exitCode,
      };
      inner.abort(err);
    }
  };
  const attempt = async (inst: SwebenchInstance): Promise<void> => {
    const startedAt = new Date().toISOString();
    const base = {
      instance_id: inst.instance_id,
      provider: options.providerName,
      model: options.model,
      startedAt,
    };
    let prompt: ReturnType<typeof buildPrompt>;
    try {
      prompt = buildPrompt(inst, {
        contextWindow: options.contextWindow,
        maxTokens: options.maxTokens,
        countTokens: options.countTokens,
        knownTokens: options.knownTokens?.get(inst.instance_id),
      });
    } catch (e) {
      // One instance the prompt builder cannot handle costs that instance, not the run.
      prompt = { skipped: `the prompt could not be built: ${toSwebenchError(e).message}` };
    }
    if ("skipped" in prompt) {
      summary.skipped++;
      await options.writer.writeRunLog({
        ...base,
        status: "skipped",
        reason: prompt.skipped,
        attempts: 0,
        finishedAt: new Date().toISOString(),
      } as RunLogRecord);
      emit({
        type: "instance-done",
        instanceId: inst.instance_id,
        status: "skipped",
        message: prompt.skipped,
      });
      return;
    }
    summary.attempted++;
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
    let retries = 0;
    // Budget reservations booked whole because the cost is unknown (see CallContext.onKept): recorded in the run
    // log so that the next run's budget counts them.
    let keptUsd = 0;
    // Errors after the call returned come from writing the files: they stop the run (see runOne), they do not
    // fail the instance.
    let called = false;
    try {
      const result = await options.call(request, {
        instanceId: inst.instance_id,
        promptTokens: prompt.promptTokens,
        signal: inner.signal,
        stopSignal: options.stopSignal,
        onKept: (usd) => {
          keptUsd += usd;
        },
        stream: options.stream ?? false,
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
      called = true;
      const r = result.response;
      const extracted = extractPatch(r.content, { truncated: r.finishReason === "length" });
      // Write the prediction line first: it is what the harness reads; the run log is the sidecar.
      await options.writer.writePrediction({
        instance_id: inst.instance_id,
        model_name_or_path: options.modelNameOrPath,
        model_patch: extracted.patch,
      });
      summary.ok++;
      streak = { kind: "", count: 0 };
      summary.patches[extracted.status] = (summary.patches[extracted.status] ?? 0) + 1;
      summary.promptTokens += r.usage.promptTokens;
      summary.completionTokens += r.usage.completionTokens;
      if (r.costUsd === undefined) summary.costUnknown = true;
      else summary.costUsd += r.costUsd;
      latencies.push(r.latencyMs);
      await options.writer.writeRunLog({
        ...base,
        status: "ok",
        answeredBy: result.answeredBy,
        usage: r.usage,
        costUsd: r.costUsd,
        latencyMs: r.latencyMs,
        ...(keptUsd > 0 ? { keptUsd } : {}),
        attempts: result.attempts,
        finishReason: r.finishReason,
        rawFinishReason: r.rawFinishReason,
        requestId: r.requestId,
        patchStatus: extracted.status,
        patchReasons: extracted.reasons,
        ...loggedOutput(r.content),
        finishedAt: new Date().toISOString(),
      } as RunLogRecord);
      emit({
        type: "instance-done",
        instanceId: inst.instance_id,
        status: "ok",
        patchStatus: extracted.status,
        costUsd: r.costUsd,
        usage: r.usage,
        latencyMs: r.latencyMs,
      });
    } catch (e) {
      if (called) throw e;
      const err = toSwebenchError(e);
      if (err.kind === "interrupted" || inner.signal.aborted) {
        // Not a failure of the instance: it is simply not done; the next run resumes it.
        summary.attempted--;
        summary.notStarted++;
        if (keptUsd > 0) {
          // An abandoned call may have been billed: the record (kind interrupted, not done) keeps it on the books.
          await options.writer.writeRunLog({
            ...base,
            status: "failed",
            error: { kind: "interrupted", message: err.message },
            keptUsd,
            attempts: (e as { attempts?: number }).attempts ?? retries + 1,
            finishedAt: new Date().toISOString(),
          } as RunLogRecord);
        }
        emit({ type: "instance-cancelled", instanceId: inst.instance_id, reason: "interrupted" });
        return;
      }
      if (err.kind === "budget") {
        // The call was never started: the budget refused it.
        summary.attempted--;
        summary.notStarted++;
        stop ??= { by: "budget", message: err.message, exitCode: err.exitCode };
        emit({ type: "instance-cancelled", instanceId: inst.instance_id, reason: "budget" });
        return;
      }
      summary.failed++;
      summary.failuresByKind[err.kind] = (summary.failuresByKind[err.kind] ?? 0) + 1;
      const attempts = (e as { attempts?: number }).attempts ?? retries + 1;
      await options.writer.writeRunLog({
        ...base,
        status: "failed",
        error: { kind: err.kind, message: err.message, status: err.status, code: err.code },
        ...(keptUsd > 0 ? { keptUsd } : {}),
        attempts,
        finishedAt: new Date().toISOString(),
      } as RunLogRecord);
      emit({
        type: "instance-done",
        instanceId: inst.instance_id,
        status: "failed",
        errorKind: err.kind,
        message: err.message,
      });
      streak = streak.kind === err.kind
        ? { kind: err.kind, count: streak.count + 1 }
        : { kind: err.kind, count: 1 };
      if (FATAL.has(err.kind)) {
        stop ??= { by: "fatal", message: `${err.message}\n${err.hint}`, exitCode: err.exitCode };
      } else if (streak.count >= streakLimit) {
        stop ??= {
          by: "fatal",
          message:
            `${streak.count} instances in a row failed with ${err.kind} (last: ${err.message}); stopping. ` +
            `Re-run the same command to resume.\n${err.hint}`,
          exitCode: err.exitCode === 0 ? 1 : err.exitCode,
        };
      }
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      if (stop || inner.signal.aborted || options.stopSignal?.aborted) return;
      const inst = todo[next++];
      await runOne(inst);
    }
  };
  try {
    const n = Math.max(1, Math.min(options.concurrency, todo.length));
    await Promise.all(Array.from({ length: n }, worker));
  } finally {
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
  summary.notStarted += todo.length - next;
  if (inner.signal.aborted || options.stopSignal?.aborted) {
    stop ??= { by: "interrupted", message: "interrupted", exitCode: 130 };
  }
  if (stop) {
    summary.stoppedBy = stop.by;
    summary.stopMessage = stop.message;
    summary.stopExitCode = stop.exitCode;
  }
  summary.latencyP50Ms = percentile(latencies, 50);
  summary.latencyP95Ms = percentile(latencies, 95);
  summary.wallMs = performance.now() - started;
  emit({ type: "run-end", summary });
  return summary;
}
