import type { Deps } from "../core/deps.js";
import { AppError } from "../core/errors.js";
import { transition, type Job } from "../core/job.js";
import { queueItemFor } from "./runner.js";
import { STAGES } from "./stages.js";

/**
 * Operator retry (CLI and admin API): a failed job goes back to the state of the stage that failed,
 * with that stage's retry budget reset, and is queued again. Completed stages are not redone.
 */
export async function retryJob(deps: Pick<Deps, "store" | "queue" | "clock">, id: string): Promise<Job> {
  const current = await deps.store.getJob(id);
  if (!current) throw new AppError("job_not_found", `No job with id ${id}; list jobs with \`t0-ci-bot jobs list\`.`);
  if (current.state !== "failed") {
    throw new AppError("job_not_failed", `Job ${id} is ${current.state}; only failed jobs can be retried.`);
  }
  const at = new Date(deps.clock.now()).toISOString();
  const stageName = current.error?.stage ?? STAGES.find((s) => !current.completedStages.includes(s.name))?.name;
  const stage = STAGES.find((s) => s.name === stageName) ?? STAGES[0]!;
  const job = await deps.store.updateJob(id, (j) => {
    transition(j, stage.state, at, { stage: stage.name, note: "retried by operator" });
    j.attempts.byStage[stage.name] = 0;
    j.error = undefined;
    j.waitingFor = undefined;
    j.nextAttemptAt = undefined;
    j.updatedAt = at;
  });
  await deps.queue.enqueue(queueItemFor(job));
  return job;
}

/** Wakes a job parked by a stage's `wait` (e.g. when the fix PR's outcome arrives). */
export async function resumeJob(deps: Pick<Deps, "store" | "queue" | "clock">, id: string, update?: (job: Job) => void): Promise<Job> {
  const job = await deps.store.updateJob(id, (j) => {
    j.waitingFor = undefined;
    j.updatedAt = new Date(deps.clock.now()).toISOString();
    update?.(j);
  });
  await deps.queue.enqueue(queueItemFor(job));
  return job;
}
