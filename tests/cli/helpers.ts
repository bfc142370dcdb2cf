/** Helpers for CLI tests: run the real CLI in a subprocess with a clean environment. */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
/** Real SWE-bench data shipped beside the repository. */
export const SHARED: string = new URL("../fixtures/", import.meta.url).pathname;

/** The Deno cache of this process, so children with another HOME do not download everything again. */
export const DENO_DIR: string = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;

/** Result of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment a CLI child gets: PATH, HOME and XDG dirs under `home`, this Deno cache, then `extra`. */
export function cliEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
    XDG_CACHE_HOME: `${home}/.cache`,
    DENO_DIR,
    ...extra,
  };
}

/** A loopback port nothing listens on (bound, then closed). */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Options of {@linkcode runCli} and {@linkcode spawnCli}. */
export interface CliOptions {
  env?: Record<string, string>;
  stdin?: string;
  cwd?: string;
  permissions?: string[];
}

/** Start `swebench <args>` as a subprocess (stdout/stderr piped); `env` replaces the environment. */
export async function spawnCli(args: string[], options: CliOptions = {}): Promise<Deno.ChildProcess> {
  const home = options.env?.HOME ?? await Deno.makeTempDir({ prefix: "swebench-home-" });
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.permissions ?? ["-A"]), MAIN, ...args],
    cwd: options.cwd,
    clearEnv: true,
    env: cliEnv(home, { NO_COLOR: "1", ...options.env }),
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  return child;
}

/**
 * `swebench <args>` through commander only (tests/cli/commander_main.ts: main.ts without the stored help and the
 * fast parse of `generate`), piped, with HOME (and the XDG dirs) under `home`, in `cwd`.
 */
export async function runCommanderCli(args: string[], home: string, cwd?: string): Promise<CliResult> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./commander_main.ts", import.meta.url).pathname, ...args],
    cwd,
    clearEnv: true,
    env: cliEnv(home, { NO_COLOR: "1" }),
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return { code: r.code, stdout: text.decode(r.stdout), stderr: text.decode(r.stderr) };
}

/** Wait for a spawned CLI to end and decode what it printed. */
export async function cliResult(child: Deno.ChildProcess): Promise<CliResult> {
  const r = await child.output();
  return {
    code: r.code,
    stdout: new TextDecoder().decode(r.stdout),
    stderr: new TextDecoder().decode(r.stderr),
  };
}

/** Run `swebench <args>` as a subprocess; `env` replaces the environment (plus HOME/PATH/NO_COLOR). */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return await cliResult(await spawnCli(args, options));
}

/** `generate -p <provider> -m <model> -d <data> -o <out> ...rest`: the arguments most CLI tests start from. */
export function generateArgs(
  provider: string,
  model: string,
  data: string,
  out: string,
  ...rest: string[]
): string[] {
  return ["generate", "-p", provider, "-m", model, "-d", data, "-o", out, ...rest];
}

/**
 * An import map file in `dir`: the project's imports, each of `specifiers` (a bare import such as `commander`, or a
 * path under the repository such as `src/swebench/hf.ts`) replaced by a module that throws `<specifier> was loaded`.
 * What a CLI run loads, statically or not, is then checked on the real CLI
 * (`runCli(args, { permissions: ["-A", `--import-map=${map}`] })`).
 */
export async function unloadableMap(dir: string, specifiers: readonly string[]): Promise<string> {
  const root = new URL("../../", import.meta.url);
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const imports: Record<string, string> = { ...config.imports };
  for (const s of specifiers) {
    const key = s.startsWith("src/") ? new URL(s, root).href : s;
    imports[key] = `data:text/javascript,throw new Error('${s} was loaded')`;
  }
  const path = `${dir}/unloadable-${crypto.randomUUID()}.json`;
  await Deno.writeTextFile(path, JSON.stringify({ imports }));
  return path;
}

/** Read a JSON Lines file into objects. */
export async function readJsonl(path: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(path);
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

/** The fields of a real SWE-bench row these tests use. */
export interface Row {
  instance_id: string;
  base_commit: string;
  patch: string;
}

/** The first `n` rows of a file in tests/fixtures/swe-bench/, as JSON lines and parsed. */
export async function realRows(file: string, n: number): Promise<{ lines: string[]; instances: Row[] }> {
  const lines = (await Deno.readTextFile(`${SHARED}swe-bench/${file}`)).split("\n").filter(Boolean).slice(
    0,
    n,
  );
  return { lines, instances: lines.map((l) => JSON.parse(l) as Row) };
}

/** A simulator responder that answers like a model: the instance's gold patch, found by its base commit. */
export function goldResponder(
  instances: readonly Row[],
  wrap: (patch: string) => string = (p) => `<patch>\n${p}</patch>`,
): (req: { body: unknown }) => string {
  return (req) => {
    const text = JSON.stringify(req.body);
    const inst = instances.find((i) => text.includes(i.base_commit));
    return inst ? wrap(inst.patch) : "";
  };
}

/** Write the first `n` lines to a fresh temp dataset file. */
export async function tempDataset(
  lines: readonly string[],
  n = lines.length,
): Promise<{ dir: string; data: string }> {
  const dir = await Deno.makeTempDir();
  const data = `${dir}/d.jsonl`;
  await Deno.writeTextFile(data, lines.slice(0, n).join("\n") + "\n");
  return { dir, data };
}
