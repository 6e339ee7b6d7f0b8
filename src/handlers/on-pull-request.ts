import { z } from "zod";
import { AppError } from "../core/errors.js";
import { jobKey, type Job } from "../core/job.js";
import { followRepoRename } from "../feedback/follow-repo-rename.js";
import { draftChangeEventId, reopenedEventId } from "../feedback/pr-events.js";
import { recordDraftChange } from "../feedback/record-draft-change.js";
import { recordPrClose } from "../feedback/record-pr-close.js";
import { recordReopen, type ReopenOutcome } from "../feedback/record-reopen.js";
import { recordReviewDismissal, recordReviewFeedback, recordReviewWithdrawal, reviewText } from "../feedback/record-review-feedback.js";
import { updateParkedJob as update } from "../feedback/update-parked-job.js";
import { runIdOfFixBranch } from "../pr/branch-name.js";
import { prRecordOf } from "../pipeline/stages/open-pull-request-result.js";
import type { DeliveryMeta, Handler, HandlerDeps, IntakeDecision } from "./decision.js";
import { parsePayload, pullRequestEventSchema, type PullRequestEvent } from "./payload-schemas.js";

const author = z.object({ login: z.string(), type: z.string().optional() });

/** The extra fields read here (loosely: a missing one only means less feedback). */
const extras = z.object({
  pull_request: z.object({ merged_by: z.object({ login: z.string() }).nullish(), closed_at: z.string().nullish(), updated_at: z.string().nullish(), head: z.object({ sha: z.string().optional() }) }).passthrough(),
  sender: z.object({ login: z.string(), type: z.string().optional() }).nullish(),
  review: z.object({ id: z.number(), body: z.string().nullish(), user: author.nullish(), commit_id: z.string().nullish() }).passthrough().optional(),
  comment: z.object({ id: z.number(), body: z.string().nullish(), path: z.string().optional(), line: z.number().nullish(), user: author.nullish(), original_commit_id: z.string().nullish() }).passthrough().optional(),
}).passthrough();

/**
 * `pull_request`, `pull_request_review` and `pull_request_review_comment` on a fix PR: the outcome is
 * recorded on the job (PR event for watch-pr, or `comment` feedback in its outbox) and the parked job is
 * resumed after the delivery is recorded. Store-only: no GitHub or model call on the webhook path.
 */
export const onPullRequest: Handler = async (payload, meta, deps) => {
  const p = parsePayload(pullRequestEventSchema, payload, meta.event);
  const x = extras.safeParse(payload);
  const pr = p.pull_request;
  const what = p.review ? `review ${p.review.state}` : pr.merged ? "merged" : (p.action ?? "");
  const base = { repoFullName: p.repository.full_name, installationId: p.installation?.id };
  const reasonOf = (reason: string) => `${meta.event}.${p.action} on #${pr.number} (${pr.head.ref}, ${what}): ${reason}`;
  const routed = (reason: string, resumeJobId?: string): IntakeDecision => ({ ...base, outcome: "event_routed", reason: reasonOf(reason), ...(resumeJobId ? { resumeJobId } : {}) });
  // Every PR of every installed repository sends these: one no job of this app owns is not routed anywhere.
  const ignored = (reason: string): IntakeDecision => ({ ...base, outcome: "ignored", reason: reasonOf(reason) });

  const runId = runIdOfFixBranch(pr.head.ref);
  if (runId === undefined) return ignored("not a fix branch of this app");
  const job = await deps.store.findJobByKey(jobKey(p.repository.id, runId));
  const open = job && prRecordOf(job);
  // A dry run's result describes the PR it would have opened: there is none to own this one.
  if (!job || !open?.pr) return ignored(`no job opened a PR for run ${runId}`);
  if (open.pr.number !== pr.number) return ignored(`job ${job.id} owns PR #${open.pr.number}, not this one`);

  try {
    return await record(job, p, x.success ? x.data : undefined, meta, deps, routed);
  } catch (err) {
    // The lowdb store keeps a job past its retention read-only in its archive (Redis deletes it, and then no
    // job is found above): the event cannot be recorded, which answering 500 would not change.
    if (err instanceof AppError && err.code === "job_archived") {
      return routed(`job ${job.id} is archived (untouched for RETENTION_DAYS=${deps.config.RETENTION_DAYS} days) and read-only: this event is not recorded (a reopened PR is not watched again); follow the PR by hand, or keep jobs longer with a higher RETENTION_DAYS`);
    }
    throw err;
  }
};

type Routed = (reason: string, resumeJobId?: string) => IntakeDecision;

