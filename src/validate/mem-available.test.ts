import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memAvailable, parseMemAvailable } from "./mem-available.js";

const MEMINFO = `MemTotal:       16314412 kB
MemFree:          812340 kB
MemAvailable:    9876543 kB
Buffers:          204812 kB
Cached:          8123400 kB
SwapCached:            0 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "t0-meminfo-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("parseMemAvailable", () => {
  test("reads MemAvailable in bytes, not MemFree (which leaves out the page cache the kernel gives back)", () => {
    expect(parseMemAvailable(MEMINFO)).toBe(9876543 * 1024);
  });

  test("is undefined without a MemAvailable line (kernels before 3.14) or on other text", () => {
    expect(parseMemAvailable(MEMINFO.replace(/^MemAvailable:.*\n/m, ""))).toBeUndefined();
    expect(parseMemAvailable("")).toBeUndefined();
    expect(parseMemAvailable("XMemAvailable: 5 kB\n")).toBeUndefined();
  });
});

describe("memAvailable", () => {
  test("reads the file it is given, and is undefined where there is none (macOS has no /proc)", async () => {
    await writeFile(join(dir, "meminfo"), MEMINFO);
    expect(await memAvailable(join(dir, "meminfo"))).toBe(9876543 * 1024);
    expect(await memAvailable(join(dir, "no-such-meminfo"))).toBeUndefined();
  });
});
