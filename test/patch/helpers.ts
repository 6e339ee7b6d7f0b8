import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultRepoConfig, type RepoConfig } from "../../src/config/repo-config.js";

export const DIFFS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/diffs");

export interface Sandbox {
  /** Parent temp dir holding `repo/` and `outside/`. */
  top: string;
  repo: string;
  outside: string;
  cleanup(): Promise<void>;
}

/**
 * A copy of fixtures/diffs/base in a temp dir, plus a sibling `outside/` directory and the symlinks
 * the corpus talks about (git would store them fine, but creating them here keeps the fixture portable).
 */
export async function makeSandbox(): Promise<Sandbox> {
  const top = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "ci-bot-patch-")));
  const repo = path.join(top, "repo");
  const outside = path.join(top, "outside");
  await fs.cp(path.join(DIFFS_DIR, "base"), repo, { recursive: true });
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, "secret.txt"), "do not touch\n");
  await fs.symlink(outside, path.join(repo, "link-out"));
  await fs.symlink("src", path.join(repo, "link-src"));
  await fs.symlink("../calc.py", path.join(repo, "docs", "calc-link.py"));
  await fs.mkdir(path.join(repo, ".git"));
  await fs.writeFile(path.join(repo, ".git", "config"), "[core]\n");
  return { top, repo, outside, cleanup: () => fs.rm(top, { recursive: true, force: true }) };
}

export type TreeEntry = { type: "file"; sha: string; perm: number } | { type: "dir" } | { type: "symlink"; target: string };

/** Every path under `dir` (lstat, symlinks not followed) with content hash and permission bits. */
export async function snapshotTree(dir: string): Promise<Record<string, TreeEntry>> {
  const out: Record<string, TreeEntry> = {};
  const walk = async (rel: string) => {
    const abs = path.join(dir, rel);
    const st = await fs.lstat(abs);
    if (st.isSymbolicLink()) out[rel] = { type: "symlink", target: await fs.readlink(abs) };
    else if (st.isDirectory()) {
      if (rel) out[rel] = { type: "dir" };
      for (const name of (await fs.readdir(abs)).sort()) await walk(rel ? `${rel}/${name}` : name);
    } else {
      out[rel] = { type: "file", sha: createHash("sha256").update(await fs.readFile(abs)).digest("hex"), perm: st.mode & 0o777 };
    }
  };
  await walk("");
  return out;
}

export function configWith(allow: string[] = [], limits: Partial<RepoConfig["limits"]> = {}): RepoConfig {
  const c = defaultRepoConfig();
  for (const k of allow) {
    if (!(k in c.allow)) throw new Error(`unknown allow key ${k}`);
    (c.allow as Record<string, boolean>)[k] = true;
  }
  c.limits = { ...c.limits, ...limits };
  return c;
}
