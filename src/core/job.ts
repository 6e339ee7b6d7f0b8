/** Job model and lifecycle (DESIGN.md §2). The state names are part of the public contract. */
export const JOB_STATES = [
  "pending", "cloning", "analysis", "patching", "testing", "pr", "feedback", "completed", "failed",
] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINAL_STATES: ReadonlySet<JobState> = new Set(["completed", "failed"]);
export const isFinal = (s: JobState) => FINAL_STATES.has(s);

export interface JobError {
  code: string;
  message: string;
  retryable: boolean;
  stage?: string;
  at: string;
  details?: Record<string, unknown>;
}

export interface HistoryEntry {
  state: JobState;
  at: string;
  stage?: string;
  note?: string;
}

export interface JobRepo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch?: string;
  private?: boolean;
}

export interface JobRun {
  /** workflow run id; for a check_suite-only job (non-Actions CI) this is the check suite id, see `source`. */
  id: number;
  attempt: number;
  source: "workflow_run" | "check_suite";
  name?: string;
  workflowPath?: string;
  headSha: string;
  headBranch: string;
  event?: string;
  conclusion: string;
  htmlUrl?: string;
  checkSuiteId?: number;
  pullRequests: number[];
  actor?: string;
  triggeringActor?: string;
  /**
   * The latest attempt of this run people re-ran while the job had no fix PR yet, and how it ended: one that
   * passed means the failure is gone, and no fix PR opens for it. Set by the workflow_run handler.
   */
  latestAttempt?: { attempt: number; conclusion: string };
}

/** A feedback item waiting to reach TensorZero: written to the job first, then sent, never dropped. */
export interface FeedbackItem {
  id: string;
  metric: string;
  value: unknown;
  target: { inferenceId: string } | { episodeId: string };
  tags?: Record<string, string>;
  status: "pending" | "sent" | "failed";
  attempts: number;
  /**
   * Of `attempts`, those the gateway answered "does not exist" (what MISSING_TARGET_MAX_ATTEMPTS counts):
   * tries lost to an outage or a refused key say nothing about whether the target will ever show up.
   * Absent on jobs stored before it was kept: 0.
   */
  missingTargetAttempts?: number;
  lastError?: string;
  createdAt: string;
  sentAt?: string;
  /** Set while one flush is sending the item (a lease): another flush leaves it alone until then. */
  sendingUntil?: string;
  /**
   * Not sent again before this time: a send the gateway failed (a 5xx, a 429, a timeout, no answer, or a
   * config mismatch within its day of grace) backs the item off, so one it keeps failing is not resent every sweep, each failure counting toward the
   * client's circuit breaker. Absent: due now.
   */
  nextAttemptAt?: string;
  /** Of `attempts`, the failures that backed the item off (what its wait doubles on). Absent: 0. */
  backoffs?: number;
}

