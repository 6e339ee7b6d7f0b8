import { permanent } from "../../../core/errors.js";
import { namesGitDir } from "../../../core/names-git-dir.js";
import type { GitObjects } from "./git-objects.js";

export type FileMode = 0o100644 | 0o100755 | 0o120000 | 0o160000;

/** A path of the commit's tree that the checkout writes: a file, an executable, a symlink or a submodule. */
export interface CommitFile {
  path: string;
  oid: string;
  mode: FileMode;
}

const MODES: Record<string, FileMode | "tree"> = {
  "100644": 0o100644, "100664": 0o100644, "100755": 0o100755, "120000": 0o120000, "160000": 0o160000, "40000": "tree",
};

/**
 * Every non-tree entry of the commit's tree, with its full path. Names are checked as git checks them
 * before writing anything: a tree from the network could otherwise write into `.git` or outside the workspace.
 */
export function listCommitFiles(objects: GitObjects, commitOid: string): CommitFile[] {
  const commit = objects.read(commitOid);
  const treeLine = commit.type === "commit" ? /^tree ([0-9a-f]{40})\n/.exec(commit.data.toString("latin1", 0, 46)) : null;
  if (!treeLine) throw permanent("corrupt_object", `${commitOid} is not a commit with a tree; the clone is discarded. Retry the job.`);
  const files: CommitFile[] = [];
  const pending: Array<{ oid: string; prefix: string }> = [{ oid: treeLine[1]!, prefix: "" }];
  while (pending.length) {
    const { oid, prefix } = pending.pop()!;
    const tree = objects.read(oid);
    if (tree.type !== "tree") throw permanent("corrupt_object", `${oid} at "${prefix || "/"}" is a ${tree.type}, not a tree.`);
    const data = tree.data;
    const seen = new Set<string>();
    let i = 0;
    while (i < data.length) {
      const space = data.indexOf(0x20, i);
      const nul = data.indexOf(0, space + 1);
      if (space < 0 || nul < 0 || nul + 21 > data.length) throw permanent("corrupt_object", `The tree ${oid} is cut short.`);
      const modeText = data.toString("latin1", i, space);
      const name = data.toString("utf8", space + 1, nul);
      const entryOid = data.toString("hex", nul + 1, nul + 21);
      i = nul + 21;
      const mode = MODES[modeText];
      const path = prefix + name;
      if (!mode) throw permanent("corrupt_object", `The tree entry "${path}" has the unknown mode ${modeText}.`);
      if (unsafeName(name) || seen.has(name)) {
        throw permanent("unsafe_tree", `The commit's tree holds the path "${path}", which git itself refuses to check out; the bot does not touch this commit.`);
      }
      seen.add(name);
      if (mode === "tree") pending.push({ oid: entryOid, prefix: path + "/" });
      else files.push({ path, oid: entryOid, mode });
    }
  }
  return files;
}

/** `..`, `.git` (any case, with the trailing dots or spaces Windows drops, or as its 8.3 name) and separators. */
function unsafeName(name: string): boolean {
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) return true;
  return namesGitDir(name);
}
