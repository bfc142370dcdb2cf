import assert from "node:assert/strict";
import { SwebenchError } from "../../src/core/mod.ts";
import { fetchWithTimeout, permissionError } from "../../src/http/mod.ts";

Deno.test("permission: NotCapable messages name the exact flag", () => {
  const cases: [string, string, string][] = [
    [
      'Requires net access to "api.openai.com:443", run again with the --allow-net flag',
      "--allow-net=api.openai.com:443",
      "net access to api.openai.com:443",
    ],
    [
      'Requires net access to "[::1]:8080", run again with the --allow-net flag',
      "--allow-net=[::1]:8080",
      "net",
    ],
    [
      'Requires read access to "/data/swe-bench/lite.jsonl", run again with the --allow-read flag',
      "--allow-read=/data/swe-bench/lite.jsonl",
      "read",
    ],
    [
      'Requires write access to "/tmp/out dir/p.jsonl", run again with the --allow-write flag',
      "--allow-write='/tmp/out dir/p.jsonl'",
      "write",
    ],
    [
      'Requires env access to "OPENAI_API_KEY", run again with the --allow-env flag',
      "--allow-env=OPENAI_API_KEY",
      "env",
    ],
    ['Requires run access to "git", run again with the --allow-run flag', "--allow-run=git", "run"],
    ['Requires sys access to "hostname", run again with the --allow-sys flag', "--allow-sys=hostname", "sys"],
    [
      "Requires read access to <CWD>, specify the required permissions during compilation using `deno compile --allow-read`",
      "--allow-read=.",
      "read access to the working directory",
    ],
  ];
  for (const [message, flag, mention] of cases) {
    const e = permissionError(new Deno.errors.NotCapable(message));
    assert.ok(e instanceof SwebenchError, message);
    assert.equal(e.kind, "permission");
    assert.ok(e.hint.includes(flag), `${e.hint} should name ${flag}`);
    assert.ok(e.message.includes(mention), e.message);
    assert.equal(e.exitCode, 3);
  }
  // The Deno 1 class with the same message.
  const old = permissionError(
    new Deno.errors.PermissionDenied('Requires env access to "HOME", run again with the --allow-env flag'),
  );
  assert.ok(old?.hint.includes("--allow-env=HOME"));
});

Deno.test("permission: OS-level denial, wrapped errors and everything else", () => {
  const os = permissionError(
    new Deno.errors.PermissionDenied("Permission denied (os error 13): open '/root/x'"),
  );
  // The OS refusing (EACCES) is a plain I/O error of the path (exit 2), not a Deno flag to add.
  assert.equal(os?.kind, "usage");
  assert.match(os!.message, /operating system denied access: .*\/root\/x/);
  assert.doesNotMatch(os!.hint, /--allow/);
  const wrapped = new TypeError("fetch failed", {
    cause: new Deno.errors.NotCapable(
      'Requires net access to "example.com:443", run again with the --allow-net flag',
    ),
  });
  assert.ok(permissionError(wrapped)?.hint.includes("--allow-net=example.com:443"));
  assert.equal(permissionError(new TypeError("fetch failed")), undefined);
  assert.equal(permissionError(new Error('Requires net access to "x"')), undefined);
  assert.equal(permissionError("string"), undefined);
  assert.equal(permissionError(undefined), undefined);
  assert.equal(permissionError(new SwebenchError("timeout", "t")), undefined);
  const p = new SwebenchError("permission", "p");
  assert.equal(permissionError(p), p);
});

Deno.test("permission: fetchWithTimeout maps a NotCapable from fetch", async () => {
  const notCapable = new Deno.errors.NotCapable(
    'Requires net access to "api.openai.com:443", run again with the --allow-net flag',
  );
  await assert.rejects(
    () =>
      fetchWithTimeout("https://api.openai.com/v1/models", {}, {
        provider: "openai",
        fetch: () => Promise.reject(notCapable),
      }),
    (e) =>
      e instanceof SwebenchError && e.kind === "permission" &&
      e.hint.includes("--allow-net=api.openai.com:443"),
  );
});

Deno.test("permission: a real Deno process without the permission (no network is touched)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/probe.ts`;
    // fetch.ts and permission.ts import no npm package, so the probe needs no config or lockfile.
    const fetchMod = new URL("../../src/http/fetch.ts", import.meta.url).href;
    const permissionMod = new URL("../../src/http/permission.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { fetchWithTimeout } from ${JSON.stringify(fetchMod)};
import { permissionError } from ${JSON.stringify(permissionMod)};
const out = [];
try { await fetchWithTimeout("http://example.invalid:8080/x", {}, { connectTimeoutMs: 2000 }); }
catch (e) { out.push({ kind: e.kind, message: e.message, hint: e.hint }); }
try { Deno.readTextFileSync(${JSON.stringify(`${dir}/nothing.txt`)}); }
catch (e) { const p = permissionError(e); out.push({ kind: p?.kind, message: p?.message, hint: p?.hint }); }
try { Deno.env.get("OPENAI_API_KEY"); }
catch (e) { const p = permissionError(e); out.push({ kind: p?.kind, message: p?.message, hint: p?.hint }); }
console.log(JSON.stringify(out));
`,
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--no-lock", "--allow-net=127.0.0.1", "--no-prompt", script],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const [net, read, env] = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(net.kind, "permission");
    assert.match(net.hint, /--allow-net=example\.invalid:8080/);
    assert.equal(read.kind, "permission");
    assert.ok(read.hint.includes(`--allow-read=${dir}/nothing.txt`), read.hint);
    assert.equal(env.kind, "permission");
    assert.match(env.hint, /--allow-env=OPENAI_API_KEY/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
