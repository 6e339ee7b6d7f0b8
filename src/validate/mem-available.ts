import { readFile } from "node:fs/promises";

/** `MemAvailable` from /proc/meminfo's text, in bytes; undefined when it is not there (kernels before 3.14). */
export function parseMemAvailable(meminfo: string): number | undefined {
  const m = /^MemAvailable:\s+(\d+)\s*kB\s*$/m.exec(meminfo);
  return m ? Number(m[1]) * 1024 : undefined;
}

/**
 * The kernel's estimate of how much memory can be given to new work without swapping, page cache and
 * reclaimable slabs included, which MemFree leaves out. Undefined where it cannot be read (not Linux).
 */
export async function memAvailable(path = "/proc/meminfo"): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  return text === undefined ? undefined : parseMemAvailable(text);
}
