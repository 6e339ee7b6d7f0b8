import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import { TailBuffer } from "./tail-buffer.js";

describe("TailBuffer", () => {
  test("keeps everything while under capacity", () => {
    const b = new TailBuffer(10);
    b.write(Buffer.from("abc"));
    b.write(Buffer.from("def"));
    expect(b.text()).toBe("abcdef");
    expect(b.truncated).toBe(false);
    expect(b.totalBytes).toBe(6);
  });

  test("keeps the last bytes across wrap-around and oversized chunks", () => {
    const b = new TailBuffer(5);
    b.write(Buffer.from("abcd"));
    b.write(Buffer.from("efg"));
    expect(b.text()).toBe("cdefg");
    b.write(Buffer.from("0123456789"));
    expect(b.text()).toBe("56789");
    expect(b.totalBytes).toBe(17);
    expect(b.truncated).toBe(true);
  });

  test("equals the tail of the concatenation for any chunking", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 20 }), (cap, chunks) => {
        const b = new TailBuffer(cap);
        for (const c of chunks) b.write(c);
        const all = Buffer.concat(chunks);
        expect(b.bytes().equals(all.subarray(Math.max(0, all.length - cap)))).toBe(true);
        expect(b.totalBytes).toBe(all.length);
      }),
    );
  });

  test("text drops a multi-byte character cut at the start and can return a shorter tail", () => {
    const b = new TailBuffer(5);
    b.write(Buffer.from("é日本")); // 2 + 3 + 3 bytes: the tail starts inside 日
    expect(b.text()).toBe("本");
    expect(b.text(3)).toBe("本");
  });

  test("rejects a useless capacity", () => {
    expect(() => new TailBuffer(0)).toThrow(RangeError);
  });
});
