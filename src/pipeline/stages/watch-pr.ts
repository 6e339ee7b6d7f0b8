import type { Deps } from "../../core/deps.js";
import { toAppError } from "../../core/errors.js";
import { redact } from "../../core/redact.js";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { logsDirOf } from "../../adapters/workspace/logs-dir.js";
import { fitRepairContext, type PreviousAttempt } from "../../context/fit-repair-context.js";
import { fixRunExcerpts } from "../../context/fix-run-excerpts.js";
import { countTokens } from "../../logs/count-tokens.js";
import type { ContextExcerpt, FailureContext } from "../../core/failure-context.js";
import type { Job } from "../../core/job.js";
import type { CommitRun, GitHubClient, GitHubWriteClient } from "../../core/ports/github-port.js";
import { commitCiVerdict } from "../../pr/commit-ci-verdict.js";
import { fixCommentMarker, withFixOutcome, type FixOutcome } from "../../pr/fix-comment.js";
import { BUILD_CONTEXT, REPAIR_CONTEXT, type RepairContextResult } from "./propose-patch.js";
import { renderCiFailedComment, renderCiPassedComment } from "../../pr/pr-body.js";
import { demonstrationFeedback, fixCiFeedback, mergedFeedback, type FeedbackSource } from "../../feedback/outcome-feedback.js";
import { addFeedback, flushFeedback, type NewFeedback } from "../../feedback/outbox.js";
import { sharedEpisodes, sharedSource } from "../../feedback/shared-episodes.js";
import { lastOpenOrClose, latestOf, prEventsOf, PR_OUTCOME, SEND_FEEDBACK, WATCH_PR, type PrEvent } from "../../feedback/pr-events.js";
import { diffPaths } from "../../validate/restore-files.js";
import type { Stage, StageContext, StageOutcome } from "../stage.js";
import { isInstallationRefusal } from "../../adapters/github/installation-refusal.js";
import { reconcileJob } from "../reconcile-parked.js";
import { recordTimelineDraftChanges } from "../record-timeline-draft-changes.js";
import { CHECK_REPO_CONFIG, type CheckRepoConfigResult, readRepoConfig } from "./check-repo-config.js";
import { ensureWorkspace } from "./clone-repo.js";
import { fetchRunLogs } from "./fetch-logs.js";
import { botCommits, fixBranchCommit, type OpenPullRequestResult, proposalOnBranch, prRecordOf, pushedByThisRepair, repairProposalCommitted, repairStateOf, type RepairState, type SharedCommit } from "./open-pull-request-result.js";

export interface WatchPrResult {
  handled: string[];
  notes: string[];
  closed?: { merged: boolean };
}

/**
 * Second (and later) repair attempt: propose → apply-and-validate → update the PR, in the same episode.
 * `closed`: the PR was found closed when the attempt came to push, so nothing was pushed.
 */
export type RepairFn = (job: Job, deps: Deps, ctx: StageContext) => Promise<{ ok: true } | { ok: false; reason: string; closed?: boolean }>;

const FIX_MARKER = "<!-- t0-ci-bot:fix-ci -->";
const DEMO_MAX_BYTES = 256 * 1024;

/**
 * The job's life while the fix PR is open: each run handles the PR events the webhooks recorded (CI on the
 * fix branch, closed/merged), records their feedback, and waits again until the PR closes.
 */
export function createWatchPrStage(repair: RepairFn): Stage {
  return {
    name: WATCH_PR,
    state: "pr",
    sideEffects: true,
    run: (job, deps, ctx) => watch(job, deps, ctx, repair),
  };
}