export interface Job {
  id: string;
  /** `${repo.id}:${run.id}`: one job per repository and workflow run, whatever the redeliveries. */
  key: string;
  deliveryId: string;
  installationId: number;
  repo: JobRepo;
  run: JobRun;
  /** Stable hash of the failure (repo, workflow, job/step names); used by the fix-loop guard. */
  fingerprint: string;
  state: JobState;
  history: HistoryEntry[];
  /** Stage currently running or due next. */
  stage?: string;
  completedStages: string[];
  /** Per-stage results, keyed by stage name. */
  results: Record<string, unknown>;
  error?: JobError;
  /**
   * Stage starts: in all, per stage, and per stage as it stood when that stage last completed (a stage can
   * run again: watch-pr on every PR event, a repair attempt). Starts since the last completion are the
   * retry budget, and what shows a stage whose process keeps dying. `waits` counts the current stage's
   * tries in a row that found a dependency down: they lengthen its backoff but spend none of its budget;
   * `waitsSince` is when the first of them failed (the job gives up after WAIT_MAX_HOURS).
   */
  attempts: { total: number; byStage: Record<string, number>; atCompletion?: Record<string, number>; waits?: number; waitsSince?: string };
  /** Set while a retryable failure waits for its backoff. */
  nextAttemptAt?: string;
  /** Set when the job waits for an outside event (e.g. the fix PR being reviewed or merged). */
  waitingFor?: string;
  /**
   * When the parked-job reconciliation last asked GitHub about this parked job and found nothing the
   * webhooks had missed (pipeline/reconcile-parked.ts): it asks again RECONCILE_PARKED_HOURS after that.
   */
  reconciledAt?: string;
  /**
   * Set by an operator's retry that resumes the job in watch-pr, or in open-pull-request with its PR on
   * record (stopped while parked on it): while it was stopped, its fix PR may have been closed or its CI
   * finished with no webhook recorded (a suspended installation is sent none), and parked again it would
   * wait for them until the parked-job reconciliation. open-pull-request then goes on instead of parking;
   * watch-pr first asks GitHub, as that reconciliation does, then clears it.
   */
  reconcileOnResume?: boolean;
  /**
   * Counts wake-ups (a PR event recorded on the job, an operator's resume). A stage that did not finish
   * the job while one came in is run again instead of parked (the job would wait for an event it already
   * has) or passed (watch-pr done with a closed PR that was reopened meanwhile).
   */
  wakes?: number;
  dryRun: boolean;
  feedback: FeedbackItem[];
  createdAt: string;
  updatedAt: string;
}

/** A feedback item still waits to be sent (the outbox resends it; retention keeps the job for it). */
export const hasPendingFeedback = (job: Job): boolean => job.feedback?.some((f) => f.status === "pending") ?? false;

export function jobKey(repoId: number, runId: number): string {
  return `${repoId}:${runId}`;
}

/** Appends a state transition; a no-op when the state does not change. */
export function transition(job: Job, state: JobState, at: string, extra: { stage?: string; note?: string } = {}): void {
  if (job.state === state && !extra.note) return;
  job.state = state;
  job.history.push({ state, at, ...extra });
}

/**
 * Brings a job back to `state` from where it ended (an operator's retry of a failed job, a fix PR closed
 * and then reopened), with a history note saying why: what the last run left (error, wait, backoff) goes.
 */
export function reactivate(job: Job, state: JobState, at: string, why: { stage?: string; note: string }): void {
  transition(job, state, at, { ...(why.stage ? { stage: why.stage } : {}), note: why.note });
  delete job.attempts.waits;
  delete job.attempts.waitsSince;
  job.error = undefined;
  job.waitingFor = undefined;
  job.nextAttemptAt = undefined;
  job.updatedAt = at;
}

/** Records a wake-up on the job and lets it run (see `Job.wakes`). */
export function wake(job: Job): void {
  job.waitingFor = undefined;
  job.wakes = (job.wakes ?? 0) + 1;
}

/** Why a job was stopped from outside the runner: the code and message kept as its error. */
export interface StopReason {
  code: string;
  message: string;
}

/**
 * Ends an unfinished job from outside the runner (the app lost access to its repository): failed, not
 * retryable, with the reason, which is what `jobs retry` undoes once access is back. A job parked waiting
 * for an event gets the stage it waits in back, so that a retry runs it again instead of skipping it. A
 * runner in the middle of a stage sees the state at its next write and goes no further. Returns false,
 * changing nothing, for a job already final.
 */
export function stopJob(job: Job, reason: StopReason, at: string): boolean {
  if (isFinal(job.state)) return false;
  const stage = job.stage ? { stage: job.stage } : {};
  if (job.waitingFor && job.stage) job.completedStages = job.completedStages.filter((s) => s !== job.stage);
  job.waitingFor = undefined;
  job.nextAttemptAt = undefined;
  job.error = { code: reason.code, message: reason.message, retryable: false, ...stage, at };
  transition(job, "failed", at, { ...stage, note: reason.code });
  job.updatedAt = at;
  return true;
}
