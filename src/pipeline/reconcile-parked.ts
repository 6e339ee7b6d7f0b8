import type { Deps } from "../core/deps.js";
import { toAppError } from "../core/errors.js";
import type { Job } from "../core/job.js";
import type { JobStore } from "../core/ports/job-store.js";
import { workflowFileOf } from "../core/workflow-file.js";
import { isInstallationRefusal } from "../adapters/github/installation-refusal.js";
import { proposalIds } from "../feedback/outcome-feedback.js";
import { PR_OUTCOME } from "../feedback/pr-events.js";
import { allowlistFilter } from "../handlers/filters.js";
import type { DeliveryMeta, IntakeDecision } from "../handlers/decision.js";
import { onFixBranchRun } from "../handlers/on-fix-branch-run.js";
import { prCloseOf, recordPrClose } from "../feedback/record-pr-close.js";
import { awaitsRerun, onRerunCompleted } from "../handlers/on-rerun-completed.js";
import { reconcileReviews } from "./reconcile-reviews.js";
import { queueItemFor } from "./runner.js";
import { runNowAndEvery, takesLease } from "../core/periodic.js";
import { botCommits, OPEN_PULL_REQUEST, prRecordOf, pushedByThisRepair } from "./stages/open-pull-request-result.js";
import { WAIT_RERUN } from "./stages/rerun-flaky-result.js";

/** Jobs asked about per pass: a backlog (the app down for days) is worked through over several passes. */
const RECONCILE_MAX_JOBS = 20;

export interface ReconcileResult {
  /** Parked jobs GitHub was asked about. */
  checked: number;
  /** Of those, the ones an event the webhooks had missed was recorded for (woken, or finished by it). */
  recorded: string[];
  /** Jobs left for the next pass after a GitHub error GitHub may get over. */
  failed: number;
}

type ReconcileDeps = Pick<Deps, "config" | "store" | "queue" | "github" | "clock" | "logger" | "identity">;

/**
 * A job parked for an outside event waits for ever when the webhook never comes: the app down longer than
 * the redelivery pass reaches back (REDELIVER_WINDOW_HOURS), a delivery GitHub never retried. Jobs parked
 * RECONCILE_PARKED_HOURS (since their last change, or since they were last asked about) are checked against
 * GitHub, oldest first, at most `maxJobs` (a fix PR's state, CI, reviews and review comments, and people's
 * draft changes on its timeline; a re-run's attempt): what a missed webhook would have said is recorded by
 * the handler's own code, under the same event ids (a real webhook arriving later is a duplicate), and the job is woken as the webhook route wakes it. Reads only; GitHub writes, if any are due, are the woken job's stages'.
 */
