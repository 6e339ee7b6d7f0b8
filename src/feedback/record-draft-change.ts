import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import { addFeedback } from "./outbox.js";
import { markedReadyFeedback, proposalIds } from "./outcome-feedback.js";
import { addPrEvent, latestOf, prEventsOf, type PrEvent } from "./pr-events.js";
import { updateParkedJob } from "./update-parked-job.js";

type DraftChange = Extract<PrEvent, { kind: "ready_for_review" | "converted_to_draft" }>;

/**
 * Records a person marking the job's fix PR ready for review, or turning it back into a draft (once per
 * event id), with `pr_marked_ready` feedback on the job's episode, and wakes the job parked on the PR.
 * The value sent is the PR's latest such change by GitHub's time, not the one heard last: a delivery that
 * failed and was redelivered later does not overturn the change that followed it. Whether it was new.
 */
export async function recordDraftChange(deps: Pick<Deps, "store" | "clock">, job: Job, ev: DraftChange, at: string): Promise<boolean> {
  return updateParkedJob(deps, job.id, (j) => {
    if (!addPrEvent(j, ev)) return false;
    const ids = proposalIds(j);
    const latest = latestOf(prEventsOf(j), "ready_for_review", "converted_to_draft");
    const item = ids && latest && markedReadyFeedback(j, ids.episodeId, latest.kind === "ready_for_review", latest.by, j.feedback);
    if (item) addFeedback(j, [item], at);
    return true;
  });
}
