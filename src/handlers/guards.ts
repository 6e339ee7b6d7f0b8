import type { Job } from "../core/job.js";
import type { DecisionScope, HandlerDeps, IntakeDecision } from "./decision.js";

/**
 * The last two checks before a job is created, in this order: a run that already has a job is a
 * `duplicate` (redelivery, re-run with a higher run_attempt), and only a new run can trip the fix-loop cap.
 * The store repeats the duplicate check atomically, so two concurrent deliveries still make one job.
 */
export async function createUnlessRepeated(deps: HandlerDeps, job: Job, scope: DecisionScope): Promise<IntakeDecision> {
  const existing = await deps.store.findJobByKey(job.key);
  if (existing) return { ...scope, outcome: "duplicate", reason: "a job for this run exists", jobId: existing.id };
  const seen = await deps.store.countByFingerprint(job.repo.id, job.fingerprint);
  if (seen >= deps.config.MAX_ATTEMPTS_PER_FINGERPRINT) {
    return {
      ...scope,
      outcome: "ignored",
      reason: `the same failure was already attempted ${seen} times (MAX_ATTEMPTS_PER_FINGERPRINT=${deps.config.MAX_ATTEMPTS_PER_FINGERPRINT}); fix it by hand or raise the cap`,
    };
  }
  return { ...scope, outcome: "job_created", job };
}
