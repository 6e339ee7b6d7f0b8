import { JEST_CONFIG_ORDER } from "../core/test-config-files.js";
import { textBeforePatch, textBothSides, type TextBefore } from "./text-before-patch.js";
import type { Original, VFile } from "./types.js";

/**
 * The text of the first of `names` in `dir` as it was before the patch, through `settingsOf` (the part
 * of the file that holds the settings); null when there is none. One that cannot be read (a symlink out of
 * the checkout) is not skipped: the runner read it, and what it held is not known.
 */
export async function configReadBefore(
  root: string,
  dir: string,
  names: string[],
  originals: Map<string, Original>,
  settingsOf: (name: string, text: string) => string | null = (_name, text) => text,
): Promise<TextBefore> {
  for (const name of names) {
    const read = await textBeforePatch(root, dir === "." ? name : `${dir}/${name}`, originals);
    if (!read.ok) return read;
    if (read.text !== null) return { ok: true, text: settingsOf(name, read.text) };
  }
  return { ok: true, text: null };
}

/**
 * Like configReadBefore, after the patch (the patch's files as planned, the others as on disk): the file
 * a runner reads in place of one the patch deletes.
 */
export async function configReadAfter(
  root: string,
  dir: string,
  names: string[],
  originals: Map<string, Original>,
  vfs: Map<string, VFile>,
  settingsOf: (name: string, text: string) => string | null = (_name, text) => text,
): Promise<TextBefore> {
  for (const name of names) {
    const read = await textBothSides(root, dir === "." ? name : `${dir}/${name}`, originals, vfs);
    if (!read.ok) return read;
    if (read.after !== null) return { ok: true, text: settingsOf(name, read.after) };
  }
  return { ok: true, text: null };
}

/**
 * package.json's "jest" object as JSON text, which the jest check reads like a jest.config.json. Null for
 * none, a string (the path of a config file) or a package.json that does not parse: no settings known.
 */
export function packageJsonJest(name: string, text: string): string | null {
  if (name !== "package.json") return text;
  try {
    const jest = (JSON.parse(text) as { jest?: unknown }).jest;
    return jest && typeof jest === "object" && !Array.isArray(jest) ? JSON.stringify(jest, null, 2) : null;
  } catch {
    return null;
  }
}

/**
 * Whether jest reads package.json's "jest" in `dir` before and after the patch (the patch's files as
 * planned): only where no jest.config.* is there. One that cannot be read (a link out of the checkout) is
 * there all the same: jest takes it, not package.json.
 */
export async function jestReadsPackageJson(root: string, dir: string, originals: Map<string, Original>, vfs: Map<string, VFile>): Promise<{ before: boolean; after: boolean }> {
  const reads = { before: true, after: true };
  for (const name of JEST_CONFIG_ORDER.filter((n) => n !== "package.json")) {
    const read = await textBothSides(root, dir === "." ? name : `${dir}/${name}`, originals, vfs);
    if (!read.ok) return { before: false, after: false };
    if (read.before !== null) reads.before = false;
    if (read.after !== null) reads.after = false;
  }
  return reads;
}
