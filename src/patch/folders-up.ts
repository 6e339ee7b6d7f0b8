import path from "node:path";

/** `dir` and each folder above it, up to the checkout's root ("."). */
export function foldersUp(dir: string): string[] {
  const out = [dir];
  for (let d = dir; d !== "."; ) out.push((d = path.posix.dirname(d)));
  return out;
}
