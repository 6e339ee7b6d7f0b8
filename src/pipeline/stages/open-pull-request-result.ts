import type { Job } from "../../core/job.js";
import type { PullRequestRef } from "../../core/ports/github-port.js";
import { proposalOf } from "../../pr/proposal-of.js";

// What open-pull-request keeps on the job, in a module of its own: the intake's fix-branch handlers read it,
// and importing the stage would load the whole patch and PR machinery into the webhook path.

export const OPEN_PULL_REQUEST = "open-pull-request";

/** What the job keeps of this stage; watch-pr reads it. */
export interface OpenPullRequestResult {
  branch: string;
  commitSha: string;
  verified: boolean;
  pr: Pick<PullRequestRef, "number" | "htmlUrl" | "nodeId" | "state" | "draft">;
  createdPr: boolean;
  commentedOn: number[];
  /** Why this attempt left a failing PR without the bot's comment: people removed it, and it is not posted again. */
  commentLeft?: string;
  files: string[];
  /** Inference whose patch the branch head carries (CI feedback goes to it). */
  inferenceId: string;
  episodeId: string;
  repairAttempt: number;
  /**
   * That inference's diagnosis and patch: propose-patch's result is the latest attempt's, which may never
   * have reached the branch (the PR closed meanwhile, refused, not validated). The patch, often the largest
   * thing on the job, is kept here only once a later attempt's proposal replaces that result
   * (keepPatchOnBranch); until then it is read from there. Records of the previous version hold it from
   * the start; records of an earlier one hold neither (see proposalOnBranch).
   */
  diagnosis?: string;
  patch?: string;
  /** The fix PR carries the bot's "CI failed" comment (watch-pr edits it when a later run passes). */
  ciFailedComment?: boolean;
  /** Set when this run's fix went onto the open fix PR of an earlier job with the same failure fingerprint. */
  sharedWithJob?: string;
  /**
   * Commits later jobs with the same failure put on this PR (noted before the branch moves to them): this
   * job owns the PR, so it hears their CI (a commit whose move failed simply never gets any).
   */
  sharedCommits?: SharedCommit[];
  /**
   * The bot's earlier repair commits on the branch, oldest first, with the inference each carries: a later
   * attempt replaced them, and a run of theirs that ends after it is still their inference's verdict.
   */
  supersededCommits?: SupersededCommit[];
}

/** A commit of an earlier attempt (the first fix or a repair) that a later repair attempt was pushed on top of. */
export interface SupersededCommit {
  sha: string;
  inferenceId: string;
  /**
   * The parked-job reconciliation read its runs with none of them still queued or running (each recorded as
   * its webhook would have been): its verdict is on the job, and GitHub is not asked about it again. A re-run
   * people start after that is heard by its webhook only.
   */
  runsReconciled?: true;
}

/** A later job's fix committed onto this job's fix PR: whose patch it carries. */
export interface SharedCommit {
  sha: string;
  jobId: string;
  inferenceId: string;
  files: string[];
  /** The later job's failing run (its feedback's tags); absent on commits noted by an earlier version. */
  runId?: number;
  /** The later job's episode (the PR's outcome is its too); absent on commits noted by an earlier version. */
  episodeId?: string;
  /**
   * The failing commit the later job's fix was made on (absent on commits noted by an earlier version): a
   * second run of that commit (push and pull_request) finds its fix on the PR already.
   */
  headSha?: string;
}

/** Repair attempt in progress (set by watch-pr before it proposes again). */
export interface RepairState {
  attempt: number;
  previousFiles: string[];
  /** The commit this attempt made (and may have pushed), when the push or a later step failed and is retried. */
  pushedSha?: string;
  /** The inference whose patch `pushedSha` carries: a retry proposes again, and may fail before it commits. */
  pushedInferenceId?: string;
  /** Why this attempt ended without a new commit: the fix commit's CI verdict has had its repair. */
  failed?: string;
}

/** The repair attempt under way or last made (watch-pr writes it), absent before the first repair. */
export const repairStateOf = (job: Job): RepairState | undefined => job.results["repair"] as RepairState | undefined;

/**
 * The first attempt's commit, noted before the fix branch is moved to it (`results[FIX_COMMIT]`): a retry of
 * a first attempt that failed before its PR was on record (a refused comment, GitHub down past the retries)
 * builds on that commit only. The branch may be people's by then: the PR was open.
 */
export const FIX_COMMIT = "fix-commit";
export interface FixCommit {
  sha: string;
}

/** The job's record of its fix PR (this stage's result), absent before the stage has written one. */
export const prRecordOf = (job: Job): OpenPullRequestResult | undefined => job.results[OPEN_PULL_REQUEST] as OpenPullRequestResult | undefined;

/** The bot's commits on the PR's branch: this job's fix and later jobs' fixes committed onto it (not a repair's pending push). */
export function botCommits(open: OpenPullRequestResult): string[] {
  return [open.commitSha, ...(open.sharedCommits ?? []).map((c) => c.sha)];
}

/**
 * `previous`'s commit joins the commits a repair attempt supersedes (when it replaced it), keeping at most
 * `maxRepairs` of them: one per attempt, at most max_repair_attempts attempts are ever superseded.
 */
function supersededAfterRepair(previous: OpenPullRequestResult, newSha: string, maxRepairs: number): SupersededCommit[] {
  const kept = previous.supersededCommits ?? [];
  if (previous.commitSha === newSha || kept.some((c) => c.sha === previous.commitSha)) return kept;
  return [...kept, { sha: previous.commitSha, inferenceId: previous.inferenceId }].slice(-Math.max(1, maxRepairs));
}

