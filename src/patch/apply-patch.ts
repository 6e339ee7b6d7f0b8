import { planPatchInternal } from "./plan-patch.js";
import { nodeWriteIo, writeChanges, type WriteIo } from "./write-changes.js";
import type { ApplyResult, PatchOptions } from "./types.js";

export type { ApplyResult, PatchOptions, PlanResult, PlannedChange, Refusal, ChangedFile, Override, RuleId } from "./types.js";
export { planPatch } from "./plan-patch.js";
export { RULES, refusalError, formatRefusal } from "./rules.js";

/**
 * Applies a model's diff to the work tree at `repoDir` under the patch policy (DESIGN §3). Either every
 * change lands or none does: refusals come back as `{ ok: false, refusal }` with the tree untouched;
 * I/O failures while writing roll back and throw `patch_write_failed`. With `dryRun` nothing is written.
 */
export async function applyPatch(
  diffText: string,
  repoDir: string,
  opts: PatchOptions & { io?: WriteIo; notes?: string[] },
): Promise<ApplyResult> {
  const plan = await planPatchInternal(diffText, repoDir, opts);
  if (!plan.ok) return plan;
  opts.notes?.push(...plan.notes);
  if (!opts.dryRun) await writeChanges(plan.root, plan.changes, plan.originals, opts.io ?? nodeWriteIo);
  return {
    ok: true,
    files: plan.files,
    overrides: plan.overrides,
    overrideDetails: plan.overrideDetails,
    additions: plan.additions,
    deletions: plan.deletions,
  };
}
