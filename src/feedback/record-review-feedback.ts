import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import { addFeedback } from "./outbox.js";
import { prRecordOf } from "../pipeline/stages/open-pull-request-result.js";
import { commentValue, type FeedbackSource, proposalIds, reviewCommentFeedback, reviewDismissedFeedback, reviewWithdrawnFeedback, revisionsOf, withdrawnSinceLastRevision } from "./outcome-feedback.js";
import { addPrEvent, prEventsOf, reviewDismissedEventId, reviewWithdrawnEventId, type PrEvent } from "./pr-events.js";
import { updateParkedJob } from "./update-parked-job.js";

/** A review (`review:<id>`) or review comment (`review_comment:<id>`) on the job's fix PR. */
export interface ReviewText {
  sourceId: string;
  author: string;
  /** Written by an app (GitHub's `user.type` `Bot`): this one, or another (Copilot's review, a linter's). */
  byApp: boolean;
  text: string;
  /** A review comment's file, named at the end of `text` with the line, which moves as the diff changes. */
  path?: string;
  /**
   * The fix branch's commit it was written on (a review's `commit_id`, a comment's `original_commit_id`): a
   * later job's fix committed onto the PR (sharedCommits) gets what people wrote of it (reviewedEpisode).
   */
  commitId?: string;
}

/** Its author as GitHub gives it, in a webhook's `user` or a list's (deleted account: none). */
export interface ReviewAuthor {
  login?: string | null;
  type?: string | null;
}

/**
 * A review or review comment as recorded, from the webhook or from GitHub's list: the id both use
 * (so whichever comes second is a duplicate), and the text with, for a comment, where in the diff it is.
 * A blank body is no text, wherever the comment sits.
 */
export function reviewText(kind: "review" | "review_comment", id: number, author: ReviewAuthor | null | undefined, body: string | null | undefined, path?: string, line?: number | null, commitId?: string | null): ReviewText {
  const text = body?.trim() ?? "";
  return { sourceId: `${kind}:${id}`, author: author?.login ?? "unknown", byApp: author?.type === "Bot", text: text && `${text}${path ? ` (on ${path}${line ? `:${line}` : ""})` : ""}`, ...(path ? { path } : {}), ...(commitId ? { commitId } : {}) };
}

/**
 * The episode a review's text goes to, and the failing run its tags name: written on a later job's fix
 * committed onto this PR (a later commit of the branch brought onto it replaces the PR's fix), that job's;
 * otherwise (the PR's own fix, a repair's, people's commits, a commit not known) the PR job's. A text already
 * recorded goes on where its first version went, whatever commit a later read names; so does what says it no
 * longer stands (dismissed, withdrawn).
 */
function reviewedEpisode(job: Job, r: Pick<ReviewText, "sourceId" | "commitId">, own: string): { episodeId: string; source: FeedbackSource } {
  const first = revisionsOf(job.feedback, r.sourceId)[0];
  const recordedTo = first && "episodeId" in first.target ? first.target.episodeId : undefined;
  const shared = prRecordOf(job)?.sharedCommits?.find((c) => c.episodeId && (recordedTo ? c.episodeId === recordedTo : c.sha === r.commitId));
  if (!shared?.episodeId) return { episodeId: recordedTo ?? own, source: job };
  return { episodeId: shared.episodeId, source: shared.runId === undefined ? job : { repo: job.repo, run: { id: shared.runId } } };
}

/** The failing run a recorded text's tags name (reviewedEpisode), for the items that say it no longer stands. */
const recordedSource = (job: Job, sourceId: string): FeedbackSource => reviewedEpisode(job, { sourceId }, "").source;

/**
 * Records a person's review text as `comment` feedback of the episode of the fix it was written on
 * (reviewedEpisode: the job's, or a later job's committed onto its PR) and wakes the job parked on its
 * PR. Shared by the pull_request_review(_comment) handler and the parked-job reconciliation
 * (pipeline/reconcile-parked.ts), which lists the reviews whose webhooks never came: the same feedback id,
 * so whichever comes second is a duplicate. `edited`: the text as edited since it was written (GitHub's
 * `edited` action), sent again when it differs from the text last recorded for it; otherwise only a text
 * not recorded yet is (a redelivered submission is not taken for an edit back to the first text). A
 * dismissed review's text is not recorded any more: its verdict no longer counts; nor is a deleted comment's. Undefined when there is
 * nothing to record (no text, an app's review, this one's or another's, a job without a proposal's episode
 * to send it to); otherwise whether it was new.
 */
export async function recordReviewFeedback(deps: Pick<Deps, "store" | "clock" | "identity">, job: Job, r: ReviewText, at: string, opts: { edited?: boolean } = {}): Promise<boolean | undefined> {
  const ids = proposalIds(job);
  // Apps review every PR (Copilot, linters posting as github-actions): theirs is not a person's judgement of the fix.
  if (!r.text || !ids || r.byApp || deps.identity.logins().has(r.author.toLowerCase())) return undefined;
  // Decided on the stored job: two edits heard at once each compare with the other's text.
  return updateParkedJob(deps, job.id, (j) => {
    if (dismissalOf(j, r.sourceId) || deletionOf(j, r.sourceId)) return false;
    // A comment's line moves when a push changes the diff, and is gone once the comment is outdated, with no
    // one editing it: the parked-job reconciliation reads it so, and is not to send its text again for that.
    if (opts.edited && saysAsRecorded(j, r)) return false;
    const { episodeId, source } = reviewedEpisode(j, r, ids.episodeId);
    const item = opts.edited ? reviewCommentFeedback(source, episodeId, r.sourceId, r.author, r.text, j.feedback) : reviewCommentFeedback(source, episodeId, r.sourceId, r.author, r.text);
    return !!item && addFeedback(j, [item], at) > 0;
  });
}

