import type { Deps } from "../core/deps.js";
import type { PullRequestRef } from "../core/ports/github-port.js";
import { addPrEvent, closedEventId, lastOpenOrClose, prEventsOf, type PrEvent } from "./pr-events.js";
import { watchAgain } from "./record-reopen.js";
import { updateParkedJob } from "./update-parked-job.js";

export interface PrClose {
  number: number;
  merged: boolean;
  /** GitHub's `closed_at`: the same in every delivery of this close, and in the PR as GitHub reads it later. */
  closedAt?: string | null;
  headSha: string;
  by?: string;
}

/** The close of `pr` as GitHub reads it now (closed): the webhook's fields, from the PR itself. */
export const prCloseOf = (pr: PullRequestRef): PrClose => ({ number: pr.number, merged: pr.merged, closedAt: pr.closedAt, headSha: pr.headSha, by: pr.mergedBy });

/**
 * Records a close or merge of the job's fix PR (once per close) and wakes the job parked on it. Shared by
 * the pull_request handler, the parked-job reconciliation (pipeline/reconcile-parked.ts) and
 * open-pull-request, which read the PR from GitHub when the webhook never came: the same event id, so
 * whichever comes second is a duplicate.
 */
export async function recordPrClose(deps: Pick<Deps, "store" | "clock">, jobId: string, c: PrClose, at: string, installationId?: number): Promise<boolean> {
  const ev: PrEvent = { id: closedEventId(c.number, c.closedAt), kind: "closed", merged: c.merged, headSha: c.headSha, by: c.by, at, ...(c.closedAt ? { ghAt: c.closedAt } : {}) };
  return updateParkedJob(deps, jobId, (j) => {
    const before = lastOpenOrClose(prEventsOf(j));
    if (!addPrEvent(j, ev)) return false;
    // A merge after the close the job completed with: the PR was reopened in between, and that reopening was
    // not heard (GitHub delivered it after this, or it was lost). The merge is the outcome: sent as such.
    const mergedSince = c.merged && before?.kind === "closed" && !before.merged && lastOpenOrClose(prEventsOf(j)) === ev;
    if (j.state === "completed" && mergedSince) watchAgain(j, at, `PR #${c.number} merged${c.by ? ` by ${c.by}` : ""} after being reopened: its outcome is sent again`, installationId);
    return true;
  });
}
