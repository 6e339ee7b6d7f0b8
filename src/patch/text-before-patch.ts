import { promises as fs } from "node:fs";
import path from "node:path";
import { readRegularFile } from "../core/read-regular-file.js";
import { checkPathOnDisk } from "./path-policy.js";
import type { Original, Refusal, VFile } from "./types.js";

/**
 * The most the guard reads of one file of the checkout (a file the patch edits, a config its checks read).
 * Configs and sources a model can patch are far smaller; a generated one of hundreds of MB would hold the
 * worker's memory.
 */
export const GUARD_READ_MAX_BYTES = 8 * 1024 * 1024;

/**
 * A file's text before the patch (null: there was none), or why it cannot be read. `from` is the path it
 * was read from when a symlink led there: the patch's edits to the file are made at that path.
 */
export type TextBefore = { ok: true; text: string | null; from?: string } | { ok: false; refusal: Refusal };

/**
 * The text `rel` had before the patch: from `originals` when the patch touches it (the plan's own reading,
 * which its later checks must agree with), else from disk. A symlink whose real path stays in the checkout
 * is followed (monorepos link a shared setup.cfg or vite.config.ts): the runner reads that file. A path
 * that cannot be read (a directory, a symlink out of the checkout or to nothing) is not reported as
 * absent: the green-washing checks would then compare with no settings and pass what they cannot see.
 * Its refusal names the file and says what it is, without the advice checkPathOnDisk gives for a path the
 * patch edits (this one it does not).
 */
export async function textBeforePatch(root: string, rel: string, originals: Map<string, Original>): Promise<TextBefore> {
  const touched = originals.get(rel);
  if (touched) return { ok: true, text: touched.data === null ? null : touched.data.toString("utf8") };
  const check = await checkPathOnDisk(root, rel);
  if (!check.ok && check.refusal.rule === "symlink") return readThroughLinks(root, rel, originals);
  if (!check.ok) return { ok: false, refusal: { ...check.refusal, reason: check.refusal.reason.split(";")[0]! } };
  if (!check.disk.exists) return { ok: true, text: null };
  const read = await readRegularFile(path.join(root, rel), GUARD_READ_MAX_BYTES);
  if (read.ok) return { ok: true, text: read.data.toString("utf8") };
  // Checked a moment ago: gone since, or replaced by something else (the repository's commands ran here).
  const reason = read.why === "too_large" ? `${rel} is larger than ${GUARD_READ_MAX_BYTES} bytes` : `${rel} is not a regular file`;
  return { ok: false, refusal: { rule: read.why === "too_large" ? "too_large" : "target_exists", file: rel, reason } };
}

/** `rel`, which goes through a symlink into the checkout (see checkPathOnDisk), read at its real path. */
async function readThroughLinks(root: string, rel: string, originals: Map<string, Original>): Promise<TextBefore> {
  const refuse = (rule: Refusal["rule"], reason: string): TextBefore => ({ ok: false, refusal: { rule, file: rel, reason } });
  const inside = (p: string) => p === root || p.startsWith(root + path.sep);
  const abs = path.join(root, rel);
  let real: string;
  try {
    real = await fs.realpath(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "ELOOP") throw err;
    // The link itself there with nothing behind it: what CI finds there (a generated file?) is not known.
    if (await fs.lstat(abs).then(() => true, () => false)) return refuse("symlink", `${rel} is a symlink to nothing`);
    // No file behind a linked folder: absent, unless the folder it is in lies out of the checkout, or is
    // a link to nothing (like the file above).
    let dir = path.dirname(abs);
    let realDir: string | null = null;
    while (realDir === null && dir !== path.dirname(dir)) {
      realDir = await fs.realpath(dir).catch(() => null);
      if (realDir === null && (await fs.lstat(dir).then((st) => st.isSymbolicLink(), () => false))) {
        return refuse("symlink", `${rel} goes through ${path.relative(root, dir).split(path.sep).join("/")}, a symlink to nothing`);
      }
      dir = path.dirname(dir);
    }
    return realDir !== null && inside(realDir) ? { ok: true, text: null } : refuse("path_outside_repo", `${rel} leads outside the repository`);
  }
  if (!inside(real)) return refuse("path_outside_repo", `${rel} leads outside the repository through a symlink`);
  const to = path.relative(root, real).split(path.sep).join("/");
  const read = await textBeforePatch(root, to, originals);
  if (!read.ok && read.refusal.rule === "too_large") return refuse("too_large", `${rel} is a symlink to ${to}, which is larger than ${GUARD_READ_MAX_BYTES} bytes`);
  if (!read.ok) return refuse(read.refusal.rule, `${rel} is a symlink to ${to || "the repository root"}, which is not a regular file`);
  return { ...read, from: to };
}

/** A file's text before and after the patch (null: none there), or why it cannot be read. */
export type TextBothSides = { ok: true; before: string | null; after: string | null } | { ok: false; refusal: Refusal };

/**
 * The text `rel` had before the patch (see textBeforePatch) and has after it: the patch's files as planned,
 * the others as on disk. Through a symlink, the patch edits the file it leads to, which is read there.
 */
export async function textBothSides(root: string, rel: string, originals: Map<string, Original>, vfs: Map<string, VFile>): Promise<TextBothSides> {
  const read = await textBeforePatch(root, rel, originals);
  if (!read.ok) return read;
  const at = read.from ?? rel;
  return { ok: true, before: read.text, after: originals.has(at) ? vfs.get(at)?.content ?? null : read.text };
}
