import path from "node:path";
import { textBothSides } from "./text-before-patch.js";
import type { Original, Refusal, VFile } from "./types.js";

/** The .mocharc files mocha looks for in a directory, in its order (lib/cli/config.js): it reads the first that exists. */
export const MOCHA_RC_ORDER = [".mocharc.cjs", ".mocharc.js", ".mocharc.yaml", ".mocharc.yml", ".mocharc.jsonc", ".mocharc.json"];

/** A file mocha takes settings from: a .mocharc.*, or package.json (its "mocha"). */
export interface MochaFile {
  name: string;
  text: string;
}

/**
 * The files mocha takes its settings from in `dir` before and after the patch (the patch's files as
 * planned, the others as on disk): the first .mocharc.* there, and package.json, whose "mocha" it reads
 * as well and joins with the rc's (spec, ignore: both lists run). One that cannot be read (a symlink out
 * of the checkout) is refused: what mocha ran is not known.
 */
export async function mochaReads(
  root: string,
  dir: string,
  originals: Map<string, Original>,
  vfs: Map<string, VFile>,
): Promise<{ ok: true; before: MochaFile[]; after: MochaFile[] } | { ok: false; refusal: Refusal }> {
  const before: MochaFile[] = [];
  const after: MochaFile[] = [];
  for (const name of [...MOCHA_RC_ORDER, "package.json"]) {
    const read = await textBothSides(root, dir === "." ? name : path.posix.join(dir, name), originals, vfs);
    if (!read.ok) return read;
    const rc = name !== "package.json";
    if (read.before !== null && !(rc && before.length)) before.push({ name, text: read.before });
    if (read.after !== null && !(rc && after.length)) after.push({ name, text: read.after });
  }
  return { ok: true, before, after };
}
