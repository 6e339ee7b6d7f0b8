import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import { addFeedback } from "./outbox.js";
import { proposalIds, reviewCommentFeedback } from "./outcome-feedback.js";
import { updateParkedJob } from "./update-parked-job.js";

/** A review (`review:<id>`) or review comment (`review_comment:<id>`) on the job's fix PR. */
export interface ReviewText {
  sourceId: string;
  author: string;
  /** Written by an app (GitHub's `user.type` `Bot`): this one, or another (Copilot's review, a linter's). */
  byApp: boolean;
  text: string;
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
export function reviewText(kind: "review" | "review_comment", id: number, author: ReviewAuthor | null | undefined, body: string | null | undefined, path?: string, line?: number | null): ReviewText {
  const text = body?.trim() ?? "";
  return { sourceId: `${kind}:${id}`, author: author?.login ?? "unknown", byApp: author?.type === "Bot", text: text && `${text}${path ? ` (on ${path}${line ? `:${line}` : ""})` : ""}` };
}

/**
 * Records a person's review text as `comment` feedback of the job's episode and wakes the job parked on its
 * PR. Shared by the pull_request_review(_comment) handler and the parked-job reconciliation
 * (pipeline/reconcile-parked.ts), which lists the reviews whose webhooks never came: the same feedback id,
 * so whichever comes second is a duplicate. Undefined when there is nothing to record (no text, an app's
 * review, this one's or another's, a job without a proposal's episode to send it to); otherwise whether it
 * was new.
 */
export async function recordReviewFeedback(deps: Pick<Deps, "store" | "clock" | "identity">, job: Job, r: ReviewText, at: string): Promise<boolean | undefined> {
  const ids = proposalIds(job);
  // Apps review every PR (Copilot, linters posting as github-actions): theirs is not a person's judgement of the fix.
  if (!r.text || !ids || r.byApp || deps.identity.logins().has(r.author.toLowerCase())) return undefined;
  const item = reviewCommentFeedback(job, ids.episodeId, r.sourceId, r.author, r.text);
  return updateParkedJob(deps, job.id, (j) => addFeedback(j, [item], at) > 0);
}
