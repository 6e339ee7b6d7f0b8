import type { Deps } from "../../core/deps.js";
import type { AppError } from "../../core/errors.js";
import type { Job } from "../../core/job.js";
import type { GitHubClient } from "../../core/ports/github-port.js";
import { lastOpenOrClose, prEventsOf, PR_OUTCOME } from "../../feedback/pr-events.js";
import { fixBranchName } from "../../pr/branch-name.js";
import { fixRecord } from "../../pr/pr-body-input.js";
import type { StageContext, StageOutcome } from "../stage.js";
import { readRepoConfig, repoConfigOf } from "./check-repo-config.js";
import { closedFixNote, closedFixOf } from "./closed-fix-of.js";
import { fixTarget, siblingTakenOver } from "./fix-target.js";
import { openFixPrCap } from "./open-fix-prs.js";
import { passedOnBranchHeadNote } from "./passed-on-branch-head.js";
import { passedSinceNote } from "./passed-since-note.js";
import { FIX_COMMIT, type OpenPullRequestResult, prRecordOf, repairStateOf } from "./open-pull-request-result.js";
import type { SiblingFix } from "./open-sibling-fix.js";

/**
 * What open-pull-request decides before its first write, from the store and GitHub's reads alone, in one
 * place: the real run acts on it, and its dry run describes the same thing. `stop`: the outcome, nothing
 * written (an open sibling PR answers the failure, the bot was turned off since check-repo-config, the
 * workflow passed on a newer commit of the branch, people closed this failure's fix PR unmerged, or took the
 * sibling PR over); `refused`: the error the job fails
 * with (MAX_OPEN_FIX_PRS_PER_REPO); `write`: where the fix goes.
 */
export type FixPrDecision =
  | { kind: "stop"; outcome: StageOutcome & { result: unknown } }
  | { kind: "refused"; error: AppError }
  | { kind: "write"; sibling?: SiblingFix; branch: string; attempt: number; previous?: OpenPullRequestResult };

export async function decideFixPr(job: Job, deps: Deps, ctx: StageContext, gh: GitHubClient): Promise<FixPrDecision> {
  const { proposal } = fixRecord(job);
  const config = repoConfigOf(job);
  const attempt = repairStateOf(job)?.attempt ?? 1;
  const previous = prRecordOf(job);
  // open-pull-request found its PR closed and recorded the close (after publishFix), which woke the job: watch-pr handles it.
  if (previous?.pr?.state === "closed" && lastOpenOrClose(prEventsOf(job))?.kind === "closed") return { kind: "stop", outcome: { result: previous } };
  // A job with a PR of its own (on record, or its first commit noted before it failed) keeps to it when retried:
  // another job's fix PR for the same failure, open by now, would get this fix too, and its own PR go unwatched.
  const ownPr = !!((previous?.pr && !previous.sharedWithJob) || job.results[FIX_COMMIT]);
  // People re-ran the failed run and it passed since: nothing to fix, here or on a sibling PR.
  const passed = ownPr ? undefined : passedSinceNote(job);
  if (passed) return { kind: "stop", outcome: { result: { left: passed }, finish: passed } };
  const target = await fixTarget(job, deps, ctx, proposal.patch, config, attempt === 1 && !ownPr);
  if (target.kind === "answered") return { kind: "stop", outcome: target.nothing };
  const sibling = target.kind === "sibling" ? target.sibling : undefined;
  const branch = sibling?.branch ?? fixBranchName(job.run.id);
  if (attempt === 1) {
    // Read again before the first write: the owner may have turned the bot off since check-repo-config,
    // while the job cloned, waited for the model or backed off through an outage (hours, at worst).
    const { off } = await readRepoConfig(gh, job.repo);
    // Retried after a stop while parked on its PR: that PR is open, and its outcome is still the model's
    // feedback. Left as it is (watch-pr writes nothing while the bot is off) and watched, not forgotten.
    if (off && previous?.pr) return { kind: "stop", outcome: waitOnPr(job, previous) };
    if (off) return { kind: "stop", outcome: { result: { left: off }, finish: `${off}; no PR opened` } };
  }
  if (attempt === 1 && !ownPr && !sibling) {
    // A new PR: not for a failure people already made green on a newer commit of the branch, not for a
    // failure whose fix people closed unmerged, and not past the repository's cap. (A fix going onto an open
    // sibling PR, even one brought to this later commit, opens no new PR: that PR stays the branch's answer.)
    const green = await passedOnBranchHeadNote(gh, job, ctx.log);
    if (green) return { kind: "stop", outcome: { result: { left: green }, finish: green } };
    const closed = await closedFixOf(job, deps);
    if (closed) return { kind: "stop", outcome: { result: { left: closedFixNote(closed) }, finish: closedFixNote(closed) } };
    const capped = await openFixPrCap(job, deps);
    if (capped) return { kind: "refused", error: capped };
  }
  if (sibling && gh.writes) {
    const taken = await siblingTakenOver(gh.writes, job, sibling);
    if (taken) return { kind: "stop", outcome: taken };
  }
  return { kind: "write", ...(sibling ? { sibling } : {}), branch, attempt, ...(previous ? { previous } : {}) };
}

/**
 * Parks the job on its PR. Retried after a stop while parked on it, CI on the fix may have finished with
 * no webhook told: watch-pr, next, asks GitHub (Job.reconcileOnResume) before it waits.
 */
export function waitOnPr(job: Job, result: OpenPullRequestResult) {
  return job.reconcileOnResume ? { result } : { result, wait: PR_OUTCOME };
}
