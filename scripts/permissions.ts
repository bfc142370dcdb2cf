/**
 * The scoped permissions of the compiled binary, from the vendors' specs: `--allow-net` (official API hosts, local
 * servers, dataset hosts) and `--allow-env` (every variable the CLI reads). Prints them; with `--write` rewrites the
 * `compile` task of deno.json and the "Permissions" block of README.md to match (a test checks that they do).
 *
 *   deno task permissions            # print the two flags
 *   deno task permissions --write    # update deno.json and README.md
 *
 * @module
 */
import { ENV_VARS, NET_HOSTS } from "../src/cli/permissions.ts";

/** The two flags as the compile task and the README write them. */
export function permissionFlags(): { net: string; env: string } {
  return { net: `--allow-net=${NET_HOSTS.join(",")}`, env: `--allow-env=${ENV_VARS.join(",")}` };
}

/**
 * `text` with its `--allow-net=a,b,...` and `--allow-env=A,B,...` lists replaced by the current ones (a value
 * without a comma, such as a message's `--allow-net=api.openai.com:443`, is left alone).
 */
export function withPermissions(text: string): string {
  const { net, env } = permissionFlags();
  return text.replace(/--allow-net=[^\s"\\`,]+,[^\s"\\`]+/g, net)
    .replace(/--allow-env=[^\s"\\`,]+,[^\s"\\`]+/g, env);
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url);
  if (Deno.args.includes("--write")) {
    for (const name of ["deno.json", "README.md"]) {
      const url = new URL(name, root);
      const before = await Deno.readTextFile(url);
      const after = withPermissions(before);
      if (after !== before) await Deno.writeTextFile(url, after);
      console.log(`${name}: ${after === before ? "already up to date" : "updated"}`);
    }
  } else {
    const { net, env } = permissionFlags();
    console.log(net);
    console.log(env);
  }
}
