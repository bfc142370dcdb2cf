/**
 * Ctrl-C (and SIGTERM, SIGHUP) during a run: once, start nothing new; twice, abandon the calls in flight; three
 * times, quit at once. The run layer sees two abort signals.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import { info } from "./output.ts";

/** The signals that stop a run the way Ctrl-C does: Ctrl-C, `kill`/`docker stop`/`timeout`/CI cancel, a closed terminal. */
export const STOP_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Ctrl-C (or SIGTERM, or SIGHUP) once: start nothing new, let the calls in flight finish and be written (their
 * tokens are paid for), close the files, release the lock, exit 130. Twice: abandon the calls in flight, close the
 * files, exit 130. Three times: quit at once.
 */
export function interruptHandlers(options: { batch?: boolean } = {}): {
  controller: AbortController;
  stopController: AbortController;
  /** Listen for {@linkcode STOP_SIGNALS}; returns the function that stops listening. */
  listen: () => () => void;
} {
  const controller = new AbortController();
  const stopController = new AbortController();
  const say = (line: string) => {
    try {
      info(line);
    } catch { /* the terminal may be gone (SIGHUP): the files matter, not this line */ }
  };
  const onSignal = (signal: Deno.Signal) => {
    const what = signal === "SIGINT" ? "interrupted" : `${signal} received`;
    const again = signal === "SIGINT" ? "Ctrl-C" : `${signal} or Ctrl-C`;
    if (controller.signal.aborted) Deno.exit(130);
    if (stopController.signal.aborted) {
      say(`\n${what} again: abandoning the calls in flight and closing the files`);
      controller.abort(new SwebenchError("interrupted", "interrupted"));
      return;
    }
    say(
      options.batch
        ? `\n${what}: no longer waiting; the batches keep running at the provider (${again} again to quit at once)`
        : `\n${what}: starting nothing new; the calls in flight finish and are saved (${again} again to abandon them)`,
    );
    stopController.abort(new SwebenchError("interrupted", "interrupted"));
  };
  const listen = () => {
    const installed: [Deno.Signal, () => void][] = [];
    for (const sig of STOP_SIGNALS) {
      const handler = () => onSignal(sig);
      try {
        Deno.addSignalListener(sig, handler);
        installed.push([sig, handler]);
      } catch { /* not supported here (Windows has no SIGTERM/SIGHUP listeners) */ }
    }
    return () => {
      for (const [sig, handler] of installed) {
        try {
          Deno.removeSignalListener(sig, handler);
        } catch { /* ignore */ }
      }
    };
  };
  return { controller, stopController, listen };
}
