import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import { prRecordOf } from "../pipeline/stages/open-pull-request-result.js";
import { addFeedback } from "./outbox.js";
import { markedReadyFeedback, proposalIds, type FeedbackSource } from "./outcome-feedback.js";
import { addPrEvent, latestOf, prEventsOf, type PrEvent } from "./pr-events.js";
import { sharedEpisodes } from "./shared-episodes.js";
import { updateParkedJob } from "./update-parked-job.js";

type DraftChange = Extract<PrEvent, { kind: "ready_for_review" | "converted_to_draft" }>;

/**
 * Records a person marking the job's fix PR ready for review, or turning it back into a draft (once per
 * event id), with `pr_marked_ready` feedback on each episode the PR carries (the job's, and those of later
 * jobs whose fix was committed onto it, as for pr_merged), and wakes the job parked on the PR.
 * The value sent is the PR's latest such change by GitHub's time, not the one heard last: a delivery that
 * failed and was redelivered later does not overturn the change that followed it. Whether it was new.
 */
export async function recordDraftChange(deps: Pick<Deps, "store" | "clock">, job: Job, ev: DraftChange, at: string): Promise<boolean> {
  // A person judging the PR judges every fix on it. Those jobs are done (and may be gone past retention)
  // while the PR is open: their items go to this job's outbox, as the merge's do (watch-pr's onClosed).
  const open = prRecordOf(job);
  const shared = open ? await sharedEpisodes(job, deps, open) : [];
  return updateParkedJob(deps, job.id, (j) => {
    if (sameChangeRecorded(j, ev) || !addPrEvent(j, ev)) return false;
    const ids = proposalIds(j);
    const latest = latestOf(prEventsOf(j), "ready_for_review", "converted_to_draft");
    if (!ids || !latest) return true;
    const episodes: Array<{ episodeId: string; source: FeedbackSource }> = [{ episodeId: ids.episodeId, source: j }, ...shared];
    // Decided on the stored outbox, per episode: a value is sent when it changes for that episode, once.
    const items = episodes.flatMap((e) => markedReadyFeedback(e.source, e.episodeId, latest.kind === "ready_for_review", latest.by, j.feedback) ?? []);
    if (items.length) addFeedback(j, items, at);
    return true;
  });
}

/**
 * How far apart GitHub's two stamps of one change may be: the webhook's id is built from the PR's `updated_at`,
 * the timeline's (record-timeline-draft-changes.ts) from its event's `created_at`, written by GitHub a moment
 * apart. Two changes of one kind by one person must have the other kind between them, seconds at least.
 */
const SAME_CHANGE_MS = 10_000;

/** `ev` is a change already recorded under the other source's id: same kind, same person, the same moment. */
function sameChangeRecorded(job: Job, ev: DraftChange): boolean {
  const t = ev.ghAt ? Date.parse(ev.ghAt) : NaN;
  if (Number.isNaN(t)) return false;
  return prEventsOf(job).some(
    (e) => e.kind === ev.kind && e.id !== ev.id && (e.by ?? "").toLowerCase() === (ev.by ?? "").toLowerCase() && !!e.ghAt && Math.abs(Date.parse(e.ghAt) - t) <= SAME_CHANGE_MS,
  );
}