async function watch(job: Job, deps: Deps, ctx: StageContext, repair: RepairFn): Promise<StageOutcome> {
  if (job.reconcileOnResume) job = await catchUpAfterRetry(job, deps, ctx);
  const prev = (job.results[WATCH_PR] as WatchPrResult | undefined) ?? { handled: [], notes: [] };
  const result: WatchPrResult = { handled: [...prev.handled], notes: [...prev.notes] };
  const pending = prEventsOf(job).filter((e) => !result.handled.includes(e.id));
  // The PR as the events leave it (its latest close or reopening by GitHub's time): closed, merged, or open.
  const end = lastOpenOrClose(prEventsOf(job));
  const closedAtEnd = end?.kind === "closed" ? { merged: end.merged } : undefined;
  if (!pending.length) {
    // Woken for feedback only (a review comment): send it now rather than at the next sweep.
    await flushFeedback(deps, job.id, ctx.signal).catch(() => undefined);
    return closedAtEnd ? { result: { ...result, closed: closedAtEnd } } : { result, wait: PR_OUTCOME };
  }
  const gh = await deps.github.forInstallation(job.installationId, { signal: ctx.signal });
  // CI that finished around a close or merge (the job waited in the queue meanwhile, or the close was handled
  // already): its result is still feedback, but a repair, a ready-for-review or a comment on a PR people
  // closed is noise. A PR reopened since is open: its CI is acted on.
  const writes = closedAtEnd ? undefined : gh.writes;
  let current = job;
  for (const ev of pending) {
    const open = prRecordOf(current)!;
    let note =
      ev.kind === "ci" ? await onCi(current, deps, ctx, gh, writes, open, ev, repair)
      : ev.kind === "closed" ? await onClosed(current, deps, gh.writes, open, ev)
      : ev.kind === "reopened" ? `PR #${open.pr.number} reopened${ev.by ? ` by ${ev.by}` : ""}; watching it again`
      : ev.kind === "review_dismissed" && ev.stale ? `review ${ev.reviewId}${ev.author ? ` by ${ev.author}` : ""} dismissed as stale after the app's push: its comment feedback stands`
      : ev.kind === "review_dismissed" ? `review ${ev.reviewId}${ev.author ? ` by ${ev.author}` : ""} dismissed${ev.by ? ` by ${ev.by}` : ""}: its comment feedback no longer stands`
      : ev.kind === "review_withdrawn" ? `${ev.sourceId.replace(":", " ")}${ev.author ? ` by ${ev.author}` : ""} ${ev.how === "deleted" ? "deleted" : "edited to say nothing"}${ev.by ? ` by ${ev.by}` : ""}: its comment feedback no longer stands`
      : `PR #${open.pr.number} ${ev.kind === "ready_for_review" ? "marked ready for review" : "converted to draft"}${ev.by ? ` by ${ev.by}` : ""}`;
    const outcome: FixOutcome | undefined = ev.kind === "closed" ? (ev.merged ? "merged" : "closed") : ev.kind === "reopened" ? "open" : undefined;
    const said = outcome && (await sayOutcomeOnPeoplesPrs(current, gh, open, outcome));
    if (said) note += `; ${said}`;
    // Kept on the job: a note can quote a GitHub error (a comment not updated), a repair's failure or the
    // config's reason to stay off, any of which can quote what GitHub or the gateway read.
    note = redact(note);
    result.notes.push(note);
    result.handled.push(ev.id);
    ctx.log.info({ event: ev.kind, note }, "fix PR event handled");
    // Persist progress per event, so a crash never repeats a repair or a GitHub write already made.
    current = await deps.store.updateJob(job.id, (j) => {
      j.results[WATCH_PR] = result;
      // Reopened while the close's feedback was being sent: send-feedback runs again after the next close.
      if (ev.kind === "reopened") j.completedStages = j.completedStages.filter((s) => s !== SEND_FEEDBACK);
      // A person made it ready: the record says so (the CI failure comment's wording reads it). Whether CI
      // passing may mark it ready is decided on the events themselves (onCi), not on this record.
      if (ev.kind === "ready_for_review") prRecordOf(j)!.pr.draft = false;
    });
  }
  await flushFeedback(deps, job.id, ctx.signal).catch(() => undefined);
  // Closed by an event handled in an earlier run (CI that came after it): the job goes on all the same.
  return closedAtEnd ? { result: { ...result, closed: closedAtEnd } } : { result, wait: PR_OUTCOME };
}

