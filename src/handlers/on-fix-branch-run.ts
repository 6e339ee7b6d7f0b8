import { jobKey } from "../core/job.js";
import { addPrEvent, prEventsOf } from "../feedback/pr-events.js";
import { runIdOfFixBranch } from "../pr/branch-name.js";
import { fixBranchCommit, prRecordOf } from "../pipeline/stages/open-pull-request-result.js";
import type { DeliveryMeta, HandlerDeps, IntakeDecision } from "./decision.js";
import { isVerdict } from "../core/conclusions.js";
import { workflowFileOf } from "../core/workflow-file.js";
import { updateParkedJob } from "../feedback/update-parked-job.js";
import { followRepoRename } from "../feedback/follow-repo-rename.js";

export interface FixBranchRun {
  repoId: number;
  repoFullName: string;
  installationId: number;
  /** The run's workflow, named as the job's `run.workflowPath` is (fingerprintScope). */
  workflow?: string;
  run: { id: number; run_attempt?: number; head_branch: string | null; head_sha: string; conclusion: string | null; html_url?: string };
}

/**
 * `workflow_run.completed` on one of the app's `ci-bot/fix-<run>` branches: never a new job (no fix loops),
 * but the CI result of the fix, recorded on the job that opened it and handled by its watch-pr stage.
 */
export async function onFixBranchRun(r: FixBranchRun, meta: DeliveryMeta, deps: HandlerDeps): Promise<IntakeDecision> {
  const scope = { repoFullName: r.repoFullName, installationId: r.installationId, runId: r.run.id };
  // Same wording as the bot-branch filter, with the detail only when there is something to add.
  const ignored = (reason?: string): IntakeDecision => ({ ...scope, outcome: "ignored", reason: `branch ${r.run.head_branch} is one of the app's own fix branches${reason ? `: ${reason}` : ""}` });
  const origin = runIdOfFixBranch(r.run.head_branch);
  if (origin === undefined) return ignored();
  const job = await deps.store.findJobByKey(jobKey(r.repoId, origin));
  const open = job && prRecordOf(job);
  // A dry run (or a run whose fix went onto another job's PR) records no PR of its own under this name.
  if (!job || !open?.pr) return ignored();
  // Other workflows run on the fix branch too (lint, docs, a flaky one already red on the base): their
  // result is not whether the fix works. A quick green lint would mark the PR ready and tell the model
  // the fix passed CI while the failing workflow still runs; a red unrelated one would start a repair.
  if (job.run.workflowPath && r.workflow && workflowFileOf(r.workflow) !== workflowFileOf(job.run.workflowPath)) {
    return ignored(`CI of ${r.workflow}, not of ${job.run.workflowPath}, the workflow the fix is for`);
  }
  // A repair's commit is on the branch (and its CI running) before the job records it, when the PR update
  // after the push is retried: its verdict is kept for watch-pr, which reads it once the repair is finished.
  // A later job's fix committed onto this PR is the bot's too, and this job, owning the PR, hears its CI.
  // So is an earlier attempt's commit a repair replaced: its runs still end, and are its inference's verdict.
  if (!fixBranchCommit(job, open, r.run.head_sha)) return ignored(`CI for ${r.run.head_sha.slice(0, 7)}, not the fix commit ${open.commitSha.slice(0, 7)}`);
  // A run that says nothing of the fix (cancelled, skipped…) is no verdict; but once the job heard of this
  // commit's CI, its verdict may be waiting for this very run, and no other delivery would wake it.
  const heard = prEventsOf(job).some((e) => e.kind === "ci" && e.headSha === r.run.head_sha);
  if (!isVerdict(r.run.conclusion) && !heard) return ignored(`CI ${r.run.conclusion ?? "without a conclusion"}: not a verdict on the fix`);
  // A re-run keeps the run id and counts up run_attempt: each attempt is its own verdict (a flaky red run
  // re-run green). The first attempt keeps the id events were recorded under before attempts were told apart.
  const attempt = r.run.run_attempt ?? 1;
  const id = `ci:${r.run.id}:${r.run.head_sha}${attempt > 1 ? `:${attempt}` : ""}`;
  const changed = await updateParkedJob(deps, job.id, (j) => {
    followRepoRename(j, r.repoFullName);
    return addPrEvent(j, { id, kind: "ci", runId: r.run.id, ...(attempt > 1 ? { attempt } : {}), conclusion: r.run.conclusion ?? "unknown", headSha: r.run.head_sha, url: r.run.html_url, at: meta.receivedAt });
  });
  return {
    ...scope,
    outcome: "event_routed",
    reason: `CI ${r.run.conclusion} on fix branch ${r.run.head_branch} ${changed ? `recorded for job ${job.id}` : "already recorded"}`,
    ...(changed ? { resumeJobId: job.id } : {}),
  };
}
