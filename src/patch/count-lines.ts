import type { FilePatch } from "./types.js";

export const lineCount = (text: string) => (text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0));

export function countLines(fp: FilePatch): { additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  for (const h of fp.hunks) for (const l of h.lines) {
    if (l.kind === "+") additions++;
    else if (l.kind === "-") deletions++;
  }
  return { additions, deletions };
}

export function sumCounts(patches: FilePatch[], counts: Array<{ additions: number; deletions: number }>, p: string) {
  let additions = 0;
  let deletions = 0;
  patches.forEach((fp, i) => {
    if (fp.path === p) {
      additions += counts[i]!.additions;
      deletions += counts[i]!.deletions;
    }
  });
  return { additions, deletions };
}
