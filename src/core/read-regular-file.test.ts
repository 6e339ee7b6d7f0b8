import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readRegularFile } from "./read-regular-file.js";

let dir: string;
beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), "ci-bot-regular-"))));
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("readRegularFile", () => {
  test("a regular file within the cap is read whole; one over it is not read", async () => {
    await writeFile(join(dir, "a.json"), "{}\n");
    await chmod(join(dir, "a.json"), 0o750);
    expect(await readRegularFile(join(dir, "a.json"), 3)).toEqual({ ok: true, data: Buffer.from("{}\n"), mode: 0o750 });
    expect(await readRegularFile(join(dir, "a.json"), 2)).toEqual({ ok: false, why: "too_large", size: 3 });
    // Sparse: a huge size costs the test nothing, and the reader no memory.
    await truncate(join(dir, "a.json"), 2 ** 40);
    expect(await readRegularFile(join(dir, "a.json"), 1024)).toEqual({ ok: false, why: "too_large", size: 2 ** 40 });
  });

  test("absent, a directory, a symlink (even to a file) and a FIFO nobody writes to: none is read, none waits", async () => {
    await writeFile(join(dir, "real.json"), "{}\n");
    await symlink(join(dir, "real.json"), join(dir, "link.json"));
    await symlink("/dev/zero", join(dir, "zero.json"));
    await mkdir(join(dir, "sub"));
    execFileSync("mkfifo", [join(dir, "fifo.json")]);
    expect(await readRegularFile(join(dir, "none.json"), 1024)).toEqual({ ok: false, why: "absent" });
    expect(await readRegularFile(join(dir, "real.json", "x"), 1024)).toEqual({ ok: false, why: "absent" });
    for (const name of ["link.json", "zero.json", "sub", "fifo.json"]) {
      expect(await readRegularFile(join(dir, name), 1024)).toMatchObject({ ok: false, why: "not_regular" });
    }
  });
});
