import { BUILTIN_FEEDBACK } from "../adapters/tensorzero/metric-names.js";
import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import type { GitHubClient, PrTimelineEvent, PullReview, PullReviewComment } from "../core/ports/github-port.js";
import { revisionsOf, withdrawnSinceLastRevision } from "../feedback/outcome-feedback.js";
import { prEventsOf, reviewDismissedEventId } from "../feedback/pr-events.js";
import { recordReviewDismissal, recordReviewFeedback, recordReviewWithdrawal, reviewText, type ReviewText } from "../feedback/record-review-feedback.js";
import { readPrTimeline } from "./read-pr-timeline.js";
import { recordDraftChangesFrom } from "./record-timeline-draft-changes.js";

type ReviewDeps = Pick<Deps, "store" | "clock" | "identity" | "logger">;

/**
 * The parked-job reconciliation's part about people's verdicts on the fix PR (reconcileJob): its reviews and
 * review comments, and its draft state. What their missed webhooks would have said (texts written, edited,
 * emptied; comments deleted; reviews dismissed; the PR marked ready or turned back into a draft) is recorded by
 * the handler's own functions, under the same ids. Every read comes before any record: a read failing leaves
 * nothing half done for the next pass. The reasons of whatever was recorded.
 */
export async function reconcileReviews(deps: ReviewDeps, job: Job, gh: GitHubClient, number: number, at: string): Promise<string[]> {
  const reasons: string[] = [];
  const reviews = await gh.listPullReviews(job.repo, number);
  const comments = await gh.listPullReviewComments(job.repo, number);
  const timeline = await timelineOf(deps, job, gh, number, reviews);
  const dismissedBy = new Map(timeline.flatMap((e) => (e.kind === "review_dismissed" && e.by ? [[e.reviewId, e.by] as const] : [])));
  const deleted = await confirmedDeleted(job, gh, deletedComments(job, comments));
  const texts = [
    // A PENDING review is a draft its author has not submitted (no webhook is sent for it): not feedback yet,
    // and its text may change or be discarded. Its submission is heard then, by webhook or a later pass.
    // A DISMISSED one no longer counts: its dismissal is recorded below instead.
    ...reviews.filter((r) => r.state !== "PENDING" && r.state !== "DISMISSED").map((r) => reviewText("review", r.id, { login: r.author, type: r.authorType }, r.body, undefined, undefined, r.commitId)),
    ...comments.map((c) => reviewText("review_comment", c.id, { login: c.author, type: c.authorType }, c.body, c.path, c.line, c.commitId)),
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
  // Made ready, or a draft again, by a person whose webhook was lost, and CI not passing again since (watch-pr
  // reads the timeline before it marks the PR ready): their pr_marked_ready would be lost with it.
  for (const e of await recordDraftChangesFrom(deps, job, number, timeline, at)) {
    reasons.push(`PR #${number} ${e.kind === "ready_for_review" ? "marked ready for review" : "converted to draft"}${e.by ? ` by ${e.by}` : ""}`);
  }
  return reasons;
}

/**
 * The PR's timeline, read once a pass and used twice. Who dismissed each review: the reviews list says a review
 * is DISMISSED, not by whom, and a stale approval dismissed after the app's push is not the reviewer's
 * retraction (recordReviewDismissal). And people's draft changes whose webhooks were lost. Read on every pass
 * of a job with a proposal, not only when a dismissal is unrecorded: a lost draft change leaves no trace in what
 * the pass reads otherwise (the PR's `draft` flag is as the app left it after a person marked it ready and then
 * back), and one more request per job a pass (a job is asked about once per RECONCILE_PARKED_HOURS, at most 20
 * an hour) is little. Also on a PR the pass finds closed: that pass is the job's last. A timeline GitHub refuses
 * (403: permission; 404) is logged and taken as empty: a dismissal is recorded without who dismissed it, as
 * before the timeline was read, and draft changes are not checked. One that may come back (outage, rate limit)
 * fails the job's pass, which the next pass repeats.
 */
async function timelineOf(deps: ReviewDeps, job: Job, gh: GitHubClient, number: number, reviews: readonly PullReview[]): Promise<readonly PrTimelineEvent[]> {
  const read = await readPrTimeline(gh, job.repo, number);
  if ("events" in read) return read.events;
  const err = read.refused;
  const recorded = new Set(prEventsOf(job).map((e) => e.id));
  const dismissals = reviews.some((r) => r.state === "DISMISSED" && !recorded.has(reviewDismissedEventId(r.id)));
  const why = [
    `GitHub refused PR #${number}'s timeline (${err.code})`,
    ...(dismissals ? ["its dismissed reviews are recorded without who dismissed them, so an approval dismissed as stale after the app's push counts as the reviewer's retraction"] : []),
    "people's draft changes whose webhooks were lost are not checked",
  ].join("; ");
  deps.logger.child({ jobId: job.id, repo: job.repo.fullName, runId: job.run.id }).warn({ err: { code: err.code, message: err.message } }, `reconciling the fix PR: ${why}`);
  return [];
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
