/** Test helpers: real SWE-bench rows and parquet files built from them. */
import { parquetWriteBuffer } from "hyparquet-writer";
import { INSTANCE_FIELDS } from "../../src/swebench/instance.ts";

export const DATA: URL = new URL("../fixtures/swe-bench/", import.meta.url);
/** The Hugging Face columns of a SWE-bench row (the instance fields less the retrieval `text`). */
export const FIELDS: string[] = INSTANCE_FIELDS.filter((f) => f !== "text");

/** Raw rows of a data file (HF encoding: test lists as JSON strings). */
export function rawRows(file = "lite-test.jsonl"): Record<string, unknown>[] {
  return Deno.readTextFileSync(new URL(file, DATA)).split("\n").filter((l) => l.trim()).map((l) =>
    JSON.parse(l)
  );
}

/** A parquet file (bytes) with string columns, like the Hugging Face SWE-bench files. */
export function parquetBytes(
  rows: Record<string, unknown>[],
  options: { fields?: string[]; rowGroupSize?: number; codec?: "SNAPPY" | "UNCOMPRESSED" } = {},
): Uint8Array<ArrayBuffer> {
  const fields = options.fields ?? FIELDS;
  const buf = parquetWriteBuffer({
    columnData: fields.map((name) => ({
      name,
      data: rows.map((r) => (r[name] === undefined ? null : r[name] as string)),
      type: "STRING" as const,
    })),
    rowGroupSize: options.rowGroupSize ?? 100_000,
    codec: options.codec ?? "SNAPPY",
  });
  return new Uint8Array(buf);
}

/** A fresh temp dir, removed by the returned disposer. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "swebench-test-" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}
