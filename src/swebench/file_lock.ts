/**
 * The one-writer lock of a predictions file: `<file>.lock` holds the writer's pid and an exclusive OS lock
 * (`FsFile.tryLock`), so a second writer (another process, or this one) gets a clear usage error, while a lock left
 * behind by a killed process is taken over. Keyed by the real path (symlinks followed).
 *
 * @module
 */
import { SwebenchError } from "../core/mod.ts";
import { fileError } from "./file_io.ts";

/** A held lock. */
export interface FileLock {
  /** The open lock file (holds the OS lock). */
  file: Deno.FsFile;
  /** Its path: `<real path>.lock`. */
  lockPath: string;
}

const heldLocks = new Set<string>();

async function readLockOwner(file: Deno.FsFile): Promise<string> {
  try {
    await file.seek(0, Deno.SeekMode.Start);
    const buf = new Uint8Array(64);
    const n = await file.read(buf);
    const text = new TextDecoder().decode(buf.subarray(0, n ?? 0)).trim();
    return /^\d+$/.test(text) ? `pid ${text}` : "another process";
  } catch {
    return "another process";
  }
}

function lockedError(path: string, owner: string): SwebenchError {
  return new SwebenchError("usage", `${path} is being written by another run (${owner})`, {
    hint:
      "Wait for that run to finish, or write to another file with -o. Two runs must not share a predictions file.",
  });
}

/** Take `<path>.lock`: created with createNew (pid inside) and held with an exclusive OS lock. */
export async function acquireLock(
  realPath: string,
  path: string,
): Promise<FileLock> {
  const lockPath = `${realPath}.lock`;
  if (heldLocks.has(lockPath)) throw lockedError(path, `this process, pid ${Deno.pid}`);
  for (let attempt = 0; attempt < 5; attempt++) {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(lockPath, { read: true, write: true, createNew: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw fileError(e, lockPath, "write");
      try {
        file = await Deno.open(lockPath, { read: true, write: true });
      } catch (e2) {
        if (e2 instanceof Deno.errors.NotFound) continue; // removed meanwhile: try again
        throw fileError(e2, lockPath, "write");
      }
    }
    let locked = false;
    try {
      locked = await file.tryLock(true);
    } catch {
      locked = false;
    }
    if (!locked) {
      const owner = await readLockOwner(file);
      file.close();
      throw lockedError(path, owner);
    }
    // The holder may have removed the file between our open and our lock: make sure we lock the file at the path.
    const [held, atPath] = await Promise.all([file.stat(), Deno.stat(lockPath).catch(() => undefined)]);
    if (!atPath || (held.ino !== null && atPath.ino !== null && held.ino !== atPath.ino)) {
      file.close();
      continue;
    }
    try {
      await file.truncate(0);
      await file.seek(0, Deno.SeekMode.Start);
      await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
    } catch (e) {
      file.close();
      throw fileError(e, lockPath, "write");
    }
    heldLocks.add(lockPath);
    return { file, lockPath };
  }
  throw lockedError(path, "another process");
}

/** Release a lock: forget it, remove the lock file, unlock and close it. */
export async function releaseLock(lock: FileLock): Promise<void> {
  heldLocks.delete(lock.lockPath);
  await Deno.remove(lock.lockPath).catch(() => {});
  try {
    await lock.file.unlock();
  } catch { /* closing releases it anyway */ }
  try {
    lock.file.close();
  } catch { /* already closed */ }
}
