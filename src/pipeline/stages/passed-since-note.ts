import type { Job } from "../../core/job.js";

/**
 * Why the job ends without a fix, when people re-ran its failed run and the latest attempt passed
 * (handlers/on-workflow-run.ts notes it): a fix PR for a failure that is already green is noise.
 */
export function passedSinceNote(job: Job): string | undefined {
  const latest = job.run.latestAttempt;
  return latest?.conclusion === "success" && latest.attempt > job.run.attempt ? `attempt ${latest.attempt} of run ${job.run.id} passed since it failed (re-run by people): no fix PR for a failure already green` : undefined;
}
