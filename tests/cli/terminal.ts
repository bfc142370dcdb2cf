/**
 * Run the CLI on a pseudo-terminal, as a person at a terminal would (Deno has no pty API): python3's `pty` module
 * (python3 is on every machine the tests run on; `.ci/run` checks) opens a terminal of a given size, runs
 * `deno run -A main.ts ...` with stdin, stdout and stderr on it, answers prompts when they appear, and hands back
 * what the terminal showed.
 */
import { cliEnv } from "./helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** The driver: argv = [cols, rows, timeout s, script JSON, command...]; prints the raw terminal bytes. */
const DRIVER = String.raw`
import fcntl, json, os, re, select, signal, struct, sys, termios, time
cols, rows, timeout, script = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
argv = sys.argv[5:]
master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.close(master)
    os.close(slave)
    os.execvp(argv[0], argv)
os.close(slave)
out = b""
deadline = time.time() + timeout
ansi = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
step = 0
status = None
while True:
    if time.time() > deadline:
        os.kill(pid, signal.SIGKILL)
        sys.stderr.write("terminal driver: timed out\n")
        os.waitpid(pid, 0)
        sys.exit(124)
    if step < len(script) and re.search(script[step][0].encode(), ansi.sub(b"", out)):
        time.sleep(0.2)
        os.write(master, script[step][1].encode())
        step += 1
    r, _, _ = select.select([master], [], [], 0.1)
    if r:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        if not data:
            break
        out += data
    elif status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
    else:
        break
if status is None:
    _, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
`;

/** What the terminal showed. */
export interface TerminalResult {
  code: number;
  /** Raw bytes as text, escapes included (stdout and stderr interleaved, as on a screen). */
  raw: string;
  /** The screen text: escapes removed, each `\r`-redrawn line reduced to its last state, `\r\n` as `\n`. */
  screen: string;
  /** Every state a live line went through (segments of a line redrawn with `\r`), escapes removed. */
  live: string[];
}

// deno-lint-ignore no-control-regex
const ESC = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;

/**
 * Run `swebench <args>` on a `cols` x `rows` terminal. `script` answers prompts: each `[pattern, keys]` waits for
 * the pattern (a regular expression over the screen text so far) and then types the keys. Bounded by `timeoutMs`.
 */
export async function runInTerminal(
  args: string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    cols?: number;
    rows?: number;
    script?: [string, string][];
    timeoutMs?: number;
  } = {},
): Promise<TerminalResult> {
  const home = options.env?.HOME ?? await Deno.makeTempDir({ prefix: "swebench-home-" });
  const cmd = new Deno.Command("python3", {
    args: [
      "-c",
      DRIVER,
      String(options.cols ?? 100),
      String(options.rows ?? 40),
      String((options.timeoutMs ?? 60_000) / 1000),
      JSON.stringify(options.script ?? []),
      Deno.execPath(),
      "run",
      "-A",
      MAIN,
      ...args,
    ],
    cwd: options.cwd,
    clearEnv: true,
    env: cliEnv(home, { TERM: "xterm-256color", ...options.env }),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const r = await cmd.output();
  const raw = new TextDecoder().decode(r.stdout);
  if (r.code === 124) throw new Error(`timed out on a terminal: swebench ${args.join(" ")}\n${raw}`);
  const plain = raw.replace(ESC, "");
  const screen = plain.replace(/\r\n/g, "\n").split("\n").map((l) =>
    l.split("\r").filter((s) => s !== "").pop() ?? ""
  )
    .join("\n");
  const live = plain.replace(/\r\n/g, "\n").split("\n").filter((l) => l.includes("\r")).flatMap((l) =>
    l.split("\r")
  );
  return { code: r.code, raw, screen, live };
}
