import type { FilePatch, Refusal } from "./types.js";

/**
 * A second section for a path an earlier section already changed. git apply stacks them (the second reads
 * the first's result), but every per-file check reads one section's hunks against the file before the
 * patch: a change split in two (an assertion removed in one, its "replacement" added in the other; a
 * `return` whose context is a line the first added) is seen by none of them whole. A model can always
 * send one section with several hunks, so such a diff is refused rather than reassembled. The one
 * sequence still allowed is a rename chain: a section may change the path an earlier one renamed a file
 * to (plan-patch checks it against the file it came from).
 */
export function repeatedPath(patches: FilePatch[]): Refusal | undefined {
  // Paths already changed, and whether the last section that did so renamed a file onto it.
  const seen = new Map<string, "renamed_to" | "changed">();
  const again = (file: string): Refusal => ({
    rule: "malformed_diff",
    file,
    reason: `the diff has more than one section for ${file}; send one section per file, with all its hunks in it, written against the file as it is`,
  });
  for (const fp of patches) {
    const src = fp.oldPath ?? fp.path;
    if (src !== fp.path) {
      if (seen.get(src) === "changed") return again(src);
      if (seen.has(fp.path)) return again(fp.path);
      seen.set(src, "changed");
      seen.set(fp.path, "renamed_to");
      continue;
    }
    if (seen.get(fp.path) === "changed") return again(fp.path);
    seen.set(fp.path, "changed");
  }
  return undefined;
}
