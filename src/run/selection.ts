/**
 * The instances of a run: resolve the dataset, load it, apply the selection.
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import { type DatasetRef, loadInstances, resolveDataset } from "../swebench/datasets.ts";
import type { SwebenchInstance } from "../swebench/instance.ts";
import { parseShard, selectInstancesWith } from "../swebench/select.ts";
import type { DataSettings, SelectionSettings } from "./settings.ts";

/**
 * Load the dataset and apply the selection (exit 2 on an empty dataset, an empty selection or unknown ids). The
 * instances come without their tests (a run never reads them).
 *
 * @example
 * ```ts ignore
 * import { loadSelection } from "./selection.ts";
 * const { ref, instances } = await loadSelection(
 *   { dataset: "sample", split: "test", context: "none", seed: 42, count: 2 },
 *   { cacheDir: ".cache" },
 * );
 * ```
 */
export async function loadSelection(
  selection: SelectionSettings,
  data: DataSettings,
): Promise<{ ref: DatasetRef; instances: SwebenchInstance[] }> {
  const shard = selection.shard ? parseShard(selection.shard) : undefined;
  const ref = resolveDataset(selection.dataset, {
    split: selection.split,
    context: selection.context,
    cacheDir: data.cacheDir,
    hfEndpoint: data.hfEndpoint,
    hfToken: data.hfToken,
  });
  // A run never reads the tests: they are not loaded (a 2,294-instance run holds a third of the memory, and the
  // test lists are most of a row's parse).
  const all = await loadInstances(ref, {
    tests: false,
    connectTimeoutMs: data.connectTimeoutMs,
    idleTimeoutMs: data.idleTimeoutMs,
  });
  if (all.length === 0) {
    throw new SwebenchError(
      "usage",
      `the dataset ${ref.path ?? ref.id ?? ref.name} (${ref.split}) is empty: it has no rows`,
      {
        hint: ref.kind === "local"
          ? "Check the file: it holds no instance (one JSON object per line, or a JSON array, or parquet rows)."
          : "Check the dataset name and --split with `swebench dataset info <name>`.",
      },
    );
  }
  // The glob matcher (picomatch, which loads Deno's Node compatibility layer) is loaded only for a filter.
  const compileGlobs = selection.filter === undefined
    ? undefined
    : (await import("../swebench/filter.ts")).compileGlobs;
  const instances = selectInstancesWith(all, {
    instances: selection.instances,
    filter: selection.filter,
    count: selection.count,
    sample: selection.sample,
    seed: selection.seed,
    shard,
  }, compileGlobs);
  if (instances.length === 0) {
    throw new SwebenchError("usage", "the selection is empty: no instance matches", {
      hint: "Check --instances/--filter/--count/--shard against `swebench dataset info <name>`.",
    });
  }
  return { ref, instances };
}
