/**
 * Whether one component of a path names a repository's `.git` folder on some checkout: in any case (macOS
 * and Windows fold it), with the trailing dots or spaces Windows drops, or as its 8.3 short name `GIT~1`.
 * git refuses the same names in a tree it checks out (core.protectNTFS, core.protectHFS).
 */
export function namesGitDir(part: string): boolean {
  const folded = part.toLowerCase().replace(/[. ]+$/, "");
  return folded === ".git" || folded === "git~1";
}
