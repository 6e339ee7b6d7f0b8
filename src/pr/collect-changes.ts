import { lstat, readFile, realpath } from "node:fs/promises";
import { dirname, join } from "node:path";
import { permanent } from "../core/errors.js";
import type { FileChange } from "../core/ports/github-port.js";

/**
 * The fix commit's files, read from the validated workspace: what was validated is what is committed.
 * A path missing from the workspace is a deletion. Paths were checked by the patch policy already; they are
 * checked again here because they are about to leave the process.
 */
export async function collectChanges(dir: string, paths: string[]): Promise<FileChange[]> {
  const out: FileChange[] = [];
  const root = await realpath(dir);
  for (const path of [...new Set(paths)].sort()) {
    if (!path || path.startsWith("/") || path.split("/").some((s) => s === ".." || s === ".git" || s === "")) {
      throw permanent("unsafe_path", `Refusing to commit ${JSON.stringify(path)}: paths must stay inside the repository and out of .git.`);
    }
    // lstat looks at the last part only: the repository's commands ran in this checkout and could have
    // swapped a folder on the path for a symlink to one of the host's, whose file would then be committed.
    const parent = await realpath(join(root, dirname(path))).catch(() => undefined);
    if (parent !== undefined && parent !== join(root, dirname(path))) {
      throw permanent("unsafe_path", `Refusing to commit ${path}: a folder on its path is a symlink (to ${parent}); only files inside the checkout are committed.`);
    }
    const st = await lstat(join(root, path)).catch(() => undefined);
    if (!st) {
      out.push({ path, content: null });
      continue;
    }
    if (!st.isFile()) throw permanent("unsafe_path", `Refusing to commit ${path}: only regular files are committed (no symlinks or directories).`);
    const bytes = await readFile(join(root, path));
    const content = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    out.push({ path, content, mode: st.mode & 0o111 ? "100755" : "100644" });
  }
  return out;
}
