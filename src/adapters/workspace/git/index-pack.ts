import { createHash } from "node:crypto";
import { crc32, inflateSync } from "node:zlib";
import { permanent } from "../../../core/errors.js";
import { applyGitDelta, deltaTargetSize } from "./apply-git-delta.js";
import type { GitObject } from "./git-objects.js";
import { readEntryHeader, type GitObjectType } from "./git-pack-file.js";
import { MAX_CHAIN, objectCache } from "./object-cache.js";

/** Bases kept while deltas are resolved; past this, a base is inflated again from its slice of the pack. */
const BASE_CACHE_BYTES = 64 * 1024 * 1024;
/**
 * Work between two yields to the event loop. With workers in the web process (the default), indexing a
 * 17 MB pack in one go held the webhook route for 250 ms; in slices a delivery usually waits no longer than
 * this (one entry's inflate, a chain rebuilt from an evicted base and the final .idx are not cut).
 */
const SLICE_MS = 10;
const HASH_CHUNK = 1 << 20;

interface Entry {
  offset: number;
  end: number;
  /** CRC-32 of the entry as stored, for the index. */
  crc: number;
  /** The object id, once known (hex). */
  oid?: string;
  baseOffset?: number;
  baseOid?: string;
}

export interface IndexedPack {
  idx: Buffer;
  packSha: string;
  objects: number;
  /**
   * Objects as resolved here, up to `keepBytes` of them, by id: a checkout that starts from these neither
   * inflates nor applies a delta a second time (in a depth-1 pack every object is part of the checkout).
   */
  resolved: Map<string, GitObject>;
}

export interface IndexPackOptions {
  /** Resolved objects handed back for the checkout, up to this many bytes (default none). */
  keepBytes?: number;
  baseCacheBytes?: number;
  /**
   * The most the objects may add up to, inflated (default unlimited). A depth-1 pack holds one commit's
   * tree, so this is what its checkout would write: a small download that inflates past the workspace's
   * limit (a zip bomb, or a header that lies) stops here, before it is in memory.
   */
  maxBytes?: number;
  /** The error for an object or a pack over maxBytes. */
  tooLarge?: (why: string) => Error;
  /** Work between two yields to the event loop (default SLICE_MS). */
  sliceMs?: number;
  /** The clone's timeout or the job's cancellation: checked at each yield, so a big pack stops early. */
  signal?: AbortSignal;
}

/**
 * `git index-pack` for a pack received whole: checks its trailing SHA-1, finds where every entry ends,
 * resolves deltas and names every object, and returns the version-2 `.idx` that git and isomorphic-git
 * read (fan-out, sorted names, CRC-32s, offsets, both checksums). Native zlib, crypto and crc32 throughout.
 */
