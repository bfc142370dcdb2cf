/**
 * Progress on stderr: one live line on a TTY, a plain line every few seconds otherwise; silent with -q.
 *
 * @module
 */
import type { ProgressEvent } from "../run/events.ts";
import { formatCount, formatUsd } from "../core/format.ts";
import { fitLine, info, style, ui, write } from "./output.ts";

/** Format seconds as `1h02m`, `3m05s`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** The one money format (`core/format.ts`), re-exported for the CLI's renderers. */
export { formatUsd } from "../core/format.ts";

/** A progress renderer: feed it events, close it at the end. */
export interface ProgressRenderer {
  onEvent(event: ProgressEvent): void;
  close(): void;
}

/**
 * Create the renderer for this terminal.
 *
 * @example
 * ```ts
 * import { createProgress } from "./progress.ts";
 * const p = createProgress({ intervalMs: 5000 });
 * p.close();
 * ```
 */
export function createProgress(options: { intervalMs?: number; tty?: boolean } = {}): ProgressRenderer {
  const tty = options.tty ?? Deno.stderr.isTerminal();
  const started = performance.now();
  let total = 0, done = 0, failed = 0, skipped = 0, retries = 0, inFlight = 0, cost = 0, tokens = 0;
  let costUnknown = false;
  let lastPlain = 0;
  let lastText = "";
  const line = (): string => {
    const elapsed = performance.now() - started;
    const finished = done + failed + skipped;
    const rate = finished > 0 ? elapsed / finished : 0;
    const eta = rate > 0 && total > finished ? formatDuration(rate * (total - finished)) : "-";
    const tps = elapsed > 0 ? Math.round(tokens / (elapsed / 1000)) : 0;
    return `${finished}/${total} done` +
      (failed ? `, ${style.red(`${failed} failed`)}` : "") +
      (skipped ? `, ${skipped} skipped` : "") +
      (retries ? `, ${retries} retries` : "") +
      `, ${inFlight} running, ${costUnknown ? "cost unknown" : formatUsd(cost)}, ${
        formatCount(tps)
      } tok/s, ETA ${eta}`;
  };
  const draw = (force = false) => {
    if (ui.quiet || total === 0) return; // nothing to run (all done before): no "0/0 done" line
    if (tty) {
      write("stderr", `\r\x1b[2K${fitLine(line())}`);
    } else {
      const now = performance.now();
      const text = line();
      // A plain line every few seconds, and at milestones; never the same line twice in a row.
      if ((force || now - lastPlain >= (options.intervalMs ?? 5000)) && text !== lastText) {
        lastPlain = now;
        lastText = text;
        info(text);
      }
    }
  };
  const above = (text: string) => {
    if (ui.quiet) return;
    if (tty) write("stderr", `\r\x1b[2K`);
    info(text);
    draw(true);
  };
  return {
    onEvent(e) {
      switch (e.type) {
        case "run-start":
          total = e.total - e.alreadyDone;
          if (e.alreadyDone > 0) above(`resuming: ${e.alreadyDone} of ${e.total} instances already done`);
          break;
        case "instance-start":
          inFlight++;
          break;
        case "instance-retry":
          retries++;
          if (ui.verbose) {
            above(
              `retry ${e.attempt} ${e.instanceId}: ${e.errorKind} (${e.message}), waiting ${
                formatDuration(e.waitMs)
              }`,
            );
          }
          break;
        case "notice":
          above(e.message);
          break;
        case "instance-done":
          if (e.status !== "skipped") inFlight--;
          if (e.status === "ok") {
            done++;
            if (e.answeredBy && ui.verbose) above(`${e.instanceId}: answered by ${e.answeredBy}`);
          } else if (e.status === "failed") {
            failed++;
            above(`${style.red("failed")} ${e.instanceId}: ${e.errorKind}: ${e.message}`);
          } else {
            skipped++;
            above(`${style.yellow("skipped")} ${e.instanceId}: ${e.message}`);
          }
          if (e.costUsd === undefined && e.status === "ok") costUnknown = true;
          cost += e.costUsd ?? 0;
          tokens += e.usage?.totalTokens ?? 0;
          break;
        case "instance-requeued":
          inFlight--;
          above(
            `${style.yellow("queued again")} ${e.instanceId} after ${e.errorKind} (${
              e.message.split("\n")[0]
            }): ` +
              `another try in ${formatDuration(e.waitMs)} (round ${e.round} of ${e.rounds})`,
          );
          break;
        case "instance-cancelled":
          inFlight--;
          break;
        case "run-end":
          break;
      }
      draw(e.type === "run-end");
    },
    close() {
      if (tty && !ui.quiet) write("stderr", "\n");
    },
  };
}
