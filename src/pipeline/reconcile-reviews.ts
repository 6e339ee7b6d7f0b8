import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import type { GitHubClient } from "../core/ports/github-port.js";
import { recordReviewDismissal, recordReviewFeedback, recordReviewWithdrawal, reviewText } from "../feedback/record-review-feedback.js";

type ReviewDeps = Pick<Deps, "store" | "clock" | "identity" | "logger">;

/**
 * The parked-job reconciliation's part about the fix PR's reviews and review comments (reconcileJob): what
 * their missed webhooks would have said (texts written, edited, emptied; reviews dismissed) is recorded by
 * the handler's own functions, under the same ids. The reasons of whatever was recorded.
 */
export async function reconcileReviews(deps: ReviewDeps, job: Job, gh: GitHubClient, number: number, at: string): Promise<string[]> {
  const reasons: string[] = [];
  const reviews = await gh.listPullReviews(job.repo, number);
  const texts = [
    // A PENDING review is a draft its author has not submitted (no webhook is sent for it): not feedback yet,
    // and its text may change or be discarded. Its submission is heard then, by webhook or a later pass.
    // A DISMISSED one no longer counts: its dismissal is recorded below instead.
    ...reviews.filter((r) => r.state !== "PENDING" && r.state !== "DISMISSED").map((r) => reviewText("review", r.id, { login: r.author, type: r.authorType }, r.body)),
    ...(await gh.listPullReviewComments(job.repo, number)).map((c) => reviewText("review_comment", c.id, { login: c.author, type: c.authorType }, c.body, c.path, c.line)),
  ];
  for (const t of texts) {
    // Its text edited away since it was recorded: withdrawn as the edited webhook withdraws it. (A deleted
    // comment is not in the list at all, and is not told apart from one never listed.)
    if (!t.text) {
      if (await recordReviewWithdrawal(deps, job, t, "emptied", undefined, at)) reasons.push(`${t.sourceId.replace(":", " ")} by ${t.author} emptied on PR #${number}`);
      continue;
    }
    // GitHub's text as it is now: an edit whose webhook was missed is recorded as the edited webhook records it.
    if (await recordReviewFeedback(deps, job, t, at, { edited: true })) reasons.push(`${t.sourceId.replace(":", " ")} by ${t.author} on PR #${number}`);
  }
  // The list does not say who dismissed a review: the dismissal is recorded without it.
  for (const r of reviews.filter((x) => x.state === "DISMISSED")) {
    if (await recordReviewDismissal(deps, job, { reviewId: r.id, ...(r.author ? { author: r.author } : {}) }, at)) reasons.push(`review ${r.id} dismissed on PR #${number}`);
  }
  return reasons;
}
