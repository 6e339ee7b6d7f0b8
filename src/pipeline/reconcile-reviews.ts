import { BUILTIN_FEEDBACK } from "../adapters/tensorzero/metric-names.js";
import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import type { GitHubClient, PullReviewComment } from "../core/ports/github-port.js";
import { revisionsOf, withdrawnSinceLastRevision } from "../feedback/outcome-feedback.js";
import { prEventsOf } from "../feedback/pr-events.js";
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
  // A deleted comment is simply not listed any more. Only the list as a whole (every page read, or the call
  // above threw) tells it apart from one not listed; who deleted it, GitHub's list does not say.
  for (const t of deletedComments(job, comments)) {
    if (await recordReviewWithdrawal(deps, job, t, "deleted", undefined, at)) reasons.push(`${t.sourceId.replace(":", " ")} by ${t.author} deleted on PR #${number}`);
  }
  // Reviews are not looked for the same way: "Submitted reviews cannot be deleted" (GitHub's REST description of
  // DELETE /pulls/{n}/reviews/{id}, which deletes only a pending one, never heard of); their text can be emptied (above).
  // The list does not say who dismissed a review: the dismissal is recorded without it.
  for (const r of reviews.filter((x) => x.state === "DISMISSED")) {
    if (await recordReviewDismissal(deps, job, { reviewId: r.id, ...(r.author ? { author: r.author } : {}) }, at)) reasons.push(`review ${r.id} dismissed on PR #${number}`);
  }
  return reasons;
}

const RECORDED_COMMENT = new RegExp(`^${BUILTIN_FEEDBACK.comment}:(review_comment:\\d+)(?::\\d+)?$`);

/**
 * The review comments whose text this job recorded, standing (not withdrawn, not deleted), that `listed` (the
 * PR's whole list of them) no longer has: deleted while their webhooks were lost. As withdrawals to record.
 */
function deletedComments(job: Job, listed: readonly PullReviewComment[]): ReviewText[] {
  const present = new Set(listed.map((c) => `review_comment:${c.id}`));
  const deleted = new Set(prEventsOf(job).flatMap((e) => (e.kind === "review_withdrawn" && e.how === "deleted" ? [e.sourceId] : [])));
  const sourceIds = new Set(job.feedback.flatMap((f) => RECORDED_COMMENT.exec(f.id)?.[1] ?? []));
  return [...sourceIds]
    .filter((id) => !present.has(id) && !deleted.has(id) && !withdrawnSinceLastRevision(job.feedback, id))
    .map((sourceId) => ({ sourceId, author: revisionsOf(job.feedback, sourceId)[0]?.tags?.["author"] ?? "unknown", byApp: false, text: "" }));
}
