import type { Deps } from "../../core/deps.js";
import type { FailureContext } from "../../core/failure-context.js";
import type { Job } from "../../core/job.js";
import { proposalOf } from "../../pr/proposal-of.js";
import { coveredTests, type CoveredTests } from "./covered-tests.js";
import { contextOf } from "./failed-test-names.js";
import { PARKED_JOBS_LIMIT } from "./open-fix-prs.js";
import { botCommits, type OpenPullRequestResult, prRecordOf } from "./open-pull-request-result.js";

/** An earlier job's open fix PR for the same failure, and whether it already answers this run. */
export interface SiblingFix {
  jobId: string;
  branch: string;
  files: string[];
  commitSha: string;
  heads: string[];
  pr: number;
  /**
   * The open PR answers this run, and nothing is written: the same commit (`same_commit`: the PR job's, or
   * that of a later commit's fix already brought onto it), a branch push
   * failing only tests the PR's fixes answer (`same_tests`: its run's, and those of the jobs whose fixes were
   * committed onto it, by file and name where both runs name the file: coveredTests), or an earlier commit of the branch than the one whose
   * fix the PR holds (`later_commit_fixed`: a run that finished late must not put an older fix back).
   */
  answers?: "same_commit" | "same_tests" | "later_commit_fixed";
  /**
   * With `same_tests`: which of this run's failing tests the PR's runs failed (the PR job's, and those of the
   * jobs whose fixes were committed onto it), so the note lets a maintainer check the match.
   */
  covered?: CoveredTests;
  /**
   * How it is a sibling, for what the job says: the same failure, another workflow's of the same commit, or
   * the same failure on a later commit of the branch, people's PR's or a pushed one's (the fix PR is brought
   * to that commit: bringToBase).
   */
  kin: "same failure" | "same commit, another workflow" | "same failure on a later commit";
  /** This job's own commits noted on that PR (an earlier try of this stage made them). */
  mine: string[];
  /** The patch of the bot's fix on that PR (its latest attempt's), to compare another workflow's fix with. */
  patch?: string;
}

/**
 * A failure on a branch push (no PR of its own, e.g. main) with the same fingerprint as a job whose fix PR
 * is still open: that PR gets this fix instead of a second PR for the same breakage. A run of a PR's
 * branch whose commit is the sibling's (a workflow on both push and pull_request fails twice) is answered by
 * that PR already (`answers`). A later commit of the PR failing the same way (same fingerprint: workflow,
 * branch, conclusion, whichever tests) is the same breakage of the same branch: the open fix PR is brought
 * to that commit with the fix validated on it, replacing the earlier commit's fix (kin "same failure on a
 * later commit"), rather than a second fix PR against the same branch. Its failing tests do not matter:
 * the fix PR's answer is the one for the branch as it is now, and one made for an older commit would be
 * merged into the new work untested. A second run of that commit (push and pull_request) is answered by the
 * PR (`same_commit`), and so is an earlier commit's run finishing after that (`later_commit_fixed`).
 * A branch push whose failing tests are all among those of the fixes on the sibling's PR (a test of the same
 * name in another file is another test) is answered by that PR too: the failure goes
 * on until it is merged. Otherwise a push-only run on the commit the fix branch is on commits onto the
 * sibling's PR, and one on a later commit of the branch brings the PR to that commit as a PR's later commit
 * does: every tree the bot commits is one it validated (the commit's files and this fix), never an older
 * commit's files with a fix validated on a newer one's. An earlier commit's push run ending after the branch
 * was brought past it is answered by the PR (`later_commit_fixed`).
 * Another workflow failing on the commit the fix branch is on, of the same branch, is a sibling too (one
 * change breaking tests and lint): nothing is written when its failing tests are all the PR's; otherwise
 * open-pull-request weighs its fix against that PR's (besideOtherWorkflowFix).
 */
