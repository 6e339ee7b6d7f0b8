import * as fs from "node:fs";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import git from "isomorphic-git";

export const REPOS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "fixtures", "repos");

/** A fixture repo copied into a temp dir and committed there as a real git repository. */
export interface FixtureRepo {
  dir: string;
  /** The temp dir holding `dir`; removed by `cleanup`. */
  root: string;
  cleanup(): Promise<void>;
}

export async function fixtureRepo(name: string): Promise<FixtureRepo> {
  const root = await mkdtemp(join(tmpdir(), `t0-fixture-${name}-`));
  const dir = join(root, name);
  await cp(join(REPOS_DIR, name), dir, { recursive: true });
  await git.init({ fs, dir, defaultBranch: "main" });
  for (const file of walk(dir)) await git.add({ fs, dir, filepath: relative(dir, file) });
  await git.commit({ fs, dir, message: "fixture", author: { name: "Fixture", email: "fixture@example.com", timestamp: 1_700_000_000, timezoneOffset: 0 } });
  return { dir, root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export const fixturePatch = (name: string) => readFile(join(REPOS_DIR, name), "utf8");

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === ".git") return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}
