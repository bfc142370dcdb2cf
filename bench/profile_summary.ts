/**
 * Summarize a V8 `.cpuprofile` (from `deno run --cpu-prof --cpu-prof-dir=DIR ...`): self time per function,
 * and inclusive time per file of ours (`src/`), to find hot spots.
 *
 * Run: `deno run -A bench/profile_summary.ts DIR/CPU.*.cpuprofile [--top 40] [--filter src/]`
 *
 * @module
 */
import { fmt, markdownTable, option } from "./common.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Short location: path inside the repo or the npm package, plus line. */
function where(frame: ProfileNode["callFrame"]): string {
  const url = frame.url.replace(/^file:\/\/.*?\/(src|bench|tests)\//, "$1/")
    .replace(/^file:\/\/.*?registry\.npmjs\.org\//, "npm:")
    .replace(/^ext:/, "ext:");
  return url === "" ? "(native)" : `${url}:${frame.lineNumber + 1}`;
}

if (import.meta.main) {
  const file = Deno.args.find((a) => !a.startsWith("--") && a.endsWith(".cpuprofile"));
  if (file === undefined) {
    throw new Error("usage: profile_summary.ts FILE.cpuprofile [--top N] [--filter TEXT]");
  }
  const top = Number(option("top", "40"));
  const filter = option("filter", "");
  const profile = JSON.parse(await Deno.readTextFile(file)) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  });
  // Self time per function; inclusive time per function (each stack counted once per function).
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const key = `${node.callFrame.functionName || "(anonymous)"} ${where(node.callFrame)}`;
    self.set(key, (self.get(key) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const k = `${n.callFrame.functionName || "(anonymous)"} ${where(n.callFrame)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const rows = (m: Map<string, number>) =>
    [...m].filter(([k]) => k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([k, us]) => [k, fmt(us / 1000, 1), `${((us / total) * 100).toFixed(1)}%`]);
  console.log(`profile: ${fmt(total / 1000, 0)} ms sampled\n\n### Self time\n`);
  console.log(markdownTable(["function location", "ms", "share"], rows(self)));
  console.log(`\n### Inclusive time\n`);
  console.log(markdownTable(["function location", "ms", "share"], rows(inclusive)));
}
