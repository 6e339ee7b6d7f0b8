import { transition, type Job } from "../core/job.js";
import { RERUN_FLAKY, WAIT_RERUN, type RerunFlakyResult } from "../pipeline/stages/rerun-flaky-result.js";
import type { DeliveryMeta, HandlerDeps, IntakeDecision } from "./decision.js";
import { conclusionFilter } from "./filters.js";

export interface RerunCompletion {
  repoFullName: string;
  installationId: number;
  run: { id: number; run_attempt: number; conclusion: string | null };
}

/** The job parked by rerun-flaky for this run, if this delivery is the attempt it waits for. */
export function awaitsRerun(job: Job | undefined, attempt: number): boolean {
  const r = job?.results[RERUN_FLAKY] as RerunFlakyResult | undefined;
  return !!job && job.waitingFor === WAIT_RERUN && !!r?.awaitingAttempt && attempt >= r.awaitingAttempt;
}

/**
 * The re-run asked for by rerun-flaky finished: green → the job completes without a patch (it was flaky);
 * red (a conclusion a new run would be repaired for) → the job resumes from fetch-logs with this attempt's
 * logs; anything else (cancelled, skipped, neutral, stale, action_required) says nothing about the failure,
 * and someone chose to stop the run: the job completes without a patch. Store-only, like every handler.
 */
export async function onRerunCompleted(job: Job, r: RerunCompletion, meta: DeliveryMeta, deps: HandlerDeps): Promise<IntakeDecision> {
  const scope = { repoFullName: r.repoFullName, installationId: r.installationId, runId: r.run.id };
  const attempt = r.run.run_attempt;
  const verdict = r.run.conclusion === "success" ? "green" : conclusionFilter(r.run.conclusion) ? "inconclusive" : "red";
  let handled = false;
  await deps.store.updateJob(job.id, (j) => {
    // Checked again inside the write: two deliveries of this completion (a redelivery racing the original)
    // both saw the job waiting when they read it, and only the first may resume or finish it.
    handled = awaitsRerun(j, attempt);
    if (!handled) return;
    j.waitingFor = undefined;
    j.updatedAt = meta.receivedAt;
    if (verdict === "green") {
      transition(j, "completed", meta.receivedAt, { stage: RERUN_FLAKY, note: `re-run attempt ${attempt} passed: flaky, no patch` });
      return;
    }
    if (verdict === "inconclusive") {
      transition(j, "completed", meta.receivedAt, { stage: RERUN_FLAKY, note: `re-run attempt ${attempt} ended ${r.run.conclusion ?? "without a conclusion"}; not repairing` });
      return;
    }
    j.run = { ...j.run, attempt, conclusion: r.run.conclusion ?? j.run.conclusion };
    j.completedStages = j.completedStages.filter((s) => s !== "fetch-logs" && s !== "build-context");
  });
  if (!handled) return { ...scope, outcome: "duplicate", reason: `re-run attempt ${attempt} was already handled for job ${job.id}` };
  const reason = {
    green: `re-run attempt ${attempt} passed; job ${job.id} completed without a patch`,
    inconclusive: `re-run attempt ${attempt} ended ${r.run.conclusion ?? "without a conclusion"}; job ${job.id} completed without a patch`,
    red: `re-run attempt ${attempt} failed again; job ${job.id} resumes with its logs`,
  }[verdict];
  return { ...scope, outcome: "event_routed", reason, ...(verdict === "red" ? { resumeJobId: job.id } : {}) };
}
