/**
 * The option tables of the commands main.ts parses without commander (`generate`: src/cli/fast_parse.ts), stored
 * in `src/cli/parse_table.ts` from the real program (`buildProgram` of `src/cli/main.ts`): each option's flags,
 * whether it takes a value, its choices and the parser it was given (options.ts's parsers carry their spec), and
 * the values commander starts from (its defaults, read from a parse of the bare command). A test fails when the
 * stored table is not what the program defines now; `deno task help-text --write` rewrites it with the help.
 *
 * @module
 */
import { CommanderError } from "@commander-js/extra-typings";
import { buildProgram } from "../src/cli/main.ts";
import { parserSpec } from "../src/cli/options.ts";
import { captureOutput } from "./commander_capture.ts";

/** The generated module. */
export const PARSE_TABLE_PATH: URL = new URL("../src/cli/parse_table.ts", import.meta.url);

/** The commands parsed without commander. */
export const FAST_COMMANDS: readonly string[] = ["generate"];

type Program = ReturnType<typeof buildProgram>;
type AnyCommand = Program["commands"][number];
type AnyOption = AnyCommand["options"][number];

/** What commander makes of a command line: the action's values, or the error it printed or threw. */
export type CommanderParse =
  | { command: string; flags: Record<string, unknown>; globals: Record<string, unknown> }
  | { error: string; usage: boolean };

/**
 * Parse `args` with the real program, the fast commands' actions replaced by a capture: what the action would be
 * given (`cmd.opts()`, `cmd.optsWithGlobals()`), else the error: commander's own (`usage`: printed, exit 2), or
 * one a flag parser threw.
 */
export async function commanderParse(args: readonly string[]): Promise<CommanderParse> {
  const program = buildProgram(() => {});
  let got: CommanderParse | undefined;
  const printed = captureOutput(program);
  for (const name of FAST_COMMANDS) {
    const sub = program.commands.find((c) => c.name() === name) as unknown as AnyCommand;
    sub.action((...values: unknown[]) => {
      const cmd = values.at(-1) as AnyCommand;
      got = { command: name, flags: { ...cmd.opts() }, globals: { ...cmd.optsWithGlobals() } };
    });
  }
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return { error: printed.stderr() || e.message, usage: true };
    return { error: e instanceof Error ? e.message : String(e), usage: false };
  }
  return got ?? { error: `no fast command ran for ${args.join(" ")}`, usage: false };
}

/** What commander's parse of `swebench <command>` (no flags) yields: the command's values and the globals'. */
async function startValues(command: string): Promise<{ flags: unknown; globals: unknown }> {
  const got = await commanderParse([command]);
  if (!("command" in got)) throw new Error(`swebench ${command}: ${got.error}`);
  return {
    flags: got.flags,
    globals: Object.fromEntries(Object.entries(got.globals).filter(([k]) => !(k in got.flags))),
  };
}

/** One option as stored; throws for what the fast parse does not read (it would need commander). */
function optionSpec(o: AnyOption, where: string): Record<string, unknown> {
  // Fields commander keeps but does not declare in its typings.
  const more = o as unknown as { conflictsWith: string[]; implied?: unknown };
  if (
    o.optional || o.variadic || o.envVar !== undefined || o.hidden || more.conflictsWith.length > 0 ||
    more.implied
  ) {
    throw new Error(
      `${where} ${o.flags}: optional/variadic/env/hidden/conflicts/implies: not parsed without commander`,
    );
  }
  if (o.long === undefined) throw new Error(`${where} ${o.flags}: no long flag`);
  // `.choices()` installs commander's own parser (the value, when it is one of the choices).
  const parser = o.parseArg === undefined || o.argChoices ? undefined : parserSpec(o.parseArg);
  if (o.parseArg !== undefined && !o.argChoices && parser === undefined) {
    throw new Error(`${where} ${o.flags}: its parser is not one of options.ts's (it carries no spec)`);
  }
  return {
    long: o.long,
    ...(o.short ? { short: o.short } : {}),
    attribute: o.attributeName(),
    value: o.required,
    ...(o.negate ? { negate: true } : {}),
    ...(o.argChoices ? { choices: o.argChoices } : {}),
    ...(parser ? { parser } : {}),
  };
}

