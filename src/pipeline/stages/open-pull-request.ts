import type { Deps } from "../../core/deps.js";
import { AppError, permanent } from "../../core/errors.js";
import type { Job } from "../../core/job.js";
import { prCloseOf, recordPrClose } from "../../feedback/record-pr-close.js";
import { fixCommentMarker, LEGACY_FIX_COMMENT, renderFixComment } from "../../pr/fix-comment.js";
import { fixBranchCi } from "../../pr/fix-branch-ci.js";
import { heldFixes } from "../../pr/held-fixes.js";
import { renderCombinedPrBody, renderCombinedPrTitle, renderCommitMessage, type PrBodyInput } from "../../pr/pr-body.js";
import { fixRecord, prBodyInput } from "../../pr/pr-body-input.js";
import { planFixFiles } from "../../pr/plan-fix-files.js";
import { proposalOf } from "../../pr/proposal-of.js";
import { FIX_BRANCH_MOVED, publishFix, readPublishStart, type PublishStart } from "../../pr/publish-fix.js";
import { editedByPeople } from "../../pr/pr-text-mark.js";
import { readFailingWorkflow } from "../../validate/validation-input.js";
import type { Stage, StageContext } from "../stage.js";
import { repoConfigOf } from "./check-repo-config.js";
import { ensureWorkspace } from "./clone-repo.js";
import { commentedByOtherJobs } from "./commented-by-other-jobs.js";
import { decideFixPr, type FixPrDecision, waitOnPr } from "./decide-fix-pr.js";
import { notCheckedWithoutWriting } from "./not-checked-without-writing.js";
import { PROPOSE_PATCH } from "./propose-patch.js";
import type { SiblingFix } from "./open-sibling-fix.js";
import { type FixCommit, FIX_COMMIT, OPEN_PULL_REQUEST, type OpenPullRequestResult, prRecordOf, repairStateOf, type RepairState, withPreviousRecord } from "./open-pull-request-result.js";

/**
 * How long a job waits for another job of its repository to finish deciding its fix PR before it backs off
 * and tries again: that one's publish is a few GitHub writes, paced a second apart per installation.
 */
export const OPEN_PR_LOCK_WAIT_MS = 30_000;

/**
 * Verified commit on `ci-bot/fix-<run>` (Git Data API, as the app), draft PR against the failing branch,
 * label, the fix added to the bot's one comment on each failing PR (one per PR, not per job); then the job
 * waits in `pr` for the PR's outcome.
 */
export const openPullRequestStage: Stage = {
  name: OPEN_PULL_REQUEST,
  state: "pr",
  sideEffects: true,
  // Whether an open sibling fix PR answers this failure or gets this fix, and MAX_OPEN_FIX_PRS_PER_REPO, are
  // read from the other jobs of the repository: two of them deciding at once (tests.yml and lint.yml failing
  // on one commit, T0_PER_REPO_CONCURRENCY > 1 or a fleet) would each find no PR and open two. By id, as
  // those guards list the jobs: a rename does not split the lock.
  lock: { key: (job) => `fix-prs:${job.repo.id}`, waitMs: OPEN_PR_LOCK_WAIT_MS },
  run: (job, deps, ctx) => openPullRequest(job, deps, ctx),
  dryRun: (job, deps, ctx) => describePullRequest(job, deps, ctx),
};

