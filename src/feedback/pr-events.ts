import type { Job } from "../core/job.js";

/** Outside events about the fix PR, recorded on the job by webhook handlers, consumed by watch-pr. */
export type PrEvent =
  | { id: string; kind: "ci"; runId: number; /** The run's attempt when it is a re-run (absent: 1). */ attempt?: number; conclusion: string; headSha: string; url?: string; at: string }
  | { id: string; kind: "closed"; merged: boolean; headSha: string; by?: string; at: string; /** GitHub's closed_at. */ ghAt?: string }
  | { id: string; kind: "reopened"; by?: string; at: string; /** GitHub's updated_at at the reopening. */ ghAt?: string }
  /** A person marked the draft fix PR ready for review, or turned it back into a draft (the app's own changes are not recorded). */
  | { id: string; kind: "ready_for_review" | "converted_to_draft"; by?: string; at: string; /** GitHub's updated_at then. */ ghAt?: string }
  /**
   * A review of the fix PR dismissed: by a maintainer, its comment feedback no longer stands; `stale`, by GitHub
   * when the app pushed a commit onto the PR (branch protection's stale-approval rule): no one's verdict changed.
   */
  | { id: string; kind: "review_dismissed"; reviewId: number; /** The reviewer. */ author?: string; /** Who dismissed it. */ by?: string; stale?: true; at: string }
  /** A review comment deleted, or a review's (a comment's) text edited away: what it said no longer stands. */
  | { id: string; kind: "review_withdrawn"; /** `review:<id>` or `review_comment:<id>`. */ sourceId: string; how: "deleted" | "emptied"; /** The reviewer. */ author?: string; /** Who deleted or emptied it. */ by?: string; at: string };

export const PR_EVENTS = "pr-events";
export const WATCH_PR = "watch-pr";
export const SEND_FEEDBACK = "send-feedback";
/** What a job parked with its fix PR open waits for. */
export const PR_OUTCOME = "pr_outcome";

export const prEventsOf = (job: Job): PrEvent[] => (job.results[PR_EVENTS] as PrEvent[] | undefined) ?? [];

/**
 * Id of a close (or merge) of PR `number`. A PR can be closed, reopened and closed again: each close is an
 * event of its own, told apart by GitHub's `closed_at` (the same in a redelivery of the same close). A
 * payload without it (GitHub always sends it) keeps the id every close had before: one close per PR.
 */
export const closedEventId = (number: number, closedAt: string | null | undefined): string => `closed:${number}${closedAt ? `:${closedAt}` : ""}`;

/** Id of a reopening of PR `number`: GitHub's `updated_at` (the reopening), else the delivery's GUID. */
export const reopenedEventId = (number: number, updatedAt: string | null | undefined, deliveryId: string): string => `reopened:${number}:${updatedAt || deliveryId}`;

/**
 * Id of PR `number` marked ready for review, or turned back into a draft: each is an event of its own (a PR
 * can go back and forth), told apart by GitHub's `updated_at` (the same in a redelivery), else the delivery's GUID.
 */
export const draftChangeEventId = (kind: "ready_for_review" | "converted_to_draft", number: number, updatedAt: string | null | undefined, deliveryId: string): string => `${kind}:${number}:${updatedAt || deliveryId}`;

/**
 * Id of the dismissal of review `reviewId`. GitHub dismisses a review once (a dismissed review cannot be
 * dismissed again, nor un-dismissed), so the review id and the action name it. No time in it: the parked-job
 * reconciliation, which finds the review DISMISSED in GitHub's list (no dismissal time there), records the
 * same dismissal under the same id, so whichever of it and the webhook comes second is a duplicate.
 */
export const reviewDismissedEventId = (reviewId: number): string => `review_dismissed:${reviewId}`;

/**
 * Id of the withdrawal of a review's (or review comment's) text `sourceId`. A deleted comment is gone for good:
 * its id names it. A text edited away can be written again and emptied again: each emptying is told apart by
 * how many of its texts were recorded before it (the same in a redelivery, which comes before any new text).
 */
export const reviewWithdrawnEventId = (sourceId: string, how: "deleted" | "emptied", revisions: number): string => `review_withdrawn:${sourceId}${how === "deleted" ? "" : `:emptied:${revisions}`}`;

/**
 * The latest of `events` whose kind is one of `kinds`. Latest by GitHub's time (when it was received, for
 * events recorded without it), not by arrival: a delivery that failed and was redelivered later comes after
 * the events that followed it. Same time: the later recorded.
 */
export function latestOf<K extends PrEvent["kind"]>(events: readonly PrEvent[], ...kinds: K[]): Extract<PrEvent, { kind: K }> | undefined {
  let last: Extract<PrEvent, { kind: K }> | undefined;
  for (const e of events) {
    if (!kinds.includes(e.kind as K)) continue;
    if (!last || timeOf(e) >= timeOf(last)) last = e as Extract<PrEvent, { kind: K }>;
  }
  return last;
}

const timeOf = (e: PrEvent): number => Date.parse(("ghAt" in e && e.ghAt) || e.at);

/** The PR's latest close or reopening among `events`: a close there means the PR is closed. */
export const lastOpenOrClose = (events: readonly PrEvent[]) => latestOf(events, "closed", "reopened");

/**
 * Appends an event (once per id) and makes watch-pr due again, so the resumed job handles it. Store-only:
 * safe in a webhook handler.
 */
export function addPrEvent(job: Job, ev: PrEvent): boolean {
  const events = prEventsOf(job);
  if (events.some((e) => e.id === ev.id)) return false;
  job.results[PR_EVENTS] = [...events, ev];
  job.completedStages = job.completedStages.filter((s) => s !== WATCH_PR);
  return true;
}
