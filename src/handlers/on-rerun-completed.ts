import { transition, type Job } from "../core/job.js";
import { RERUN_FLAKY, WAIT_RERUN, type RerunFlakyResult } from "../pipeline/stages/rerun-flaky.js";
import type { DeliveryMeta, HandlerDeps, IntakeDecision } from "./decision.js";

export interface RerunCompletion {
  repoFullName: string;
  installationId: number;
  run: { id: number; run_attempt: number; conclusion: string | null };
}

/** The job parked by rerun-flaky for this run, if this delivery is the attempt it waits for. */
export function awaitsRerun(job: Job | undefined, attempt: number): job is Job {
  const r = job?.results[RERUN_FLAKY] as RerunFlakyResult | undefined;
  return !!job && job.waitingFor === WAIT_RERUN && !!r?.awaitingAttempt && attempt >= r.awaitingAttempt;
}

/**
 * The re-run asked for by rerun-flaky finished: green → the job completes without a patch (it was flaky);
 * red → the job resumes from fetch-logs with this attempt's logs. Store-only, like every handler.
 */
export async function onRerunCompleted(job: Job, r: RerunCompletion, meta: DeliveryMeta, deps: HandlerDeps): Promise<IntakeDecision> {
  const scope = { repoFullName: r.repoFullName, installationId: r.installationId, runId: r.run.id };
  const green = r.run.conclusion === "success";
  await deps.store.updateJob(job.id, (j) => {
    j.waitingFor = undefined;
    j.updatedAt = meta.receivedAt;
    if (green) {
      transition(j, "completed", meta.receivedAt, { stage: RERUN_FLAKY, note: `re-run attempt ${r.run.run_attempt} passed: flaky, no patch` });
      return;
    }
    j.run = { ...j.run, attempt: r.run.run_attempt, conclusion: r.run.conclusion ?? j.run.conclusion };
    j.completedStages = j.completedStages.filter((s) => s !== "fetch-logs" && s !== "build-context");
  });
  return {
    ...scope,
    outcome: "event_routed",
    reason: green ? `re-run attempt ${r.run.run_attempt} passed; job ${job.id} completed without a patch` : `re-run attempt ${r.run.run_attempt} failed again; job ${job.id} resumes with its logs`,
    ...(green ? {} : { resumeJobId: job.id }),
  };
}
