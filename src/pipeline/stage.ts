import type { Deps } from "../core/deps.js";
import type { Job, JobState } from "../core/job.js";
import type { Logger } from "../core/ports/index.js";

export interface StageContext {
  log: Logger;
  signal: AbortSignal;
  dryRun: boolean;
  /** 1 for the first try of this stage on this job, 2 for the first retry, ... */
  attempt: number;
}

/**
 * What a stage returns. `result` is stored on the job under the stage's name. `wait` parks the job
 * (state kept, not re-queued) until an outside event resumes it. `finish` ends the job early as
 * completed with a note (e.g. the repo config turned the bot off).
 */
export interface StageOutcome {
  result?: unknown;
  wait?: string;
  finish?: string;
}

export interface Stage {
  name: string;
  /** Lifecycle state the job is in while this stage runs. */
  state: JobState;
  /** Stages with side effects outside the process describe them instead of acting when DRY_RUN is on. */
  sideEffects: boolean;
  /**
   * A stage that decides from what other jobs recorded (open-pull-request: the sibling fix PR, the open-PR
   * cap) takes this lock, keyed for the jobs it must not decide beside, before it runs, and holds it until
   * its outcome is written on the job, so the next one reads it. Not taken for a dry run. Not got within
   * `waitMs`, the stage fails with the retryable LOCK_BUSY, which the runner waits out.
   */
  lock?: { key(job: Job): string; waitMs: number };
  run(job: Job, deps: Deps, ctx: StageContext): Promise<StageOutcome>;
  /** Dry-run counterpart of `run` for stages with side effects; returns what it would have done. */
  dryRun?(job: Job, deps: Deps, ctx: StageContext): Promise<StageOutcome>;
}
