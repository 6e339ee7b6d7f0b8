import { createHash } from "node:crypto";
import type { BigIntStats } from "node:fs";
import type { FileMode } from "./list-commit-files.js";

export interface IndexEntry {
  path: string;
  oid: string;
  mode: FileMode;
  /** lstat of the written file; absent for a submodule, whose directory git does not stat. */
  stat?: BigIntStats;
}

/**
 * A version-2 `.git/index` (git's index-format.txt): with the stat data of the files just written, `git status`
 * and isomorphic-git's status see a clean checkout without hashing every file again.
 */
export function encodeGitIndex(entries: IndexEntry[]): Buffer {
  const sorted = entries.map((e) => ({ ...e, name: Buffer.from(e.path, "utf8") })).sort((a, b) => Buffer.compare(a.name, b.name));
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write("DIRC", 0, "latin1");
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(sorted.length, 8);
  parts.push(header);
  const u32 = (n: bigint) => Number(n & 0xffffffffn);
  for (const e of sorted) {
    // 62 fixed bytes, the name, then 1–8 NULs so the entry ends on a multiple of 8.
    const length = Math.ceil((62 + e.name.length + 1) / 8) * 8;
    const b = Buffer.alloc(length);
    const s = e.stat;
    if (s) {
      b.writeUInt32BE(u32(s.ctimeNs / 1_000_000_000n), 0);
      b.writeUInt32BE(u32(s.ctimeNs % 1_000_000_000n), 4);
      b.writeUInt32BE(u32(s.mtimeNs / 1_000_000_000n), 8);
      b.writeUInt32BE(u32(s.mtimeNs % 1_000_000_000n), 12);
      b.writeUInt32BE(u32(s.dev), 16);
      b.writeUInt32BE(u32(s.ino), 20);
      b.writeUInt32BE(u32(s.uid), 28);
      b.writeUInt32BE(u32(s.gid), 32);
      b.writeUInt32BE(u32(s.size), 36);
    }
    b.writeUInt32BE(e.mode, 24);
    b.write(e.oid, 40, "hex");
    b.writeUInt16BE(Math.min(e.name.length, 0xfff), 60);
    e.name.copy(b, 62);
    parts.push(b);
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash("sha1").update(body).digest()]);
}
