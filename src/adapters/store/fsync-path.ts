import { open } from "node:fs/promises";

/**
 * Flushes a file or a folder to disk (a folder: the names in it, so a file just created, renamed or
 * deleted stays so after a power cut). A path gone since (archived, removed) has nothing to keep.
 */
export async function fsyncPath(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
