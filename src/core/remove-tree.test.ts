import { afterEach, describe, expect, test } from "@jest/globals";
import { chmod, mkdir, mkdtemp, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeTree } from "./remove-tree.js";

// Root unlinks inside read-only directories anyway: what is tested here is the app's user (the Docker image's `node`).
const asUser = process.getuid?.() !== 0 ? test : test.skip;

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) {
    await chmod(join(d, "keep"), 0o700).catch(() => undefined);
    await rm(d, { recursive: true, force: true });
  }
});

/** `tree/ro/deep/f` with `ro` and `deep` read-only, and `tree/ro/link` pointing at `keep` (mode 0500), beside the tree. */
async function readOnlyTree(): Promise<{ tree: string; keep: string }> {
  const base = await mkdtemp(join(tmpdir(), "remove-tree-"));
  dirs.push(base);
  const keep = join(base, "keep");
  await mkdir(keep);
  const tree = join(base, "tree");
  await mkdir(join(tree, "ro", "deep"), { recursive: true });
  await writeFile(join(tree, "ro", "deep", "f"), "x");
  await symlink(keep, join(tree, "ro", "link"));
  await chmod(join(tree, "ro", "deep"), 0o555);
  await chmod(join(tree, "ro"), 0o555);
  await chmod(keep, 0o500);
  return { tree, keep };
}

describe("removeTree", () => {
  asUser("removes a tree holding read-only and unreadable directories, without touching what a symlink points to", async () => {
    const { tree, keep } = await readOnlyTree();
    await mkdir(join(tree, "none"));
    await writeFile(join(tree, "none", "f"), "x");
    await chmod(join(tree, "none"), 0o000);

    await removeTree(tree);

    await expect(stat(tree)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await stat(keep)).mode & 0o777).toBe(0o500);
  });

  test("refused (EACCES), it gives every directory under the tree, not a symlink's target, back to its owner and removes it again", async () => {
    const { tree, keep } = await readOnlyTree();
    // As the app's user meets it; run as root, the real rm would not be refused.
    const modes: number[] = [];
    let calls = 0;
    await removeTree(tree, async (d) => {
      if (calls++ === 0) throw Object.assign(new Error(`EACCES: permission denied, rmdir '${d}/ro/deep'`), { code: "EACCES" });
      for (const p of [tree, join(tree, "ro"), join(tree, "ro", "deep")]) modes.push((await stat(p)).mode & 0o777);
      await rm(d, { recursive: true, force: true });
    });
    expect(calls).toBe(2);
    expect(modes).toEqual([0o700, 0o700, 0o700]);
    await expect(stat(tree)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await stat(keep)).mode & 0o777).toBe(0o500);
    await expect(removeTree(tree, async () => { throw Object.assign(new Error("EBUSY"), { code: "EBUSY" }); })).rejects.toMatchObject({ code: "EBUSY" });
  });

  test("a symlink refused (EPERM, another user's link in a sticky directory) is not followed: its target's modes stay as they are", async () => {
    const base = await mkdtemp(join(tmpdir(), "remove-tree-"));
    dirs.push(base);
    const keep = join(base, "keep");
    await mkdir(join(keep, "sub"), { recursive: true });
    await chmod(join(keep, "sub"), 0o500);
    await chmod(keep, 0o500);
    const link = join(base, "link");
    await symlink(keep, link);
    const refused = async (d: string) => {
      throw Object.assign(new Error(`EPERM: operation not permitted, unlink '${d}'`), { code: "EPERM" });
    };
    await expect(removeTree(link, refused)).rejects.toMatchObject({ code: "EPERM" });
    expect((await stat(keep)).mode & 0o777).toBe(0o500);
    expect((await stat(join(keep, "sub"))).mode & 0o777).toBe(0o500);
    await chmod(join(keep, "sub"), 0o700);
  });

  test("a tree that is not there is nothing to do", async () => {
    await expect(removeTree(join(tmpdir(), "remove-tree-absent-x7"))).resolves.toBeUndefined();
  });
});