export async function openSiblingFix(job: Job, deps: Pick<Deps, "store">, context: Pick<FailureContext, "failed_tests"> | undefined = contextOf(job)): Promise<SiblingFix | undefined> {
  // By id, not name: a fix PR opened before a rename or transfer is still open on the same repository.
  const waiting = await deps.store.listJobs({ state: "pr", repoId: job.repo.id, limit: PARKED_JOBS_LIMIT });
  const tests = context?.failed_tests ?? [];
  const candidates = waiting.filter((other) => {
    if (other.id === job.id || !other.waitingFor) return false;
    // Another workflow failing on the commit of the branch the fix branch is on (tests.yml and lint.yml broken
    // by one change): a second fix PR beside the first would answer one breakage twice; its fix goes onto that
    // PR. Not once the branch was brought to a later commit: that fix was validated on a tree the branch no
    // longer has, and committed there it would mix two commits' files. Another commit of a PR: only its own
    // failure's fix PR, which targets the same branch.
    const record = prRecordOf(other);
    const onBase = (record ? fixBaseOf(other, record, job) : other.run.headSha) === job.run.headSha;
    return other.fingerprint === job.fingerprint || (onBase && other.run.headBranch === job.run.headBranch);
  });
  // The same failure's PR first: it is the one this failure's fix belongs on.
  const sameFailureFirst = [...candidates.filter((o) => o.fingerprint === job.fingerprint), ...candidates.filter((o) => o.fingerprint !== job.fingerprint)];
  for (const other of sameFailureFirst) {
    const r = prRecordOf(other);
    if (r?.pr.state === "open" && !r.sharedWithJob) {
      // The branch may be at an earlier sibling's commit: the bot's too, not people's.
      const files = [...new Set([...r.files, ...(r.sharedCommits ?? []).flatMap((c) => c.files)])];
      // The tests of every fix the PR holds: a later job's fix committed onto it answers that job's tests too.
      const theirs = [...(contextOf(other)?.failed_tests ?? []), ...(await stackedTests(r, job, deps))];
      const onPr = !!job.run.pullRequests.length;
      const sameFailure = other.fingerprint === job.fingerprint;
      // A branch push on another commit than the fix branch's: brought to it like a later commit of a PR.
      // Committed on top of the older commit instead, the tree would hold that commit's files beside a fix
      // validated on this one's (never run together), and the PR's diff would show the branch's own changes
      // in those files as the bot's.
      const laterCommit = sameFailure && (onPr ? other.run.headSha : fixBaseOf(other, r, job)) !== job.run.headSha;
      // Another workflow's failure of the commit is not answered by the commit alone: it may be another problem.
      const sameCommitAnswers = onPr && sameFailure;
      // Another job's run of this same commit (a workflow on push and pull_request) already put its fix on the PR.
      const commitOnPr = (r.sharedCommits ?? []).some((c) => c.jobId !== job.id && c.headSha === job.run.headSha);
      const covered = coveredTests(tests, theirs);
      const sameTests = !!covered;
      const answers =
        laterCommit && onPr ? (commitOnPr ? "same_commit" : newestRunOn(other, r) > job.run.id ? "later_commit_fixed" : undefined)
        : laterCommit ? (newestRunOn(other, r) > job.run.id ? "later_commit_fixed" : sameTests ? "same_tests" : undefined)
        : sameCommitAnswers ? "same_commit"
        : sameTests ? "same_tests"
        : undefined;
      const kin = laterCommit ? "same failure on a later commit" : sameFailure ? "same failure" : "same commit, another workflow";
      const patch = proposalOf(other)?.patch;
      const mine = (r.sharedCommits ?? []).filter((c) => c.jobId === job.id).map((c) => c.sha);
      return { jobId: other.id, branch: r.branch, files, commitSha: r.commitSha, heads: botCommits(r), pr: r.pr.number, kin, mine, ...(patch ? { patch } : {}), ...(answers ? { answers } : {}), ...(answers === "same_tests" ? { covered } : {}) };
    }
  }
  return undefined;
}

