import path from "node:path";
import { filesUnder } from "./files-under.js";
import type { Finding } from "./greenwash.js";
import { findConfigGreenwashing } from "./greenwash-config.js";
import { mochaReads } from "./mocha-reads.js";
import { textBothSides } from "./text-before-patch.js";
import type { Hunk, Original, Refusal, VFile } from "./types.js";

/** A package.json that names mocha (a script running it, its "mocha" settings, the dependency). */
export const NAMES_MOCHA = /\bmocha\b/;

/**
 * What the patch's change to the .mocharc.* at `file` does to mocha started in a folder below it: one whose
 * package.json names mocha (npm runs its scripts there), and which finds `file` looking up for its rc on
 * either side. mocha there joins it with that folder's package.json, not the one beside `file`, which
 * mochaReads compared it with. `files`: the checkout's files (see listRepoFiles) and the patch's. A
 * package.json that cannot be read is not known to name mocha; a config mocha there reads and that cannot
 * be read is refused, as beside the file.
 */
export async function mochaFindingsBelow(
  root: string,
  file: string,
  hunks: Hunk[],
  files: Iterable<string>,
  originals: Map<string, Original>,
  vfs: Map<string, VFile>,
): Promise<{ ok: true; findings: Finding[] } | { ok: false; refusal: Refusal }> {
  const dir = path.posix.dirname(file);
  const findings = new Map<string, Finding>();
  const all = [...new Set(files)].sort();
  for (const rel of all) {
    const at = path.posix.dirname(rel);
    if (path.posix.basename(rel) !== "package.json" || at === dir || !(dir === "." || at.startsWith(`${dir}/`))) continue;
    const pkg = await textBothSides(root, rel, originals, vfs);
    if (!pkg.ok || ![pkg.before, pkg.after].some((t) => t !== null && NAMES_MOCHA.test(t))) continue;
    const reads = await mochaReads(root, at, originals, vfs);
    if (!reads.ok) return reads;
    if (reads.before[0]?.path !== file && reads.after[0]?.path !== file) continue;
    for (const f of findConfigGreenwashing(file, "", "", hunks, undefined, { mochaReads: reads, mochaFiles: filesUnder(all, at) })) {
      // Each folder that finds the same says it once, for the first of them.
      if (!findings.has(`${f.rule}\0${f.reason}`)) findings.set(`${f.rule}\0${f.reason}`, { ...f, reason: `${f.reason} (for mocha run in ${at}/, whose package.json names it)` });
    }
  }
  return { ok: true, findings: [...findings.values()] };
}
