import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { deflateSync } from "node:zlib";
import { git as gitCli } from "../../../../test/fakes/git-server.js";
import { indexPack } from "./index-pack.js";

const run = promisify(execFile);

let base: string;
let repo: string;
let oids: string[];

/** `git pack-objects` of the given objects, with the given extra flags (delta kinds, depth). */
async function packOf(objects: string[], flags: string[] = []): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["pack-objects", "--stdout", ...flags], { cwd: repo });
    const out: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`git pack-objects exited ${code}`))));
    child.stdin.end(objects.join("\n") + "\n");
  });
}

/** What `git index-pack` writes for the same pack: the reference our index must equal byte for byte. */
async function gitIndex(pack: Buffer, name: string): Promise<Buffer> {
  const file = join(base, `${name}.pack`);
  await writeFile(file, pack);
  await run("git", ["index-pack", "--index-version=2", file]);
  return readFile(join(base, `${name}.idx`));
}

/** A pack entry's header: type and inflated size. */
function hdr(type: number, size: number): Buffer {
  const head = [(type << 4) | (size & 0x0f) | (size > 15 ? 0x80 : 0)];
  for (let rest = Math.floor(size / 16); rest > 0; rest = Math.floor(rest / 128)) head.push((rest & 0x7f) | (rest >= 128 ? 0x80 : 0));
  return Buffer.from(head);
}

