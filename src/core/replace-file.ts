import { randomUUID } from "node:crypto";
import { chmod, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Puts `data` at `abs` by writing a new file beside it and renaming it over: whatever is there (a symlink,
 * a FIFO the repository's commands left, which a write in place would wait on forever) is replaced, never
 * followed or written into. `mode`: the new file's permissions (else the default, as a new file's).
 */
export async function replaceFile(abs: string, data: Uint8Array, mode?: number): Promise<void> {
  const tmp = join(dirname(abs), `.${basename(abs)}.ci-bot-${randomUUID()}.tmp`);
  try {
    await writeFile(tmp, data, { flag: "wx" });
    if (mode !== undefined) await chmod(tmp, mode);
    await rename(tmp, abs);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}
