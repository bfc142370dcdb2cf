/**
 * What a batch-mode run (`generate --batch`, `compare --batch`) shows: the plan with the normal and batch cost side
 * by side, a line per batch submitted, the live status of the wait (one line on a TTY, a plain line every 30 s
 * otherwise), and after the summary each batch and the budget.
 *
 * @module
 */
import { BATCH_PRICE_FACTOR } from "../../batch/basics.ts";
import { formatBytes } from "../../batch/split.ts";
import { shellValue } from "../../http/permission.ts";
import type { BatchInfo } from "../../batch/types.ts";
import type { ProgressEvent } from "../../run/events.ts";
import { keepRunningLines, type OpenBatches } from "../../run/batch_mode.ts";
import type { ModelOutcome } from "../../run/outcome.ts";
import type { OpenModel } from "../../run/prepare.ts";
import { batchJson, batchLine, countsText, lineErrorLines, stateText } from "../batch_format.ts";
import { describeBatchPlan } from "../batch_plan.ts";
import { fitLine, info, out, plural, style, ui, write } from "../output.ts";
import { formatDuration, formatUsd, type ProgressRenderer } from "../progress.ts";

/**
 * The plan of one model of a batch-mode run: the usual lines with the cost in two columns, and the instances still
 * waiting in batches of an earlier run; or, with nothing new to submit, the resume line. Empty with nothing to do.
 */
export function batchPlanLines(
  m: Pick<OpenModel, "label" | "plan" | "alreadyDone" | "batch">,
  options: { named?: boolean } = {},
): string[] {
  const waiting = m.batch?.waiting.size ?? 0;
  if (m.plan) {
    return [
      ...describeBatchPlan(m.label, m.plan, m.alreadyDone),
      ...(waiting > 0 ? [`  waiting in batches of an earlier run: ${plural(waiting, "instance")}`] : []),
    ];
  }
  return waiting > 0
    ? [
      `Resuming${options.named ? ` ${m.label}` : ""}: ${
        plural(waiting, "instance")
      } in batches of an earlier run; nothing new to submit.`,
    ]
    : [];
}

/** The live line of the wait: one batch, or the sum of several. */
function progressLine(batches: readonly BatchInfo[], elapsedMs: number): string {
  const elapsed = formatDuration(elapsedMs);
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
 * The renderer of a batch-mode run's events: `submitted <id> (N requests, size)` per batch (prefixed with the model
 * when `label` is given), the live status line while waiting, poll failures with `-v`, failed instances with `-v`.
 * Silent with `--json` and `-q` (the submitted lines stay with `-q`: they name what is being paid for).
 */
export function createBatchProgress(options: { json?: boolean; label?: string } = {}): ProgressRenderer {
  const tty = Deno.stderr.isTerminal() && !ui.quiet && !options.json;
  let lastPlain = 0;
  let live = false;
  const endLive = () => {
    if (live) write("stderr", "\n");
    live = false;
  };
  return {
    onEvent(e: ProgressEvent) {
      if (options.json) return;
      switch (e.type) {
        case "batch-submitted":
          info(
            `submitted ${options.label ? `${options.label} ` : ""}${
              e.of > 1 ? `batch ${e.index + 1} of ${e.of}: ` : ""
            }${e.batch.id} (${plural(e.requests, "request")}, ${formatBytes(e.bytes)})`,
          );
          break;
        case "batch-update": {
          if (ui.quiet) return;
          const line = progressLine(e.batches, e.elapsedMs);
          if (tty) {
            write("stderr", `\r\x1b[2K${fitLine(line)}`);
            live = true;
          } else if (performance.now() - lastPlain >= 30_000 || e.batches.every((b) => b.state === "ended")) {
            lastPlain = performance.now();
            info(line);
          }
          break;
        }
        case "batch-poll-error":
          if (ui.verbose) {
            endLive();
            info(`polling: ${e.message} (next poll in ${formatDuration(e.waitMs)})`);
          }
          break;
        case "instance-done":
          if (e.status === "failed" && ui.verbose) {
            endLive();
            info(`${style.red("failed")} ${e.instanceId}: ${e.errorKind}: ${e.message}`);
          }
          break;
      }
    },
    close: endLive,
  };
}

/** After a model's summary: each of its batches (how it ended, its line errors). */
export function batchLines(outcome: Pick<ModelOutcome, "batch">): string[] {
  return (outcome.batch?.batches ?? []).flatMap((b) => [`Batch ${batchLine(b)}`, ...lineErrorLines(b)]);
}

/**
 * After the table of a batch-mode run that stopped waiting: a line per model still waiting
 * (`anthropic:claude-haiku-4-5: waiting in batch msgbatch_01… (3 instances), not collected yet`), the command that
 * collects them, then how to resume or cancel (`keepRunningLines`).
 */
export function waitingLines(open: readonly OpenBatches[], command: string): string[] {
  if (open.length === 0) return ["Interrupted: stopped waiting; no batch is left open."];
  return [
    ...open.map((o) =>
      `${o.label}: waiting in ${o.ids.length === 1 ? "batch" : "batches"} ${o.ids.join(", ")} (${
        plural(o.instances, "instance")
      }), not collected yet`
    ),
    `Interrupted: stopped waiting for the batches. To collect later: ${command}`,
    ...keepRunningLines(open),
  ];
}

/** The `waiting` part of the `--json` document of a batch-mode run that stopped waiting. */
export function waitingDoc(open: readonly OpenBatches[], command: string): Record<string, unknown>[] {
  return open.map((o) => ({
    model: o.label,
    output: o.output,
    journal: o.journal,
    batches: o.ids,
    instances: o.instances,
    collect: command,
    cancel: `swebench batch cancel ${shellValue(o.output)}`,
  }));
}

/** The budget of a batch-mode run, when `--max-cost` was given. */
export interface BatchBudget {
  maxUsd: number;
  spentBeforeUsd: number;
  spentThisRunUsd: number;
  remainingUsd: number;
}

/** The budget after a batch-mode run: earlier runs' spend, this run's, what is left of `--max-cost`. */
export function batchBudget(
  maxCost: number | undefined,
  spentBeforeUsd: number,
  spentThisRunUsd: number,
): BatchBudget | undefined {
  if (maxCost === undefined) return undefined;
  return {
    maxUsd: maxCost,
    spentBeforeUsd,
    spentThisRunUsd,
    remainingUsd: Math.max(0, maxCost - spentBeforeUsd - spentThisRunUsd),
  };
}

/** `Budget: $0 spent before, $0.01 this run, $0.99 left of $1.00 (--max-cost covers every run of these files)`. */
export function batchBudgetLine(b: BatchBudget, files: "this file" | "these files" = "this file"): string {
  return `Budget: ${formatUsd(b.spentBeforeUsd)} spent before, ${formatUsd(b.spentThisRunUsd)} this run, ` +
    `${formatUsd(b.remainingUsd)} left of ${formatUsd(b.maxUsd)} (--max-cost covers every run of ${files})`;
}

/** The `batch` part of a model's `--json` document. */
export function batchDoc(outcome: Pick<ModelOutcome, "batch">): Record<string, unknown> | undefined {
  const b = outcome.batch;
  if (!b) return undefined;
  return {
    journal: b.journal,
    priceFactor: b.priceFactor ?? BATCH_PRICE_FACTOR,
    resumed: b.resumed,
    batches: b.batches.map(batchJson),
  };
}

/** Print a model's batch lines (stdout). */
export function printBatchLines(outcome: Pick<ModelOutcome, "batch">): void {
  for (const l of batchLines(outcome)) out(l);
}
