import { statfs } from "node:fs/promises";

/** Bytes available to this process on the filesystem holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** A byte count as a person reads it in a message about disk space. */
export const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
