import { permanent } from "../../../core/errors.js";

/**
 * Applies a git pack delta (the copy/insert instructions of an OFS_DELTA or REF_DELTA object) to its base.
 * Copies go through Buffer.copy, so a delta costs what its output's memcpy costs; every size and offset is
 * bounds-checked because the pack came over the network.
 */
export function applyGitDelta(delta: Uint8Array, base: Uint8Array): Buffer {
  const { baseSize, outSize, start } = deltaHeader(delta);
  let i = start;
  if (baseSize !== base.length) throw corrupt(`it expects a base of ${baseSize} bytes, the base has ${base.length}`);
  const out = Buffer.allocUnsafe(outSize);
  const src = Buffer.from(base.buffer, base.byteOffset, base.length);
  const ops = Buffer.from(delta.buffer, delta.byteOffset, delta.length);
  let o = 0;
  while (i < ops.length) {
    const op = ops[i++]!;
    if (op & 0x80) {
      // Bits 0–3 say which offset bytes follow, bits 4–6 which size bytes; absent bytes are zero.
      let offset = 0;
      let size = 0;
      if (op & 0x7f) {
        const need = BITS[op & 0x7f]!;
        if (i + need > ops.length) throw corrupt("an instruction is cut short");
        if (op & 0x01) offset = ops[i++]!;
        if (op & 0x02) offset |= ops[i++]! << 8;
        if (op & 0x04) offset |= ops[i++]! << 16;
        if (op & 0x08) offset = (offset | (ops[i++]! << 24)) >>> 0;
        if (op & 0x10) size = ops[i++]!;
        if (op & 0x20) size |= ops[i++]! << 8;
        if (op & 0x40) size |= ops[i++]! << 16;
      }
      if (size === 0) size = 0x10000;
      if (offset + size > src.length || o + size > outSize) throw corrupt("a copy reaches past its base or its output");
      o = copy(src, offset, size, out, o);
    } else if (op) {
      if (i + op > ops.length || o + op > outSize) throw corrupt("an insert reaches past its end");
      o = copy(ops, i, op, out, o);
      i += op;
    } else {
      throw corrupt("it uses the reserved instruction 0");
    }
  }
  if (o !== outSize) throw corrupt(`it produced ${o} bytes instead of ${outSize}`);
  return out;
}

/** The size of the object a delta produces, from its header (to refuse an oversized one before allocating it). */
export function deltaTargetSize(delta: Uint8Array): number {
  return deltaHeader(delta).outSize;
}

/** A delta starts with two varints: the size of its base and of its result. */
function deltaHeader(delta: Uint8Array): { baseSize: number; outSize: number; start: number } {
  let i = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      if (i >= delta.length) throw corrupt("its header is cut short");
      byte = delta[i++]!;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  const baseSize = varint();
  const outSize = varint();
  return { baseSize, outSize, start: i };
}

/** Number of set bits of each 7-bit copy opcode: how many offset and size bytes follow it. */
const BITS = Uint8Array.from({ length: 128 }, (_, n) => n.toString(2).replace(/0/g, "").length);

/** Short copies (most of a source-code delta) are cheaper as a loop than as a native call. */
function copy(from: Buffer, start: number, size: number, to: Buffer, at: number): number {
  if (size > 32) return at + from.copy(to, at, start, start + size);
  for (let k = 0; k < size; k++) to[at + k] = from[start + k]!;
  return at + size;
}

const corrupt = (why: string) => permanent("corrupt_pack", `A delta in the fetched pack is broken: ${why}. The clone is discarded; retry the job (t0-ci-bot jobs retry <id>).`);
