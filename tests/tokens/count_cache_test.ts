/**
 * Issue 15 item 2: token counts cached on disk by (encoding, prompt hash). The library cache (hits, misses, what a
 * corrupt or torn file does, concurrent writers), and through the CLI: a dry run fills it, the next run reads it.
 */
import assert from "node:assert/strict";
import { MIN_CACHED_CHARS, TokenCountCache } from "../../src/tokens/mod.ts";
import { generateArgs, runCli } from "../cli/helpers.ts";

const long = (seed: string) => `${seed} `.repeat(Math.ceil(MIN_CACHED_CHARS / seed.length) + 10);

/** A counter that records how often it ran. */
function spyCounter() {
  const seen: string[] = [];
  return { seen, count: (text: string) => (seen.push(text), text.split(" ").length) };
}

Deno.test("count cache: a text is counted once across processes' caches; short texts are never cached", async () => {
  const dir = await Deno.makeTempDir();
  const first = spyCounter();
  const a = new TokenCountCache(dir);
  const countA = a.wrap("o200k_base", first.count);
  const text = long("alpha beta");
  assert.equal(countA(text), text.split(" ").length);
  assert.equal(countA(text), text.split(" ").length);
  assert.equal(countA("short text"), 2);
  countA("short text");
  assert.equal(first.seen.filter((t) => t === text).length, 1, "counted once, then looked up");
  assert.equal(
    first.seen.filter((t) => t === "short text").length,
    2,
    "short texts go to the counter each time",
  );
  a.flush();
  // Another cache on the same directory (the next run) answers from the file.
  const second = spyCounter();
  const b = new TokenCountCache(dir);
  const countB = b.wrap("o200k_base", second.count);
  assert.equal(countB(text), text.split(" ").length);
  assert.deepEqual(second.seen, [], "not counted again");
  assert.equal(b.hits, 1);
  // Encodings do not share counts.
  const cl = spyCounter();
  b.wrap("cl100k_base", cl.count)(text);
  assert.equal(cl.seen.length, 1);
});

Deno.test("count cache: corrupt, torn and forged lines are ignored; an unusable directory only disables the cache", async () => {
  const dir = await Deno.makeTempDir();
  const text = long("gamma delta");
  const a = new TokenCountCache(dir);
  a.wrap("o200k_base", spyCounter().count)(text);
  a.flush();
  const file = `${dir}/o200k_base.v1.txt`;
  const good = await Deno.readTextFile(file);
  const [key, count, check] = good.trim().split(" ");
  // A forged count (check no longer matches), a torn line, binary garbage and an empty line.
  await Deno.writeTextFile(
    file,
    `${key} ${Number(count) + 1} ${check}\n${key} ${count}\n\u0000\u00ff garbage\n\n${key.slice(0, 5)}`,
  );
  const spy = spyCounter();
  const b = new TokenCountCache(dir);
  assert.equal(b.wrap("o200k_base", spy.count)(text), Number(count), "the right count, computed");
  assert.equal(spy.seen.length, 1, "nothing usable was read");
  // The cache path is a file: loading and flushing fail silently, counts are still right.
  const blocker = `${dir}/blocker`;
  await Deno.writeTextFile(blocker, "not a directory");
  const c = new TokenCountCache(`${blocker}/sub`);
  const spy2 = spyCounter();
  assert.equal(c.wrap("o200k_base", spy2.count)(text), Number(count));
  c.flush();
  assert.equal(spy2.seen.length, 1);
});

Deno.test("count cache: concurrent writers in separate processes keep every line", async () => {
  const dir = await Deno.makeTempDir();
  const module = new URL("../../src/tokens/count_cache.ts", import.meta.url).href;
  const writers = 4;
  const perWriter = 50;
  const script = (w: number) =>
    `import { TokenCountCache } from "${module}";
     for (let round = 0; round < 5; round++) {
       const cache = new TokenCountCache(${JSON.stringify(dir)});
       const count = cache.wrap("o200k_base", (t) => t.length);
       for (let i = round * 10; i < round * 10 + 10; i++) count("w${w} text " + i + " ".repeat(${MIN_CACHED_CHARS}));
       cache.flush();
     }`;
  const outputs = await Promise.all(
    Array.from({ length: writers }, (_, w) =>
      new Deno.Command(Deno.execPath(), {
        args: ["eval", script(w)],
        stdout: "piped",
        stderr: "piped",
      }).output()),
  );
  for (const o of outputs) assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
  const spy = spyCounter();
  const cache = new TokenCountCache(dir);
  const count = cache.wrap("o200k_base", spy.count);
  for (let w = 0; w < writers; w++) {
    for (let i = 0; i < perWriter; i++) {
      const text = `w${w} text ${i}${" ".repeat(MIN_CACHED_CHARS)}`;
      assert.equal(count(text), text.length, text.slice(0, 16));
    }
  }
  assert.equal(spy.seen.length, 0, "every writer's counts were read back");
});

Deno.test("CLI: a dry run fills the count cache in the cache directory; the next plan reads it (same figures, no new lines); a corrupt file changes nothing", async () => {
  const home = await Deno.makeTempDir();
  const env = { HOME: home, SWEBENCH_CACHE_DIR: `${home}/swebench-cache` };
  const args = generateArgs("openai", "gpt-4o-mini", "sample", `${home}/p.jsonl`, "--dry-run", "--json");
  const first = await runCli(args, { env });
  assert.equal(first.code, 0, first.stderr);
  const file = `${home}/swebench-cache/token-counts/o200k_base.v1.txt`;
  const lines = (await Deno.readTextFile(file)).split("\n").filter(Boolean);
  assert.ok(lines.length >= 1, "the sample prompts were cached");
  const second = await runCli(args, { env });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(JSON.parse(second.stdout).promptTokens, JSON.parse(first.stdout).promptTokens);
  assert.equal((await Deno.readTextFile(file)).split("\n").filter(Boolean).length, lines.length, "all hits");
  // A corrupt cache file changes nothing the user sees.
  await Deno.writeTextFile(file, "\u0000garbage\nnot a line\n");
  const third = await runCli(args, { env });
  assert.equal(third.code, 0, third.stderr);
  assert.equal(JSON.parse(third.stdout).promptTokens, JSON.parse(first.stdout).promptTokens);
});
