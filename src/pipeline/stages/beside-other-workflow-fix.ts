import type { RepoConfig } from "../../config/repo-config.js";
import { planFixFiles } from "../../pr/plan-fix-files.js";
import type { SiblingFix } from "./open-sibling-fix.js";

/**
 * How a fix sits beside the open fix PR of another workflow's failure of the same commit (one change
 * breaking tests and lint): both patches were made and validated on that commit, so each is planned there
 * and compared file by file.
 * - `same_fix`: every file this patch changes is already changed the same way by that PR's fix: one
 *   cause, one answer, and nothing to write.
 * - `disjoint`: it changes none of the files the bot's commits on that PR changed: committed onto it, on
 *   top of that fix.
 * - `overlaps`: it changes one of those files differently. Committed onto the PR it would put the file back
 *   to this patch's version and undo that fix there; it gets a PR of its own instead.
 */
export async function besideOtherWorkflowFix(dir: string, patch: string, config: RepoConfig, sibling: Pick<SiblingFix, "files" | "patch">): Promise<"same_fix" | "disjoint" | "overlaps"> {
  const mine = await planFixFiles(dir, patch, config);
  // The PR's patch no longer planning here (a repair's, made on the fix branch) says nothing of sameness.
  const theirs = sibling.patch ? await planFixFiles(dir, sibling.patch, config).catch(() => undefined) : undefined;
  if (theirs && mine.every((f) => theirs.some((t) => t.path === f.path && t.content === f.content && t.mode === f.mode))) return "same_fix";
  return mine.some((f) => sibling.files.includes(f.path)) ? "overlaps" : "disjoint";
}
