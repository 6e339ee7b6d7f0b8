import type { JobRepo } from "../job.js";

export interface RunJob {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  runAttempt?: number;
  checkRunId?: number;
  htmlUrl?: string;
  steps: Array<{ number: number; name: string; status: string; conclusion: string | null; startedAt?: string; completedAt?: string }>;
}

/** A workflow run of a commit, at its latest attempt (a re-run replaces the attempt before it). */
export interface CommitRun {
  id: number;
  attempt: number;
  /** The run's workflow file as GitHub names it (`path`, maybe with an `@ref`), or its name without one. */
  workflow: string;
  status: string;
  conclusion: string | null;
  htmlUrl?: string;
}

/** A review of a pull request, as GitHub lists it. */
export interface PullReview {
  id: number;
  /** The reviewer's login (absent for a deleted account). */
  author?: string;
  /** GitHub's `user.type` of the reviewer: `User`, or `Bot` for an app. */
  authorType?: string;
  body: string;
  /** `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`, or `PENDING`: a draft its author has not submitted yet. */
  state: string;
  /** The PR head it was submitted on (GitHub's `commit_id`). */
  commitId?: string;
}

/** A review's dismissal, as a pull request's timeline tells it (a `review_dismissed` event). */
export interface ReviewDismissalEvent {
  kind: "review_dismissed";
  reviewId: number;
  /**
   * Who dismissed it (the event's `actor`). A stale approval dismissed after a push names the pusher: the
   * reviews list names no one, the timeline does.
   */
  by?: string;
}

/**
 * A pull request marked ready for review, or turned into a draft (GitHub's `ready_for_review` and
 * `convert_to_draft` timeline events), as its timeline tells it: the webhooks that tell it can be lost.
 */
export interface DraftChangeTimelineEvent {
  kind: "ready_for_review" | "converted_to_draft";
  /** Who changed it (the event's `actor`), absent when GitHub names no one. */
  by?: string;
  /** GitHub's `actor.type`: `User`, or `Bot` for an app. */
  byType?: string;
  /** GitHub's `created_at` of the event. */
  at: string;
}

/** The events of a pull request's timeline the app reads; GitHub's others are left out. */
export type PrTimelineEvent = ReviewDismissalEvent | DraftChangeTimelineEvent;

/** A review comment of a pull request (on a line of its diff), as GitHub lists it. */
export interface PullReviewComment {
  id: number;
  author?: string;
  /** GitHub's `user.type` of the author: `User`, or `Bot` for an app. */
  authorType?: string;
  body: string;
  path?: string;
  line?: number;
  /** The commit it was first written on (GitHub's `original_commit_id`; `commit_id` moves with the diff). */
  commitId?: string;
}

export interface Annotation {
  path: string;
  startLine: number;
  endLine: number;
  level: string;
  title?: string;
  message: string;
}

/**
 * GitHub, scoped to one installation. The read side serves the failure context (issue 3); the write side
 * (branch, verified commit, PR, comments) is added by issue 6.
 */