/**
 * `next`, written for this job's PR again (a repair attempt, a retry), with what `previous` knew that the
 * publish does not tell again: later jobs' commits on the PR (their CI and merge are still theirs), the
 * commits repairs replaced, the "CI failed" comment to edit and the failing PRs already commented on.
 * Kept in one place: a field added to the record is carried over here, not forgotten by one writer.
 */
export function withPreviousRecord(previous: OpenPullRequestResult | undefined, next: OpenPullRequestResult, maxRepairs: number): OpenPullRequestResult {
  // A record of a run that left (no commit of its own) has nothing of a PR to keep.
  if (!previous?.commitSha) return next;
  const merged: OpenPullRequestResult = { ...next, commentedOn: [...new Set([...(previous.commentedOn ?? []), ...next.commentedOn])] };
  const superseded = next.repairAttempt > 1 ? supersededAfterRepair(previous, next.commitSha, maxRepairs) : (previous.supersededCommits ?? []);
  if (superseded.length) merged.supersededCommits = superseded;
  // Another PR (the branch's PR was replaced) has neither those commits nor that comment.
  if (previous.pr?.number !== next.pr.number) return merged;
  if (previous.sharedCommits?.length) merged.sharedCommits = previous.sharedCommits;
  if (previous.ciFailedComment) merged.ciFailedComment = true;
  return merged;
}

/**
 * The commit the repair after `open` already pushed, when a step after the push failed and is retried, with
 * the inference whose patch it carries (absent on a commit noted by an earlier version). A `RepairState` of
 * another attempt says nothing of this one.
 */
export function pushedByThisRepair(job: Job, open: OpenPullRequestResult): { sha: string; inferenceId?: string } | undefined {
  const r = repairStateOf(job);
  if (r?.attempt !== open.repairAttempt + 1 || !r.pushedSha) return undefined;
  return r.pushedInferenceId ? { sha: r.pushedSha, inferenceId: r.pushedInferenceId } : { sha: r.pushedSha };
}

/**
 * Whether the stored proposal is the one the repair after `open` already committed (noted before the branch
 * moved): a retry of that repair finishes the commit rather than proposing again, and needs nothing a new
 * proposal is made from (the fix run's logs, the repair context).
 */
export function repairProposalCommitted(job: Job, open: OpenPullRequestResult): boolean {
  const pushed = pushedByThisRepair(job, open);
  return !!pushed?.inferenceId && proposalOf(job)?.inferenceId === pushed.inferenceId;
}

/**
 * Which of the bot's commits on the fix branch `sha` is, by the job's record, with the inference whose patch
 * it carries (its CI is that inference's verdict); undefined when it is none of them (people's).
 * - `fix`: the commit the record names;
 * - `shared`: a later job's fix committed onto this PR;
 * - `unrecorded`: the repair's commit (pushedByThisRepair) while the record still names the fix before it.
 *   No inference on a commit noted by an earlier version: the latest proposal may be a retry's that never
 *   reached the branch, and no verdict is better than one on the wrong inference;
 * - `superseded`: an earlier attempt's commit a later repair replaced (a re-run of it may end late).
 */
export type FixBranchCommit =
  | { kind: "fix"; inferenceId: string }
  | { kind: "shared"; inferenceId: string; shared: SharedCommit }
  | { kind: "unrecorded"; inferenceId: string | undefined }
  | { kind: "superseded"; inferenceId: string };

export function fixBranchCommit(job: Job, open: OpenPullRequestResult, sha: string): FixBranchCommit | undefined {
  if (sha === open.commitSha) return { kind: "fix", inferenceId: open.inferenceId };
  const shared = open.sharedCommits?.find((c) => c.sha === sha);
  if (shared) return { kind: "shared", inferenceId: shared.inferenceId, shared };
  const pushed = pushedByThisRepair(job, open);
  if (sha === pushed?.sha) return { kind: "unrecorded", inferenceId: pushed.inferenceId };
  const superseded = open.supersededCommits?.find((c) => c.sha === sha);
  return superseded && { kind: "superseded", inferenceId: superseded.inferenceId };
}

/**
 * The proposal the PR's bot commit carries (see `OpenPullRequestResult.diagnosis`): what people's edits
 * are measured against and a repair starts from. Undefined when a record of an earlier version has only
 * a later, unpushed attempt's proposal left.
 */
export function proposalOnBranch(job: Job, open: OpenPullRequestResult): { inferenceId: string; diagnosis: string; patch: string } | undefined {
  const latest = proposalOf(job);
  const latestOnBranch = latest?.inferenceId === open.inferenceId ? latest : undefined;
  if (open.diagnosis === undefined) return latestOnBranch && { inferenceId: latestOnBranch.inferenceId, diagnosis: latestOnBranch.diagnosis, patch: latestOnBranch.patch };
  const patch = open.patch ?? latestOnBranch?.patch;
  return patch === undefined ? undefined : { inferenceId: open.inferenceId, diagnosis: open.diagnosis, patch };
}

/**
 * To be called (in the same store update) before a later attempt's proposal replaces propose-patch's
 * result: the record takes the patch its commit carries from there, as that result is the only copy of it.
 * Not on a record of an earlier version (no diagnosis): proposalOnBranch never reads a patch from it.
 */
export function keepPatchOnBranch(job: Job): void {
  const open = prRecordOf(job);
  if (!open?.commitSha || open.diagnosis === undefined || open.patch !== undefined) return;
  const latest = proposalOf(job);
  if (latest?.inferenceId === open.inferenceId) open.patch = latest.patch;
}
