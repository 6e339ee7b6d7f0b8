import { isInstallationRefusal } from "../adapters/github/installation-refusal.js";
import { BUILTIN_FEEDBACK } from "../adapters/tensorzero/metric-names.js";
import type { Deps } from "../core/deps.js";
import { toAppError } from "../core/errors.js";
import type { Job } from "../core/job.js";
import type { GitHubClient, PullReview, PullReviewComment } from "../core/ports/github-port.js";
import { revisionsOf, withdrawnSinceLastRevision } from "../feedback/outcome-feedback.js";
import { prEventsOf, reviewDismissedEventId } from "../feedback/pr-events.js";
import { recordReviewDismissal, recordReviewFeedback, recordReviewWithdrawal, reviewText, type ReviewText } from "../feedback/record-review-feedback.js";

type ReviewDeps = Pick<Deps, "store" | "clock" | "identity" | "logger">;

/**
 * The parked-job reconciliation's part about the fix PR's reviews and review comments (reconcileJob): what
 * their missed webhooks would have said (texts written, edited, emptied; comments deleted; reviews dismissed)
 * is recorded by the handler's own functions, under the same ids. Every read comes before any record: a read
 * failing leaves nothing half done for the next pass. The reasons of whatever was recorded.
 */
export async function reconcileReviews(deps: ReviewDeps, job: Job, gh: GitHubClient, number: number, at: string): Promise<string[]> {
  const reasons: string[] = [];
  const reviews = await gh.listPullReviews(job.repo, number);
  const comments = await gh.listPullReviewComments(job.repo, number);
  const dismissedBy = await whoDismissed(deps, job, gh, number, reviews);
  const deleted = await confirmedDeleted(job, gh, deletedComments(job, comments));
  const texts = [
    // A PENDING review is a draft its author has not submitted (no webhook is sent for it): not feedback yet,
    // and its text may change or be discarded. Its submission is heard then, by webhook or a later pass.
    // A DISMISSED one no longer counts: its dismissal is recorded below instead.
    ...reviews.filter((r) => r.state !== "PENDING" && r.state !== "DISMISSED").map((r) => reviewText("review", r.id, { login: r.author, type: r.authorType }, r.body)),
    ...comments.map((c) => reviewText("review_comment", c.id, { login: c.author, type: c.authorType }, c.body, c.path, c.line)),
  ];
  for (const t of texts) {
    // Its text edited away since it was recorded: withdrawn as the edited webhook withdraws it.
    if (!t.text) {
      if (await recordReviewWithdrawal(deps, job, t, "emptied", undefined, at)) reasons.push(`${t.sourceId.replace(":", " ")} by ${t.author} emptied on PR #${number}`);
      continue;
    }
    // GitHub's text as it is now: an edit whose webhook was missed is recorded as the edited webhook records it.
    if (await recordReviewFeedback(deps, job, t, at, { edited: true })) reasons.push(`${t.sourceId.replace(":", " ")} by ${t.author} on PR #${number}`);
  }
  // A deleted comment is simply not listed any more, and GitHub confirmed it is gone (confirmedDeleted); who
  // deleted it, GitHub does not say.
  for (const t of deleted) {
    if (await recordReviewWithdrawal(deps, job, t, "deleted", undefined, at)) reasons.push(`${t.sourceId.replace(":", " ")} by ${t.author} deleted on PR #${number}`);
  }
  // Reviews are not looked for the same way: "Submitted reviews cannot be deleted" (GitHub's REST description of
  // DELETE /pulls/{n}/reviews/{id}, which deletes only a pending one, never heard of); their text can be emptied (above).
  for (const r of reviews.filter((x) => x.state === "DISMISSED")) {
    const by = dismissedBy.get(r.id);
    // Recorded as the dismissed webhook records it: dismissed by the app, it is the stale-approval rule after the app's push.
    if (!(await recordReviewDismissal(deps, job, { reviewId: r.id, ...(r.author ? { author: r.author } : {}), ...(by ? { by } : {}) }, at))) continue;
    const stale = !!by && deps.identity.logins().has(by.toLowerCase());
    reasons.push(`review ${r.id} dismissed ${stale ? "as stale after the app's push" : by ? `by ${by}` : "(by whom unknown)"} on PR #${number}`);
  }
  return reasons;
}

