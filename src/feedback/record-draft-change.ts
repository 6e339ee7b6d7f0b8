import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import { addFeedback } from "./outbox.js";
import { markedReadyFeedback, proposalIds } from "./outcome-feedback.js";
import { addPrEvent, prEventsOf, type PrEvent } from "./pr-events.js";
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
    const latest = latestDraftChange(prEventsOf(j));
    const item = ids && latest && markedReadyFeedback(j, ids.episodeId, latest.kind === "ready_for_review", latest.by, j.feedback);
    if (item) addFeedback(j, [item], at);
    return true;
  });
}

/** Latest by GitHub's time (when received, for one without it); the same time: the later recorded. */
function latestDraftChange(events: readonly PrEvent[]): DraftChange | undefined {
  let last: DraftChange | undefined;
  for (const e of events) {
    if (e.kind !== "ready_for_review" && e.kind !== "converted_to_draft") continue;
    if (!last || Date.parse(e.ghAt ?? e.at) >= Date.parse(last.ghAt ?? last.at)) last = e;
  }
  return last;
}
