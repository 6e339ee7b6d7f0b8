import { buildJob, jobRepoFrom } from "./build-job.js";
import { ignoredBy, notCompleted, type DecisionScope, type Handler, type HandlerDeps } from "./decision.js";
import { allowlistFilter, botActorFilter, botBranchFilter, conclusionFilter, forkFilter, mergeQueueFilter, ownPullRequests } from "./filters.js";
import { failureFingerprint, wentGreen } from "./fingerprint.js";
import { parsePayload, workflowRunCompletedSchema } from "./payload-schemas.js";
import { onFixBranchRun } from "./on-fix-branch-run.js";
import { awaitsRerun, onRerunCompleted } from "./on-rerun-completed.js";
import { jobKey, type Job } from "../core/job.js";
import { FAILING } from "../core/conclusions.js";
import { AppError } from "../core/errors.js";
import { prRecordOf } from "../pipeline/stages/open-pull-request-result.js";

/** `workflow_run.completed` with a failing conclusion → a job; anything else → recorded with the reason. */
export const onWorkflowRun: Handler = async (payload, meta, deps) => {
  const other = notCompleted(payload, "workflow_run", "runs");
  if (other) return other;
  const p = parsePayload(workflowRunCompletedSchema, payload, "workflow_run.completed");
  const run = p.workflow_run;
  const scope: DecisionScope = { repoFullName: p.repository.full_name, installationId: p.installation.id, runId: run.id };
  const ignored = ignoredBy(scope);
  // The app's own fix branch: not a new job, but the CI result of a fix (recorded on the job that opened it).
  if (botBranchFilter(run.head_branch)) {
    // A fork's branch of the same name (its PR can carry the fix commit) is not CI of the app's fix branch.
    const fork = forkFilter(p.repository.id, p.repository.full_name, run.head_repository);
    if (fork) return { ...scope, outcome: "ignored", reason: fork.reason };
    return onFixBranchRun({ repoId: p.repository.id, repoFullName: p.repository.full_name, installationId: p.installation.id, workflow: fingerprintScope(p, run).workflow, run }, meta, deps);
  }
  // A later attempt of a run whose job re-ran its failed jobs (rerun_flaky) and waits for the result. This
  // read only routes the delivery: onRerunCompleted checks again inside its write, where it is atomic.
  if (run.run_attempt > 1) {
    const job = await deps.store.findJobByKey(jobKey(p.repository.id, run.id));
    if (job && awaitsRerun(job, run.run_attempt)) {
      return onRerunCompleted(job, { repoFullName: p.repository.full_name, installationId: p.installation.id, run }, meta, deps);
    }
    // People re-ran the failed run while its job was still on the way to a PR: the latest attempt is the
    // run's verdict. Passed, a fix PR for a failure already green would be noise: noted on the job (build-context
    // and open-pull-request read it), a failed one too, for the operator's retry. A job whose PR is open already
    // leaves that PR to people.
    const latest = job && job.state !== "completed" && !prRecordOf(job)?.pr && !forkFilter(p.repository.id, p.repository.full_name, run.head_repository) && verdictOf(run.conclusion) ? await noteAttempt(job, run.run_attempt, run.conclusion!, deps) : undefined;
    // People re-ran the failed run (its fix PR may be open already) and it failed again: the run's job answers
    // it. Said with that job and its PR, so whoever reads the delivery sees why nothing happened.
    if (job && FAILING.has(run.conclusion ?? "")) {
      const open = prRecordOf(job)?.pr;
      const where = open ? `its fix PR #${open.number} ${open.state}` : `in state ${job.state}`;
      return { ...scope, outcome: "duplicate", jobId: job.id, reason: `attempt ${run.run_attempt} of run ${run.id} ${run.conclusion === "failure" ? "failed" : run.conclusion} again: job ${job.id} already handles this run, ${where}; no second job` };
    }
    if (job && latest && run.conclusion === "success") {
      // The pass still resets the fix-loop count, as any pass of the workflow on the branch does.
      const green = wentGreen(fingerprintScope(p, run));
      const said = latest.attempt === run.run_attempt ? `job ${job.id} opens no fix PR for it` : `attempt ${latest.attempt} is the latest (${latest.conclusion}), which job ${job.id} goes by`;
      return { ...scope, outcome: "event_routed", jobId: job.id, reason: `attempt ${run.run_attempt} of run ${run.id} passed: ${said}`, green };
    }
  }
  const notAllowed = allowlistFilter(deps.config, p.repository.full_name);
  const fork = forkFilter(p.repository.id, p.repository.full_name, run.head_repository);
  const skip =
    ignored(conclusionFilter(run.conclusion)) ??
    ignored(notAllowed) ??
    ignored(botBranchFilter(run.head_branch)) ??
    ignored(mergeQueueFilter(run.head_branch)) ??
    ignored(
      botActorFilter(deps.identity.logins(), [
        { role: "triggering actor", ...run.triggering_actor },
        { role: "actor", ...run.actor },
        { role: "sender", ...p.sender },
      ]),
    ) ??
    ignored(fork) ??
    ignored(run.head_branch ? undefined : { reason: "run has no head branch (detached or fork); there is no branch to fix" });
  if (skip) {
    // A pass of the workflow on the branch (not a fork's branch of the same name): its failures went green.
    const green = run.conclusion === "success" && run.head_branch && !notAllowed && !fork;
    return green ? { ...skip, green: wentGreen(fingerprintScope(p, run)) } : skip;
  }

  const failure = fingerprintScope(p, run);
  const workflowPath = failure.workflow;
  const job = buildJob({
    deliveryId: meta.id,
    event: meta.event,
    installationId: p.installation.id,
    repo: jobRepoFrom(p.repository),
    run: {
      id: run.id,
      attempt: run.run_attempt,
      source: "workflow_run",
      name: run.name || p.workflow?.name || undefined,
      workflowPath: workflowPath || undefined,
      headSha: run.head_sha,
      // A tag push's run has the tag's name here, which nothing in the payload tells from a branch's: the
      // job's first stage asks GitHub (check-repo-config), as a handler makes no GitHub call.
      headBranch: run.head_branch!,
      event: run.event,
      conclusion: run.conclusion!,
      htmlUrl: run.html_url,
      checkSuiteId: run.check_suite_id,
      pullRequests: ownPullRequests(p.repository.id, run.pull_requests),
      actor: run.actor?.login,
      triggeringActor: run.triggering_actor?.login,
    },
    fingerprint: failureFingerprint({ ...failure, conclusion: run.conclusion! }),
    dryRun: deps.config.DRY_RUN,
    at: meta.receivedAt,
  });
  // The store de-duplicates it and applies the fix-loop cap, atomically (intake.ts).
  return { ...scope, outcome: "job_created", job };
};