/**
 * Who dismissed each review (by id), from the PR's timeline: the reviews list says a review is DISMISSED,
 * not by whom, and a stale approval dismissed after the app's push is not the reviewer's retraction
 * (recordReviewDismissal). Read once, and only when a dismissal is not recorded yet. A timeline GitHub refuses
 * (403: permission; 404) leaves the dismissal recorded without it, as before this was read; one that may come
 * back (outage, rate limit) fails the job's pass, which the next pass repeats.
 */
async function whoDismissed(deps: ReviewDeps, job: Job, gh: GitHubClient, number: number, reviews: readonly PullReview[]): Promise<Map<number, string>> {
  const recorded = new Set(prEventsOf(job).map((e) => e.id));
  if (!reviews.some((r) => r.state === "DISMISSED" && !recorded.has(reviewDismissedEventId(r.id)))) return new Map();
  try {
    const events = await gh.listPrTimeline(job.repo, number);
    return new Map(events.flatMap((e) => (e.kind === "review_dismissed" && e.by ? [[e.reviewId, e.by] as const] : [])));
  } catch (raw) {
    const err = toAppError(raw);
    if (err.retryable || isInstallationRefusal(raw)) throw raw;
    const why = `GitHub refused PR #${number}'s timeline (${err.code}); its dismissed reviews are recorded without who dismissed them, so an approval dismissed as stale after the app's push counts as the reviewer's retraction`;
    deps.logger.child({ jobId: job.id, repo: job.repo.fullName, runId: job.run.id }).warn({ err: { code: err.code, message: err.message } }, `reconciling the fix PR: ${why}`);
    return new Map();
  }
}

/**
 * Of the review comments the PR's whole list no longer has, those GitHub says are gone when asked for each
 * (404). A list read page by page can skip one that stands: a comment deleted between two page reads moves
 * the ones after it up onto the page already read. One still there (200) is left as it is; GitHub failing to
 * answer fails the pass, as the other reads do, before anything is recorded.
 */
async function confirmedDeleted(job: Job, gh: GitHubClient, missing: ReviewText[]): Promise<ReviewText[]> {
  const gone: ReviewText[] = [];
  for (const t of missing) {
    if ((await gh.getPullReviewComment(job.repo, Number(t.sourceId.slice("review_comment:".length)))) === null) gone.push(t);
  }
  return gone;
}

const RECORDED_COMMENT = new RegExp(`^${BUILTIN_FEEDBACK.comment}:(review_comment:\\d+)(?::\\d+)?$`);

/**
 * The review comments whose text this job recorded, standing (not withdrawn, not deleted), that `listed` (the
 * PR's whole list of them) no longer has: deleted while their webhooks were lost, unless GitHub still gives
 * them when asked (confirmedDeleted). As withdrawals to record.
 */
function deletedComments(job: Job, listed: readonly PullReviewComment[]): ReviewText[] {
  const present = new Set(listed.map((c) => `review_comment:${c.id}`));
  const deleted = new Set(prEventsOf(job).flatMap((e) => (e.kind === "review_withdrawn" && e.how === "deleted" ? [e.sourceId] : [])));
  const sourceIds = new Set(job.feedback.flatMap((f) => RECORDED_COMMENT.exec(f.id)?.[1] ?? []));
  return [...sourceIds]
    .filter((id) => !present.has(id) && !deleted.has(id) && !withdrawnSinceLastRevision(job.feedback, id))
    .map((sourceId) => ({ sourceId, author: revisionsOf(job.feedback, sourceId)[0]?.tags?.["author"] ?? "unknown", byApp: false, text: "" }));
}
