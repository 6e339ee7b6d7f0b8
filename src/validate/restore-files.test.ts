import { afterEach, describe, expect, test } from "@jest/globals";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturePatch, fixtureRepo, type FixtureRepo } from "../../test/helpers/fixture-repo.js";
import { diffPaths, restoreFiles } from "./restore-files.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});
async function repo(): Promise<FixtureRepo> {
  const r = await fixtureRepo("node-sum");
  cleanups.push(r.cleanup);
  return r;
}

describe("diffPaths", () => {
  test("both sides of git and plain diffs, never /dev/null", async () => {
    expect(diffPaths(await fixturePatch("node-sum.fix.diff"))).toEqual(["src/math.js"]);
    expect(diffPaths("--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+x\n")).toEqual(["new.txt"]);
    expect(diffPaths("diff --git a/old.js b/new.js\nrename from old.js\nrename to new.js\n").sort()).toEqual(["new.js", "old.js"]);
  });
});

describe("restoreFiles", () => {
  test("puts modified files back and removes files the patch added", async () => {
    const { chmod, stat } = await import("node:fs/promises");
    const r = await repo();
    const original = await readFile(join(r.dir, "src/math.js"), "utf8");
    await writeFile(join(r.dir, "src/math.js"), "patched");
    await chmod(join(r.dir, "src/math.js"), 0o755); // a script's mode is kept

    await writeFile(join(r.dir, "src/added.js"), "new");
    const restored = await restoreFiles(r.dir, ["src/math.js", "src/added.js", "test/math.test.js"]);
    expect(restored.sort()).toEqual(["src/added.js", "src/math.js"]);
    expect(await readFile(join(r.dir, "src/math.js"), "utf8")).toBe(original);
    expect((await stat(join(r.dir, "src/math.js"))).mode & 0o777).toBe(0o755);
    await expect(readFile(join(r.dir, "src/added.js"))).rejects.toThrow();
  });

  test("ignores paths that leave the checkout, go through a symlink or into .git", async () => {
    const r = await repo();
    const outside = await mkdtemp(join(tmpdir(), "t0-outside-"));
    cleanups.push(() => rm(outside, { recursive: true, force: true }));
    await writeFile(join(outside, "victim.txt"), "keep me");
    await symlink(outside, join(r.dir, "link"));
    await writeFile(join(r.root, "sibling.txt"), "keep me too");
    const restored = await restoreFiles(r.dir, ["../sibling.txt", "link/victim.txt", `${outside}/victim.txt`, ".git/HEAD", "link"]);
    expect(restored).toEqual([]);
    expect(await readFile(join(outside, "victim.txt"), "utf8")).toBe("keep me");
    expect(await readFile(join(r.root, "sibling.txt"), "utf8")).toBe("keep me too");
  });

  // The repository's commands ran in the checkout before: one that left a FIFO where a patched file was made
  // the restore's write wait for a reader forever, holding one of libuv's four threads.
  test("a FIFO left where a committed file was is replaced, not written into", async () => {
    const { execFileSync } = await import("node:child_process");
    const { constants, open } = await import("node:fs/promises");
    const r = await repo();
    const file = join(r.dir, "src/math.js");
    const original = await readFile(file, "utf8");
    await rm(file);
    execFileSync("mkfifo", [file]);
    // A write that waits for a reader waits for ever; 15 s only leaves a loaded CI machine room (it takes ms).
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<"stuck">((res) => (timer = setTimeout(() => res("stuck"), 15_000)));
    const outcome = await Promise.race([restoreFiles(r.dir, ["src/math.js"]), stuck]);
    clearTimeout(timer);
    // Frees a write that waits for a reader, so that a failure does not hold the test process.
    if (outcome === "stuck") await (await open(file, constants.O_RDONLY | constants.O_NONBLOCK)).close();
    expect(outcome).toEqual(["src/math.js"]);
    expect(await readFile(file, "utf8")).toBe(original);
  });

  // A test grew a file the patch touches (sparse here): it was read whole to compare it with the commit's,
  // so the restore held gigabytes, or failed past Node's 2 GiB read limit, at every retry.
  test("a file grown past the committed one is rewritten without being read", async () => {
    const { truncate } = await import("node:fs/promises");
    const r = await repo();
    const file = join(r.dir, "src/math.js");
    const original = await readFile(file, "utf8");
    await truncate(file, 3 * 1024 ** 3);
    expect(await restoreFiles(r.dir, ["src/math.js"])).toEqual(["src/math.js"]);
    expect(await readFile(file, "utf8")).toBe(original);
  });

  test("a directory that is not a git checkout is left alone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-nogit-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "a.txt"), "x");
    expect(await restoreFiles(dir, ["a.txt"])).toEqual([]);
    expect(await readFile(join(dir, "a.txt"), "utf8")).toBe("x");
  });
});