export async function openPullRequest(job: Job, deps: Deps, ctx: StageContext) {
  const { proposal } = fixRecord(job);
  const config = repoConfigOf(job);
  const gh = await deps.github.forInstallation(job.installationId, { signal: ctx.signal });
  const decision = await decideFixPr(job, deps, ctx, gh);
  if (decision.kind === "stop") return decision.outcome;
  if (decision.kind === "refused") throw decision.error;
  const { sibling, branch, attempt, previous } = decision;
  if (!gh.writes) throw permanent("github_read_only", "This build's GitHub adapter cannot write; wire createGitHubWrites in src/adapters/github/create-github-port.ts.");
  const { files, input, laterCommit, text } = await fixCommitPlan(job, deps, ctx, branch, sibling, attempt);
  // Retried after a stop while parked on its PR (its first attempt, on record): the branch may have moved
  // since, to people's commits or to a later job's fix (sharedCommits). Neither is this job's to build on
  // or to take as its own commit: the PR is left as it is and watched.
  const retriedOnPr = attempt === 1 && !sibling && previous?.pr && !previous.sharedWithJob ? previous : undefined;
  const published = await publishFix(gh.writes, {
    repo: job.repo,
    branch,
    baseSha: job.run.headSha,
    ...publishHeads(job, deps, decision, files, retriedOnPr),
    baseBranch: job.run.headBranch,
    files,
    ...text,
    labels: config.labels,
    // A PR this job has not recorded yet is its own, found on a resume (an earlier job's PR is theirs to label).
    labelFound: !previous?.pr && !sibling,
    commentOn: job.run.pullRequests,
    commentedBefore: previous?.commentedOn,
    commentedByOthers: await commentedByOtherJobs(job, deps),
    commentMarker: (onPr) => fixCommentMarker(job.repo.id, onPr),
    commentBody: (pr, onPr, current) => renderFixComment(fixCommentMarker(job.repo.id, onPr), current, pr, input),
    commentAdopts: LEGACY_FIX_COMMENT,
  }).catch((err: unknown) => {
    if (retriedOnPr && err instanceof AppError && err.code === FIX_BRANCH_MOVED) return { kept: retriedOnPr };
    // People pushed onto that PR's branch while this fix was being committed: theirs, as found before (above).
    if (sibling && err instanceof AppError && err.code === FIX_BRANCH_MOVED) return { takenOver: { sibling, why: err.message } };
    throw err;
  });
  if ("takenOver" in published && published.takenOver) {
    const { sibling: s, why } = published.takenOver;
    return { result: { branch: s.branch, sharedWithJob: s.jobId, left: why }, finish: `${s.kin} as job ${s.jobId}, whose fix PR #${s.pr} people took over while this fix was being committed; left as is` };
  }
  if ("kept" in published) {
    const { kept } = published;
    ctx.log.info({ branch, commit: kept.commitSha, pr: kept.pr.number }, "the fix branch moved past the bot's commit while the job was stopped: left as it is, the PR watched");
    return waitOnPr(job, kept);
  }
  ctx.log.info(
    { branch, commit: published.commitSha, verified: published.verified, pr: published.pr.number, createdPr: published.createdPr, files: files.length, attempt },
    published.createdPr ? "fix PR opened" : "fix PR updated",
  );
  if (published.labelsRefused) ctx.log.warn({ pr: published.pr.number, labels: config.labels, reason: published.labelsRefused }, "fix PR opened without its labels");
  if (published.textKept) ctx.log.info({ pr: published.pr.number }, "people edited the fix PR's title or description: left as they are");
  if (!published.verified) ctx.log.warn({ commit: published.commitSha }, "GitHub did not mark the fix commit verified");
  const commentLeft = published.commentRemovedOn && `the bot's comment on ${published.commentRemovedOn.map((n) => `#${n}`).join(", ")} was not posted again: people removed it`;
  if (commentLeft) ctx.log.info({ pr: published.pr.number, on: published.commentRemovedOn }, commentLeft);
  // Not a failure: the fix PR is open, and the next job of that PR writes the comment again.
  if (published.commentUnsettledOn) ctx.log.warn({ pr: published.pr.number, on: published.commentUnsettledOn }, "other writers kept rewriting the bot's comment on people's PR: it may not list this fix");
  const fresh: OpenPullRequestResult = {
    branch,
    commitSha: published.commitSha,
    verified: published.verified,
    pr: { number: published.pr.number, htmlUrl: published.pr.htmlUrl, nodeId: published.pr.nodeId, state: published.pr.state, draft: published.pr.draft },
    createdPr: published.createdPr,
    commentedOn: published.commentedOn,
    ...(commentLeft ? { commentLeft } : {}),
    files: files.map((f) => f.path),
    inferenceId: proposal.inferenceId,
    episodeId: proposal.episodeId,
    repairAttempt: attempt,
    // No patch: propose-patch's result holds it, and a repair's proposal moves it here as it replaces it (keepPatchOnBranch).
    diagnosis: proposal.diagnosis,
    ...(sibling ? { sharedWithJob: sibling.jobId } : {}),
  };
  const result = withPreviousRecord(previous, fresh, config.max_repair_attempts);
  if (sibling && published.pr.state === "closed" && !(await landedOnSibling(job, deps, sibling.jobId, published.commitSha))) {
    // Closed on GitHub before the commit, the PR's job not yet told: nothing of this fix is on it.
    const left = `PR #${published.pr.number} was closed before this fix was committed`;
    return { result: { branch: sibling.branch, sharedWithJob: sibling.jobId, left }, finish: `${sibling.kin} as job ${sibling.jobId}, whose fix PR #${published.pr.number} was closed meanwhile; this fix was not committed` };
  }
  if (sibling && laterCommit) return { result, finish: `fix PR #${published.pr.number} of job ${sibling.jobId} updated for commit ${job.run.headSha.slice(0, 7)} (${sibling.kin}): its branch brought to that commit with this fix, in place of the earlier commit's` };
  if (sibling) return { result, finish: `fix went onto PR #${published.pr.number} of job ${sibling.jobId} (${sibling.kin})` };
  if (published.pr.state === "closed") {
    // Closed or merged while no webhook reached the app (uninstalled, down for days), found on a retry: the
    // outcome is recorded as the close webhook would have, so watch-pr sends it (pr_merged, people's edits as
    // a demonstration) and a later reopening has a close to undo. The job's record keeps the bot's own
    // commit: the PR's head may be people's. With no record (the first attempt failed after opening the PR),
    // that is the commit it noted. The close wakes the job, and this stage runs again (see above).
    const noted = previous?.pr ? undefined : (job.results[FIX_COMMIT] as FixCommit | undefined)?.sha;
    const own = previous?.pr?.number === published.pr.number ? previous : noted ? { ...result, commitSha: noted } : result;
    await recordPrClose(deps, job.id, prCloseOf(published.pr), new Date(deps.clock.now()).toISOString());
    return { result: { ...own, pr: { ...own.pr, state: "closed" } } };
  }
  return waitOnPr(job, result);
}

