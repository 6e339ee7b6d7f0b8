import { lstat, readdir, statfs } from "node:fs/promises";
import { join } from "node:path";

export interface Usage {
  files: number;
  bytes: number;
  /** True when the walk stopped early because a limit was passed. */
  over: boolean;
}

/** Files and bytes under `dir` (symlinks counted, not followed); stops as soon as a limit is passed. */
export async function diskUsage(dir: string, limits: { maxFiles?: number; maxBytes?: number } = {}): Promise<Usage> {
  const usage: Usage = { files: 0, bytes: 0, over: false };
  const maxFiles = limits.maxFiles ?? Infinity;
  const maxBytes = limits.maxBytes ?? Infinity;
  const stack = [dir];
  while (stack.length && !usage.over) {
    const current = stack.pop()!;
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = join(current, e.name);
      if (e.isDirectory()) {
        stack.push(p);
        continue;
      }
      const st = await lstat(p).catch(() => undefined);
      if (!st) continue;
      usage.files++;
      usage.bytes += st.size;
      if (usage.files > maxFiles || usage.bytes > maxBytes) {
        usage.over = true;
        break;
      }
    }
  }
  return usage;
}

/** Bytes available to this process on the filesystem holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}