/**
 * A job retried after a stop (see `Job.reconcileOnResume`): what GitHub says happened meanwhile (the PR
 * closed or merged, CI on the fix finished) is recorded first, as the parked-job reconciliation records it,
 * and handled in this run like any event. Returns the job as it is then.
 */
async function catchUpAfterRetry(job: Job, deps: Deps, ctx: StageContext): Promise<Job> {
  try {
    const recorded = await reconcileJob(deps, job);
    if (recorded.length) ctx.log.info({ recorded }, "retried job: recorded what GitHub says happened while it was stopped");
  } catch (raw) {
    const err = toAppError(raw);
    // GitHub trouble: the stage is retried, and asks again. A refused installation: the job stops again, saying so.
    if (err.retryable || isInstallationRefusal(raw)) throw err;
    ctx.log.warn({ err: { code: err.code, message: err.message } }, "retried job: could not ask GitHub what happened while it was stopped; the parked-job reconciliation will");
  }
  return deps.store.updateJob(job.id, (j) => void delete j.reconcileOnResume);
}

/**
 * Why a red commit another job put on the PR gets no repair, as the "CI failed" comment says it: what that
 * commit is (another workflow's fix stacked on this one, or the same failure's fix replacing it), by that
 * job's failure and commit. A job past retention is named by the commit alone.
 */
async function sharedCommitWhy(job: Job, deps: Pick<Deps, "store">, shared: SharedCommit): Promise<string> {
  const other = await deps.store.getJob(shared.jobId);
  if (other && other.fingerprint !== job.fingerprint) {
    const run = shared.runId ?? other.run.id;
    return `the commit adds job ${shared.jobId}'s fix of another workflow's failure of the same commit (run ${run}) on top of this PR's fix; each was validated alone, and the bot does not repair them together`;
  }
  const where = shared.headSha === undefined ? "" : shared.headSha === job.run.headSha ? ", on the same commit" : ", on a later commit";
  return `the commit is the fix of job ${shared.jobId} (the same failure${where}), which this job does not repair`;
}

