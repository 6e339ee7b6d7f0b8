import { promises as fs } from "node:fs";
import path from "node:path";
import { checkPathOnDisk } from "./path-policy.js";
import type { Original, Refusal } from "./types.js";

/** A file's text before the patch (null: there was none), or why it cannot be read. */
export type TextBefore = { ok: true; text: string | null } | { ok: false; refusal: Refusal };

/**
 * The text `rel` had before the patch: from `originals` when the patch touches it (the plan's own reading,
 * which its later checks must agree with), else from disk. A path that cannot be read (a symlink, a
 * directory) is not reported as absent: the green-washing checks would then compare with no settings
 * and pass what they cannot see. Its refusal names the file and says what it is, without the advice
 * checkPathOnDisk gives for a path the patch edits (this one it does not).
 */
export async function textBeforePatch(root: string, rel: string, originals: Map<string, Original>): Promise<TextBefore> {
  const touched = originals.get(rel);
  if (touched) return { ok: true, text: touched.data === null ? null : touched.data.toString("utf8") };
  const check = await checkPathOnDisk(root, rel);
  if (!check.ok) return { ok: false, refusal: { ...check.refusal, reason: check.refusal.reason.split(";")[0]! } };
  return { ok: true, text: check.disk.exists ? await fs.readFile(path.join(root, rel), "utf8") : null };
}
