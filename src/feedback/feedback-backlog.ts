import type { JobStore } from "../core/ports/job-store.js";

export interface FeedbackBacklog {
  /** Feedback items not sent yet, over every job. */
  pending: number;
  /** Age of the oldest of them (from when it was recorded), 0 when there is none. */
  oldestAgeMs: number;
}

/**
 * What the outbox has yet to deliver, read from the store (what every process's sweep sends from), so a
 * scrape tells feedback stuck for hours (a value the gateway keeps failing, a refused key) apart from a
 * minute's wait. One read per job with pending feedback, as a sweep does.
 */
export async function feedbackBacklog(store: Pick<JobStore, "listJobIdsWithPendingFeedback" | "getJob">, now: number): Promise<FeedbackBacklog> {
  let pending = 0;
  let oldest = now;
  for (const id of await store.listJobIdsWithPendingFeedback()) {
    const job = await store.getJob(id);
    for (const f of job?.feedback ?? []) {
      if (f.status !== "pending") continue;
      pending++;
      const at = Date.parse(f.createdAt);
      if (at < oldest) oldest = at;
    }
  }
  return { pending, oldestAgeMs: Math.max(0, now - oldest) };
}
