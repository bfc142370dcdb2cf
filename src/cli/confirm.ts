/**
 * Asking before money is spent: a yes/no prompt on a terminal, `--yes` or `--max-cost` off one.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import { info, warn } from "./output.ts";
import { formatUsd } from "./progress.ts";

/** Worst-case cost above which a run asks for confirmation (TTY) or needs --yes / --max-cost (non-TTY). */
export const CONFIRM_ABOVE_USD = 1;

/**
 * Ask before spending: on a TTY above the threshold, a yes/no prompt; off a TTY above the threshold (or with an
 * unpriced model), `--yes` or `--max-cost` is required. Returns false when the user declines.
 */
export async function confirmSpend(
  worstUsd: number | undefined,
  flags: { yes?: boolean; maxCost?: number; free: boolean; json?: boolean },
): Promise<boolean> {
  if (flags.free || flags.yes) return true;
  const above = worstUsd === undefined || worstUsd > CONFIRM_ABOVE_USD;
  if (!above) return true;
  if (flags.maxCost !== undefined) {
    if (worstUsd !== undefined && worstUsd > flags.maxCost) {
      info(
        `The budget (${
          formatUsd(flags.maxCost)
        }) stops the run before the worst case: finished work is kept.`,
      );
    }
    return true;
  }
  const why = worstUsd === undefined ? "its cost is unknown" : `it may cost up to ${formatUsd(worstUsd)}`;
  if (!Deno.stdin.isTerminal() || flags.json) {
    throw new SwebenchError(
      "usage",
      `not starting: ${why} and ${flags.json ? "--json runs never ask" : "there is no terminal to confirm"}`,
      {
        hint: "Pass --yes to accept, or --max-cost USD to cap the spend (the run stops before passing it).",
      },
    );
  }
  const p = await import("@clack/prompts");
  const ok = await p.confirm({
    message: `Start? ${why[0].toUpperCase()}${why.slice(1)}.`,
    initialValue: false,
  });
  if (p.isCancel(ok) || !ok) {
    warn("not started");
    return false;
  }
  return true;
}
