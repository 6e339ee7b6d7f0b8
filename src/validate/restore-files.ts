import * as fs from "node:fs";
import { lstat, mkdir, realpath, unlink } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize, relative, sep } from "node:path";
import git from "isomorphic-git";
import { replaceFile } from "../core/replace-file.js";

/** Paths a unified diff names (old and new side), as written, before any policy check. */
export function diffPaths(diff: string): string[] {
  const out = new Set<string>();
  for (const line of diff.split("\n")) {
    const git_ = /^diff --git a\/(\S+) b\/(\S+)\s*$/.exec(line);
    if (git_) {
      out.add(git_[1]!);
      out.add(git_[2]!);
      continue;
    }
    const side = /^(?:---|\+\+\+) (?:[ab]\/)?(\S+)/.exec(line);
    if (side && side[1] !== "/dev/null") out.add(side[1]!);
  }
  return [...out];
}

/**
 * Puts the files a patch touches back to their committed state, so the stage can run again after a crash
 * left the patch half-applied. Only plain paths inside the checkout are touched; anything that would
 * leave it (`..`, absolute, through a symlink, `.git/`) is ignored, since the patch is untrusted.
 */
export async function restoreFiles(dir: string, paths: string[]): Promise<string[]> {
  const restored: string[] = [];
  let head: string;
  try {
    head = await git.resolveRef({ fs, dir, ref: "HEAD" });
  } catch {
    return restored; // Not a git checkout: nothing to restore from.
  }
  const root = await realpath(dir);
  for (const p of paths) {
    const rel = normalize(p);
    if (isAbsolute(rel) || rel.startsWith("..") || rel.split(sep).includes(".git") || rel === ".") continue;
    const target = join(root, rel);
    if (!(await insideRealDir(root, dirname(target)))) continue;
    const st = await lstat(target).catch(() => undefined);
    if (st?.isSymbolicLink()) continue;
    let blob: Uint8Array | undefined;
    try {
      blob = (await git.readBlob({ fs, dir, oid: head, filepath: rel.split(sep).join("/") })).blob;
    } catch {
      blob = undefined;
    }
    if (blob) {
      if (st?.isDirectory()) continue; // the patch policy refuses it: not a regular file
      // Sizes first: the repository's commands may have grown the file to any size, not worth reading.
      const same = st?.isFile() && st.size === blob.length && Buffer.from(await fs.promises.readFile(target)).equals(Buffer.from(blob));
      if (same) continue;
      await mkdir(dirname(target), { recursive: true });
      // Replaced, not written into (a FIFO left there would wait forever); an executable script stays executable.
      await replaceFile(target, blob, st?.isFile() ? st.mode & 0o7777 : undefined);
      restored.push(rel);
    } else if (st?.isFile()) {
      await unlink(target);
      restored.push(rel);
    }
  }
  return restored;
}

/** The directory (or its nearest existing ancestor) resolves inside `root`, following no symlink out. */
async function insideRealDir(root: string, dir: string): Promise<boolean> {
  let cur = dir;
  for (;;) {
    const real = await realpath(cur).catch(() => undefined);
    if (real !== undefined) {
      const r = relative(root, real);
      return r === "" || (!r.startsWith("..") && !isAbsolute(r));
    }
    const up = dirname(cur);
    if (up === cur) return false;
    cur = up;
  }
}
