import type { Job } from "../core/job.js";
import type { DecisionScope, HandlerDeps, IntakeDecision } from "./decision.js";

/**
 * The last check before a job is created: the fix-loop cap. A run that already has a job is a
 * `duplicate` (redelivery, re-run with a higher run_attempt) whatever the cap says; the store makes that
 * call atomically in `recordIntake`, so the common path reads only the in-memory fingerprint count, and
 * the job is looked up here only when the cap would refuse it. This check is the cheap early answer; the
 * store checks the cap again in the step that creates the job (intake.ts), so a burst cannot pass it.
 */
export async function createUnlessRepeated(deps: HandlerDeps, job: Job, scope: DecisionScope): Promise<IntakeDecision> {
  const seen = await deps.store.countByFingerprint(job.repo.id, job.fingerprint);
  if (seen < deps.config.MAX_ATTEMPTS_PER_FINGERPRINT) return { ...scope, outcome: "job_created", job };
  const existing = await deps.store.findJobByKey(job.key);
  if (existing) return { ...scope, outcome: "duplicate", reason: "a job for this run exists", jobId: existing.id };
  return { ...scope, outcome: "ignored", reason: repeatedFailureReason(seen, deps.config.MAX_ATTEMPTS_PER_FINGERPRINT) };
}

export function repeatedFailureReason(seen: number, cap: number): string {
  return `the same failure was already attempted ${seen} times (MAX_ATTEMPTS_PER_FINGERPRINT=${cap}); fix it by hand or raise the cap`;
}