/** A review dismissed by a maintainer, as the pull_request_review `dismissed` webhook gives it. */
export interface ReviewDismissal {
  reviewId: number;
  /** The reviewer. */
  author?: string;
  /** Who dismissed it (the webhook's sender). */
  by?: string;
}

/**
 * Records the dismissal of a review of the job's fix PR as a PR event (once per review: see
 * reviewDismissedEventId) and, when the review's text was recorded as comment feedback, a comment saying it
 * no longer stands (reviewDismissedFeedback); wakes the job parked on its PR. Whether it was new.
 *
 * Dismissed by this app: the app never dismisses reviews itself, so this is GitHub's stale-approval rule
 * (branch protection's "Dismiss stale pull request approvals when new commits are pushed") acting on a
 * commit the app pushed onto its fix PR (a repair). GitHub names the pusher as the one who dismissed it: its
 * timeline reads "<pusher> dismissed <reviewer>'s stale review via <sha>" (github.com/isaacs/github/issues/1157),
 * and the `dismissed` webhook's sender is that pusher (github.com/idobata/idobata-hooks/pull/86 renders it as
 * "<sender> dismissed <reviewer>'s stale review"); no field of the webhook says "stale". The reviewer
 * retracted nothing: the dismissal is recorded (`stale`) but no comment says the review no longer stands.
 * A stale dismissal after a person's push, or after the PR's base moved, names that person, the same as a
 * maintainer dismissing by hand (the webhook's review says `dismissed` either way): it is not told apart, and
 * counts as a retraction. The parked-job reconciliation, finding a review DISMISSED in GitHub's list (which names
 * no one), asks the PR's timeline who dismissed it and passes that on; only when GitHub refuses the timeline is
 * it recorded without `by`, and counts as a retraction.
 */
export async function recordReviewDismissal(deps: Pick<Deps, "store" | "clock" | "identity">, job: Job, d: ReviewDismissal, at: string): Promise<boolean> {
  const sourceId = `review:${d.reviewId}`;
  const stale = !!d.by && deps.identity.logins().has(d.by.toLowerCase());
  const ev: PrEvent = { id: reviewDismissedEventId(d.reviewId), kind: "review_dismissed", reviewId: d.reviewId, ...(d.author ? { author: d.author } : {}), ...(d.by ? { by: d.by } : {}), ...(stale ? { stale } : {}), at };
  return updateParkedJob(deps, job.id, (j) => {
    if (!addPrEvent(j, ev)) return false;
    // Tagged with the run of the fix its text was fed back for, as that text was.
    const item = stale ? undefined : reviewDismissedFeedback(recordedSource(j, sourceId), sourceId, revisionsOf(j.feedback, sourceId), d.author, d.by);
    if (item) addFeedback(j, [item], at);
    return true;
  });
}

/**
 * Records that a review comment was deleted (`deleted`), or that a review's or comment's text was edited
 * away (`emptied`), as a dismissal is recorded: a PR event (once: see reviewWithdrawnEventId) and, when its text
 * was recorded as comment feedback, a comment saying it no longer stands (reviewWithdrawnFeedback); wakes the
 * job parked on its PR. A deleted comment's text is not recorded afterwards (a redelivered `created`); an
 * emptied one's, written again, is its next revision. An emptying with no text of it standing (none
 * recorded, or withdrawn already) is nothing new. Undefined when there is nothing to record (an app's text,
 * never recorded; a job without a proposal's episode); otherwise whether it was new.
 */
export async function recordReviewWithdrawal(deps: Pick<Deps, "store" | "clock" | "identity">, job: Job, r: ReviewText, how: "deleted" | "emptied", by: string | undefined, at: string): Promise<boolean | undefined> {
  if (!proposalIds(job) || r.byApp || deps.identity.logins().has(r.author.toLowerCase())) return undefined;
  return updateParkedJob(deps, job.id, (j) => {
    const earlier = revisionsOf(j.feedback, r.sourceId);
    const withdrawn = withdrawnSinceLastRevision(j.feedback, r.sourceId) || dismissalOf(j, r.sourceId);
    if (how === "emptied" && (!earlier.length || withdrawn)) return false;
    const ev: PrEvent = { id: reviewWithdrawnEventId(r.sourceId, how, earlier.length), kind: "review_withdrawn", sourceId: r.sourceId, how, author: r.author, ...(by ? { by } : {}), at };
    if (!addPrEvent(j, ev)) return false;
    const item = withdrawn ? undefined : reviewWithdrawnFeedback(recordedSource(j, r.sourceId), r.sourceId, how, earlier, r.author, by);
    if (item) addFeedback(j, [item], at);
    return true;
  });
}

const dismissalOf = (job: Job, sourceId: string) => prEventsOf(job).some((e) => e.kind === "review_dismissed" && `review:${e.reviewId}` === sourceId);
const deletionOf = (job: Job, sourceId: string) => prEventsOf(job).some((e) => e.kind === "review_withdrawn" && e.how === "deleted" && e.sourceId === sourceId);

/** The text last recorded for `r`'s review comment is `r`'s, whichever line of the file each names. */
function saysAsRecorded(job: Job, r: ReviewText): boolean {
  const last = revisionsOf(job.feedback, r.sourceId).at(-1)?.value;
  if (!r.path || typeof last !== "string" || withdrawnSinceLastRevision(job.feedback, r.sourceId)) return false;
  const place = new RegExp(` \\(on ${r.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?::\\d+)?\\)$`);
  return last.replace(place, "") === commentValue(r.text).replace(place, "");
}