/**
 * Dry run: what the real run would do, decided as it decides (decideFixPr, then publishFix's reads before
 * its first write: readPublishStart), without writing anything: nothing (an open sibling PR answers the
 * failure, people took it over, the bot was turned off, people closed this failure's fix PR, the fix
 * branch's PR is closed), no PR past MAX_OPEN_FIX_PRS_PER_REPO, a new draft PR, this fix committed onto the
 * fix branch's open PR, that sibling PR brought to this later commit, or this fix committed onto it; with
 * the branch, the commit's files and the PR text. `notChecked`: what only a write would tell.
 */
async function describePullRequest(job: Job, deps: Deps, ctx: StageContext) {
  if (!proposalOf(job) && (job.results[PROPOSE_PATCH] as { wouldSend?: unknown } | undefined)?.wouldSend) {
    // A dry run without a gateway recorded the request instead of asking (propose-patch): there is no patch,
    // and what the PR would hold depends on the model's answer. Not a job to retry from propose-patch.
    const left = "no TensorZero gateway is configured, so no patch was asked for";
    return { result: { dryRun: true, action: "none", left }, finish: `dry run: no fix PR to describe: ${left} (propose-patch's result holds the request the bot would send)` };
  }
  const { proposal } = fixRecord(job);
  const config = repoConfigOf(job);
  const gh = await deps.github.forInstallation(job.installationId, { signal: ctx.signal });
  const decision = await decideFixPr(job, deps, ctx, gh);
  if (decision.kind === "stop") {
    const finish = decision.outcome.finish ?? "would leave the job's PR as it is, and watch it";
    ctx.log.info({ why: finish }, "dry run: would write nothing");
    return { result: { dryRun: true, action: "none", ...(decision.outcome.result as object) }, finish: `dry run: ${finish}` };
  }
  if (decision.kind === "refused") {
    const { code, message } = decision.error;
    ctx.log.info({ code }, "dry run: the real run would not open a PR");
    return { result: { dryRun: true, action: "none", refused: { code, message } }, finish: `dry run: would not open a PR: ${message}` };
  }
  const { sibling, branch } = decision;
  const { files, laterCommit, text } = await fixCommitPlan(job, deps, ctx, branch, sibling, decision.attempt);
  let start: PublishStart | undefined;
  try {
    start = gh.writes && (await readPublishStart(gh.writes, { repo: job.repo, branch, ...publishHeads(job, deps, decision, files, undefined) }));
  } catch (err) {
    // People pushed onto the sibling's branch since siblingTakenOver read it: the real run leaves it to them too.
    if (!(sibling && err instanceof AppError && err.code === FIX_BRANCH_MOVED)) throw err;
    return { result: { dryRun: true, action: "none", branch, sharedWithJob: sibling.jobId, left: err.message }, finish: `dry run: ${sibling.kin} as job ${sibling.jobId}, whose fix PR #${sibling.pr} people have taken over; left as is` };
  }
  if (start?.kind === "closed") {
    const { number } = start.pr;
    const finish = sibling
      ? `${sibling.kin} as job ${sibling.jobId}, whose fix PR #${number} is closed on GitHub; this fix would not be committed`
      : `would write nothing: PR #${number} of ${branch} is closed on GitHub; its outcome would be recorded and watched`;
    return { result: { dryRun: true, action: "none", branch, pr: number, ...(sibling ? { sharedWithJob: sibling.jobId } : {}), left: `PR #${number} of ${branch} is closed` }, finish: `dry run: ${finish}` };
  }
  const found = start?.found ?? undefined;
  const existing = start?.existing ?? undefined;
  const commentedByOthers = await commentedByOtherJobs(job, deps);
  const action = sibling ? (laterCommit ? "update_pr_for_later_commit" : "commit_onto_pr") : found ? "commit_onto_found_pr" : "open_pr";
  const pr = sibling?.pr ?? found?.number;
  const result = {
    dryRun: true,
    action,
    branch,
    ...(pr !== undefined ? { pr } : {}),
    ...(sibling ? { sharedWithJob: sibling.jobId } : {}),
    ...(existing ? { existingBranch: existing } : {}),
    base: { branch: job.run.headBranch, sha: job.run.headSha },
    files: files.map((f) => ({ path: f.path, mode: f.mode, deleted: f.content === null, bytes: f.content === null ? 0 : Buffer.byteLength(f.content) })),
    title: text.title,
    commitMessage: text.message,
    body: text.body,
    diff: proposal.patch,
    // The job's own PR is labelled, new or found with no record of it (labelFound); the sibling's labels are
    // people's to change by now.
    ...(sibling ? {} : { labels: config.labels }),
    // A PR found open keeps the text people gave it (publishFix): said, as it is known without a write.
    ...(found ? { prText: editedByPeople(found.title, found.body) ? "kept: people edited it" : "replaced with this fix's" } : {}),
    commentOn: job.run.pullRequests,
    notChecked: notCheckedWithoutWriting(job, branch, files, { sibling, found, existing, labels: sibling ? [] : config.labels, commentedByOthers, canRead: !!gh.writes }),
  };
  ctx.log.info({ branch, pr, action, files: result.files.length, notChecked: result.notChecked.length }, "dry run: described the fix PR's writes instead of making them");
  const at = existing ? `${branch} (at ${existing.slice(0, 7)})` : `a new branch ${branch}`;
  const finish =
    sibling && laterCommit ? `dry run: would update fix PR #${sibling.pr} of job ${sibling.jobId} for commit ${job.run.headSha.slice(0, 7)} (${sibling.kin}): its branch brought to that commit with this fix, in place of the earlier commit's`
    : sibling ? `dry run: would commit this fix onto PR #${sibling.pr} of job ${sibling.jobId} (${sibling.kin})`
    : found ? `dry run: would commit this fix onto ${at} and update its open PR #${found.number}, found on GitHub`
    : existing ? `dry run: would commit this fix onto ${at}, found on GitHub, and open a draft PR from it`
    : "dry run: described the fix PR instead of opening it";
  return { result, finish };
}

