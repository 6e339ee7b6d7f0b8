import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import fs from "node:fs";
import { chmod, cp, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import git from "isomorphic-git";
import { git as gitCli } from "../../../../test/fakes/git-server.js";
import { checkoutFiles } from "./checkout-files.js";
import { openGitObjects } from "./git-objects.js";
import { gitPackFileOf, openGitPackFile } from "./git-pack-file.js";
import { listCommitFiles } from "./list-commit-files.js";

const run = promisify(execFile);

let base: string;
let source: string;
let head: string;

/** A work tree that exercises every kind of entry, with similar files so that `git gc` writes delta chains. */
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "t0-checkout-test-"));
  source = join(base, "source");
  await mkdir(join(source, "src/deep/er"), { recursive: true });
  await gitCli(source, "init", "-q", "-b", "main");
  let text = "";
  for (let i = 0; i < 40; i++) {
    text += `export const value${i} = ${i * 7}; // line ${i}\n`;
    await writeFile(join(source, `src/deep/er/module${i}.ts`), text);
  }
  await writeFile(join(source, "empty"), "");
  await writeFile(join(source, "blob.bin"), randomBytes(70_000));
  await writeFile(join(source, "naïve file.txt"), "unicode and a space\n");
  await writeFile(join(source, "run.sh"), "#!/bin/sh\necho hi\n");
  await chmod(join(source, "run.sh"), 0o755);
  await symlink("src/deep/er/module1.ts", join(source, "link-to-module"));
  await gitCli(source, "add", "-A");
  // A submodule entry: git records the commit, the checkout is an empty directory.
  await gitCli(source, "update-index", "--add", "--cacheinfo", `160000,${"a".repeat(40)},vendor/sub`);
  await gitCli(source, "commit", "-q", "-m", "one");
  await gitCli(source, "gc", "-q", "--aggressive");
  head = await gitCli(source, "rev-parse", "HEAD");
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A copy of a repository's `.git` without index or work tree: what a fetch leaves behind. */
async function fetched(name: string, from = source): Promise<string> {
  const dir = join(base, name);
  await cp(join(from, ".git"), join(dir, ".git"), { recursive: true });
  await rm(join(dir, ".git/index"), { force: true });
  return dir;
}

async function checkout(dir: string, commit = head) {
  const objects = await openGitObjects(join(dir, ".git"));
  const files = listCommitFiles(objects, commit);
  return { files, ...(await checkoutFiles({ dir, objects, files })) };
}

async function expectSameAsGit(dir: string, reference = source) {
  // First, because `git status` refreshes the index: the stat data is right, not just the contents.
  expect(await gitCli(dir, "diff-files", "--name-only")).toBe("");
  expect(await gitCli(dir, "status", "--porcelain", "--untracked-files=all")).toBe("");
  expect(await gitCli(dir, "ls-files", "-s")).toBe(await gitCli(reference, "ls-files", "-s"));
  const matrix = await git.statusMatrix({ fs, dir });
  expect(matrix.filter(([, h, w, s]) => !(h === 1 && w === 1 && s === 1))).toEqual([]);
  expect(await readFile(join(dir, "src/deep/er/module39.ts"), "utf8")).toBe(await readFile(join(reference, "src/deep/er/module39.ts"), "utf8"));
  expect((await lstat(join(dir, "run.sh"))).mode & 0o111).not.toBe(0);
  expect((await lstat(join(dir, "empty"))).size).toBe(0);
  expect(await readlink(join(dir, "link-to-module"))).toBe("src/deep/er/module1.ts");
  expect(await readdir(join(dir, "vendor/sub"))).toEqual([]);
}

/** The kinds of entry in a pack, read through our reader at the offsets git lists for it. */
async function entryKinds(packPath: string): Promise<Set<string>> {
  const pack = await openGitPackFile(packPath);
  const { stdout } = await run("sh", ["-c", `git show-index < "${packPath.replace(/\.pack$/, ".idx")}"`]);
  return new Set(stdout.trim().split("\n").map((line) => pack.entryAt(Number(line.split(" ")[0])).kind));
}