export async function reconcileParked(deps: ReconcileDeps, opts: { maxJobs?: number } = {}): Promise<ReconcileResult> {
  const result: ReconcileResult = { checked: 0, recorded: [], failed: 0 };
  const hours = deps.config.RECONCILE_PARKED_HOURS;
  if (hours === 0) return result;
  const now = deps.clock.now();
  const cutoff = now - hours * 3600_000;
  const due: Array<{ job: Job; since: number }> = [];
  for (const id of await deps.store.listUnfinishedJobIds()) {
    const job = await deps.store.getJob(id);
    if (!job || (job.waitingFor !== PR_OUTCOME && job.waitingFor !== WAIT_RERUN) || job.dryRun) continue;
    const since = Math.max(Date.parse(job.updatedAt), job.reconciledAt ? Date.parse(job.reconciledAt) : 0);
    // A repository taken out of REPO_ALLOWLIST is not read from; the runner stops the job when it next runs.
    if (since <= cutoff && !allowlistFilter(deps.config, job.repo.fullName)) due.push({ job, since });
  }
  due.sort((a, b) => a.since - b.since);
  for (const { job } of due.slice(0, opts.maxJobs ?? RECONCILE_MAX_JOBS)) {
    result.checked++;
    const log = deps.logger.child({ jobId: job.id, repo: job.repo.fullName, runId: job.run.id });
    try {
      const reasons = await reconcileJob(deps, job);
      if (!reasons.length) {
        await markReconciled(deps.store, job.id, now);
        continue;
      }
      result.recorded.push(job.id);
      await enqueueIfWoken(deps, job.id);
      log.info({ recorded: reasons }, "parked job: recorded what GitHub says its missed webhooks would have");
    } catch (raw) {
      // What was recorded before the failing read (its CI, say) may have woken the job: it is not parked any
      // more, so no later pass would ask about it, and only a restart would find it. It runs with what it has.
      await enqueueIfWoken(deps, job.id).catch((e: unknown) => log.warn({ err: e }, "parked job: could not queue it after a partial pass; it resumes at the next start"));
      const err = toAppError(raw);
      if (isInstallationRefusal(raw)) {
        // Uninstalled or suspended: on-installation stops the job, or hands it to the next installation.
        log.info({ err: { code: err.code } }, "parked job: GitHub refuses its installation's token; left to the installation events");
        await markReconciled(deps.store, job.id, now);
        continue;
      }
      log.warn({ err: { code: err.code, message: err.message } }, err.retryable ? "parked job: could not ask GitHub about it; will try again next pass" : `parked job: could not ask GitHub about it; will try again in ${hours} h`);
      if (err.retryable) result.failed++;
      // Permanent: asked again after the threshold, not every pass ahead of the jobs behind it.
      else await markReconciled(deps.store, job.id, now);
    }
  }
  return result;
}

/**
 * Asks GitHub what the job waits for; the reasons of whatever was recorded (none: nothing new). Also run by
 * watch-pr for a job retried after a stop (`Job.reconcileOnResume`), which is not parked then: what is
 * recorded wakes it all the same. Wakes, but queues nothing: that is the caller's.
 */
export async function reconcileJob(deps: ReconcileDeps, job: Job): Promise<string[]> {
  const gh = await deps.github.forInstallation(job.installationId);
  if (!gh.writes) return [];
  const receivedAt = new Date(deps.clock.now()).toISOString();
  const meta = (event: string): DeliveryMeta => ({ id: `reconcile:${job.id}:${receivedAt}`, event, receivedAt });
  const routed = (d: IntakeDecision): string[] => ("resumeJobId" in d && d.resumeJobId ? [d.reason] : []);
  const scope = { repoFullName: job.repo.fullName, installationId: job.installationId };

  if (job.waitingFor === WAIT_RERUN) {
    const run = await gh.writes.getRun(job.repo, job.run.id);
    if (run.status !== "completed" || !awaitsRerun(job, run.attempt)) return [];
    const d = await onRerunCompleted(job, { ...scope, run: { id: job.run.id, run_attempt: run.attempt, conclusion: run.conclusion } }, meta("workflow_run"), deps);
    return d.outcome === "event_routed" ? [d.reason] : [];
  }

  const open = prRecordOf(job);
  if (!open?.pr) return [];
  const reasons: string[] = [];
  const pr = await gh.writes.getPullRequest(job.repo, open.pr.number);
  // The bot's commits whose CI the job waits to hear of: its fix, a repair's push not yet recorded, and a
  // later job's fix committed onto this PR when that is the PR's head (on-fix-branch-run hears those too).
  const shas = new Set([open.commitSha, pushedByThisRepair(job, open)?.sha, botCommits(open).includes(pr.headSha) ? pr.headSha : undefined].filter((s): s is string => !!s));
  /** Records the runs of `sha` that ended; whether one of the fix's workflow is still queued or running. */
  const recordRuns = async (sha: string): Promise<{ running: boolean }> => {
    let running = false;
    for (const run of await gh.listCommitRuns(job.repo, sha)) {
      if (run.status !== "completed") {
        running ||= !job.run.workflowPath || !run.workflow || workflowFileOf(run.workflow) === workflowFileOf(job.run.workflowPath);
        continue;
      }
      const fixRun = { id: run.id, run_attempt: run.attempt, head_branch: open.branch, head_sha: sha, conclusion: run.conclusion, ...(run.htmlUrl ? { html_url: run.htmlUrl } : {}) };
      reasons.push(...routed(await onFixBranchRun({ repoId: job.repo.id, ...scope, workflow: run.workflow, run: fixRun }, meta("workflow_run"), deps)));
    }
    return { running };
  };
  // CI first, as its webhooks came before the close; earlier attempts' commits a repair replaced first of all.
  // Their verdict as the repair found it (red: it made the repair) is on the job already, but a run that ended
  // since (a re-run of the red one) is their inference's verdict too. Each is asked about until a pass finds
  // none of its runs still going, not on every pass for as long as the job is parked.
  for (const c of open.supersededCommits ?? []) {
    if (c.runsReconciled || shas.has(c.sha)) continue;
    if (!(await recordRuns(c.sha)).running) await markRunsReconciled(deps.store, job.id, c.sha);
  }
  for (const sha of shas) await recordRuns(sha);
  // Reviews and draft changes before the close, as people review (and mark ready) before they merge. A job
  // without a proposal has no episode for their feedback: its PR's reviews and timeline are not asked for (a
  // person's draft change still keeps watch-pr from marking the PR ready: watch-pr reads the timeline itself first).
  if (proposalIds(job)) reasons.push(...(await reconcileReviews(deps, job, gh, pr.number, receivedAt)));
  if (pr.state === "closed") {
    if (await recordPrClose(deps, job.id, prCloseOf(pr), receivedAt)) reasons.push(`PR #${pr.number} ${pr.merged ? "merged" : "closed without merging"}`);
  }
  return reasons;
}