export async function indexPack(pack: Buffer, opts: IndexPackOptions = {}): Promise<IndexedPack> {
  let sliceStart = performance.now();
  const sliceMs = opts.sliceMs ?? SLICE_MS;
  const sliceOver = () => performance.now() - sliceStart >= sliceMs;
  const breathe = async () => {
    await new Promise<void>((r) => setImmediate(r));
    opts.signal?.throwIfAborted();
    sliceStart = performance.now();
  };
  if (pack.length < 32 || pack.toString("latin1", 0, 4) !== "PACK") throw corrupt("it does not start with PACK");
  const version = pack.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw corrupt(`version ${version} is not supported`);
  const dataEnd = pack.length - 20;
  const packSha = pack.subarray(dataEnd).toString("hex");
  const sha = createHash("sha1");
  for (let at = 0; at < dataEnd; at += HASH_CHUNK) {
    if (sliceOver()) await breathe();
    sha.update(pack.subarray(at, Math.min(dataEnd, at + HASH_CHUNK)));
  }
  if (sha.digest("hex") !== packSha) throw corrupt("its SHA-1 does not match its trailer");
  const count = pack.readUInt32BE(8);

  const entries: Entry[] = [];
  const byOffset = new Map<number, Entry>();
  const byOid = new Map<string, Entry>();
  const cache = objectCache<number>(opts.baseCacheBytes ?? BASE_CACHE_BYTES);
  const resolved = new Map<string, GitObject>();
  let kept = 0;
  const maxBytes = opts.maxBytes ?? Number.MAX_SAFE_INTEGER;
  const tooLarge = opts.tooLarge ?? ((why: string) => corrupt(why));
  let total = 0;
  /** Counts an object's inflated size against maxBytes before it is allocated. */
  const budget = (size: number, offset: number) => {
    total += size;
    if (total > maxBytes) throw tooLarge(`its objects inflate to more than ${maxBytes} bytes (at the entry at ${offset})`);
  };
  const name = (e: Entry, type: GitObjectType, data: Buffer) => {
    e.oid = createHash("sha1").update(`${type} ${data.length}\0`).update(data).digest("hex");
    byOid.set(e.oid, e);
    if (kept + data.length <= (opts.keepBytes ?? 0)) {
      resolved.set(e.oid, { type, data });
      kept += data.length;
    }
  };

  // Pass 1, in pack order: every entry's extent, and the names of whole objects and of deltas whose base
  // came before them (nearly all: git writes bases first).
  let p = 12;
  for (let i = 0; i < count; i++) {
    if (sliceOver()) await breathe();
    if (p >= dataEnd) throw corrupt(`it ends after ${i} of ${count} objects`);
    const h = header(pack, p, dataEnd);
    if (h.type) budget(h.size, p);
    else if (h.size > maxBytes) throw tooLarge(`a delta in it is ${h.size} bytes`);
    let inflated: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      // Never more than the header says: a stream that would inflate further is refused, not held.
      inflated = inflateSync(pack.subarray(h.dataStart, dataEnd), { info: true, maxOutputLength: Math.max(1, h.size) }) as unknown as typeof inflated;
    } catch (err) {
      throw corrupt(`the entry at ${p} does not inflate (${(err as Error).message})`);
    }
    const data = inflated.buffer;
    if (data.length !== h.size) throw corrupt(`the entry at ${p} inflates to ${data.length} bytes, not ${h.size}`);
    const end = h.dataStart + inflated.engine.bytesWritten;
    const e: Entry = { offset: p, end, crc: crc32(pack.subarray(p, end)) >>> 0 };
    entries.push(e);
    byOffset.set(p, e);
    if (h.type) {
      name(e, h.type, data);
      cache.set(p, { type: h.type, data });
    } else {
      if (h.baseOffset !== undefined) e.baseOffset = h.baseOffset;
      else e.baseOid = h.baseOid!.toString("hex");
      const base = e.baseOffset !== undefined ? cache.get(e.baseOffset) : e.baseOid && byOid.has(e.baseOid) ? cache.get(byOid.get(e.baseOid)!.offset) : undefined;
      if (base) {
        budget(deltaTargetSize(data), p);
        const object = applyGitDelta(data, base.data);
        name(e, base.type, object);
        cache.set(p, { type: base.type, data: object });
      }
    }
    p = e.end;
  }
  if (p !== dataEnd) throw corrupt(`${dataEnd - p} bytes follow its last object`);

  // Pass 2, as git's index-pack does it: each delta left waits on its base (by offset or by id), and is
  // resolved once, from its base's data in hand, when that base is resolved; its own waiting deltas follow.
  // No object is inflated more than twice, whatever the shape of the chains (a big base with many deltas,
  // ref-delta chains stored backwards).
  // Keyed by the base's offset (`@123`) or id: a map of one kind of key.
  // A delta leaves it only when resolved: what is left at the end names bases the pack does not hold.
  const waiting = new Map<string, Entry[]>();
  for (const e of entries) {
    if (e.oid) continue;
    const key = e.baseOffset !== undefined ? `@${e.baseOffset}` : e.baseOid!;
    const list = waiting.get(key);
    if (list) list.push(e);
    else waiting.set(key, [e]);
  }
  /** The data of an entry named in pass 1 (its chain inflated again where the cache lost it). */
  const load = (e: Entry, depth = 0): GitObject => {
    const hit = cache.get(e.offset);
    if (hit) return hit;
    if (depth > MAX_CHAIN) throw corrupt(`a delta chain at ${e.offset} is longer than ${MAX_CHAIN}`);
    const h = header(pack, e.offset, dataEnd);
    const data = inflateSync(pack.subarray(h.dataStart, e.end));
    if (h.type) return { type: h.type, data };
    const baseEntry = e.baseOffset !== undefined ? byOffset.get(e.baseOffset) : byOid.get(e.baseOid!);
    const base = load(baseEntry!, depth + 1);
    return { type: base.type, data: applyGitDelta(data, base.data) };
  };
  /** The deltas waiting on `e`, taken off the list: each is resolved once, whichever root reaches it. */
  const takeWaiting = (e: Entry) => {
    const out = [...(waiting.get(`@${e.offset}`) ?? []), ...(waiting.get(e.oid!) ?? [])];
    waiting.delete(`@${e.offset}`);
    waiting.delete(e.oid!);
    return out;
  };
  for (const root of entries) {
    if (waiting.size === 0) break;
    if (!root.oid) continue;
    const first = takeWaiting(root);
    if (first.length === 0) continue;
    // Depth first with an explicit stack: a chain 4,000 deltas long must not overflow the call stack.
    const stack: Array<{ base: GitObject; children: Entry[]; depth: number }> = [{ base: load(root), children: first, depth: 0 }];
    while (stack.length) {
      if (sliceOver()) await breathe();
      const top = stack.at(-1)!;
      const child = top.children.pop();
      if (!child) {
        stack.pop();
        continue;
      }
      if (top.depth >= MAX_CHAIN) throw corrupt(`a delta chain at ${child.offset} is longer than ${MAX_CHAIN}`);
      const h = header(pack, child.offset, dataEnd);
      const delta = inflateSync(pack.subarray(h.dataStart, child.end));
      budget(deltaTargetSize(delta), child.offset);
      const data = applyGitDelta(delta, top.base.data);
      name(child, top.base.type, data);
      const next = takeWaiting(child);
      if (next.length) stack.push({ base: { type: top.base.type, data }, children: next, depth: top.depth + 1 });
    }
  }
  if (waiting.size > 0) {
    const left = [...waiting.values()].reduce((n, list) => n + list.length, 0);
    throw corrupt(`${left} deltas name bases that are not in the pack (a thin pack?)`);
  }
  return { idx: encodeIdx(entries, pack), packSha, objects: count, resolved };
}