/** Records `attempt` on the job unless a later one is there already; the latest attempt the job has after. */
async function noteAttempt(job: Job, attempt: number, conclusion: string, deps: HandlerDeps): Promise<NonNullable<Job["run"]["latestAttempt"]> | undefined> {
  let after: Job;
  try {
    after = await deps.store.updateJob(job.id, (j) => {
      if (Math.max(j.run.latestAttempt?.attempt ?? 0, j.run.attempt) >= attempt || j.state === "completed" || prRecordOf(j)?.pr) return;
      j.run.latestAttempt = { attempt, conclusion };
    });
  } catch (err) {
    // A failed job past RETENTION_DAYS is read-only in lowdb's archive: no retry of it will open a PR either.
    if (err instanceof AppError && err.code === "job_archived") return undefined;
    throw err;
  }
  const latest = after.run.latestAttempt;
  return latest && latest.attempt > after.run.attempt ? latest : { attempt: after.run.attempt, conclusion: after.run.conclusion };
}

/** Whether an attempt's conclusion says anything of the failure (cancelled, skipped… do not). */
const verdictOf = (conclusion: string | null) => conclusion === "success" || FAILING.has(conclusion ?? "");

/** A failure's fingerprint less its conclusion: one repository, workflow and branch. */
function fingerprintScope(p: { repository: { id: number }; workflow?: { path?: string | null } | null }, run: { path?: string | null; name?: string | null; head_branch: string | null }) {
  return { repoId: p.repository.id, source: "workflow_run", workflow: run.path ?? p.workflow?.path ?? run.name ?? "", branch: run.head_branch! };
}
