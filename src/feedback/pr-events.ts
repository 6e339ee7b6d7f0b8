import type { Job } from "../core/job.js";

/** Outside events about the fix PR, recorded on the job by webhook handlers, consumed by watch-pr. */
export type PrEvent =
  | { id: string; kind: "ci"; runId: number; /** The run's attempt when it is a re-run (absent: 1). */ attempt?: number; conclusion: string; headSha: string; url?: string; at: string }
  | { id: string; kind: "closed"; merged: boolean; headSha: string; by?: string; at: string };

export const PR_EVENTS = "pr-events";
export const WATCH_PR = "watch-pr";

export const prEventsOf = (job: Job): PrEvent[] => (job.results[PR_EVENTS] as PrEvent[] | undefined) ?? [];

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