async function onCi(job: Job, deps: Deps, ctx: StageContext, gh: GitHubClient, w: GitHubWriteClient | undefined, open: OpenPullRequestResult, heardEv: Extract<PrEvent, { kind: "ci" }>, repair: RepairFn): Promise<string> {
  // A repair's commit whose PR update is still being retried (or never will be: the PR closed), and an
  // earlier attempt's commit a repair replaced: their CI is the only verdict those inferences get.
  const commit = fixBranchCommit(job, open, heardEv.headSha);
  const inferenceId = commit?.inferenceId;
  if (!commit || !inferenceId) return `CI run ${heardEv.runId} was for ${heardEv.headSha.slice(0, 7)}, not the fix commit ${open.commitSha.slice(0, 7)}; ignored`;
  const shared = commit.kind === "shared" ? commit.shared : undefined;
  // One run is not the verdict on the commit: with two (a workflow on push and pull_request, a re-run), the
  // first to finish said "ready" while the other still ran or later failed. GitHub's list is read, not the
  // events recorded: they are only of completed runs, and cannot tell a run still queued or running.
  const heard: CommitRun = { id: heardEv.runId, attempt: heardEv.attempt ?? 1, workflow: job.run.workflowPath ?? "", status: "completed", conclusion: heardEv.conclusion, ...(heardEv.url ? { htmlUrl: heardEv.url } : {}) };
  // The workflow the fix is for, when the job knows it (on-fix-branch-run: others are not the fix's CI).
  const verdict = commitCiVerdict(await gh.listCommitRuns(job.repo, heardEv.headSha), { workflow: job.run.workflowPath, heard });
  if (verdict.state === "pending") {
    return `CI ${heardEv.conclusion} in run ${heardEv.runId} of the fix commit; waiting for run ${verdict.waitingOn.map((r) => r.id).join(", ")} before a verdict`;
  }
  // Every run in scope ended saying nothing of the fix (cancelled, skipped…): nothing to decide on.
  if (verdict.state === "none") return `CI ${heardEv.conclusion} on the fix branch (run ${heardEv.runId}): not a verdict on the fix; ignored`;
  const passed = verdict.state === "green";
  const d = verdict.decidedBy;
  // What follows (comment, repair context) is about the run that decided, which may not be the one heard.
  const ev: Extract<PrEvent, { kind: "ci" }> = { ...heardEv, runId: d.id, conclusion: d.conclusion ?? heardEv.conclusion, attempt: d.attempt, url: d.htmlUrl };
  // The verdict is on the patch that commit carries: a later job's fix committed onto this PR is its own.
  // Tagged with that job's run too: the owner's run would file the verdict under a failure it is not about.
  const source = shared ? await sharedSource(job, deps, shared) : job;
  const at = new Date(deps.clock.now()).toISOString();
  // Decided on the stored outbox (not this copy of the job): a value is sent when it changes, once.
  await deps.store.updateJob(job.id, (j) => {
    const item = fixCiFeedback(source, inferenceId, passed, d, j.feedback);
    if (item) addFeedback(j, [item], at);
  });
  // The PR carries a later attempt now: its readiness, comment and repair are that attempt's CI's to decide.
  if (commit.kind === "superseded") return `CI ${ev.conclusion} on ${heardEv.headSha.slice(0, 7)}, an earlier attempt's commit a repair has replaced (run ${ev.runId}): verdict recorded, PR left as is`;
  if (!w) return `CI ${ev.conclusion} on the fix branch (PR closed, or read-only GitHub client: PR left as is)`;
  // Handled after the red verdict whose repair made it (events come in order), so that repair ended without
  // recording it: the PR's description and comment are of the fix before it, and the bot's record of the
  // PR is not this commit's to mark ready or repair. Its verdict (above) is all it gives.
  if (commit.kind === "unrecorded") return `CI ${ev.conclusion} on repair attempt ${open.repairAttempt + 1}'s commit ${heardEv.headSha.slice(0, 7)} (run ${ev.runId}), which the PR's record does not name: verdict recorded, PR left as is`;
  // People pushed onto the fix branch after this commit: they took the fix over, and their commit has its
  // own CI run. A repair would be refused (publishFix) after a model call, "take it over" is noise, and
  // ready-for-review would ask reviewers to look at their work in progress on the strength of the bot's run.
  const head = await w.getBranchSha(job.repo, open.branch);
  const current = shared ? head === shared.sha : head === open.commitSha || head === pushedByThisRepair(job, open)?.sha;
  if (!current) return `CI ${ev.conclusion} on the fix commit (run ${ev.runId}), but the branch has moved to ${head ? head.slice(0, 7) : "(deleted)"}: PR left as is`;
  // People may have turned the bot off since the PR opened (days ago, perhaps): read once per event, just
  // before its first write (an event that writes nothing reads nothing). Off, the PR stays theirs as it is;
  // the CI feedback (above) is recorded all the same, and the job keeps watching for the merge or close.
  if (passed) {
    // A person who changed the PR's draft state, either way, made it theirs: the app's record of it can be
    // wrong (their "ready" unheard, then their "draft" heard), and marking it ready would undo their choice.
    let setBy = draftStateSetBy(job);
    const peoples = (e: DraftChange) => `PR #${open.pr.number}'s draft state was last set by ${e.by ?? "a person"} (${e.kind === "ready_for_review" ? "marked ready for review" : "converted to draft"}): left as is`;
    if (!open.pr.draft && !open.ciFailedComment) return `CI passed on the fix branch (run ${ev.runId}); PR #${open.pr.number} already ready for review`;
    if (setBy && !open.ciFailedComment) return `CI passed on the fix branch (run ${ev.runId}); ${peoples(setBy)}`;
    const { off } = await readRepoConfig(gh, job.repo);
    if (off) return `CI passed on the fix branch (run ${ev.runId}); ${off}; PR left as is`;
    // Read again just before the write: a change heard while this verdict was being decided is theirs too.
    setBy ??= draftStateSetBy((await deps.store.getJob(job.id)) ?? job);
    // Those changes are heard by webhooks, which can be lost: GitHub's timeline is asked before the PR is marked
    // ready (once: it is marked ready once), and a person's change found there makes the draft state theirs.
    let unread: string | undefined;
    if (open.pr.draft && !setBy) {
      ({ unread } = await recordTimelineDraftChanges(deps, job, gh, open.pr.number, ctx.log));
      setBy = draftStateSetBy((await deps.store.getJob(job.id)) ?? job);
    }
    const markReady = open.pr.draft && !setBy;
    if (markReady) {
      await w.markReadyForReview(job.repo, open.pr);
      await deps.store.updateJob(job.id, (j) => void (prRecordOf(j)!.pr.draft = false));
    }
    if (open.ciFailedComment) {
      // Only edits it: a "CI failed" comment people deleted is not answered by a new comment of its own.
      await w.upsertComment(job.repo, open.pr.number, FIX_MARKER, renderCiPassedComment(FIX_MARKER, { runId: ev.runId, url: ev.url, ready: setBy ? setBy.kind === "ready_for_review" : markReady || !open.pr.draft }), { create: false });
      await deps.store.updateJob(job.id, (j) => void delete prRecordOf(j)!.ciFailedComment);
    }
    if (setBy) return `CI passed on the fix branch (run ${ev.runId}); ${peoples(setBy)}${open.ciFailedComment ? "; the CI failure comment updated" : ""}`;
    return `CI passed on the fix branch (run ${ev.runId}); PR #${open.pr.number} ${markReady ? `marked ready for review${unread ? ` (${unread})` : ""}` : "already ready for review; the CI failure comment updated"}`;
  }
  // Every red verdict from here writes (a repair's push, or the comment): the one read is before either. The
  // file as it is now also gives the repair limit and the settings the repair runs under (prepareRepair):
  // people who changed the switch may have changed those too, and settings from the start of the job would
  // decide (and run) the repair against what it says now.
  const { config, problems, off } = await readRepoConfig(gh, job.repo);
  const repairsDone = open.repairAttempt - 1;
  // Another red run of the same commit (a workflow on both push and pull_request runs twice) is the same
  // verdict: its repair already ran and failed, and a second one would be another round on the same input.
  const failed = failedRepairOf(job, open);
  // This job's workspace and context are its own, older, failing commit: a repair's whole files would undo
  // the later job's fix rather than build on it.
  let why =
    shared ? await sharedCommitWhy(job, deps, shared)
    : failed !== undefined ? `repair attempt ${open.repairAttempt + 1} failed: ${failed}`
    : `no repair attempts left (max_repair_attempts: ${config.max_repair_attempts})`;
  const repairable = !shared && failed === undefined && repairsDone < config.max_repair_attempts;
  if (off) return `CI ${ev.conclusion} on the fix branch (run ${ev.runId}); ${repairable ? "no repair" : why}: ${off}; PR left as is`;
  if (repairable) {
    await prepareRepair(job, deps, ctx, open, ev, { config, problems });
    const fresh = (await deps.store.getJob(job.id))!;
    const r = await repair(fresh, deps, ctx).catch((err): Awaited<ReturnType<RepairFn>> => {
      const e = toAppError(err);
      if (e.retryable) throw e; // gateway or GitHub trouble: watch-pr runs again and retries the repair
      return { ok: false, reason: e.message };
    });
    // Kept on the job (the notes, the repair's state): an error's message can quote what the gateway or GitHub read.
    if (!r.ok) r.reason = redact(r.reason);
    if (r.ok) return `CI ${ev.conclusion} on the fix branch (run ${ev.runId}); repair attempt ${open.repairAttempt + 1} pushed`;
    // Not a failed attempt (a reopened PR's next red verdict may be repaired), and no comment on a closed PR.
    if (r.closed) return `CI ${ev.conclusion} on the fix branch (run ${ev.runId}); repair attempt ${open.repairAttempt + 1} not pushed: ${r.reason}; PR left as is`;
    why = `repair attempt ${open.repairAttempt + 1} failed: ${r.reason}`;
    await deps.store.updateJob(job.id, (j) => void (repairStateOf(j)!.failed = r.reason));
  }
  await w.upsertComment(job.repo, open.pr.number, FIX_MARKER, renderCiFailedComment(FIX_MARKER, { conclusion: ev.conclusion, runId: ev.runId, url: ev.url, why, draft: open.pr.draft }));
  await deps.store.updateJob(job.id, (j) => void (prRecordOf(j)!.ciFailedComment = true));
  return `CI ${ev.conclusion} on the fix branch (run ${ev.runId}); ${why}; PR left ${open.pr.draft ? "as draft" : "as it is"} with a comment`;
}