describe("checkout from the fetched pack", () => {
  test("a pack handed over in memory is not read back from disk", async () => {
    const dir = await fetched("in-memory");
    const packDir = join(dir, ".git/objects/pack");
    const packPath = join(packDir, fs.readdirSync(packDir).find((n) => n.endsWith(".pack"))!);
    const inMemory = gitPackFileOf(packPath, await readFile(packPath), await readFile(packPath.replace(/\.pack$/, ".idx")));
    // What is on disk no longer matters: only the copy in memory can give the commit's files.
    await writeFile(packPath, "not a pack");
    await expect(openGitObjects(join(dir, ".git"))).rejects.toThrow(/not a version-2 pack/);
    const objects = await openGitObjects(join(dir, ".git"), { inMemory: [inMemory] });
    expect(listCommitFiles(objects, head)).toHaveLength(46);
    // The same pack, with the git dir spelled another way (relative): still the copy in memory.
    const relativeGitdir = relative(process.cwd(), join(dir, ".git"));
    expect(listCommitFiles(await openGitObjects(relativeGitdir, { inMemory: [inMemory] }), head)).toHaveLength(46);
  });

  test("writes the work tree and index git itself would write, from a pack of delta chains", async () => {
    const dir = await fetched("packed");
    expect(fs.readdirSync(join(dir, ".git/objects/pack")).some((n) => n.endsWith(".pack"))).toBe(true);
    const { files, bytes } = await checkout(dir);
    expect(files).toHaveLength(46);
    expect(bytes).toBeGreaterThan(70_000);
    await expectSameAsGit(dir);
  });

  test("reads REF_DELTA packs, several packs and loose objects", async () => {
    const work = join(base, "mixed-work");
    await gitCli(base, "clone", "-q", "--no-hardlinks", source, work);
    // Without offsets, pack-objects names every delta base by its object id.
    await gitCli(work, "-c", "repack.useDeltaBaseOffset=false", "repack", "-a", "-d", "-f", "-q");
    const [first] = fs.readdirSync(join(work, ".git/objects/pack")).filter((n) => n.endsWith(".pack"));
    expect(await entryKinds(join(work, ".git/objects/pack", first!))).toContain("ref-delta");
    await writeFile(join(work, "second-pack.txt"), "in a pack of its own\n");
    await gitCli(work, "add", "-A");
    await gitCli(work, "commit", "-q", "-m", "two");
    await gitCli(work, "repack", "-d", "-q");
    await writeFile(join(work, "loose.txt"), "a loose object\n");
    await gitCli(work, "add", "-A");
    await gitCli(work, "commit", "-q", "-m", "three");
    expect(fs.readdirSync(join(work, ".git/objects/pack")).filter((n) => n.endsWith(".pack"))).toHaveLength(2);
    const dir = await fetched("mixed", work);
    await checkout(dir, await gitCli(work, "rev-parse", "HEAD"));
    await expectSameAsGit(dir, work);
    expect(await readFile(join(dir, "loose.txt"), "utf8")).toBe("a loose object\n");
  });
});

/** A commit whose root tree is written byte by byte, so it can hold names `git mktree` would refuse. */
async function commitWithTree(gitdir: string, entries: Array<[mode: string, name: string, oid: string]>): Promise<string> {
  const raw = Buffer.concat(entries.map(([mode, name, oid]) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, "hex")])));
  const file = join(base, `tree-${Math.random().toString(36).slice(2)}`);
  await writeFile(file, raw);
  const tree = await gitCli(gitdir, "--git-dir=.", "hash-object", "-t", "tree", "--literally", "-w", file);
  return gitCli(gitdir, "--git-dir=.", "commit-tree", "-m", "crafted", tree);
}