export interface GitHubClient {
  /** `.github/ci-bot.yml` as parsed YAML (org `.github` repo included), or null when there is none. */
  getRepoConfig(repo: JobRepo): Promise<unknown | null>;
  /**
   * The token git authenticates with. `renew`: one GitHub mints now, in place of a cached one GitHub
   * revoked (git refused it); GitHub refusing to mint it is installation_deleted or installation_suspended.
   */
  installationToken(opts?: { renew?: boolean }): Promise<string>;
  /**
   * The commit `refs/heads/<branch>` points at now, or null when there is no such branch (a run started by
   * a tag push carries the tag's name as its head_branch; a branch may have been deleted since). Contents: read.
   */
  getBranchHead(repo: JobRepo, branch: string): Promise<string | null>;
  listRunJobs(repo: JobRepo, runId: number, attempt: number): Promise<RunJob[]>;
  /** Streams the plain-text job log (follows the 302 without forwarding credentials). */
  downloadJobLog(repo: JobRepo, jobId: number, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  listAnnotations(repo: JobRepo, checkRunId: number): Promise<Annotation[]>;
  /** Every workflow run of a commit, any status (`GET /actions/runs?head_sha=`, Actions: read). */
  listCommitRuns(repo: JobRepo, headSha: string): Promise<CommitRun[]>;
  /**
   * The runs of one workflow (its file under `.github/workflows/`, by name) on `branch` for commit `headSha`,
   * any status (`GET /actions/workflows/{file}/runs?branch=&head_sha=`, Actions: read).
   */
  listBranchWorkflowRuns(repo: JobRepo, workflowFile: string, branch: string, headSha: string): Promise<CommitRun[]>;
  /** Every review of a pull request, oldest first (`GET /pulls/{n}/reviews`, Pull requests: read). */
  listPullReviews(repo: JobRepo, number: number): Promise<PullReview[]>;
  /** Every review comment of a pull request (`GET /pulls/{n}/comments`, Pull requests: read). */
  listPullReviewComments(repo: JobRepo, number: number): Promise<PullReviewComment[]>;
  /** One review comment, or null when GitHub has none by that id (deleted) (`GET /pulls/comments/{id}`, Pull requests: read). */
  getPullReviewComment(repo: JobRepo, commentId: number): Promise<PullReviewComment | null>;
  /**
   * A pull request's timeline, oldest first, as far as the app reads it: reviews dismissed, and the PR marked
   * ready or turned into a draft (`GET /issues/{n}/timeline`, Issues: read or Pull requests: read).
   */
  listPrTimeline(repo: JobRepo, number: number): Promise<PrTimelineEvent[]>;
  /**
   * A file's text at `ref`, or null when there is none (missing, a directory, a submodule). Over `maxBytes`
   * it is not read: the call fails with the permanent `file_too_large` (details: bytes, maxBytes).
   */
  getFileContent(repo: JobRepo, path: string, ref: string, maxBytes?: number): Promise<string | null>;
  getCommitDiff(repo: JobRepo, sha: string, maxBytes: number): Promise<string | null>;
  /** The write side (issue 6); absent on read-only clients, where opening a PR fails with a reason. */
  writes?: GitHubWriteClient;
}

export interface GitHubPort {
  forInstallation(installationId: number, opts?: ForInstallationOptions): Promise<GitHubClient>;
}

export interface ForInstallationOptions {
  /** The job's: once aborted (stopped, shutting down), a write still waiting for its turn is not made. */
  signal?: AbortSignal;
}

/** One file of a fix commit: new content (UTF-8), or null to delete the path. */
export interface FileChange {
  path: string;
  content: string | null;
  mode?: "100644" | "100755";
}

export interface PullRequestRef {
  number: number;
  htmlUrl: string;
  nodeId: string;
  headRef: string;
  headSha: string;
  state: "open" | "closed";
  draft: boolean;
  merged: boolean;
  /** GitHub's `closed_at` (null while open): what tells one close of the PR from another (pr-events). */
  closedAt?: string | null;
  /** Who merged it, when it was merged. */
  mergedBy?: string;
  /** As GitHub has them now (people may have edited them). */
  title?: string;
  body?: string | null;
}

/** A comment's text, or how to make it from the comment's current text (undefined: there is none yet). */
export type CommentBody = string | ((current: string | undefined) => string);

export interface UpsertCommentOptions {
  /** False: edit only, never create (people deleted the comment). */
  create?: boolean;
  /**
   * Marker of an older form of this comment (an earlier version of the app): with no comment carrying
   * `marker`, the app's oldest one carrying this is edited into it instead of a new one being posted.
   */
  adopt?: string;
  /**
   * Several jobs write this comment, two at once at worst, and `body` is a function that keeps what the
   * others wrote. After creating or editing it, the comments are read again (after the writes already
   * queued for the installation): when another writer's came first, this one's text goes into that one
   * and this one is deleted; when another's edit dropped this one's part (`body` of the text read changes
   * it), it is written again, a few times at most (then `unsettled`).
   */
  shared?: boolean;
}

/** The comment written (or found as it would be written). */
export interface UpsertedComment {
  id: number;
  created: boolean;
  /** `shared`: other writers' edits kept dropping this one's part, and the last read still lacked it. */
  unsettled?: true;
}

/**
 * The write side of `GitHubClient` (issue 6): everything the fix PR needs, each call one REST request
 * (or one GraphQL mutation), paced by the adapter to respect secondary rate limits.
 */
export interface GitHubWriteClient {
  /** Head commit sha of a branch, or null when the branch does not exist. */
  getBranchSha(repo: JobRepo, branch: string): Promise<string | null>;
  /** Tree sha of a commit. */
  getCommitTree(repo: JobRepo, sha: string): Promise<string>;
  /** New tree on top of `baseTree` with inline contents (no blob calls). */
  createTree(repo: JobRepo, baseTree: string, files: FileChange[]): Promise<string>;
  /** Commit as the app (no author/committer, so GitHub signs it: Verified). */
  createCommit(repo: JobRepo, input: { message: string; tree: string; parents: string[] }): Promise<{ sha: string; verified: boolean }>;
  /** Creates `refs/heads/<branch>`; resolves false when it already exists. */
  createBranch(repo: JobRepo, branch: string, sha: string): Promise<boolean>;
  /** Fast-forwards a branch (never forced). */
  updateBranch(repo: JobRepo, branch: string, sha: string): Promise<void>;
  /** Deletes `refs/heads/<branch>`; resolves when it is already gone. */
  deleteBranch(repo: JobRepo, branch: string): Promise<void>;
  /** The PR (any state) whose head is this repo's `branch`, newest first, or null. */
  findPullRequest(repo: JobRepo, branch: string): Promise<PullRequestRef | null>;
  getPullRequest(repo: JobRepo, number: number): Promise<PullRequestRef>;
  /** The new PR, or the open one GitHub says already exists for `head` (an earlier request's lost answer). */
  createPullRequest(repo: JobRepo, input: { title: string; body: string; head: string; base: string; draft: boolean }): Promise<PullRequestRef>;
  updatePullRequest(repo: JobRepo, number: number, input: { title?: string; body?: string }): Promise<void>;
  addLabels(repo: JobRepo, issueNumber: number, labels: string[]): Promise<void>;
  /**
   * Edits the app's own issue comment carrying `marker` in place (only when its text changes), or creates
   * it; one comment per marker. `body` may be computed from the comment's current text (undefined when there
   * is none yet), for a comment that several jobs add to. With `create: false`, only edits: resolves null
   * when there is no such comment (people deleted it). See UpsertCommentOptions for `adopt` and `shared`.
   */
  upsertComment(repo: JobRepo, issueNumber: number, marker: string, body: CommentBody, opts?: UpsertCommentOptions): Promise<UpsertedComment | null>;
  /** Draft → ready for review (GraphQL `markPullRequestReadyForReview`; REST cannot do it). */
  markReadyForReview(repo: JobRepo, pr: Pick<PullRequestRef, "nodeId" | "number">): Promise<void>;
  /**
   * The PR's changes as GitHub shows them (`GET /pulls/{n}`, diff media type: from the merge base of its
   * head and its base branch), null when larger than maxBytes. The base branch merged into the head
   * ("Update branch") is not part of it.
   */
  pullRequestDiff(repo: JobRepo, number: number, maxBytes: number): Promise<string | null>;
  /** `POST /actions/runs/{run_id}/rerun-failed-jobs` (needs Actions: write). */
  rerunFailedJobs(repo: JobRepo, runId: number): Promise<void>;
  /** The run's latest attempt as GitHub has it now (`GET /actions/runs/{run_id}`, Actions: read). */
  getRun(repo: JobRepo, runId: number): Promise<{ attempt: number; status: string; conclusion: string | null }>;
}
