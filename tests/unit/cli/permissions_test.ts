/**
 * The compiled binary's scoped permissions come from the vendors' specs: deno.json's compile task and the README's
 * permissions block must name exactly the hosts and variables the code reads (`deno task permissions --write`
 * fixes them after a vendor is added).
 */
import assert from "node:assert/strict";
import { permissionFlags, withPermissions } from "../../../scripts/permissions.ts";
import { ENV_VARS, NET_HOSTS } from "../../../src/cli/permissions.ts";
import { providerSpecs } from "../../../src/providers/registry.ts";

const root = new URL("../../../", import.meta.url);

function flagValues(text: string, flag: string): string[][] {
  return [...text.matchAll(new RegExp(`--allow-${flag}=([^\\s"\\\\\`]+)`, "g"))]
    .map((m) => m[1].split(","))
    .filter((list) => list.length > 1);
}

Deno.test("permissions: every vendor's key, base URL, setting and extra variable is in the CLI's list", () => {
  for (const spec of providerSpecs()) {
    const vars = [
      ...spec.keyEnv,
      ...(spec.baseUrlEnv ? [spec.baseUrlEnv] : []),
      ...spec.settings.flatMap((s) => (s.env ? [s.env] : [])),
      ...(spec.extraEnv ?? []),
    ];
    for (const v of vars) assert.ok(ENV_VARS.includes(v), `${spec.id}: ${v} missing from ENV_VARS`);
    for (const h of spec.hosts) assert.ok(NET_HOSTS.includes(h), `${spec.id}: ${h} missing from NET_HOSTS`);
  }
  assert.equal(new Set(ENV_VARS).size, ENV_VARS.length, "no variable twice");
});

Deno.test("permissions: deno.json's compile task and README's block match the specs", async () => {
  const { net, env } = permissionFlags();
  for (const name of ["deno.json", "README.md"]) {
    const text = await Deno.readTextFile(new URL(name, root));
    const nets = flagValues(text, "net");
    const envs = flagValues(text, "env");
    assert.ok(nets.length >= 1 && envs.length >= 1, `${name} has the scoped flags`);
    for (const list of nets) {
      assert.deepEqual(
        list,
        net.slice("--allow-net=".length).split(","),
        `${name}: run \`deno task permissions --write\``,
      );
    }
    for (const list of envs) {
      assert.deepEqual(
        list,
        env.slice("--allow-env=".length).split(","),
        `${name}: run \`deno task permissions --write\``,
      );
    }
  }
});

Deno.test("permissions: the rewrite replaces stale lists and leaves single-host hints alone", () => {
  const stale = "deno compile --allow-net=api.openai.com,localhost --allow-env=A,B --output x\n" +
    "Run again with --allow-net=api.openai.com:443";
  const fresh = withPermissions(stale);
  assert.ok(fresh.includes(permissionFlags().net));
  assert.ok(fresh.includes(permissionFlags().env));
  assert.ok(fresh.endsWith("Run again with --allow-net=api.openai.com:443"));
  assert.equal(withPermissions(fresh), fresh);
});
