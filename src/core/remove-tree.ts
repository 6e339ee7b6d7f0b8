import { chmod, lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * Gives the owner back the right to list and empty every directory under `dir` (symlinks are not followed).
 * Only called once the commands that wrote there have ended.
 */
async function ownerWritable(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => undefined);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => ownerWritable(join(dir, e.name))));
}

/**
 * `rm -rf` of what a repository's commands left behind. Unlike root, the app's user cannot unlink inside a
 * directory they made read-only (`chmod 555`, a Go module cache, a test of permission errors): a plain `rm`
 * fails with EACCES there, and the tree would stay on disk. Rejects only if it still cannot be removed.
 * `remove` is for tests run as root, whom no directory refuses.
 */
export async function removeTree(dir: string, remove: (dir: string) => Promise<void> = (d) => rm(d, { recursive: true, force: true })): Promise<void> {
  try {
    await remove(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM") throw err;
    // chmod and readdir follow a symlink: given one (a link refused in a sticky directory), they would
    // change modes outside the tree. Only a directory itself is given back to its owner.
    if (!(await lstat(dir).then((st) => st.isDirectory(), () => false))) throw err;
    await ownerWritable(dir);
    await remove(dir);
  }
}