/**
 * The fix PR's line in the bot's comment on people's PRs says it was merged or closed (reopened: proposed
 * again), or the comment would go on calling a fix people turned down a proposal. Edited only: a comment
 * people deleted is not posted again, and a close handled again (redelivered, or after a crash) finds the
 * text already saying so and edits nothing. Returns why the comment was left as it is, when it was.
 */
async function sayOutcomeOnPeoplesPrs(job: Job, gh: GitHubClient, open: OpenPullRequestResult, outcome: FixOutcome): Promise<string | undefined> {
  const on = open.commentedOn ?? [];
  if (!on.length || !gh.writes) return undefined;
  const prs = on.map((n) => `#${n}`).join(", ");
  // Read per event, as before watch-pr's other writes: people who turned the bot off get no edit either.
  const { off } = await readRepoConfig(gh, job.repo);
  if (off) return `comment on ${prs} left as is: ${off}`;
  const unsettled: string[] = [];
  try {
    for (const n of on) {
      // Shared: a job of that PR adding its fix at this moment, from the text before this edit, would drop the outcome.
      const made = await gh.writes.upsertComment(job.repo, n, fixCommentMarker(job.repo.id, n), (current) => (current === undefined ? "" : withFixOutcome(current, open.pr.number, outcome)), { create: false, shared: true });
      if (made?.unsettled) unsettled.push(`#${n}`);
    }
  } catch (raw) {
    const err = toAppError(raw);
    // GitHub trouble: the event is handled again, its feedback already recorded once. A refusal (a locked
    // PR, a comment GitHub will not edit) is only a stale line: the close and its feedback stand.
    if (err.retryable) throw err;
    return `comment on ${prs} not updated: ${err.message}`;
  }
  // Only a stale line, as a refusal is: the outcome and its feedback stand.
  return unsettled.length ? `comment on ${unsettled.join(", ")} may not say what became of PR #${open.pr.number}: other writers kept rewriting it` : undefined;
}

