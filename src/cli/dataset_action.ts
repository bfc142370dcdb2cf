/**
 * Actions of `swebench dataset ...`.
 *
 * @module
 */
import {
  type ContextVariant,
  datasetCacheDir,
  datasetInfo,
  type DatasetRef,
  fetchDataset,
  isDatasetCached,
  KNOWN_DATASETS,
} from "../swebench/datasets.ts";
import type { HfProgress } from "../swebench/hf.ts";
import { configPath, loadConfig } from "./config.ts";
import type { GlobalFlags } from "./options.ts";
import { fitLine, info, out, plural, style, ui, write } from "./output.ts";
import { resolveTimeouts } from "./timeouts.ts";
import { cacheDir, datasetRef } from "./paths.ts";
import { renderTable } from "./table.ts";

const ref = datasetRef;

function mib(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** `dataset list`. */
export async function datasetList(flags: { json?: true }, _globals: GlobalFlags): Promise<number> {
  const rows = [];
  for (const d of KNOWN_DATASETS) {
    const cached: string[] = [];
    if (d.name !== "sample") {
      for (const split of d.splits) {
        if (await isDatasetCached(ref(d.name, { split }))) cached.push(split);
      }
    }
    rows.push({ ...d, cached: d.name === "sample" ? ["test"] : cached });
  }
  if (flags.json) {
    out(JSON.stringify({ cacheDir: cacheDir(), datasets: rows }, null, 2));
    return 0;
  }
  out(renderTable(
    ["name", "Hugging Face id", "splits", "contexts", "cached", "about"],
    rows.map((d) => [
      d.name,
      d.id,
      d.splits.join(", "),
      d.contexts.join(", "),
      d.cached.join(", ") || "-",
      d.description,
    ]),
  ));
  out(style.dim("Also: any Hugging Face id (org/name) or a local .jsonl/.json/.parquet file."));
  out(style.dim(`Cache: ${cacheDir()}`));
  return 0;
}

/** Download progress: a live line on a terminal, one line per finished file otherwise. */
function progressPrinter(r: DatasetRef) {
  const tty = Deno.stderr.isTerminal() && !ui.quiet;
  const label = `${r.id ?? r.name} (${r.split})`;
  return (p: HfProgress) => {
    const size = p.total
      ? `${mib(p.bytes)} of ${mib(p.total)}, ${Math.floor((p.bytes / p.total) * 100)}%`
      : mib(p.bytes);
    if (tty) {
      write("stderr", `\r\x1b[2K${fitLine(`downloading ${label} ${p.file}: ${size}`)}${p.done ? "\n" : ""}`);
    } else if (p.done) info(`downloaded ${label} ${p.file}: ${mib(p.bytes)}`);
  };
}

/** `dataset fetch`. */
export async function datasetFetch(
  name: string,
  flags: {
    split: string;
    context: ContextVariant;
    refresh?: true;
    json?: true;
    connectTimeout?: number;
    idleTimeout?: number;
  },
  globals: GlobalFlags,
): Promise<number> {
  const r = ref(name, flags);
  const { connectTimeoutMs, idleTimeoutMs } = resolveTimeouts(
    flags,
    await loadConfig(configPath(globals.config)),
  );
  const fetched = await fetchDataset(r, {
    refresh: !!flags.refresh,
    onProgress: progressPrinter(r),
    connectTimeoutMs,
    idleTimeoutMs,
  });
  if (flags.json) {
    out(JSON.stringify(fetched, null, 2));
    return 0;
  }
  out(
    `${fetched.fromCache ? "Already cached" : "Fetched"}: ${fetched.id} (${fetched.split}), ` +
      `${plural(fetched.files.length, "file")}, ${mib(fetched.sizeBytes)}${
        fetched.cachedPath ? ` in ${fetched.cachedPath}` : ""
      }`,
  );
  return 0;
}

/** `dataset info`. */
export async function datasetInfoCommand(
  name: string,
  flags: { split: string; context: ContextVariant; json?: true },
  _globals: GlobalFlags,
): Promise<number> {
  const r = ref(name, flags);
  const i = await datasetInfo(r, { onProgress: progressPrinter(r) });
  if (flags.json) {
    out(JSON.stringify({ ...i, cacheDir: datasetCacheDir(r) ?? null }, null, 2));
    return 0;
  }
  out(`${style.bold(i.id)} (${i.split}): ${i.rows} instances, ${mib(i.sizeBytes)}`);
  if (i.cachedPath) out(`Location: ${i.cachedPath}`);
  const repos = Object.entries(i.repos).sort((a, b) => b[1] - a[1]);
  out(renderTable(["repository", "instances"], repos, ["left", "right"]));
  return 0;
}
