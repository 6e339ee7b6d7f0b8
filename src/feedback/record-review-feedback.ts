import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import { addFeedback } from "./outbox.js";
import { proposalIds, reviewCommentFeedback } from "./outcome-feedback.js";
import { updateParkedJob } from "./update-parked-job.js";

/** A person's review (`review:<id>`) or review comment (`review_comment:<id>`) on the job's fix PR. */
export interface ReviewText {
  sourceId: string;
  author: string;
  text: string;
}

/**
 * A person's review or review comment as recorded, from the webhook or from GitHub's list: the id both use
 * (so whichever comes second is a duplicate), and the text with, for a comment, where in the diff it is.
 * A blank body is no text, wherever the comment sits.
 */
export function reviewText(kind: "review" | "review_comment", id: number, author: string | null | undefined, body: string | null | undefined, path?: string, line?: number | null): ReviewText {
  const text = body?.trim() ?? "";
  return { sourceId: `${kind}:${id}`, author: author ?? "unknown", text: text && `${text}${path ? ` (on ${path}${line ? `:${line}` : ""})` : ""}` };
}

/**
 * Records a review's text as `comment` feedback of the job's episode and wakes the job parked on its PR.
 * Shared by the pull_request_review(_comment) handler and the parked-job reconciliation
 * (pipeline/reconcile-parked.ts), which lists the reviews whose webhooks never came: the same feedback id,
 * so whichever comes second is a duplicate. Undefined when there is nothing to record (no text, the bot's
 * own review, a job without a proposal's episode to send it to); otherwise whether it was new.
 */
export async function recordReviewFeedback(deps: Pick<Deps, "store" | "clock" | "identity">, job: Job, r: ReviewText, at: string): Promise<boolean | undefined> {
  const ids = proposalIds(job);
  if (!r.text || !ids || deps.identity.logins().has(r.author.toLowerCase())) return undefined;
  const item = reviewCommentFeedback(job, ids.episodeId, r.sourceId, r.author, r.text);
  return updateParkedJob(deps, job.id, (j) => addFeedback(j, [item], at) > 0);
}