type DraftChange = Extract<PrEvent, { kind: "ready_for_review" | "converted_to_draft" }>;

/**
 * The latest draft change a person made to the fix PR, when one did: only people's are recorded (the
 * pull_request handler leaves out the app's own and other apps'), so any such event makes the draft state theirs.
 */
const draftStateSetBy = (job: Job): DraftChange | undefined => latestOf(prEventsOf(job), "ready_for_review", "converted_to_draft");

/** Why the repair after `open` ended without moving the branch, when it ran. */
function failedRepairOf(job: Job, open: OpenPullRequestResult): string | undefined {
  const r = repairStateOf(job);
  return r?.attempt === open.repairAttempt + 1 ? r.failed : undefined;
}

/**
 * The next proposal sees the failed attempt: its diff, what CI said, and the excerpts of the fix-branch
 * run's failed jobs (fetched like the first run's logs, analysed within a quarter of the context budget),
 * all fitted with the base context into CONTEXT_BUDGET_TOKENS (fitRepairContext) and kept as the attempt's
 * own context (REPAIR_CONTEXT), which propose-patch reads.
 * Base of the next diff: the failing commit, not the fix branch. apply-and-validate and planFixFiles put the
 * workspace back to the failing commit (files only the first patch touched are reset), and the commit on the
 * branch carries whole files, so the second patch replaces the first rather than stacking on it; the outcome
 * text tells the model so.
 */
