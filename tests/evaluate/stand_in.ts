/** Puts the stand-in harness (`stand_in_harness.ts`) on PATH as `python3` for CLI tests. */

const SCRIPT = new URL("./stand_in_harness.ts", import.meta.url).pathname;

/** A directory holding an executable `python3` that runs the stand-in with this Deno. */
export async function installStandIn(): Promise<{ bin: string; python: string }> {
  const bin = await Deno.makeTempDir({ prefix: "stand-in-python-" });
  const python = `${bin}/python3`;
  await Deno.writeTextFile(
    python,
    `#!/bin/sh\nexec "${Deno.execPath()}" run --allow-all --no-config --no-lock --quiet "${SCRIPT}" "$@"\n`,
  );
  await Deno.chmod(python, 0o755);
  return { bin, python };
}

/** PATH with the stand-in first. */
export function pathWith(bin: string): string {
  return `${bin}:${Deno.env.get("PATH") ?? ""}`;
}