function encodeIdx(entries: Entry[], pack: Buffer): Buffer {
  const sorted = entries.map((e) => ({ oid: Buffer.from(e.oid!, "hex"), e })).sort((a, b) => a.oid.compare(b.oid));
  const n = sorted.length;
  const large = sorted.filter((s) => s.e.offset >= 0x80000000);
  const out = Buffer.alloc(8 + 256 * 4 + n * 28 + large.length * 8 + 40);
  out.writeUInt32BE(0xff744f63, 0);
  out.writeUInt32BE(2, 4);
  let k = 0;
  for (let b = 0; b < 256; b++) {
    while (k < n && sorted[k]!.oid[0]! <= b) k++;
    out.writeUInt32BE(k, 8 + b * 4);
  }
  const names = 8 + 256 * 4;
  const crcs = names + n * 20;
  const offsets = crcs + n * 4;
  const larges = offsets + n * 4;
  let li = 0;
  sorted.forEach(({ oid, e }, i) => {
    oid.copy(out, names + i * 20);
    out.writeUInt32BE(e.crc, crcs + i * 4);
    if (e.offset < 0x80000000) out.writeUInt32BE(e.offset, offsets + i * 4);
    else {
      out.writeUInt32BE((0x80000000 | li) >>> 0, offsets + i * 4);
      out.writeBigUInt64BE(BigInt(e.offset), larges + li++ * 8);
    }
  });
  const trailer = larges + li * 8;
  pack.copy(out, trailer, pack.length - 20);
  createHash("sha1").update(out.subarray(0, trailer + 20)).digest().copy(out, trailer + 20);
  return out;
}

function header(pack: Buffer, offset: number, dataEnd: number) {
  try {
    return readEntryHeader(pack, offset, dataEnd);
  } catch (err) {
    throw corrupt((err as Error).message);
  }
}

const corrupt = (why: string) =>
  permanent("corrupt_pack", `The fetched pack cannot be indexed: ${why}. The clone is discarded; retry the job (t0-ci-bot jobs retry <id>).`);
