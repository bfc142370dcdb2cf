/**
 * The human summary of a run: outcomes, patches, tokens and cost, latency, failures, where the predictions are,
 * why it stopped.
 *
 * @module
 */
import { formatCount } from "../../core/format.ts";
import type { RunSummary } from "../../run/events.ts";
import { out, plural, style } from "../output.ts";
import { formatDuration, formatUsd } from "../progress.ts";

/** Print the human summary of a run. */
export function printSummary(
  s: RunSummary,
  output: string,
  runLog: string,
  files: Record<string, string> = {},
  options: { batch?: boolean } = {},
): void {
  const done = `${style.bold("Done")}: ${s.ok} ok, ${s.failed} failed, ${s.skipped} skipped` +
    (s.alreadyDone ? `, ${s.alreadyDone} already done` : "") +
    (s.notStarted ? `, ${s.notStarted} not started` : "") + ` in ${formatDuration(s.wallMs)}`;
  if (s.ok + s.failed + s.skipped + s.notStarted === 0 && s.alreadyDone > 0 && !s.stoppedBy) {
    out(done);
    out("Nothing to do: --retry-failed redoes failed instances, --overwrite starts fresh.");
    out(`Predictions: ${output}`);
    return;
  }
  const patches = Object.entries(s.patches).map(([k, v]) => `${v} ${k}`).join(", ") || "none";
  out(done);
  out(`Patches: ${patches}`);
  if (s.truncated) {
    const noText = s.truncatedNoText
      ? `; ${s.truncatedNoText} with no text at all: the model spent the whole budget thinking`
      : "";
    out(`Cut at --max-tokens (finish: length): ${s.truncated}${noText}. Raise --max-tokens.`);
  }
  out(
    `Tokens: ${formatCount(s.promptTokens)} prompt + ${formatCount(s.completionTokens)} completion; cost ${
      s.costUnknown ? `${formatUsd(s.costUsd)} + unknown (unpriced model)` : formatUsd(s.costUsd)
    }` + (s.maxCostUsd !== undefined ? " this run" : ""),
  );
  if (s.ok > 0 && options.batch) {
    // A batch answer's latency is its batch's turnaround: from created to ended.
    out(`Turnaround: ${formatDuration(s.latencyP50Ms)} from batch created to ended`);
  } else if (s.ok > 0) {
    out(`Latency: p50 ${Math.round(s.latencyP50Ms)} ms, p95 ${Math.round(s.latencyP95Ms)} ms`);
  }
  if (s.retries) out(`Retries: ${s.retries}`);
  for (const [label, names] of Object.entries(s.droppedParameters ?? {})) {
    const said = names.map((n) => (n === "max_tokens" ? "max_tokens (sent as max_completion_tokens)" : n));
    out(`Not sent to ${label} after it refused them once: ${said.join(", ")}`);
  }
  const kinds = Object.entries(s.failuresByKind).map(([k, v]) => `${v} ${k}`).join(", ");
  if (kinds) out(`Failures: ${kinds} (details in ${runLog})`);
  const filtered = s.failuresByKind.content_filter ?? 0;
  if (filtered > 0) {
    out(style.yellow(
      `Content filter: the provider refused ${plural(filtered, "prompt or answer", "prompts or answers")}; ` +
        "not retried (the same input is filtered again).",
    ));
  }
  const answers = Object.entries(s.answersByModel);
  if (
    answers.length > 1 || answers.some(([label]) => files[label] !== undefined && files[label] !== output)
  ) {
    // Fallback models answered: each model's patches are in its own file.
    out("Answers by model:");
    for (const [label, n] of answers) out(`  ${label}: ${n} in ${files[label] ?? output}`);
  } else out(`Predictions: ${output}`);
  if (s.requeued) out(`Queued again after a transient failure: ${plural(s.requeued, "time")}`);
  if (s.stoppedBy === "budget") {
    // The figures (spent before, this run, left) are on the Budget line below.
    out(style.yellow(
      `Stopped: budget reached. ${s.notStarted} instance(s) left undone; --max-cost covers every run of this ` +
        "file: raise it and re-run the same command to go on.",
    ));
  } else if (s.stoppedBy === "interrupted") {
    out(style.yellow(`Interrupted: ${s.notStarted} instance(s) left; re-run the same command to resume.`));
  } else if (s.stoppedBy === "fatal") {
    out(style.red(`Stopped: ${s.stopMessage}`));
  }
}
