import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { watchDisk, type DiskLow } from "./watch-disk.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "t0-watch-disk-"));
  await mkdir(join(dir, "ws"));
  await mkdir(join(dir, "tmp"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  jest.useRealTimers();
});

/** Free space that reads `plenty` until `after` looks, then `left`; every look is recorded. */
function scriptedFree(after: number, plenty: number, left: number) {
  const looked: string[] = [];
  const freeBytes = async (p: string) => (looked.push(p), looked.length > after ? left : plenty);
  return { looked, freeBytes };
}

describe("watchDisk", () => {
  test("looks at once, then every interval, and reports once when free space falls below the floor", async () => {
    jest.useFakeTimers();
    const { looked, freeBytes } = scriptedFree(3, 10_000, 500);
    const lows: DiskLow[] = [];
    const stop = watchDisk({ paths: [join(dir, "ws")], minFreeBytes: 1_000, intervalMs: 1_000, freeBytes }, (l) => lows.push(l));
    await jest.advanceTimersByTimeAsync(0);
    expect(looked).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(999);
    expect(looked).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(2_001);
    expect(lows).toEqual([{ path: join(dir, "ws"), freeBytes: 500, minFreeBytes: 1_000 }]);
    // Reported once: nothing is looked at after that.
    await jest.advanceTimersByTimeAsync(10_000);
    expect(looked).toHaveLength(4);
    expect(lows).toHaveLength(1);
    stop();
  });

  test("two directories on one filesystem are looked at once per round", async () => {
    jest.useFakeTimers();
    const { looked, freeBytes } = scriptedFree(Infinity, 10_000, 0);
    const stop = watchDisk({ paths: [join(dir, "ws"), join(dir, "tmp")], minFreeBytes: 1_000, intervalMs: 100, freeBytes }, () => undefined);
    await jest.advanceTimersByTimeAsync(250);
    expect(looked).toEqual([join(dir, "ws"), join(dir, "ws"), join(dir, "ws")]);
    stop();
  });

  test("stopped, it looks no more and reports nothing; a directory it cannot read is skipped", async () => {
    jest.useFakeTimers();
    const looked: string[] = [];
    const lows: DiskLow[] = [];
    const freeBytes = async (p: string) => {
      looked.push(p);
      if (p.endsWith("gone")) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      return 10_000;
    };
    const stop = watchDisk({ paths: [join(dir, "gone"), join(dir, "ws")], minFreeBytes: 1_000, intervalMs: 100, freeBytes }, (l) => lows.push(l));
    await jest.advanceTimersByTimeAsync(150);
    expect(looked).toEqual([join(dir, "gone"), join(dir, "ws"), join(dir, "gone"), join(dir, "ws")]);
    stop();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(looked).toHaveLength(4);
    expect(lows).toEqual([]);
  });
});