/** Queues the job when what was recorded woke it, as the webhook route does; a re-run that passed finished it, and nothing runs. */
async function enqueueIfWoken(deps: ReconcileDeps, id: string): Promise<void> {
  const fresh = await deps.store.getJob(id);
  if (fresh && !fresh.waitingFor && fresh.state !== "completed" && fresh.state !== "failed") await deps.queue.enqueue(queueItemFor(fresh));
}

/** A superseded commit whose runs have all ended is not asked about again (`SupersededCommit.runsReconciled`). */
async function markRunsReconciled(store: JobStore, id: string, sha: string): Promise<void> {
  await store.updateJob(id, (j) => {
    const c = prRecordOf(j)?.supersededCommits?.find((x) => x.sha === sha);
    if (c) c.runsReconciled = true;
  });
}

/** Asked and nothing new: not asked again for RECONCILE_PARKED_HOURS. Not a change of the job (updatedAt stays). */
async function markReconciled(store: JobStore, id: string, now: number): Promise<void> {
  await store.updateJob(id, (j) => void (j.reconciledAt = new Date(now).toISOString()));
}

/**
 * Runs the reconciliation now and then every `everyMs`, beside the workers. A store shared by a fleet
 * (Redis) lets one process do it per period. Returns a function that stops it.
 */
export function startParkedReconciler(deps: ReconcileDeps, everyMs = 3600_000): () => void {
  if (deps.config.RECONCILE_PARKED_HOURS === 0) return () => undefined;
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      // Held for nearly the period: workers whose timers drifted apart still make one pass between them.
      if (!(await takesLease(deps.store, "reconcile-parked", Math.max(60_000, everyMs - 60_000)))) return;
      const r = await reconcileParked(deps);
      if (r.recorded.length || r.failed) deps.logger.info(r, "parked jobs checked against GitHub");
    } catch (err) {
      deps.logger.warn({ err }, "parked-job reconciliation failed; will try again");
    } finally {
      running = false;
    }
  };
  return runNowAndEvery(everyMs, run);
}