describe("what the checkout refuses", () => {
  let dir: string;
  let blob: string;
  beforeAll(async () => {
    dir = await fetched("refusals");
    blob = await gitCli(source, "rev-parse", "HEAD:run.sh");
  });

  test.each([".git", ".GIT", ".git.", "git~1", "..", "."])("a tree entry named %j fails as unsafe_tree before anything is written", async (name) => {
    const commit = await commitWithTree(join(dir, ".git"), [["100644", "a.txt", blob], ["100644", name, blob]]);
    const objects = await openGitObjects(join(dir, ".git"));
    expect(() => listCommitFiles(objects, commit)).toThrow(expect.objectContaining({ code: "unsafe_tree", retryable: false }));
  });

  test("a tree naming the same entry twice fails as unsafe_tree", async () => {
    const commit = await commitWithTree(join(dir, ".git"), [["100644", "a.txt", blob], ["100644", "a.txt", blob]]);
    const objects = await openGitObjects(join(dir, ".git"));
    expect(() => listCommitFiles(objects, commit)).toThrow(expect.objectContaining({ code: "unsafe_tree" }));
  });

  test("an unknown mode fails as corrupt_object", async () => {
    const commit = await commitWithTree(join(dir, ".git"), [["100600", "a.txt", blob]]);
    const objects = await openGitObjects(join(dir, ".git"));
    expect(() => listCommitFiles(objects, commit)).toThrow(expect.objectContaining({ code: "corrupt_object" }));
  });

  test("onBytes can stop the checkout, which then writes no index", async () => {
    const target = await fetched("stopped");
    const objects = await openGitObjects(join(target, ".git"));
    const files = listCommitFiles(objects, head);
    const stop = Object.assign(new Error("too big"), { code: "repo_too_large" });
    await expect(checkoutFiles({ dir: target, objects, files, onBytes: (n) => { if (n > 10_000) throw stop; } })).rejects.toBe(stop);
    expect(fs.existsSync(join(target, ".git/index"))).toBe(false);
  });

  test("an aborted signal stops the checkout with its reason", async () => {
    const target = await fetched("aborted");
    const objects = await openGitObjects(join(target, ".git"));
    const controller = new AbortController();
    controller.abort(new Error("clone timeout"));
    await expect(checkoutFiles({ dir: target, objects, files: listCommitFiles(objects, head), signal: controller.signal })).rejects.toThrow("clone timeout");
  });

  test("a damaged pack fails as corrupt_pack, not with a zlib error", async () => {
    const target = await fetched("damaged");
    const packDir = join(target, ".git/objects/pack");
    const name = fs.readdirSync(packDir).find((n) => n.endsWith(".pack"))!;
    const packPath = join(packDir, name);
    await chmod(packPath, 0o644);
    const bytes = await readFile(packPath);
    const blobBin = await gitCli(source, "rev-parse", "HEAD:blob.bin");
    const offset = (await openGitPackFile(packPath)).offsetOf(Buffer.from(blobBin, "hex"))!;
    for (let k = 20; k < 200; k++) bytes[offset + k] ^= 0xff;
    await writeFile(packPath, bytes);
    const objects = await openGitObjects(join(target, ".git"));
    await expect(checkoutFiles({ dir: target, objects, files: listCommitFiles(objects, head) }))
      .rejects.toMatchObject({ code: "corrupt_pack", retryable: false, message: expect.stringMatching(/does not inflate|inflates to/) });
  });
});

describe("a crafted pack", () => {
  /** One OFS_DELTA entry whose base is itself, with a valid-looking index: a loop, not a chain. */
  async function selfReferencingPack(): Promise<{ gitdir: string; oid: string }> {
    const gitdir = join(base, "crafted", ".git");
    await mkdir(join(gitdir, "objects/pack"), { recursive: true });
    const delta = deflateSync(Buffer.from([3, 3, 0x90, 3]));
    // type 6 (ofs-delta), size 4; back offset 0 points at the entry itself.
    const pack = Buffer.concat([Buffer.from("PACK"), u32(2), u32(1), Buffer.from([0x64, 0x00]), delta, Buffer.alloc(20)]);
    const oid = "ab".repeat(20);
    const fanout = Buffer.concat(Array.from({ length: 256 }, (_, i) => u32(i >= 0xab ? 1 : 0)));
    const idx = Buffer.concat([Buffer.from([0xff, 0x74, 0x4f, 0x63]), u32(2), fanout, Buffer.from(oid, "hex"), u32(0), u32(12), Buffer.alloc(40)]);
    await writeFile(join(gitdir, "objects/pack/pack-x.pack"), pack);
    await writeFile(join(gitdir, "objects/pack/pack-x.idx"), idx);
    return { gitdir, oid };
  }
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };

  test("a delta that is its own base fails as corrupt_pack instead of overflowing the stack", async () => {
    const { gitdir, oid } = await selfReferencingPack();
    const objects = await openGitObjects(gitdir);
    expect(() => objects.read(oid)).toThrow(expect.objectContaining({ code: "corrupt_pack", message: expect.stringMatching(/names a base outside the entries before it/) }));
  });
});
