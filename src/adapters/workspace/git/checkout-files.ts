import { lstat, mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { permanent } from "../../../core/errors.js";
import { encodeGitIndex, type IndexEntry } from "./encode-git-index.js";
import type { GitObject, GitObjects } from "./git-objects.js";
import type { CommitFile } from "./list-commit-files.js";

/** Writes in flight at once: enough to keep libuv's pool busy, few enough to keep objects' memory small. */
const IN_FLIGHT = 16;

/**
 * Writes the files of a commit into the work tree `dir` and the matching `.git/index`, as `git checkout` of a
 * fresh clone does. Objects are resolved on the loop one at a time (native zlib, a few µs each) while their
 * writes run on the thread pool, so a big checkout never holds the event loop for long. Symlinks are written
 * last, so no file is ever written through one.
 */
export async function checkoutFiles(opts: {
  dir: string;
  objects: GitObjects;
  files: CommitFile[];
  signal?: AbortSignal;
  /** Called with the bytes of work tree so far, before each file is written; throwing stops the checkout. */
  onBytes?: (total: number) => void;
}): Promise<{ bytes: number }> {
  const { dir, objects, files, signal, onBytes } = opts;
  let bytes = 0;
  const dirs = new Set<string>();
  for (const f of files) {
    if (f.mode === 0o160000) dirs.add(f.path);
    else if (f.path.includes("/")) dirs.add(dirname(f.path));
  }
  // Parents sort before their children, and a recursive mkdir of a child covers its parents.
  const leaves = [...dirs].sort().filter((d, i, all) => !(all[i + 1]?.startsWith(d + "/")));
  for (const d of leaves) await mkdir(join(dir, d), { recursive: true });

  const entries: IndexEntry[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const write = async (f: CommitFile, data: Buffer) => {
    const path = join(dir, f.path);
    if (f.mode === 0o120000) await symlink(data.toString("utf8"), path);
    else await writeFile(path, data, { mode: f.mode === 0o100755 ? 0o777 : 0o666 });
    entries.push({ path: f.path, oid: f.oid, mode: f.mode, stat: await lstat(path, { bigint: true }) });
  };
  const ordered = [...files.filter((f) => f.mode !== 0o120000), ...files.filter((f) => f.mode === 0o120000)];
  for (const [i, f] of ordered.entries()) {
    if (failure !== undefined) break;
    if (signal?.aborted) {
      failure = signal.reason;
      break;
    }
    if (f.mode === 0o160000) {
      entries.push({ path: f.path, oid: f.oid, mode: f.mode });
      continue;
    }
    // Symlinks wait for every file write to finish.
    if (f.mode === 0o120000 && ordered[i - 1]?.mode !== 0o120000) await Promise.all(inFlight);
    let obj: GitObject;
    try {
      obj = objects.read(f.oid);
      if (obj.type !== "blob") throw permanent("corrupt_object", `"${f.path}" names ${f.oid}, a ${obj.type}, not a blob; the clone is discarded. Retry the job.`);
      bytes += obj.data.length;
      onBytes?.(bytes);
    } catch (err) {
      failure = err;
      break;
    }
    const p: Promise<void> = write(f, obj.data)
      .catch((err: unknown) => void (failure ??= err))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  await writeFile(join(dir, ".git", "index"), encodeGitIndex(entries));
  return { bytes };
}