async function prepareRepair(job: Job, deps: Deps, ctx: StageContext, open: OpenPullRequestResult, ev: Extract<PrEvent, { kind: "ci" }>, repoConfig: CheckRepoConfigResult): Promise<void> {
  // The patch CI failed on: the branch's, not a later attempt's that never reached it.
  const patch = proposalOnBranch(job, open)?.patch ?? "";
  // A retry of this attempt after its commit landed proposes nothing (repair-fix): the logs and the context a
  // proposal is made from are not fetched again, and the context the committed proposal came from is kept.
  const committed = repairProposalCommitted(job, open);
  const excerpts = committed ? [] : await fixRunLogExcerpts(job, deps, ctx, open, ev);
  await deps.store.updateJob(job.id, (j) => {
    // The repair's stages read the repository's settings from check-repo-config's result (apply-and-validate:
    // patch limits, allow.*, setup/validate commands, network, sandbox, timeouts; open-pull-request: the
    // commit's files, planned under the same limits). The file as read for this verdict replaces the one
    // from the job's start, so the repair runs under the file that let it run, and none of them reads it again.
    j.results[CHECK_REPO_CONFIG] = repoConfig;
    if (!committed) {
      const bc = j.results[BUILD_CONTEXT] as { context?: FailureContext } | undefined;
      delete j.results[REPAIR_CONTEXT];
      if (bc?.context) {
        const previous: PreviousAttempt = {
          patch,
          outcome: `CI ${ev.conclusion} on the fix branch ${open.branch} (run ${ev.runId}${ev.url ? `, ${ev.url}` : ""}) after the patch passed local validation; write the next patch against the failing commit (it replaces this one, it is not applied on top of it)`,
          ...(excerpts.length ? { excerpts } : {}),
        };
        // The base context already filled the budget: the attempt is fitted in, not added on top of it. The
        // job's context is left as build-context made it: fitted over it, the next attempt would start from
        // this one's cuts and never get back what it dropped (and validation would read a trimmed context).
        const repairContext: RepairContextResult = { attempt: open.repairAttempt + 1, context: fitRepairContext(bc.context, previous, deps.config.CONTEXT_BUDGET_TOKENS, countTokens) };
        j.results[REPAIR_CONTEXT] = repairContext;
      }
    }
    // A retry of this attempt keeps the commit it pushed and whose patch that is: the retry commits on top of
    // it, and that commit's CI is still that patch's inference's verdict.
    const pushed = pushedByThisRepair(j, open);
    const state: RepairState = {
      attempt: open.repairAttempt + 1,
      previousFiles: [...new Set([...open.files, ...diffPaths(patch)])],
      ...(pushed && { pushedSha: pushed.sha }),
      ...(pushed?.inferenceId && { pushedInferenceId: pushed.inferenceId }),
    };
    j.results["repair"] = state;
  });
}

