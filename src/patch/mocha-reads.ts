import path from "node:path";
import { foldersUp } from "./folders-up.js";
import { textBothSides } from "./text-before-patch.js";
import type { Original, Refusal, VFile } from "./types.js";

/** The .mocharc files mocha looks for in a directory, in its order (lib/cli/config.js): it reads the first that exists. */
export const MOCHA_RC_ORDER = [".mocharc.cjs", ".mocharc.js", ".mocharc.yaml", ".mocharc.yml", ".mocharc.jsonc", ".mocharc.json"];

/** A file mocha takes settings from: a .mocharc.*, or package.json (its "mocha"). */
export interface MochaFile {
  name: string;
  /** Its path from the checkout's root. */
  path: string;
  text: string;
}

type Side = "before" | "after";

/**
 * The files mocha started in `dir` takes its settings from before and after the patch (the patch's files as
 * planned, the others as on disk). As mocha finds them (find-up, from its working directory up): the
 * .mocharc.* of the nearest folder holding one, the first there in MOCHA_RC_ORDER, and the nearest
 * package.json, whose "mocha" it reads as well (none there: no settings, it looks no further) and joins
 * with the rc's (spec, ignore: both lists run). The rc comes first. The search stops at the checkout's
 * root. One that cannot be read on the way (a symlink out of the checkout) is refused: what mocha ran is not known.
 */
export async function mochaReads(
  root: string,
  dir: string,
  originals: Map<string, Original>,
  vfs: Map<string, VFile>,
): Promise<{ ok: true; before: MochaFile[]; after: MochaFile[] } | { ok: false; refusal: Refusal }> {
  const found: Record<"rc" | "pkg", Partial<Record<Side, MochaFile>>> = { rc: {}, pkg: {} };
  for (const d of foldersUp(dir)) {
    for (const name of [...MOCHA_RC_ORDER, "package.json"]) {
      const kind = name === "package.json" ? "pkg" : "rc";
      if (found[kind].before && found[kind].after) continue;
      const rel = d === "." ? name : path.posix.join(d, name);
      const read = await textBothSides(root, rel, originals, vfs);
      if (!read.ok) return read;
      for (const side of ["before", "after"] as const) {
        const text = read[side];
        if (text !== null && !found[kind][side]) found[kind][side] = { name, path: rel, text };
      }
    }
    if (found.rc.before && found.rc.after && found.pkg.before && found.pkg.after) break;
  }
  const files = (side: Side) => [found.rc[side], found.pkg[side]].filter((f): f is MochaFile => f !== undefined);
  return { ok: true, before: files("before"), after: files("after") };
}