/**
 * The commits publishFix may build on (any other head is people's), for the real run and for the reads of
 * its dry run: a repair's own, the sibling PR's bot commits, or the first attempt's own.
 */
function publishHeads(job: Job, deps: Deps, d: Extract<FixPrDecision, { kind: "write" }>, files: Array<{ path: string }>, retriedOnPr: OpenPullRequestResult | undefined) {
  const { proposal } = fixRecord(job);
  const { sibling, attempt, previous } = d;
  return {
    ...(attempt > 1 && previous ? repairHeads(job, deps, previous, repairStateOf(job), proposal.inferenceId) : {}),
    ...(sibling ? sharedHeads(job, deps, sibling, proposal, files.map((f) => f.path)) : {}),
    ...(attempt === 1 && !sibling ? firstAttemptHeads(job, deps, retriedOnPr) : {}),
  };
}

/**
 * The fix commit's files and the text of the commit and the PR. The same failure's later fix replaces the
 * PR's on the files it changed (what was validated is committed); another workflow's leaves that fix as it
 * is on the branch (it changes none of its files). A later commit's fix is planned on that commit alone (the
 * commit is its tree plus these files).
 * Committed on top of the fixes on the PR (another workflow's), the PR's text is theirs and this one's, each
 * with its own evidence: each was validated alone, and a body of this fix alone would drop the others and
 * read as if the branch's tree had been validated whole.
 */
