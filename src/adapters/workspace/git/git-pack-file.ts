import { readFile } from "node:fs/promises";
import { inflateSync } from "node:zlib";
import { permanent } from "../../../core/errors.js";

export type GitObjectType = "commit" | "tree" | "blob" | "tag";

/** A SHA-1 object id as git prints it. */
export const OBJECT_ID = /^[0-9a-f]{40}$/;

/** One entry of a pack: a whole object, or a delta against a base named by pack offset or by object id. */
export type PackEntry =
  | { kind: "whole"; type: GitObjectType; data: Buffer }
  | { kind: "delta"; baseOffset: number; delta: Buffer }
  | { kind: "ref-delta"; baseOid: Buffer; delta: Buffer };

export interface GitPackFile {
  readonly path: string;
  /** The pack offset of the object, or undefined when this pack does not hold it. */
  offsetOf(oid: Buffer): number | undefined;
  /** The entry at `offset`, inflated with Node's zlib. */
  entryAt(offset: number): PackEntry;
}

const TYPE_NAMES: Record<number, GitObjectType> = { 1: "commit", 2: "tree", 3: "blob", 4: "tag" };

export interface EntryHeader {
  /** The object's type; undefined for a delta. */
  type?: GitObjectType;
  /** Inflated size (of the object, or of the delta). */
  size: number;
  baseOffset?: number;
  baseOid?: Buffer;
  /** Where the zlib stream starts. */
  dataStart: number;
}

/** The header of the pack entry at `offset`: type and size, then a delta's base. Throws on a cut or unknown entry. */
export function readEntryHeader(pack: Buffer, offset: number, dataEnd: number): EntryHeader {
  let p = offset;
  const next = () => {
    if (p >= dataEnd) throw new Error(`the entry at ${offset} is cut short`);
    return pack[p++]!;
  };
  let byte = next();
  const typeNo = (byte >> 4) & 7;
  let size = byte & 0x0f;
  let shift = 4;
  while (byte & 0x80) {
    byte = next();
    size += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  }
  if (typeNo === 6) {
    byte = next();
    let back = byte & 0x7f;
    while (byte & 0x80) {
      byte = next();
      back = (back + 1) * 128 + (byte & 0x7f);
    }
    // 0 would name the delta itself as its base (git refuses it too: base_offset <= 0).
    if (back === 0 || back > offset - 12) throw new Error(`the delta at ${offset} names a base outside the entries before it`);
    return { size, baseOffset: offset - back, dataStart: p };
  }
  if (typeNo === 7) {
    if (p + 20 > dataEnd) throw new Error(`the entry at ${offset} is cut short`);
    return { size, baseOid: pack.subarray(p, p + 20), dataStart: p + 20 };
  }
  const type = TYPE_NAMES[typeNo];
  if (!type) throw new Error(`the entry at ${offset} has the unknown type ${typeNo}`);
  return { type, size, dataStart: p };
}

/**
 * Reads a `.pack` through its version-2 `.idx` (as index-pack.ts or isomorphic-git's fetch wrote them,
 * already checked against their SHA-1s there). The pack is read whole, as isomorphic-git does; the clone's size
 * limit bounds it. Each entry's compressed bytes end where the next entry starts, so zlib gets exact slices.
 */
export async function openGitPackFile(packPath: string): Promise<GitPackFile> {
  const idxPath = packPath.replace(/\.pack$/, ".idx");
  const [pack, idx] = await Promise.all([readFile(packPath), readFile(idxPath)]);
  return gitPackFileOf(packPath, pack, idx);
}

/** The same for a pack and index already in memory (one this process has just fetched and indexed). */
export function gitPackFileOf(packPath: string, pack: Buffer, idx: Buffer): GitPackFile {
  if (pack.toString("latin1", 0, 4) !== "PACK" || idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) {
    throw corrupt(packPath, "it is not a version-2 pack with its index");
  }
  const count = idx.readUInt32BE(8 + 255 * 4);
  const namesAt = 8 + 256 * 4;
  const offsetsAt = namesAt + count * 24; // names (20 bytes each), then CRCs (4 each)
  const largeAt = offsetsAt + count * 4;
  const offsetAtIndex = (k: number) => {
    const small = idx.readUInt32BE(offsetsAt + k * 4);
    if (!(small & 0x80000000)) return small;
    return Number(idx.readBigUInt64BE(largeAt + (small & 0x7fffffff) * 8));
  };
  const sorted = new Float64Array(count);
  for (let k = 0; k < count; k++) sorted[k] = offsetAtIndex(k);
  sorted.sort();
  const dataEnd = pack.length - 20;
  const endOf = (offset: number) => {
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < count ? sorted[lo]! : dataEnd;
  };

  return {
    path: packPath,
    offsetOf(oid) {
      // The fan-out table bounds the search to the names that share the first byte.
      let lo = oid[0]! === 0 ? 0 : idx.readUInt32BE(8 + (oid[0]! - 1) * 4);
      let hi = idx.readUInt32BE(8 + oid[0]! * 4);
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const c = oid.compare(idx, namesAt + mid * 20, namesAt + mid * 20 + 20);
        if (c === 0) return offsetAtIndex(mid);
        if (c < 0) hi = mid;
        else lo = mid + 1;
      }
      return undefined;
    },
    entryAt(offset) {
      if (offset < 12 || offset >= dataEnd) throw corrupt(packPath, `no entry starts at offset ${offset}`);
      let h: EntryHeader;
      try {
        h = readEntryHeader(pack, offset, dataEnd);
      } catch (err) {
        throw corrupt(packPath, (err as Error).message);
      }
      let data: Buffer;
      try {
        data = inflateSync(pack.subarray(h.dataStart, endOf(offset)));
      } catch (err) {
        throw corrupt(packPath, `the entry at ${offset} does not inflate (${(err as Error).message})`);
      }
      if (data.length !== h.size) throw corrupt(packPath, `the entry at ${offset} inflates to ${data.length} bytes, not ${h.size}`);
      if (h.type) return { kind: "whole", type: h.type, data };
      return h.baseOffset !== undefined ? { kind: "delta", baseOffset: h.baseOffset, delta: data } : { kind: "ref-delta", baseOid: h.baseOid!, delta: data };
    },
  };
}

const corrupt = (path: string, why: string) =>
  permanent("corrupt_pack", `The fetched pack ${path} cannot be read: ${why}. The clone is discarded; retry the job (t0-ci-bot jobs retry <id>).`);