/** Records the event on the job that owns the PR. */
async function record(job: Job, p: PullRequestEvent, extra: z.infer<typeof extras> | undefined, meta: DeliveryMeta, deps: HandlerDeps, routed: Routed): Promise<IntakeDecision> {
  const pr = p.pull_request;
  const at = meta.receivedAt;
  if (job.repo.fullName !== p.repository.full_name) await deps.store.updateJob(job.id, (j) => void followRepoRename(j, p.repository.full_name));

  if (meta.event === "pull_request" && p.action === "closed") {
    const merged = !!pr.merged;
    const close = { number: pr.number, merged, closedAt: extra?.pull_request.closed_at, headSha: extra?.pull_request.head.sha ?? pr.head.sha ?? "", by: extra?.pull_request.merged_by?.login };
    const changed = await recordPrClose(deps, job.id, close, at, p.installation?.id);
    return routed(changed ? `recorded ${merged ? "merge" : "close"} for job ${job.id}` : "already recorded", changed ? job.id : undefined);
  }

  if (meta.event === "pull_request" && p.action === "reopened") {
    const by = extra?.sender?.login;
    const updatedAt = extra?.pull_request.updated_at;
    const ev = { id: reopenedEventId(pr.number, updatedAt, meta.id), kind: "reopened" as const, ...(by ? { by } : {}), at, ...(updatedAt ? { ghAt: updatedAt } : {}) };
    let outcome: ReopenOutcome = { kind: "duplicate" };
    // A job still watching (or sending the close's feedback) is woken like for any PR event; one that had
    // completed is parked again, as after open-pull-request, and waits for the PR's next event.
    await update(deps, job.id, (j) => (outcome = recordReopen(j, ev, pr.number, p.installation?.id)).kind === "recorded");
    const o = outcome as ReopenOutcome;
    if (o.kind === "recorded") return routed(`recorded for job ${job.id}, which keeps watching the PR`, job.id);
    if (o.kind === "reopened") return routed(`job ${job.id} is watching it again (back in pr, waiting for the PR's outcome)`);
    return routed(o.kind === "duplicate" ? "already recorded" : `${o.why}; not reopened`);
  }

  if (meta.event === "pull_request" && (p.action === "ready_for_review" || p.action === "converted_to_draft")) {
    const by = extra?.sender?.login;
    // watch-pr marks the PR ready itself when CI passes: GitHub tells of that too, and it is no one's verdict.
    if (by && deps.identity.logins().has(by.toLowerCase())) return routed("the app's own change: nothing to record");
    // Other apps (a merge bot, a workflow's GITHUB_TOKEN) change drafts by rule, as they review every PR: not a person's verdict on the fix.
    if (extra?.sender?.type === "Bot") return routed(`an app's change (${by}), not a person's verdict: nothing to record`);
    const updatedAt = extra?.pull_request.updated_at;
    const ev = { id: draftChangeEventId(p.action, pr.number, updatedAt, meta.id), kind: p.action, ...(by ? { by } : {}), at, ...(updatedAt ? { ghAt: updatedAt } : {}) } as const;
    const changed = await recordDraftChange(deps, job, ev, at);
    return routed(changed ? `recorded for job ${job.id}` : "already recorded", changed ? job.id : undefined);
  }

  const review = meta.event === "pull_request_review" ? extra?.review : undefined;
  if (review && p.action === "dismissed") {
    const changed = await recordReviewDismissal(deps, job, { reviewId: review.id, author: review.user?.login, by: extra?.sender?.login }, at);
    const stale = changed && deps.identity.logins().has((extra?.sender?.login ?? "").toLowerCase());
    if (stale) return routed(`dismissal recorded for job ${job.id}: GitHub dismissed the review as stale after the app's push; the reviewer's feedback stands`, job.id);
    return routed(changed ? `dismissal recorded for job ${job.id}: the review no longer counts` : "already recorded", changed ? job.id : undefined);
  }
  const comment = meta.event === "pull_request_review_comment" ? extra?.comment : undefined;
  const said = review ? reviewText("review", review.id, review.user, review.body, undefined, undefined, review.commit_id) : comment && reviewText("review_comment", comment.id, comment.user, comment.body, comment.path, comment.line, comment.original_commit_id);
  // A person deleted the comment, or edited its (the review's) text away: what it said is withdrawn, not fed back.
  const how = comment && p.action === "deleted" ? "deleted" : said && !said.text && p.action === "edited" ? "emptied" : undefined;
  if (said && how) {
    const changed = await recordReviewWithdrawal(deps, job, said, how, extra?.sender?.login, at);
    if (changed !== undefined) return routed(changed ? `${how === "deleted" ? "deletion" : "emptied text"} recorded for job ${job.id}: what it said no longer stands` : "already recorded", changed ? job.id : undefined);
    return routed("nothing to record");
  }
  if (said?.text) {
    const changed = await recordReviewFeedback(deps, job, said, at, { edited: p.action === "edited" });
    if (changed !== undefined) return routed(changed ? `review text recorded as comment feedback for job ${job.id}` : "already recorded", changed ? job.id : undefined);
  }
  return routed("nothing to record");
}
