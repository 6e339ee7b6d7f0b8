import { constants } from "node:fs";
import { open } from "node:fs/promises";

export type RegularFileRead =
  /** `mode`: the file's permission bits, from the same stat. */
  | { ok: true; data: Buffer; mode: number }
  | { ok: false; why: "absent" }
  | { ok: false; why: "not_regular" }
  | { ok: false; why: "too_large"; size: number };

/**
 * The bytes of the file at `abs` if it is a regular file of at most `maxBytes`. The repository decides
 * what its checkout holds: a generated file of hundreds of MB read whole holds the worker's memory, and a
 * FIFO (which the repository's own commands may leave) blocks a plain open forever. So it is opened
 * without following a last symlink and without waiting (O_NONBLOCK only matters for FIFOs and devices),
 * and what was opened is checked, not the path a moment before; it is read up to the cap even if it grows.
 * Callers check the path's components (inside the checkout, no symlink out) themselves.
 */
export async function readRegularFile(abs: string, maxBytes: number): Promise<RegularFileRead> {
  let fh;
  try {
    fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { ok: false, why: "absent" };
    // ELOOP: the last component is a symlink; ENXIO: a socket.
    if (code === "ELOOP" || code === "ENXIO") return { ok: false, why: "not_regular" };
    throw err;
  }
  try {
    const stats = await fh.stat();
    if (!stats.isFile()) return { ok: false, why: "not_regular" };
    if (stats.size > maxBytes) return { ok: false, why: "too_large", size: stats.size };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // Sized by the stat (one byte more, to see the end), so a small config costs no megabyte; a file that
      // grew since is read on in chunks, up to the cap.
      const want = total === 0 ? stats.size + 1 : 64 * 1024;
      const buf = Buffer.allocUnsafe(Math.min(want, 1024 * 1024, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) return { ok: false, why: "too_large", size: total };
    }
    return { ok: true, data: Buffer.concat(chunks, total), mode: stats.mode & 0o7777 };
  } finally {
    await fh.close();
  }
}
