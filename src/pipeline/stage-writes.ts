import { isFinal, transition, type Job } from "../core/job.js";
import type { Stage, StageOutcome } from "./stage.js";

/**
 * What the runner writes on a job around one stage, as mutations applied inside the store's update (where
 * the job read is the current one: a stop or a webhook may have changed it since the runner last looked).
 */

/** Starts of a stage since it last completed (all of them if it never did). */
export function startsSinceCompleted(job: Job, stage: string): number {
  return Math.max(0, (job.attempts.byStage[stage] ?? 0) - (completionBaseline(job)[stage] ?? 0));
}

/**
 * Starts counted at each stage's last completion. A job stored before these were kept has none: its
 * stages that completed (a result or a place in completedStages) count from where they are now, or a
 * watch-pr stage woken more often than the retry budget would fail as crashed on its next PR event.
 */
export function completionBaseline(job: Job): Record<string, number> {
  if (job.attempts.atCompletion) return job.attempts.atCompletion;
  const done = new Set([...Object.keys(job.results), ...job.completedStages]);
  return Object.fromEntries([...done].map((s) => [s, job.attempts.byStage[s] ?? 0]));
}

/** The start of a stage: its state, and one more start counted. A job stopped meanwhile is left as it is. */
export function markStageStarted(j: Job, stage: Pick<Stage, "name" | "state">, now: string): void {
  if (isFinal(j.state)) return;
  transition(j, stage.state, now, { stage: stage.name });
  j.stage = stage.name;
  j.attempts.atCompletion = completionBaseline(j);
  j.attempts.total++;
  j.attempts.byStage[stage.name] = (j.attempts.byStage[stage.name] ?? 0) + 1;
  j.nextAttemptAt = undefined;
  j.updatedAt = now;
}

/**
 * A stage's outcome on the job. `stopped`: the job was stopped while the stage ran; what it did is kept
 * (a retry does not do it twice), nothing more. `woken`: an event recorded while the stage ran, one it has
 * not seen (the job's wakes moved past `wakesAtStart`), so the stage is not marked done and runs again.
 */
export function recordStageOutcome(j: Job, stage: string, outcome: StageOutcome, wakesAtStart: number, now: string): { stopped: boolean; woken: boolean } {
  if (isFinal(j.state)) {
    if (outcome.result !== undefined) j.results[stage] = outcome.result;
    if (!outcome.wait) j.completedStages.push(stage);
    return { stopped: true, woken: false };
  }
  // Also when the stage was done with the job (watch-pr on a close): a PR reopened meanwhile is still open.
  const woken = !outcome.finish && (j.wakes ?? 0) !== wakesAtStart;
  if (outcome.result !== undefined) j.results[stage] = outcome.result;
  if (!woken) j.completedStages.push(stage);
  j.attempts.atCompletion = { ...j.attempts.atCompletion, [stage]: j.attempts.byStage[stage] ?? 0 };
  delete j.attempts.waits;
  delete j.attempts.waitsSince;
  j.error = undefined;
  j.updatedAt = now;
  if (outcome.finish) transition(j, "completed", now, { stage, note: outcome.finish });
  if (outcome.wait && !woken) j.waitingFor = outcome.wait;
  return { stopped: false, woken };
}
