import { readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { inflateSync } from "node:zlib";
import { permanent } from "../../../core/errors.js";
import { applyGitDelta } from "./apply-git-delta.js";
import { OBJECT_ID, openGitPackFile, type GitObjectType, type GitPackFile } from "./git-pack-file.js";
import { MAX_CHAIN, objectCache } from "./object-cache.js";

export interface GitObject {
  type: GitObjectType;
  data: Buffer;
}

export interface GitObjects {
  /** Synchronous: objects come from packs already in memory (loose ones, rare in a clone, are read from disk). */
  read(oid: string): GitObject;
}

/** Resolved objects kept for deltas that share bases (see objectCache). */
const BASE_CACHE_BYTES = 96 * 1024 * 1024;

/**
 * The object database of a fresh clone: its packs, then loose objects. Reads through Node's native zlib,
 * where isomorphic-git inflates in JavaScript (pako) and does it again for every object it checks out.
 */
export async function openGitObjects(gitdir: string, opts: { resolved?: Map<string, GitObject>; inMemory?: GitPackFile[] } = {}): Promise<GitObjects> {
  const packDir = join(gitdir, "objects", "pack");
  const names = await readdir(packDir).catch(() => [] as string[]);
  // A pack this process has just written is not read back: it is still in memory. Matched by file name,
  // which is the pack's checksum, so a differently spelled gitdir cannot make it read the pack twice.
  const inMemory = new Map((opts.inMemory ?? []).map((p) => [basename(p.path), p]));
  const packs = await Promise.all(names.filter((n) => n.endsWith(".pack")).map((n) => inMemory.get(n) ?? openGitPackFile(join(packDir, n))));
  const cache = objectCache<string>(BASE_CACHE_BYTES);

  const fromPack = (pack: GitPackFile, offset: number, depth: number): GitObject => {
    const key = `${pack.path}:${offset}`;
    const hit = cache.get(key);
    if (hit) return hit;
    if (depth > MAX_CHAIN) throw permanent("corrupt_pack", `The delta chain at ${key} does not end; the clone is discarded. Retry the job.`);
    const entry = pack.entryAt(offset);
    let obj: GitObject;
    if (entry.kind === "whole") {
      obj = { type: entry.type, data: entry.data };
    } else {
      const base = entry.kind === "delta" ? fromPack(pack, entry.baseOffset, depth + 1) : locate(entry.baseOid, depth + 1);
      obj = { type: base.type, data: applyGitDelta(entry.delta, base.data) };
    }
    cache.set(key, obj);
    return obj;
  };

  const locate = (oid: Buffer, depth: number): GitObject => {
    for (const pack of packs) {
      const offset = pack.offsetOf(oid);
      if (offset !== undefined) return fromPack(pack, offset, depth);
    }
    return readLoose(gitdir, oid.toString("hex"));
  };

  return {
    read(oid) {
      if (!OBJECT_ID.test(oid)) throw permanent("bad_object_id", `"${oid}" is not a SHA-1 object id.`);
      const known = opts.resolved?.get(oid);
      if (known) {
        // Read once by a checkout: let it go (a second path with the same content reads the pack).
        opts.resolved!.delete(oid);
        return known;
      }
      return locate(Buffer.from(oid, "hex"), 0);
    },
  };
}

function readLoose(gitdir: string, oid: string): GitObject {
  let whole: Buffer;
  try {
    whole = inflateSync(readFileSync(join(gitdir, "objects", oid.slice(0, 2), oid.slice(2))));
  } catch (err) {
    throw (err as NodeJS.ErrnoException).code === "ENOENT" ? missing(oid) : damaged(oid);
  }
  const nul = whole.indexOf(0);
  const [type, size] = whole.toString("latin1", 0, Math.max(nul, 0)).split(" ");
  const data = whole.subarray(nul + 1);
  if (nul < 0 || !["commit", "tree", "blob", "tag"].includes(type!) || Number(size) !== data.length) throw damaged(oid);
  return { type: type as GitObjectType, data };
}

const damaged = (oid: string) => permanent("corrupt_object", `The loose object ${oid} is damaged; the clone is discarded. Retry the job.`);
const missing = (oid: string) => permanent("object_missing", `Object ${oid} is not in the fetched clone; the clone is discarded. Retry the job.`);
