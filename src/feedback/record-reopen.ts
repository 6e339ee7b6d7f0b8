import { reactivate, transition, type Job } from "../core/job.js";
import { prRecordOf } from "../pipeline/stages/open-pull-request-result.js";
import { addPrEvent, lastOpenOrClose, prEventsOf, PR_OUTCOME, SEND_FEEDBACK, WATCH_PR, type PrEvent } from "./pr-events.js";

export type ReopenOutcome =
  /** Recorded on a job still watching or finishing the PR: it is to be woken, and watch-pr takes it in order. */
  | { kind: "recorded" }
  /** The job had ended with the close: it is back in `pr`, parked for the PR's outcome, watch-pr due. */
  | { kind: "reopened" }
  | { kind: "duplicate" }
  /** Left as it is, and why (for the delivery record). */
  | { kind: "ended"; why: string };

/**
 * A fix PR reopened: records the event on its job and, when the job had completed with that PR closed
 * without merging, brings it back to watch the PR (CI on it, its next close or merge) as an operator's retry
 * brings a failed job back (`reactivate`), under `installationId`, the installation the reopening was
 * delivered to. Decided on `job`, the copy inside the store's write. A job that failed, or whose PR was
 * merged, is not touched. Store-only: safe in a webhook handler.
 */
export function recordReopen(job: Job, ev: Extract<PrEvent, { kind: "reopened" }>, prNumber: number, installationId?: number): ReopenOutcome {
  const events = prEventsOf(job);
  if (events.some((e) => e.id === ev.id)) return { kind: "duplicate" };
  if (job.state === "failed") {
    return { kind: "ended", why: `job ${job.id} failed (${job.error?.code ?? "no error recorded"}) and stays so; \`t0-ci-bot jobs retry ${job.id}\` runs it again` };
  }
  const last = lastOpenOrClose(events);
  // GitHub cannot reopen a merged PR: the merge is the outcome.
  if (last?.kind === "closed" && last.merged) return { kind: "ended", why: `job ${job.id} already recorded PR #${prNumber} as merged` };
  if (job.state === "completed" && last?.kind !== "closed") return { kind: "ended", why: completedOpen(job, prNumber) };
  // A reopening redelivered after the close that followed it: that close is the PR's state.
  if (job.state === "completed" && lastOpenOrClose([...events, ev]) !== ev) return { kind: "ended", why: `PR #${prNumber} was closed again after this reopening, and job ${job.id} recorded that close` };
  addPrEvent(job, ev);
  const note = `PR #${prNumber} reopened${ev.by ? ` by ${ev.by}` : ""}: watching it again`;
  if (job.state === "completed") {
    watchAgain(job, ev.at, note, installationId);
    return { kind: "reopened" };
  }
  // Sending the close's feedback: the PR is open again, so the job goes back to watching it.
  if (job.state === "feedback") {
    transition(job, "pr", ev.at, { stage: WATCH_PR, note });
    job.stage = WATCH_PR;
  }
  return { kind: "recorded" };
}

/**
 * Brings a job that completed with its PR closed back to `pr`, parked for the PR's outcome, watch-pr due:
 * the PR is open again (reopened), or was (merged after a reopening the app did not hear of).
 */
export function watchAgain(job: Job, at: string, note: string, installationId?: number): void {
  reactivate(job, "pr", at, { stage: WATCH_PR, note });
  job.stage = WATCH_PR;
  // A completed job is neither stopped by an uninstall nor handed over when the app is installed again
  // (on-installation): it may name an installation whose token GitHub now refuses. The delivery's is the one.
  if (installationId !== undefined) job.installationId = installationId;
  // Its outcome is not known any more: send-feedback runs again after the next close or merge.
  job.completedStages = job.completedStages.filter((s) => s !== WATCH_PR && s !== SEND_FEEDBACK);
  job.waitingFor = PR_OUTCOME;
}

/** Why a completed job with no close recorded is not brought back by a reopening. */
function completedOpen(job: Job, prNumber: number): string {
  const open = prRecordOf(job);
  // Earlier versions completed a retried job on finding its PR closed, without recording the close: there
  // is no close here to undo, and no outcome to correct, so the job is not brought back.
  if (open?.pr?.state === "closed") return `job ${job.id} completed on finding PR #${prNumber} already closed, without recording the close (an earlier version of this app): it does not watch the PR again, follow it by hand`;
  return `job ${job.id} completed without its PR being closed`;
}
