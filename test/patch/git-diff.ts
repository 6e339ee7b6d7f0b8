import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** A repository before and after an edit, as a model would make it. */
export interface GitDiffCase {
  before: Record<string, string>;
  /** New content per path; null deletes it. */
  after?: Record<string, string | null>;
  renames?: Array<[from: string, to: string]>;
  /** A move written as a deletion and an addition, as a model may send it. */
  noRenames?: boolean;
}

/**
 * A real git repository holding `before`, and what `git diff -M` (or --no-renames) says about the edit to
 * `after`; the work tree is reset to `before`, for the patch to be applied to it.
 */
export async function gitDiff(c: GitDiffCase): Promise<{ diff: string; repo: string; cleanup: () => Promise<void> }> {
  const top = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "ci-bot-git-diff-")));
  const repo = path.join(top, "repo");
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: top, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid" };
  const git = async (...args: string[]) => (await exec("git", ["-C", repo, ...args], { env })).stdout;
  const write = async (p: string, text: string) => {
    await fs.mkdir(path.dirname(path.join(repo, p)), { recursive: true });
    await fs.writeFile(path.join(repo, p), text);
  };
  await fs.mkdir(repo);
  for (const [p, text] of Object.entries(c.before)) await write(p, text);
  await git("init", "-q", "-b", "main");
  await git("add", "-A");
  await git("commit", "-q", "-m", "base");
  for (const [from, to] of c.renames ?? []) {
    await fs.mkdir(path.dirname(path.join(repo, to)), { recursive: true });
    await git("mv", from, to);
  }
  for (const [p, text] of Object.entries(c.after ?? {})) {
    if (text === null) await fs.rm(path.join(repo, p));
    else await write(p, text);
  }
  await git("add", "-A");
  const diff = await git("diff", "--cached", c.noRenames ? "--no-renames" : "-M", "HEAD");
  await git("reset", "-q", "--hard", "HEAD");
  await git("clean", "-qfd");
  return { diff, repo, cleanup: () => fs.rm(top, { recursive: true, force: true }) };
}