async function fixCommitPlan(job: Job, deps: Deps, ctx: StageContext, branch: string, sibling: SiblingFix | undefined, attempt: number) {
  const { proposal } = fixRecord(job);
  const repair = repairStateOf(job);
  const ws = await ensureWorkspace(job, deps, ctx);
  const files = await planFixFiles(ws.dir, proposal.patch, repoConfigOf(job), [...(repair?.previousFiles ?? []), ...(sibling?.kin === "same failure" ? sibling.files : [])]);
  const laterCommit = sibling?.kin === "same failure on a later commit";
  const stacking = sibling?.kin === "same commit, another workflow";
  // A push or pull_request path filter sees the PR's whole diff: every fix's files, not this commit's alone.
  const onBranch = stacking ? [...new Set([...sibling.files, ...files.map((f) => f.path)])].map((path) => ({ path })) : files;
  const held = stacking ? await heldFixes(deps.store, sibling.jobId, job, (other) => noCiOnFix(other, ws.dir, branch, onBranch, ctx)) : [];
  // Brought to a later commit, or given the same failure's fix planned on the commit alone, the branch
  // drops every fix it held: the PR names them.
  const sameCommit = sibling?.kin === "same failure";
  const replaced = laterCommit || sameCommit ? (await heldFixes(deps.store, sibling.jobId, job)).map((f) => f.run.id) : [];
  const input: PrBodyInput = {
    ...prBodyInput(job, attempt),
    ...(await noCiOnFix(job, ws.dir, branch, onBranch, ctx)),
    ...(laterCommit ? { laterCommit } : {}),
    ...(sameCommit ? { sameCommit } : {}),
    ...(replaced.length > (sameCommit ? 0 : 1) ? { replaces: replaced } : {}),
    ...(held.length ? { stackedOn: held.map((f) => f.run.id) } : {}),
  };
  const all = [...held, input];
  const text = { title: renderCombinedPrTitle(all), body: renderCombinedPrBody(all), message: renderCommitMessage(input) };
  return { files, input, laterCommit, text };
}

