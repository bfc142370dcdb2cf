/**
 * The network timeout options of the commands that call a provider (commander `Option`s; the parsers are
 * options.ts's).
 *
 * @module
 */
import { Option } from "@commander-js/extra-typings";
import { numberFlag } from "./options.ts";

/**
 * The `--connect-timeout`, `--idle-timeout` and `--total-timeout` options (seconds; 0 = no limit), each help text
 * ending with its defaults (e.g. "default 120; Ollama 600"). Add them with `.addOption()`.
 */
export function timeoutOptions(defaults: { connect: string; idle: string; total: string }) {
  return [
    new Option(
      "--connect-timeout <s>",
      `seconds to wait for the response headers of a streamed call (${defaults.connect}; 0 = no limit)`,
    ).argParser(numberFlag("--connect-timeout")),
    new Option(
      "--idle-timeout <s>",
      `seconds a response may send nothing but keep-alive pings (${defaults.idle}; 0 = no limit)`,
    ).argParser(numberFlag("--idle-timeout")),
    new Option(
      "--total-timeout <s>",
      `seconds one call may take, also the wait for a non-streamed answer (${defaults.total}; 0 = no limit)`,
    ).argParser(numberFlag("--total-timeout")),
  ] as const;
}
