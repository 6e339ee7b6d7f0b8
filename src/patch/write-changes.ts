import { promises as fs } from "node:fs";
import path from "node:path";
import { AppError } from "../core/errors.js";
import { replaceFile } from "../core/replace-file.js";
import { checkPathOnDisk } from "./path-policy.js";
import type { Original, PlannedChange } from "./types.js";

/** The filesystem calls the writer makes; tests swap one to fail half-way and check the rollback. */
export interface WriteIo {
  writeFile(file: string, data: Buffer): Promise<void>;
  chmod(file: string, perm: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  mkdir(dir: string): Promise<string | undefined>;
  rmdir(dir: string): Promise<void>;
}

export const nodeWriteIo: WriteIo = {
  writeFile: (f, d) => fs.writeFile(f, d, { flag: "wx" }),
  chmod: (f, p) => fs.chmod(f, p),
  rename: (a, b) => fs.rename(a, b),
  unlink: (f) => fs.unlink(f),
  mkdir: (d) => fs.mkdir(d, { recursive: true }),
  rmdir: (d) => fs.rmdir(d),
};

let tmpCounter = 0;

/**
 * Writes planned changes under `root`; on any failure puts back every byte it touched (and removes
 * directories it created) before throwing, so a half-applied patch never stays behind. Each file is
 * written to a temp file beside it and renamed over, which also replaces (never follows) whatever is there.
 */
export async function writeChanges(
  root: string,
  changes: PlannedChange[],
  originals: Map<string, Original>,
  io: WriteIo = nodeWriteIo,
): Promise<void> {
  // The tree may have moved since planning: re-check every path, symlinks included.
  for (const p of new Set(changes.flatMap((c) => (c.from ? [c.from, c.path] : [c.path])))) {
    const check = await checkPathOnDisk(root, p);
    if (!check.ok) {
      throw new AppError("workspace_changed", `the workspace changed while the patch was prepared (${check.refusal.reason}); retry the job`, { retryable: true });
    }
  }
  const touched: string[] = [];
  const createdDirs: string[] = [];
  const put = async (rel: string, data: Buffer, perm: number) => {
    const abs = path.join(root, rel);
    const dir = path.dirname(abs);
    const made = await io.mkdir(dir);
    if (made) createdDirs.push(made);
    const tmp = path.join(dir, `.${path.basename(abs)}.ci-bot-${process.pid}-${++tmpCounter}.tmp`);
    try {
      await io.writeFile(tmp, data);
      await io.chmod(tmp, perm);
      await io.rename(tmp, abs);
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  };
  const remove = async (rel: string) => {
    await io.unlink(path.join(root, rel));
  };

  try {
    for (const c of changes) {
      if (c.content !== null) {
        const orig = originals.get(c.path);
        const keepPerm = orig && orig.data !== null && (orig.perm & 0o111 ? "100755" : "100644") === c.mode;
        touched.push(c.path);
        await put(c.path, Buffer.from(c.content, "utf8"), keepPerm ? orig.perm : c.mode === "100755" ? 0o755 : 0o644);
      }
      const gone = c.content === null ? c.path : c.from;
      if (gone) {
        touched.push(gone);
        await remove(gone);
      }
    }
  } catch (err) {
    const problems = await rollback(root, touched, originals, createdDirs);
    throw new AppError(
      "patch_write_failed",
      `writing the patch failed (${(err as Error).message}); the workspace was restored${problems.length ? ` except: ${problems.join("; ")}` : ""}`,
      { retryable: false, cause: err, details: { problems } },
    );
  }
}

async function rollback(root: string, touched: string[], originals: Map<string, Original>, createdDirs: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const rel of [...new Set(touched)].reverse()) {
    const abs = path.join(root, rel);
    const orig = originals.get(rel);
    try {
      if (!orig || orig.data === null) {
        await fs.rm(abs, { force: true });
      } else {
        await replaceFile(abs, orig.data, orig.perm);
      }
    } catch (e) {
      problems.push(`${rel}: ${(e as Error).message}`);
    }
  }
  // mkdir -p returned the top-most directory it created; remove that whole new subtree, deepest first.
  for (const dir of createdDirs.reverse()) {
    await fs.rm(dir, { recursive: true, force: true }).catch((e: Error) => problems.push(`${dir}: ${e.message}`));
  }
  return problems;
}