/** A version-2 pack of the given entries, with its trailer: what a hostile server could send. */
function craft(entries: Buffer[]): Buffer {
  const head = Buffer.alloc(12);
  head.write("PACK", 0, "latin1");
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(entries.length, 8);
  const body = Buffer.concat([head, ...entries]);
  return Buffer.concat([body, createHash("sha1").update(body).digest()]);
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "t0-index-pack-"));
  repo = join(base, "repo");
  await mkdir(join(repo, "src"), { recursive: true });
  await gitCli(repo, "init", "-q", "-b", "main");
  // Similar files in several commits, so that pack-objects writes delta chains.
  let text = "";
  for (let c = 0; c < 4; c++) {
    for (let i = 0; i < 25; i++) {
      text += `export const v${c}_${i} = ${i * 7 + c}; // line ${i}\n`;
      await writeFile(join(repo, "src", `m${i}.ts`), text);
    }
    await writeFile(join(repo, `bin${c}.dat`), randomBytes(40_000));
    await gitCli(repo, "add", "-A");
    await gitCli(repo, "commit", "-q", "-m", `c${c}`);
  }
  oids = (await gitCli(repo, "rev-list", "--objects", "--all")).split("\n").map((l) => l.split(" ")[0]!).filter(Boolean);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("indexPack", () => {
  test.each([
    ["offset deltas", ["--delta-base-offset"]],
    ["ref deltas", []],
    ["deep chains", ["--delta-base-offset", "--depth=200", "--window=50"]],
    ["no deltas", ["--depth=0"]],
  ])("writes the same .idx as git index-pack (%s), and names every object", async (label, flags) => {
    const pack = await packOf(oids, flags);
    const ours = await indexPack(pack, { keepBytes: Number.MAX_SAFE_INTEGER });
    expect(ours.idx.equals(await gitIndex(pack, label.replace(/ /g, "-")))).toBe(true);
    expect(ours.objects).toBe(oids.length);
    expect([...ours.resolved.keys()].sort()).toEqual([...oids].sort());
    // The resolved objects are the objects: their ids recomputed from type and content.
    for (const [oid, o] of ours.resolved) {
      expect(createHash("sha1").update(`${o.type} ${o.data.length}\0`).update(o.data).digest("hex")).toBe(oid);
    }
  });

  test("without a base cache every delta is resolved again from the pack, with the same result", async () => {
    for (const flags of [["--delta-base-offset", "--depth=200", "--window=50"], []]) {
      const pack = await packOf(oids, flags);
      const cached = await indexPack(pack);
      const uncached = await indexPack(pack, { baseCacheBytes: 0, keepBytes: Number.MAX_SAFE_INTEGER });
      expect(uncached.idx.equals(cached.idx)).toBe(true);
      expect(uncached.resolved.size).toBe(oids.length);
    }
    // Each object is resolved once: its size counts once against maxBytes, so the exact total passes.
    const pack = await packOf(oids, ["--delta-base-offset", "--depth=200", "--window=50"]);
    const all = await indexPack(pack, { keepBytes: Number.MAX_SAFE_INTEGER });
    const total = [...all.resolved.values()].reduce((n, o) => n + o.data.length, 0);
    expect((await indexPack(pack, { baseCacheBytes: 0, maxBytes: total })).idx.equals(all.idx)).toBe(true);
    await expect(indexPack(pack, { baseCacheBytes: 0, maxBytes: total - 1 })).rejects.toThrow(/inflate to more than/);
    await gitIndex(pack, "uncached-chains");
    const { stdout } = await run("git", ["verify-pack", "-v", join(base, "uncached-chains.idx")]);
    expect(stdout).toMatch(/chain length = [2-9]/); // the packs really hold delta chains
  });

  test("maxBytes: objects, lying headers and deltas are refused before they are inflated past the limit", async () => {
    const pack = await packOf(oids, ["--delta-base-offset"]);
    const tooLarge = (why: string) => Object.assign(new Error(`too large: ${why}`), { code: "repo_too_large" });
    await expect(indexPack(pack, { maxBytes: 10_000, tooLarge })).rejects.toThrow(/too large: its objects inflate to more than 10000 bytes/);
    expect((await indexPack(pack, { maxBytes: 10_000_000, tooLarge })).objects).toBe(oids.length);

    // Hand-made packs: a blob whose header says 10 bytes but whose stream holds a megabyte, and a delta
    // whose header claims a terabyte.
    const entry = (type: number, size: number, body: Buffer, extra = Buffer.alloc(0)) => Buffer.concat([hdr(type, size), extra, deflateSync(body)]);
    await expect(indexPack(craft([entry(3, 10, Buffer.alloc(1024 * 1024))]))).rejects.toThrow(/does not inflate/);
    const base = entry(3, 3, Buffer.from("abc"));
    const terabyte = Buffer.from([3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x91, 0, 3]); // base 3, target 2^40, copy 3 from 0
    const delta = entry(6, terabyte.length, terabyte, Buffer.from([base.length]));
    await expect(indexPack(craft([base, delta]), { maxBytes: 1_000_000, tooLarge })).rejects.toThrow(/too large: its objects inflate to more than 1000000/);
  });

  describe("hand-made packs with the shapes a hostile server could send", () => {
    const ofs = (back: number) => {
      const bytes = [back & 0x7f];
      while ((back >>= 7)) bytes.unshift(0x80 | (--back & 0x7f));
      return Buffer.from(bytes);
    };
    const varint = (n: number) => {
      const b: number[] = [];
      do {
        b.push((n & 0x7f) | (n >= 128 ? 0x80 : 0));
        n = Math.floor(n / 128);
      } while (n);
      return Buffer.from(b);
    };
    const blobId = (b: Buffer) => createHash("sha1").update(`blob ${b.length}\0`).update(b).digest();
    /** Deltas whose base is the next entry, by id: each is resolvable only once the one after it is. */
    const backwardsChain = (n: number) => {
      const content = (i: number) => Buffer.from(`object ${i}`);
      const entries = Array.from({ length: n }, (_, i) => {
        const target = content(i);
        const base = content(i + 1);
        const delta = Buffer.concat([varint(base.length), varint(target.length), Buffer.from([target.length]), target]);
        return Buffer.concat([hdr(7, delta.length), blobId(base), deflateSync(delta)]);
      });
      return craft([...entries, Buffer.concat([hdr(3, content(n).length), deflateSync(content(n))])]);
    };

    test("a ref-delta chain stored backwards: every object named, the .idx git would write", async () => {
      const pack = backwardsChain(300);
      const ours = await indexPack(pack);
      expect(ours.objects).toBe(301);
      expect(ours.idx.equals(await gitIndex(pack, "backwards"))).toBe(true);
    });

    test("many deltas on one base that is not kept: resolved from that base, the .idx git would write", async () => {
      const base = Buffer.alloc(1024 * 1024, 7);
      const entries = [Buffer.concat([hdr(3, base.length), deflateSync(base)])];
      let offset = 12 + entries[0]!.length;
      for (let i = 0; i < 200; i++) {
        // Copy i+1 bytes of the base: 200 distinct small objects.
        const delta = Buffer.concat([varint(base.length), varint(i + 1), Buffer.from([0x90, i + 1])]);
        const e = Buffer.concat([hdr(6, delta.length), ofs(offset - 12), deflateSync(delta)]);
        entries.push(e);
        offset += e.length;
      }
      const pack = craft(entries);
      const ours = await indexPack(pack, { baseCacheBytes: 0 });
      expect(ours.objects).toBe(201);
      expect(ours.idx.equals(await gitIndex(pack, "fan-out"))).toBe(true);
    });

    test("two chains, neither kept: every delta is resolved once (its size counts once against maxBytes)", async () => {
      // b1 <- d1 <- d2, then b2 <- d3: when the loop reaches d1, d3 still waits, and d2 must not be redone.
      const blob = (text: string) => Buffer.concat([hdr(3, text.length), deflateSync(Buffer.from(text))]);
      const copyAll = (baseLength: number, extra: string) =>
        Buffer.concat([varint(baseLength), varint(baseLength + extra.length), Buffer.from([0x90, baseLength, extra.length]), Buffer.from(extra)]);
      const entries: Buffer[] = [];
      const offsets: number[] = [];
      let at = 12;
      const add = (e: Buffer) => {
        offsets.push(at);
        entries.push(e);
        at += e.length;
      };
      const delta = (baseIndex: number, d: Buffer) => Buffer.concat([hdr(6, d.length), ofs(at - offsets[baseIndex]!), deflateSync(d)]);
      add(blob("first base"));
      add(delta(0, copyAll(10, " +1")));
      add(delta(1, copyAll(13, " +2")));
      add(blob("second base"));
      add(delta(3, copyAll(11, " +3")));
      const pack = craft(entries);
      const sizes = [10, 13, 16, 11, 14];
      const total = sizes.reduce((a, b) => a + b, 0);
      expect((await indexPack(pack, { baseCacheBytes: 0, maxBytes: total })).idx.equals(await gitIndex(pack, "two-chains"))).toBe(true);
    });

    test("gives the event loop a turn between slices of work, and indexes the same", async () => {
      const pack = await packOf(oids);
      let turns = 0;
      let done = false;
      const tick = () => {
        if (done) return;
        turns++;
        setImmediate(tick);
      };
      setImmediate(tick);
      const sliced = await indexPack(pack, { sliceMs: 0 });
      done = true;
      // One slice per object at sliceMs 0: the loop ran about as often as there are objects.
      expect(turns).toBeGreaterThan(oids.length / 2);
      expect(sliced.idx.equals(await gitIndex(pack, "sliced"))).toBe(true);
    });

    test("stops at the next slice once its signal aborts (the clone's timeout), with the signal's reason", async () => {
      const pack = await packOf(oids);
      const controller = new AbortController();
      controller.abort(new Error("clone timed out"));
      await expect(indexPack(pack, { sliceMs: 0, signal: controller.signal })).rejects.toThrow("clone timed out");
      // Without a signal the same pack indexes.
      expect((await indexPack(pack, { sliceMs: 0 })).objects).toBeGreaterThan(0);
    });

    test("a chain deeper than git ever writes, and a delta that is its own base, are corrupt_pack", async () => {
      await expect(indexPack(backwardsChain(4200))).rejects.toThrow(expect.objectContaining({ code: "corrupt_pack", message: expect.stringMatching(/longer than 4096/) }));
      const blob = Buffer.concat([hdr(3, 3), deflateSync(Buffer.from("abc"))]);
      const self = Buffer.concat([hdr(6, 1024), Buffer.from([0]), deflateSync(Buffer.alloc(1024))]);
      await expect(indexPack(craft([blob, self]))).rejects.toThrow(expect.objectContaining({ code: "corrupt_pack", message: expect.stringMatching(/names a base outside the entries before it/) }));
    });
  });

  test("keeps resolved objects only up to keepBytes", async () => {
    const pack = await packOf(oids, ["--delta-base-offset"]);
    expect((await indexPack(pack)).resolved.size).toBe(0);
    const some = await indexPack(pack, { keepBytes: 50_000 });
    expect([...some.resolved.values()].reduce((n, o) => n + o.data.length, 0)).toBeLessThanOrEqual(50_000);
    // Kept up to the cap, not nothing: and the cap, not the pack, is what stopped it.
    expect(some.resolved.size).toBeGreaterThan(0);
    expect(some.resolved.size).toBeLessThan(oids.length);
  });

  test("refuses a damaged pack: wrong trailer, cut short, altered byte, thin pack, not a pack", async () => {
    const pack = await packOf(oids, ["--delta-base-offset"]);
    const altered = Buffer.from(pack);
    altered[200] = altered[200]! ^ 0xff;
    const reSigned = (b: Buffer) => Buffer.concat([b.subarray(0, -20), createHash("sha1").update(b.subarray(0, -20)).digest()]);
    const cases: Array<[string, Buffer, RegExp]> = [
      ["trailer", altered, /SHA-1 does not match/],
      ["cut", reSigned(Buffer.concat([pack.subarray(0, pack.length - 400), Buffer.alloc(20)])), /cut short|does not inflate|ends after|inflates to/],
      ["altered, re-signed", reSigned(altered), /does not inflate|inflates to|unknown type|broken|points before/],
      ["not a pack", Buffer.from("GARBAGE".repeat(10)), /does not start with PACK/],
    ];
    for (const [, bytes, message] of cases) {
      let err: unknown;
      try {
        await indexPack(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: "corrupt_pack", retryable: false });
      expect((err as Error).message).toMatch(message);
    }
    // A thin pack names a base it does not carry.
    const head = await gitCli(repo, "rev-parse", "HEAD");
    const thin = await packOf([head, `^${head}~1`], ["--thin", "--revs"]);
    await expect(indexPack(thin)).rejects.toThrow(/not in the pack \(a thin pack\?\)/);
  });
});