/** Logs of the fix branch's failed run; GitHub trouble is retried, a run without job logs gives none. */
async function fixRunLogExcerpts(job: Job, deps: Deps, ctx: StageContext, open: OpenPullRequestResult, ev: Extract<PrEvent, { kind: "ci" }>): Promise<ContextExcerpt[]> {
  if (job.run.source !== "workflow_run") return [];
  let dir: string | undefined;
  try {
    const ws = await ensureWorkspace(job, deps, ctx);
    const gh = await deps.github.forInstallation(job.installationId);
    dir = join(logsDirOf(ws), `fix-run-${ev.runId}`);
    const run = { id: ev.runId, attempt: ev.attempt ?? 1, headSha: open.commitSha, ...(job.run.workflowPath ? { workflowPath: job.run.workflowPath } : {}) };
    const fetched = await fetchRunLogs(gh, job, run, dir, deps.config.LOG_MAX_BYTES_PER_JOB, ctx);
    return await fixRunExcerpts(fetched, Math.floor(deps.config.CONTEXT_BUDGET_TOKENS / 4));
  } catch (raw) {
    const err = toAppError(raw);
    if (err.retryable) throw err;
    ctx.log.warn({ err, fixRunId: ev.runId }, "fix-branch run logs unavailable; repairing without them");
    return [];
  } finally {
    // Raw and unredacted, and read only for the excerpts (redacted): a retry of the repair fetches them again.
    // One that cannot go now goes with the workspace when the job ends.
    if (dir) await rm(dir, { recursive: true, force: true }).catch((err: unknown) => ctx.log.warn({ err, dir }, "could not remove the fix-branch run's logs"));
  }
}

async function onClosed(job: Job, deps: Deps, w: GitHubWriteClient | undefined, open: OpenPullRequestResult, ev: Extract<PrEvent, { kind: "closed" }>): Promise<string> {
  const reason = ev.merged ? "merged" : "closed_without_merge";
  // Later jobs' fixes on this PR are merged (or closed) with it: their episodes learn it from this job's
  // outbox, as those jobs are done (and may be gone past retention) when the PR closes.
  const episodes: Array<{ episodeId: string; source: FeedbackSource }> = [{ episodeId: open.episodeId, source: job }, ...(await sharedEpisodes(job, deps, open))];
  const items: NewFeedback[] = [];
  let note = ev.merged ? `PR #${open.pr.number} merged${ev.by ? ` by ${ev.by}` : ""}` : `PR #${open.pr.number} closed without merging`;
  // People pushed onto the fix branch: their final diff is the answer the model should have given. A head
  // at a later job's fix committed onto this PR, or at a repair's commit whose PR update had not been
  // recorded yet, is the bot's own answer, not people's edits.
  const botHead = [...botCommits(open), pushedByThisRepair(job, open)?.sha].includes(ev.headSha);
  if (ev.merged && w && ev.headSha && !botHead) {
    // Measured against the fix on the PR: a later repair attempt that never reached the branch is not it.
    // The PR's diff as GitHub shows it, not the failing commit's compare with the head: people who updated the
    // branch from its base ("Update branch") merged in the base's later commits, which are no one's answer.
    const proposal = proposalOnBranch(job, open);
    const diff = proposal && (await w.pullRequestDiff(job.repo, open.pr.number, DEMO_MAX_BYTES));
    if (diff && proposal) {
      const files = [...new Set(diffPaths(diff))];
      items.push(demonstrationFeedback(job, proposal.inferenceId, { diagnosis: proposal.diagnosis, patch: diff, confidence: 1, files }));
      note += "; people's edits sent as a demonstration";
    }
  }
  const at = new Date(deps.clock.now()).toISOString();
  // Decided on the stored outbox (not this copy of the job): a PR closed, reopened and merged sends a value
  // each time it changes, and a close handled again after a crash adds nothing.
  await deps.store.updateJob(job.id, (j) => {
    const merged = episodes.flatMap((e) => mergedFeedback(e.source, e.episodeId, ev.merged, reason, j.feedback) ?? []);
    addFeedback(j, [...merged, ...items], at);
  });
  return note;
}
