import { promises as fs } from "node:fs";
import path from "node:path";
import { namesGitDir } from "../core/names-git-dir.js";
import type { Refusal } from "./types.js";

export type PathCheck = { ok: true; path: string } | { ok: false; refusal: Refusal };

const BOT_CONFIG = new Set([".github/ci-bot.yml", ".github/ci-bot.yaml"]);

/** Textual checks on a repo-relative path from the diff; returns it normalised (no `.` or empty segments). */
export function checkPathText(raw: string): PathCheck {
  const refuse = (rule: Refusal["rule"], reason: string): PathCheck => ({ ok: false, refusal: { rule, file: raw, reason } });
  if (raw.length === 0) return refuse("malformed_diff", "a file path is empty");
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) return refuse("malformed_diff", "the path contains control characters");
  if (raw.includes("\\")) return refuse("malformed_diff", "the path contains a backslash; use forward slashes, relative to the repository root");
  if (raw.startsWith("/") || /^[A-Za-z]:/.test(raw) || raw.startsWith("~")) {
    return refuse("path_outside_repo", "the path is absolute; paths must be relative to the repository root");
  }
  const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0) return refuse("malformed_diff", "the path names the repository root, not a file");
  if (parts.includes("..")) return refuse("path_outside_repo", "the path uses '..'; paths must stay inside the repository");
  // On macOS/Windows checkouts `.GIT/config`, `.git./config` and `GIT~1/config` are `.git/config`.
  if (parts.some(namesGitDir)) {
    return refuse("git_dir", "the path is inside .git/; the patch may only change tracked files");
  }
  const norm = parts.join("/");
  if (BOT_CONFIG.has(norm.toLowerCase())) {
    return refuse("bot_config", "the patch edits .github/ci-bot.yml, which grants the bot its permissions; a person must change it");
  }
  // A submodule's url says what code the checkout fetches (`actions/checkout` with submodules, `git submodule update`).
  if (parts.at(-1)!.toLowerCase() === ".gitmodules") {
    return refuse("submodule", "the patch edits .gitmodules, which says where submodules are fetched from; change submodules by hand");
  }
  return { ok: true, path: norm };
}

export interface OnDisk {
  exists: boolean;
  /** Executable bit of an existing regular file. */
  executable: boolean;
}

/**
 * Walks every component of `rel` under `root` with lstat: a symlink anywhere on the way is refused
 * (`path_outside_repo` when it leads out of the repository, `symlink` otherwise, a link to nothing
 * included); so is a non-regular file.
 * `root` must already be a realpath.
 */
export async function checkPathOnDisk(root: string, rel: string): Promise<{ ok: true; disk: OnDisk } | { ok: false; refusal: Refusal }> {
  const parts = rel.split("/");
  let cur = root;
  for (let i = 0; i < parts.length; i++) {
    cur = path.join(cur, parts[i]!);
    const shown = parts.slice(0, i + 1).join("/");
    let st;
    try {
      st = await fs.lstat(cur);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return { ok: true, disk: { exists: false, executable: false } };
      if (code === "ENOTDIR") {
        return { ok: false, refusal: { rule: "target_exists", file: rel, reason: `${parts.slice(0, i).join("/")} is a file, not a directory` } };
      }
      throw err;
    }
    const last = i === parts.length - 1;
    if (st.isSymbolicLink()) {
      let target: string | null;
      try {
        target = await fs.realpath(cur);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A link to nothing (or to itself, round a loop) leads nowhere, in the repository or out of it.
        if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") {
          const reason = last ? `${shown} is a symlink to nothing; the patch may not edit symlinks` : `the path goes through ${shown}, a symlink to nothing`;
          return { ok: false, refusal: { rule: "symlink", file: rel, reason } };
        }
        target = null;
      }
      const inside = target !== null && (target === root || target.startsWith(root + path.sep));
      if (!inside) {
        return { ok: false, refusal: { rule: "path_outside_repo", file: rel, reason: `${shown} is a symlink that leads outside the repository` } };
      }
      return {
        ok: false,
        refusal: {
          rule: "symlink",
          file: rel,
          reason: last ? `${shown} is a symlink; the patch may not edit symlinks` : `the path goes through the symlink ${shown}; use the real path`,
        },
      };
    }
    if (!last && !st.isDirectory()) {
      return { ok: false, refusal: { rule: "target_exists", file: rel, reason: `${shown} is a file, not a directory` } };
    }
    if (last) {
      if (!st.isFile()) return { ok: false, refusal: { rule: "target_exists", file: rel, reason: `${shown} is not a regular file` } };
      return { ok: true, disk: { exists: true, executable: (st.mode & 0o111) !== 0 } };
    }
  }
  return { ok: true, disk: { exists: false, executable: false } };
}
