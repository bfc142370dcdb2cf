/** Shared helpers of the HTTP tests. */

/** The real captures (repo root's sibling `shared/`). */
export const CAPTURES: URL = new URL("../fixtures/captures/", import.meta.url);

/** Every capture file whose name ends with one of `suffixes`, as [relative path, bytes], sorted. */
export async function captures(...suffixes: string[]): Promise<[string, Uint8Array][]> {
  const out: [string, Uint8Array][] = [];
  for await (const dir of Deno.readDir(CAPTURES)) {
    if (!dir.isDirectory) continue;
    for await (const f of Deno.readDir(new URL(`${dir.name}/`, CAPTURES))) {
      if (f.isFile && suffixes.some((s) => f.name.endsWith(s))) {
        out.push([`${dir.name}/${f.name}`, await Deno.readFile(new URL(`${dir.name}/${f.name}`, CAPTURES))]);
      }
    }
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Read one capture as text. */
export function captureText(path: string): Promise<string> {
  return Deno.readTextFile(new URL(path, CAPTURES));
}

/** Cut `bytes` at the given offsets (any order, duplicates and out-of-range ignored). */
export function split(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const cuts = [...new Set(offsets)].filter((o) => o > 0 && o < bytes.length).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const c of cuts) {
    chunks.push(bytes.subarray(start, c));
    start = c;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** Push `chunks` through a decoder pair and collect its output (rejects with the readable side's error). */
export async function decode<T>(
  chunks: readonly Uint8Array[],
  pair: ReadableWritablePair<T, Uint8Array>,
): Promise<T[]> {
  // Writer and reader directly: about twice as fast as ReadableStream.from + pipeThrough, which matters for the
  // every-offset loops.
  const writer = pair.writable.getWriter();
  for (const c of chunks) writer.write(c).catch(() => {});
  writer.close().catch(() => {});
  const reader = pair.readable.getReader();
  const out: T[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

/** A byte stream that yields `chunks`, then errors with `error`. */
export function failingStream(chunks: readonly Uint8Array[], error: unknown): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]);
      else c.error(error);
    },
  });
}

/** Every single cut position of `bytes`, or an evenly spread subset of at most `max` for large inputs. */
export function offsets(length: number, max = Infinity): number[] {
  const all = length + 1;
  if (all <= max) return Array.from({ length: all }, (_, i) => i);
  const step = all / max;
  return Array.from({ length: max }, (_, i) => Math.floor(i * step));
}

export const te: TextEncoder = new TextEncoder();