/**
 * The first attempt notes its commit before the branch is moved to it, and a retry builds on its own commit
 * only: the one on record, else the one noted (the attempt failed before its record was written, maybe days
 * before an operator's retry, with the PR open to people's commits meanwhile). Neither: the branch is new.
 */
function firstAttemptHeads(job: Job, deps: Deps, onRecord: OpenPullRequestResult | undefined) {
  const own = onRecord?.commitSha ?? (job.results[FIX_COMMIT] as FixCommit | undefined)?.sha;
  return {
    ...(own ? { ownHeads: [own] } : {}),
    onCommit: async (sha: string) => {
      await deps.store.updateJob(job.id, (j) => void (j.results[FIX_COMMIT] = { sha } satisfies FixCommit));
    },
  };
}

/** A repair commits on the bot's own head only, and notes its commit before the branch is moved to it. */
function repairHeads(job: Job, deps: Deps, previous: OpenPullRequestResult, repair: RepairState | undefined, inferenceId: string) {
  return {
    ownHeads: [previous.commitSha, ...(repair?.pushedSha ? [repair.pushedSha] : [])],
    ciFailedOn: previous.commitSha,
    onCommit: async (sha: string) => {
      await deps.store.updateJob(job.id, (j) => {
        const r = repairStateOf(j);
        if (r) Object.assign(r, { pushedSha: sha, pushedInferenceId: inferenceId });
      });
    },
  };
}

/**
 * Onto an earlier job's PR: on its bot's commits only, and that job notes the commit before the branch moves.
 * A later commit of the branch (people's PR's or a pushed one's) brings the fix branch to that commit (a
 * merge): the commit is this job's fix on it.
 */
function sharedHeads(job: Job, deps: Deps, sibling: SiblingFix, ids: { inferenceId: string; episodeId: string }, files: string[]) {
  return {
    ownHeads: sibling.heads,
    ...(sibling.kin === "same failure on a later commit" ? { bringToBase: true, landed: sibling.mine } : {}),
    onCommit: async (sha: string) => {
      await deps.store.updateJob(sibling.jobId, (j) => {
        const r = prRecordOf(j);
        if (!r || r.sharedCommits?.some((c) => c.sha === sha)) return;
        r.sharedCommits = [...(r.sharedCommits ?? []), { sha, jobId: job.id, inferenceId: ids.inferenceId, files, runId: job.run.id, episodeId: ids.episodeId, headSha: job.run.headSha }];
      });
    },
  };
}

/** Whether `sha` is this job's commit on the sibling's PR (it got there before a retry found the PR closed). */
async function landedOnSibling(job: Job, deps: Deps, siblingId: string, sha: string): Promise<boolean> {
  const sibling = await deps.store.getJob(siblingId);
  const r = sibling && prRecordOf(sibling);
  return !!r?.sharedCommits?.some((c) => c.jobId === job.id && c.sha === sha);
}

/** The PR body's notice when the failing workflow surely will not run on the fix (fix-branch-ci.ts). */
async function noCiOnFix(job: Job, workspaceDir: string, branch: string, files: Array<{ path: string }>, ctx: StageContext): Promise<Pick<PrBodyInput, "noCi">> {
  const text = job.run.source === "workflow_run" ? await readFailingWorkflow(job, workspaceDir) : undefined;
  if (text === undefined) return {};
  const ci = fixBranchCi(text, { branch, baseBranch: job.run.headBranch, files: files.map((f) => f.path) });
  if (ci.runs !== "no") return {};
  const workflow = job.run.workflowPath ?? job.run.name ?? "the workflow";
  ctx.log.info({ workflow, triggers: ci.triggers }, "the failing workflow does not run on the fix branch or its PR: the PR body says so");
  return { noCi: { workflow, triggers: ci.triggers ?? "", branch, baseBranch: job.run.headBranch, dispatch: ci.dispatch } };
}