/** The failing tests of the other jobs whose fixes were committed onto the PR (not `job`'s own, made by an earlier try). */
async function stackedTests(r: OpenPullRequestResult, job: Job, deps: Pick<Deps, "store">) {
  const ids = [...new Set((r.sharedCommits ?? []).map((c) => c.jobId).filter((id) => id !== job.id))];
  const jobs = await Promise.all(ids.map((id) => deps.store.getJob(id)));
  return jobs.flatMap((j) => (j ? (contextOf(j)?.failed_tests ?? []) : []));
}

/**
 * The newest failing run whose fix the PR holds: the PR job's, or a later job's committed onto it. Run ids
 * grow with time, and a re-run keeps its id: a later commit's run has the larger one.
 */
function newestRunOn(owner: Job, r: OpenPullRequestResult): number {
  return Math.max(owner.run.id, ...(r.sharedCommits ?? []).flatMap((c) => (c.runId === undefined ? [] : [c.runId])));
}

/**
 * The commit of the failing branch the fix branch is on, as other jobs left it: that of the newest failing
 * run whose fix the PR holds. A later run's fix is either committed on that same commit or brings the branch
 * to its own (a merge), and an earlier commit's run is answered by the PR (later_commit_fixed): the newest
 * run's commit is the base. Commits noted by an earlier version without their commit were committed on the
 * base of their time. `job`'s own commits do not count: retried after its commit landed (its answer lost),
 * it decides as it did the first time, and finds that commit made (`mine`).
 */
function fixBaseOf(owner: Job, r: OpenPullRequestResult, job: Job): string {
  let newest = { runId: owner.run.id, headSha: owner.run.headSha };
  for (const c of r.sharedCommits ?? []) {
    if (c.jobId !== job.id && c.runId !== undefined && c.headSha !== undefined && c.runId > newest.runId) newest = { runId: c.runId, headSha: c.headSha };
  }
  return newest.headSha;
}

/** What a job whose failure an open sibling PR already answers records and says: nothing is written. */
export function answeredBy(job: Job, sibling: SiblingFix): { left: string; note: string } {
  if (sibling.answers === "same_commit" && sibling.kin === "same failure on a later commit") {
    const left = `run ${job.run.id} failed on commit ${job.run.headSha.slice(0, 7)}, whose fix is on PR #${sibling.pr} already`;
    return { left, note: `same failure on commit ${job.run.headSha.slice(0, 7)}, whose fix another run's job put on PR #${sibling.pr} of job ${sibling.jobId}: that PR answers it; nothing written` };
  }
  if (sibling.answers === "later_commit_fixed") {
    const left = `run ${job.run.id} of ${job.run.headSha.slice(0, 7)} ended after a later commit's fix went onto PR #${sibling.pr}`;
    return { left, note: `same failure on an earlier commit than the fix on PR #${sibling.pr} of job ${sibling.jobId}, which answers it; nothing written` };
  }
  if (sibling.answers === "same_commit") {
    const left = `run ${job.run.id} failed on the same commit ${job.run.headSha.slice(0, 7)} as job ${sibling.jobId}'s run`;
    return { left, note: `same failure on the same commit as job ${sibling.jobId}: its fix PR #${sibling.pr} of job ${sibling.jobId} answers it; nothing written` };
  }
  const tests = matchedTests(sibling.covered);
  // The tests may be those of a later job whose fix was committed onto the PR: the PR is what answers them.
  const left = `run ${job.run.id} failed only tests whose fixes are on PR #${sibling.pr}${tests}`;
  return { left, note: `same tests failing as job ${sibling.jobId}: its fix PR #${sibling.pr} of job ${sibling.jobId} answers it${tests}; nothing written` };
}

/** Which tests matched, and how, for a maintainer to check that the PR answers them. */
function matchedTests(covered: CoveredTests | undefined): string {
  if (!covered) return "";
  const shown = covered.matched.slice(0, 5).join(", ") + (covered.matched.length > 5 ? ` and ${covered.matched.length - 5} more` : "");
  const how = covered.byNameOnly ? "by name only, a run naming no file for them" : "by file and name";
  return ` (${shown}: matched ${how})`;
}
