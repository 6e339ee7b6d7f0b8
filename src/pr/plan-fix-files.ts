import { permanent } from "../core/errors.js";
import type { RepoConfig } from "../config/repo-config.js";
import type { FileChange } from "../core/ports/github-port.js";
import { planPatch } from "../patch/apply-patch.js";
import { diffPaths, restoreFiles } from "../validate/restore-files.js";
import { collectChanges } from "./collect-changes.js";

/**
 * The fix commit's files: the validated diff planned again on the committed tree (the workspace is put
 * back to the failing commit first, so a retry sees the same input), plus, on a repair attempt, the
 * files only the previous attempt touched, reset to their committed content.
 */
export async function planFixFiles(dir: string, patch: string, config: RepoConfig, previousPaths: string[] = []): Promise<FileChange[]> {
  await restoreFiles(dir, [...diffPaths(patch), ...previousPaths]);
  const plan = await planPatch(patch, dir, { config, dryRun: true });
  if (!plan.ok) {
    throw permanent("patch_refused", `The validated patch no longer plans cleanly (${plan.refusal.rule}): ${plan.refusal.reason}. Retry the job from propose-patch.`);
  }
  const files = new Map<string, FileChange>();
  for (const c of plan.changes) {
    if (c.from && c.from !== c.path) files.set(c.from, { path: c.from, content: null });
    files.set(c.path, { path: c.path, content: c.content, mode: c.mode });
  }
  const leftovers = previousPaths.filter((p) => !files.has(p));
  for (const f of await collectChanges(dir, leftovers)) files.set(f.path, f);
  return [...files.values()].sort((a, b) => a.path.localeCompare(b.path));
}