/** The table as source: one option per line (a changed flag is one changed line in a diff). */
function tableSource(table: {
  declined: string[];
  globals: { options: unknown[]; start: unknown };
  commands: Record<string, { options: unknown[]; start: unknown }>;
}): string {
  const command = (c: { options: unknown[]; start: unknown }, indent: string) =>
    [
      "{",
      `${indent}  options: [`,
      ...c.options.map((o) => `${indent}    ${JSON.stringify(o)},`),
      `${indent}  ],`,
      `${indent}  start: ${JSON.stringify(c.start)},`,
      `${indent}}`,
    ].join("\n");
  return [
    "{",
    `  declined: ${JSON.stringify(table.declined)},`,
    `  globals: ${command(table.globals, "  ")},`,
    "  commands: {",
    ...Object.entries(table.commands).map(([name, c]) =>
      `    ${JSON.stringify(name)}: ${command(c, "    ")},`
    ),
    "  },",
    "}",
  ].join("\n");
}

/**
 * The source of `src/cli/parse_table.ts` for `program` (the real one by default); throws when the program has
 * what the fast parse cannot do as commander does (a hook, an option form it does not read, an untagged parser).
 */
export async function parseTableModule(program: Program = buildProgram(() => {})): Promise<string> {
  const version = program.options.find((o) => o.long === "--version");
  const declined = [
    "-h",
    "--help",
    ...(version ? [version.long!, ...(version.short ? [version.short] : [])] : []),
  ];
  const globals = program.options.filter((o) => o !== version).map((o) => optionSpec(o, "swebench"));
  const commands: Record<string, { options: unknown[]; start: unknown }> = {};
  let globalStart: unknown;
  // The fast path (src/cli/fast_generate.ts) does what the program's two hooks do (beforeAction, afterAction)
  // and nothing else: any other hook would be skipped by it.
  const hooks = (c: unknown) =>
    Object.entries((c as { _lifeCycleHooks: Record<string, unknown[]> })._lifeCycleHooks)
      .map(([event, list]) => `${event}:${list.length}`).sort().join(",");
  if (hooks(program) !== "postAction:1,preAction:1") {
    throw new Error(`the program's hooks changed (${hooks(program)}): update src/cli/fast_generate.ts`);
  }
  for (const name of FAST_COMMANDS) {
    const cmd = program.commands.find((c) => c.name() === name);
    if (cmd === undefined) throw new Error(`no command ${name}`);
    if (hooks(cmd) !== "") {
      throw new Error(`swebench ${name} has hooks (${hooks(cmd)}): not run without commander`);
    }
    if (cmd.registeredArguments.length > 0 || cmd.commands.length > 0) {
      throw new Error(`swebench ${name}: arguments or subcommands are not parsed without commander`);
    }
    const start = await startValues(name);
    globalStart ??= start.globals;
    commands[name] = {
      options: cmd.options.map((o) => optionSpec(o as AnyOption, `swebench ${name}`)),
      start: start.flags,
    };
  }
  const table = { declined, globals: { options: globals, start: globalStart }, commands };
  return await formatted([
    "// Generated by `deno task help-text --write` (scripts/parse_table.ts) from the commander program of",
    "// src/cli/main.ts. Do not edit: tests/unit/cli/fast_parse_test.ts fails when stale.",
    "/**",
    " * The options of the commands main.ts parses without commander (fast_parse.ts), as commander defines them.",
    " *",
    " * @module",
    " */",
    'import type { ParseTable } from "./parse_table_types.ts";',
    "",
    "/** The global options, and each fast command's options and start values. */",
    `export const PARSE_TABLE: ParseTable = ${tableSource(table)};`,
    "",
  ].join("\n"));
}

/** `source` as `deno fmt` writes it (with the repository's settings), so the stored file passes `deno fmt --check`. */
async function formatted(source: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=ts", "-"],
    cwd: new URL("..", import.meta.url),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(source));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(`deno fmt failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}
