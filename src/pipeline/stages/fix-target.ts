import type { RepoConfig } from "../../config/repo-config.js";
import type { Deps } from "../../core/deps.js";
import type { Job } from "../../core/job.js";
import type { GitHubWriteClient } from "../../core/ports/github-port.js";
import type { StageContext } from "../stage.js";
import { besideOtherWorkflowFix } from "./beside-other-workflow-fix.js";
import { ensureWorkspace } from "./clone-repo.js";
import { answeredBy, openSiblingFix, type SiblingFix } from "./open-sibling-fix.js";

/** What a job that writes nothing records (open-pull-request's result) and says (its closing note). */
export interface NothingWritten {
  result: { branch: string; sharedWithJob: string; left: string };
  finish: string;
}

/**
 * Where a job's fix goes: nowhere (`answered`: an open sibling PR answers the failure already), onto an
 * earlier job's open fix PR (`sibling`: committed on top, or that PR brought to this job's later commit, by
 * its kin), or the job's own branch and PR. Decided from the store and the checkout alone, in one place:
 * open-pull-request acts on it, and its dry run describes the same thing.
 */
export type FixTarget = { kind: "answered"; sibling: SiblingFix; nothing: NothingWritten } | { kind: "sibling"; sibling: SiblingFix } | { kind: "own" };

/**
 * `lookForSibling`: false for a job keeping to its own PR (on record, or its first commit noted before it
 * failed) and for a repair attempt: another job's fix PR for the same failure, open by now, would get this
 * fix too, and its own PR go unwatched.
 */
export async function fixTarget(job: Job, deps: Deps, ctx: StageContext, patch: string, config: RepoConfig, lookForSibling: boolean): Promise<FixTarget> {
  const sibling = lookForSibling ? await openSiblingFix(job, deps) : undefined;
  if (!sibling) return { kind: "own" };
  if (sibling.answers) {
    // The same commit failing in a second run (a workflow on both push and pull_request, or a later run of
    // it), or the same tests failing again on the branch while the fix waits for review (a flaky test failing
    // every night): one failure, which the open PR already answers. A second PR, another answer committed on
    // top of the one people are reviewing, or a second comment on the failing PR, would only be noise.
    const { left, note } = answeredBy(job, sibling);
    return { kind: "answered", sibling, nothing: { result: { branch: sibling.branch, sharedWithJob: sibling.jobId, left }, finish: note } };
  }
  if (sibling.kin !== "same commit, another workflow") return { kind: "sibling", sibling };
  const beside = await besideOtherWorkflowFix((await ensureWorkspace(job, deps, ctx)).dir, patch, config, sibling);
  if (beside === "same_fix") {
    const finish = `${sibling.kin} as job ${sibling.jobId}: the same fix is on its PR #${sibling.pr} already; nothing written`;
    return { kind: "answered", sibling, nothing: { result: { branch: sibling.branch, sharedWithJob: sibling.jobId, left: `run ${job.run.id}'s fix is the one on PR #${sibling.pr}` }, finish } };
  }
  return beside === "overlaps" ? { kind: "own" } : { kind: "sibling", sibling };
}

/**
 * People pushed onto the sibling PR's branch: it is theirs now, and a commit on top would replace their
 * version of the fixed files. Their PR is still the answer to this failure: no commit, no second PR. A later
 * commit of the branch too: those working on the fix PR are working on this breakage, and a second bot PR
 * against the same branch would compete with theirs (the noise one fix PR per failure avoids).
 */
export async function siblingTakenOver(w: Pick<GitHubWriteClient, "getBranchSha">, job: Job, sibling: SiblingFix): Promise<NothingWritten | undefined> {
  const head = await w.getBranchSha(job.repo, sibling.branch);
  if (head && sibling.heads.includes(head)) return undefined;
  const moved = head ? `moved to ${head.slice(0, 7)}` : "was deleted";
  return {
    result: { branch: sibling.branch, sharedWithJob: sibling.jobId, left: `${sibling.branch} ${moved} after the bot's commit ${sibling.commitSha.slice(0, 7)}` },
    finish: `${sibling.kin} as job ${sibling.jobId}, whose fix PR #${sibling.pr} people have taken over (${sibling.branch} ${moved}); left as is`,
  };
}
