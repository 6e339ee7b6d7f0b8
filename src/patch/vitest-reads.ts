import path from "node:path";
import { VITEST_CONFIG_ORDER } from "../core/test-config-files.js";
import { textBeforePatch } from "./text-before-patch.js";
import type { Original, Refusal, VFile } from "./types.js";

/**
 * How vitest takes a config file's test.include on one side of the patch. `reads`: it is the config vitest
 * reads in its directory (the first of VITEST_CONFIG_ORDER there), or the vite.config.* that one merges
 * (mergeConfig); vitest then runs its include together with `partner`'s (mergeConfig joins the two lists),
 * and its default include when neither sets one. Otherwise vitest does not read the file there.
 */
export type VitestRead = { reads: true; partner?: string } | { reads: false };

/** A config file whose test settings vitest may join with vite.config.*'s. */
export const mergesConfig = (text: string) => /\bmergeConfig\s*\(/.test(text);

/**
 * How vitest reads `file`, a vitest.config.* or vite.config.*, before and after the patch: the patch's
 * files as planned, the others as on disk. `from` is where the file was before (a rename's source), null
 * for a file the patch adds: "before" is then the config vitest read in its directory, which the new
 * file's settings are compared with. A config file there that cannot be read (a symlink out of the
 * checkout) is refused: which include vitest ran is not known. For a file the patch `deleted`, "after" is
 * the config vitest reads in its place.
 */
export async function vitestReads(
  root: string,
  file: string,
  from: string | null,
  originals: Map<string, Original>,
  vfs: Map<string, VFile>,
  deleted = false,
): Promise<{ ok: true; before: VitestRead; after: VitestRead } | { ok: false; refusal: Refusal }> {
  const was = await configsIn(root, path.posix.dirname(from ?? file), originals, vfs);
  const is = from === null || path.posix.dirname(from) === path.posix.dirname(file) ? was : await configsIn(root, path.posix.dirname(file), originals, vfs);
  const [readBefore] = was.before.keys();
  const before = roleIn(from === null ? readBefore ?? path.posix.basename(file) : path.posix.basename(from), was.before);
  if (!before.ok) return before;
  const [readAfter] = is.after.keys();
  const after = roleIn(deleted ? readAfter ?? path.posix.basename(file) : path.posix.basename(file), is.after);
  if (!after.ok) return after;
  return { ok: true, before: before.read, after: after.read };
}

/** A config file's text, or why it cannot be read. */
type Text = string | Refusal;

/** The vitest config files of `dir` that exist, by name in vitest's order, with their text before and after the patch. */
async function configsIn(root: string, dir: string, originals: Map<string, Original>, vfs: Map<string, VFile>) {
  const before = new Map<string, Text>();
  const after = new Map<string, Text>();
  for (const name of VITEST_CONFIG_ORDER) {
    const rel = dir === "." ? name : `${dir}/${name}`;
    const read = await textBeforePatch(root, rel, originals);
    // The patch cannot edit a file read through a link out of the checkout: it is there, unread, on both sides.
    if (!read.ok) {
      before.set(name, read.refusal);
      after.set(name, read.refusal);
      continue;
    }
    if (read.text !== null) before.set(name, read.text);
    // Through a symlink, the patch edits the file it leads to.
    const at = read.from ?? rel;
    const text = originals.has(at) ? vfs.get(at)?.content ?? null : read.text;
    if (text !== null) after.set(name, text);
  }
  return { before, after };
}

/**
 * How vitest takes the test.include of the config file `name` in a directory holding `files`. A file it
 * needs for that and cannot read (the one vitest reads, or the vite.config.* that one merges) is refused;
 * others are not looked at.
 */
function roleIn(name: string, files: Map<string, Text>): { ok: true; read: VitestRead } | { ok: false; refusal: Refusal } {
  const ok = (read: VitestRead) => ({ ok: true as const, read });
  const [entry] = files.entries();
  if (entry === undefined) return ok({ reads: true });
  const [read, text] = entry;
  if (typeof text !== "string") return { ok: false, refusal: text };
  const vite = [...files.keys()].find((n) => n.startsWith("vite.config."));
  if (!(read.startsWith("vitest.config.") && mergesConfig(text) && vite !== undefined)) return ok(name === read ? { reads: true } : { reads: false });
  if (name !== read && name !== vite) return ok({ reads: false });
  const partner = files.get(name === read ? vite : read)!;
  return typeof partner === "string" ? ok({ reads: true, partner }) : { ok: false, refusal: partner };
}
