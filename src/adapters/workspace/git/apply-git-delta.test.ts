import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import { applyGitDelta } from "./apply-git-delta.js";

type Op = { copy: [offset: number, size: number] } | { insert: Uint8Array };

const varint = (n: number) => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};

/** Encodes a delta the way git's diff-delta.c does: only the non-zero offset and size bytes are written. */
function encode(baseSize: number, ops: Op[]): { delta: Buffer; expectedSize: number } {
  const bytes: number[] = [];
  let size = 0;
  for (const op of ops) {
    if ("insert" in op) {
      bytes.push(op.insert.length, ...op.insert);
      size += op.insert.length;
      continue;
    }
    const [offset, len] = op.copy;
    let code = 0x80;
    const args: number[] = [];
    for (let b = 0; b < 4; b++) {
      const v = Math.floor(offset / 2 ** (8 * b)) & 0xff;
      if (v) (code |= 1 << b), args.push(v);
    }
    const stored = len === 0x10000 ? 0 : len;
    for (let b = 0; b < 3; b++) {
      const v = (stored >> (8 * b)) & 0xff;
      if (v) (code |= 0x10 << b), args.push(v);
    }
    bytes.push(code, ...args);
    size += len;
  }
  return { delta: Buffer.from([...varint(baseSize), ...varint(size), ...bytes]), expectedSize: size };
}

function naive(base: Uint8Array, ops: Op[]): Buffer {
  return Buffer.concat(ops.map((op) => ("insert" in op ? Buffer.from(op.insert) : Buffer.from(base.subarray(op.copy[0], op.copy[0] + op.copy[1])))));
}

describe("applyGitDelta", () => {
  test("rebuilds the target of any copy/insert program, short and long copies alike", () => {
    const program = fc.uint8Array({ minLength: 1, maxLength: 3000 }).chain((base) =>
      fc.tuple(
        fc.constant(base),
        fc.array(
          fc.oneof(
            fc.uint8Array({ minLength: 1, maxLength: 127 }).map((insert): Op => ({ insert })),
            fc.nat(base.length - 1).chain((offset) => fc.integer({ min: 1, max: base.length - offset }).map((size): Op => ({ copy: [offset, size] }))),
          ),
          { maxLength: 40 },
        ),
      ),
    );
    fc.assert(
      fc.property(program, ([base, ops]) => {
        const { delta } = encode(base.length, ops);
        expect(applyGitDelta(delta, base).equals(naive(base, ops))).toBe(true);
      }),
    );
  });

  test("a copy with size 0 means 64 KiB, as in git", () => {
    const base = Buffer.alloc(0x10000 + 5, 7);
    const { delta } = encode(base.length, [{ copy: [5, 0x10000] }]);
    expect(applyGitDelta(delta, base).length).toBe(0x10000);
  });

  test.each([
    ["a base of another size", () => applyGitDelta(encode(10, [{ copy: [0, 4] }]).delta, Buffer.alloc(11)), /expects a base of 10 bytes/],
    ["a copy past the base", () => applyGitDelta(encode(10, [{ copy: [8, 4] }]).delta, Buffer.alloc(10)), /reaches past/],
    ["the reserved instruction 0", () => applyGitDelta(Buffer.from([10, 1, 0]), Buffer.alloc(10)), /reserved/],
    ["an insert cut short", () => applyGitDelta(Buffer.from([10, 5, 5, 1, 2]), Buffer.alloc(10)), /insert reaches past/],
    ["a copy cut short", () => applyGitDelta(Buffer.from([10, 4, 0x91]), Buffer.alloc(10)), /cut short/],
    ["less output than announced", () => applyGitDelta(Buffer.from([10, 9, 2, 1, 2]), Buffer.alloc(10)), /produced 2 bytes instead of 9/],
    ["a header cut short", () => applyGitDelta(Buffer.from([0x80]), Buffer.alloc(10)), /header is cut short/],
  ])("%s is a permanent corrupt_pack error", (_name, run, message) => {
    expect(run).toThrow(expect.objectContaining({ code: "corrupt_pack", retryable: false, message: expect.stringMatching(message) }));
  });
});
